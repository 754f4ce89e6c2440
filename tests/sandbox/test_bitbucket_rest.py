"""The Bitbucket Server simulator's REST API, driven only through atlassian-python-api."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from atlassian import Bitbucket
from requests import HTTPError

from landingzone_sandbox.bitbucket import create_app
from landingzone_sandbox.serving import BackgroundServer, free_port, serving
from tests.support.bitbucket_simulator import PASSWORD, PROJECT, USER, simulator_settings, unique


@contextmanager
def running_simulator(data_dir: Path) -> Iterator[BackgroundServer]:
    port = free_port()
    with serving(create_app(simulator_settings(data_dir, port)), port=port) as server:
        yield server


def client(url: str, username: str | None = USER, password: str | None = PASSWORD) -> Bitbucket:
    return Bitbucket(url, username=username, password=password)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    with running_simulator(tmp_path_factory.mktemp("bitbucket")) as running:
        yield running


@pytest.fixture
def bb(server: BackgroundServer) -> Bitbucket:
    return client(server.url)


def status(error: pytest.ExceptionInfo[HTTPError]) -> int:
    assert error.value.response is not None
    return int(error.value.response.status_code)


def test_requests_without_valid_credentials_get_401_with_a_basic_challenge(
    server: BackgroundServer,
) -> None:
    for anonymous_or_wrong in (client(server.url, None, None), client(server.url, USER, "nope")):
        with pytest.raises(HTTPError) as error:
            anonymous_or_wrong.project(PROJECT)
        assert status(error) == 401
        response = error.value.response
        assert response is not None
        assert response.headers["WWW-Authenticate"] == 'Basic realm="Atlassian Bitbucket"'
        assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
        assert str(error.value) != "Unauthorized (401)"  # the client parsed the error envelope
        assert "nope" not in response.text


def test_projects_are_read_created_and_refused_when_duplicate(bb: Bitbucket) -> None:
    assert bb.project(PROJECT)["name"] == "Payments"
    assert bb.project_exists("NOPE") is False

    created = bb.create_project("CARDS", "Cards", "Card issuing")
    assert created["key"] == "CARDS" and created["links"]["self"][0]["href"].endswith("/CARDS")
    with pytest.raises(HTTPError) as duplicate:
        bb.create_project("CARDS", "Cards again")
    assert status(duplicate) == 409
    with pytest.raises(HTTPError) as invalid:
        bb.create_project("1-bad", "Bad key")
    assert status(invalid) == 400


def test_repository_creation_derives_the_slug_and_clone_links(
    bb: Bitbucket, server: BackgroundServer
) -> None:
    repo = bb.create_repo(PROJECT, "Card Ledger Service", forkable=False, is_private=True)

    assert repo["slug"] == "card-ledger-service"
    assert repo["scmId"] == "git" and repo["state"] == "AVAILABLE" and repo["forkable"] is False
    assert repo["project"]["key"] == PROJECT
    http = [link["href"] for link in repo["links"]["clone"] if link["name"] == "http"]
    assert http == [f"{server.url}/scm/pay/card-ledger-service.git"]
    assert repo["links"]["self"][0]["href"] == (
        f"{server.url}/projects/{PROJECT}/repos/card-ledger-service/browse"
    )
    assert bb.get_repo(PROJECT, "card-ledger-service")["id"] == repo["id"]
    assert bb.get_default_branch(PROJECT, "card-ledger-service") is None  # empty: 204


def test_duplicate_repository_names_and_bad_names_are_refused(bb: Bitbucket) -> None:
    bb.create_repo(PROJECT, "Ledger")
    with pytest.raises(HTTPError) as duplicate:
        bb.create_repo(PROJECT, "ledger")
    assert status(duplicate) == 409
    assert "already taken" in str(duplicate.value)

    for bad in ("../escape", "", "-leading-dash"):
        with pytest.raises(HTTPError) as invalid:
            bb.create_repo(PROJECT, bad)
        assert status(invalid) == 400
    with pytest.raises(HTTPError) as missing_project:
        bb.create_repo("NOSUCH", "Orphan")
    assert status(missing_project) == 404


def test_a_description_given_at_creation_is_kept_and_bounded(bb: Bitbucket) -> None:
    created = bb.post(
        "rest/api/1.0/projects/PAY/repos",
        data={"name": "Described", "scmId": "git", "description": "Payments ledger"},
    )
    assert created is not None and created["description"] == "Payments ledger"
    assert bb.get_repo(PROJECT, "described")["description"] == "Payments ledger"
    assert bb.create_repo(PROJECT, "Undescribed")["description"] == ""

    for refused in ("x" * 256, ["list"]):
        with pytest.raises(HTTPError) as invalid:
            bb.post(
                "rest/api/1.0/projects/PAY/repos",
                data={"name": "Too Much", "scmId": "git", "description": refused},
            )
        assert status(invalid) == 400
    assert bb.repo_exists(PROJECT, "too-much") is False
    with pytest.raises(HTTPError) as too_long:
        bb.update_repo(PROJECT, "described", description="y" * 256)
    assert status(too_long) == 400
    assert bb.get_repo(PROJECT, "described")["description"] == "Payments ledger"


def test_missing_repository_answers_404_with_the_error_envelope(bb: Bitbucket) -> None:
    with pytest.raises(HTTPError) as error:
        bb.get_repo(PROJECT, "nope")
    assert status(error) == 404
    assert str(error.value) == f"Repository {PROJECT}/nope does not exist."
    assert bb.repo_exists(PROJECT, "nope") is False


def test_deleting_a_repository_is_accepted_then_a_no_op(bb: Bitbucket) -> None:
    slug = bb.create_repo(PROJECT, unique("Short Lived"))["slug"]

    accepted = bb.delete_repo(PROJECT, slug)
    assert accepted["message"] == "Repository scheduled for deletion."
    assert bb.repo_exists(PROJECT, slug) is False
    assert bb.delete_repo(PROJECT, slug) is None  # 204: already gone


def test_paged_lists_end_by_omitting_next_page_start(bb: Bitbucket) -> None:
    bb.create_project("PAGED", "Paged")
    for index in range(5):
        bb.create_repo("PAGED", f"Repo {index}")

    slugs = [r["slug"] for r in bb.repo_list("PAGED", limit=2)]
    assert slugs == [f"repo-{index}" for index in range(5)]

    first = bb.get("rest/api/1.0/projects/PAGED/repos", params={"limit": 2})
    assert first is not None
    assert (first["isLastPage"], first["nextPageStart"], first["size"]) == (False, 2, 2)
    last = bb.get("rest/api/1.0/projects/PAGED/repos", params={"limit": 2, "start": 4})
    assert last is not None
    assert last["isLastPage"] is True and "nextPageStart" not in last
    assert [r["slug"] for r in last["values"]] == ["repo-4"]


def _restriction(kind: str, branch: str, users: list[str]) -> dict[str, Any]:
    return {
        "type": kind,
        "matcher": {
            "id": branch,
            "displayId": branch,
            "type": {"id": "BRANCH", "name": "Branch"},
            "active": True,
        },
        "users": users,
        "groups": [],
        "accessKeys": [],
    }


def test_branch_restrictions_single_bulk_list_and_delete(bb: Bitbucket) -> None:
    slug = bb.create_repo(PROJECT, unique("Guarded"))["slug"]
    single = bb.set_branches_permissions(
        PROJECT,
        matcher_type="branch",
        matcher_value="refs/heads/main",
        permission_type="no-deletes",
        repository_slug=slug,
        except_users=[USER],
    )
    assert single["type"] == "no-deletes"
    assert single["matcher"]["displayId"] == "main"
    assert single["matcher"]["type"] == {"id": "BRANCH", "name": "Branch"}
    assert single["scope"]["type"] == "REPOSITORY"
    assert [u["name"] for u in single["users"]] == [USER]

    bulk = bb.set_branches_permissions(
        PROJECT,
        multiple_permissions=[
            _restriction("fast-forward-only", "refs/heads/main", []),
            _restriction("pull-request-only", "refs/heads/main", [USER]),
        ],
        repository_slug=slug,
    )
    assert [r["type"] for r in bulk] == ["fast-forward-only", "pull-request-only"]

    listed = bb.get_branches_permissions(PROJECT, None, repository_slug=slug)
    assert sorted(r["type"] for r in listed["values"]) == [
        "fast-forward-only",
        "no-deletes",
        "pull-request-only",
    ]
    assert "nextPageStart" not in listed

    bb.delete_branch_permission(PROJECT, single["id"], repository_slug=slug)
    with pytest.raises(HTTPError) as gone:
        bb.get_branches_permissions(PROJECT, single["id"], repository_slug=slug)
    assert status(gone) == 404

    with pytest.raises(HTTPError) as invalid:
        bb.set_branches_permissions(
            PROJECT,
            matcher_type="branch",
            matcher_value="refs/heads/main",
            permission_type="no-such-type",
            repository_slug=slug,
        )
    assert status(invalid) == 400


def test_group_and_user_permissions(bb: Bitbucket) -> None:
    slug = bb.create_repo(PROJECT, unique("Shared"))["slug"]

    bb.repo_grant_group_permissions(PROJECT, slug, "payments-devs", "REPO_WRITE")
    bb.repo_grant_group_permissions(PROJECT, slug, "payments-devs", "REPO_ADMIN")
    bb.repo_grant_user_permissions(PROJECT, slug, "alice", "REPO_READ")
    groups = list(bb.repo_groups(PROJECT, slug))
    assert groups == [{"group": {"name": "payments-devs"}, "permission": "REPO_ADMIN"}]
    assert [(u["user"]["name"], u["permission"]) for u in bb.repo_users(PROJECT, slug)] == [
        ("alice", "REPO_READ")
    ]

    with pytest.raises(HTTPError) as unknown_group:
        bb.repo_grant_group_permissions(PROJECT, slug, "ghosts", "REPO_WRITE")
    assert status(unknown_group) == 404
    with pytest.raises(HTTPError) as bad_permission:
        bb.repo_grant_group_permissions(PROJECT, slug, "payments-devs", "REPO_OWNER")
    assert status(bad_permission) == 400


def test_group_names_are_listed_filtered_by_what_they_contain_to_licensed_users(
    server: BackgroundServer, bb: Bitbucket
) -> None:
    assert list(bb.get_groups()) == ["payments-devs", "platform"]
    assert list(bb.get_groups(group_filter="DEVS")) == ["payments-devs"]
    assert list(bb.get_groups(group_filter="ghosts")) == []
    first = bb.get("rest/api/1.0/groups", params={"limit": 1})
    assert first == {
        "size": 1, "limit": 1, "isLastPage": False, "start": 0, "nextPageStart": 1,
        "values": ["payments-devs"],
    }  # fmt: skip
    with pytest.raises(HTTPError) as anonymous:
        list(client(server.url, None, None).get_groups())
    assert status(anonymous) == 401


def test_webhooks_are_created_listed_and_deleted_without_echoing_the_secret(
    bb: Bitbucket,
) -> None:
    slug = bb.create_repo(PROJECT, unique("Hooked"))["slug"]
    hook = bb.create_webhook(
        PROJECT, slug, "jenkins", ["repo:refs_changed"], "http://127.0.0.1:9/hook", True, "s3"
    )
    assert hook["name"] == "jenkins" and hook["active"] is True
    assert hook["events"] == ["repo:refs_changed"] and isinstance(hook["createdDate"], int)
    assert "s3" not in str(hook)

    assert [h["id"] for h in bb.get_webhooks(PROJECT, slug)] == [hook["id"]]
    assert bb.get_webhook(PROJECT, slug, hook["id"])["url"] == "http://127.0.0.1:9/hook"
    bb.delete_webhook(PROJECT, slug, hook["id"])
    assert list(bb.get_webhooks(PROJECT, slug)) == []

    with pytest.raises(HTTPError) as invalid:
        bb.create_webhook(PROJECT, slug, "bad", ["no:such:event"], "http://x/h", True)
    assert status(invalid) == 400
