"""Backstage restarts while a task waits for approval: the recovered task re-runs the
landing zone step, which must find its landing zone again instead of creating a second."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e_backstage.backstage import TaskRun, running_backstage, task_values
from tests.support.clients import records, servicenow
from tests.support.sandbox import Sandbox, wait_for

pytestmark = pytest.mark.e2e

REQUESTED = re.compile(r"Landing zone (lz_\w+) requested")


def _requested_ids(run: TaskRun) -> list[str]:
    return [m.group(1) for line in run.log if (m := REQUESTED.search(line))]


def test_a_task_recovered_after_a_crash_yields_one_landing_zone(
    backstage_sandbox: Sandbox, catalog_location: str, tmp_path: Path
) -> None:
    database = tmp_path / "database"
    database.mkdir()
    with running_backstage(backstage_sandbox, tmp_path, {"directory": str(database)}) as backstage:
        backstage.register_location(catalog_location)
        wait_for(lambda: backstage.entity("template", "landing-zone-web"), "the web template")
        values = task_values("card-vault", tenant="retail", nodeVersion="24", basePath="/")
        first = TaskRun(backstage, backstage.create_task("landing-zone-web", values))
        first.wait_for_log("[approve] approval requested in RITM")
        [landing_zone_id] = _requested_ids(first)

        backstage.kill()
        backstage.start()

        recovered = TaskRun(backstage, first.task_id)
        recovery = recovered.wait_for_event("recovered", timeout=60)
        assert recovery["body"]["recoverStrategy"] == "startOver"
        recovered.wait_for_log(f"Landing zone {landing_zone_id} requested", timeout=60)
        approver = servicenow(backstage_sandbox, as_approver=True)
        [item] = records(approver, "sc_req_item", {"correlation_id": landing_zone_id})
        approver.resource(api_path="/table/sysapproval_approver").update(
            query={"sysapproval": item["sys_id"]}, payload={"state": "approved"}
        )
        recovered.follow_to_end()

        assert backstage.task(first.task_id)["status"] == "completed", recovered.log
        assert set(_requested_ids(recovered)) == {landing_zone_id}
    with backstage_sandbox.api() as client:
        listed = client.get("/v1/landing-zones", params={"tenant": "retail", "limit": 100}).json()
    assert [lz["id"] for lz in listed["items"] if lz["name"] == "card-vault"] == [landing_zone_id]
