"""Bitbucket Server push notifications (`repo:refs_changed`) that start pipeline builds.

A pipeline job is started when its Git URL is the repository's http clone link, its branch
specifier matches a pushed branch, and it declares a push trigger (SCMTrigger or
BitBucketTrigger), as a job must in Jenkins to react to pushes at all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

from .gitcheck import branch_of, display_url, same_repository
from .runner import SCM_CAUSE, BuildRunner
from .security import JenkinsError
from .store import JenkinsStore

log = logging.getLogger(__name__)

REFS_CHANGED = "repo:refs_changed"


def verify_signature(body: bytes, presented: str | None, secret: str | None) -> None:
    if secret is None:
        return
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if presented is None or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise JenkinsError(403, "Invalid or missing X-Hub-Signature")


def handle_push(
    headers: Mapping[str, str], body: bytes, store: JenkinsStore, runner: BuildRunner
) -> list[str]:
    """Queue builds for the jobs this event concerns; returns their full names."""
    event = headers.get("x-event-key", "")
    if event != REFS_CHANGED:
        return []
    try:
        payload = json.loads(body)
    except ValueError:
        raise JenkinsError(400, "The payload is not JSON") from None
    if not isinstance(payload, dict):
        raise JenkinsError(400, "The payload is not a JSON object")
    clone_url = _http_clone_link(payload.get("repository"))
    branches = _pushed_branches(payload.get("changes"))
    if clone_url is None or not branches:
        return []
    started: list[str] = []
    for item in store.items():
        config = item.config
        if config.kind != "pipeline" or config.git is None or not config.push_trigger:
            continue
        if config.disabled or not same_repository(config.git.url, clone_url):
            continue
        wanted = branch_of(config.git.branch_spec)
        if wanted is not None and wanted not in branches:
            continue
        defaults = tuple((p.name, p.default) for p in config.parameters)
        runner.schedule(item.full_name, defaults, SCM_CAUSE)
        started.append(item.full_name)
    log.info("push to %s started %d build(s)", display_url(clone_url), len(started))
    return started


def _http_clone_link(repository: Any) -> str | None:
    if not isinstance(repository, dict):
        return None
    links = repository.get("links", {})
    clone = links.get("clone", []) if isinstance(links, dict) else []
    for link in clone if isinstance(clone, list) else []:
        if isinstance(link, dict) and link.get("name") == "http" and link.get("href"):
            return str(link["href"])
    return None


def _pushed_branches(changes: Any) -> set[str]:
    branches: set[str] = set()
    for change in changes if isinstance(changes, list) else []:
        if not isinstance(change, dict) or change.get("type") == "DELETE":
            continue
        ref = change.get("ref")
        ref_id = ref.get("id") if isinstance(ref, dict) else change.get("refId")
        if isinstance(ref_id, str) and ref_id.startswith("refs/heads/"):
            branches.add(ref_id.removeprefix("refs/heads/"))
    return branches
