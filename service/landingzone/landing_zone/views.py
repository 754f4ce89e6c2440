"""What the API shows of a landing zone: its record, its steps and its promotions."""

from __future__ import annotations

from collections.abc import Sequence

from landingzone.landing_zone.models import (
    STAGES,
    ErrorView,
    LandingZoneView,
    StepStatus,
    StepView,
    WaitView,
)
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.step_log import StepRow
from landingzone.landing_zone.store import Record
from landingzone.promotion import lifecycle as promotion_lifecycle
from landingzone.promotion.models import PromotionSummary

SUBMITTED_WITH = "__submitted_with__"  # kept beside the request, outside its identity


def view(runtime: Runtime, record: Record) -> LandingZoneView:
    return views(runtime, [record])[0]


def views(runtime: Runtime, records: Sequence[Record]) -> list[LandingZoneView]:
    """What the API shows of each record; a page's steps and promotions read in two queries."""
    ids = [record.id for record in records]
    steps = runtime.store.steps.of_each(ids)
    promotions = promotion_lifecycle.summaries_of_each(runtime, ids)
    return [
        _view(record, steps.get(record.id, []), promotions.get(record.id, [])) for record in records
    ]


def _view(
    record: Record, step_rows: list[StepRow], promotions: list[PromotionSummary]
) -> LandingZoneView:
    request = record.request
    steps = {row.name: row for row in step_rows}
    return LandingZoneView(
        id=record.id,
        name=request["name"],
        class_=request["class"],
        tenant=request["tenant"],
        owner=request["owner"],
        description=request["description"],
        system=request.get("system"),
        requester=request["requester"],
        on_behalf_of=request.get("on_behalf_of"),
        submitted_with=request.get(SUBMITTED_WITH),
        status=record.status,
        created_at=record.created_at,
        updated_at=record.updated_at,
        steps=[
            StepView(
                name=name,
                status=row.status,
                started_at=row.started_at,
                finished_at=row.finished_at,
                attempts=row.attempts,
                waiting=WaitView.model_validate(row.waiting) if row.waiting else None,
            )
            if (row := steps.get(name))
            else StepView(name=name, status=StepStatus.PENDING)
            for name in STAGES
        ],
        links=record.links,
        error=ErrorView(step=record.error_step, message=record.error_message or "")
        if record.error_step
        else None,
        waiting=[WaitView.model_validate(row.waiting) for row in steps.values() if row.waiting],
        template_version=record.template_version,
        promotions=promotions,
    )
