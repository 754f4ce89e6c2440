"""Rollouts in one process against the simulated Bitbucket: waves that wait for their pull
requests to be merged or declined, a halt on a wave's failure rate, pause, resume and cancel,
and the drift report moving as pull requests are merged. Each test rolls out over landing zones
of its own owner, all made at 1.0.1 before the java template is released as 1.1.0.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from landingzone.config import DEFAULT_PLATFORM_CONFIG
from landingzone.rendering import DEFAULT_TEMPLATES_ROOT
from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import TERMINAL, request_body, wait_for
from tests.support.template_updates import PullRequests, Repo, release

# Each test's landing zones belong to a group of its own (groups the sandbox's Bitbucket has).
OWNERS = {"waves": ("web", 4), "halts": ("mobile", 2), "steer": ("data", 3)}


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("templates") / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_ROOT, root)
    return root


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default platform, with each rollout wave of the labs tenant covered by a standard
    change."""
    document = yaml.safe_load(DEFAULT_PLATFORM_CONFIG.read_text(encoding="utf-8"))
    document["tenants"]["labs"]["rollout_change"] = "standard"
    path = tmp_path_factory.mktemp("platform") / "platform.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, templates: Path, platform: Path
) -> Iterator[InProcessService]:
    with in_process_service(
        tmp_path_factory.mktemp("rollouts"),
        LZ_TEMPLATES_DIR=str(templates),
        LZ_PLATFORM_CONFIG=str(platform),
        LZ_ROLLOUT_POLL_SECONDS="0.3",
    ) as running:
        yield running


def call(service: InProcessService, method: str, path: str, **kwargs: Any) -> Any:
    return service.client.request(method, path, headers=service.auth, **kwargs)


@pytest.fixture(scope="module")
def zones(service: InProcessService, templates: Path) -> dict[str, list[dict[str, Any]]]:
    """Landing zones by owner, in the order they were made (a rollout's order)."""
    made: dict[str, list[str]] = {}
    for owner, (group, count) in OWNERS.items():
        for index in range(count):
            body = request_body(f"rol-{owner}-{index}", owner=f"group:default/{group}")
            answer = call(service, "POST", "/v1/landing-zones", json=body)
            assert answer.status_code == 202, answer.text
            made.setdefault(owner, []).append(answer.json()["id"])

    def finished(landing_zone_id: str) -> dict[str, Any] | None:
        view: dict[str, Any] = call(service, "GET", f"/v1/landing-zones/{landing_zone_id}").json()
        return view if view["status"] in TERMINAL else None

    done: dict[str, list[dict[str, Any]]] = {}
    for owner, ids in made.items():
        for landing_zone_id in ids:
            view = wait_for(partial(finished, landing_zone_id), landing_zone_id, timeout=120)
            assert view["status"] == "completed", view["error"]
            done.setdefault(owner, []).append(view)
    release(templates, "1.1.0", "Develop section renamed.", {
        "README.md": ("## Develop\n", "## Develop locally\n"),
    })  # fmt: skip
    return done


def pull_requests(service: InProcessService, view: dict[str, Any]) -> PullRequests:
    environment = service.environment
    credentials = (environment["LZ_BITBUCKET_USERNAME"], environment["LZ_BITBUCKET_PASSWORD"])
    return PullRequests(view, service.url("bitbucket"), credentials)


def start(service: InProcessService, owner: str, **options: Any) -> dict[str, Any]:
    group = OWNERS[owner][0]
    body = {"version": "1.1.0", "selection": {"owners": [f"group:default/{group}"]}, **options}
    answer = call(service, "POST", "/v1/classes/java/rollouts", json=body)
    assert answer.status_code == 202, answer.text
    assert answer.headers["Location"] == f"/v1/rollouts/{answer.json()['id']}"
    return answer.json()  # type: ignore[no-any-return]


def rollout(service: InProcessService, rollout_id: str) -> dict[str, Any]:
    answer = call(service, "GET", f"/v1/rollouts/{rollout_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def changes(service: InProcessService, view: dict[str, Any]) -> list[dict[str, Any]]:
    """Each wave's standard change as ServiceNow's Table API has it."""
    environment = service.environment
    auth = (environment["LZ_SERVICENOW_USERNAME"], environment["LZ_SERVICENOW_PASSWORD"])
    found = []
    for wave in view["waves"]:
        (change,) = wave["changes"]
        answer = httpx.get(
            f"{service.url('servicenow')}/api/now/table/change_request",
            params={"sysparm_query": f"number={change['number']}", "sysparm_display_value": "true"},
            auth=auth,
            timeout=10,
        )
        answer.raise_for_status()
        (record,) = answer.json()["result"]
        found.append(
            {"wave": change, "type": record["type"], "state": record["state"],
             "close_code": record["close_code"], "close_notes": record["close_notes"]}
        )  # fmt: skip
    return found


def wave_states(view: dict[str, Any]) -> list[list[str]]:
    return [[m["state"] for m in wave["members"]] for wave in view["waves"]]


def until(
    service: InProcessService, rollout_id: str, check: Any, what: str, timeout: float = 60
) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        view = rollout(service, rollout_id)
        return view if check(view) else None

    return wait_for(reached, what, timeout=timeout)


def behind(service: InProcessService) -> set[str]:
    report = call(service, "GET", "/v1/drift", params={"class": "java"}).json()
    (group,) = report["groups"]
    assert (group["class"], group["tenant"], group["latest"]) == ("java", "labs", "1.1.0")
    return {i for ids in group["behind"].values() for i in ids}


def test_waves_wait_for_their_pull_requests_and_drift_moves_as_they_merge(
    service: InProcessService, zones: dict[str, list[dict[str, Any]]]
) -> None:
    views = zones["waves"]
    ids = [v["id"] for v in views]
    assert set(ids) <= behind(service)

    started = start(service, "waves", wave_size=2, wave_timeout_hours=24)
    assert (started["status"], started["class"], started["to_version"]) == (
        "running", "java", "1.1.0",
    )  # fmt: skip

    first = until(
        service, started["id"], lambda v: wave_states(v) == [["open", "open"], ["waiting"] * 2],
        "the first wave's pull requests",
    )  # fmt: skip
    assert [m["landing_zone_id"] for w in first["waves"] for m in w["members"]] == ids
    assert all(m["pull_request_url"] for m in first["waves"][0]["members"])
    assert [len(pull_requests(service, v).listed()) for v in views] == [1, 1, 0, 0]

    for view in views[:2]:
        assert pull_requests(service, view).merge_open() == 1
    assert behind(service).isdisjoint(ids[:2])  # read back from Bitbucket when asked
    assert set(ids[2:]) <= behind(service)
    for view in views[:2]:
        now = call(service, "GET", f"/v1/landing-zones/{view['id']}").json()
        assert now["template_version"] == "1.1.0"

    second = until(
        service, started["id"], lambda v: wave_states(v)[1] == ["open", "open"],
        "the second wave's pull requests",
    )  # fmt: skip
    assert wave_states(second)[0] == ["merged", "merged"]
    assert pull_requests(service, views[2]).merge_open() == 1
    assert pull_requests(service, views[3]).decline_open() == 1

    done = until(service, started["id"], lambda v: v["status"] == "completed", "the end")
    assert done["states"] == {"merged": 3, "declined": 1}
    assert [w["failure_rate"] for w in done["waves"]] == [0.0, 0.0]
    closed = changes(service, done)
    assert [(c["type"], c["state"], c["close_code"]) for c in closed] == [
        ("Standard", "Closed", "Successful")
    ] * 2
    assert [c["wave"]["close_code"] for c in closed] == ["successful"] * 2
    assert "2 merged" in closed[0]["close_notes"]
    assert behind(service).isdisjoint(ids[:3]) and ids[3] in behind(service)
    listed = call(service, "GET", "/v1/rollouts").json()["items"]
    assert {"id": started["id"], "status": "completed"}.items() <= next(
        r for r in listed if r["id"] == started["id"]
    ).items()


def test_a_wave_above_the_failure_rate_halts_the_rollout(
    service: InProcessService, zones: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    views = zones["halts"]
    environment = service.environment
    credentials = (environment["LZ_BITBUCKET_USERNAME"], environment["LZ_BITBUCKET_PASSWORD"])
    team = Repo(views[0], service.url("bitbucket"), credentials, tmp_path / "team")
    readme = (team.work / "README.md").read_text(encoding="utf-8")
    team.team_commits({"README.md": readme.replace("## Develop\n", "## Hacking\n")})

    started = start(service, "halts", wave_size=1, max_failure_rate=0.0, wave_timeout_hours=0.0005)
    halted = until(service, started["id"], lambda v: v["status"] == "halted", "the halt")

    assert wave_states(halted) == [["conflicted"], ["skipped"]]
    assert halted["waves"][0]["failure_rate"] == 1.0
    assert "wave 1" in halted["reason"] and "above the 0% allowed" in halted["reason"]
    assert [len(pull_requests(service, v).listed()) for v in views] == [1, 0]
    (change,) = halted["waves"][0]["changes"]
    assert change["close_code"] == "unsuccessful"  # the waves not reached opened none
    assert [w["changes"] for w in halted["waves"][1:]] == [[]]


def test_a_paused_rollout_starts_nothing_until_resumed_and_a_cancel_keeps_open_pull_requests(
    service: InProcessService, zones: dict[str, list[dict[str, Any]]]
) -> None:
    views = zones["steer"]
    started = start(service, "steer", wave_size=1, wave_timeout_hours=24)
    rollout_id = started["id"]
    paused = call(service, "POST", f"/v1/rollouts/{rollout_id}/pause")
    assert (paused.status_code, paused.json()["status"]) == (200, "paused"), paused.text
    again = call(service, "POST", f"/v1/rollouts/{rollout_id}/pause")  # a retried request
    assert (again.status_code, again.json()["status"]) == (200, "paused")

    # Whatever the first wave started before the pause settles; the second never starts.
    opened = [v for v in views if pull_requests(service, v).listed("OPEN")]
    for view in opened:
        pull_requests(service, view).merge_open()
    if opened:  # the rollout has seen its first wave through and would start the next
        until(service, rollout_id, lambda v: wave_states(v)[0] == ["merged"], "the first wave")
    held = rollout(service, rollout_id)
    assert held["status"] == "paused"
    assert all(s == "waiting" for wave in wave_states(held)[1:] for s in wave)
    assert [len(pull_requests(service, v).listed()) for v in views[1:]] == [0, 0]

    resumed = call(service, "POST", f"/v1/rollouts/{rollout_id}/resume")
    assert (resumed.status_code, resumed.json()["status"]) == (200, "running")
    if not opened:  # paused before its first update: the first wave opens now
        until(service, rollout_id, lambda v: wave_states(v)[0] == ["open"], "the first wave")
        pull_requests(service, views[0]).merge_open()
    until(service, rollout_id, lambda v: wave_states(v)[1] == ["open"], "the second wave")

    cancelled = call(service, "POST", f"/v1/rollouts/{rollout_id}/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    ended = until(
        service,
        rollout_id,
        lambda v: wave_states(v)[2:] == [["skipped"]] and v["waves"][1]["changes"][0]["close_code"],
        "the waves not reached to be skipped and the wave's change closed",
    )
    assert ended["status"] == "cancelled"
    assert wave_states(ended)[:2] == [["merged"], ["open"]]
    assert len(pull_requests(service, views[1]).listed("OPEN")) == 1  # left open, on purpose
    codes = [[c["close_code"] for c in wave["changes"]] for wave in ended["waves"]]
    assert codes == [["successful"], ["successful_issues"], []]
    assert [len(pull_requests(service, v).listed()) for v in views[2:]] == [0]
    refused = call(service, "POST", f"/v1/rollouts/{rollout_id}/resume")
    assert refused.status_code == 409
    assert refused.json()["detail"][0]["msg"] == "cannot resume a rollout that is cancelled"


def test_bad_rollout_requests_name_the_field(service: InProcessService) -> None:
    cases = [
        ("/v1/classes/java/rollouts", {"wave_size": 0}, ["body", "wave_size"]),
        ("/v1/classes/java/rollouts", {"max_failure_rate": 2}, ["body", "max_failure_rate"]),
        ("/v1/classes/java/rollouts", {"version": "9.9.9"}, ["body", "version"]),
        (
            "/v1/classes/java/rollouts",
            {"selection": {"tenants": ["../etc"]}},
            ["body", "selection", "tenants", "0"],
        ),
        ("/v1/classes/cobol/rollouts", {}, ["path", "class"]),
    ]
    for path, body, where in cases:
        answer = call(service, "POST", path, json=body)
        assert answer.status_code in (404, 422), answer.text
        assert answer.json()["detail"][0]["loc"] == where, answer.text
    assert call(service, "GET", "/v1/rollouts/rol_nope").status_code == 404
    assert call(service, "POST", "/v1/rollouts/rol_nope/pause").status_code == 404
    assert call(service, "POST", "/v1/rollouts/rol_nope/restart").status_code == 422
    assert call(service, "GET", "/v1/drift", params={"tenant": "Bad!"}).status_code == 422
