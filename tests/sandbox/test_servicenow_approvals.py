"""Approvals of items inserted through the Table API: none on a stock instance, the group's in
"table mode"; roll-up, signed callback, inbox and record pages."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sandbox.servicenow_helpers import (
    Receiver,
    Snow,
    receiving,
    running,
    signature_ok,
    wait_until,
)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    with receiving(failures=1) as started:
        yield started


@pytest.fixture
def snow(tmp_path: Path, receiver: tuple[Receiver, str]) -> Iterator[Snow]:
    """An instance customised for table mode: assignment_group names the group to ask."""
    with running(
        tmp_path, callback_url=receiver[1], approval_on_insert_field="assignment_group"
    ) as started:
        yield started


def _requested(snow: Snow, **values: str) -> dict[str, Any]:
    payload = {
        "short_description": "Payments API",
        "approval": "requested",
        "correlation_id": "lz-7",
        "assignment_group": snow.group_id(),
    } | values
    return dict(snow.table("sc_req_item").create(payload=payload).one())


def _rows(snow: Snow, item: dict[str, Any]) -> list[dict[str, Any]]:
    query = f"sysapproval={item['sys_id']}^ORDERBYapprover.user_name"
    return snow.rows("sysapproval_approver", query, display_value="all")


def _decide(snow: Snow, row: dict[str, Any], state: str) -> None:
    snow.table("sysapproval_approver").update(
        query={"sys_id": row["sys_id"]["value"]}, payload={"state": state}
    )


def test_a_stock_instance_asks_nobody_on_a_bare_insert(tmp_path: Path) -> None:
    with running(tmp_path) as stock:
        item = _requested(stock)

        assert item["approval"] == "requested" and item["stage"] == "waiting_for_approval"
        assert _rows(stock, item) == []
        assert stock.rows("sysapproval_group", {}) == []


def test_in_table_mode_the_named_group_is_asked_one_approval_per_member(snow: Snow) -> None:
    item = _requested(snow)

    rows = _rows(snow, item)
    assert [r["approver"]["display_value"] for r in rows] == ["Cab Approver", "Cab Deputy"]
    assert {r["state"]["value"] for r in rows} == {"requested"}
    assert {r["sysapproval"]["display_value"] for r in rows} == {item["number"]}
    [group_approval] = snow.rows("sysapproval_group", {"parent": item["sys_id"]})
    assert {r["group"]["value"] for r in rows} == {group_approval["sys_id"]}
    [deputy] = snow.rows(
        "sysapproval_approver", f"sysapproval={item['sys_id']}^approver.user_name=cab.deputy"
    )
    assert deputy["sys_id"] == rows[1]["sys_id"]["value"]

    later = _requested(snow, assignment_group="")
    assert _rows(snow, later) == []
    snow.table("sc_req_item").update(
        query={"sys_id": later["sys_id"]}, payload={"assignment_group": snow.group_id()}
    )
    assert len(_rows(snow, later)) == 2


def test_the_first_member_approving_approves_and_releases_the_others(snow: Snow) -> None:
    item = _requested(snow)
    first, _ = _rows(snow, item)

    _decide(snow, first, "approved")

    decided = snow.one("sc_req_item", item["sys_id"])
    assert (decided["approval"], decided["stage"]) == ("approved", "fulfillment")
    assert decided["state"] == "1"  # no flow runs for a Table API item: it stays open
    assert [r["state"]["display_value"] for r in _rows(snow, item)] == [
        "Approved",
        "No Longer Required",
    ]


def test_one_rejection_rejects_and_releases_the_other_approvers(snow: Snow) -> None:
    item = _requested(snow)
    _, second = _rows(snow, item)

    _decide(snow, second, "rejected")

    assert snow.one("sc_req_item", item["sys_id"])["approval"] == "rejected"
    assert [r["state"]["display_value"] for r in _rows(snow, item)] == [
        "No Longer Required",
        "Rejected",
    ]


def test_decision_is_called_back_signed_after_a_failed_delivery(
    snow: Snow, receiver: tuple[Receiver, str]
) -> None:
    recorder, _ = receiver
    snow.table("sc_req_item").create(payload={"approval": "approved", "correlation_id": "auto"})
    item = _requested(snow)
    _decide(snow, _rows(snow, item)[0], "approved")

    headers, body = wait_until(lambda: len(recorder.calls) >= 2 and recorder.calls[-1])
    assert json.loads(body) == {
        "table": "sc_req_item",
        "sys_id": item["sys_id"],
        "number": item["number"],
        "approval": "approved",
        "correlation_id": "lz-7",
    }
    assert abs(int(headers["x-servicenow-timestamp"]) - time.time()) < 60
    assert signature_ok(headers, body)
    assert len(recorder.calls) == 2  # one refused with 503, then delivered once


def test_closing_an_item_releases_the_approvals_still_waiting(snow: Snow) -> None:
    item = _requested(snow)

    snow.table("sc_req_item").update(query={"sys_id": item["sys_id"]}, payload={"state": "7"})

    assert {r["state"]["value"] for r in _rows(snow, item)} == {"not_required"}
    [group_approval] = snow.rows("sysapproval_group", {"parent": item["sys_id"]})
    assert group_approval["approval"] == "not_required"


def test_inbox_page_lists_waiting_approvals_and_applies_a_decision(snow: Snow) -> None:
    item = _requested(snow, short_description="<script>alert(1)</script>")
    snow.table("sc_req_item").update(
        query={"sys_id": item["sys_id"]}, payload={"work_notes": "waiting on CAB"}
    )

    page = httpx.get(f"{snow.url}/", timeout=10)
    assert page.status_code == 200
    assert item["number"] in page.text and "waiting on CAB" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text

    first, second = _rows(snow, item)
    decided = httpx.post(
        f"{snow.url}/sandbox/approvals/{first['sys_id']['value']}",
        data={"decision": "rejected"},
        timeout=10,
    )
    assert decided.status_code == 303

    assert snow.one("sc_req_item", item["sys_id"])["approval"] == "rejected"
    assert _rows(snow, item)[0]["sys_updated_by"]["value"] == "cab.approver"
    late = httpx.post(
        f"{snow.url}/sandbox/approvals/{second['sys_id']['value']}",
        data={"decision": "approved"},
        timeout=10,
    )
    assert late.status_code == 409
    assert snow.one("sc_req_item", item["sys_id"])["approval"] == "rejected"
    waiting = httpx.get(f"{snow.url}/", timeout=10).text.split("Requested items")[0]
    assert item["number"] not in waiting


def test_record_page_shows_the_item_behind_its_navigation_link(snow: Snow) -> None:
    item = _requested(snow)
    snow.table("sc_req_item").update(
        query={"sys_id": item["sys_id"]},
        payload={"work_notes": "repo created: http://bb.example/repos/x"},
    )

    page = httpx.get(f"{snow.url}/nav_to.do?uri=sc_req_item.do?sys_id={item['sys_id']}")
    assert page.status_code == 200
    assert item["number"] in page.text and "repo created" in page.text and "Requested" in page.text
    assert '<a href="http://bb.example/repos/x"' in page.text
    missing = httpx.get(f"{snow.url}/nav_to.do?uri=sc_req_item.do?sys_id={'0' * 32}")
    assert missing.status_code == 404
