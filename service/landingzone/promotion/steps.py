"""A promotion's steps: each makes one external call (transient faults waited out) or one write.

What a step learns from ServiceNow or Bitbucket is written on the promotion at once, so the API
shows it while the workflow goes on; every write is safe to replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from dbos import DBOS

from landingzone.audit.models import AuditEntry
from landingzone.integrations.base import FileChange, ForeignResource, PermanentError, Repository
from landingzone.integrations.changes import (
    ChangeDesk,
    ChangeRecord,
    ChangeRequest,
    ChangeState,
    CloseCode,
)
from landingzone.landing_zone import runtime
from landingzone.landing_zone.progress import Run
from landingzone.landing_zone.resilience import external
from landingzone.landing_zone.service import RequestRejected, make_plan
from landingzone.promotion import links
from landingzone.promotion.models import Status
from landingzone.promotion.plan import PromotionPlan
from landingzone.rendering import overlays

STAGE = "promote"  # the step name a promotion's events carry on the landing zone's event list


@dataclass(frozen=True)
class PromotionRun(Run):
    """A landing zone's run whose event keys belong to one promotion."""

    promotion_id: str = ""

    def key(self, *parts: str) -> str:
        return ":".join((self.promotion_id, *parts))


@DBOS.step()
def load_promotion(promotion_id: str) -> PromotionPlan:
    rt = runtime.current()
    promotion = rt.store.promotions.get(promotion_id)
    record = rt.store.get(promotion.landing_zone_id) if promotion else None
    if promotion is None or record is None:
        raise PermanentError("landing-zone", f"promotion {promotion_id} is gone")
    request = record.landing_zone_request()
    platform = rt.configuration.platform
    try:
        plan = make_plan(record.id, request, platform, rt.classes)
    except RequestRejected as error:
        raise PermanentError("landing-zone", str(error)) from error
    order = platform.environment_names
    position = order.index(promotion.environment) if promotion.environment in order else 0
    settings = rt.configuration.settings
    return PromotionPlan(
        promotion_id=promotion.id,
        landing_zone_id=record.id,
        component=plan.name,
        tenant=plan.tenant,
        owner=plan.owner_ref,
        environment=promotion.environment,
        previous_environment=order[position - 1] if position else None,
        digest=promotion.digest,
        version=promotion.version,
        build_url=promotion.build_url,
        scan=dict(promotion.scan),
        max_severity=platform.promotion_policy(plan.tenant, promotion.environment).max_severity,
        change_type=promotion.change_type,
        image=plan.image,
        repository=plan.names.environment_repository,
        branch=plan.default_branch,
        overlay=overlays.overlay_path(promotion.environment),
        approval_group=platform.change_approval_group(plan.tenant, promotion.environment),
        author_email=parseaddr(settings.smtp.from_address)[1],
        landing_zone_link=links.landing_zone_page(settings.public_url, record.id),
        promotion_link=links.promotion(settings.public_url, promotion.id),
    )


@DBOS.step()
def record_promotion(
    run: PromotionRun,
    key: str,
    status: Status | None,
    message: str,
    data: dict[str, Any],
    audit_entry: AuditEntry | None = None,
    **details: Any,
) -> None:
    """Write the promotion's status and details, tell the landing zone's event list and, where
    it is a decision, the audit trail (once: the entry's key is the promotion's)."""
    store = runtime.current().store
    store.promotions.update(run.promotion_id, status, **details)
    if audit_entry is not None:
        store.audit.append(audit_entry)
    store.events.append(
        run.landing_zone_id,
        run.key(key),
        step=STAGE,
        kind="promotion",
        message=message,
        data={**data, **({"status": status.value} if status else {})},
    )


@DBOS.step()
def reported_outcome(promotion_id: str) -> dict[str, Any] | None:
    promotion = runtime.current().store.promotions.get(promotion_id)
    return promotion.outcome if promotion else None


# ---------------------------------------------------------------- the change


def _desk() -> ChangeDesk:
    desk = runtime.current().changes
    if desk is None:
        raise PermanentError("servicenow", "no change desk is configured")
    return desk


def _remember(promotion_id: str, change: ChangeRecord) -> ChangeRecord:
    runtime.current().store.promotions.update(
        promotion_id,
        change_sys_id=change.sys_id,
        change_number=change.number,
        change_url=change.url,
        change_state=change.state.value,
    )
    return change


@external("servicenow")
def open_change(run: PromotionRun, stage: str, request: ChangeRequest) -> ChangeRecord:
    return _remember(run.promotion_id, _desk().ensure_change(request))


@external("servicenow")
def read_change(run: PromotionRun, stage: str, sys_id: str) -> ChangeRecord:
    return _remember(run.promotion_id, _desk().get_change(sys_id))


@external("servicenow")
def move_change(run: PromotionRun, stage: str, sys_id: str, state: ChangeState) -> ChangeRecord:
    return _remember(run.promotion_id, _desk().move_change(sys_id, state))


@external("servicenow")
def change_note(run: PromotionRun, stage: str, sys_id: str, text: str) -> None:
    _desk().add_work_note(sys_id, text)


@external("servicenow")
def close_change(run: PromotionRun, stage: str, sys_id: str, code: CloseCode, notes: str) -> None:
    desk = _desk()
    desk.close_change(sys_id, code, notes)
    _remember(run.promotion_id, desk.get_change(sys_id))


@external("servicenow")
def cancel_change(run: PromotionRun, stage: str, sys_id: str, text: str) -> None:
    desk = _desk()
    desk.cancel_change(sys_id, text)
    _remember(run.promotion_id, desk.get_change(sys_id))


# ---------------------------------------------------------------- the environment repository


@external("bitbucket")
def environment_repository(run: PromotionRun, stage: str, plan: PromotionPlan) -> Repository:
    """The landing zone's environment repository; only one carrying its marker is changed."""
    name = plan.repository
    found = runtime.current().repositories.find_repository(name.project, name.slug)
    if found is None:
        raise PermanentError("bitbucket", f"repository {plan.repository_name} does not exist")
    if found.owner != run.landing_zone_id:
        raise ForeignResource("bitbucket", f"repository {plan.repository_name}", found.owner)
    return found


@external("bitbucket")
def read_overlay(run: PromotionRun, stage: str, repository: Repository, plan: PromotionPlan) -> str:
    text = runtime.current().repositories.read_file(repository, plan.overlay, plan.branch)
    if text is None:
        raise PermanentError("bitbucket", f"{plan.repository_name} has no {plan.overlay}")
    return text


@external("bitbucket")
def commit_overlay(
    run: PromotionRun, stage: str, repository: Repository, change: FileChange
) -> tuple[str, str]:
    """Commit the overlay (once: a replay finds it committed); the head and its link."""
    host = runtime.current().repositories
    head = host.commit_file(repository, change)
    return head, host.commit_url(repository, head)
