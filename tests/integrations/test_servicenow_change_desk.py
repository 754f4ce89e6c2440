"""The change desk against a sandbox instance: a change walked through the change model, the
group's approval or rejection, a standard change, replays, and what the instance refuses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pysnow
import pytest
from pydantic import SecretStr

from landingzone.integrations.base import PermanentError, TransientError
from landingzone.integrations.changes import ChangeRequest, ChangeState
from landingzone.integrations.servicenow import ServiceNowChangeDesk, ServiceNowSettings
from tests.support.simulators import (
    FaultInjector,
    FaultRule,
    ServiceNowSimSettings,
    free_port,
    serving,
)
from tests.support.simulators import servicenow_app as create_app

USER, PASSWORD = "landingzone", "desk-pw-123"
APPROVERS = {"cab.approver": "approver-pw", "cab.deputy": "deputy-pw"}
BOARD = "retail-change-board"


@dataclass
class Setup:
    desk: ServiceNowChangeDesk
    snow: pysnow.Client
    url: str
    faults: FaultInjector

    def rows(self, table: str, query: str) -> list[dict[str, Any]]:
        return self.snow.resource(api_path=f"/table/{table}").get(query=query).all()  # type: ignore[no-any-return]

    def decide(self, sys_id: str, approver: str, state: str, comments: str = "") -> None:
        """The approver answers their approval row through the Table API, as their app does."""
        query = f"sysapproval={sys_id}^approver.user_name={approver}"
        [row] = self.rows("sysapproval_approver", query)
        body = {"state": state} | ({"comments": comments} if comments else {})
        response = httpx.patch(
            f"{self.url}/api/now/table/sysapproval_approver/{row['sys_id']}",
            json=body,
            auth=(approver, APPROVERS[approver]),
            timeout=10,
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    port = free_port()
    settings = ServiceNowSimSettings(
        data_dir=tmp_path,
        base_url=f"http://127.0.0.1:{port}",
        users={USER: PASSWORD, **APPROVERS},
        groups={BOARD: tuple(APPROVERS)},
    )
    faults = FaultInjector(create_app(settings))
    with serving(faults, port=port) as server:
        config = ServiceNowSettings(
            host=f"127.0.0.1:{port}", use_ssl=False, username=USER, password=SecretStr(PASSWORD)
        )
        snow = pysnow.Client(host=f"127.0.0.1:{port}", user=USER, password=PASSWORD, use_ssl=False)
        yield Setup(ServiceNowChangeDesk(config, timeout_s=10), snow, server.url, faults)


def _request(correlation_id: str = "prm_0001", *, standard: bool = False) -> ChangeRequest:
    return ChangeRequest(
        correlation_id=correlation_id,
        standard=standard,
        short_description="Promote payments-api 1.4.2 to prod",
        description="Component payments-api, owner retail, digest sha256:ab12",
        justification="Release 1.4.2 passed test",
        implementation_plan="Commit the digest into environments/prod/kustomization.yaml",
        backout_plan="Pin the previous digest sha256:0f0f again",
        test_plan="The promote pipeline verifies the rollout",
        assignment_group=BOARD,
        requested_by="cab.deputy",
    )


def test_a_normal_change_walks_the_model_with_one_members_approval(setup: Setup) -> None:
    desk = setup.desk
    opened = desk.ensure_change(_request())
    assert (opened.state, opened.approval) == (ChangeState.NEW, "not requested")
    assert opened.number.startswith("CHG00300") and opened.sys_id in opened.url

    desk.move_change(opened.sys_id, ChangeState.ASSESS)
    waiting = desk.move_change(opened.sys_id, ChangeState.AUTHORIZE)
    assert (waiting.state, waiting.approval) == (ChangeState.AUTHORIZE, "requested")
    assert len(setup.rows("sysapproval_approver", f"sysapproval={opened.sys_id}")) == 2

    setup.decide(opened.sys_id, "cab.approver", "approved", "Go ahead tonight")
    approved = desk.get_change(opened.sys_id)
    assert (approved.state, approved.approval) == (ChangeState.SCHEDULED, "approved")
    assert approved.decided_by == ("Cab Approver",)
    assert approved.comments == ("Go ahead tonight",)

    assert desk.move_change(opened.sys_id, ChangeState.SCHEDULED) == approved
    assert desk.move_change(opened.sys_id, ChangeState.AUTHORIZE) == approved  # a replay
    desk.move_change(opened.sys_id, ChangeState.IMPLEMENT)
    desk.move_change(opened.sys_id, ChangeState.REVIEW)
    desk.add_work_note(opened.sys_id, "Committed abc123 to the environment repository")
    desk.close_change(opened.sys_id, "successful", "Deployed and verified by build 42")
    desk.close_change(opened.sys_id, "successful", "Deployed and verified by build 42")

    closed = desk.get_change(opened.sys_id)
    assert (closed.state, closed.close_code) == (ChangeState.CLOSED, "successful")
    [row] = setup.rows("change_request", f"sys_id={opened.sys_id}")
    assert row["close_notes"] == "Deployed and verified by build 42"
    assert row["backout_plan"] == "Pin the previous digest sha256:0f0f again"
    [group] = setup.rows("sys_user_group", f"name={BOARD}")
    assert row["assignment_group"]["value"] == group["sys_id"]
    [deputy] = setup.rows("sys_user", "user_name=cab.deputy")
    assert row["requested_by"]["value"] == deputy["sys_id"]
    notes = setup.rows("sys_journal_field", f"element_id={opened.sys_id}^element=work_notes")
    assert [n["value"] for n in notes] == ["Committed abc123 to the environment repository"]


def test_a_standard_change_is_approved_at_once_and_skips_authorize(setup: Setup) -> None:
    desk = setup.desk
    opened = desk.ensure_change(_request("prm_test", standard=True))
    assert (opened.state, opened.approval) == (ChangeState.NEW, "approved")

    for state in (ChangeState.SCHEDULED, ChangeState.IMPLEMENT, ChangeState.REVIEW):
        assert desk.move_change(opened.sys_id, state).state == state
    desk.close_change(opened.sys_id, "successful", "Deployed to test")

    assert desk.get_change(opened.sys_id).state == ChangeState.CLOSED
    assert setup.rows("sysapproval_approver", f"sysapproval={opened.sys_id}") == []


def test_a_rejection_returns_the_change_to_new_with_the_approvers_comment(setup: Setup) -> None:
    desk = setup.desk
    opened = desk.ensure_change(_request())
    desk.move_change(opened.sys_id, ChangeState.ASSESS)
    desk.move_change(opened.sys_id, ChangeState.AUTHORIZE)

    setup.decide(opened.sys_id, "cab.deputy", "rejected", "Not during the payments freeze")

    rejected = desk.get_change(opened.sys_id)
    assert (rejected.state, rejected.approval) == (ChangeState.NEW, "rejected")
    assert rejected.decided_by == ("Cab Deputy",)
    assert rejected.comments == ("Not during the payments freeze",)
    desk.cancel_change(opened.sys_id, "Promotion rejected")
    desk.cancel_change(opened.sys_id, "Promotion rejected")
    assert desk.get_change(opened.sys_id).state == ChangeState.CANCELED


def test_a_replay_finds_the_change_it_opened(setup: Setup) -> None:
    first = setup.desk.ensure_change(_request())
    setup.desk.move_change(first.sys_id, ChangeState.ASSESS)

    again = setup.desk.ensure_change(_request())

    assert again.sys_id == first.sys_id and again.state == ChangeState.ASSESS
    assert len(setup.rows("change_request", "correlation_id=prm_0001")) == 1


def test_canceling_withdraws_the_approvals_still_asked(setup: Setup) -> None:
    opened = setup.desk.ensure_change(_request())
    setup.desk.move_change(opened.sys_id, ChangeState.ASSESS)
    setup.desk.move_change(opened.sys_id, ChangeState.AUTHORIZE)

    setup.desk.cancel_change(opened.sys_id, "Promotion expired without a decision")

    assert setup.desk.get_change(opened.sys_id).state == ChangeState.CANCELED
    rows = setup.rows("sysapproval_approver", f"sysapproval={opened.sys_id}")
    assert {r["state"] for r in rows} == {"not_required"}
    inbox = httpx.get(setup.url, timeout=10).text.split("Changes waiting for approval")[1]
    assert opened.number not in inbox.split("Requested items")[0]


def test_closing_without_a_code_is_refused_by_the_instance(setup: Setup) -> None:
    opened = setup.desk.ensure_change(_request(standard=True))
    for state in (ChangeState.SCHEDULED, ChangeState.IMPLEMENT, ChangeState.REVIEW):
        setup.desk.move_change(opened.sys_id, state)

    with pytest.raises(PermanentError) as refused:
        setup.desk.close_change(opened.sys_id, "", "no code")  # type: ignore[arg-type]

    assert "403" in str(refused.value) and "Close code" in str(refused.value)
    assert setup.desk.get_change(opened.sys_id).state == ChangeState.REVIEW


def test_a_move_outside_the_model_is_permanent(setup: Setup) -> None:
    opened = setup.desk.ensure_change(_request())

    with pytest.raises(PermanentError) as refused:
        setup.desk.move_change(opened.sys_id, ChangeState.IMPLEMENT)

    assert "Operation Failed" in str(refused.value)
    assert setup.desk.get_change(opened.sys_id).state == ChangeState.NEW


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_are_transient_and_open_nothing_twice(setup: Setup, status: int) -> None:
    rule = FaultRule(path=r"/table/change_request$", method="POST", status=status)
    setup.faults.rules.append(rule)

    with pytest.raises(TransientError) as error:
        setup.desk.ensure_change(_request())
    assert error.value.system == "servicenow" and str(status) in str(error.value)

    opened = setup.desk.ensure_change(_request())
    assert [r["sys_id"] for r in setup.rows("change_request", "")] == [opened.sys_id]


def test_a_lost_answer_is_retried_into_the_same_change(setup: Setup) -> None:
    rule = FaultRule(path=r"/table/change_request$", method="POST", status=502, after_effect=True)
    setup.faults.rules.append(rule)

    with pytest.raises(TransientError):
        setup.desk.ensure_change(_request())
    opened = setup.desk.ensure_change(_request())

    assert [r["sys_id"] for r in setup.rows("change_request", "")] == [opened.sys_id]
