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

from tests.support.sandbox import Described


def bitbucket(sandbox: Described) -> Bitbucket:
    bb = sandbox.description["bitbucket"]
    return Bitbucket(bb["url"], username=bb["username"], password=bb["password"])


def jenkins_server(sandbox: Described) -> jenkins.Jenkins:
    jk = sandbox.description["jenkins"]
    return jenkins.Jenkins(jk["url"], username=jk["username"], password=jk["token"])


def servicenow(sandbox: Described, as_approver: bool | int = False) -> pysnow.Client:
    """The service's account, or the n-th member of the approval group (`True`: the first)."""
    sn = sandbox.description["servicenow"]
    if as_approver is False:
        user, password = sn["username"], sn["password"]
    else:
        approver = sn["approvers"][int(as_approver) - 1 if as_approver is not True else 0]
        user, password = approver["username"], approver["password"]
    return pysnow.Client(host=sn["host"], user=user, password=password, use_ssl=False)


def approver_name(sandbox: Described, nth: int = 1) -> str:
    return str(sandbox.description["servicenow"]["approvers"][nth - 1]["username"])


def mailbox_messages(sandbox: Described) -> list[dict[str, Any]]:
    response = httpx.get(f"{sandbox.url('mailbox')}/api/v1/messages", timeout=10)
    response.raise_for_status()
    return response.json()["messages"]  # type: ignore[no-any-return]


def mailbox_message(sandbox: Described, message_id: str) -> dict[str, Any]:
    response = httpx.get(f"{sandbox.url('mailbox')}/api/v1/message/{message_id}", timeout=10)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def git(sandbox: Described, *args: str, cwd: Path | None = None) -> None:
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


def git_clone(sandbox: Described, clone_url: str, into: Path) -> Path:
    git(sandbox, "clone", "--quiet", clone_url, str(into))
    return into


def link_resolves(sandbox: Described, url: str) -> bool:
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


def reference(value: object) -> str:
    """The sys_id a reference field holds, rendered with or without its link."""
    return str(value.get("value", "")) if isinstance(value, dict) else str(value or "")


def requested_items(client: pysnow.Client, landing_zone_id: str) -> list[dict[str, Any]]:
    """The requested items ServiceNow holds for a landing zone: ordered through the catalog
    (found by their `landing_zone_id` variable) or inserted with it as `correlation_id`."""
    by_variable = {
        "sc_item_option.item_option_new.name": "landing_zone_id",
        "sc_item_option.value": landing_zone_id,
    }
    ids = [
        reference(link["request_item"])
        for link in records(client, "sc_item_option_mtom", by_variable)
    ]
    ordered = [records(client, "sc_req_item", {"sys_id": sys_id})[0] for sys_id in ids]
    inserted = records(client, "sc_req_item", {"correlation_id": landing_zone_id})
    return ordered + [item for item in inserted if item["sys_id"] not in ids]


def decide(sandbox: Described, landing_zone_id: str, state: str, nth: int = 1) -> None:
    """The n-th approver answers the approval asked of them for the landing zone's item."""
    approver = servicenow(sandbox, as_approver=nth)
    [item] = requested_items(approver, landing_zone_id)
    [user] = records(approver, "sys_user", {"user_name": approver_name(sandbox, nth)})
    query = {"sysapproval": item["sys_id"], "approver": user["sys_id"]}
    approver.resource(api_path="/table/sysapproval_approver").update(
        query=query, payload={"state": state}
    )
