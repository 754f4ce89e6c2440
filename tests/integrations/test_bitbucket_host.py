"""BitbucketRepositoryHost against the Bitbucket Server simulator: idempotency and errors."""

from __future__ import annotations

import base64
import logging
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from atlassian import Bitbucket
from pydantic import SecretStr

from landingzone.integrations.base import (
    BranchRestriction,
    InitialCommit,
    PermanentError,
    Repository,
    TransientError,
)
from landingzone.integrations.bitbucket import BitbucketRepositoryHost, BitbucketSettings
from landingzone.integrations.bitbucket import plugin as bitbucket_plugin
from tests.support.bitbucket_simulator import PASSWORD, PROJECT, USER, simulator_settings, unique
from tests.support.simulators import BackgroundServer, FaultInjector, FaultRule, free_port, serving
from tests.support.simulators import bitbucket_app as create_app

OWNER = "lz_0001payments"


@pytest.fixture(scope="module")
def faulty_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[BackgroundServer, FaultInjector]]:
    port = free_port()
    faults = FaultInjector(create_app(simulator_settings(tmp_path_factory.mktemp("bb"), port)))
    with serving(faults, port=port) as running:
        yield running, faults


@pytest.fixture(scope="module")
def server(faulty_server: tuple[BackgroundServer, FaultInjector]) -> BackgroundServer:
    return faulty_server[0]


@pytest.fixture(scope="module")
def faults(faulty_server: tuple[BackgroundServer, FaultInjector]) -> FaultInjector:
    return faulty_server[1]


@pytest.fixture(autouse=True)
def no_faults(faults: FaultInjector) -> Iterator[None]:
    yield
    faults.rules.clear()


def host_for(url: str, password: str = PASSWORD, timeout_s: float = 10) -> BitbucketRepositoryHost:
    settings = BitbucketSettings(
        url=url,
        username=USER,
        password=SecretStr(password),
        webhook_secret=SecretStr("hook-secret"),
    )
    return BitbucketRepositoryHost(settings, timeout_s=timeout_s)


@pytest.fixture
def host(server: BackgroundServer) -> BitbucketRepositoryHost:
    return host_for(server.url)


@pytest.fixture
def bb(server: BackgroundServer) -> Bitbucket:
    return Bitbucket(server.url, username=USER, password=PASSWORD)


def initial_commit(tmp_path: Path) -> InitialCommit:
    source = tmp_path / "rendered"
    (source / "src").mkdir(parents=True)
    (source / "catalog-info.yaml").write_text("kind: Component\n")
    (source / "src" / "main.py").write_text("print('ok')\n")
    return InitialCommit(
        source_dir=source,
        branch="main",
        message="Initial commit from Landing Zone",
        author_name="Landing Zone",
        author_email="landing-zone@example.internal",
        timestamp=1_700_000_000,
    )


def test_ensure_repository_twice_creates_one_repository(
    host: BitbucketRepositoryHost, bb: Bitbucket, server: BackgroundServer
) -> None:
    name = unique("Payments Api")
    first = host.ensure_repository(PROJECT, name, "Payments API", OWNER)
    second = host.ensure_repository(PROJECT, name, "Payments API", OWNER)

    assert first == second
    assert first.slug == name.lower().replace(" ", "-")
    assert first.clone_url == f"{server.url}/scm/pay/{first.slug}.git"
    assert first.browse_url == f"{server.url}/projects/{PROJECT}/repos/{first.slug}/browse"
    assert [r["slug"] for r in bb.repo_list(PROJECT)].count(first.slug) == 1
    assert bb.get_repo(PROJECT, first.slug)["description"] == (
        "Payments API [landing-zone lz_0001payments]"
    )
    assert first.owner == OWNER
    assert host.find_repository(PROJECT, first.slug) == first
    assert host.find_repository(PROJECT, "no-such-repo") is None


def test_a_repository_is_located_before_it_exists_where_bitbucket_will_serve_it(
    tmp_path: Path,
) -> None:
    # Behind a proxy: the server's links name its public address, not the one we call.
    port = free_port()
    settings = replace(
        simulator_settings(tmp_path, port), base_url="https://scm.example.test/bitbucket"
    )
    with serving(create_app(settings), port=port) as running:
        host = host_for(running.url)
        slug = unique("located-first").replace(" ", "-")

        located = host.locate_repository(PROJECT, slug)
        both = host.locate_repositories(PROJECT, (slug, f"{slug}-env"))
        made = host.ensure_repository(PROJECT, slug, "", OWNER)
        made_env = host.ensure_repository(PROJECT, f"{slug}-env", "", OWNER)

    assert located == made.address
    assert both == (made.address, made_env.address)
    assert located.browse_url == (
        f"https://scm.example.test/bitbucket/projects/{PROJECT}/repos/{slug}/browse"
    )
    assert located.clone_url == f"https://scm.example.test/bitbucket/scm/pay/{slug}.git"


def test_creation_that_succeeded_behind_an_error_is_found_on_retry(
    host: BitbucketRepositoryHost, faults: FaultInjector
) -> None:
    name = unique("Ghost Write")
    faults.rules.append(FaultRule(path=r"/repos$", method="POST", status=504, after_effect=True))
    with pytest.raises(TransientError):
        host.ensure_repository(PROJECT, name, "", OWNER)

    assert host.ensure_repository(PROJECT, name, "", OWNER).slug == name.lower().replace(" ", "-")


def test_conflict_on_create_returns_the_existing_repository(
    host: BitbucketRepositoryHost, faults: FaultInjector
) -> None:
    existing = host.ensure_repository(PROJECT, unique("Raced"), "", OWNER)
    # The look-up misses (as if another worker created it a moment later), so create gets 409.
    faults.rules.append(FaultRule(path=rf"/repos/{existing.slug}$", method="GET", status=404))

    assert host.ensure_repository(PROJECT, existing.slug, "", OWNER) == existing
    assert faults.rules[0].hits == 1


def test_initial_push_is_reproducible_and_not_repeated(
    host: BitbucketRepositoryHost, bb: Bitbucket, tmp_path: Path
) -> None:
    commit = initial_commit(tmp_path)
    one = host.ensure_repository(PROJECT, unique("Pushed Once"), "", OWNER)
    twin = host.ensure_repository(PROJECT, unique("Pushed Twin"), "", OWNER)

    first = host.push_initial_commit(one, commit)
    again = host.push_initial_commit(one, commit)
    elsewhere = host.push_initial_commit(twin, commit)

    assert first == again == elsewhere
    assert bb.get_default_branch(PROJECT, one.slug)["latestCommit"] == first
    assert bb.get_content_of_file(PROJECT, one.slug, "src/main.py") == b"print('ok')\n"


def test_push_to_an_existing_branch_keeps_the_remote_head(
    host: BitbucketRepositoryHost, tmp_path: Path
) -> None:
    repository = host.ensure_repository(PROJECT, unique("Already Pushed"), "", OWNER)
    original = host.push_initial_commit(repository, initial_commit(tmp_path / "a"))
    changed = initial_commit(tmp_path / "b")
    (changed.source_dir / "extra.txt").write_text("different content\n")

    assert host.push_initial_commit(repository, changed) == original


def test_branch_restrictions_are_created_only_when_missing(
    host: BitbucketRepositoryHost, bb: Bitbucket
) -> None:
    repository = host.ensure_repository(PROJECT, unique("Guarded"), "", OWNER)
    wanted = [
        BranchRestriction("no-deletes"),
        BranchRestriction("fast-forward-only"),
        BranchRestriction("pull-request-only", except_users=(USER,)),
    ]
    host.ensure_branch_restrictions(repository, wanted[:1])
    host.ensure_branch_restrictions(repository, wanted)
    host.ensure_branch_restrictions(repository, wanted)

    listed = bb.get_branches_permissions(PROJECT, None, repository_slug=repository.slug)["values"]
    assert sorted(r["type"] for r in listed) == [
        "fast-forward-only",
        "no-deletes",
        "pull-request-only",
    ]
    assert {r["matcher"]["id"] for r in listed} == {"refs/heads/main"}


def test_default_branch_group_grant_and_webhook_are_idempotent(
    host: BitbucketRepositoryHost, bb: Bitbucket, tmp_path: Path
) -> None:
    repository = host.ensure_repository(PROJECT, unique("Configured"), "", OWNER)
    host.push_initial_commit(repository, initial_commit(tmp_path))
    for _ in range(2):
        host.set_default_branch(repository, "main")
        host.grant_group(repository, "payments-devs", "REPO_WRITE")
        host.ensure_webhook(repository, "jenkins", "http://127.0.0.1:9/a", ["repo:refs_changed"])

    assert bb.get_default_branch(PROJECT, repository.slug)["id"] == "refs/heads/main"
    assert list(bb.repo_groups(PROJECT, repository.slug)) == [
        {"group": {"name": "payments-devs"}, "permission": "REPO_WRITE"}
    ]
    host.ensure_webhook(repository, "jenkins", "http://127.0.0.1:9/b", ["repo:refs_changed"])
    hooks = list(bb.get_webhooks(PROJECT, repository.slug))
    assert [(h["name"], h["url"]) for h in hooks] == [("jenkins", "http://127.0.0.1:9/b")]


def test_webhook_secrets_and_tokens_stay_out_of_a_debug_log(
    host: BitbucketRepositoryHost, caplog: pytest.LogCaptureFixture
) -> None:
    repository = host.ensure_repository(PROJECT, unique("Logged"), "", OWNER)
    token = "notify-token-" + "t" * 20
    with caplog.at_level(logging.DEBUG):
        host.ensure_webhook(
            repository, "jenkins", f"http://127.0.0.1:9/hook?token={token}", ["repo:refs_changed"]
        )
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "hook-secret" not in text and token not in text


def test_file_url_is_a_browse_link_backstage_can_turn_into_raw(
    host: BitbucketRepositoryHost, bb: Bitbucket, tmp_path: Path
) -> None:
    repository = host.ensure_repository(PROJECT, unique("Catalogued"), "", OWNER)
    host.push_initial_commit(repository, initial_commit(tmp_path))

    url = host.file_url(repository, "catalog-info.yaml", "main")
    assert url == f"{repository.browse_url}/catalog-info.yaml?at=refs/heads/main"
    raw = bb.get(url.replace("/browse/", "/raw/"), absolute=True, not_json_response=True)
    assert raw == b"kind: Component\n"


def test_delete_repository_tolerates_what_is_already_gone(
    host: BitbucketRepositoryHost, bb: Bitbucket
) -> None:
    repository = host.ensure_repository(PROJECT, unique("Doomed"), "", OWNER)
    host.delete_repository(PROJECT, repository.slug, OWNER)
    host.delete_repository(PROJECT, repository.slug, OWNER)
    host.delete_repository("NOSUCH", repository.slug, OWNER)

    assert bb.repo_exists(PROJECT, repository.slug) is False


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_and_throttling_are_transient(
    host: BitbucketRepositoryHost, faults: FaultInjector, status: int
) -> None:
    faults.rules.append(FaultRule(path=r"/repos/", status=status))
    with pytest.raises(TransientError) as error:
        host.find_repository(PROJECT, "anything")
    assert error.value.system == "bitbucket" and str(status) in error.value.message


def test_a_group_is_known_by_its_whole_name_in_any_case(host: BitbucketRepositoryHost) -> None:
    assert host.group_exists("platform") is True
    assert host.group_exists("Payments-Devs") is True
    assert host.group_exists("payments") is False  # only a part of a group's name
    assert host.group_exists("ghosts") is False


def test_a_group_one_page_cannot_settle_is_left_undecided(
    host: BitbucketRepositoryHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bitbucket_plugin, "GROUP_PAGE_LIMIT", 1)
    assert host.group_exists("payments-devs") is True  # first of the page
    assert host.group_exists("p") is None  # more names hold "p" than one page of one


def test_a_group_lookup_bitbucket_cannot_answer_is_transient(
    host: BitbucketRepositoryHost, faults: FaultInjector
) -> None:
    faults.rules.append(FaultRule(path=r"/rest/api/1.0/groups", status=503))
    with pytest.raises(TransientError):
        host.group_exists("platform")


def test_refusals_are_permanent(host: BitbucketRepositoryHost) -> None:
    repository = host.ensure_repository(PROJECT, unique("Refusing"), "", OWNER)
    with pytest.raises(PermanentError):
        host.grant_group(repository, "no-such-group", "REPO_WRITE")
    with pytest.raises(PermanentError):
        host.ensure_repository("NOSUCH", "Orphan", "", OWNER)
    for hostile in ("../../admin", "x?permission=REPO_ADMIN", "a/b"):
        with pytest.raises(PermanentError):
            host.ensure_repository(PROJECT, hostile, "", OWNER)


def test_unreachable_or_silent_servers_are_transient(tmp_path: Path) -> None:
    closed = host_for(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TransientError):
        closed.find_repository(PROJECT, "x")

    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        silent = host_for(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout_s=1)
        with pytest.raises(TransientError):
            silent.find_repository(PROJECT, "x")

    nowhere = f"http://127.0.0.1:{free_port()}"
    repository = Repository(PROJECT, "x", f"{nowhere}/browse", f"{nowhere}/scm/pay/x.git")
    with pytest.raises(TransientError):
        closed.push_initial_commit(repository, initial_commit(tmp_path))


def test_credentials_never_appear_in_errors(server: BackgroundServer, tmp_path: Path) -> None:
    wrong = "wrong-pw-5150"
    host = host_for(server.url, password=wrong)
    with pytest.raises(PermanentError) as rest_error:
        host.find_repository(PROJECT, "x")

    good = host_for(server.url).ensure_repository(PROJECT, unique("Locked"), "", OWNER)
    with pytest.raises(PermanentError) as git_error:
        host.push_initial_commit(good, initial_commit(tmp_path))

    encoded = base64.b64encode(f"{USER}:{wrong}".encode()).decode()
    for error in (rest_error.value, git_error.value):
        assert "401" in str(error) or "Authentication" in str(error)
        assert wrong not in str(error) and encoded not in str(error)
    assert httpx.get(f"{server.url}/rest/api/1.0/projects/{PROJECT}").status_code == 401


def test_a_push_refused_with_an_http_status_is_permanent_though_git_reports_a_disconnect() -> None:
    from landingzone.integrations.base import PermanentError, TransientError
    from landingzone.integrations.bitbucket.errors import from_git_error

    refused = (
        "error: RPC failed; HTTP 403 curl 22 The requested URL returned error: 403\n"
        "send-pack: unexpected disconnect while reading sideband packet\n"
        "fatal: the remote end hung up unexpectedly"
    )
    assert isinstance(from_git_error(refused, "push", []), PermanentError)
    unavailable = refused.replace("403", "503")
    assert isinstance(from_git_error(unavailable, "push", []), TransientError)
