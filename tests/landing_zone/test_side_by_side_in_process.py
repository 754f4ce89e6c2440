"""The independent calls of a stage (branch restrictions, group permission, webhook, default
branch; the promotion credential and both pipelines) go out side by side, in one process:
each still waits out its own faults visibly, a refusal of one fails the stage only once the
others have ended, `/retry` finishes the job, and no system ever has more calls in flight
from the replica than LZ_MAX_CALLS_PER_SYSTEM."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.clients import bitbucket
from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import TERMINAL, request_body, wait_for

BOUND = 2


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessService]:
    with in_process_service(
        tmp_path_factory.mktemp("side-by-side"), LZ_MAX_CALLS_PER_SYSTEM=str(BOUND)
    ) as running:
        yield running


def fault(service: InProcessService, system: str, **rule: Any) -> None:
    response = httpx.post(f"{service.url(system)}/_sandbox/faults", json=rule, timeout=10)
    response.raise_for_status()


def settled(service: InProcessService, landing_zone_id: str) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        view: dict[str, Any] = service.client.get(
            f"/v1/landing-zones/{landing_zone_id}", headers=service.auth
        ).json()
        return view if view["status"] in TERMINAL else None

    return wait_for(ended, f"{landing_zone_id} to end", timeout=90)


def events(service: InProcessService, landing_zone_id: str) -> list[dict[str, Any]]:
    path = f"/v1/landing-zones/{landing_zone_id}/events"
    found: list[dict[str, Any]] = service.client.get(path, headers=service.auth).json()["events"]
    return found


def submit(service: InProcessService, name: str) -> str:
    accepted = service.client.post(
        "/v1/landing-zones", json=request_body(name), headers=service.auth
    )
    assert accepted.status_code == 202, accepted.text
    return str(accepted.json()["id"])


def test_a_call_made_beside_others_waits_out_its_own_faults(service: InProcessService) -> None:
    name = "hooked-late"
    hooks = rf"^/rest/api/1\.0/projects/LABS/repos/{name}/webhooks$"
    fault(service, "bitbucket", path=hooks, method="POST", status=503, times=2)

    landing_zone_id = submit(service, name)
    done = settled(service, landing_zone_id)

    assert done["status"] == "completed", done["error"]
    told = events(service, landing_zone_id)
    waited = [e for e in told if e["kind"] == "waiting" and e["data"]["system"] == "bitbucket"]
    assert [e["data"]["call"] for e in waited] == ["ensure_push_hook"] * 2
    assert any(e["kind"] == "resumed" and e["step"] == "repository" for e in told)
    assert [h["name"] for h in bitbucket(service).get_webhooks("LABS", name)] == ["jenkins"]


def test_a_refused_call_fails_the_stage_once_the_others_ended_and_retry_finishes(
    service: InProcessService,
) -> None:
    name = "restricted-late"
    restrictions = rf"^/rest/branch-permissions/2\.0/projects/LABS/repos/{name}/restrictions$"
    fault(service, "bitbucket", path=restrictions, method="POST", status=400, times=1)

    landing_zone_id = submit(service, name)
    failed = settled(service, landing_zone_id)

    assert failed["status"] == "failed"
    assert failed["error"]["step"] == "repository"
    assert "branch restrictions" in failed["error"]["message"]
    client = bitbucket(service)
    # Made beside the refused call, and kept: the project repository was pushed already.
    assert [h["name"] for h in client.get_webhooks("LABS", name)] == ["jenkins"]
    groups = client.repo_groups("LABS", name)
    assert [g["group"]["name"] for g in groups] == ["payments"]

    retried = service.client.post(
        f"/v1/landing-zones/{landing_zone_id}/retry", headers=service.auth
    )
    assert retried.status_code == 202, retried.text
    done = settled(service, landing_zone_id)

    assert done["status"] == "completed", done["error"]
    kinds = sorted(r["type"] for r in client.get_branches_permissions("LABS", None, name)["values"])
    assert kinds == ["fast-forward-only", "no-deletes"]
    assert [h["name"] for h in client.get_webhooks("LABS", name)] == ["jenkins"]


def test_no_system_ever_had_more_calls_in_flight_than_the_bound(service: InProcessService) -> None:
    done = settled(service, submit(service, "bounded-calls"))
    assert done["status"] == "completed", done["error"]

    metrics = service.client.get("/metrics").text
    peaks = {
        system: int(float(value))
        for system, value in re.findall(
            r'^landingzone_downstream_calls_peak\{system="(\w+)"\} (\S+)$', metrics, re.MULTILINE
        )
    }
    assert {"bitbucket", "jenkins", "servicenow", "mail"} <= set(peaks)
    assert all(1 <= peak <= BOUND for peak in peaks.values()), peaks
    assert peaks["bitbucket"] == BOUND  # the repository stages alone offer it more than that
