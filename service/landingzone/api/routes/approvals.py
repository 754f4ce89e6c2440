"""ServiceNow's decision callback: signed, replay-safe, and only ever a nudge.

The workflow re-reads the decision from ServiceNow itself, so a callback can speed a landing
zone or a promotion (a `change_request`, correlated by the promotion's id) up but never decide it.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Annotated

from dbos import DBOS
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from landingzone.api.deps import RuntimeDep
from landingzone.api.errors import ApiError
from landingzone.api.json_body import refuse_repeated_keys
from landingzone.api.responses import errors
from landingzone.integrations.servicenow.callback import verify_callback
from landingzone.landing_zone.approval import APPROVAL_TOPIC
from landingzone.landing_zone.models import Status
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.workflows import workflow_id
from landingzone.promotion.models import Status as PromotionStatus
from landingzone.promotion.workflow import DECISION_TOPIC
from landingzone.promotion.workflow import workflow_id as promotion_workflow_id

router = APIRouter(prefix="/v1/approvals", tags=["approvals"])
MAX_TIMESTAMP, MAX_SIGNATURE = 20, 200  # characters
CHANGE_TABLE = "change_request"  # a promotion's change; any other table is a landing zone's


class Decision(BaseModel):
    table: str
    sys_id: str
    number: str
    approval: str
    correlation_id: str


class Accepted(BaseModel):
    accepted: bool


@router.post(
    "/servicenow",
    status_code=202,
    response_model=Accepted,
    responses=errors(401, 404, 413, 422, 429, 503),
)
async def servicenow_decision(
    request: Request,
    runtime: RuntimeDep,
    # Not validated as fields: a request without them, or with ones out of shape, is a 401
    # like one with a bad signature.
    timestamp: Annotated[str | None, Header(alias="X-ServiceNow-Timestamp")] = None,
    signature: Annotated[str | None, Header(alias="X-ServiceNow-Signature")] = None,
) -> Accepted:
    body = await request.body()
    secret = runtime.configuration.settings.servicenow.callback_secret.get_secret_value()
    if (
        timestamp is None
        or signature is None
        or len(timestamp) > MAX_TIMESTAMP
        or len(signature) > MAX_SIGNATURE
        or not verify_callback(secret, timestamp, body, signature, time.time())
    ):
        raise ApiError(
            401,
            ("header", "X-ServiceNow-Signature"),
            "signature invalid or expired",
            "unauthorized",
        )
    refuse_repeated_keys(body)
    try:
        decision = Decision.model_validate(json.loads(body))
    except (ValueError, ValidationError) as error:
        raise ApiError(422, ("body",), "not a decision document", "value_error") from error
    if decision.table == CHANGE_TABLE:
        return await _nudge_promotion(runtime, decision, signature)
    record = runtime.store.get(decision.correlation_id)
    if record is None:
        raise ApiError(404, ("body", "correlation_id"), "no landing zone with this id", "not_found")
    if record.status is not Status.PENDING_APPROVAL:
        return Accepted(accepted=False)
    await DBOS.send_async(
        workflow_id(record.id, record.run),
        {"approval": decision.approval, "number": decision.number},
        APPROVAL_TOPIC,
        idempotency_key=hashlib.sha256(signature.encode()).hexdigest(),
    )
    return Accepted(accepted=True)


async def _nudge_promotion(runtime: Runtime, decision: Decision, signature: str) -> Accepted:
    """A change's decision: the promotion (its correlation id) reads the change again now."""
    promotion = await run_in_threadpool(runtime.store.promotions.get, decision.correlation_id)
    if promotion is None:
        raise ApiError(404, ("body", "correlation_id"), "no promotion with this id", "not_found")
    if promotion.status is not PromotionStatus.AWAITING_APPROVAL:
        return Accepted(accepted=False)
    await DBOS.send_async(
        promotion_workflow_id(promotion.id),
        {"approval": decision.approval, "number": decision.number},
        DECISION_TOPIC,
        idempotency_key=hashlib.sha256(signature.encode()).hexdigest(),
    )
    return Accepted(accepted=True)
