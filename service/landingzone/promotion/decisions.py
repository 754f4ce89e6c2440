"""How the audit trail records a promotion's decision: policy's for a change the policy needs no
approval for, the ServiceNow approvers' for a normal change.

A promotion is asked for by the landing zone's pipeline, not by a person, so there is no
requester whose own approval could be refused; the change approvers are whoever ServiceNow asks.
"""

from __future__ import annotations

from landingzone.audit.models import POLICY, SERVICENOW, Action, Actor, AuditEntry, Outcome
from landingzone.integrations.changes import ChangeRecord
from landingzone.promotion.plan import PromotionPlan


def decision_entry(
    plan: PromotionPlan, change: ChangeRecord | None, outcome: Outcome
) -> AuditEntry:
    """The promotion approved (`outcome` APPROVED) or not (REJECTED, EXPIRED), and by whom."""
    detail: dict[str, object] = {
        "promotion_id": plan.promotion_id,
        "environment": plan.environment,
        "digest": plan.digest,
        "change": change.number if change else None,
    }
    if plan.change_type != "normal":
        detail["rule"] = f"global.promotion.{plan.environment}.change: {plan.change_type}"
        actor = Actor(POLICY)
    elif change is not None and change.decided_by:
        detail["decided_by"] = list(change.decided_by)
        actor = Actor(SERVICENOW, name=f"{SERVICENOW}:{', '.join(change.decided_by)}")
    else:
        actor = Actor(POLICY if outcome is Outcome.EXPIRED else SERVICENOW)
    action = Action.PROMOTION_APPROVED if outcome is Outcome.APPROVED else Action.PROMOTION_REJECTED
    return AuditEntry(action, outcome, actor, plan.landing_zone_id, detail, plan.promotion_id)
