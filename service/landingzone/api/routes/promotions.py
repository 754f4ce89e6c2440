"""/v1 promotions: the promote pipeline asks for one, follows it and reports its outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from landingzone.api.auditing import actor_of
from landingzone.api.callers import Caller
from landingzone.api.deps import RuntimeDep
from landingzone.api.errors import ApiError, not_found
from landingzone.api.json_body import RawBody, refuse_repeated_keys
from landingzone.api.promotion_auth import PromotionReader, PromotionWriter, authorize
from landingzone.api.responses import READ, WRITE, errors
from landingzone.audit.models import Action, AuditEntry, Outcome
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.store import Record
from landingzone.promotion import lifecycle
from landingzone.promotion.models import (
    OutcomeRequest,
    PromotionList,
    PromotionRequest,
    PromotionView,
)
from landingzone.promotion.policy import PolicyRefusal
from landingzone.promotion.store import PromotionRecord

router = APIRouter(prefix="/v1", tags=["promotions"])
MAX_WAIT_S = 60


def _landing_zone(runtime: Runtime, caller: Caller, landing_zone_id: str, write: bool) -> Record:
    record = runtime.store.get(landing_zone_id)
    authorize(caller, record.id if record else None, write=write)
    if record is None:
        raise not_found("landing zone")
    return record


def _promotion(runtime: Runtime, caller: Caller, promotion_id: str, write: bool) -> PromotionRecord:
    promotion = runtime.store.promotions.get(promotion_id)
    authorize(caller, promotion.landing_zone_id if promotion else None, write=write)
    if promotion is None:
        raise not_found("promotion")
    return promotion


def _audit(
    caller: Caller,
    runtime: Runtime,
    landing_zone_id: str,
    action: Action,
    outcome: Outcome,
    detail: Mapping[str, object],
) -> None:
    """Promotions are asked for and reported by the landing zone's pipeline credential."""
    entry = AuditEntry(action, outcome, actor_of(caller), landing_zone_id, detail)
    runtime.store.audit.append(entry)


@router.post(
    "/landing-zones/{landing_zone_id}/promotions",
    status_code=201,
    response_model=PromotionView,
    responses={
        **errors(*WRITE, 404, 409),
        200: {"model": PromotionView, "description": "Asked for before: that promotion."},
    },
)
def request_promotion(
    landing_zone_id: str,
    body: PromotionRequest,
    runtime: RuntimeDep,
    caller: PromotionWriter,
    raw: RawBody,
    response: Response,
) -> PromotionView:
    """Promote an image, by digest, into an environment: 201, or 200 with the promotion this
    landing zone already asked for with the same digest and environment. Refused (nothing
    opened, nothing stored): 422 for an unknown environment or a scan above the environment's
    allowed severity, 409 when the digest has not succeeded in the environment before."""
    landing_zone = _landing_zone(runtime, caller, landing_zone_id, write=True)
    refuse_repeated_keys(raw)
    asked = {"environment": body.environment, "digest": body.digest, "version": body.version}
    try:
        promotion, created = lifecycle.submit(runtime, landing_zone, body)
    except PolicyRefusal as refusal:
        refused = {**asked, "reason": refusal.message}
        _audit(
            caller, runtime, landing_zone.id, Action.PROMOTION_REQUESTED, Outcome.REFUSED, refused
        )
        where = ("path", "id") if refusal.field == "id" else ("body", refusal.field)
        raise ApiError(refusal.status, where, refusal.message, refusal.kind) from refusal
    if created:
        accepted = {**asked, "promotion_id": promotion.id}
        _audit(
            caller,
            runtime,
            landing_zone.id,
            Action.PROMOTION_REQUESTED,
            Outcome.ACCEPTED,
            accepted,
        )
    response.headers["Location"] = f"/v1/promotions/{promotion.id}"
    if not created:
        response.status_code = 200
    return lifecycle.view(runtime, promotion)


@router.get(
    "/landing-zones/{landing_zone_id}/promotions",
    response_model=PromotionList,
    responses=errors(*READ, 404),
)
def list_promotions(
    landing_zone_id: str, runtime: RuntimeDep, caller: PromotionReader
) -> PromotionList:
    """The landing zone's promotions, newest first."""
    landing_zone = _landing_zone(runtime, caller, landing_zone_id, write=False)
    return PromotionList(
        promotions=[
            lifecycle.view(runtime, p) for p in runtime.store.promotions.of(landing_zone.id)
        ]
    )


@router.get(
    "/promotions/{promotion_id}", response_model=PromotionView, responses=errors(*READ, 404)
)
async def get_promotion(
    promotion_id: str,
    runtime: RuntimeDep,
    caller: PromotionReader,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S)] = 0,
) -> PromotionView:
    """The promotion; with `wait` (seconds), held until it is decided (`deployed` or a final
    status) or the wait ends, whichever comes first."""
    promotion = await run_in_threadpool(_promotion, runtime, caller, promotion_id, False)
    promotion = await lifecycle.wait_until_decided(runtime, promotion, wait)
    return lifecycle.view(runtime, promotion)


@router.post(
    "/promotions/{promotion_id}/outcome",
    status_code=202,
    response_model=PromotionView,
    responses=errors(*WRITE, 404, 409),
)
def report_outcome(
    promotion_id: str,
    body: OutcomeRequest,
    runtime: RuntimeDep,
    caller: PromotionWriter,
    raw: RawBody,
) -> PromotionView:
    """What the pipeline found once the promotion was deployed: 202; the same outcome again is
    202 too; 409 when the promotion is not deployed or another outcome was reported."""
    promotion = _promotion(runtime, caller, promotion_id, write=True)
    refuse_repeated_keys(raw)
    detail: dict[str, object] = {"promotion_id": promotion.id, "result": body.result}
    try:
        lifecycle.report_outcome(runtime, promotion, body)
    except lifecycle.OutcomeConflict as conflict:
        refused = {**detail, "reason": str(conflict)}
        _audit(
            caller,
            runtime,
            promotion.landing_zone_id,
            Action.PROMOTION_OUTCOME,
            Outcome.REFUSED,
            refused,
        )
        raise ApiError(409, ("path", "id"), str(conflict), "conflict") from conflict
    _audit(
        caller,
        runtime,
        promotion.landing_zone_id,
        Action.PROMOTION_OUTCOME,
        Outcome.REPORTED,
        detail,
    )
    return lifecycle.view(runtime, runtime.store.promotions.get(promotion.id) or promotion)
