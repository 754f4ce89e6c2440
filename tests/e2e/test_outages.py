"""Each downstream system goes down in turn for longer than any old retry budget: the landing
zone says it is waiting, then completes once the system is back, with every resource once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.clients import (
    bitbucket,
    jenkins_server,
    mailbox_messages,
    requested_items,
    servicenow,
)
from tests.support.outages import (
    OUTAGES,
    Outage,
    repository_ids,
    ride_out,
    stage_of,
    waiting_on,
)
from tests.support.sandbox import Sandbox, request_body, wait_for

pytestmark = pytest.mark.e2e

OUTAGE_SECONDS = 16.0  # longer than the 15 s the old retries lasted


@pytest.mark.parametrize("outage", OUTAGES, ids=lambda o: f"{o.system}-during-{o.stage}")
def test_an_outage_delays_the_landing_zone_and_destroys_nothing(
    sandbox: Sandbox, outage: Outage
) -> None:
    name = f"outage-{outage.system}-{outage.stage}"

    ridden = ride_out(sandbox, outage, name, OUTAGE_SECONDS)

    wait = ridden.first_wait
    assert wait["step"] in outage.stages
    assert wait["attempts"] >= 1 and wait["error"] and wait["next_attempt_at"]
    assert ridden.while_waiting["status"] in {"provisioning", "pending_approval"}
    assert stage_of(ridden.while_waiting, wait["step"])["status"] == "waiting"
    done = ridden.landing_zone
    assert done["status"] == "completed", done["error"]
    assert ridden.after_back_s < 60, "completed within a minute of the system being back"
    assert done["waiting"] == []

    events = sandbox.events(done["id"])
    waits = [e for e in events if e["kind"] == "waiting" and e["step"] in outage.stages]
    assert waits and all(e["data"]["system"] == outage.shown_as for e in waits)
    assert any(e["kind"] == "resumed" and e["step"] in outage.stages for e in events)
    _assert_everything_once(sandbox, name, done["id"])
    if ridden.repositories_during is not None:
        assert repository_ids(sandbox, name) == ridden.repositories_during, "the same ones"


def _assert_everything_once(sandbox: Sandbox, name: str, landing_zone_id: str) -> None:
    slugs = [r["slug"] for r in bitbucket(sandbox).repo_list("LABS") if r["slug"].startswith(name)]
    assert sorted(slugs) == [name, f"{name}-env"]
    folder = jenkins_server(sandbox).get_job_info(f"labs/{name}")
    assert sorted(job["name"] for job in folder["jobs"]) == ["build", "promote"]
    tickets = requested_items(servicenow(sandbox), landing_zone_id)
    assert len(tickets) == 1 and tickets[0]["state"] == "3"
    emails = wait_for(
        lambda: [m for m in mailbox_messages(sandbox) if f"{name} is ready" in str(m["Subject"])],
        "the email",
    )
    assert len(emails) == 1


def test_a_cancel_during_an_outage_waits_it_out_and_still_cleans_up(sandbox: Sandbox) -> None:
    name = "outage-then-cancel"
    sandbox.fault("bitbucket", hold=True, times=1, **(OUTAGES[1].hold or {}))
    accepted = sandbox.create(request_body(name))
    landing_zone_id = accepted["id"]
    wait_for(
        lambda: stage_of(sandbox.get(landing_zone_id), "repository")["status"] == "running",
        "the landing zone to reach its repositories",
    )
    sandbox.outage("bitbucket", 8)
    sandbox.clear_faults("bitbucket")
    wait_for(lambda: waiting_on(sandbox, landing_zone_id, "bitbucket"), "the wait to show")

    with sandbox.api() as client:
        assert client.post(f"/v1/landing-zones/{landing_zone_id}/cancel").status_code == 202
    wait_for(
        lambda: any(
            e["kind"] == "waiting" and e["data"].get("call") == "delete_repository"
            for e in sandbox.events(landing_zone_id)
        ),
        "the undo to wait for Bitbucket too",
    )
    assert sandbox.get(landing_zone_id)["status"] == "provisioning", "not cancelled half-way"

    done = sandbox.wait_status(landing_zone_id, {"cancelled", "failed", "completed"}, timeout=90)
    assert done["status"] == "cancelled" and done["error"] is None
    slugs = [r["slug"] for r in bitbucket(sandbox).repo_list("LABS") if r["slug"].startswith(name)]
    assert slugs == []


def test_retry_after_is_honoured_and_an_operator_can_ask_for_the_next_attempt_now(
    sandbox: Sandbox,
) -> None:
    name = "outage-retry-now"
    sandbox.fault("jenkins", hold=True, times=1, method="POST", path=r"/createItem")
    landing_zone_id = sandbox.create(request_body(name))["id"]
    wait_for(
        lambda: stage_of(sandbox.get(landing_zone_id), "pipelines")["status"] == "running",
        "the landing zone to reach its pipelines",
    )
    sandbox.outage("jenkins", 3, retry_after=600)  # "come back in ten minutes"
    sandbox.clear_faults("jenkins")
    wait = wait_for(lambda: waiting_on(sandbox, landing_zone_id, "jenkins"), "the wait to show")
    asked_at = datetime.fromisoformat(wait["next_attempt_at"].replace("Z", "+00:00"))
    assert asked_at > datetime.now(UTC) + timedelta(minutes=5), "Retry-After is honoured"
    wait_for(lambda: not sandbox.outage_state("jenkins")["down"], "Jenkins to be back")
    assert sandbox.get(landing_zone_id)["status"] == "provisioning"

    with sandbox.api() as client:
        retried = client.post(f"/v1/landing-zones/{landing_zone_id}/retry")
    assert retried.status_code == 202, retried.text

    done = sandbox.wait_status(landing_zone_id, {"completed", "failed"}, timeout=60)
    assert done["status"] == "completed", done["error"]
    _assert_everything_once(sandbox, name, landing_zone_id)
