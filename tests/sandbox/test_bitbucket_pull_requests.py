"""Pull requests and build statuses of the Bitbucket simulator, as Bitbucket Server has them.

Driven with atlassian-python-api and the `git` CLI only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from atlassian import Bitbucket
from requests import HTTPError

from landingzone_sandbox.serving import BackgroundServer
from tests.sandbox.test_bitbucket_git import git, head, make_work_tree, with_credentials
from tests.sandbox.test_bitbucket_rest import client, running_simulator
from tests.support.bitbucket_simulator import PROJECT, unique
from tests.support.sandbox import wait_for


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    with running_simulator(tmp_path_factory.mktemp("bitbucket-pulls")) as running:
        yield running


@pytest.fixture
def bb(server: BackgroundServer) -> Bitbucket:
    return client(server.url)


class Repo:
    """A repository with `main` and a work tree to push branches from."""

    def __init__(self, bb: Bitbucket, root: Path) -> None:
        data = bb.create_repo(PROJECT, unique("Pulls"))
        self.slug = data["slug"]
        self.remote = with_credentials(data["links"]["clone"][0]["href"])
        self.work = make_work_tree(root, {"README.md": "one\ntwo\nthree\n", "app.py": "x = 1\n"})
        git("push", "--quiet", self.remote, "main", cwd=self.work)

    def branch(self, name: str, files: dict[str, str], start: str = "main") -> str:
        git("checkout", "--quiet", "-B", name, start, cwd=self.work)
        for path, text in files.items():
            (self.work / path).write_text(text)
        git("commit", "--quiet", "--all", "--message", f"change on {name}", cwd=self.work)
        git("push", "--quiet", "--force", self.remote, name, cwd=self.work)
        commit = head(self.work)
        git("checkout", "--quiet", "main", cwd=self.work)
        return commit

    def open(self, bb: Bitbucket, source: str, title: str = "Update") -> dict[str, Any]:
        return dict(
            bb.open_pull_request(
                PROJECT, self.slug, PROJECT, self.slug, source, "main", title, "What it does"
            )
        )


def refusal(error: pytest.ExceptionInfo[HTTPError]) -> tuple[int, dict[str, Any]]:
    response = error.value.response
    assert response is not None
    return int(response.status_code), response.json()["errors"][0]


@pytest.fixture
def repo(bb: Bitbucket, tmp_path: Path) -> Repo:
    return Repo(bb, tmp_path / "work")


def test_a_pull_request_opens_reads_back_and_a_second_one_for_the_same_branches_is_refused(
    bb: Bitbucket, repo: Repo
) -> None:
    commit = repo.branch("feature", {"app.py": "x = 2\n"})
    opened = repo.open(bb, "feature")

    assert (opened["id"], opened["version"], opened["state"]) == (1, 0, "OPEN")
    assert opened["fromRef"]["id"] == "refs/heads/feature"
    assert opened["fromRef"]["latestCommit"] == commit
    assert opened["toRef"]["displayId"] == "main"
    assert opened["description"] == "What it does"
    assert bb.get_pull_request(PROJECT, repo.slug, 1)["title"] == "Update"
    with pytest.raises(HTTPError) as duplicate:
        repo.open(bb, "feature", title="Again")
    code, error = refusal(duplicate)
    assert code == 409
    assert error["exceptionName"].endswith("DuplicatePullRequestException")
    assert error["existingPullRequest"]["id"] == 1


def test_lists_filter_by_state_and_branch(bb: Bitbucket, repo: Repo) -> None:
    repo.branch("one", {"app.py": "x = 2\n"})
    repo.branch("two", {"README.md": "changed\n"})
    first, second = repo.open(bb, "one"), repo.open(bb, "two")
    bb.decline_pull_request(PROJECT, repo.slug, first["id"], first["version"])

    def ids(**filters: Any) -> list[int]:
        return [p["id"] for p in bb.get_pull_requests(PROJECT, repo.slug, **filters)]

    assert ids() == [second["id"]]
    assert ids(state="DECLINED") == [first["id"]]
    assert sorted(ids(state="ALL")) == [first["id"], second["id"]]
    assert sorted(ids(state="ALL", at="refs/heads/main")) == [first["id"], second["id"]]
    assert ids(state="ALL", at="refs/heads/elsewhere") == []
    outgoing = bb._get_paged(  # the library has no argument for `direction`
        f"rest/api/1.0/projects/{PROJECT}/repos/{repo.slug}/pull-requests",
        params={"state": "ALL", "at": "refs/heads/two", "direction": "OUTGOING"},
    )
    assert [p["id"] for p in outgoing] == [second["id"]]


def test_decline_and_merge_need_the_current_version(bb: Bitbucket, repo: Repo) -> None:
    repo.branch("feature", {"app.py": "x = 2\n"})
    opened = repo.open(bb, "feature")
    with pytest.raises(HTTPError) as stale:
        bb.decline_pull_request(PROJECT, repo.slug, opened["id"], opened["version"] + 1)
    code, error = refusal(stale)
    assert code == 409 and error["exceptionName"].endswith("PullRequestOutOfDateException")
    assert error["currentVersion"] == 0

    repo.branch("feature", {"app.py": "x = 3\n"}, start="feature")

    # The push rescopes it once the server has processed the push, as Bitbucket does: after the
    # push has been answered.
    def rescoped_once() -> dict[str, Any] | None:
        found: dict[str, Any] = bb.get_pull_request(PROJECT, repo.slug, opened["id"])
        return found if found["version"] == 1 else None

    rescoped = wait_for(rescoped_once, "the pull request to be rescoped")
    with pytest.raises(HTTPError) as old:
        bb.merge_pull_request(PROJECT, repo.slug, opened["id"], "merge", pr_version=0)
    assert refusal(old)[0] == 409

    declined = bb.decline_pull_request(PROJECT, repo.slug, opened["id"], rescoped["version"])
    assert (declined["state"], declined["version"]) == ("DECLINED", 2)
    actions = [a["action"] for a in bb.get_pull_requests_activities(PROJECT, repo.slug, 1)]
    assert actions == ["DECLINED", "RESCOPED", "OPENED"]


def test_a_clean_pull_request_merges_with_a_merge_commit_on_the_target(
    bb: Bitbucket, repo: Repo, tmp_path: Path
) -> None:
    repo.branch("team", {"README.md": "one\ntwo\nthree\nfour\n"})
    git("push", "--quiet", repo.remote, "team:main", cwd=repo.work)  # main moved on
    feature = repo.branch("feature", {"app.py": "x = 2\n"}, start="main~0")
    opened = repo.open(bb, "feature")

    assert bb.is_pull_request_can_be_merged(PROJECT, repo.slug, opened["id"]) == {
        "canMerge": True,
        "conflicted": False,
        "outcome": "CLEAN",
        "vetoes": [],
    }
    merged = bb.merge_pull_request(PROJECT, repo.slug, opened["id"], "m", pr_version=0)
    assert merged["state"] == "MERGED"

    clone = tmp_path / "clone"
    git("clone", "--quiet", repo.remote, str(clone))
    assert git("rev-parse", "HEAD^2", cwd=clone).stdout.strip() == feature
    assert (clone / "app.py").read_text() == "x = 2\n"
    with pytest.raises(HTTPError) as again:
        bb.merge_pull_request(PROJECT, repo.slug, opened["id"], "m", pr_version=1)
    assert refusal(again)[0] == 409


def test_a_conflicting_pull_request_is_vetoed_and_the_target_is_left_alone(
    bb: Bitbucket, repo: Repo
) -> None:
    repo.branch("feature", {"README.md": "one\nTWO\nthree\n"})
    repo.branch("team", {"README.md": "one\nzwei\nthree\n"})
    git("push", "--quiet", repo.remote, "team:main", cwd=repo.work)
    main_before = git("ls-remote", repo.remote, "refs/heads/main", cwd=repo.work).stdout
    opened = repo.open(bb, "feature")

    check = bb.is_pull_request_can_be_merged(PROJECT, repo.slug, opened["id"])
    assert (check["canMerge"], check["conflicted"], check["outcome"]) == (
        False,
        True,
        "CONFLICTED",
    )
    assert "README.md" in check["vetoes"][0]["detailedMessage"]
    with pytest.raises(HTTPError) as vetoed:
        bb.merge_pull_request(PROJECT, repo.slug, opened["id"], "m", pr_version=0)
    code, error = refusal(vetoed)
    assert code == 409 and error["conflicted"] is True
    assert error["exceptionName"].endswith("PullRequestMergeVetoedException")
    assert git("ls-remote", repo.remote, "refs/heads/main", cwd=repo.work).stdout == main_before
    assert bb.get_pull_request(PROJECT, repo.slug, opened["id"])["state"] == "OPEN"


def test_an_empty_or_untitled_pull_request_is_refused(bb: Bitbucket, repo: Repo) -> None:
    git("push", "--quiet", repo.remote, "main:same", cwd=repo.work)
    with pytest.raises(HTTPError) as empty:
        repo.open(bb, "same")
    assert refusal(empty)[1]["exceptionName"].endswith("EmptyPullRequestException")
    repo.branch("feature", {"app.py": "x = 2\n"})
    with pytest.raises(HTTPError) as untitled:
        repo.open(bb, "feature", title=" ")
    assert refusal(untitled)[0] == 400
    with pytest.raises(HTTPError) as missing:
        repo.open(bb, "nowhere")
    assert refusal(missing)[0] == 404


def test_build_statuses_are_kept_per_commit_and_key(bb: Bitbucket, repo: Repo) -> None:
    commit = repo.branch("feature", {"app.py": "x = 2\n"})
    url = f"rest/build-status/1.0/commits/{commit}"
    status = {"key": "landingzone-update", "url": "http://jenkins/job/1", "name": "Update"}
    bb.post(url, data={**status, "state": "INPROGRESS"})
    bb.post(url, data={**status, "state": "FAILED", "description": "2 files conflict"})

    statuses = bb.get_associated_build_statuses(commit)["values"]
    assert [(s["key"], s["state"], s["description"]) for s in statuses] == [
        ("landingzone-update", "FAILED", "2 files conflict")
    ]
    with pytest.raises(HTTPError) as invalid:
        bb.post(url, data={"key": "k", "url": "http://x", "state": "BROKEN"})
    assert refusal(invalid)[0] == 400
