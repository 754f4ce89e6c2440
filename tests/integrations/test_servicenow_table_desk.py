"""The table mode's desk against a sandbox instance whose business rule asks the group named
in `assignment_group` when a requested item is inserted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pysnow
import pytest
from pydantic import SecretStr

from landingzone.integrations.base import ApprovalRequest, PermanentError
from landingzone.integrations.servicenow import ServiceNowSettings, TableApprovalDesk
from tests.support.simulators import ServiceNowSimSettings, free_port, serving
from tests.support.simulators import servicenow_app as create_app

USER, PASSWORD = "landingzone", "desk-pw-123"


@dataclass
class Setup:
    desk: TableApprovalDesk
    snow: pysnow.Client
    url: str

    def rows(self, table: str, query: str) -> list[dict[str, Any]]:
        return self.snow.resource(api_path=f"/table/{table}").get(query=query).all()  # type: ignore[no-any-return]

    def decide(self, sys_id: str, state: str) -> None:
        approvals = self.snow.resource(api_path="/table/sysapproval_approver")
        approvals.update(query={"sysapproval": sys_id}, payload={"state": state})


GROUPS = ("retail-change-board", "platform-cab")


@contextmanager
def running(
    data_dir: Path,
    approvers: tuple[str, ...] = ("cab.approver",),
    group_field: str | None = "assignment_group",
) -> Iterator[Setup]:
    port = free_port()
    settings = ServiceNowSimSettings(
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{port}",
        users={USER: PASSWORD},
        groups={group: approvers for group in GROUPS},
        approval_on_insert_field="assignment_group",
    )
    with serving(create_app(settings), port=port) as server:
        config = ServiceNowSettings(
            host=f"127.0.0.1:{port}",
            use_ssl=False,
            username=USER,
            password=SecretStr(PASSWORD),
            approval_group_field=group_field,
        )
        snow = pysnow.Client(host=f"127.0.0.1:{port}", user=USER, password=PASSWORD, use_ssl=False)
        yield Setup(TableApprovalDesk(config, timeout_s=30), snow, server.url)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    with running(tmp_path) as started:
        yield started


def _request(
    correlation_id: str = "lz-0001",
    needs_approval: bool = True,
    group: str | None = "retail-change-board",
) -> ApprovalRequest:
    return ApprovalRequest(
        correlation_id=correlation_id,
        short_description="Landing zone payments-api (backend, retail)",
        description="Repository RETAIL/payments-api with build and promote pipelines.",
        requested_for_email="integration.user@example.com",
        needs_approval=needs_approval,
        approval_group=group,
    )


def test_ensure_request_creates_one_record_however_often_it_is_replayed(setup: Setup) -> None:
    first = setup.desk.ensure_request(_request())
    again = setup.desk.ensure_request(_request())

    assert again == first
    assert first.number.startswith("RITM") and first.decision == "pending" and not first.closed
    [item] = setup.rows("sc_req_item", "correlation_id=lz-0001")
    assert item["sys_id"] == first.sys_id
    assert item["short_description"] == "Landing zone payments-api (backend, retail)"
    assert item["approval"] == "requested" and item["state"] == "1"
    assert len(setup.rows("sysapproval_approver", f"sysapproval={first.sys_id}")) == 1


def test_auto_approved_request_still_leaves_an_audit_record(setup: Setup) -> None:
    record = setup.desk.ensure_request(_request("lz-auto", needs_approval=False))

    assert record.decision == "approved"
    [item] = setup.rows("sc_req_item", "correlation_id=lz-auto")
    assert item["approval"] == "approved"
    assert setup.rows("sysapproval_approver", f"sysapproval={record.sys_id}") == []


def test_requester_is_linked_when_servicenow_knows_the_email(setup: Setup) -> None:
    users = setup.snow.resource(api_path="/table/sys_user")
    user = users.create(payload={"user_name": "dev", "email": "integration.user@example.com"}).one()

    record = setup.desk.ensure_request(_request())

    [item] = setup.rows("sc_req_item", f"sys_id={record.sys_id}")
    assert item["requested_for"]["value"] == user["sys_id"]


@pytest.mark.parametrize("state", ["approved", "rejected"])
def test_get_request_reports_the_approvers_decision(setup: Setup, state: str) -> None:
    record = setup.desk.ensure_request(_request())
    setup.decide(record.sys_id, state)

    assert setup.desk.get_request(record.sys_id).decision == state


def test_work_notes_are_written_once_and_read_back_in_order(setup: Setup) -> None:
    record = setup.desk.ensure_request(_request())

    setup.desk.add_work_note(
        record.sys_id, "Repository: http://bb/projects/RETAIL/repos/payments-api"
    )
    setup.desk.add_work_note(
        record.sys_id, "Repository: http://bb/projects/RETAIL/repos/payments-api"
    )
    setup.desk.add_work_note(record.sys_id, "Build: http://jenkins/job/retail/job/payments-api/")

    journal = setup.rows("sys_journal_field", f"element_id={record.sys_id}^element=work_notes")
    assert len(journal) == 2
    assert setup.desk.get_request(record.sys_id).notes == (
        "Repository: http://bb/projects/RETAIL/repos/payments-api",
        "Build: http://jenkins/job/retail/job/payments-api/",
    )


@pytest.mark.parametrize(("succeeded", "state"), [(True, "3"), (False, "4")])
def test_close_request_closes_the_item(setup: Setup, succeeded: bool, state: str) -> None:
    record = setup.desk.ensure_request(_request(needs_approval=False))

    setup.desk.close_request(record.sys_id, succeeded=succeeded, note="Landing zone finished.")

    [item] = setup.rows("sc_req_item", f"sys_id={record.sys_id}")
    assert (item["state"], item["active"], item["close_notes"]) == (
        state,
        "false",
        "Landing zone finished.",
    )
    closed = setup.desk.get_request(record.sys_id)
    assert closed.closed and closed.decision == "approved"


def test_closing_with_the_links_writes_the_note_once_however_often_it_is_replayed(
    setup: Setup,
) -> None:
    record = setup.desk.ensure_request(_request(needs_approval=False))
    links = "Landing zone completed.\nrepository: http://bb/projects/RETAIL/repos/payments-api"

    for _ in "ab":
        setup.desk.close_request(
            record.sys_id, succeeded=True, note="Landing zone provisioned.", work_note=links
        )

    [item] = setup.rows("sc_req_item", f"sys_id={record.sys_id}")
    assert (item["state"], item["close_notes"]) == ("3", "Landing zone provisioned.")
    assert setup.desk.get_request(record.sys_id).notes == (links,)


def test_cancel_request_withdraws_the_record_and_every_waiting_approval(tmp_path: Path) -> None:
    with running(tmp_path, approvers=("cab.approver", "security.officer")) as setup:
        record = setup.desk.ensure_request(_request())
        other = setup.desk.ensure_request(_request("lz-0002"))
        assert record.number in httpx.get(setup.url).text

        setup.desk.cancel_request(record.sys_id, "Request withdrawn by the requester.")
        setup.desk.cancel_request(record.sys_id, "Request withdrawn by the requester.")

        cancelled = setup.desk.get_request(record.sys_id)
        assert cancelled.decision == "cancelled" and cancelled.closed
        [item] = setup.rows("sc_req_item", f"sys_id={record.sys_id}")
        assert (item["approval"], item["state"], item["active"]) == ("cancelled", "7", "false")
        rows = setup.rows("sysapproval_approver", f"sysapproval={record.sys_id}")
        assert sorted(r["state"] for r in rows) == ["not_required", "not_required"]
        assert setup.rows("sysapproval_approver", "state=requested") == setup.rows(
            "sysapproval_approver", f"sysapproval={other.sys_id}"
        )
        inbox = httpx.get(setup.url).text
        waiting = inbox.split("Requested items")[0]
        assert record.number not in waiting and other.number in waiting


def test_cancelling_an_approved_request_keeps_the_decision_on_record(setup: Setup) -> None:
    record = setup.desk.ensure_request(_request())
    setup.decide(record.sys_id, "approved")

    setup.desk.cancel_request(record.sys_id, "Cancelled before provisioning.")

    [item] = setup.rows("sc_req_item", f"sys_id={record.sys_id}")
    assert (item["approval"], item["state"]) == ("approved", "7")


def test_the_approval_group_lands_as_the_groups_sys_id(setup: Setup) -> None:
    [group] = setup.rows("sys_user_group", "name=retail-change-board")

    record = setup.desk.ensure_request(_request(group="retail-change-board"))

    [item] = setup.rows("sc_req_item", f"sys_id={record.sys_id}")
    assert item["assignment_group"]["value"] == group["sys_id"]
    shown = setup.snow.resource(api_path="/table/sc_req_item").get(
        query={"sys_id": record.sys_id}, fields=["assignment_group"], display_value=True
    )
    assert shown.one() == {"assignment_group": "retail-change-board"}


def test_an_unknown_approval_group_is_refused_before_anything_is_created(setup: Setup) -> None:
    for unknown in ("no-such-board", "retail"):
        with pytest.raises(PermanentError) as refused:
            setup.desk.ensure_request(_request(group=unknown))
        assert unknown in str(refused.value) and "sys_user_group" in str(refused.value)
    assert setup.rows("sc_req_item", "correlation_id=lz-0001") == []


def test_without_a_group_field_the_group_is_left_to_the_catalog(tmp_path: Path) -> None:
    with running(tmp_path, group_field=None) as setup:
        record = setup.desk.ensure_request(_request(group="no-such-board"))
        [item] = setup.rows("sc_req_item", f"sys_id={record.sys_id}")
        assert item["assignment_group"] == ""
        assert setup.rows("sysapproval_approver", f"sysapproval={record.sys_id}") == []


def test_record_url_opens_the_record_page(setup: Setup) -> None:
    record = setup.desk.ensure_request(_request())

    assert record.url == f"{setup.url}/nav_to.do?uri=sc_req_item.do?sys_id={record.sys_id}"
    page = httpx.get(record.url)
    assert page.status_code == 200 and record.number in page.text


def test_unknown_records_and_unsafe_ids_are_permanent_errors(setup: Setup) -> None:
    with pytest.raises(PermanentError):
        setup.desk.get_request("0" * 32)
    with pytest.raises(PermanentError):
        setup.desk.get_request("../sys_user")
    with pytest.raises(PermanentError):
        setup.desk.ensure_request(_request("lz^ORsys_idISNOTEMPTY"))
