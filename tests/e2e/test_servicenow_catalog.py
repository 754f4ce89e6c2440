"""Approvals the way a ServiceNow instance takes requests: the service orders the tenant's
catalog item once, the item's flow asks the approval group, any member decides."""

from __future__ import annotations

from typing import Any

import pysnow
import pytest

from tests.support.clients import (
    approver_name,
    decide,
    records,
    reference,
    requested_items,
    servicenow,
)
from tests.support.sandbox import Sandbox, request_body, wait_for

pytestmark = pytest.mark.e2e
BOARD = "retail-change-board"


def _variables(snow: pysnow.Client, item_sys_id: str) -> dict[str, str]:
    values = {}
    for link in records(snow, "sc_item_option_mtom", {"request_item": item_sys_id}):
        [option] = records(snow, "sc_item_option", {"sys_id": reference(link["sc_item_option"])})
        [question] = records(
            snow, "item_option_new", {"sys_id": reference(option["item_option_new"])}
        )
        values[question["name"]] = option["value"]
    return values


def _approvals(snow: pysnow.Client, item_sys_id: str) -> list[dict[str, Any]]:
    return records(snow, "sysapproval_approver", {"sysapproval": item_sys_id})


def _members(snow: pysnow.Client, group_sys_id: str) -> list[str]:
    return sorted(
        reference(m["user"]) for m in records(snow, "sys_user_grmember", {"group": group_sys_id})
    )


def _user_id(snow: pysnow.Client, user_name: str) -> str:
    [user] = records(snow, "sys_user", {"user_name": user_name})
    return str(user["sys_id"])


def test_one_order_one_item_with_every_variable_and_any_member_approves(sandbox: Sandbox) -> None:
    accepted = sandbox.create(request_body("ledger-catalog", tenant="retail", class_id="backend"))
    waiting = sandbox.wait_status(accepted["id"], {"pending_approval"})
    snow = servicenow(sandbox)

    [item] = requested_items(snow, accepted["id"])
    request_id = reference(item["request"])
    [request] = records(snow, "sc_request", {"sys_id": request_id})
    assert [i["sys_id"] for i in records(snow, "sc_req_item", {"request": request_id})] == [
        item["sys_id"]
    ]
    assert waiting["links"]["request_number"] == item["number"]
    assert waiting["links"]["catalog_request"] == request["number"]
    [board] = records(snow, "sys_user_group", {"name": BOARD})
    variables = _variables(snow, item["sys_id"])
    assert variables == variables | {
        "landing_zone_id": accepted["id"],
        "landing_zone_name": "ledger-catalog",
        "component_class": "backend",
        "tenant": "retail",
        "owner": "group:default/payments",
        "system": "payments",
        "repository": "RETAIL/ledger-catalog",
        "environment_repository": "RETAIL/ledger-catalog-env",
        "build_pipeline": "retail/ledger-catalog/build",
        "promote_pipeline": "retail/ledger-catalog/promote",
        "approval_group": board["sys_id"],
    }
    assert "jane.doe@example.com" in variables["requester"]
    assert variables["landing_zone_url"].endswith(f"#{accepted['id']}"), "its dashboard row"

    [group_approval] = records(snow, "sysapproval_group", {"parent": item["sys_id"]})
    assert reference(group_approval["assignment_group"]) == board["sys_id"]
    asked = _approvals(snow, item["sys_id"])
    members = _members(snow, board["sys_id"])
    assert len(members) >= 2
    assert sorted(reference(a["approver"]) for a in asked) == members
    assert {a["state"] for a in asked} == {"requested"}

    decide(sandbox, accepted["id"], "approved", nth=2)
    done = sandbox.wait_status(accepted["id"], {"completed", "failed"})

    assert done["status"] == "completed", done["error"]
    deputy = _user_id(snow, approver_name(sandbox, 2))
    answered = {reference(a["approver"]): a["state"] for a in _approvals(snow, item["sys_id"])}
    assert answered.pop(deputy) == "approved"
    assert set(answered.values()) == {"not_required"}, "nobody else is still asked"
    [approved] = [
        e
        for e in sandbox.events(accepted["id"])
        if e["message"] == f"approve: {item['number']} approved"
    ]
    assert approved["data"]["decided_by"] == ["Cab Deputy"]


def test_a_rejection_by_one_member_rejects(sandbox: Sandbox) -> None:
    accepted = sandbox.create(request_body("ledger-refused", tenant="retail"))
    sandbox.wait_status(accepted["id"], {"pending_approval"})

    decide(sandbox, accepted["id"], "rejected", nth=1)
    done = sandbox.wait_status(accepted["id"], {"rejected", "completed", "failed"})

    assert done["status"] == "rejected"
    [item] = requested_items(servicenow(sandbox), accepted["id"])
    assert item["approval"] == "rejected"
    states = [a["state"] for a in _approvals(servicenow(sandbox), item["sys_id"])]
    assert sorted(states)[-1] == "rejected" and "requested" not in states


def test_a_cancel_while_pending_withdraws_every_approval(sandbox: Sandbox) -> None:
    accepted = sandbox.create(request_body("ledger-withdrawn", tenant="retail"))
    sandbox.wait_status(accepted["id"], {"pending_approval"})
    snow = servicenow(sandbox)
    [item] = requested_items(snow, accepted["id"])
    assert {a["state"] for a in _approvals(snow, item["sys_id"])} == {"requested"}

    with sandbox.api() as client:
        assert client.post(f"/v1/landing-zones/{accepted['id']}/cancel").status_code == 202
    sandbox.wait_status(accepted["id"], {"cancelled"})

    [request] = records(snow, "sc_request", {"sys_id": reference(item["request"])})
    assert request["request_state"] == "closed_cancelled"
    [item] = requested_items(snow, accepted["id"])
    assert item["active"] == "false"
    assert "requested" not in {a["state"] for a in _approvals(snow, item["sys_id"])}


def test_a_kill_after_the_order_landed_finds_the_same_item_after_restart(sandbox: Sandbox) -> None:
    # ServiceNow takes the order, and the answer is held until the service has died.
    sandbox.fault(
        "servicenow",
        method="POST",
        path=r"/api/sn_sc/servicecatalog/items/\w+/order_now$",
        after_effect=True,
        hold=True,
        times=1,
    )
    accepted = sandbox.create(request_body("ledger-killed", tenant="retail"))
    snow = servicenow(sandbox)
    [ordered] = wait_for(lambda: requested_items(snow, accepted["id"]), "the order to land")

    killed = sandbox.kill_service()
    sandbox.clear_faults("servicenow")
    wait_for(
        lambda: sandbox.description["processes"]["service"] != killed and sandbox.service_healthy(),
        "the service to be restarted",
    )
    waiting = sandbox.wait_status(accepted["id"], {"pending_approval", "failed"})

    assert waiting["status"] == "pending_approval", waiting["error"]
    assert [i["sys_id"] for i in requested_items(snow, accepted["id"])] == [ordered["sys_id"]]
    assert waiting["links"]["request_number"] == ordered["number"]
    with sandbox.api() as client:
        assert client.post(f"/v1/landing-zones/{accepted['id']}/cancel").status_code == 202
    sandbox.wait_status(accepted["id"], {"cancelled"})
