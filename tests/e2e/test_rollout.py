"""A rollout over a fleet on the sandbox (processes, real git over HTTP), in waves: every
landing zone gets exactly one pull request although the service is SIGKILLed in the middle of a
wave while Bitbucket is creating one, the rollout reports each landing zone's state (open,
conflicted, failed, merged, declined), and the drift report moves as pull requests are merged.

The fleet is 30 landing zones in waves of 10 (LZ_E2E_ROLLOUT_ZONES, a multiple of 10 from 20 up,
sets another size); `bench/rollout.py` runs the same rollout and says where the time goes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from landingzone.rendering import DEFAULT_TEMPLATES_ROOT
from tests.support.rollouts import Fleet, behind, opened_all, provision, rollout
from tests.support.sandbox import Sandbox, running_sandbox, wait_for
from tests.support.template_updates import Repo, release

pytestmark = pytest.mark.e2e

ZONES = int(os.environ.get("LZ_E2E_ROLLOUT_ZONES", "30"))
WAVE = 10
PULL_REQUEST_CREATE = {
    "method": "POST",
    "path": r"/rest/api/1\.0/projects/LABS/repos/[^/]+/pull-requests$",
}


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e-rollout-templates") / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_ROOT, root)
    return root


@pytest.fixture(scope="module")
def fleet_sandbox(tmp_path_factory: pytest.TempPathFactory, templates: Path) -> Iterator[Sandbox]:
    data_dir = tmp_path_factory.mktemp("sandbox-rollout")
    settings = {"LZ_TEMPLATES_DIR": str(templates), "LZ_ROLLOUT_POLL_SECONDS": "0.5"}
    with running_sandbox(data_dir, settings=settings) as running:
        yield running


def _kill_while_a_pull_request_is_being_created(sandbox: Sandbox, rollout_id: str) -> None:
    """Once the second wave has opened some pull requests, hold Bitbucket's next pull-request
    create, SIGKILL the service, then let the held request land, unseen by the dead service."""

    def second_wave_under_way() -> bool:
        view = rollout(sandbox, rollout_id)
        if view is None or view["current_wave"] != 2:
            return False
        return sum(1 for m in view["waves"][1]["members"] if m["state"] == "open") >= 2

    wait_for(second_wave_under_way, "the second wave's first pull requests", timeout=120)
    sandbox.fault("bitbucket", times=1, hold=True, **PULL_REQUEST_CREATE)
    wait_for(
        lambda: any(r.get("hits", 0) >= 1 for r in sandbox.faults("bitbucket")),
        "a pull request being created",
    )
    killed = sandbox.kill_service()
    sandbox.clear_faults("bitbucket")
    wait_for(
        lambda: sandbox.description["processes"]["service"] != killed and sandbox.service_healthy(),
        "the service to be restarted",
    )


def _states(view: dict[str, Any]) -> dict[str, str]:
    return {m["landing_zone_id"]: m["state"] for w in view["waves"] for m in w["members"]}


# Provisioning the fleet shares two cores with the other end-to-end suites in CI.
@pytest.mark.timeout(900)
def test_a_rollout_in_waves_survives_a_kill_without_a_duplicate_and_drift_follows_merges(
    fleet_sandbox: Sandbox, templates: Path, tmp_path: Path
) -> None:
    sandbox = fleet_sandbox
    fleet: Fleet = provision(sandbox, "fleet", ZONES)
    release(templates, "1.1.0", "Develop section renamed.", {
        "README.md": ("## Develop\n", "## Develop locally\n"),
    })  # fmt: skip
    conflicted, failed = fleet.views[1], fleet.views[WAVE + 1]
    bitbucket = sandbox.description["bitbucket"]
    credentials = (bitbucket["username"], bitbucket["password"])
    team = Repo(conflicted, bitbucket["url"], credentials, tmp_path / "team")
    readme = (team.work / "README.md").read_text(encoding="utf-8")
    team.team_commits({"README.md": readme.replace("## Develop\n", "## Hacking\n")})
    gone = fleet.pull_requests(failed)
    gone.api.delete_repo(gone.project, gone.slug)  # its update fails: the repository is gone
    assert behind(sandbox) == set(fleet.ids)

    with sandbox.api() as client:
        answer = client.post(
            "/v1/classes/java/rollouts",
            json={"selection": {"tenants": ["labs"]}, "wave_size": WAVE,
                  "max_failure_rate": 0.2, "wave_timeout_hours": 1 / 3600},
        )  # fmt: skip
    assert answer.status_code == 202, answer.text
    rollout_id = answer.json()["id"]
    assert answer.json()["to_version"] == "1.1.0"

    _kill_while_a_pull_request_is_being_created(sandbox, rollout_id)
    opened_all(sandbox, rollout_id, timeout=300)
    done = wait_for(
        lambda: (v := rollout(sandbox, rollout_id)) and v["status"] != "running" and v,
        "the rollout to end",
    )

    assert done["status"] == "completed", done["reason"]
    assert [len(w["members"]) for w in done["waves"]] == [WAVE] * (ZONES // WAVE)
    states = _states(done)
    assert states.pop(conflicted["id"]) == "conflicted"
    assert states.pop(failed["id"]) == "failed"
    assert set(states.values()) == {"open"}
    counts = [n for v, n in zip(fleet.views, _counts(fleet, failed), strict=True) if v != failed]
    assert counts == [1] * (ZONES - 1)  # one pull request each: none opened twice

    merged = [v for v in fleet.views[:6] if v not in (conflicted, failed)]
    for view in merged:
        assert fleet.pull_requests(view).merge_open() == 1
    declined = fleet.views[WAVE]
    assert fleet.pull_requests(declined).decline_open() == 1
    still_behind = behind(sandbox)
    assert still_behind == set(fleet.ids) - {v["id"] for v in merged}

    final = _states(rollout(sandbox, rollout_id) or {"waves": []})
    assert {final[v["id"]] for v in merged} == {"merged"}
    assert final[declined["id"]] == "declined"
    assert (final[conflicted["id"]], final[failed["id"]]) == ("conflicted", "failed")


def _counts(fleet: Fleet, gone: dict[str, Any]) -> list[int]:
    return [0 if v == gone else len(fleet.pull_requests(v).listed()) for v in fleet.views]
