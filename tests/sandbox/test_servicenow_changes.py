"""Change requests on the sandbox instance: the change model's states and transitions, the
refusals of its business rule and data policy, group approval, decision callback and inbox."""

from __future__ import annotations

import json
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

NEW, ASSESS, AUTHORIZE, SCHEDULED, IMPLEMENT, REVIEW, CLOSED, CANCELED = (
    "-5", "-4", "-3", "-2", "-1", "0", "3", "4",
)  # fmt: skip


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    with receiving() as started:
        yield started


@pytest.fixture
def snow(tmp_path: Path, receiver: tuple[Receiver, str]) -> Iterator[Snow]:
    with running(tmp_path, callback_url=receiver[1]) as started:
        yield started


def _open(snow: Snow, **values: str) -> dict[str, Any]:
    payload = {
        "type": "normal",
        "short_description": "Promote payments-api 1.4.2 to prod",
        "description": "digest sha256:abc",
        "backout_plan": "Pin sha256:old again",
        "correlation_id": "prm_0001",
        "assignment_group": snow.group_id(),
    } | values
    response = snow.http("/api/now/table/change_request", "POST", json=payload)
    assert response.status_code == 201, response.text
    return dict(response.json()["result"])


def _patch(snow: Snow, change: dict[str, Any], **values: str) -> httpx.Response:
    return snow.http(f"/api/now/table/change_request/{change['sys_id']}", "PATCH", json=values)


def _move(snow: Snow, change: dict[str, Any], *states: str) -> dict[str, Any]:
    for state in states:
        response = _patch(snow, change, state=state)
        assert response.status_code == 200, response.text
    return snow.one("change_request", change["sys_id"])


def _approvals(snow: Snow, change: dict[str, Any]) -> list[dict[str, Any]]:
    query = f"sysapproval={change['sys_id']}^ORDERBYapprover.user_name"
    return snow.rows("sysapproval_approver", query)


def _decide(snow: Snow, row: dict[str, Any], state: str, user: str, **more: str) -> None:
    response = httpx.patch(
        f"{snow.url}/api/now/table/sysapproval_approver/{row['sys_id']}",
        json={"state": state} | more,
        auth=(user, {"cab.approver": "approver-pw", "cab.deputy": "deputy-pw"}[user]),
        timeout=10,
    )
    assert response.status_code == 200, response.text


def _refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()
    assert error["status"] == "failure"
    assert error["error"]["message"] == "Operation Failed"
    assert reason in error["error"]["detail"]


def test_a_normal_change_opens_new_with_a_change_number(snow: Snow) -> None:
    change = _open(snow)

    assert change["number"].startswith("CHG00300")
    assert (change["state"], change["type"], change["approval"]) == (NEW, "normal", "not requested")
    assert change["correlation_id"] == "prm_0001"
    assert change["backout_plan"] == "Pin sha256:old again"
    shown = snow.rows("change_request", {"sys_id": change["sys_id"]}, display_value=True)[0]
    assert (shown["state"], shown["assignment_group"]) == ("New", "retail-change-board")
    assert _approvals(snow, change) == []


def test_entering_authorize_asks_every_member_of_the_group(snow: Snow) -> None:
    change = _move(snow, _open(snow), ASSESS, AUTHORIZE)

    assert (change["state"], change["approval"]) == (AUTHORIZE, "requested")
    rows = _approvals(snow, change)
    assert [r["approver"]["value"] for r in rows] == [
        snow.user_id("cab.approver"),
        snow.user_id("cab.deputy"),
    ]
    assert {(r["state"], r["source_table"]) for r in rows} == {("requested", "change_request")}


def test_one_approval_schedules_the_change_and_releases_the_others(
    snow: Snow, receiver: tuple[Receiver, str]
) -> None:
    change = _move(snow, _open(snow), ASSESS, AUTHORIZE)
    _, deputy = _approvals(snow, change)

    _decide(snow, deputy, "approved", "cab.deputy", comments="Fine for tonight")

    decided = snow.one("change_request", change["sys_id"])
    assert (decided["state"], decided["approval"]) == (SCHEDULED, "approved")
    assert [r["state"] for r in _approvals(snow, change)] == ["not_required", "approved"]
    recorder, _ = receiver
    headers, body = wait_until(lambda: recorder.calls and recorder.calls[-1])
    assert json.loads(body) == {
        "table": "change_request",
        "sys_id": change["sys_id"],
        "number": change["number"],
        "approval": "approved",
        "correlation_id": "prm_0001",
    }
    assert signature_ok(headers, body)
    finished = _move(snow, decided, IMPLEMENT, REVIEW)
    closing = _patch(snow, finished, state=CLOSED, close_code="successful", close_notes="Done")
    assert closing.status_code == 200
    assert (closing.json()["result"]["state"], closing.json()["result"]["active"]) == (
        CLOSED,
        "false",
    )


def test_a_rejection_sends_the_change_back_to_new_with_the_comment(snow: Snow) -> None:
    change = _move(snow, _open(snow), ASSESS, AUTHORIZE)
    first, _ = _approvals(snow, change)

    _decide(snow, first, "rejected", "cab.approver", comments="Not during the freeze")

    decided = snow.one("change_request", change["sys_id"])
    assert (decided["state"], decided["approval"]) == (NEW, "rejected")
    assert [r["state"] for r in _approvals(snow, change)] == ["rejected", "not_required"]
    [comment] = snow.rows(
        "sys_journal_field", {"element_id": first["sys_id"], "element": "comments"}
    )
    assert comment["value"] == "Not during the freeze"
    assert comment["name"] == "sysapproval_approver"


def test_a_standard_change_is_inserted_approved_and_skips_approval(snow: Snow) -> None:
    change = _open(snow, type="standard", approval="not requested")
    assert change["approval"] == "approved"

    _refused(_patch(snow, change, state=ASSESS), "cannot move from New to Assess")
    done = _move(snow, change, SCHEDULED, IMPLEMENT, REVIEW)

    assert done["state"] == REVIEW
    assert _approvals(snow, change) == []


@pytest.mark.parametrize(
    ("path", "target"),
    [((), SCHEDULED), ((), CLOSED), ((ASSESS,), IMPLEMENT), ((ASSESS, AUTHORIZE), SCHEDULED)],
)
def test_transitions_outside_the_model_are_refused(
    snow: Snow, path: tuple[str, ...], target: str
) -> None:
    change = _move(snow, _open(snow), *path)

    response = _patch(snow, change, state=target, close_code="successful", close_notes="x")

    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Operation Failed"
    assert snow.one("change_request", change["sys_id"])["state"] == change["state"]


def test_closing_without_close_code_and_notes_is_refused_by_the_data_policy(snow: Snow) -> None:
    change = _move(snow, _open(snow, type="standard"), SCHEDULED, IMPLEMENT, REVIEW)

    _refused(_patch(snow, change, state=CLOSED), "mandatory: Close code, Close notes")
    _refused(_patch(snow, change, state=CLOSED, close_code="successful"), "mandatory: Close notes")
    assert snow.one("change_request", change["sys_id"])["state"] == REVIEW


def test_a_change_starts_new_and_takes_only_known_types(snow: Snow) -> None:
    for values, reason in (({"state": SCHEDULED}, "starts in New"), ({"type": "x"}, "type")):
        response = snow.http(
            "/api/now/table/change_request", "POST", json={"short_description": "s"} | values
        )
        _refused(response, reason)
    assert snow.rows("change_request", {}) == []


def test_canceling_withdraws_every_requested_approval(snow: Snow) -> None:
    change = _move(snow, _open(snow), ASSESS, AUTHORIZE)

    canceled = _move(snow, change, CANCELED)

    assert (canceled["state"], canceled["active"]) == (CANCELED, "false")
    assert {r["state"] for r in _approvals(snow, change)} == {"not_required"}
    _refused(_patch(snow, change, state=NEW), "cannot move from Canceled")


def test_a_change_in_review_cannot_be_canceled(snow: Snow) -> None:
    change = _move(snow, _open(snow, type="standard"), SCHEDULED, IMPLEMENT, REVIEW)

    _refused(_patch(snow, change, state=CANCELED), "from Review to Canceled")


def test_the_inbox_shows_a_waiting_change_and_applies_a_decision(snow: Snow) -> None:
    change = _move(snow, _open(snow, description="<b>digest</b> sha256:abc"), ASSESS, AUTHORIZE)

    page = httpx.get(f"{snow.url}/", timeout=10).text
    waiting = page.split("Changes waiting for approval")[1].split("Requested items")[0]
    assert change["number"] in waiting and "Pin sha256:old again" in waiting
    assert "Normal" in waiting and "Authorize" in waiting
    assert "&lt;b&gt;digest&lt;/b&gt;" in waiting
    first, _ = _approvals(snow, change)

    decided = httpx.post(
        f"{snow.url}/sandbox/approvals/{first['sys_id']}",
        data={"decision": "rejected", "comments": "Needs a test run first"},
        timeout=10,
    )

    assert decided.status_code == 303
    assert snow.one("change_request", change["sys_id"])["approval"] == "rejected"
    after = httpx.get(f"{snow.url}/", timeout=10).text
    assert change["number"] not in after.split("Changes waiting for approval")[1]
    record = httpx.get(f"{snow.url}/change_request.do?sys_id={change['sys_id']}", timeout=10)
    assert record.status_code == 200 and "Backout plan" in record.text
    assert "Needs a test run first" in record.text
