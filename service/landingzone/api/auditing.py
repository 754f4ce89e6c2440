"""The audit trail as the routes write it: the caller is the actor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from landingzone.api.callers import Caller
from landingzone.audit.models import Action, Actor, AuditEntry, Outcome
from landingzone.landing_zone.runtime import Runtime


def actor_of(caller: Caller) -> Actor:
    user = caller.on_behalf_of.user if caller.on_behalf_of else None
    return Actor(caller.name, user, caller.actor)


def audit(
    runtime: Runtime,
    caller: Caller,
    action: Action,
    outcome: Outcome,
    landing_zone_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    runtime.store.audit.append(
        AuditEntry(action, outcome, actor_of(caller), landing_zone_id, detail or {})
    )
