"""BitbucketRepositoryHost's template updates against the Bitbucket Server simulator: the
three-way merge onto the default branch, pushing the update branch, and its pull request,
each safe to repeat; only pull requests with the landing zone's marker are ever ours."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from atlassian import Bitbucket

from landingzone.integrations.base import FileChange, ForeignResource, InitialCommit, Repository
from landingzone.integrations.bitbucket import BitbucketRepositoryHost
from landingzone.integrations.pull_requests import PullRequestDraft, TemplateChange
from tests.integrations.test_bitbucket_commit_file import host_for
from tests.support.bitbucket_simulator import PASSWORD, PROJECT, USER, simulator_settings, unique
from tests.support.simulators import BackgroundServer, free_port, serving
from tests.support.simulators import bitbucket_app as create_app

OWNER = "lz_0001payments"
GIT_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@x",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@x"}  # fmt: skip
OLD = {"README.md": "# app\n\nintro\n\n## Develop\n\nrun it\n", "Dockerfile": "FROM jre\n",
       "app.py": "x = 1\n"}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    port = free_port()
    app = create_app(simulator_settings(tmp_path_factory.mktemp("bb-updates"), port))
    with serving(app, port=port) as running:
        yield running


@pytest.fixture
def host(server: BackgroundServer) -> BitbucketRepositoryHost:
    return host_for(server.url)


def tree(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


@pytest.fixture
def repository(host: BitbucketRepositoryHost, tmp_path: Path) -> Repository:
    created = host.ensure_repository(PROJECT, unique("Updated"), "", OWNER)
    commit = InitialCommit(tree(tmp_path / "initial", OLD), "main", "Initial", "LZ", "lz@x", 1)
    host.push_initial_commit(created, commit)
    return created


def team_edit(host: BitbucketRepositoryHost, repository: Repository, path: str, text: str) -> str:
    return host.commit_file(repository, FileChange("main", path, text, "team", "Dev", "dev@x"))


def change(tmp_path: Path, new: dict[str, str]) -> TemplateChange:
    return TemplateChange(
        old_tree=tree(tmp_path / "old", OLD),
        new_tree=tree(tmp_path / "new", {**OLD, **new}),
        base_branch="main",
        branch="landingzone/update-1.1.0",
        message="Update the template",
        author_name="Landing Zone",
        author_email="lz@example.internal",
        timestamp=1_700_000_000,
        owner=OWNER,
    )


def test_a_replayed_change_makes_the_same_commit_and_reopens_nothing(
    host: BitbucketRepositoryHost, repository: Repository, tmp_path: Path
) -> None:
    update = change(tmp_path, {"Dockerfile": "FROM jre-noble\n"})
    first = host.push_template_change(repository, update)
    again = host.push_template_change(repository, update)
    assert first.commit == again.commit and first.files == ("M Dockerfile",)

    draft = PullRequestDraft("landingzone/update-1.1.0", "main", "Update", "Why", OWNER)
    opened = host.open_pull_request(repository, draft)
    reopened = host.open_pull_request(repository, draft)  # Bitbucket answers 409: it is ours

    assert reopened.id == opened.id and opened.owner == OWNER
    assert opened.commit == first.commit
    assert [p.id for p in host.open_pull_requests(repository, OWNER)] == [opened.id]


def test_a_file_the_team_deleted_stays_deleted(
    host: BitbucketRepositoryHost, repository: Repository, tmp_path: Path
) -> None:
    workdir = tmp_path / "clone"
    git = host._git  # the adapter's own git, credentials and all
    git.clone_branch(repository.clone_url, "main", workdir)
    git.run_local(["rm", "--quiet", "Dockerfile"], "git rm", workdir)
    git.run_local(["-c", "user.name=Dev", "-c", "user.email=dev@x", "commit", "--quiet", "-m",
                   "no Docker here"], "git commit", workdir)  # fmt: skip
    git.push(workdir, repository.clone_url, "main")

    pushed = host.push_template_change(
        repository, change(tmp_path, {"Dockerfile": "FROM jre-noble\n", "app.py": "x = 2\n"})
    )

    assert pushed.kept_deleted == ("Dockerfile",)
    assert pushed.conflicts == ()
    assert pushed.files == ("M app.py",)
    assert host.read_file(repository, "Dockerfile", "landingzone/update-1.1.0") is None


def test_a_change_the_team_made_already_pushes_nothing(
    server: BackgroundServer, host: BitbucketRepositoryHost, repository: Repository, tmp_path: Path
) -> None:
    team_edit(host, repository, "Dockerfile", "FROM jre-noble\n")
    pushed = host.push_template_change(
        repository, change(tmp_path, {"Dockerfile": "FROM jre-noble\n"})
    )
    assert pushed.empty and pushed.commit == ""
    api = Bitbucket(server.url, username=USER, password=PASSWORD)
    branches = [b["displayId"] for b in api.get_branches(PROJECT, repository.slug)]
    assert branches == ["main"]


def test_a_pull_request_without_our_marker_is_never_adopted_or_declined(
    server: BackgroundServer, host: BitbucketRepositoryHost, repository: Repository, tmp_path: Path
) -> None:
    host.push_template_change(repository, change(tmp_path, {"Dockerfile": "FROM jre-noble\n"}))
    api = Bitbucket(server.url, username=USER, password=PASSWORD)
    slug = repository.slug
    branch = "landingzone/update-1.1.0"
    theirs = api.open_pull_request(PROJECT, slug, PROJECT, slug, branch, "main", "Mine", "by hand")
    draft = PullRequestDraft("landingzone/update-1.1.0", "main", "Update", "Why", OWNER)

    with pytest.raises(ForeignResource):
        host.open_pull_request(repository, draft)
    with pytest.raises(ForeignResource):
        host.decline_pull_request(repository, theirs["id"], OWNER)
    assert host.open_pull_requests(repository, OWNER) == []
    assert api.get_pull_request(PROJECT, repository.slug, theirs["id"])["state"] == "OPEN"


def git(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, check=True, timeout=60
    )


def test_an_update_branch_someone_else_pushed_is_never_moved(
    host: BitbucketRepositoryHost, repository: Repository, tmp_path: Path
) -> None:
    theirs = host.commit_file(
        repository, FileChange("main", "NOTES.md", "mine\n", "team work", "Dev", "dev@x")
    )
    work = tmp_path / "team"
    host._git.clone_branch(repository.clone_url, "main", work)
    host._git.push(work, repository.clone_url, "landingzone/update-1.1.0", source=theirs)

    with pytest.raises(ForeignResource):
        host.push_template_change(repository, change(tmp_path, {"Dockerfile": "FROM jre-noble\n"}))
    assert host._git.remote_head(repository.clone_url, "landingzone/update-1.1.0") == theirs
