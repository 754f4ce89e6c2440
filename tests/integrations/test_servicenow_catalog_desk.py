"""The catalog mode's desk against the sandbox instance: it orders the "Landing zone" item once,
reads the group's decision from the requested item, and cancels by cancelling the request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pysnow
import pytest
from pydantic import SecretStr

from landingzone.integrations.base import ApprovalRequest, PermanentError
from landingzone.integrations.servicenow import CatalogApprovalDesk, ServiceNowSettings
from tests.support.simulators import ServiceNowSimSettings, free_port, serving
from tests.support.simulators import servicenow_app as create_app

USER, PASSWORD = "landingzone", "desk-pw-123"
APPROVERS = {"cab.approver": "approver-pw", "cab.deputy": "deputy-pw"}
BOARD = "retail-change-board"
ITEM = "Landing zone"


@dataclass
class Setup:
    desk: CatalogApprovalDesk
    config: ServiceNowSettings
    port: int

    def client(self, user: str = USER) -> pysnow.Client:
        password = APPROVERS.get(user, PASSWORD)
        return pysnow.Client(
            host=f"127.0.0.1:{self.port}", user=user, password=password, use_ssl=False
        )

    def rows(self, table: str, query: str) -> list[dict[str, Any]]:
        resource = self.client().resource(api_path=f"/table/{table}")
        return resource.get(query=query, exclude_reference_link=True).all()  # type: ignore[no-any-return]

    def answer(self, item_sys_id: str, approver: str, state: str) -> None:
        [user] = self.rows("sys_user", f"user_name={approver}")
        rows = self.client(approver).resource(api_path="/table/sysapproval_approver")
        rows.update(
            query={"sysapproval": item_sys_id, "approver": user["sys_id"]},
            payload={"state": state},
        )


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    port = free_port()
    settings = ServiceNowSimSettings(
        data_dir=tmp_path,
        base_url=f"http://127.0.0.1:{port}",
        users={USER: PASSWORD, **APPROVERS},
        groups={BOARD: list(APPROVERS)},
    )
    with serving(create_app(settings), port=port):
        config = ServiceNowSettings(
            host=f"127.0.0.1:{port}", use_ssl=False, username=USER, password=SecretStr(PASSWORD)
        )
        yield Setup(CatalogApprovalDesk(config, timeout_s=30), config, port)


def _request(
    correlation_id: str = "lz_0001", needs_approval: bool = True, item: str = ITEM
) -> ApprovalRequest:
    return ApprovalRequest(
        correlation_id=correlation_id,
        short_description="Landing zone retail/payments-api (backend)",
        description="Repository RETAIL/payments-api with build and promote pipelines.",
        requested_for_email="cab.deputy@example.com",
        needs_approval=needs_approval,
        approval_group=BOARD,
        catalog_item=item,
        facts={"name": "payments-api", "class": "backend", "tenant": "retail"},
    )


def _variables(setup: Setup, item_sys_id: str) -> dict[str, str]:
    values = {}
    for link in setup.rows("sc_item_option_mtom", f"request_item={item_sys_id}"):
        [option] = setup.rows("sc_item_option", f"sys_id={link['sc_item_option']}")
        [question] = setup.rows("item_option_new", f"sys_id={option['item_option_new']}")
        values[question["name"]] = option["value"]
    return values


def test_an_order_is_placed_once_however_often_it_is_replayed(setup: Setup) -> None:
    first = setup.desk.ensure_request(_request())
    again = CatalogApprovalDesk(setup.config, timeout_s=30).ensure_request(
        _request()
    )  # a new replica

    assert again == first
    assert first.number.startswith("RITM") and first.request_number.startswith("REQ")
    assert first.decision == "pending" and not first.closed
    [request] = setup.rows("sc_request", "")
    assert request["number"] == first.request_number
    [item] = setup.rows("sc_req_item", f"request={request['sys_id']}")
    assert item["sys_id"] == first.sys_id
    [board] = setup.rows("sys_user_group", f"name={BOARD}")
    [deputy] = setup.rows("sys_user", "user_name=cab.deputy")
    assert item["requested_for"] == deputy["sys_id"]
    assert _variables(setup, item["sys_id"]) == _variables(setup, item["sys_id"]) | {
        "landing_zone_id": "lz_0001",
        "landing_zone_name": "payments-api",
        "component_class": "backend",
        "tenant": "retail",
        "approval_group": board["sys_id"],
    }
    assert len(setup.rows("sysapproval_approver", f"sysapproval={item['sys_id']}")) == 2


def test_one_member_decides_and_is_named(setup: Setup) -> None:
    record = setup.desk.ensure_request(_request())

    setup.answer(record.sys_id, "cab.deputy", "approved")
    decided = setup.desk.get_request(record.sys_id)

    assert decided.decision == "approved"
    assert decided.decided_by == ("Cab Deputy",)


def test_an_automatic_approval_asks_nobody_and_still_leaves_the_request(setup: Setup) -> None:
    record = setup.desk.ensure_request(_request("lz_auto", needs_approval=False))

    assert record.decision == "approved"
    assert setup.rows("sysapproval_approver", f"sysapproval={record.sys_id}") == []
    assert _variables(setup, record.sys_id)["approval_group"] == ""


def test_cancel_cancels_the_request_and_the_instance_withdraws_the_approvals(
    setup: Setup,
) -> None:
    record = setup.desk.ensure_request(_request())
    other = setup.desk.ensure_request(_request("lz_0002"))

    setup.desk.cancel_request(record.sys_id, "Withdrawn by the requester.")
    setup.desk.cancel_request(record.sys_id, "Withdrawn by the requester.")

    cancelled = setup.desk.get_request(record.sys_id)
    assert cancelled.decision == "cancelled" and cancelled.closed
    [request] = setup.rows("sc_request", f"number={record.request_number}")
    assert request["request_state"] == "closed_cancelled"
    states = [
        r["state"] for r in setup.rows("sysapproval_approver", f"sysapproval={record.sys_id}")
    ]
    assert "requested" not in states
    assert setup.desk.get_request(other.sys_id).decision == "pending"


def test_closing_the_item_closes_the_request_as_the_instance_does(setup: Setup) -> None:
    record = setup.desk.ensure_request(_request(needs_approval=False))

    setup.desk.close_request(record.sys_id, succeeded=True, note="Landing zone ready.")

    [request] = setup.rows("sc_request", f"number={record.request_number}")
    assert (request["state"], request["request_state"]) == ("3", "closed_complete")


def test_an_unknown_item_is_refused_and_nothing_is_ordered(setup: Setup) -> None:
    with pytest.raises(PermanentError) as refused:
        setup.desk.ensure_request(_request(item="Landing zone (retired)"))

    assert "Landing zone (retired)" in str(refused.value)
    assert setup.rows("sc_request", "") == []


def test_an_item_without_the_correlation_variable_is_refused(setup: Setup) -> None:
    items = setup.client().resource(api_path="/table/sc_cat_item")
    bare = items.create(payload={"name": "Bare item", "short_description": "x", "active": "true"})

    with pytest.raises(PermanentError) as refused:
        setup.desk.ensure_request(_request(item=bare.one()["sys_id"]))

    assert "landing_zone_id" in str(refused.value)
    assert setup.rows("sc_request", "") == []
