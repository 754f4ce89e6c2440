"""The service is SIGKILLed at each step boundary in turn, mid-call, and restarted: every landing
zone still finishes once, with one of each resource."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from landingzone.landing_zone.models import LandingZoneRequest
from landingzone.landing_zone.service import request_hash
from landingzone.landing_zone.store import Store
from landingzone.landing_zone.tables import engine_for
from tests.support.clients import (
    bitbucket,
    jenkins_server,
    mailbox_messages,
    requested_items,
    servicenow,
)
from tests.support.sandbox import Sandbox, request_body, wait_for

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Boundary:
    after: str  # the stage that has just finished
    system: str  # whose first call of the next stage is held while the service dies
    rule: dict[str, Any]


BOUNDARIES = [
    Boundary("plan", "servicenow", {"method": "GET", "path": r"/api/sn_sc/servicecatalog/items$"}),
    Boundary(
        "render", "bitbucket", {"method": "POST", "path": r"/rest/api/1\.0/projects/LABS/repos$"}
    ),
    Boundary("repository", "jenkins", {"method": "POST", "path": r"/createItem"}),
    Boundary(
        "pipelines", "servicenow", {"method": "PATCH", "path": r"/api/now/table/sc_req_item/"}
    ),
    Boundary("record", "mailbox", {"command": "MAIL", "delay_seconds": 30}),
]


def _held(sandbox: Sandbox, boundary: Boundary) -> bool:
    listed = sandbox.faults(boundary.system)
    return any(rule.get("hits", 0) >= 1 for rule in listed)


@pytest.mark.parametrize("boundary", BOUNDARIES, ids=lambda b: f"after-{b.after}")
def test_a_kill_at_each_step_boundary_finishes_exactly_once(
    sandbox: Sandbox, boundary: Boundary
) -> None:
    name = f"killed-after-{boundary.after}"
    rule = {"times": 1, **boundary.rule}
    if boundary.system != "mailbox":
        rule["hold"] = True
    sandbox.fault(boundary.system, **rule)
    accepted = sandbox.create(request_body(name))
    wait_for(lambda: _held(sandbox, boundary), f"the first call after {boundary.after}")

    killed = sandbox.kill_service()
    sandbox.clear_faults(boundary.system)  # a held call now lands, unseen by the dead service
    wait_for(
        lambda: sandbox.description["processes"]["service"] != killed and sandbox.service_healthy(),
        "the service to be restarted",
    )

    done = sandbox.wait_status(accepted["id"], {"completed", "failed", "cancelled"})
    assert done["status"] == "completed", done["error"]
    slugs = [r["slug"] for r in bitbucket(sandbox).repo_list("LABS") if r["slug"].startswith(name)]
    assert sorted(slugs) == [name, f"{name}-env"]
    server = jenkins_server(sandbox)
    assert sorted(j["name"] for j in server.get_job_info(f"labs/{name}")["jobs"]) == [
        "build",
        "promote",
    ]
    assert len(server.get_job_info(f"labs/{name}/build")["builds"]) <= 1
    tickets = requested_items(servicenow(sandbox), accepted["id"])
    assert len(tickets) == 1
    emails = wait_for(
        lambda: [m for m in mailbox_messages(sandbox) if f"{name} is ready" in str(m["Subject"])],
        "the email",
    )
    assert len(emails) == 1


def test_a_landing_zone_accepted_just_before_a_crash_is_started_when_the_service_is_back(
    sandbox: Sandbox,
) -> None:
    # What a crash between accepting a request and starting its workflow leaves behind.
    request = LandingZoneRequest.model_validate(request_body("accepted-then-crash"))
    payload = request.model_dump(mode="json", by_alias=True)
    url = sandbox.database_url or f"sqlite:///{sandbox.data_dir / 'service' / 'landingzone.sqlite'}"
    store = Store(engine_for(url))
    store.insert("lz_acceptedthencrash00", payload, request_hash(payload), None)
    store.engine.dispose()

    killed = sandbox.kill_service()
    wait_for(
        lambda: sandbox.description["processes"]["service"] != killed and sandbox.service_healthy(),
        "the service to be restarted",
    )

    done = sandbox.wait_status("lz_acceptedthencrash00", {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
