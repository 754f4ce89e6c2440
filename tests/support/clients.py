"""The vendors' own client libraries, pointed at the sandbox, as platform engineers use them."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import jenkins
import pysnow
from atlassian import Bitbucket

from tests.support.sandbox import Sandbox


def bitbucket(sandbox: Sandbox) -> Bitbucket:
    bb = sandbox.description["bitbucket"]
    return Bitbucket(bb["url"], username=bb["username"], password=bb["password"])


def jenkins_server(sandbox: Sandbox) -> jenkins.Jenkins:
    jk = sandbox.description["jenkins"]
    return jenkins.Jenkins(jk["url"], username=jk["username"], password=jk["token"])


def servicenow(sandbox: Sandbox, as_approver: bool = False) -> pysnow.Client:
    sn = sandbox.description["servicenow"]
    user, password = (
        (sn["approver"]["username"], sn["approver"]["password"])
        if as_approver
        else (sn["username"], sn["password"])
    )
    return pysnow.Client(host=sn["host"], user=user, password=password, use_ssl=False)


def mailbox_messages(sandbox: Sandbox) -> list[dict[str, Any]]:
    response = httpx.get(f"{sandbox.url('mailbox')}/api/v1/messages", timeout=10)
    response.raise_for_status()
    return response.json()["messages"]  # type: ignore[no-any-return]


def mailbox_message(sandbox: Sandbox, message_id: str) -> dict[str, Any]:
    response = httpx.get(f"{sandbox.url('mailbox')}/api/v1/message/{message_id}", timeout=10)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def git(sandbox: Sandbox, *args: str, cwd: Path | None = None) -> None:
    """Run git with the sandbox Bitbucket's credentials in the environment, never in argv."""
    bb = sandbox.description["bitbucket"]
    token = base64.b64encode(f"{bb['username']}:{bb['password']}".encode()).decode()
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {token}",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=60)


def git_clone(sandbox: Sandbox, clone_url: str, into: Path) -> Path:
    git(sandbox, "clone", "--quiet", clone_url, str(into))
    return into


def link_resolves(sandbox: Sandbox, url: str) -> bool:
    """Follow a link as its reader would, signed in to the system it points at."""
    d = sandbox.description
    headers = {}
    auth: tuple[str, str] | None = None
    if url.startswith(d["api"]["url"]):
        headers["Authorization"] = f"Bearer {d['api']['token']}"
    for system, secret in (
        ("bitbucket", "password"),
        ("jenkins", "token"),
        ("servicenow", "password"),
    ):
        if url.startswith(d[system]["url"]):
            auth = (d[system]["username"], d[system][secret])
    if url.endswith(".git"):
        url = f"{url}/info/refs?service=git-upload-pack"
    response = httpx.get(url, auth=auth, headers=headers, timeout=10, follow_redirects=True)
    return response.status_code == 200


def records(client: pysnow.Client, table: str, query: dict[str, str]) -> list[dict[str, Any]]:
    return list(client.resource(api_path=f"/table/{table}").get(query=query).all())
