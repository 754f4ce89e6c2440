"""A landing zone's life through the API, in one process: provisioned end to end against the
simulated systems, followed through its events and their stream, listed, cancelled, retried,
and nudged by ServiceNow's callback."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from landingzone.integrations.jenkins.config import LIBRARY_VERSION
from landingzone.integrations.servicenow import sign_callback
from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import TERMINAL, request_body, wait_for

STAGES = ["plan", "approve", "render", "repository", "environment", "pipelines", "record", "notify"]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessService]:
    with in_process_service(tmp_path_factory.mktemp("lifecycle")) as running:
        yield running


def create(service: InProcessService, body: dict[str, Any]) -> dict[str, Any]:
    answer = service.client.post("/v1/landing-zones", json=body, headers=service.auth)
    assert answer.status_code == 202, answer.text
    created: dict[str, Any] = answer.json()
    return created


def get(service: InProcessService, path: str, **params: Any) -> Any:
    answer = service.client.get(path, params=params, headers=service.auth)
    assert answer.status_code == 200, answer.text
    return answer.json()


def settled(service: InProcessService, landing_zone_id: str, statuses: set[str]) -> Any:
    def reached() -> Any:
        view = get(service, f"/v1/landing-zones/{landing_zone_id}")
        return view if view["status"] in statuses else None

    return wait_for(reached, f"{landing_zone_id} to reach {statuses}", timeout=60)


@pytest.fixture(scope="module")
def completed(service: InProcessService) -> dict[str, Any]:
    """A `labs` landing zone (approved by policy), provisioned to the end."""
    accepted = create(service, request_body("in-process-api"))
    assert accepted["status"] == "provisioning"
    assert [s["status"] for s in accepted["steps"]] == ["pending"] * 8
    done: dict[str, Any] = settled(service, accepted["id"], TERMINAL)
    return done


def test_a_landing_zone_is_provisioned_end_to_end_in_process(completed: dict[str, Any]) -> None:
    assert completed["status"] == "completed", completed["error"]
    assert [s["name"] for s in completed["steps"]] == STAGES


def test_the_folder_pins_the_library_the_first_build_loads_and_holds_the_settings(
    service: InProcessService, completed: dict[str, Any]
) -> None:
    build_job = completed["links"]["build_pipeline"]  # <folder URL>job/<build job>/
    folder_url = build_job[: build_job.rstrip("/").rindex("/job/") + 1]
    auth = ("landingzone", service.environment["LZ_JENKINS_TOKEN"])
    answer = httpx.get(f"{folder_url}config.xml", auth=auth, timeout=10)
    assert answer.status_code == 200, answer.text
    config = ET.fromstring(answer.text)  # noqa: S314 - our own simulator's answer
    library = config.find(".//org.jenkinsci.plugins.workflow.libs.LibraryConfiguration")
    assert library is not None
    assert library.findtext("name") == "landingzone"
    assert library.findtext("defaultVersion") == LIBRARY_VERSION
    assert (
        library.findtext("retriever/scm/remote")
        == service.environment["LZ_JENKINS_LIBRARY_CLONE_URL"]
    )
    first_build = completed["links"]["first_build"]

    def console() -> str | None:
        text = httpx.get(f"{first_build}consoleText", auth=auth, timeout=10).text
        return text if "Finished:" in text else None

    log = wait_for(console, "the first build to finish", timeout=30)
    assert f"Loading library landingzone@{LIBRARY_VERSION}" in log
    assert log.rstrip().endswith("Finished: SUCCESS"), log
    properties = {
        entry.findtext("key"): entry.findtext("value")
        for entry in config.iter("com.mig82.folders.properties.StringProperty")
    }
    assert properties == {
        "IMAGE": f"{properties['REGISTRY']}/labs/in-process-api",
        "REGISTRY": properties["REGISTRY"],
        "REGISTRY_CREDENTIALS_ID": "nexus-registry",
        "PROMOTION_API": service.environment["LZ_PUBLIC_URL"],
        "LANDING_ZONE_ID": completed["id"],
        "PROMOTION_CREDENTIALS_ID": "landingzone-promotion",
    }
    statuses = {s["name"]: s["status"] for s in completed["steps"]}
    assert statuses.pop("approve") == "skipped", "labs approves by policy"
    assert set(statuses.values()) == {"succeeded"}
    assert completed["waiting"] == [] and completed["error"] is None
    for link in ("repository", "environment_repository", "approval"):
        assert link in completed["links"], completed["links"]


def test_events_are_numbered_in_order_and_read_from_any_point(
    service: InProcessService, completed: dict[str, Any]
) -> None:
    page = get(service, f"/v1/landing-zones/{completed['id']}/events")
    events = page["events"]
    assert page["status"] == "completed"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    started = [e["step"] for e in events if e["kind"] == "step_started"]
    assert started[0] == "plan" and started[-1] == "notify"
    later = get(service, f"/v1/landing-zones/{completed['id']}/events", after=3)["events"]
    assert later == events[3:]


def test_the_stream_replays_every_event_then_ends_with_the_landing_zone(
    service: InProcessService, completed: dict[str, Any]
) -> None:
    path = f"/v1/landing-zones/{completed['id']}/events/stream"
    with service.client.stream("GET", path, headers=service.auth) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = list(stream.iter_lines())
    kinds = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
    ids = [int(line.removeprefix("id: ")) for line in lines if line.startswith("id: ")]
    count = len(get(service, f"/v1/landing-zones/{completed['id']}/events")["events"])
    assert kinds == ["progress"] * count + ["end"]
    assert ids == list(range(1, count + 1))
    end = lines.index("event: end")
    final = json.loads(lines[end + 1].removeprefix("data: "))
    assert final["id"] == completed["id"] and final["status"] == "completed"


def test_a_reconnecting_stream_resumes_after_the_last_event_id(
    service: InProcessService, completed: dict[str, Any]
) -> None:
    path = f"/v1/landing-zones/{completed['id']}/events/stream"
    headers = {**service.auth, "Last-Event-ID": "5"}
    with service.client.stream("GET", path, headers=headers) as stream:
        ids = [int(line[4:]) for line in stream.iter_lines() if line.startswith("id: ")]
    assert ids[0] == 6


def test_a_finished_landing_zone_can_be_neither_cancelled_nor_retried(
    service: InProcessService, completed: dict[str, Any]
) -> None:
    for action in ("cancel", "retry"):
        answer = service.client.post(
            f"/v1/landing-zones/{completed['id']}/{action}", headers=service.auth
        )
        assert answer.status_code == 409, answer.text
        assert answer.json()["detail"][0]["loc"] == ["path", "id"]
        assert "completed" in answer.json()["detail"][0]["msg"]


def test_a_landing_zone_waiting_for_approval_is_cancelled_and_says_so(
    service: InProcessService,
) -> None:
    accepted = create(service, request_body("cancel-me", tenant="retail"))
    waiting = settled(service, accepted["id"], {"pending_approval"})
    assert "approval" in waiting["links"]
    retried = service.client.post(f"/v1/landing-zones/{accepted['id']}/retry", headers=service.auth)
    assert retried.status_code == 409
    assert "only a failed or waiting landing zone" in retried.json()["detail"][0]["msg"]

    cancelled = service.client.post(
        f"/v1/landing-zones/{accepted['id']}/cancel", headers=service.auth
    )
    assert cancelled.status_code == 202, cancelled.text
    assert cancelled.json()["id"] == accepted["id"]
    done = settled(service, accepted["id"], TERMINAL)
    assert done["status"] == "cancelled"
    again = service.client.post(f"/v1/landing-zones/{accepted['id']}/cancel", headers=service.auth)
    assert again.status_code == 409
    # Its name is free again in the tenant.
    create(service, request_body("cancel-me", tenant="retail"))


def test_listing_filters_by_owner_tenant_and_status_and_pages_without_overlap(
    service: InProcessService, completed: dict[str, Any]
) -> None:
    create(service, request_body("listed-one", tenant="retail", owner="group:default/platform"))
    create(service, request_body("listed-two", tenant="retail", owner="group:default/platform"))
    mine = get(service, "/v1/landing-zones", owner="group:default/platform")["items"]
    assert [item["name"] for item in mine] == ["listed-two", "listed-one"], "newest first"
    done = get(service, "/v1/landing-zones", status="completed", tenant="labs")["items"]
    assert [item["id"] for item in done] == [completed["id"]]

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = get(service, "/v1/landing-zones", **params)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    everything = [item["id"] for item in get(service, "/v1/landing-zones", limit=200)["items"]]
    assert seen == everything and len(set(seen)) == len(seen) >= 3


def callback(service: InProcessService, document: dict[str, Any], secret: str = "") -> Any:
    body = json.dumps(document).encode()
    timestamp = str(int(time.time()))
    key = secret or service.environment["LZ_SERVICENOW_CALLBACK_SECRET"]
    headers = {
        "Content-Type": "application/json",
        "X-ServiceNow-Timestamp": timestamp,
        "X-ServiceNow-Signature": sign_callback(key, timestamp, body),
    }
    return service.client.post("/v1/approvals/servicenow", content=body, headers=headers)


def decision(landing_zone_id: str) -> dict[str, Any]:
    return {
        "table": "sc_req_item",
        "sys_id": "0" * 32,
        "number": "RITM0010001",
        "approval": "approved",
        "correlation_id": landing_zone_id,
    }


def test_the_servicenow_callback_is_signed_and_only_nudges_a_pending_landing_zone(
    service: InProcessService, completed: dict[str, Any]
) -> None:
    forged = callback(service, decision(completed["id"]), secret="not-the-shared-secret")
    assert forged.status_code == 401
    assert forged.json()["detail"][0]["loc"] == ["header", "X-ServiceNow-Signature"]
    unknown = callback(service, decision("lz_nobody"))
    assert unknown.status_code == 404
    assert unknown.json()["detail"][0]["loc"] == ["body", "correlation_id"]
    late = callback(service, decision(completed["id"]))
    assert late.status_code == 202 and late.json() == {"accepted": False}

    pending = create(service, request_body("nudged", tenant="retail"))
    settled(service, pending["id"], {"pending_approval"})
    nudge = callback(service, decision(pending["id"]))
    assert nudge.status_code == 202 and nudge.json() == {"accepted": True}
    # The decision is read back from ServiceNow, where nobody approved: it goes on waiting.
    noted = wait_for(
        lambda: [
            e
            for e in get(service, f"/v1/landing-zones/{pending['id']}/events")["events"]
            if "ServiceNow called back" in e["message"]
        ],
        "the callback to be noted",
        timeout=30,
    )
    assert noted[0]["data"] == {"decision": "pending"}
    assert get(service, f"/v1/landing-zones/{pending['id']}")["status"] == "pending_approval"
