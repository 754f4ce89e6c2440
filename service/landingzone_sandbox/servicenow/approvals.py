"""Approvals of a task: group approvals, approver rows and how a decision rolls up.

- Asking a group creates one `sysapproval_group` row (approval requested) and one
  `sysapproval_approver` row per active member, linked to it through `group`. A group without
  active members gets its group approval and nobody is asked: it waits.
- Within a group the first response decides ("anyone approves, one rejection rejects"): the
  group approval takes it and the member rows still waiting become "No Longer Required".
- The task's approval follows its approvals: one rejected (group, or approver row asked outside
  any group) rejects it; all of them approved approves it.
- Releasing a task's approvals ("Moot Approvals Upon Cancellation", and once it is decided)
  sets every approver row and group approval still requested or not requested to
  "No Longer Required".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from landingzone_sandbox.servicenow.store import Record

if TYPE_CHECKING:
    from landingzone_sandbox.servicenow.instance import ServiceNowInstance

DECIDED = frozenset({"approved", "rejected"})
WAITING = frozenset({"requested", "not requested"})
_WITHDRAWN = frozenset({"not_required", "cancelled", "duplicate"})
NOT_REQUIRED = "not_required"


def ask_group(instance: ServiceNowInstance, table: str, document: Record, group_id: str) -> Record:
    group_approval = instance.insert(
        "sysapproval_group",
        {
            "parent": document["sys_id"],
            "assignment_group": group_id,
            "approval": "requested",
            "short_description": document.get("short_description", ""),
        },
        actor="system",
    )
    for user_id in active_members(instance, group_id):
        instance.insert(
            "sysapproval_approver",
            {
                "approver": user_id,
                "group": group_approval["sys_id"],
                "sysapproval": document["sys_id"],
                "document_id": document["sys_id"],
                "source_table": table,
                "state": "requested",
            },
            actor="system",
        )
    return group_approval


def active_members(instance: ServiceNowInstance, group_id: str) -> list[str]:
    group = instance.find("sys_user_group", group_id)
    if group is None or group.get("active") == "false":
        return []
    members: list[str] = []
    for row in instance.store.where("sys_user_grmember", "group", group_id):
        user = instance.find("sys_user", row.get("user", ""))
        if user is not None and user.get("active") != "false" and user["sys_id"] not in members:
            members.append(user["sys_id"])
    return members


def approver_rows(instance: ServiceNowInstance, document_id: str) -> list[Record]:
    store = instance.store
    rows = {r["sys_id"]: r for r in store.where("sysapproval_approver", "sysapproval", document_id)}
    for row in store.where("sysapproval_approver", "document_id", document_id):
        rows.setdefault(row["sys_id"], row)
    return list(rows.values())


def group_approvals(instance: ServiceNowInstance, document_id: str) -> list[Record]:
    return instance.store.where("sysapproval_group", "parent", document_id)


def waiting(instance: ServiceNowInstance, document_id: str) -> bool:
    """Whether anyone or any group is still asked to decide on the document."""
    return any(r.get("state") in WAITING for r in approver_rows(instance, document_id)) or any(
        g.get("approval") in WAITING for g in group_approvals(instance, document_id)
    )


def release(instance: ServiceNowInstance, document_id: str) -> None:
    for row in approver_rows(instance, document_id):
        if row.get("state") in WAITING:
            values = {"state": NOT_REQUIRED}
            instance.update("sysapproval_approver", row["sys_id"], values, "system")
    for group in group_approvals(instance, document_id):
        if group.get("approval") in WAITING:
            values = {"approval": NOT_REQUIRED}
            instance.update("sysapproval_group", group["sys_id"], values, "system")


def after_approver_write(instance: ServiceNowInstance, before: Record | None, row: Record) -> None:
    if before is None or row.get("state") == before.get("state"):
        return
    if row.get("state") not in DECIDED:
        return
    if row.get("group"):
        _decide_group(instance, row)
    table = row.get("source_table") or "sc_req_item"
    document = instance.find(table, row.get("document_id") or row.get("sysapproval", ""))
    if document is None or document.get("approval") != "requested":
        return
    outcome = _outcome(instance, document["sys_id"])
    if outcome is not None:
        instance.update(table, document["sys_id"], {"approval": outcome}, actor="system")


def _decide_group(instance: ServiceNowInstance, row: Record) -> None:
    group = instance.find("sysapproval_group", row["group"])
    if group is None or group.get("approval") != "requested":
        return
    instance.update("sysapproval_group", group["sys_id"], {"approval": row["state"]}, "system")
    for member_row in instance.store.where("sysapproval_approver", "group", group["sys_id"]):
        if member_row.get("state") in WAITING:
            values = {"state": NOT_REQUIRED}
            instance.update("sysapproval_approver", member_row["sys_id"], values, "system")


def _outcome(instance: ServiceNowInstance, document_id: str) -> str | None:
    """The document's decision once its approvals settle it, else None."""
    units = [g.get("approval", "") for g in group_approvals(instance, document_id)]
    rows = approver_rows(instance, document_id)
    units += [r.get("state", "") for r in rows if not r.get("group")]
    pending = [unit for unit in units if unit not in _WITHDRAWN]
    if "rejected" in pending:
        return "rejected"
    if pending and all(unit == "approved" for unit in pending):
        return "approved"
    return None
