"""A landing zone made before the templates named it (1.0.0) gets the `landingzone.io/id`
annotation, which the Backstage card looks it up by, through its update pull request to 1.0.1.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from landingzone.rendering import DEFAULT_TEMPLATES_ROOT
from landingzone.rendering.answers import ANSWERS_FILE
from landingzone.rendering.versions import STORE_DIR
from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import TERMINAL, request_body, wait_for
from tests.support.template_updates import Repo
from tests.updates.test_updates_in_process import call, settled_update, team_repo, update

CARD_ANNOTATION = "landingzone.io/id"


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The certified templates as they were when java was at 1.0.0."""
    root = tmp_path_factory.mktemp("templates") / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_ROOT, root)
    shutil.rmtree(root / "java")
    shutil.copytree(root / STORE_DIR / "java" / "1.0.0", root / "java")
    return root


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, templates: Path
) -> Iterator[InProcessService]:
    with in_process_service(
        tmp_path_factory.mktemp("card-update"), LZ_TEMPLATES_DIR=str(templates)
    ) as running:
        yield running


def card_annotations(repo: Repo, ref: str) -> dict[str, str]:
    entity = yaml.safe_load(repo.read("catalog-info.yaml", ref))
    return dict(entity["metadata"]["annotations"])


def test_an_update_from_1_0_0_gives_the_component_the_card_annotation(
    service: InProcessService, templates: Path, tmp_path: Path
) -> None:
    accepted = call(service, "POST", "/v1/landing-zones", json=request_body("card-later"))
    assert accepted.status_code == 202, accepted.text
    path = f"/v1/landing-zones/{accepted.json()['id']}"
    view = wait_for(
        lambda: (v := call(service, "GET", path).json())["status"] in TERMINAL and v,
        "the landing zone",
        timeout=90,
    )
    assert view["status"] == "completed", view["error"]
    assert view["template_version"] == "1.0.0"
    repo = team_repo(service, view, tmp_path / "card-later")
    assert CARD_ANNOTATION not in card_annotations(repo, "main")

    # The platform team releases 1.0.1, the version that writes the annotation.
    shutil.rmtree(templates / "java")
    shutil.copytree(DEFAULT_TEMPLATES_ROOT / "java", templates / "java")
    answer = update(service, view, "1.0.1")
    assert answer.status_code == 202, answer.text
    opened = settled_update(service, view, answer.json()["id"])
    assert opened["status"] == "opened", opened["error"]
    assert sorted(opened["files"]) == [f"M {ANSWERS_FILE}", "M catalog-info.yaml"]

    (pull_request,) = repo.pull_requests("OPEN")
    repo.api.merge_pull_request(
        repo.project, repo.slug, pull_request["id"], "merge", pr_version=pull_request["version"]
    )
    assert card_annotations(repo, "main")[CARD_ANNOTATION] == view["id"]
    assert yaml.safe_load(repo.read(ANSWERS_FILE, "main"))["_version"] == "1.0.1"
