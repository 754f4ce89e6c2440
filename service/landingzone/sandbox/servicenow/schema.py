"""What the simulator knows about its tables: references, choice labels, numbering, defaults."""

from __future__ import annotations

TABLES = frozenset(
    {
        "sc_request",
        "sc_req_item",
        "sysapproval_approver",
        "sys_journal_field",
        "sys_user",
        "sys_user_group",
    }
)
TASK_TABLES = ("sc_req_item", "sc_request")
JOURNAL_FIELDS = frozenset({"work_notes", "comments"})
CLOSED_STATES = frozenset({"3", "4", "7"})

# table -> field -> referenced table ("task" resolves to any of TASK_TABLES)
_TASK_REFERENCES = {
    "requested_for": "sys_user",
    "opened_by": "sys_user",
    "assignment_group": "sys_user_group",
}
REFERENCES: dict[str, dict[str, str]] = {
    "sc_request": _TASK_REFERENCES,
    "sc_req_item": {"request": "sc_request", **_TASK_REFERENCES},
    "sysapproval_approver": {"approver": "sys_user", "sysapproval": "task"},
    "sys_journal_field": {},
    "sys_user": {},
    "sys_user_group": {"manager": "sys_user"},
}

DISPLAY_FIELD = {
    "sys_user": "name",
    "sys_user_group": "name",
    "sc_request": "number",
    "sc_req_item": "number",
}

NUMBER_PREFIX = {"sc_request": "REQ", "sc_req_item": "RITM"}
FIRST_NUMBER = 10001

_TASK_STATE = {
    "-5": "Pending",
    "1": "Open",
    "2": "Work in Progress",
    "3": "Closed Complete",
    "4": "Closed Incomplete",
    "7": "Closed Skipped",
}
_APPROVAL = {
    "not requested": "Not Yet Requested",
    "requested": "Requested",
    "approved": "Approved",
    "rejected": "Rejected",
    "cancelled": "Cancelled",
    "not_required": "No Longer Required",
    "duplicate": "Duplicate",
}
_STAGE = {
    "waiting_for_approval": "Waiting for Approval",
    "request_approved": "Request Approved",
    "fulfillment": "Fulfillment",
    "complete": "Completed",
    "Request Cancelled": "Request Cancelled",
}
CHOICES: dict[tuple[str, str], dict[str, str]] = {
    ("sc_req_item", "state"): _TASK_STATE,
    ("sc_request", "state"): _TASK_STATE,
    ("sc_req_item", "approval"): _APPROVAL,
    ("sc_request", "approval"): _APPROVAL,
    ("sysapproval_approver", "state"): _APPROVAL,
    ("sc_req_item", "stage"): _STAGE,
}


def defaults(table: str) -> dict[str, str]:
    """Fields every new record of `table` carries before the caller's values are applied."""
    if table in TASK_TABLES:
        specific = {"request": ""} if table == "sc_req_item" else {"request_state": "requested"}
        return specific | {
            "active": "true",
            "approval": "not requested",
            "state": "1",
            "stage": "",
            "short_description": "",
            "description": "",
            "correlation_id": "",
            "correlation_display": "",
            "requested_for": "",
            "opened_by": "",
            "assignment_group": "",
            "opened_at": "",
            "closed_at": "",
            "close_notes": "",
            "priority": "4",
            "work_notes": "",
            "comments": "",
            "sys_class_name": table,
        }
    if table == "sysapproval_approver":
        return {
            "state": "requested",
            "approver": "",
            "sysapproval": "",
            "document_id": "",
            "source_table": "",
            "group": "",
            "comments": "",
            "due_date": "",
        }
    if table == "sys_journal_field":
        return {"name": "", "element": "", "element_id": "", "value": ""}
    if table == "sys_user":
        return {"user_name": "", "name": "", "email": "", "active": "true"}
    if table == "sys_user_group":
        return {"name": "", "description": "", "email": "", "manager": "", "active": "true"}
    return {}


def label(table: str, field: str, value: str) -> str:
    return CHOICES.get((table, field), {}).get(value, value)
