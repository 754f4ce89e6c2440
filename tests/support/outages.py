"""Take one downstream system down while a landing zone meets it, and see how it rides it out.

Shared by tests/e2e/test_outages.py (scaled-down retry settings) and bench/outage_delay.py
(the production defaults and a one-minute outage).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tests.support.clients import bitbucket
from tests.support.sandbox import Sandbox, request_body, wait_for


@dataclass(frozen=True)
class Outage:
    system: str  # the simulator that goes down
    stage: str  # where the landing zone meets it
    shown_as: str  # the system the landing zone says it waits for
    hold: dict[str, Any] | None  # the stage's first call, held until the outage starts
    mode: str = "unavailable"

    @property
    def stages(self) -> set[str]:
        # Bitbucket serves both repositories, which are made side by side.
        return {"repository", "environment"} if self.stage == "repository" else {self.stage}


OUTAGES = [
    Outage("servicenow", "approve", "servicenow", None),
    Outage(
        "bitbucket",
        "repository",
        "bitbucket",
        {"method": "POST", "path": r"/rest/api/1\.0/projects/LABS/repos$"},
    ),
    Outage("jenkins", "pipelines", "jenkins", {"method": "POST", "path": r"/createItem"}, "reset"),
    Outage(
        "servicenow",
        "record",
        "servicenow",
        {"method": "PATCH", "path": r"/api/now/table/sc_req_item/"},
    ),
    Outage("mailbox", "notify", "mail", None),
]


@dataclass(frozen=True)
class Ridden:
    first_wait: dict[str, Any]  # what the API said while the system was down
    while_waiting: dict[str, Any]  # the landing zone then
    repositories_during: dict[str, int] | None  # Bitbucket ids, if made before the outage
    landing_zone: dict[str, Any]  # and once it ended
    after_back_s: float  # from the system's return to the landing zone's end


def stage_of(landing_zone: dict[str, Any], name: str) -> dict[str, Any]:
    return next(step for step in landing_zone["steps"] if step["name"] == name)


def waiting_on(sandbox: Sandbox, landing_zone_id: str, system: str) -> dict[str, Any] | None:
    waits = [w for w in sandbox.get(landing_zone_id)["waiting"] if w["system"] == system]
    return waits[0] if waits else None


def ride_out(sandbox: Sandbox, outage: Outage, name: str, seconds: float) -> Ridden:
    """Submit `name`, take the system down for `seconds` when the stage starts, wait the end."""
    if outage.hold:
        sandbox.fault(outage.system, hold=True, times=1, **outage.hold)
    else:
        sandbox.outage(outage.system, seconds, mode=outage.mode)
    landing_zone_id = sandbox.create(request_body(name))["id"]
    if outage.hold:
        wait_for(
            lambda: stage_of(sandbox.get(landing_zone_id), outage.stage)["status"] == "running",
            f"the landing zone to reach {outage.stage}",
        )
        sandbox.outage(outage.system, seconds, mode=outage.mode)
        sandbox.clear_faults(outage.system)  # the held call goes on into the outage's wake
    back_at = time.monotonic() + seconds
    first_wait = wait_for(
        lambda: waiting_on(sandbox, landing_zone_id, outage.shown_as),
        f"the landing zone to say it waits for {outage.shown_as}",
        timeout=seconds,
    )
    while_waiting = sandbox.get(landing_zone_id)
    made_before = outage.stage in {"pipelines", "record", "notify"}
    during = repository_ids(sandbox, name) if made_before else None
    done = sandbox.wait_status(
        landing_zone_id, {"completed", "failed", "cancelled"}, timeout=seconds + 180
    )
    return Ridden(first_wait, while_waiting, during, done, time.monotonic() - back_at)


def repository_ids(sandbox: Sandbox, name: str) -> dict[str, int]:
    """Bitbucket's ids: a repository deleted and made again would have a new one."""
    client = bitbucket(sandbox)
    return {slug: int(client.get_repo("LABS", slug)["id"]) for slug in (name, f"{name}-env")}
