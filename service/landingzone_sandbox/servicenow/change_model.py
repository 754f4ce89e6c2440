"""Change requests (change_request) and their change model, as a stock instance runs them.

States as stored: New -5, Assess -4, Authorize -3, Scheduled -2, Implement -1, Review 0,
Closed 3, Canceled 4 (ChangeRequestStateModel_normal/_standard/_emergency).
- Normal: New -> Assess -> Authorize -> Scheduled -> Implement -> Review -> Closed; Assess
  and Authorize may go back to New ("Revert to New").
- Standard: pre-approved, inserted with approval "approved": New -> Scheduled -> Implement ->
  Review -> Closed.
- Emergency: New -> Authorize -> Scheduled -> ..., like normal without Assess.
- Canceled from any open state but Review ("You cannot cancel the change request if it is in
  the Review state"), never from Closed or Canceled.
Any other transition is aborted by the "Change Model: Check State Transition" business rule;
closing without close_code and close_notes by the data policy that makes them mandatory; both
answer 403 "Operation Failed" with the reason in the detail. Moving to Scheduled out of
Authorize needs the approval (the instance moves it itself once approved).

Entering Authorize asks the assignment group (approvals.py: anyone approves, one rejection
rejects). Approved: the change goes on to Scheduled. Rejected: it goes back to New with approval
"rejected", the approver's comments on their approval row. Either decision is told to the
decision listener (callback.py). Canceling releases every approval still asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from landingzone_sandbox.servicenow import approvals
from landingzone_sandbox.servicenow.errors import write_aborted
from landingzone_sandbox.servicenow.schema import CHANGE_STATE, CHANGE_TYPE, CLOSE_CODE
from landingzone_sandbox.servicenow.store import Record

if TYPE_CHECKING:
    from landingzone_sandbox.servicenow.instance import ServiceNowInstance

TABLE = "change_request"
NEW, ASSESS, AUTHORIZE, SCHEDULED = "-5", "-4", "-3", "-2"
IMPLEMENT, REVIEW, CLOSED, CANCELED = "-1", "0", "3", "4"
FINAL = frozenset({CLOSED, CANCELED})
_CANCELABLE = frozenset({NEW, ASSESS, AUTHORIZE, SCHEDULED, IMPLEMENT})
_LATER = {SCHEDULED: {IMPLEMENT}, IMPLEMENT: {REVIEW}, REVIEW: {CLOSED}}
TRANSITIONS: dict[str, dict[str, set[str]]] = {
    "normal": {NEW: {ASSESS}, ASSESS: {NEW, AUTHORIZE}, AUTHORIZE: {NEW, SCHEDULED}, **_LATER},
    "standard": {NEW: {SCHEDULED}, **_LATER},
    "emergency": {NEW: {AUTHORIZE}, AUTHORIZE: {NEW, SCHEDULED}, **_LATER},
}
_APPROVALS = frozenset({"not requested", "requested", "approved", "rejected", "cancelled"})


def _name(state: str) -> str:
    return CHANGE_STATE.get(state, state or "(empty)")


def _refuse(before: Record | None, record: Record, reason: str) -> Exception:
    what = "insert" if before is None else "update"
    number = record.get("number", "")
    return write_aborted(f"Error during {what} of {TABLE} ({number}): {reason}")


def allowed(kind: str, old: str, new: str) -> bool:
    if new == CANCELED:
        return old in _CANCELABLE
    return new in TRANSITIONS.get(kind, {}).get(old, set())


def before_write(before: Record | None, record: Record) -> None:
    """The state model, the data policies and what the instance sets itself."""
    kind = record.get("type", "")
    if kind not in CHANGE_TYPE:
        raise _refuse(
            before, record, f"Invalid change type {kind!r} (normal, standard or emergency)"
        )
    if record.get("approval", "") not in _APPROVALS:
        raise _refuse(before, record, f"Invalid approval {record.get('approval')!r}")
    state = record.get("state", "")
    if before is None:
        if state != NEW:
            raise _refuse(before, record, f"A change request starts in New, not {_name(state)}")
        if kind == "standard":
            record["approval"] = "approved"  # pre-authorized
        return
    old = before.get("state", "")
    if kind != before.get("type") and old != NEW:
        raise _refuse(
            before, record, "The type of a change request can change only while it is New"
        )
    if state != old:
        _check_transition(before, record, kind, old, state)


def _check_transition(before: Record, record: Record, kind: str, old: str, state: str) -> None:
    if not allowed(kind, old, state):
        raise _refuse(
            before,
            record,
            f"Change Model: Check State Transition: a {kind} change cannot move from "
            f"{_name(old)} to {_name(state)}",
        )
    if old == AUTHORIZE and state == SCHEDULED and record.get("approval") != "approved":
        raise _refuse(before, record, "The change request is not approved")
    if state == AUTHORIZE and not record.get("assignment_group"):
        raise _data_policy(["Assignment group"])
    if state == CLOSED:
        missing = [
            label
            for field, label in (("close_code", "Close code"), ("close_notes", "Close notes"))
            if not record.get(field, "").strip()
        ]
        if missing:
            raise _data_policy(missing)
        if record["close_code"] not in CLOSE_CODE:
            raise _refuse(before, record, f"Invalid close code {record['close_code']!r}")


def _data_policy(labels: list[str]) -> Exception:
    return write_aborted(
        f"Data Policy Exception: \n\tThe following fields are mandatory: {', '.join(labels)}\n"
    )


def after_write(
    instance: ServiceNowInstance, before: Record | None, change: Record
) -> list[Record]:
    """The instance's own follow-up writes; returns the decided changes to tell about."""
    old = before or {}
    state, approval = change.get("state", ""), change.get("approval", "")
    if state != old.get("state"):
        if state == AUTHORIZE:
            _ask_for_approval(instance, change)
        elif state in FINAL:
            approvals.release(instance, change["sys_id"])
    if approval == old.get("approval") or approval not in approvals.DECIDED:
        return []
    approvals.release(instance, change["sys_id"])
    if change.get("state") == AUTHORIZE:
        next_state = SCHEDULED if approval == "approved" else NEW
        instance.update(TABLE, change["sys_id"], {"state": next_state}, actor="system")
    if old.get("approval") != "requested":
        return []
    return [instance.find(TABLE, change["sys_id"]) or change]


def _ask_for_approval(instance: ServiceNowInstance, change: Record) -> None:
    if approvals.waiting(instance, change["sys_id"]):
        return
    approvals.ask_group(instance, TABLE, change, change["assignment_group"])
    instance.update(TABLE, change["sys_id"], {"approval": "requested"}, actor="system")
