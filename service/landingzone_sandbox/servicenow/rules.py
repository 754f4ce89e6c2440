"""Business rules of the simulated instance, run around every write.

Requested items (sc_req_item):
- Nobody is asked on a bare insert with approval=requested, as on a stock instance, where the
  catalog item's flow asks (flows.py). An instance customised for "table mode"
  (`approval_on_insert_field`) asks the group that field names instead.
- The approval moves the stage; once decided, approvals still waiting are released and, when
  it went from requested to approved or rejected, the decision listener is told (the platform
  team's business rule calling the Landing Zone service back, see callback.py).
- Closing it (state 3/4/7) releases the approvals still waiting ("Moot Approvals Upon
  Cancellation"), ends its flow and, once every item of its request is closed, closes the
  request ("Close Parent if Required").
Requests (sc_request): request_state closed_* closes it; cancelling it (request_state
closed_cancelled, or approval cancelled) also closes every open item of the request (state
Closed Incomplete, stage Request Cancelled), which cancels their flows and approvals.
Change requests (change_request): the change model, see change_model.py.
Approver rows: see approvals.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from landingzone_sandbox.servicenow import approvals, change_model, flows, schema, variables
from landingzone_sandbox.servicenow.catalog_seed import CORRELATION_VARIABLE
from landingzone_sandbox.servicenow.store import Record

if TYPE_CHECKING:
    from landingzone_sandbox.servicenow.instance import ServiceNowInstance

_STAGE_FOR_APPROVAL = {
    "requested": "waiting_for_approval",
    "approved": "fulfillment",
    "rejected": "Request Cancelled",
}
_STAGE_FOR_CLOSED_STATE = {"3": "complete", "4": "Request Cancelled", "7": "Request Cancelled"}
_STATE_FOR_REQUEST_STATE = {
    "closed_complete": "3",
    "closed_incomplete": "4",
    "closed_cancelled": "4",
    "closed_rejected": "4",
}
AUTO_CLOSED_NOTE = "Request Automatically Closed as all Line Items were complete"


def before_write(
    instance: ServiceNowInstance, table: str, before: Record | None, record: Record, actor: str
) -> None:
    if table not in schema.TASK_TABLES:
        return
    old = before or {}
    stage_given = record.get("stage", "") != old.get("stage", "")
    if table == change_model.TABLE:
        change_model.before_write(before, record)
    elif table == "sc_request":
        request_state = record.get("request_state", "")
        if request_state != old.get("request_state") and request_state in _STATE_FOR_REQUEST_STATE:
            record["state"] = _STATE_FOR_REQUEST_STATE[request_state]
            if not stage_given:
                record["stage"] = request_state
    elif record.get("approval") != old.get("approval") and not stage_given:
        record["stage"] = _STAGE_FOR_APPROVAL.get(record["approval"], record.get("stage", ""))
    state = record.get("state", "")
    if state != old.get("state") and state in schema.CLOSED_STATES:
        record["active"] = "false"
        record["closed_at"] = record["sys_updated_on"]
        if table == "sc_req_item" and not stage_given:
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
        _after_item_write(instance, before, record)
    elif table == "sc_request":
        _after_request_write(instance, before, record)
    elif table == change_model.TABLE:
        for decided in change_model.after_write(instance, before, record):
            _tell_decision(instance, change_model.TABLE, decided)
    elif table == "sysapproval_approver":
        approvals.after_approver_write(instance, before, record)


def _after_item_write(instance: ServiceNowInstance, before: Record | None, item: Record) -> None:
    old = before or {}
    approval = item.get("approval", "")
    _ask_in_table_mode(instance, old, item)
    if approval != old.get("approval"):
        if approval in approvals.DECIDED or approval == "cancelled":
            approvals.release(instance, item["sys_id"])
        if approval in approvals.DECIDED and old.get("approval") == "requested":
            _tell_decision(instance, "sc_req_item", item)
        if approval in approvals.DECIDED:
            flows.on_decision(instance, instance.find("sc_req_item", item["sys_id"]) or item)
    state = item.get("state", "")
    if state != old.get("state") and state in schema.CLOSED_STATES:
        current = instance.find("sc_req_item", item["sys_id"]) or item
        approvals.release(instance, item["sys_id"])
        flows.on_closed(instance, current)
        _close_parent_if_required(instance, current)


def _ask_in_table_mode(instance: ServiceNowInstance, old: Record, item: Record) -> None:
    field = instance.settings.approval_on_insert_field
    if not field or item.get("approval") != "requested" or item.get("flow_context"):
        return
    group_id = item.get(field, "")
    triggered = item.get("approval") != old.get("approval") or group_id != old.get(field)
    if group_id and triggered and not approvals.waiting(instance, item["sys_id"]):
        approvals.ask_group(instance, "sc_req_item", item, group_id)


def _tell_decision(instance: ServiceNowInstance, table: str, item: Record) -> None:
    if instance.on_decision is None:
        return
    correlation = item.get("correlation_id", "")
    if table == "sc_req_item" and item.get("cat_item"):
        correlation = variables.values(instance, item["sys_id"]).get(
            CORRELATION_VARIABLE, correlation
        )
    payload = {
        "table": table,
        "sys_id": item["sys_id"],
        "number": item.get("number", ""),
        "approval": item["approval"],
        "correlation_id": correlation,
    }
    listener = instance.on_decision
    instance.store.after_commit(lambda: listener(payload))


def _close_parent_if_required(instance: ServiceNowInstance, item: Record) -> None:
    request = instance.find("sc_request", item.get("request", ""))
    if request is None or request.get("active") == "false":
        return
    peers = instance.store.where("sc_req_item", "request", request["sys_id"])
    if any(peer.get("state") not in schema.CLOSED_STATES for peer in peers):
        return
    if any(peer.get("stage") == "complete" for peer in peers):
        values = {"request_state": "closed_complete", "comments": AUTO_CLOSED_NOTE}
    else:
        values = {"request_state": "closed_incomplete"}
    instance.update("sc_request", request["sys_id"], values, actor="system")


def _after_request_write(
    instance: ServiceNowInstance, before: Record | None, request: Record
) -> None:
    old = before or {}
    cancelled = request.get("request_state") == "closed_cancelled" != old.get("request_state")
    withdrawn = request.get("approval") == "cancelled" != old.get("approval")
    if not (cancelled or withdrawn):
        return
    approvals.release(instance, request["sys_id"])
    for item in instance.store.where("sc_req_item", "request", request["sys_id"]):
        if item.get("state") not in schema.CLOSED_STATES:
            values = {"state": "4", "stage": "Request Cancelled"}
            instance.update("sc_req_item", item["sys_id"], values, actor="system")
