"""The Landing zone item's flow: group approval, decision, callback, cancelling and closing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sandbox.servicenow_helpers import (
    BOARD,
    Receiver,
    Snow,
    landing_zone,
    receiving,
    running,
    signature_ok,
    wait_until,
)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    with receiving() as started:
        yield started


@pytest.fixture
def snow(tmp_path: Path, receiver: tuple[Receiver, str]) -> Iterator[Snow]:
    with running(tmp_path, callback_url=receiver[1]) as started:
        yield started


def _asked(snow: Snow, lz_id: str = "lz_0042") -> dict[str, Any]:
    return snow.ordered_item(landing_zone(lz_id, group=snow.group_id()))


def _approvers(snow: Snow, item: dict[str, Any]) -> list[dict[str, Any]]:
    query = f"sysapproval={item['sys_id']}^ORDERBYapprover.user_name"
    return snow.rows("sysapproval_approver", query, display_value="all")


def _decide(snow: Snow, row: dict[str, Any], state: str, user: str) -> None:
    approvals = snow.table("sysapproval_approver", user=user)
    approvals.update(query={"sys_id": row["sys_id"]["value"]}, payload={"state": state})


def test_the_approval_group_is_asked_one_approval_per_member(snow: Snow) -> None:
    item = _asked(snow)

    [group_approval] = snow.rows("sysapproval_group", {"parent": item["sys_id"]})
    assert group_approval["assignment_group"]["value"] == snow.group_id()
    assert group_approval["approval"] == "requested"
    rows = _approvers(snow, item)
    assert [r["approver"]["display_value"] for r in rows] == ["Cab Approver", "Cab Deputy"]
    assert {r["group"]["value"] for r in rows} == {group_approval["sys_id"]}
    assert {r["state"]["value"] for r in rows} == {"requested"}
    assert {r["document_id"]["value"] for r in rows} == {item["sys_id"]}
    assert {r["source_table"]["value"] for r in rows} == {"sc_req_item"}
    assert (item["approval"], item["stage"], item["state"]) == (
        "requested",
        "waiting_for_approval",
        "1",
    )


def test_one_member_approving_approves_the_item_and_calls_back_with_its_landing_zone_id(
    snow: Snow, receiver: tuple[Receiver, str]
) -> None:
    item = _asked(snow, "lz_0099")
    _, deputy = _approvers(snow, item)

    _decide(snow, deputy, "approved", user="cab.deputy")

    decided = snow.one("sc_req_item", item["sys_id"])
    assert (decided["approval"], decided["state"], decided["stage"]) == (
        "approved",
        "2",
        "fulfillment",
    )
    states = {r["approver"]["display_value"]: r["state"]["value"] for r in _approvers(snow, item)}
    assert states == {"Cab Approver": "not_required", "Cab Deputy": "approved"}
    [group_approval] = snow.rows("sysapproval_group", {"parent": item["sys_id"]})
    assert group_approval["approval"] == "approved"
    recorder, _ = receiver
    headers, body = wait_until(lambda: recorder.calls and recorder.calls[-1])
    assert json.loads(body) == {
        "table": "sc_req_item",
        "sys_id": item["sys_id"],
        "number": item["number"],
        "approval": "approved",
        "correlation_id": "lz_0099",
    }
    assert signature_ok(headers, body)


def test_one_member_rejecting_rejects_and_closes_the_item_and_its_request(
    snow: Snow, receiver: tuple[Receiver, str]
) -> None:
    item = _asked(snow)
    approver, _ = _approvers(snow, item)

    _decide(snow, approver, "rejected", user="cab.approver")

    rejected = snow.one("sc_req_item", item["sys_id"])
    assert (rejected["approval"], rejected["state"], rejected["active"]) == (
        "rejected",
        "4",
        "false",
    )
    assert rejected["stage"] == "Request Cancelled"
    request = snow.one("sc_request", item["request"]["value"])
    assert (request["request_state"], request["state"], request["active"]) == (
        "closed_incomplete",
        "4",
        "false",
    )
    assert [r["state"]["value"] for r in _approvers(snow, item)] == ["rejected", "not_required"]
    recorder, _ = receiver
    _, body = wait_until(lambda: recorder.calls and recorder.calls[-1])
    assert json.loads(body)["approval"] == "rejected"


def test_cancelling_the_request_withdraws_every_approval_and_closes_the_item(
    snow: Snow, receiver: tuple[Receiver, str]
) -> None:
    item = _asked(snow)
    other = _asked(snow, "lz_other")

    requests = snow.table("sc_request")
    requests.update(
        query={"sys_id": item["request"]["value"]}, payload={"request_state": "closed_cancelled"}
    )

    cancelled = snow.one("sc_req_item", item["sys_id"])
    assert (cancelled["state"], cancelled["stage"], cancelled["active"]) == (
        "4",
        "Request Cancelled",
        "false",
    )
    request = snow.one("sc_request", item["request"]["value"])
    assert (request["request_state"], request["state"]) == ("closed_cancelled", "4")
    assert {r["state"]["value"] for r in _approvers(snow, item)} == {"not_required"}
    [group_approval] = snow.rows("sysapproval_group", {"parent": item["sys_id"]})
    assert group_approval["approval"] == "not_required"
    still_asked = snow.rows("sysapproval_approver", "state=requested")
    assert {r["sysapproval"]["value"] for r in still_asked} == {other["sys_id"]}
    waiting = httpx.get(snow.url, timeout=10).text.split("Requested items")[0]
    assert item["number"] not in waiting and other["number"] in waiting
    recorder, _ = receiver
    assert recorder.calls == []  # withdrawn, not decided


def test_closing_the_last_item_of_a_request_closes_the_request(snow: Snow) -> None:
    placed = snow.order(landing_zone(), sysparm_quantity="2")
    request_id = placed.json()["result"]["sys_id"]
    first, second = snow.rows("sc_req_item", {"request": request_id})
    items = snow.table("sc_req_item")

    items.update(query={"sys_id": first["sys_id"]}, payload={"state": "3"})
    assert snow.one("sc_request", request_id)["request_state"] == "in_process"
    items.update(query={"sys_id": second["sys_id"]}, payload={"state": "3"})

    request = snow.one("sc_request", request_id)
    assert (request["request_state"], request["state"], request["active"]) == (
        "closed_complete",
        "3",
        "false",
    )
    notes = snow.rows("sys_journal_field", {"element_id": request_id, "element": "comments"})
    assert [n["value"] for n in notes] == [
        "Request Automatically Closed as all Line Items were complete"
    ]


def test_a_group_without_members_gets_its_approval_and_nobody_is_asked(snow: Snow) -> None:
    item = snow.ordered_item(landing_zone(group=snow.group_id("empty-board")))

    [group_approval] = snow.rows("sysapproval_group", {"parent": item["sys_id"]})
    assert group_approval["approval"] == "requested"
    assert _approvers(snow, item) == []
    assert snow.one("sc_req_item", item["sys_id"])["approval"] == "requested"


def test_inbox_shows_group_approvals_with_the_request_and_the_variables_escaped(
    snow: Snow,
) -> None:
    answers = landing_zone(group=snow.group_id()) | {"description": "<script>alert(1)</script>"}
    item = snow.ordered_item(answers)
    request_number = snow.one("sc_request", item["request"]["value"])["number"]

    page = httpx.get(f"{snow.url}/", timeout=10)
    waiting = page.text.split("Requested items")[0]
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    for shown in (item["number"], request_number, BOARD, "Cab Approver", "Cab Deputy", "lz_0001"):
        assert shown in waiting
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in waiting

    approver, deputy = _approvers(snow, item)
    decided = httpx.post(
        f"{snow.url}/sandbox/approvals/{deputy['sys_id']['value']}",
        data={"decision": "approved"},
        timeout=10,
    )
    assert decided.status_code == 303
    assert snow.one("sc_req_item", item["sys_id"])["approval"] == "approved"
    late = httpx.post(
        f"{snow.url}/sandbox/approvals/{approver['sys_id']['value']}",
        data={"decision": "rejected"},
        timeout=10,
    )
    assert late.status_code == 409
    record = httpx.get(f"{snow.url}/sc_req_item.do?sys_id={item['sys_id']}", timeout=10)
    assert (
        BOARD in record.text and "Landing zone ID" in record.text and request_number in record.text
    )
