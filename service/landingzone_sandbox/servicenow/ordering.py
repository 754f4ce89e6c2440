"""Ordering a catalog item ("Buy Item", order_now): one request, its items and their variables.

The checks and their messages are those of the instance's own Buy Item REST operation: the
quantity must be a whole number, the item one the caller can see (active), and every mandatory
variable answered unless `sysparm_no_validation` is "true". Answers for variables the item does
not define are ignored; every variable it defines gets an answer, empty when none was given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from landingzone_sandbox.servicenow import flows, variables
from landingzone_sandbox.servicenow.errors import TableError
from landingzone_sandbox.servicenow.instance import as_text, new_sys_id
from landingzone_sandbox.servicenow.store import Record

if TYPE_CHECKING:
    from landingzone_sandbox.servicenow.instance import ServiceNowInstance

# Beyond what a shopping cart offers, a quantity is refused rather than creating that many items.
MAX_QUANTITY = 20
_QUANTITY = re.compile(r"^\+?([0-9]*)$")


def order_now(
    instance: ServiceNowInstance, item_id: str, body: Mapping[str, object], actor: str
) -> Record:
    """The new sc_request; raises TableError (400) as the instance refuses."""
    quantity = _quantity(body.get("sysparm_quantity"))
    with instance.store.transaction():
        cat_item = instance.find("sc_cat_item", item_id)
        if cat_item is None or cat_item.get("active") == "false":
            raise TableError(400, "Security constraints prevent ordering of Item")
        questions = variables.definitions(instance, cat_item["sys_id"])
        given = body.get("variables")
        answers = {str(k): as_text(v) for k, v in given.items()} if isinstance(given, dict) else {}
        if as_text(body.get("sysparm_no_validation")) != "true" and any(
            q.get("mandatory") == "true" and not answers.get(q["name"]) for q in questions
        ):
            raise TableError(400, "Mandatory Variables are required")
        user = instance.users_by_name().get(actor)
        user_id = user["sys_id"] if user else ""
        requested_for = as_text(body.get("sysparm_requested_for")) or user_id
        request = instance.insert(
            "sc_request",
            {
                "requested_for": requested_for,
                "opened_by": user_id,
                "request_state": "in_process",
                "approval": "approved",
                "stage": "requested",
            },
            actor,
        )
        for _ in range(quantity):
            item = _request_item(instance, request, cat_item, requested_for, actor)
            chosen = _record_answers(instance, item, questions, answers, actor)
            flows.run(instance, item, chosen)
        return request


def _quantity(raw: object) -> int:
    # The operation reads the quantity as JavaScript's '' + value: a missing one is "undefined".
    text = "undefined" if raw is None else as_text(raw)
    match = _QUANTITY.match(text)
    if match is None or not match[1] or not 0 < int(match[1]) <= MAX_QUANTITY:
        raise TableError(400, "Invalid Quantity value")
    return int(match[1])


def _request_item(
    instance: ServiceNowInstance,
    request: Record,
    cat_item: Record,
    requested_for: str,
    actor: str,
) -> Record:
    item_id = new_sys_id()
    context = flows.new_context(instance, item_id)
    return instance.insert(
        "sc_req_item",
        {
            "sys_id": item_id,
            "request": request["sys_id"],
            "cat_item": cat_item["sys_id"],
            "short_description": cat_item.get("short_description", ""),
            "requested_for": requested_for,
            "opened_by": request.get("opened_by", ""),
            "quantity": "1",
            "flow_context": context["sys_id"],
        },
        actor,
    )


def _record_answers(
    instance: ServiceNowInstance,
    item: Record,
    questions: list[Record],
    answers: Mapping[str, str],
    actor: str,
) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for question in questions:
        value = answers.get(question["name"], "")
        option = instance.insert(
            "sc_item_option",
            {"item_option_new": question["sys_id"], "value": value, "order": question["order"]},
            actor,
        )
        link = {"request_item": item["sys_id"], "sc_item_option": option["sys_id"]}
        instance.insert("sc_item_option_mtom", link, actor)
        chosen[question["name"]] = value
    return chosen
