"""No secret in a log line, an event, an API response, the database or a rendered repository.

It makes its own landing zones first: one that completes, one that waits out an outage of
the webhook's Bitbucket calls and one that fails, so errors and waits are looked at too.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.clients import git_clone
from tests.support.sandbox import Sandbox, request_body

pytestmark = pytest.mark.e2e


def _secrets(sandbox: Sandbox) -> dict[str, str]:
    d = sandbox.description
    layout = json.loads((sandbox.data_dir / "layout.json").read_text())
    return {
        "servicenow callback secret": layout["callback_secret"],
        "bitbucket webhook secret": layout["webhook_secret"],
        "api token": d["api"]["token"],
        "backstage's api token": d["api"]["callers"]["backstage"]["token"],
        "bitbucket password": d["bitbucket"]["password"],
        "jenkins token": d["jenkins"]["token"],
        "servicenow password": d["servicenow"]["password"],
        "jenkins notifyCommit token": layout["notify_commit_token"],
    } | {f"approver {a['username']} password": a["password"] for a in d["servicenow"]["approvers"]}


def _database_text(sandbox: Sandbox) -> str:
    sqlite_files = list((sandbox.data_dir / "service").glob("*.sqlite*"))
    if sqlite_files:
        return "\n".join(p.read_bytes().decode("latin-1") for p in sqlite_files)
    url = sandbox.database_url
    assert url, "the sandbox has neither SQLite files nor a PostgreSQL URL"
    dump = subprocess.run(
        ["pg_dump", "--data-only", url], capture_output=True, check=True, text=True, timeout=120
    )
    return dump.stdout


def _make_landing_zones(sandbox: Sandbox) -> None:
    # The webhook (whose URL carries the notifyCommit token) fails twice, then works.
    sandbox.fault("bitbucket", method="POST", path=r"/webhooks$", status=503, times=2)
    completed = sandbox.create(request_body("secret-keeper"))
    sandbox.wait_status(completed["id"], {"completed", "failed"})
    sandbox.fault("jenkins", method="POST", path=r"/createItem", status=400, times=0)
    try:
        failed = sandbox.create(request_body("secret-failure"))
        sandbox.wait_status(failed["id"], {"failed", "completed"})
    finally:
        sandbox.clear_faults("jenkins")
        sandbox.clear_faults("bitbucket")


def test_no_secret_leaks_anywhere(sandbox: Sandbox, tmp_path: Path) -> None:
    _make_landing_zones(sandbox)
    with sandbox.api() as client:
        listing = client.get("/v1/landing-zones", params={"limit": 200})
        items = listing.json()["items"]
        answers = [listing.text] + [
            client.get(f"/v1/landing-zones/{item['id']}/events").text for item in items
        ]
    logs = "\n".join(p.read_text(errors="replace") for p in (sandbox.data_dir / "logs").glob("*"))
    clones = [
        git_clone(sandbox, item["links"]["clone"], tmp_path / item["id"])
        for item in items
        if item["status"] == "completed"
    ][:5]
    rendered = "\n".join(
        p.read_text(errors="replace")
        for clone in clones
        for p in clone.rglob("*")
        if p.is_file() and ".git" not in p.parts
    )
    places = {
        "API": "\n".join(answers),
        "logs": logs,
        "database": _database_text(sandbox),
        "repositories": rendered,
    }
    assert items and clones
    leaks = [
        (secret, place)
        for secret, value in _secrets(sandbox).items()
        for place, text in places.items()
        if value in text
    ]
    assert leaks == []
