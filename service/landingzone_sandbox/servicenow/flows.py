"""The flow of the sandbox's catalog items, one `sys_flow_context` per ordered requested item.

Design of the flow ("approval only when a group is given"):
1. The item's `approval_group` variable names a group: "Ask for Approval" on that group (see
   approvals.py: anyone approves, one rejection rejects). The item waits for approval.
   Empty: no approval is asked, as the Approval - Group activity does without a group; the item
   is approved.
2. Approved: the item moves to Fulfillment (state Work in Progress) and waits there for whoever
   fulfils it to close it.
3. Rejected: the item is closed incomplete, stage Request Cancelled.
Closing the item ends the flow; cancelling the request (or closing the item while the flow
waits) cancels it, and the approvals still waiting are released.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from landingzone_sandbox.servicenow import approvals
from landingzone_sandbox.servicenow.catalog_seed import APPROVAL_GROUP_VARIABLE
from landingzone_sandbox.servicenow.store import Record

if TYPE_CHECKING:
    from landingzone_sandbox.servicenow.instance import ServiceNowInstance

FLOW_NAME = "Service Catalog item request"
IN_PROGRESS = "IN_PROGRESS"
WAITING = "WAITING"
COMPLETE = "COMPLETE"
CANCELLED = "CANCELLED"
_RUNNING = frozenset({IN_PROGRESS, WAITING})


def new_context(instance: ServiceNowInstance, request_item: str) -> Record:
    values = {
        "name": FLOW_NAME,
        "state": IN_PROGRESS,
        "source_table": "sc_req_item",
        "source_record": request_item,
    }
    return instance.insert("sys_flow_context", values, actor="system")


def run(instance: ServiceNowInstance, item: Record, answers: Mapping[str, str]) -> None:
    """Step 1, right after the order."""
    group_id = answers.get(APPROVAL_GROUP_VARIABLE, "").strip()
    if not group_id:
        instance.update("sc_req_item", item["sys_id"], {"approval": "approved"}, "system")
        return
    _set_state(instance, item, WAITING)
    approvals.ask_group(instance, "sc_req_item", item, group_id)
    instance.update("sc_req_item", item["sys_id"], {"approval": "requested"}, "system")


def on_decision(instance: ServiceNowInstance, item: Record) -> None:
    """Steps 2 and 3, when the item's approval is decided."""
    if not running(instance, item):
        return
    if item.get("approval") == "approved":
        _set_state(instance, item, IN_PROGRESS)
        values = {"state": "2", "stage": "fulfillment"}
        instance.update("sc_req_item", item["sys_id"], values, "system")
    elif item.get("approval") == "rejected":
        _set_state(instance, item, COMPLETE)
        values = {"state": "4", "stage": "Request Cancelled"}
        instance.update("sc_req_item", item["sys_id"], values, "system")


def on_closed(instance: ServiceNowInstance, item: Record) -> None:
    if running(instance, item):
        finished = item.get("state") == "3" and item.get("approval") == "approved"
        _set_state(instance, item, COMPLETE if finished else CANCELLED)


def running(instance: ServiceNowInstance, item: Record) -> bool:
    context = instance.find("sys_flow_context", item.get("flow_context", ""))
    return context is not None and context.get("state") in _RUNNING


def _set_state(instance: ServiceNowInstance, item: Record, state: str) -> None:
    context_id = item.get("flow_context", "")
    if instance.find("sys_flow_context", context_id) is not None:
        instance.update("sys_flow_context", context_id, {"state": state}, "system")
