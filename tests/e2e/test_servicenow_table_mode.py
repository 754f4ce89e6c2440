"""The table mode (`LZ_SERVICENOW_MODE=table`), against an instance whose own business rule asks
the group named in `assignment_group` when a requested item is inserted: the approval tests of
the catalog mode pass unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_approval_callback import (
    test_forged_stale_and_replayed_callbacks_decide_nothing,
)
from tests.e2e.test_landing_zone_flow import (
    test_labs_landing_zone_completes_with_everything_in_place,
    test_rejected_request_creates_nothing_and_tells_the_requester,
    test_retail_waits_for_an_approver_then_completes,
)
from tests.e2e.test_resilience import test_cancel_while_waiting_for_approval
from tests.support.clients import records, reference, requested_items, servicenow
from tests.support.sandbox import Sandbox, request_body, running_sandbox

pytestmark = pytest.mark.e2e

__all__ = [
    "test_cancel_while_waiting_for_approval",
    "test_forged_stale_and_replayed_callbacks_decide_nothing",
    "test_labs_landing_zone_completes_with_everything_in_place",
    "test_rejected_request_creates_nothing_and_tells_the_requester",
    "test_retail_waits_for_an_approver_then_completes",
]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    data_dir: Path = tmp_path_factory.mktemp("sandbox-table-mode")
    with running_sandbox(data_dir, settings={"LZ_SERVICENOW_MODE": "table"}) as running:
        yield running
        assert running.stranded() == []


def test_the_item_is_inserted_with_the_tenants_group_and_nothing_is_ordered(
    sandbox: Sandbox,
) -> None:
    accepted = sandbox.create(request_body("table-inserted", tenant="retail"))
    sandbox.wait_status(accepted["id"], {"pending_approval"})
    snow = servicenow(sandbox)

    [item] = requested_items(snow, accepted["id"])
    [board] = records(snow, "sys_user_group", {"name": "retail-change-board"})
    assert item["correlation_id"] == accepted["id"]
    assert reference(item["assignment_group"]) == board["sys_id"]
    assert records(snow, "sc_item_option_mtom", {"request_item": item["sys_id"]}) == []

    with sandbox.api() as client:
        assert client.post(f"/v1/landing-zones/{accepted['id']}/cancel").status_code == 202
    sandbox.wait_status(accepted["id"], {"cancelled"})
