"""What the simulator knows about its tables: references, choice labels, numbering, defaults."""

from __future__ import annotations

from collections.abc import Sequence

TABLES = frozenset(
    {
        "sc_request",
        "sc_req_item",
        "change_request",
        "sc_cat_item",
        "item_option_new",
        "sc_item_option",
        "sc_item_option_mtom",
        "sysapproval_approver",
        "sysapproval_group",
        "sys_flow_context",
        "sys_journal_field",
        "sys_user",
        "sys_user_group",
        "sys_user_grmember",
    }
)
TASK_TABLES = ("sc_req_item", "sc_request", "change_request")
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
    "sc_req_item": {
        "request": "sc_request",
        "cat_item": "sc_cat_item",
        "flow_context": "sys_flow_context",
        **_TASK_REFERENCES,
    },
    "change_request": {"requested_by": "sys_user", **_TASK_REFERENCES},
    "sc_cat_item": {},
    "item_option_new": {"cat_item": "sc_cat_item"},
    "sc_item_option": {"item_option_new": "item_option_new"},
    "sc_item_option_mtom": {"request_item": "sc_req_item", "sc_item_option": "sc_item_option"},
    "sysapproval_approver": {
        "approver": "sys_user",
        "sysapproval": "task",
        "group": "sysapproval_group",
    },
    "sysapproval_group": {"parent": "task", "assignment_group": "sys_user_group"},
    "sys_flow_context": {},
    "sys_journal_field": {},
    "sys_user": {},
    "sys_user_group": {"manager": "sys_user"},
    "sys_user_grmember": {"group": "sys_user_group", "user": "sys_user"},
}

DISPLAY_FIELD = {
    "sys_user": "name",
    "sys_user_group": "name",
    "sc_request": "number",
    "sc_req_item": "number",
    "change_request": "number",
    "sc_cat_item": "name",
    "item_option_new": "question_text",
    "sys_flow_context": "name",
}

NUMBER_PREFIX = {"sc_request": "REQ", "sc_req_item": "RITM", "change_request": "CHG"}
DEFAULT_FIRST_NUMBER = 10001
FIRST_NUMBER = {"change_request": 30001}  # a stock instance's demo data ends below these

# Catalog variable types (item_option_new.type).
YES_NO = "1"
MULTI_LINE_TEXT = "2"
SINGLE_LINE_TEXT = "6"
REFERENCE = "8"

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
_ITEM_STAGE = {
    "waiting_for_approval": "Waiting for Approval",
    "request_approved": "Request Approved",
    "fulfillment": "Fulfillment",
    "complete": "Completed",
    "Request Cancelled": "Request Cancelled",
}
_REQUEST_STATE = {
    "requested": "Pending Approval",
    "in_process": "Approved",
    "closed_complete": "Closed Complete",
    "closed_incomplete": "Closed Incomplete",
    "closed_cancelled": "Closed Cancelled",
    "closed_rejected": "Closed Rejected",
}
_REQUEST_STAGE = {"requested": "Requested", "fulfillment": "Fulfillment"} | {
    k: v for k, v in _REQUEST_STATE.items() if k.startswith("closed_")
}
# The change model's states as the instance stores them (ChangeRequestStateModel).
CHANGE_STATE = {
    "-5": "New",
    "-4": "Assess",
    "-3": "Authorize",
    "-2": "Scheduled",
    "-1": "Implement",
    "0": "Review",
    "3": "Closed",
    "4": "Canceled",
}
CHANGE_TYPE = {"normal": "Normal", "standard": "Standard", "emergency": "Emergency"}
CLOSE_CODE = {
    "successful": "Successful",
    "successful_issues": "Successful with issues",
    "unsuccessful": "Unsuccessful",
}
_VARIABLE_TYPE = {
    YES_NO: "Yes / No",
    MULTI_LINE_TEXT: "Multi Line Text",
    SINGLE_LINE_TEXT: "Single Line Text",
    REFERENCE: "Reference",
}
CHOICES: dict[tuple[str, str], dict[str, str]] = {
    ("sc_req_item", "state"): _TASK_STATE,
    ("sc_request", "state"): _TASK_STATE,
    ("sc_req_item", "approval"): _APPROVAL,
    ("sc_request", "approval"): _APPROVAL,
    ("sysapproval_approver", "state"): _APPROVAL,
    ("sysapproval_group", "approval"): _APPROVAL,
    ("sc_req_item", "stage"): _ITEM_STAGE,
    ("sc_request", "stage"): _REQUEST_STAGE,
    ("sc_request", "request_state"): _REQUEST_STATE,
    ("item_option_new", "type"): _VARIABLE_TYPE,
    ("change_request", "state"): CHANGE_STATE,
    ("change_request", "approval"): _APPROVAL,
    ("change_request", "type"): CHANGE_TYPE,
    ("change_request", "close_code"): CLOSE_CODE,
}

_TASK_DEFAULTS = {
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
}
_DEFAULTS: dict[str, dict[str, str]] = {
    "sc_req_item": {"request": "", "cat_item": "", "quantity": "1", "flow_context": ""},
    "sc_request": {"request_state": "requested"},
    "change_request": {
        "state": "-5",
        "type": "normal",
        "justification": "",
        "implementation_plan": "",
        "backout_plan": "",
        "test_plan": "",
        "requested_by": "",
        "close_code": "",
        "start_date": "",
        "end_date": "",
    },
    "sc_cat_item": {
        "name": "",
        "short_description": "",
        "description": "",
        "active": "true",
        "category": "",
        "sys_class_name": "sc_cat_item",
    },
    "item_option_new": {
        "cat_item": "",
        "name": "",
        "question_text": "",
        "type": SINGLE_LINE_TEXT,
        "mandatory": "false",
        "order": "100",
        "reference": "",
        "default_value": "",
        "help_text": "",
        "active": "true",
    },
    "sc_item_option": {"item_option_new": "", "value": "", "order": "0"},
    "sc_item_option_mtom": {"request_item": "", "sc_item_option": ""},
    "sysapproval_approver": {
        "state": "requested",
        "approver": "",
        "sysapproval": "",
        "document_id": "",
        "source_table": "",
        "group": "",
        "comments": "",
        "due_date": "",
    },
    "sysapproval_group": {
        "parent": "",
        "assignment_group": "",
        "approval": "not requested",
        "short_description": "",
        "comments": "",
        "due_date": "",
    },
    "sys_flow_context": {"name": "", "state": "", "source_table": "", "source_record": ""},
    "sys_journal_field": {"name": "", "element": "", "element_id": "", "value": ""},
    "sys_user": {"user_name": "", "name": "", "email": "", "active": "true"},
    "sys_user_group": {"name": "", "description": "", "email": "", "manager": "", "active": "true"},
    "sys_user_grmember": {"group": "", "user": ""},
}


def defaults(table: str) -> dict[str, str]:
    """Fields every new record of `table` carries before the caller's values are applied."""
    specific = dict(_DEFAULTS.get(table, {}))
    if table in TASK_TABLES:
        return _TASK_DEFAULTS | specific | {"sys_class_name": table}
    return specific


def label(table: str, field: str, value: str) -> str:
    return CHOICES.get((table, field), {}).get(value, value)


def reference_target(table: str, field: str) -> str | None:
    """The table `field` of `table` refers to; "task" stands for every task table."""
    for name in TASK_TABLES if table == "task" else (table,):
        target = REFERENCES.get(name, {}).get(field)
        if target is not None:
            return target
    return None


def reference_path(table: str, fields: Sequence[str]) -> list[tuple[str, str]] | None:
    """Each (field, referenced table) hop of a dot-walk, or None when a hop is no reference."""
    hops: list[tuple[str, str]] = []
    current = table
    for field in fields:
        target = reference_target(current, field)
        if target is None:
            return None
        hops.append((field, target))
        current = target
    return hops
