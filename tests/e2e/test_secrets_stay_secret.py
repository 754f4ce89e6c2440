"""No secret in a log line, an event, an API response, the database or a rendered repository.

Runs after the other end-to-end modules, so it inspects everything they left behind.
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
        "bitbucket password": d["bitbucket"]["password"],
        "jenkins token": d["jenkins"]["token"],
        "servicenow password": d["servicenow"]["password"],
        "approver password": d["servicenow"]["approver"]["password"],
    }


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


def _a_completed_landing_zone(sandbox: Sandbox) -> None:
    """Test files are spread over workers, so this one may be the first to use its sandbox."""
    with sandbox.api() as client:
        listed = client.get("/v1/landing-zones", params={"status": "completed", "limit": 1})
    if not listed.json()["items"]:
        sandbox.wait_status(sandbox.create(request_body("secrets-probe"))["id"], {"completed"})


def test_no_secret_leaks_anywhere(sandbox: Sandbox, tmp_path: Path) -> None:
    _a_completed_landing_zone(sandbox)
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
