"""BitbucketRepositoryHost.read_file/commit_file against the Bitbucket Server simulator."""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from landingzone.integrations.base import FileChange, InitialCommit, PermanentError, Repository
from landingzone.integrations.bitbucket import BitbucketRepositoryHost, BitbucketSettings
from landingzone.integrations.bitbucket.client import GitCli
from tests.support.bitbucket_simulator import PASSWORD, PROJECT, USER, simulator_settings, unique
from tests.support.simulators import BackgroundServer, free_port, serving
from tests.support.simulators import bitbucket_app as create_app

OWNER = "lz_0001payments"
OVERLAY = "environments/prod/kustomization.yaml"
PINNED = "images:\n  - name: nexus.example.internal:8443/retail/payments-api\n    digest: sha256:"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    port = free_port()
    app = create_app(simulator_settings(tmp_path_factory.mktemp("bb"), port))
    with serving(app, port=port) as running:
        yield running


def host_for(url: str, password: str = PASSWORD) -> BitbucketRepositoryHost:
    settings = BitbucketSettings(
        url=url, username=USER, password=SecretStr(password), webhook_secret=SecretStr("")
    )
    return BitbucketRepositoryHost(settings, timeout_s=10)


@pytest.fixture
def host(server: BackgroundServer) -> BitbucketRepositoryHost:
    return host_for(server.url)


@pytest.fixture
def repository(host: BitbucketRepositoryHost, tmp_path: Path) -> Repository:
    source = tmp_path / "rendered"
    (source / "environments" / "prod").mkdir(parents=True)
    (source / OVERLAY).write_text("# prod\nimages:\n  - name: app\n    newTag: unpromoted\n")
    (source / "README.md").write_text("environments\n")
    created = host.ensure_repository(PROJECT, unique("Payments Env"), "", OWNER)
    host.push_initial_commit(
        created,
        InitialCommit(source, "main", "Initial commit", "Landing Zone", "lz@example.internal", 1),
    )
    return created


def change(
    content: str, message: str = "Promote payments-api 1.4.2 under CHG0030001"
) -> FileChange:
    return FileChange(
        branch="main",
        path=OVERLAY,
        content=content,
        message=message,
        author_name="Landing Zone (CHG0030001)",
        author_email="landing-zone@example.internal",
    )


def history(repository: Repository, into: Path) -> list[str]:
    """`<author>|<email>|<subject>` of every commit of main, newest first, as git sees them."""
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_COUNT": "1",
           "GIT_CONFIG_KEY_0": "http.extraHeader",
           "GIT_CONFIG_VALUE_0": f"Authorization: Basic {token}"}  # fmt: skip
    subprocess.run(
        ["git", "clone", "--quiet", repository.clone_url, str(into)],
        env=env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    log = subprocess.run(
        ["git", "log", "--format=%an|%ae|%s", "main"],
        cwd=into, check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return log.stdout.splitlines()


def test_one_commit_by_the_author_with_the_message_and_a_replay_commits_nothing(
    host: BitbucketRepositoryHost, repository: Repository, tmp_path: Path
) -> None:
    content = PINNED + "a" * 64 + "\n"
    head = host.commit_file(repository, change(content))
    again = host.commit_file(repository, change(content, message="a replay"))

    assert again == head
    assert host.read_file(repository, OVERLAY, "main") == content
    assert history(repository, tmp_path / "clone") == [
        "Landing Zone (CHG0030001)|landing-zone@example.internal|"
        "Promote payments-api 1.4.2 under CHG0030001",
        "Landing Zone|lz@example.internal|Initial commit",
    ]


def test_a_push_overtaken_by_another_is_made_again_on_the_new_head(
    host: BitbucketRepositoryHost,
    repository: Repository,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clone_branch = GitCli.clone_branch
    clones: list[str] = []

    def clone_then_race(self: GitCli, remote_url: str, branch: str, workdir: Path) -> str:
        head = clone_branch(self, remote_url, branch, workdir)
        clones.append(head)
        if len(clones) == 1:  # someone else pushes between our clone and our push
            other = FileChange("main", "README.md", "moved on\n", "Other work", "Ann", "a@x.io")
            host.commit_file(repository, other)
        return head

    monkeypatch.setattr(GitCli, "clone_branch", clone_then_race)
    content = PINNED + "b" * 64 + "\n"
    head = host.commit_file(repository, change(content))

    main_clones = [clones[0], clones[2]]  # clones[1] is the other writer's own
    assert main_clones[0] != main_clones[1]
    assert host.read_file(repository, OVERLAY, "main") == content
    assert host.read_file(repository, "README.md", "main") == "moved on\n"
    assert [line.rsplit("|", 1)[1] for line in history(repository, tmp_path / "clone")] == [
        "Promote payments-api 1.4.2 under CHG0030001",
        "Other work",
        "Initial commit",
    ]
    assert head != main_clones[1]


def test_a_missing_file_reads_as_none_and_a_missing_branch_is_an_error(
    host: BitbucketRepositoryHost, repository: Repository
) -> None:
    assert host.read_file(repository, "environments/qa/kustomization.yaml", "main") is None
    assert host.read_file(repository, "README.md", "main") == "environments\n"
    with pytest.raises(PermanentError):
        host.read_file(repository, "README.md", "no-such-branch")


def test_paths_leaving_the_repository_are_refused(
    host: BitbucketRepositoryHost, repository: Repository
) -> None:
    for path in ("../outside", "/etc/passwd", "a//b", ".git/config", "a/./b"):
        with pytest.raises(PermanentError):
            host.commit_file(repository, FileChange("main", path, "x", "m", "n", "e@x.io"))
        with pytest.raises(PermanentError):
            host.read_file(repository, path, "main")


def test_a_refused_credential_never_appears_in_the_error(
    server: BackgroundServer, repository: Repository
) -> None:
    wrong = "not-the-password-5d1c"
    intruder = host_for(server.url, password=wrong)
    for attempt in (
        lambda: intruder.commit_file(repository, change("x\n")),
        lambda: intruder.read_file(repository, OVERLAY, "main"),
    ):
        with pytest.raises(PermanentError) as caught:
            attempt()
        assert wrong not in str(caught.value)
        assert base64.b64encode(f"{USER}:{wrong}".encode()).decode() not in str(caught.value)
