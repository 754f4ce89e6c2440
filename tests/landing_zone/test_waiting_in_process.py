"""Waiting out a system that keeps failing, in one process, with the retry window and the circuit
breaker scaled down to seconds: the wait is visible, the breaker spares the system, and when
the window is over the landing zone fails, saying how long it tried."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import TERMINAL, request_body, wait_for

NAME = "never-answered"
LOOKUP = rf"^/rest/api/1\.0/projects/LABS/repos/{NAME}$"  # the plan's first call


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessService]:
    with in_process_service(
        tmp_path_factory.mktemp("waiting"),
        LZ_RETRY_WINDOW_HOURS="0.001",  # 3.6 s
        LZ_RETRY_INITIAL_SECONDS="0.1",
        LZ_RETRY_MAX_INTERVAL_SECONDS="0.4",
        LZ_BREAKER_FAILURE_THRESHOLD="2",
        LZ_BREAKER_OPEN_SECONDS="1",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def given_up(service: InProcessService) -> dict[str, Any]:
    """A landing zone whose Bitbucket answers 503 to every look at its name."""
    bitbucket = service.url("bitbucket")
    rule = {"path": LOOKUP, "method": "GET", "status": 503, "times": 0}
    httpx.post(f"{bitbucket}/_sandbox/faults", json=rule, timeout=10).raise_for_status()
    client, auth = service.client, service.auth
    accepted = client.post("/v1/landing-zones", json=request_body(NAME), headers=auth).json()
    path = f"/v1/landing-zones/{accepted['id']}"

    def ended() -> dict[str, Any] | None:
        view: dict[str, Any] = client.get(path, headers=auth).json()
        return view if view["status"] in TERMINAL else None

    landing_zone = wait_for(ended, "the retry window to end", timeout=60)
    hits = httpx.get(f"{bitbucket}/_sandbox/faults", timeout=10).json()[0]["hits"]
    httpx.delete(f"{bitbucket}/_sandbox/faults", timeout=10).raise_for_status()
    events = client.get(f"{path}/events", headers=auth).json()["events"]
    return {"landing_zone": landing_zone, "events": events, "bitbucket_calls": hits}


def waits(given_up: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in given_up["events"] if e["kind"] == "waiting"]


def test_each_failed_attempt_is_a_visible_wait_for_the_system(given_up: dict[str, Any]) -> None:
    seen = waits(given_up)
    assert len(seen) >= 3
    assert [e["data"]["attempts"] for e in seen] == list(range(1, len(seen) + 1))
    for event in seen:
        assert event["step"] == "plan"
        assert event["data"]["system"] == "bitbucket"
        assert event["message"].startswith("plan: waiting for bitbucket (attempt ")
        assert "HTTP 503" in event["data"]["error"]


def test_an_open_breaker_spares_the_system_and_the_wait_says_so(
    given_up: dict[str, Any],
) -> None:
    attempts = len(waits(given_up)) + 1  # the last one ended the window
    assert given_up["bitbucket_calls"] < attempts, "attempts behind the open breaker never left"
    assert any("(circuit open: not called)" in e["data"]["error"] for e in waits(given_up))


def test_when_the_window_is_over_the_landing_zone_fails_saying_how_long_it_tried(
    given_up: dict[str, Any],
) -> None:
    landing_zone = given_up["landing_zone"]
    assert landing_zone["status"] == "failed"
    assert landing_zone["error"]["step"] == "plan"
    message = landing_zone["error"]["message"]
    assert "HTTP 503" in message and "still failing after" in message, message
    assert landing_zone["waiting"] == [], "nothing waits any more"
    plan = next(step for step in landing_zone["steps"] if step["name"] == "plan")
    assert plan["status"] == "failed"
