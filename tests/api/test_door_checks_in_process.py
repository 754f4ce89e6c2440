"""Preview and create ask Bitbucket, at the door, whether the names are free and the owner group
exists: a refusal there is a 409 or 422 naming the field, before anything is accepted. When
Bitbucket does not answer, the request is accepted and the workflow waits the outage out.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from atlassian import Bitbucket

from landingzone.config import DEFAULT_PLATFORM_CONFIG
from landingzone.landing_zone.door import DOOR_TIMEOUT_S
from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import request_body, wait_for

ROUTES = ["/v1/landing-zones:preview", "/v1/landing-zones"]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessService]:
    folder = tmp_path_factory.mktemp("door")
    # Retail entitles every owner group here, so that Bitbucket's answer about a group is heard.
    platform = folder / "platform.yaml"
    bundled = DEFAULT_PLATFORM_CONFIG.read_text(encoding="utf-8")
    entitled = "owner_groups: [group:default/payments, group:default/platform]"
    assert entitled in bundled
    platform.write_text(bundled.replace(entitled, "owner_groups: all"), encoding="utf-8")
    with in_process_service(folder, LZ_PLATFORM_CONFIG=str(platform)) as running:
        yield running


@pytest.fixture(scope="module")
def bitbucket(service: InProcessService) -> Bitbucket:
    env = service.environment
    return Bitbucket(
        env["LZ_BITBUCKET_URL"],
        username=env["LZ_BITBUCKET_USERNAME"],
        password=env["LZ_BITBUCKET_PASSWORD"],
    )


@pytest.fixture
def sandbox_controls(service: InProcessService) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url("bitbucket"), timeout=10) as controls:
        yield controls
        controls.delete("/_sandbox/outage")
        controls.delete("/_sandbox/faults")


def names(service: InProcessService) -> list[str]:
    listed = service.client.get("/v1/landing-zones", params={"limit": 200}, headers=service.auth)
    return [item["name"] for item in listed.json()["items"]]


def post(service: InProcessService, path: str, body: dict[str, Any]) -> httpx.Response:
    answer: httpx.Response = service.client.post(path, json=body, headers=service.auth)
    return answer


def someone_elses(bitbucket: Bitbucket, name: str, description: str) -> None:
    slug = bitbucket.create_repo("RETAIL", name)["slug"]
    bitbucket.update_repo("RETAIL", slug, description=description)


@pytest.mark.parametrize("path", ROUTES)
def test_an_owner_group_bitbucket_does_not_know_is_a_422_on_owner(
    service: InProcessService, path: str
) -> None:
    body = request_body("no-such-team", tenant="retail", owner="group:default/nobody-here")
    answer = post(service, path, body)
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "owner"]
    assert "Bitbucket knows no group 'nobody-here'" in problem["msg"]
    assert "no-such-team" not in names(service)


@pytest.mark.parametrize(
    ("description", "whose"),
    [
        ("Their environments [landing-zone lz_0123456789abcdef0123]", "lz_0123456789abcdef0123"),
        ("Made by hand", "someone else (it has no landing-zone marker)"),
    ],
)
@pytest.mark.parametrize("path", ROUTES)
def test_an_env_repository_another_owns_is_a_409_on_the_name(
    service: InProcessService, bitbucket: Bitbucket, description: str, whose: str, path: str
) -> None:
    name = f"taken-{'marked' if 'lz_' in whose else 'unmarked'}-{ROUTES.index(path)}"
    someone_elses(bitbucket, f"{name}-env", description)
    answer = post(service, path, request_body(name, tenant="retail"))
    assert answer.status_code == 409, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "name"]
    assert f"repository RETAIL/{name}-env already exists and belongs to" in problem["msg"]
    assert whose in problem["msg"]
    assert name not in names(service)


def test_each_door_check_is_one_request_and_they_run_at_once(
    service: InProcessService, sandbox_controls: httpx.Client
) -> None:
    paths = {
        "repository": "^/rest/api/1.0/projects/RETAIL/repos/at-once$",
        "environment": "^/rest/api/1.0/projects/RETAIL/repos/at-once-env$",
        "group": "^/rest/api/1.0/groups$",
    }
    for path in paths.values():
        rule = {"path": path, "method": "GET", "delay_seconds": 1.5, "times": 0}
        assert sandbox_controls.post("/_sandbox/faults", json=rule).status_code < 300
    started = time.monotonic()
    answer = post(service, ROUTES[0], request_body("at-once", tenant="retail"))
    took = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    hits = {rule["path"]: rule["hits"] for rule in sandbox_controls.get("/_sandbox/faults").json()}
    assert [hits[path] for path in paths.values()] == [1, 1, 1]
    assert 1.5 <= took < 3.0, took  # three 1.5 s answers, waited for side by side


@pytest.mark.parametrize(
    "outage",
    [
        {"seconds": 60, "mode": "unavailable"},
        {"seconds": 60, "mode": "slow", "delay_seconds": 30},
    ],
    ids=["unavailable", "slow"],
)
def test_when_bitbucket_does_not_answer_the_door_accepts_and_the_workflow_waits(
    service: InProcessService, sandbox_controls: httpx.Client, outage: dict[str, Any]
) -> None:
    assert sandbox_controls.post("/_sandbox/outage", json=outage).status_code < 300
    name = f"outage-{outage['mode']}"
    started = time.monotonic()
    preview = post(service, ROUTES[0], request_body(name, tenant="retail"))
    created = post(service, ROUTES[1], request_body(name, tenant="retail"))
    assert time.monotonic() - started < 2 * DOOR_TIMEOUT_S + 3
    assert preview.status_code == 200, preview.text
    assert created.status_code == 202, created.text
    location = created.headers["Location"]

    def waiting() -> list[dict[str, Any]] | None:
        view = service.client.get(location, headers=service.auth).json()
        return [w for w in view["waiting"] if w["system"] == "bitbucket"] or None

    [wait] = wait_for(waiting, "the plan stage to wait for Bitbucket", timeout=30)
    assert wait["step"] == "plan"
    sandbox_controls.delete("/_sandbox/outage")
    wait_for(
        lambda: (
            service.client.get(location, headers=service.auth).json()["status"]
            == "pending_approval"
        ),
        "the plan stage to finish once Bitbucket answers",
        timeout=60,
    )


def test_an_unknown_group_let_in_during_an_outage_fails_at_plan_before_anything_is_made(
    service: InProcessService, bitbucket: Bitbucket, sandbox_controls: httpx.Client
) -> None:
    body = request_body("ghost-team", tenant="retail", owner="group:default/ghosts")
    assert sandbox_controls.post("/_sandbox/outage", json={"seconds": 60}).status_code < 300
    created = post(service, ROUTES[1], body)
    assert created.status_code == 202, created.text
    sandbox_controls.delete("/_sandbox/outage")

    def finished() -> dict[str, Any] | None:
        view: dict[str, Any] = service.client.get(
            created.headers["Location"], headers=service.auth
        ).json()
        return view if view["status"] == "failed" else None

    view = wait_for(finished, "the landing zone to fail at plan", timeout=60)
    assert view["error"]["step"] == "plan"
    assert "Bitbucket knows no group 'ghosts'" in view["error"]["message"]
    assert not bitbucket.repo_exists("RETAIL", "ghost-team")
    assert not bitbucket.repo_exists("RETAIL", "ghost-team-env")
