"""What a decision read from ServiceNow means, and how the audit trail records it (pure).

A requester cannot approve their own request: an approval given by the requester (the approver's
email or user name is the requester's) is not an approval. ServiceNow's stock approval engine
lets a member of the approval group approve whatever they asked for, and the decision rolls up
at once, so the service refuses it: the request is withdrawn and the landing zone rejected.
"""

from __future__ import annotations

from landingzone.audit.models import POLICY, SERVICENOW, Action, Actor, AuditEntry, Outcome
from landingzone.integrations.base import ApprovalRecord, Decider
from landingzone.landing_zone.service import Plan

SELF_APPROVAL_RULE = "a requester cannot approve their own request"


def self_approvers(record: ApprovalRecord, plan: Plan) -> tuple[Decider, ...]:
    """The approvers of an approved record who are its requester; none for any other decision."""
    if record.decision != "approved":
        return ()
    return tuple(
        d for d in record.deciders if d.is_person(plan.requester_email, plan.requester_ref)
    )


def refusal_reason(record: ApprovalRecord, selves: tuple[Decider, ...]) -> str:
    who = ", ".join(d.user_name for d in selves)
    return f"{record.number} was approved by its requester ({who}): {SELF_APPROVAL_RULE}"


def decision_entry(plan: Plan, record: ApprovalRecord) -> AuditEntry | None:
    """The audit entry of the decision `record` holds, once there is one; policy's, when the
    tenant approves automatically."""
    detail: dict[str, object] = {"request_number": record.number}
    if not plan.approval_required:
        detail["rule"] = f"tenants.{plan.tenant}.approval: automatic"
        actor = Actor(POLICY)
        return AuditEntry(
            Action.APPROVED, Outcome.APPROVED, actor, plan.landing_zone_id, detail, record.sys_id
        )
    if record.decision not in ("approved", "rejected"):
        return None
    detail["decided_by"] = [{"user_name": d.user_name, "name": d.name} for d in record.deciders]
    names = ",".join(d.user_name for d in record.deciders) or "unknown"
    actor = Actor(SERVICENOW, name=f"{SERVICENOW}:{names}")
    if record.decision == "rejected":
        action, outcome = Action.REJECTED, Outcome.REJECTED
    elif selves := self_approvers(record, plan):
        action, outcome = Action.APPROVED, Outcome.REFUSED
        detail["reason"] = refusal_reason(record, selves)
    else:
        action, outcome = Action.APPROVED, Outcome.APPROVED
    return AuditEntry(action, outcome, actor, plan.landing_zone_id, detail, record.sys_id)
