"""`/bitbucket-scmsource-hook/notify`, the Bitbucket Branch Source plugin's webhook receiver.

The plugin turns an event into SCM head events for Bitbucket branch sources, that is for
multibranch projects and organization folders; plain pipeline jobs never hear of it, even
with an SCMTrigger. The sandbox runs no branch source indexing, so the receiver checks the
request as the plugin does (signature when a secret is configured, a known X-Event-Key)
and starts nothing. Plain jobs are woken through the git plugin's notifyCommit instead.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from .security import JenkinsError

# HookEventType keys of Bitbucket Server and Bitbucket Cloud.
KNOWN_EVENTS = frozenset(
    {
        "repo:refs_changed",
        "mirror:repo_synchronized",
        "diagnostics:ping",
        "pr:opened",
        "pr:from_ref_updated",
        "pr:modified",
        "pr:merged",
        "pr:declined",
        "pr:deleted",
        "repo:push",
        "pullrequest:created",
        "pullrequest:updated",
        "pullrequest:fulfilled",
        "pullrequest:rejected",
    }
)


def verify_signature(body: bytes, presented: str | None, secret: str | None) -> None:
    if secret is None:
        return
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if presented is None or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise JenkinsError(403, "Invalid or missing X-Hub-Signature")


def check_event(headers: Mapping[str, str]) -> str:
    event = headers.get("x-event-key")
    if event is None:
        raise JenkinsError(400, "X-Event-Key HTTP header not found")
    if event not in KNOWN_EVENTS:
        raise JenkinsError(400, f"X-Event-Key HTTP header invalid: {event}")
    return event
