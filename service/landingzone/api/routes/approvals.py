"""ServiceNow's decision callback: signed, replay-safe, and only ever a nudge.

The workflow re-reads the decision from ServiceNow itself, so a callback can speed a landing
zone up but never decide it.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Annotated

from dbos import DBOS
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ValidationError

from landingzone.api.deps import RuntimeDep
from landingzone.api.errors import ApiError
from landingzone.integrations.servicenow.callback import verify_callback
from landingzone.landing_zone.models import Status
from landingzone.landing_zone.workflows import APPROVAL_TOPIC, workflow_id

router = APIRouter(prefix="/v1/approvals", tags=["approvals"])


class Decision(BaseModel):
    table: str
    sys_id: str
    number: str
    approval: str
    correlation_id: str


class Accepted(BaseModel):
    accepted: bool


@router.post("/servicenow", status_code=202, response_model=Accepted)
async def servicenow_decision(
    request: Request,
    runtime: RuntimeDep,
    timestamp: Annotated[str, Header(alias="X-ServiceNow-Timestamp", max_length=20)],
    signature: Annotated[str, Header(alias="X-ServiceNow-Signature", max_length=200)],
) -> Accepted:
    body = await request.body()
    secret = runtime.configuration.settings.servicenow.callback_secret.get_secret_value()
    if not verify_callback(secret, timestamp, body, signature, time.time()):
        raise ApiError(
            401,
            ("header", "X-ServiceNow-Signature"),
            "signature invalid or expired",
            "unauthorized",
        )
    try:
        decision = Decision.model_validate(json.loads(body))
    except (ValueError, ValidationError) as error:
        raise ApiError(422, ("body",), "not a decision document", "value_error") from error
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
