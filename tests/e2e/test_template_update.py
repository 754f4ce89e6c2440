"""A template update end to end on the sandbox (processes, real git over HTTP): a team's
conflicting edit gets a pull request with conflict markers, the conflict listed and a failed
build status, and nothing reaches the default branch."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from landingzone.rendering import DEFAULT_TEMPLATES_ROOT
from tests.support.sandbox import Sandbox, request_body, running_sandbox, wait_for
from tests.support.template_updates import Repo, release

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e-templates") / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_ROOT, root)
    return root


@pytest.fixture(scope="module")
def updating_sandbox(
    tmp_path_factory: pytest.TempPathFactory, templates: Path
) -> Iterator[Sandbox]:
    data_dir = tmp_path_factory.mktemp("sandbox-updates")
    with running_sandbox(data_dir, settings={"LZ_TEMPLATES_DIR": str(templates)}) as running:
        yield running


def test_a_conflicting_edit_gets_a_failed_pull_request_and_main_is_untouched(
    updating_sandbox: Sandbox, templates: Path, tmp_path: Path
) -> None:
    sandbox = updating_sandbox
    created = sandbox.create(request_body("e2e-update"))
    view = sandbox.wait_status(created["id"], {"completed", "failed"})
    assert view["status"] == "completed", view["error"]
    assert view["template_version"] == "1.0.1"
    release(templates, "1.1.0", "Develop section renamed.", {
        "README.md": ("## Develop\n", "## Develop locally\n"),
    })  # fmt: skip
    bitbucket = sandbox.description["bitbucket"]
    repo = Repo(
        view, bitbucket["url"], (bitbucket["username"], bitbucket["password"]), tmp_path / "w"
    )
    readme = (repo.work / "README.md").read_text(encoding="utf-8")
    team_head = repo.team_commits({"README.md": readme.replace("## Develop\n", "## Hacking\n")})

    with sandbox.api() as client:
        asked = client.post(f"/v1/landing-zones/{view['id']}/updates", json={"version": "1.1.0"})
        assert asked.status_code == 202, asked.text

        def opened() -> dict[str, Any] | None:
            items = client.get(f"/v1/landing-zones/{view['id']}/updates").json()["items"]
            return items[0] if items and items[0]["status"] != "pending" else None

        update = wait_for(opened, "the update pull request", timeout=120)

    assert (update["to_version"], update["status"]) == ("1.1.0", "opened"), update["error"]
    assert update["conflicts"] == ["README.md"]
    (pull_request,) = repo.pull_requests("OPEN")
    assert "- `README.md`" in pull_request["description"].split("## Conflicts")[1]
    assert "<<<<<<<" in repo.read("README.md", "refs/heads/landingzone/update-1.1.0")
    statuses = repo.api.get_associated_build_statuses(pull_request["fromRef"]["latestCommit"])
    assert [s["state"] for s in statuses["values"]] == ["FAILED"]
    assert repo.head("main") == team_head
