"""Backstage restarts while a task follows its landing zone: the recovered task re-runs the
landing zone step, which must find its landing zone again instead of creating a second."""

from __future__ import annotations

import re

import pytest

from tests.e2e_backstage.backstage import Backstage, TaskRun, task_values
from tests.support.sandbox import Sandbox

pytestmark = pytest.mark.e2e

REQUESTED = re.compile(r"Landing zone (lz_\w+) requested")


def _requested_ids(run: TaskRun) -> list[str]:
    return [m.group(1) for line in run.log if (m := REQUESTED.search(line))]


def test_a_task_recovered_after_a_crash_yields_one_landing_zone(
    backstage: Backstage, backstage_sandbox: Sandbox
) -> None:
    # Jenkins is down, so the labs landing zone waits and its task keeps following it.
    backstage_sandbox.outage("jenkins", 300)
    try:
        values = task_values("card-vault", nodeVersion="24", basePath="/")
        first = TaskRun(backstage, backstage.create_task("landing-zone-web", values))
        first.wait_for_log("waiting for jenkins")
        [landing_zone_id] = _requested_ids(first)

        backstage.kill()
        backstage.start()

        recovered = TaskRun(backstage, first.task_id)
        recovery = recovered.wait_for_event("recovered", timeout=60)
        assert recovery["body"]["recoverStrategy"] == "startOver"
        recovered.wait_for_log(f"Landing zone {landing_zone_id} requested", timeout=60)
    finally:
        backstage_sandbox.end_outage("jenkins")
    recovered.follow_to_end()

    assert backstage.task(first.task_id)["status"] == "completed", recovered.log
    assert set(_requested_ids(recovered)) == {landing_zone_id}
    with backstage_sandbox.api() as client:
        listed = client.get("/v1/landing-zones", params={"tenant": "labs", "limit": 100}).json()
    assert [lz["id"] for lz in listed["items"] if lz["name"] == "card-vault"] == [landing_zone_id]
