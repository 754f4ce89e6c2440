"""Each downstream system goes down in turn for longer than any old retry budget: the landing
zone says it is waiting, then completes once the system is back, with every resource once."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.clients import bitbucket, jenkins_server, mailbox_messages, records, servicenow
from tests.support.sandbox import Sandbox, request_body, wait_for

pytestmark = pytest.mark.e2e

OUTAGE_SECONDS = 16.0  # longer than the 15 s the old retries lasted


@dataclass(frozen=True)
class Outage:
    system: str  # the simulator that goes down
    stage: str  # where the landing zone meets it
    shown_as: str  # the system the landing zone says it waits for
    hold: dict[str, Any] | None  # the first call of the stage, held until the outage starts


OUTAGES = [
    Outage("servicenow", "approve", "servicenow", None),
    Outage(
        "bitbucket",
        "repository",
        "bitbucket",
        {"method": "POST", "path": r"/rest/api/1\.0/projects/LABS/repos$"},
    ),
    Outage("jenkins", "pipelines", "jenkins", {"method": "POST", "path": r"/createItem"}),
    Outage(
        "servicenow",
        "record",
        "servicenow",
        {"method": "PATCH", "path": r"/api/now/table/sc_req_item/"},
    ),
    Outage("mailbox", "notify", "mail", None),
]


def _waiting_on(sandbox: Sandbox, landing_zone_id: str, system: str) -> dict[str, Any] | None:
    landing_zone = sandbox.get(landing_zone_id)
    waits = [w for w in landing_zone["waiting"] if w["system"] == system]
    return waits[0] if waits else None


def _repository_ids(sandbox: Sandbox, name: str) -> dict[str, int]:
    client = bitbucket(sandbox)
    return {slug: client.get_repo("LABS", slug)["id"] for slug in (name, f"{name}-env")}


@pytest.mark.parametrize("outage", OUTAGES, ids=lambda o: f"{o.system}-during-{o.stage}")
def test_an_outage_delays_the_landing_zone_and_destroys_nothing(
    sandbox: Sandbox, outage: Outage
) -> None:
    name = f"outage-{outage.system}-{outage.stage}"
    if outage.hold:
        sandbox.fault(outage.system, hold=True, times=1, **outage.hold)
    else:
        sandbox.outage(outage.system, OUTAGE_SECONDS)
    accepted = sandbox.create(request_body(name))
    landing_zone_id = accepted["id"]
    if outage.hold:
        wait_for(
            lambda: _stage(sandbox.get(landing_zone_id), outage.stage)["status"] == "running",
            f"the landing zone to reach {outage.stage}",
        )
        sandbox.outage(outage.system, OUTAGE_SECONDS)
        sandbox.clear_faults(outage.system)  # the held call goes on into the outage's wake
    back_at = time.monotonic() + OUTAGE_SECONDS

    wait = wait_for(
        lambda: _waiting_on(sandbox, landing_zone_id, outage.shown_as),
        f"the landing zone to say it waits for {outage.shown_as}",
        timeout=OUTAGE_SECONDS,
    )
    # Bitbucket serves both repositories, which are made side by side.
    stages = {"repository", "environment"} if outage.stage == "repository" else {outage.stage}
    assert wait["step"] in stages
    assert wait["attempts"] >= 1 and wait["error"] and wait["next_attempt_at"]
    waiting = sandbox.get(landing_zone_id)
    assert waiting["status"] in {"provisioning", "pending_approval"}
    assert _stage(waiting, wait["step"])["status"] == "waiting"
    made_before = outage.stage in {"pipelines", "record", "notify"}
    before = _repository_ids(sandbox, name) if made_before else None

    done = sandbox.wait_status(landing_zone_id, {"completed", "failed", "cancelled"}, timeout=120)
    assert done["status"] == "completed", done["error"]
    assert time.monotonic() - back_at < 60, "completed within a minute of the system being back"
    assert done["waiting"] == []

    events = sandbox.events(landing_zone_id)
    waits = [e for e in events if e["kind"] == "waiting" and e["step"] in stages]
    assert waits and all(e["data"]["system"] == outage.shown_as for e in waits)
    assert any(e["kind"] == "resumed" and e["step"] in stages for e in events)
    _assert_everything_once(sandbox, name, landing_zone_id)
    if before is not None:
        assert _repository_ids(sandbox, name) == before, "the same repositories, not new ones"


def _stage(landing_zone: dict[str, Any], name: str) -> dict[str, Any]:
    return next(step for step in landing_zone["steps"] if step["name"] == name)


def _assert_everything_once(sandbox: Sandbox, name: str, landing_zone_id: str) -> None:
    slugs = [r["slug"] for r in bitbucket(sandbox).repo_list("LABS") if r["slug"].startswith(name)]
    assert sorted(slugs) == [name, f"{name}-env"]
    folder = jenkins_server(sandbox).get_job_info(f"labs/{name}")
    assert sorted(job["name"] for job in folder["jobs"]) == ["build", "promote"]
    tickets = records(servicenow(sandbox), "sc_req_item", {"correlation_id": landing_zone_id})
    assert len(tickets) == 1 and tickets[0]["state"] == "3"
    emails = wait_for(
        lambda: [m for m in mailbox_messages(sandbox) if f"{name} is ready" in str(m["Subject"])],
        "the email",
    )
    assert len(emails) == 1
