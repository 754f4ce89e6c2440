"""Ask for, look at and report on promotions: what the API asks of the store and the engine."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Sequence

from dbos import DBOS, SetWorkflowID
from starlette.concurrency import run_in_threadpool

from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.store import Record
from landingzone.promotion import links
from landingzone.promotion.models import (
    ChangeView,
    CommitView,
    OutcomeRequest,
    PromotionLinks,
    PromotionRequest,
    PromotionSummary,
    PromotionView,
    ScanSummary,
    Status,
)
from landingzone.promotion.outcome import OUTCOME_TOPIC
from landingzone.promotion.policy import PolicyRefusal, decide
from landingzone.promotion.store import NewPromotion, PromotionRecord
from landingzone.promotion.workflow import Timing, promotion_workflow, workflow_id

log = logging.getLogger("landingzone.promotion")
CLOSED_LANDING_ZONES = ("rejected", "cancelled")
LONG_POLL_INTERVAL_S = 0.25


class OutcomeConflict(Exception):
    """The promotion is not deployed, or another outcome was reported."""


def submit(
    runtime: Runtime, landing_zone: Record, request: PromotionRequest
) -> tuple[PromotionRecord, bool]:
    """The promotion asked for (True) or the one asked before with the same digest (False).

    A refusal (PolicyRefusal) leaves nothing stored and nothing opened anywhere."""
    store = runtime.store.promotions
    existing = store.find(landing_zone.id, request.digest, request.environment)
    if existing is not None:
        start(runtime, existing.id)  # a no-op unless a crash came between storing and starting
        return existing, False
    if landing_zone.status.value in CLOSED_LANDING_ZONES:
        raise PolicyRefusal(
            409,
            "id",
            f"the landing zone is {landing_zone.status.value}; nothing can be promoted",
            "conflict",
        )

    def succeeded_in(environment: str) -> bool:
        earlier = store.find(landing_zone.id, request.digest, environment)
        return earlier is not None and earlier.status is Status.SUCCEEDED

    verdict = decide(
        request, landing_zone.request["tenant"], runtime.configuration.platform, succeeded_in
    )
    record, created = store.insert(
        NewPromotion(
            id="prm_" + secrets.token_hex(10),
            landing_zone_id=landing_zone.id,
            environment=request.environment,
            digest=request.digest,
            version=request.version,
            build_url=request.build_url,
            scan=request.scan.model_dump(),
            change_type=verdict.policy.change,
        )
    )
    start(runtime, record.id)
    return record, created


def timing(runtime: Runtime) -> Timing:
    settings = runtime.configuration.settings
    return Timing(
        poll_s=settings.promotion_poll_seconds,
        approval_expiry_s=settings.promotion_approval_expiry_hours * 3600,
        outcome_expiry_s=settings.promotion_outcome_hours * 3600,
    )


def start(runtime: Runtime, promotion_id: str) -> None:
    """Start the promotion's workflow; one that exists already is left as it is."""
    if DBOS.get_workflow_status(workflow_id(promotion_id)) is not None:
        return
    with SetWorkflowID(workflow_id(promotion_id)):
        DBOS.start_workflow(promotion_workflow, promotion_id, timing(runtime))


def reconcile(runtime: Runtime) -> int:
    """Start the workflow of any unfinished promotion that has none; returns how many."""
    started = 0
    for promotion in runtime.store.promotions.unfinished():
        if DBOS.get_workflow_status(workflow_id(promotion.id)) is None:
            start(runtime, promotion.id)
            started += 1
    if started:
        log.info("reconciled: %d promotions started", started)
    return started


def report_outcome(runtime: Runtime, promotion: PromotionRecord, body: OutcomeRequest) -> None:
    """Record what the pipeline found and nudge the workflow; the same outcome again is fine."""
    outcome = body.model_dump(exclude_none=True)
    store = runtime.store.promotions
    if not store.report_outcome(promotion.id, outcome):
        current = store.get(promotion.id) or promotion
        if current.outcome is not None and current.outcome.get("result") == body.result:
            return
        if current.outcome is not None:
            raise OutcomeConflict(
                f"the outcome {current.outcome.get('result')} was reported already"
            )
        raise OutcomeConflict(
            f"only a deployed promotion takes an outcome; this one is {current.status.value}"
        )
    DBOS.send(workflow_id(promotion.id), body.result, OUTCOME_TOPIC, idempotency_key=promotion.id)


async def wait_until_decided(
    runtime: Runtime, promotion: PromotionRecord, wait_s: float
) -> PromotionRecord:
    """The promotion once decided (deployed, or final), or as it is when `wait_s` has passed."""
    deadline = time.monotonic() + wait_s
    while not promotion.status.decided and time.monotonic() < deadline:
        await asyncio.sleep(min(LONG_POLL_INTERVAL_S, max(0.0, deadline - time.monotonic())))
        current = await run_in_threadpool(runtime.store.promotions.get, promotion.id)
        promotion = current or promotion
    return promotion


def _change(promotion: PromotionRecord) -> ChangeView | None:
    if promotion.change_number is None or promotion.change_type not in ("standard", "normal"):
        return None
    return ChangeView(
        number=promotion.change_number,
        url=promotion.change_url or "",
        state=promotion.change_state,
        type=promotion.change_type,
    )


def view(runtime: Runtime, promotion: PromotionRecord) -> PromotionView:
    public_url = runtime.configuration.settings.public_url
    return PromotionView(
        id=promotion.id,
        landing_zone_id=promotion.landing_zone_id,
        environment=promotion.environment,
        digest=promotion.digest,
        version=promotion.version,
        build_url=promotion.build_url,
        scan=ScanSummary.model_validate(promotion.scan),
        status=promotion.status,
        change=_change(promotion),
        previous_digest=promotion.previous_digest,
        commit=CommitView(id=promotion.commit_id, url=promotion.commit_url)
        if promotion.commit_id
        else None,
        decided_by=promotion.decided_by,
        comment=promotion.comment,
        outcome=promotion.outcome,
        created_at=promotion.created_at,
        updated_at=promotion.updated_at,
        links=PromotionLinks(
            self=links.promotion(public_url, promotion.id),
            landing_zone=f"{public_url}/v1/landing-zones/{promotion.landing_zone_id}",
            outcome=links.outcome(public_url, promotion.id),
        ),
    )


def summaries_of_each(
    runtime: Runtime, landing_zone_ids: Sequence[str]
) -> dict[str, list[PromotionSummary]]:
    """Each landing zone's promotions, newest first, as its view lists them."""
    return {
        landing_zone_id: [_summary(promotion) for promotion in promotions]
        for landing_zone_id, promotions in runtime.store.promotions.of_each(
            landing_zone_ids
        ).items()
    }


def _summary(promotion: PromotionRecord) -> PromotionSummary:
    return PromotionSummary(
        id=promotion.id,
        environment=promotion.environment,
        version=promotion.version,
        digest=promotion.digest,
        status=promotion.status,
        change=_change(promotion),
    )
