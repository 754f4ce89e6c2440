"""Repositories carry their landing zone's marker; others' repositories are never touched."""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from atlassian import Bitbucket
from pydantic import SecretStr

from landingzone.integrations.base import ForeignResource, PermanentError, TransientError
from landingzone.integrations.bitbucket import BitbucketRepositoryHost, BitbucketSettings
from tests.integrations.test_bitbucket_host import initial_commit
from tests.support.bitbucket_simulator import PASSWORD, PROJECT, USER, simulator_settings, unique
from tests.support.simulators import FaultInjector, FaultRule, free_port, serving
from tests.support.simulators import bitbucket_app as create_app

OURS, THEIRS = "lz_0001ours", "lz_0002theirs"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FaultInjector]]:
    port = free_port()
    faults = FaultInjector(create_app(simulator_settings(tmp_path_factory.mktemp("bb"), port)))
    with serving(faults, port=port) as server:
        yield server.url, faults


@pytest.fixture
def faults(running: tuple[str, FaultInjector]) -> Iterator[FaultInjector]:
    yield running[1]
    running[1].rules.clear()


@pytest.fixture
def host(running: tuple[str, FaultInjector]) -> BitbucketRepositoryHost:
    return BitbucketRepositoryHost(
        BitbucketSettings(url=running[0], username=USER, password=SecretStr(PASSWORD)),
        timeout_s=30,
    )


@pytest.fixture
def bb(running: tuple[str, FaultInjector]) -> Bitbucket:
    return Bitbucket(running[0], username=USER, password=PASSWORD)


def git_refs(clone_url: str) -> str:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {token}",
    }
    result = subprocess.run(
        ["git", "ls-remote", clone_url], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def everything_about(bb: Bitbucket, slug: str) -> dict[str, Any]:
    repo = bb.get_repo(PROJECT, slug)
    clone = next(link["href"] for link in repo["links"]["clone"] if link["name"] == "http")
    return {
        "repository": repo,
        "groups": list(bb.repo_groups(PROJECT, slug)),
        "webhooks": list(bb.get_webhooks(PROJECT, slug)),
        "restrictions": bb.get_branches_permissions(PROJECT, None, repository_slug=slug),
        "refs": git_refs(clone),
    }


def someone_elses_repository(
    host: BitbucketRepositoryHost, bb: Bitbucket, tmp_path: Path, description: str
) -> str:
    """A repository another team made by hand: pushed, granted, hooked, restricted."""
    name = unique("Their Service")
    slug = bb.create_repo(PROJECT, name)["slug"]
    bb.update_repo(PROJECT, slug, description=description)
    found = host.find_repository(PROJECT, slug)
    assert found is not None
    host.push_initial_commit(found, initial_commit(tmp_path))
    bb.repo_grant_group_permissions(PROJECT, slug, "payments-devs", "REPO_READ")
    bb.create_webhook(PROJECT, slug, "ci", ["repo:refs_changed"], "http://127.0.0.1:9/hook", True)
    bb.set_branches_permissions(
        PROJECT,
        matcher_type="branch",
        matcher_value="refs/heads/main",
        permission_type="no-deletes",
        repository_slug=slug,
    )
    return name


@pytest.mark.parametrize(
    ("description", "owner"),
    [("Their service, no marker", None), (f"Made by another zone [landing-zone {THEIRS}]", THEIRS)],
)
def test_a_repository_not_marked_by_us_is_refused_and_left_untouched(
    host: BitbucketRepositoryHost,
    bb: Bitbucket,
    tmp_path: Path,
    description: str,
    owner: str | None,
) -> None:
    name = someone_elses_repository(host, bb, tmp_path, description)
    slug = name.lower().replace(" ", "-")
    before = everything_about(bb, slug)

    with pytest.raises(ForeignResource) as adopted:
        host.ensure_repository(PROJECT, name, "Payments API", OURS)
    with pytest.raises(ForeignResource) as deleted:
        host.delete_repository(PROJECT, slug, OURS)

    assert adopted.value.owner == deleted.value.owner == owner
    assert not adopted.value.transient and slug in adopted.value.message
    assert everything_about(bb, slug) == before
    found = host.find_repository(PROJECT, slug)
    assert found is not None and found.owner == owner


def test_our_repository_is_created_marked_found_and_deleted(
    host: BitbucketRepositoryHost, bb: Bitbucket
) -> None:
    created = host.ensure_repository(PROJECT, unique("Ours"), "Payments API", OURS)
    assert bb.get_repo(PROJECT, created.slug)["description"] == (
        f"Payments API [landing-zone {OURS}]"
    )
    assert host.find_repository(PROJECT, created.slug) == created and created.owner == OURS

    with pytest.raises(ForeignResource):
        host.delete_repository(PROJECT, created.slug, THEIRS)
    host.delete_repository(PROJECT, created.slug, OURS)
    host.delete_repository(PROJECT, created.slug, OURS)
    assert bb.repo_exists(PROJECT, created.slug) is False


def test_a_marked_repository_keeps_its_marker_when_its_description_changes(
    host: BitbucketRepositoryHost, bb: Bitbucket
) -> None:
    created = host.ensure_repository(PROJECT, unique("Renamed Text"), "Old words", OURS)
    host.ensure_repository(PROJECT, created.slug, "New words", OURS)
    assert bb.get_repo(PROJECT, created.slug)["description"] == f"New words [landing-zone {OURS}]"


def test_a_long_description_is_shortened_so_the_marker_still_fits(
    host: BitbucketRepositoryHost, bb: Bitbucket
) -> None:
    created = host.ensure_repository(PROJECT, unique("Wordy"), "word " * 100, OURS)
    description = bb.get_repo(PROJECT, created.slug)["description"]
    assert len(description) <= 255 and description.endswith(f"[landing-zone {OURS}]")


def test_the_create_request_itself_carries_the_marker(
    host: BitbucketRepositoryHost, bb: Bitbucket, faults: FaultInjector
) -> None:
    name = unique("Ghost Create")
    faults.rules.append(FaultRule(path=r"/repos$", method="POST", status=504, after_effect=True))
    with pytest.raises(TransientError):
        host.ensure_repository(PROJECT, name, "Payments API", OURS)
    slug = name.lower().replace(" ", "-")
    assert bb.get_repo(PROJECT, slug)["description"] == f"Payments API [landing-zone {OURS}]"

    # The replay's look-up misses (a lagging replica), so its create meets a 409.
    faults.rules.append(FaultRule(path=rf"/repos/{slug}$", method="GET", status=404))
    replayed = host.ensure_repository(PROJECT, name, "Payments API", OURS)
    assert replayed.slug == slug and replayed.owner == OURS
    assert [r["slug"] for r in bb.repo_list(PROJECT)].count(slug) == 1


def test_a_conflict_with_a_foreign_repository_is_refused(
    host: BitbucketRepositoryHost, bb: Bitbucket, faults: FaultInjector, tmp_path: Path
) -> None:
    name = someone_elses_repository(host, bb, tmp_path, "hand made")
    slug = name.lower().replace(" ", "-")
    before = everything_about(bb, slug)
    faults.rules.append(FaultRule(path=rf"/repos/{slug}$", method="GET", status=404))

    with pytest.raises(ForeignResource) as refused:
        host.ensure_repository(PROJECT, name, "Payments API", OURS)

    assert refused.value.owner is None and faults.rules[0].hits == 1
    assert everything_about(bb, slug) == before


def test_an_owner_the_marker_cannot_carry_is_refused(host: BitbucketRepositoryHost) -> None:
    for owner in ("", "LZ_UPPER", "lz_x] [landing-zone lz_y", "payments"):
        with pytest.raises(PermanentError):
            host.ensure_repository(PROJECT, unique("Unowned"), "", owner)
