"""Business rules: the approval flow of a requested item, as the instance's workflow runs it.

- An item whose approval becomes `requested` gets one `sysapproval_approver` row per approver.
- An approver row set to approved/rejected rolls up to the item: any rejection rejects it,
  approval by everyone approves it.
- When the item's approval becomes approved/rejected, rows still waiting become
  "No Longer Required" and, unless the item was created already decided, the decision
  listener (the outbound callback) is told.
- Closing an item (state 3/4/7, inactive) or cancelling its approval releases the approvals
  still waiting ("requested" or "not requested" become "No Longer Required"), as the task
  rule "Moot Approvals Upon Cancellation" does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from landingzone.sandbox.servicenow import schema
from landingzone.sandbox.servicenow.store import Record

if TYPE_CHECKING:
    from landingzone.sandbox.servicenow.instance import ServiceNowInstance

DECIDED = frozenset({"approved", "rejected"})
WAITING = frozenset({"requested", "not requested"})
_STAGE_FOR_APPROVAL = {
    "requested": "waiting_for_approval",
    "approved": "fulfillment",
    "rejected": "Request Cancelled",
}
_STAGE_FOR_CLOSED_STATE = {"3": "complete", "4": "Request Cancelled", "7": "Request Cancelled"}


def before_write(
    instance: ServiceNowInstance, table: str, before: Record | None, record: Record, actor: str
) -> None:
    if table not in schema.TASK_TABLES:
        return
    old = before or {}
    stage_given = record.get("stage", "") != old.get("stage", "")
    if record.get("approval") != old.get("approval") and not stage_given:
        record["stage"] = _STAGE_FOR_APPROVAL.get(record["approval"], record.get("stage", ""))
    state = record.get("state", "")
    if state != old.get("state") and state in schema.CLOSED_STATES:
        record["active"] = "false"
        record["closed_at"] = record["sys_updated_on"]
        if not stage_given:
            record["stage"] = _STAGE_FOR_CLOSED_STATE[state]
    if before is None:
        record["opened_at"] = record.get("opened_at") or record["sys_created_on"]
        if not record.get("opened_by"):
            user = instance.users_by_name().get(actor)
            record["opened_by"] = user["sys_id"] if user else ""


def after_write(
    instance: ServiceNowInstance, table: str, before: Record | None, record: Record, actor: str
) -> None:
    if table == "sc_req_item":
        _after_item_write(instance, before, record, actor)
    elif table == "sysapproval_approver":
        _after_approver_write(instance, before, record)


def _after_item_write(
    instance: ServiceNowInstance, before: Record | None, item: Record, actor: str
) -> None:
    old = before or {}
    if before is None and not item.get("request"):
        parent = instance.insert(
            "sc_request",
            {
                "short_description": item["short_description"],
                "requested_for": item["requested_for"],
                "approval": "approved",
                "request_state": "in_process",
            },
            actor,
        )
        instance.store.replace("sc_req_item", item | {"request": parent["sys_id"]})
    approval = item.get("approval", "")
    if approval != old.get("approval"):
        if approval == "requested" and not _waiting_rows(instance, item["sys_id"]):
            _request_approvals(instance, item)
        if approval in DECIDED or approval == "cancelled":
            _release_waiting_rows(instance, item["sys_id"])
        if approval in DECIDED and before is not None and instance.on_decision is not None:
            instance.on_decision(
                {
                    "table": "sc_req_item",
                    "sys_id": item["sys_id"],
                    "number": item.get("number", ""),
                    "approval": approval,
                    "correlation_id": item.get("correlation_id", ""),
                }
            )
    state = item.get("state", "")
    if state != old.get("state") and state in schema.CLOSED_STATES:
        _release_waiting_rows(instance, item["sys_id"])


def _after_approver_write(instance: ServiceNowInstance, before: Record | None, row: Record) -> None:
    if before is None or row.get("state") == before.get("state"):
        return
    if row.get("state") not in DECIDED:
        return
    table = row.get("source_table") or "sc_req_item"
    document = instance.find(table, row.get("document_id") or row.get("sysapproval", ""))
    if document is None or document.get("approval") != "requested":
        return
    states = {r.get("state") for r in _rows_for(instance, document["sys_id"])}
    if "rejected" in states:
        outcome = "rejected"
    elif "approved" in states and "requested" not in states:
        outcome = "approved"
    else:
        return
    instance.update(table, document["sys_id"], {"approval": outcome}, actor="system")


def _request_approvals(instance: ServiceNowInstance, item: Record) -> None:
    users = instance.users_by_name()
    for user_name in instance.settings.approvers:
        user = users.get(user_name)
        instance.insert(
            "sysapproval_approver",
            {
                "approver": user["sys_id"] if user else user_name,
                "sysapproval": item["sys_id"],
                "document_id": item["sys_id"],
                "source_table": "sc_req_item",
                "state": "requested",
            },
            actor="system",
        )


def _rows_for(instance: ServiceNowInstance, sys_id: str) -> list[Record]:
    return [
        row
        for row in instance.store.rows("sysapproval_approver")
        if sys_id in (row.get("document_id"), row.get("sysapproval"))
    ]


def _waiting_rows(instance: ServiceNowInstance, sys_id: str) -> list[Record]:
    return [row for row in _rows_for(instance, sys_id) if row.get("state") in WAITING]


def _release_waiting_rows(instance: ServiceNowInstance, sys_id: str) -> None:
    for row in _waiting_rows(instance, sys_id):
        instance.update("sysapproval_approver", row["sys_id"], {"state": "not_required"}, "system")
