"""A landing zone's promotions as the platform's own systems record them: the changes in
ServiceNow, an approver's answer through the Table API, and what the environment repository's
overlays pin and which commits changed them."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.support.clients import approver_name, bitbucket, git, records, servicenow
from tests.support.sandbox import Described

# change_request states as the instance stores them.
AUTHORIZE, IMPLEMENT, CLOSED, CANCELED = "-3", "-1", "3", "4"


def new_digest() -> str:
    return "sha256:" + secrets.token_hex(32)


def changes_for(sandbox: Described, promotion_id: str) -> list[dict[str, Any]]:
    return records(servicenow(sandbox), "change_request", {"correlation_id": promotion_id})


def changes_naming(sandbox: Described, text: str) -> list[dict[str, Any]]:
    """Every change whose description mentions `text` (a digest, say)."""
    every = records(servicenow(sandbox), "change_request", {})
    return [change for change in every if text in change["description"]]


def approver_shown_as(sandbox: Described, nth: int = 1) -> str:
    """How ServiceNow names the n-th approver of the change board (their display name)."""
    [user] = records(servicenow(sandbox), "sys_user", {"user_name": approver_name(sandbox, nth)})
    return str(user["name"])


def decide_change(
    sandbox: Described, change: dict[str, Any], state: str, comment: str, nth: int = 1
) -> None:
    """The n-th approver of the change board answers the approval the change asked of them."""
    approver = servicenow(sandbox, as_approver=nth)
    [user] = records(approver, "sys_user", {"user_name": approver_name(sandbox, nth)})
    approver.resource(api_path="/table/sysapproval_approver").update(
        query={"sysapproval": change["sys_id"], "approver": user["sys_id"]},
        payload={"state": state, "comments": comment},
    )


def overlay(
    sandbox: Described, project: str, name: str, environment: str, workdir: Path
) -> tuple[str | None, list[tuple[str, str, str]]]:
    """The digest `environment`'s overlay pins for the component's image, and the commits that
    changed the overlay (id, author, subject), newest first."""
    repository = bitbucket(sandbox).get_repo(project, f"{name}-env")
    clone_url = next(c["href"] for c in repository["links"]["clone"] if c["name"] == "http")
    into = workdir / f"clone-{secrets.token_hex(4)}"
    git(sandbox, "clone", "--quiet", clone_url, str(into))
    path = f"environments/{environment}/kustomization.yaml"
    document = yaml.safe_load((into / path).read_text())
    image = f"nexus.example.internal:8443/{project.lower()}/{name}"
    [entry] = [e for e in document["images"] if e["name"] == image]
    log = subprocess.run(
        ["git", "log", "--format=%H%x1f%an%x1f%s", "--", path],
        cwd=into,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commits = []
    for line in log.splitlines():
        sha, author, subject = line.split("\x1f")
        commits.append((sha, author, subject))
    return entry.get("digest"), commits
