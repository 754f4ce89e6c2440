"""`repo:refs_changed` events: computed from ref snapshots, delivered in the background.

A delivery failure is logged and dropped; it never fails the push that caused it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from .gitstore import Ref
from .shapes import display_id

log = logging.getLogger(__name__)

REFS_CHANGED = "repo:refs_changed"
ZERO_HASH = "0" * 40


@dataclass(frozen=True)
class Delivery:
    url: str
    secret: str | None
    body: bytes
    hook_id: int
    repository_id: int = 0


def ref_changes(before: Mapping[str, Ref], after: Mapping[str, Ref]) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old is not None and new is not None and old.commit == new.commit:
            continue
        kind = "ADD" if old is None else "DELETE" if new is None else "UPDATE"
        changes.append(
            {
                "ref": {
                    "id": name,
                    "displayId": display_id(name),
                    "type": "TAG" if name.startswith("refs/tags/") else "BRANCH",
                },
                "refId": name,
                "fromHash": old.commit if old else ZERO_HASH,
                "toHash": new.commit if new else ZERO_HASH,
                "type": kind,
            }
        )
    return changes


def refs_changed_body(
    actor: dict[str, Any], repository: dict[str, Any], changes: list[dict[str, Any]]
) -> bytes:
    payload = {
        "eventKey": REFS_CHANGED,
        "date": datetime.now(UTC).astimezone().strftime("%Y-%m-%dT%H:%M:%S%z"),
        "actor": actor,
        "repository": repository,
        "changes": changes,
    }
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _redacted(url: str) -> str:
    """Scheme, host and path only: query strings and user info can carry tokens."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


def _invocation(
    delivery: Delivery, started_ms: int, outcome: str, description: str
) -> dict[str, Any]:
    finished_ms = int(time.time() * 1000)
    return {
        "id": delivery.hook_id,
        "event": REFS_CHANGED,
        "eventScope": {"id": str(delivery.repository_id), "type": "repository"},
        "start": started_ms,
        "finish": finished_ms,
        "duration": finished_ms - started_ms,
        "request": {"method": "POST", "url": delivery.url},
        "result": {"outcome": outcome, "description": description},
    }


class WebhookDispatcher:
    """Delivers in the background and keeps each webhook's latest invocation."""

    def __init__(self, timeout_seconds: float) -> None:
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bitbucket-webhook")
        self._client = httpx.Client(timeout=timeout_seconds, follow_redirects=False)
        self._latest: dict[int, dict[str, Any]] = {}
        self._guard = threading.Lock()

    def latest(self, hook_id: int) -> dict[str, Any] | None:
        with self._guard:
            return self._latest.get(hook_id)

    def _record(self, delivery: Delivery, invocation: dict[str, Any]) -> None:
        with self._guard:
            self._latest[delivery.hook_id] = invocation

    def submit(self, delivery: Delivery) -> None:
        try:
            self._executor.submit(self._deliver, delivery)
        except RuntimeError:
            log.warning("webhook %s not delivered: simulator is shutting down", delivery.hook_id)

    def _deliver(self, delivery: Delivery) -> None:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Event-Key": REFS_CHANGED,
            "X-Request-Id": str(uuid.uuid4()),
        }
        if delivery.secret:
            headers["X-Hub-Signature"] = signature(delivery.body, delivery.secret)
        started_ms = int(time.time() * 1000)
        try:
            response = self._client.post(delivery.url, content=delivery.body, headers=headers)
        except httpx.HTTPError as exc:
            self._record(delivery, _invocation(delivery, started_ms, "ERROR", type(exc).__name__))
            log.warning(
                "webhook %s delivery to %s failed: %s",
                delivery.hook_id,
                _redacted(delivery.url),
                type(exc).__name__,
            )
            return
        status = response.status_code
        outcome = "SUCCESS" if status < 300 else "FAILURE"
        self._record(delivery, _invocation(delivery, started_ms, outcome, str(status)))
        if response.status_code >= 300:
            log.warning(
                "webhook %s delivery to %s answered %s",
                delivery.hook_id,
                _redacted(delivery.url),
                response.status_code,
            )

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=False)
        self._client.close()
