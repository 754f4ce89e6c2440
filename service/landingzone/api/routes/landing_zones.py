"""/v1/landing-zones: submit, look at, follow, cancel, retry and preview landing zones."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from landingzone.api.auditing import actor_of, audit
from landingzone.api.callers import (
    Caller,
    CallerDep,
    Scope,
    api_bearer,
    missing_scope,
    require_scope,
)
from landingzone.api.deps import RuntimeDep
from landingzone.api.entitlements import NotEntitled, admit, not_a_member
from landingzone.api.errors import ApiError, not_found
from landingzone.api.responses import READ, WRITE, errors
from landingzone.audit.models import Action, Outcome
from landingzone.landing_zone import lifecycle
from landingzone.landing_zone.models import (
    OWNER_PATTERN,
    TENANT_PATTERN,
    EventPage,
    EventView,
    LandingZonePage,
    LandingZoneRequest,
    LandingZoneView,
    Preview,
    Status,
)
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.service import RequestRejected
from landingzone.landing_zone.store import Record

router = APIRouter(prefix="/v1", tags=["landing zones"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Same key and body: the same landing zone. Backstage sends its task id.",
    ),
]
STREAM_POLL_SECONDS = 0.25
Creator = Annotated[Caller, require_scope(Scope.CREATE)]
# Event numbers are a 32-bit integer column (PostgreSQL's INTEGER); a larger one is a 422.
MAX_EVENT_SEQ = 2**31 - 1
After = Annotated[
    int, Query(ge=0, le=MAX_EVENT_SEQ, description="Only events with a larger `seq`.")
]


def _rejected(error: RequestRejected) -> ApiError:
    api_error = ApiError(422, (), str(error), error.kind)
    api_error.detail = [
        {"loc": list(loc), "msg": msg, "type": error.kind} for loc, msg in error.problems
    ]
    return api_error


def _refused_at_the_door(error: lifecycle.DoorRefused) -> ApiError:
    api_error = ApiError(error.status, (), str(error), error.refusals[0].kind)
    api_error.detail = [
        {"loc": list(r.loc), "msg": r.message, "type": r.kind} for r in error.refusals
    ]
    return api_error


def _record(runtime: Runtime, landing_zone_id: str) -> Record:
    record = runtime.store.get(landing_zone_id)
    if record is None:
        raise not_found("landing zone")
    return record


@router.post(
    "/landing-zones",
    status_code=202,
    response_model=LandingZoneView,
    response_model_by_alias=True,
    responses={
        **errors(*WRITE, 409),
        200: {"model": LandingZoneView, "description": "Submitted before with this key: that one."},
    },
)
def create_landing_zone(
    body: LandingZoneRequest,
    runtime: RuntimeDep,
    caller: Creator,
    response: Response,
    key: IdempotencyKey = None,
) -> LandingZoneView:
    """Request a landing zone: `202`, or `200` with the one this idempotency key made. `403`
    naming the rule when the tenant's entitlements refuse the owner group or the class, or the
    user it is requested for is not a member of the owner group; nothing is stored or opened."""
    try:
        admitted = admit(runtime, caller, body)
    except RequestRejected as error:
        raise _rejected(error) from error
    except NotEntitled as refusal:
        detail = {**lifecycle.request_facts(body), "rule": refusal.rule}
        audit(runtime, caller, Action.REQUESTED, Outcome.REFUSED, detail=detail)
        raise
    try:
        record, created = lifecycle.submit(
            runtime, admitted.request, key, caller.name, actor_of(caller), admitted.basis
        )
    except RequestRejected as error:
        raise _rejected(error) from error
    except lifecycle.DoorRefused as error:
        raise _refused_at_the_door(error) from error
    except lifecycle.Conflict as conflict:
        location = (
            ("header", conflict.field)
            if conflict.field == "Idempotency-Key"
            else ("body", conflict.field)
        )
        raise ApiError(409, location, conflict.message, "conflict") from conflict
    response.headers["Location"] = f"/v1/landing-zones/{record.id}"
    if not created:
        response.status_code = 200
    return lifecycle.view(runtime, record)


@router.post("/landing-zones:preview", response_model=Preview, responses=errors(*WRITE, 409))
def preview_landing_zone(body: LandingZoneRequest, runtime: RuntimeDep, caller: Creator) -> Preview:
    """Validate and render without changing anything outside: names, approval and file tree.
    Refused as the request itself would be: `422` for bad input, `403` naming the rule; Bitbucket
    is asked whether the repository names are free and the owner group known."""
    try:
        return lifecycle.preview(runtime, admit(runtime, caller, body).request)
    except RequestRejected as error:
        raise _rejected(error) from error
    except lifecycle.DoorRefused as error:
        raise _refused_at_the_door(error) from error


@router.get(
    "/landing-zones",
    response_model=LandingZonePage,
    response_model_by_alias=True,
    dependencies=[require_scope(Scope.READ)],
    responses=errors(*READ),
)
def list_landing_zones(
    runtime: RuntimeDep,
    owner: Annotated[str | None, Query(pattern=OWNER_PATTERN)] = None,
    tenant: Annotated[str | None, Query(pattern=TENANT_PATTERN)] = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> LandingZonePage:
    try:
        records, next_cursor = runtime.store.page(
            owner=owner, tenant=tenant, status=status, limit=limit, cursor=cursor
        )
    except ValueError as error:
        raise ApiError(422, ("query", "cursor"), str(error), "value_error") from error
    return LandingZonePage(items=lifecycle.views(runtime, records), next_cursor=next_cursor)


@router.get(
    "/landing-zones/{landing_zone_id}",
    response_model=LandingZoneView,
    response_model_by_alias=True,
    dependencies=[require_scope(Scope.READ)],
    responses=errors(*READ, 404),
)
def get_landing_zone(landing_zone_id: str, runtime: RuntimeDep) -> LandingZoneView:
    return lifecycle.view(runtime, _record(runtime, landing_zone_id))


@router.get(
    "/landing-zones/{landing_zone_id}/events",
    response_model=EventPage,
    dependencies=[require_scope(Scope.READ)],
    responses=errors(*READ, 404),
)
def list_events(landing_zone_id: str, runtime: RuntimeDep, after: After = 0) -> EventPage:
    record = _record(runtime, landing_zone_id)
    rows = runtime.store.events.after(landing_zone_id, after)
    return EventPage(events=[EventView(**vars(row)) for row in rows], status=record.status)


@router.get(
    "/landing-zones/{landing_zone_id}/events/stream",
    response_class=StreamingResponse,
    responses={**errors(*READ, 404), 200: {"content": {"text/event-stream": {}}}},
    dependencies=[require_scope(Scope.READ)],
)
async def stream_events(
    landing_zone_id: str,
    runtime: RuntimeDep,
    after: After = 0,
    last_event_id: Annotated[
        int | None, Header(alias="Last-Event-ID", ge=0, le=MAX_EVENT_SEQ)
    ] = None,
) -> StreamingResponse:
    """Server-Sent Events: `progress` for each event, then `end` with the final landing zone."""
    await run_in_threadpool(_record, runtime, landing_zone_id)
    start = max(after, last_event_id or 0)
    return StreamingResponse(
        _event_stream(runtime, landing_zone_id, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _event_stream(runtime: Runtime, landing_zone_id: str, after: int) -> AsyncIterator[str]:
    seen = after
    with runtime.store.events.bell.subscribed(landing_zone_id) as bell:
        while True:
            bell.clear()
            rows = await run_in_threadpool(runtime.store.events.after, landing_zone_id, seen)
            if not rows:  # the record is read only once the events stop
                record = await run_in_threadpool(_record, runtime, landing_zone_id)
                if not record.status.terminal:
                    # This replica's own events ring at once; another's are read by the poll.
                    await bell.wait(STREAM_POLL_SECONDS)
                    continue
                # An event appended between the two reads is sent before the end.
                rows = await run_in_threadpool(runtime.store.events.after, landing_zone_id, seen)
                if not rows:
                    final = lifecycle.view(runtime, record).model_dump(mode="json", by_alias=True)
                    yield f"event: end\ndata: {json.dumps(final)}\n\n"
                    return
            for row in rows:
                seen = row.seq
                payload = EventView(**vars(row)).model_dump_json()
                yield f"id: {row.seq}\nevent: progress\ndata: {payload}\n\n"


def _transition(
    runtime: Runtime,
    caller: Caller,
    landing_zone_id: str,
    action: Action,
    change: Callable[[Runtime, Record], dict[str, Any]],
) -> LandingZoneView:
    record = _record(runtime, landing_zone_id)
    try:
        detail = change(runtime, record)
    except lifecycle.Conflict as conflict:
        refused = {"reason": conflict.message, "status": record.status.value}
        audit(runtime, caller, action, Outcome.REFUSED, record.id, refused)
        raise ApiError(409, ("path", "id"), conflict.message, "conflict") from conflict
    audit(runtime, caller, action, Outcome.ACCEPTED, record.id, detail)
    return lifecycle.view(runtime, _record(runtime, landing_zone_id))


def _cancel(runtime: Runtime, record: Record) -> dict[str, Any]:
    lifecycle.cancel(runtime, record)
    return {"status": record.status.value}


def _retry(runtime: Runtime, record: Record) -> dict[str, Any]:
    kind = lifecycle.retry(runtime, record)
    return {"kind": kind, "status": record.status.value, "run": record.run + (kind == "rerun")}


@router.post(
    "/landing-zones/{landing_zone_id}/cancel",
    status_code=202,
    response_model=LandingZoneView,
    response_model_by_alias=True,
    dependencies=[require_scope(Scope.OPERATE)],
    responses=errors(*WRITE, 404, 409),
)
def cancel_landing_zone(
    landing_zone_id: str, runtime: RuntimeDep, caller: CallerDep
) -> LandingZoneView:
    """Stop the landing zone and undo what it created; 409 once it has ended."""
    return _transition(runtime, caller, landing_zone_id, Action.CANCELLED, _cancel)


@router.post(
    "/landing-zones/{landing_zone_id}/retry",
    status_code=202,
    response_model=LandingZoneView,
    response_model_by_alias=True,
    dependencies=[Depends(api_bearer)],
    responses=errors(*WRITE, 404, 409),
)
def retry_landing_zone(
    landing_zone_id: str, runtime: RuntimeDep, caller: CallerDep
) -> LandingZoneView:
    """Run a failed landing zone again (work already done is found and kept), or make a waiting
    one try its downstream system now instead of at its next attempt; 409 otherwise. An operator
    retries any landing zone; `landing-zones:retry` retries those whose owner group the user
    the caller acts for is a member of."""
    if not caller.has(Scope.OPERATE):
        if not caller.has(Scope.RETRY):
            raise missing_scope(Scope.OPERATE)
        rule = (
            not_a_member(caller, _record(runtime, landing_zone_id))
            if caller.on_behalf_of
            else (f"{caller.name} must name the user it retries for (X-On-Behalf-Of)")
        )
        if rule is not None:
            audit(runtime, caller, Action.RETRIED, Outcome.REFUSED, landing_zone_id, {"rule": rule})
            raise ApiError(403, ("path", "id"), rule, "forbidden")
    return _transition(runtime, caller, landing_zone_id, Action.RETRIED, _retry)
