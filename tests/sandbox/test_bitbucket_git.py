"""Git over smart HTTP, push webhooks, content endpoints and persistence of the simulator.

Driven with the `git` CLI and atlassian-python-api only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from atlassian import Bitbucket
from fastapi import FastAPI, Request

from landingzone_sandbox.serving import BackgroundServer, serving
from tests.sandbox.test_bitbucket_rest import client, running_simulator
from tests.support.bitbucket_simulator import PASSWORD, PROJECT, USER, unique
from tests.support.sandbox import wait_for

GIT_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
}


def git(
    *args: str, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=GIT_ENV,
        capture_output=True,
        text=True,
        check=check,
        timeout=60,
    )


def with_credentials(clone_url: str, password: str = PASSWORD) -> str:
    return clone_url.replace("http://", f"http://{USER}:{password}@", 1)


def make_work_tree(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    git("init", "--quiet", "--initial-branch=main", cwd=root)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git("add", "--all", cwd=root)
    git("commit", "--quiet", "--message", "Initial commit", cwd=root)
    return root


def head(work_tree: Path) -> str:
    return git("rev-parse", "HEAD", cwd=work_tree).stdout.strip()


class Receiver:
    """A webhook endpoint that records what it is sent."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> dict[str, bool]:
            body = await request.body()
            with self._lock:
                self.deliveries.append((dict(request.headers), body))
            return {"ok": True}

    def received(self) -> list[tuple[dict[str, str], bytes]]:
        with self._lock:
            return list(self.deliveries)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    with running_simulator(tmp_path_factory.mktemp("bitbucket")) as running:
        yield running


@pytest.fixture
def bb(server: BackgroundServer) -> Bitbucket:
    return client(server.url)


@pytest.fixture
def pushed(bb: Bitbucket, tmp_path: Path) -> dict[str, Any]:
    """A repository with two files pushed to main."""
    repo = bb.create_repo(PROJECT, unique("Pushed"))
    work = make_work_tree(
        tmp_path / "work",
        {"catalog-info.yaml": "kind: Component\n", "src/app.py": "print('hi')\n"},
    )
    git("push", "--quiet", with_credentials(repo["links"]["clone"][0]["href"]), "main", cwd=work)
    return {"repo": repo, "slug": repo["slug"], "commit": head(work)}


def test_push_then_clone_round_trips_and_shows_up_as_branches(
    pushed: dict[str, Any], bb: Bitbucket, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    git(
        "clone",
        "--quiet",
        with_credentials(pushed["repo"]["links"]["clone"][0]["href"]),
        str(clone),
    )
    assert head(clone) == pushed["commit"]
    assert (clone / "src" / "app.py").read_text() == "print('hi')\n"

    default = bb.get_default_branch(PROJECT, pushed["slug"])
    assert (default["id"], default["latestCommit"]) == ("refs/heads/main", pushed["commit"])
    assert default["isDefault"] is True


def test_git_without_credentials_is_challenged_and_refused(
    pushed: dict[str, Any], tmp_path: Path
) -> None:
    url = pushed["repo"]["links"]["clone"][0]["href"]
    anonymous = git("clone", url, str(tmp_path / "anonymous"), check=False)
    assert anonymous.returncode != 0
    assert "terminal prompts disabled" in anonymous.stderr or "401" in anonymous.stderr

    wrong = git("clone", with_credentials(url, "wrong"), str(tmp_path / "wrong"), check=False)
    assert wrong.returncode != 0 and "Authentication failed" in wrong.stderr


def test_branch_listing_pages_until_the_last_branch(
    pushed: dict[str, Any], bb: Bitbucket, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    url = with_credentials(pushed["repo"]["links"]["clone"][0]["href"])
    git("clone", "--quiet", url, str(clone))
    for index in range(4):
        git("branch", f"feature/{index}", cwd=clone)
    git("push", "--quiet", url, "--all", cwd=clone)

    names = [b["displayId"] for b in bb.get_branches(PROJECT, pushed["slug"], limit=2)]
    assert sorted(names) == ["feature/0", "feature/1", "feature/2", "feature/3", "main"]
    bb.set_default_branch(PROJECT, pushed["slug"], "refs/heads/feature/2")
    assert bb.get_default_branch(PROJECT, pushed["slug"])["displayId"] == "feature/2"
    filtered = list(bb.get_branches(PROJECT, pushed["slug"], filter="feature/3"))
    assert [b["id"] for b in filtered] == ["refs/heads/feature/3"]


def test_push_delivers_a_signed_refs_changed_webhook(bb: Bitbucket, tmp_path: Path) -> None:
    receiver = Receiver()
    repo = bb.create_repo(PROJECT, unique("Webhooked"))
    slug, url = repo["slug"], with_credentials(repo["links"]["clone"][0]["href"])
    with serving(receiver.app) as endpoint:
        bb.create_webhook(
            PROJECT, slug, "dead", ["repo:refs_changed"], "http://127.0.0.1:9/unreachable", True
        )
        bb.create_webhook(
            PROJECT, slug, "ci", ["repo:refs_changed"], f"{endpoint.url}/hook", True, "hook-secret"
        )
        work = make_work_tree(tmp_path / "work", {"README.md": "v1\n"})
        git("push", "--quiet", url, "main", cwd=work)  # the unreachable hook must not fail it
        first = head(work)
        (work / "README.md").write_text("v2\n")
        git("commit", "--quiet", "--all", "--message", "v2", cwd=work)
        git("push", "--quiet", url, "main", cwd=work)

        deliveries = wait_for(
            lambda: receiver.received()[1:] and receiver.received(),
            "two webhook deliveries",
            timeout=10,
        )

    bodies = [json.loads(body) for _, body in deliveries]
    assert [b["changes"][0]["type"] for b in bodies] == ["ADD", "UPDATE"]
    update = bodies[1]["changes"][0]
    assert (update["refId"], update["fromHash"], update["toHash"]) == (
        "refs/heads/main",
        first,
        head(work),
    )
    assert update["ref"] == {"id": "refs/heads/main", "displayId": "main", "type": "BRANCH"}
    assert bodies[1]["eventKey"] == "repo:refs_changed"
    assert bodies[1]["actor"]["name"] == USER
    assert bodies[1]["repository"]["slug"] == slug
    for headers, body in deliveries:
        assert headers["x-event-key"] == "repo:refs_changed" and headers["x-request-id"]
        expected = hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
        assert headers["x-hub-signature"] == f"sha256={expected}"


def test_large_push_streams_through_http_backend(bb: Bitbucket, tmp_path: Path) -> None:
    repo = bb.create_repo(PROJECT, unique("Large"))
    work = make_work_tree(tmp_path / "work", {"README.md": "big\n"})
    (work / "blob.bin").write_bytes(os.urandom(256 * 1024))
    git("add", "blob.bin", cwd=work)
    git("commit", "--quiet", "--message", "big", cwd=work)
    url = with_credentials(repo["links"]["clone"][0]["href"])
    # A pack larger than the post buffer goes out with chunked transfer encoding.
    git("-c", "http.postBuffer=65536", "push", "--quiet", url, "main", cwd=work)

    assert bb.get_default_branch(PROJECT, repo["slug"])["latestCommit"] == head(work)


def test_state_and_repositories_survive_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "bitbucket"
    with running_simulator(data_dir) as first:
        bb = client(first.url)
        repo = bb.create_repo(PROJECT, "Durable")
        bb.create_webhook(
            PROJECT, "durable", "ci", ["repo:refs_changed"], "http://127.0.0.1:9/h", True, "s"
        )
        bb.set_branches_permissions(
            PROJECT,
            matcher_type="branch",
            matcher_value="refs/heads/main",
            permission_type="no-deletes",
            repository_slug="durable",
        )
        bb.repo_grant_group_permissions(PROJECT, "durable", "platform", "REPO_WRITE")
        work = make_work_tree(tmp_path / "work", {"README.md": "kept\n"})
        git(
            "push", "--quiet", with_credentials(repo["links"]["clone"][0]["href"]), "main", cwd=work
        )

    with running_simulator(data_dir) as second:
        bb = client(second.url)
        assert bb.get_repo(PROJECT, "durable")["id"] == repo["id"]
        assert [h["name"] for h in bb.get_webhooks(PROJECT, "durable")] == ["ci"]
        restrictions = bb.get_branches_permissions(PROJECT, None, repository_slug="durable")
        assert [r["type"] for r in restrictions["values"]] == ["no-deletes"]
        assert [g["group"]["name"] for g in bb.repo_groups(PROJECT, "durable")] == ["platform"]
        assert bb.get_content_of_file(PROJECT, "durable", "README.md") == b"kept\n"
        assert bb.create_repo(PROJECT, "Another")["id"] > repo["id"]
