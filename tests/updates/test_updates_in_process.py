"""Template updates of live landing zones, in one process against the simulated Bitbucket:
a pull request that carries only the template's change, conflicts committed as markers with a
failed build, nothing opened for a current landing zone, and a newer update superseding an
older one. The templates are a copy of the certified ones, released twice after provisioning.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from landingzone.rendering import DEFAULT_TEMPLATES_ROOT
from landingzone.rendering.answers import ANSWERS_FILE
from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import TERMINAL, request_body, wait_for
from tests.support.template_updates import Repo, release

ZONES = ("upd-clean", "upd-conflict", "upd-current", "upd-supersede", "upd-retry")
TEAM_NOTES = "\n## Team notes\n\nOur own notes, kept by every update.\n"


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("templates") / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_ROOT, root)
    return root


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, templates: Path
) -> Iterator[InProcessService]:
    with in_process_service(
        tmp_path_factory.mktemp("updates"), LZ_TEMPLATES_DIR=str(templates)
    ) as running:
        yield running


def call(service: InProcessService, method: str, path: str, **kwargs: Any) -> Any:
    return service.client.request(method, path, headers=service.auth, **kwargs)


@pytest.fixture(scope="module")
def zones(service: InProcessService, templates: Path) -> dict[str, dict[str, Any]]:
    """The four landing zones made at 1.0.1; then the java template is released as 1.1.0 and
    1.2.0."""
    accepted = [call(service, "POST", "/v1/landing-zones", json=request_body(n)) for n in ZONES]
    assert all(a.status_code == 202 for a in accepted), [a.text for a in accepted]

    def finished(landing_zone_id: str) -> Callable[[], dict[str, Any] | None]:
        def check() -> dict[str, Any] | None:
            path = f"/v1/landing-zones/{landing_zone_id}"
            view: dict[str, Any] = call(service, "GET", path).json()
            return view if view["status"] in TERMINAL else None

        return check

    done = {}
    for name, answer in zip(ZONES, accepted, strict=True):
        view = wait_for(finished(answer.json()["id"]), name, timeout=90)
        assert view["status"] == "completed", view["error"]
        assert view["template_version"] == "1.0.1"
        done[name] = view
    release(templates, "1.1.0", "Develop section renamed; JRE image on Ubuntu Noble.", {
        "README.md": ("## Develop\n", "## Develop locally\n"),
        "Dockerfile": ("-jre\n", "-jre-noble\n"),
    })  # fmt: skip
    release(templates, "1.2.0", "Deliver section renamed.", {
        "README.md": ("## Deliver\n", "## Deliver and promote\n"),
    })  # fmt: skip
    return done


def team_repo(service: InProcessService, view: dict[str, Any], work: Path) -> Repo:
    environment = service.environment
    credentials = (environment["LZ_BITBUCKET_USERNAME"], environment["LZ_BITBUCKET_PASSWORD"])
    return Repo(view, service.url("bitbucket"), credentials, work)


def update(service: InProcessService, view: dict[str, Any], version: str) -> Any:
    return call(
        service, "POST", f"/v1/landing-zones/{view['id']}/updates", json={"version": version}
    )


def settled_update(service: InProcessService, view: dict[str, Any], update_id: str) -> Any:
    def done() -> Any:
        items = call(service, "GET", f"/v1/landing-zones/{view['id']}/updates").json()["items"]
        found = next(u for u in items if u["id"] == update_id)
        return found if found["status"] != "pending" else None

    return wait_for(done, f"update {update_id}", timeout=60)


def test_a_team_change_is_kept_and_the_update_merges_cleanly(
    service: InProcessService, zones: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    view = zones["upd-clean"]
    repo = team_repo(service, view, tmp_path / "clean")
    readme = (repo.work / "README.md").read_text(encoding="utf-8") + TEAM_NOTES
    application = next(repo.work.rglob("Application.java"))
    source = application.read_text(encoding="utf-8") + "// The team's own code.\n"
    team_head = repo.team_commits(
        {"README.md": readme, str(application.relative_to(repo.work)): source}
    )

    answer = update(service, view, "1.1.0")
    assert answer.status_code == 202, answer.text
    opened = settled_update(service, view, answer.json()["id"])

    assert opened["status"] == "opened", opened["error"]
    assert opened["conflicts"] == []
    assert sorted(opened["files"]) == [f"M {ANSWERS_FILE}", "M Dockerfile", "M README.md"]
    assert repo.head("main") == team_head  # nothing reached the default branch
    (pull_request,) = repo.pull_requests("OPEN")
    assert pull_request["fromRef"]["displayId"] == "landingzone/update-1.1.0"
    assert "Develop section renamed" in pull_request["description"]
    assert "`Dockerfile`" in pull_request["description"]
    assert repo.api.is_pull_request_can_be_merged(repo.project, repo.slug, pull_request["id"])[
        "canMerge"
    ]

    repo.api.merge_pull_request(
        repo.project, repo.slug, pull_request["id"], "merge", pr_version=pull_request["version"]
    )
    merged_readme = repo.read("README.md", "main")
    assert "## Develop locally" in merged_readme and TEAM_NOTES.strip() in merged_readme
    assert repo.read(str(application.relative_to(repo.work)), "main") == source
    assert "-jre-noble" in repo.read("Dockerfile", "main")
    assert yaml.safe_load(repo.read(ANSWERS_FILE, "main"))["_version"] == "1.1.0"
    # The next update starts from what the default branch's answers file says.
    follow = settled_update(service, view, update(service, view, "1.2.0").json()["id"])
    assert (follow["from_version"], follow["status"]) == ("1.1.0", "opened"), follow["error"]
    assert sorted(follow["files"]) == [f"M {ANSWERS_FILE}", "M README.md"]
    now = call(service, "GET", f"/v1/landing-zones/{view['id']}").json()
    assert now["template_version"] == "1.1.0"
    items = call(service, "GET", f"/v1/landing-zones/{view['id']}/updates").json()["items"]
    assert [u["pull_request"]["state"] for u in items] == ["OPEN", "MERGED"]


def test_a_conflicting_edit_gets_markers_a_listed_conflict_and_a_failed_build(
    service: InProcessService, zones: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    view = zones["upd-conflict"]
    repo = team_repo(service, view, tmp_path / "conflict")
    readme = (repo.work / "README.md").read_text(encoding="utf-8")
    team_head = repo.team_commits({"README.md": readme.replace("## Develop\n", "## Hacking\n")})

    answer = update(service, view, "1.1.0")
    opened = settled_update(service, view, answer.json()["id"])

    assert opened["status"] == "opened", opened["error"]
    assert opened["conflicts"] == ["README.md"]
    (pull_request,) = repo.pull_requests("OPEN")
    assert "## Conflicts" in pull_request["description"]
    assert "- `README.md`" in pull_request["description"]
    on_branch = repo.read("README.md", "refs/heads/landingzone/update-1.1.0")
    assert (
        "<<<<<<<" in on_branch and "## Hacking" in on_branch and "## Develop locally" in on_branch
    )
    assert "-jre-noble" in repo.read("Dockerfile", "refs/heads/landingzone/update-1.1.0")
    statuses = repo.api.get_associated_build_statuses(pull_request["fromRef"]["latestCommit"])
    assert [s["state"] for s in statuses["values"]] == ["FAILED"]
    assert repo.head("main") == team_head


def test_a_current_landing_zone_gets_no_pull_request(
    service: InProcessService, zones: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    view = zones["upd-current"]
    answer = update(service, view, "1.0.1")

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "current"
    assert answer.json()["pull_request"] is None
    assert team_repo(service, view, tmp_path / "current").pull_requests() == []


def test_a_newer_update_supersedes_the_open_one_and_leaves_exactly_one_open(
    service: InProcessService, zones: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    view = zones["upd-supersede"]
    repo = team_repo(service, view, tmp_path / "supersede")
    first = settled_update(service, view, update(service, view, "1.1.0").json()["id"])
    again = update(service, view, "1.1.0")  # asked twice: the same update, no second one
    assert again.status_code == 200 and again.json()["id"] == first["id"]

    asked = update(service, view, "1.2.0")
    repeated = update(service, view, "1.2.0")  # while it is under way: the same update
    assert (asked.status_code, repeated.status_code) == (202, 200)
    assert repeated.json()["id"] == asked.json()["id"]
    second = settled_update(service, view, asked.json()["id"])

    assert second["status"] == "opened", second["error"]
    (still_open,) = repo.pull_requests("OPEN")
    assert still_open["id"] == second["pull_request"]["id"]
    assert still_open["fromRef"]["displayId"] == "landingzone/update-1.2.0"
    declined = repo.pull_requests("DECLINED")
    assert [p["id"] for p in declined] == [first["pull_request"]["id"]]
    items = call(service, "GET", f"/v1/landing-zones/{view['id']}/updates").json()["items"]
    assert [(u["to_version"], u["status"], u["pull_request"]["state"]) for u in items] == [
        ("1.2.0", "opened", "OPEN"),
        ("1.1.0", "superseded", "DECLINED"),
    ]
    assert "Deliver section renamed" in still_open["description"]
    assert "Develop section renamed" in still_open["description"]


def test_a_pull_request_made_although_bitbucket_answered_503_is_found_not_opened_twice(
    service: InProcessService, zones: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    view = zones["upd-retry"]
    repo = team_repo(service, view, tmp_path / "retry")
    rule = {
        "path": f"^/rest/api/1.0/projects/{repo.project}/repos/{repo.slug}/pull-requests$",
        "method": "POST",
        "status": 503,
        "after_effect": True,
        "times": 1,
    }
    faults = f"{service.url('bitbucket')}/_sandbox/faults"
    httpx.post(faults, json=rule, timeout=10).raise_for_status()
    try:
        opened = settled_update(service, view, update(service, view, "1.1.0").json()["id"])
        hits = [r["hits"] for r in httpx.get(faults, timeout=10).json()]
    finally:
        httpx.delete(faults, timeout=10).raise_for_status()

    assert hits == [1]
    assert opened["status"] == "opened", opened["error"]
    (only,) = repo.pull_requests()
    assert only["id"] == opened["pull_request"]["id"]


def test_the_classes_name_the_version_new_landing_zones_get(service: InProcessService) -> None:
    classes = call(service, "GET", "/v1/classes").json()["classes"]
    assert {c["id"]: c["version"] for c in classes}["java"] == "1.0.1"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"version": "9.9.9"}, 422, ["body", "version"]),
        ({"version": "../1.0.0"}, 422, ["body", "version"]),
        ({"version": "1.0.0", "extra": 1}, 422, ["body", "extra"]),
    ],
)
def test_a_bad_update_request_names_the_field(
    service: InProcessService, zones: dict[str, dict[str, Any]], body: Any, status: int,
    field: list[str],
) -> None:  # fmt: skip
    answer = update_raw(service, zones["upd-current"]["id"], body)
    assert answer.status_code == status, answer.text
    assert answer.json()["detail"][0]["loc"] == field


def update_raw(service: InProcessService, landing_zone_id: str, body: Any) -> Any:
    return call(service, "POST", f"/v1/landing-zones/{landing_zone_id}/updates", json=body)


def test_an_unknown_landing_zone_is_404(service: InProcessService) -> None:
    assert update_raw(service, "lz_unknown", {}).status_code == 404
