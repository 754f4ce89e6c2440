"""The approve stage: open the ServiceNow request and, when policy asks for an approval, wait
durably for the decision (the callback nudges, the request read back is the truth, expiry).

An approval given by the requester is refused (approval_rules.py): a work note on the request
says why, an event too, the request is withdrawn and the landing zone ends rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbos import DBOS

from landingzone.audit.models import POLICY, Action, Actor, AuditEntry, Outcome
from landingzone.integrations.base import ApprovalRecord
from landingzone.landing_zone import steps
from landingzone.landing_zone.approval_rules import (
    SELF_APPROVAL_RULE,
    refusal_reason,
    self_approvers,
)
from landingzone.landing_zone.models import Status
from landingzone.landing_zone.progress import Run, add_links, note, set_status
from landingzone.landing_zone.resilience import durable_clock
from landingzone.landing_zone.service import Plan
from landingzone.landing_zone.stages import Stage, stage

APPROVAL_TOPIC = "approval"


@dataclass(frozen=True)
class Decided:
    record: ApprovalRecord
    refusal: str | None = None  # why an approval in ServiceNow is not one (self-approval)

    @property
    def approved(self) -> bool:
        return self.record.decision == "approved" and self.refusal is None


def stage_approve(run: Run, plan: Plan, status_url: str, poll_s: float, expiry_s: float) -> Decided:
    """Open the ServiceNow request; if policy asks for approval, wait durably for the decision."""
    with stage(run, "approve") as current:
        record = steps.open_request(run, current.name, plan, status_url)
        add_links(run, approval_links(record))
        if not plan.approval_required:
            current.skipped(f"approve: {record.number} approved by policy")
            return Decided(record)
        set_status(run, Status.PENDING_APPROVAL)
        note(
            run,
            "approval-requested",
            current.name,
            f"approval requested in {record.number}",
            {"request_number": record.number, "url": record.url},
        )
        record = _wait_for_decision(run, current, plan, record, poll_s, expiry_s)
        if record.decision == "cancelled":
            return Decided(record)
        decided_by = {"decided_by": list(record.decided_by)}
        if selves := self_approvers(record, plan):
            return _refuse_self_approval(run, current, plan, record, refusal_reason(record, selves))
        if record.decision == "approved":
            current.finished(f"approve: {record.number} approved", decided_by)
        else:
            current.failed(f"{record.number} {record.decision}", decided_by)
        return Decided(record)


def _wait_for_decision(
    run: Run, current: Stage, plan: Plan, record: ApprovalRecord, poll_s: float, expiry_s: float
) -> ApprovalRecord:
    deadline = durable_clock() + expiry_s
    checks = 0
    while record.decision == "pending":
        remaining = deadline - durable_clock()
        if remaining <= 0:
            detail = {"request_number": record.number, "rule": "LZ_APPROVAL_EXPIRY_HOURS"}
            expired = AuditEntry(
                Action.EXPIRED, Outcome.EXPIRED, Actor(POLICY), run.landing_zone_id, detail, "1"
            )
            steps.cancel_request(
                run,
                current.name,
                record.sys_id,
                "Approval expired; landing zone withdrawn.",
                expired,
            )
            current.failed("approval expired")
            return ApprovalRecord(record.sys_id, record.number, record.url, "cancelled")
        nudge = DBOS.recv(APPROVAL_TOPIC, timeout_seconds=min(poll_s, remaining))
        record = steps.read_request(run, current.name, plan, record.sys_id)
        checks += 1
        if nudge is not None:
            note(
                run,
                f"callback-{checks}",
                current.name,
                f"ServiceNow called back; {record.number} reads {record.decision}",
                {"decision": record.decision},
            )
    return record


def _refuse_self_approval(
    run: Run, current: Stage, plan: Plan, record: ApprovalRecord, reason: str
) -> Decided:
    """Not an approval: said on the request and on the landing zone; the request withdrawn."""
    group = plan.approval_group or "the approval group"
    steps.add_work_note(
        run,
        current.name,
        record.sys_id,
        f"Landing Zone does not accept this approval: {reason}. The request is withdrawn; "
        f"ask for the landing zone again and have another member of {group} approve it.",
    )
    note(
        run,
        "self-approval",
        current.name,
        f"approve: {record.number} was approved by its own requester, which is not an "
        f"approval ({SELF_APPROVAL_RULE}); the request is withdrawn",
        {"decided_by": list(record.decided_by), "rule": SELF_APPROVAL_RULE},
    )
    steps.cancel_request(
        run, current.name, record.sys_id, f"Withdrawn by Landing Zone: {SELF_APPROVAL_RULE}."
    )
    current.failed(f"{record.number}: approval refused ({SELF_APPROVAL_RULE})")
    return Decided(record, f"approval refused: {SELF_APPROVAL_RULE}")


def approval_links(record: ApprovalRecord) -> dict[str, str]:
    """The requested item the decision lives on and, where there is one, its request."""
    links = {"approval": record.url, "request_number": record.number}
    if record.request_number:
        links["catalog_request"] = record.request_number
    return links
