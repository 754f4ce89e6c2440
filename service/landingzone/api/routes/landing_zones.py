"""/v1/landing-zones: submit, look at, follow, cancel, retry and preview landing zones."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from landingzone.api.auth import TokenFingerprint
from landingzone.api.deps import RuntimeDep
from landingzone.api.errors import ApiError, not_found
from landingzone.landing_zone import lifecycle
from landingzone.landing_zone.models import (
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


def _rejected(error: RequestRejected) -> ApiError:
    api_error = ApiError(422, (), str(error), error.kind)
    api_error.detail = [
        {"loc": list(loc), "msg": msg, "type": error.kind} for loc, msg in error.problems
    ]
    return api_error


def _record(runtime: Runtime, landing_zone_id: str) -> Record:
    record = runtime.store.get(landing_zone_id)
    if record is None:
        raise not_found("landing zone")
    return record


@router.post(
    "/landing-zones", status_code=202, response_model=LandingZoneView, response_model_by_alias=True
)
def create_landing_zone(
    body: LandingZoneRequest,
    runtime: RuntimeDep,
    response: Response,
    submitted_with: TokenFingerprint,
    key: IdempotencyKey = None,
) -> LandingZoneView:
    try:
        record, created = lifecycle.submit(runtime, body, key, submitted_with)
    except RequestRejected as error:
        raise _rejected(error) from error
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


@router.post("/landing-zones:preview", response_model=Preview)
def preview_landing_zone(body: LandingZoneRequest, runtime: RuntimeDep) -> Preview:
    """Validate and render without touching anything outside: names, approval and file tree."""
    try:
        return lifecycle.preview(runtime, body)
    except RequestRejected as error:
        raise _rejected(error) from error


@router.get("/landing-zones", response_model=LandingZonePage, response_model_by_alias=True)
def list_landing_zones(
    runtime: RuntimeDep,
    owner: str | None = None,
    tenant: str | None = None,
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
    return LandingZonePage(
        items=[lifecycle.view(runtime, r) for r in records], next_cursor=next_cursor
    )


@router.get(
    "/landing-zones/{landing_zone_id}", response_model=LandingZoneView, response_model_by_alias=True
)
def get_landing_zone(landing_zone_id: str, runtime: RuntimeDep) -> LandingZoneView:
    return lifecycle.view(runtime, _record(runtime, landing_zone_id))


@router.get("/landing-zones/{landing_zone_id}/events", response_model=EventPage)
def list_events(
    landing_zone_id: str, runtime: RuntimeDep, after: Annotated[int, Query(ge=0)] = 0
) -> EventPage:
    record = _record(runtime, landing_zone_id)
    rows = runtime.store.events.after(landing_zone_id, after)
    return EventPage(events=[EventView(**vars(row)) for row in rows], status=record.status)


@router.get(
    "/landing-zones/{landing_zone_id}/events/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_events(
    landing_zone_id: str,
    runtime: RuntimeDep,
    after: Annotated[int, Query(ge=0)] = 0,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID", ge=0)] = None,
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
    while True:
        rows = await run_in_threadpool(runtime.store.events.after, landing_zone_id, seen)
        for row in rows:
            seen = row.seq
            payload = EventView(**vars(row)).model_dump_json()
            yield f"id: {row.seq}\nevent: progress\ndata: {payload}\n\n"
        record = await run_in_threadpool(_record, runtime, landing_zone_id)
        if record.status.terminal and not rows:
            final = lifecycle.view(runtime, record).model_dump(mode="json", by_alias=True)
            yield f"event: end\ndata: {json.dumps(final)}\n\n"
            return
        if not rows:
            await asyncio.sleep(STREAM_POLL_SECONDS)


def _transition(
    runtime: Runtime, landing_zone_id: str, change: Callable[[Runtime, Record], None]
) -> LandingZoneView:
    try:
        change(runtime, _record(runtime, landing_zone_id))
    except lifecycle.Conflict as conflict:
        raise ApiError(409, ("path", "id"), conflict.message, "conflict") from conflict
    return lifecycle.view(runtime, _record(runtime, landing_zone_id))


@router.post(
    "/landing-zones/{landing_zone_id}/cancel",
    status_code=202,
    response_model=LandingZoneView,
    response_model_by_alias=True,
)
def cancel_landing_zone(landing_zone_id: str, runtime: RuntimeDep) -> LandingZoneView:
    """Stop the landing zone and undo what it created; 409 once it has ended."""
    return _transition(runtime, landing_zone_id, lifecycle.cancel)


@router.post(
    "/landing-zones/{landing_zone_id}/retry",
    status_code=202,
    response_model=LandingZoneView,
    response_model_by_alias=True,
)
def retry_landing_zone(landing_zone_id: str, runtime: RuntimeDep) -> LandingZoneView:
    """Run a failed landing zone again (work already done is found and kept), or make a waiting
    one try its downstream system now instead of at its next attempt; 409 otherwise."""
    return _transition(runtime, landing_zone_id, lifecycle.retry)
