"""/v1/audit: the audit trail, oldest first, filtered and cursor-paginated."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from landingzone.api.callers import Caller, Scope, require_scope
from landingzone.api.deps import RuntimeDep
from landingzone.api.errors import ApiError
from landingzone.api.responses import READ, errors
from landingzone.audit.log import AuditFilter
from landingzone.audit.models import Action, AuditPage

router = APIRouter(prefix="/v1", tags=["audit"])


Auditor = Annotated[Caller, require_scope(Scope.AUDIT)]


@router.get("/audit", response_model=AuditPage, responses=errors(*READ))
def list_audit(
    runtime: RuntimeDep,
    _auditor: Auditor,
    landing_zone_id: Annotated[str | None, Query(max_length=40)] = None,
    actor: Annotated[
        str | None,
        Query(
            max_length=500,
            description="The actor's line, its credential, or the user it acted for.",
        ),
    ] = None,
    action: Action | None = None,
    since: Annotated[datetime | None, Query(description="At or after this instant.")] = None,
    until: Annotated[datetime | None, Query(description="Before this instant.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> AuditPage:
    """Every recorded action, in the order it happened: who (the credential and the user it
    acted for, or the ServiceNow approver), on which landing zone, what, and how it ended."""
    where = AuditFilter(
        landing_zone_id=landing_zone_id,
        actor=actor,
        action=action.value if action else None,
        since=since,
        until=until,
    )
    try:
        items, next_cursor = runtime.store.audit.page(where, limit=limit, cursor=cursor)
    except ValueError as error:
        raise ApiError(422, ("query", "cursor"), str(error), "value_error") from error
    return AuditPage(items=items, next_cursor=next_cursor)
