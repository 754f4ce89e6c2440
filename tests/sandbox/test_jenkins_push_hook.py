"""Push notifications received by the Jenkins sandbox: the git plugin's notifyCommit, which
polls plain jobs, and the Bitbucket Branch Source hook, which plain jobs never hear."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jenkins
import pytest

from tests.sandbox.test_jenkins_builds import (
    HOOK_SECRET,
    NOTIFY_TOKEN,
    TOKEN,
    USER,
    finished,
    left_queue,
    running,
)
from tests.support.jenkins_jobs import bare_repository, git, pipeline_xml
from tests.support.sandbox import wait_for

JENKINSFILE = {"Jenkinsfile": "pipeline { agent any }\n"}


@dataclass
class Jenkins:
    url: str
    server: jenkins.Jenkins
    repo_url: str
    work: Path

    def built_once(self, name: str, config_xml: str) -> None:
        self.server.create_job(name, config_xml)
        number = left_queue(self.server, self.server.build_job(name))["executable"]["number"]
        assert finished(self.server, name, number)["result"] == "SUCCESS"

    def numbers(self, name: str) -> list[int]:
        return [b["number"] for b in self.server.get_job_info(name)["builds"]]

    def polling_log(self, name: str) -> str:
        path = "".join(f"job/{part}/" for part in name.split("/"))
        page = httpx.get(f"{self.url}/{path}scmPollLog/", auth=(USER, TOKEN))
        page.raise_for_status()
        return page.text

    def wait_polled(self, name: str, outcome: str) -> None:
        def polled() -> bool:
            return outcome in self.polling_log(name)

        wait_for(polled, f"{name} to be polled with {outcome!r}")

    def wait_builds(self, name: str, count: int) -> None:
        def started() -> bool:
            return len(self.numbers(name)) >= count

        wait_for(started, f"{count} builds of {name}")

    def push_commit(self, message: str) -> None:
        (self.work / "CHANGELOG").write_text(message)
        git("add", ".", cwd=self.work)
        git("commit", "--quiet", "-m", message, cwd=self.work)
        git("push", "--quiet", self.repo_url.removeprefix("file://"), "main", cwd=self.work)


@pytest.fixture
def jk(tmp_path: Path) -> Iterator[Jenkins]:
    repo_url = bare_repository(tmp_path, JENKINSFILE)
    with running(tmp_path / "jenkins") as url:
        yield Jenkins(
            url, jenkins.Jenkins(url, USER, TOKEN, timeout=10), repo_url, tmp_path / "work"
        )


def notify_commit(url: str, repository: str, token: str | None, **extra: str) -> httpx.Response:
    params = {"url": repository, **extra} | ({"token": token} if token is not None else {})
    return httpx.get(f"{url}/git/notifyCommit", params=params)


def test_notify_commit_refuses_requests_without_the_access_token(jk: Jenkins) -> None:
    jk.built_once("build", pipeline_xml(jk.repo_url, push_trigger=True))

    missing = notify_commit(jk.url, jk.repo_url, None)
    wrong = notify_commit(jk.url, jk.repo_url, "0" * 32)
    empty = notify_commit(jk.url, jk.repo_url, "")

    assert missing.status_code == empty.status_code == 401
    assert missing.text.startswith("An access token is required.")
    assert (wrong.status_code, wrong.text) == (403, "Invalid access token")
    assert "Polling has not run yet." in jk.polling_log("build")
    assert jk.numbers("build") == [1]


def test_notify_commit_polls_exactly_the_jobs_that_build_the_repository(jk: Jenkins) -> None:
    other = bare_repository(jk.work.parent / "other", JENKINSFILE)
    ignoring = pipeline_xml(jk.repo_url, push_trigger=True).replace(
        "<spec/>", "<spec/><ignorePostCommitHooks>true</ignorePostCommitHooks>"
    )
    jk.built_once("build", pipeline_xml(jk.repo_url, push_trigger=True))
    jk.server.create_folder("team")
    jk.built_once("team/nested", pipeline_xml(jk.repo_url, push_trigger=True))
    jk.built_once("no-trigger", pipeline_xml(jk.repo_url))
    jk.built_once("ignores-hooks", ignoring)
    jk.built_once("other-repository", pipeline_xml(other, push_trigger=True))
    jk.server.create_job("never-built", pipeline_xml(jk.repo_url, push_trigger=True))

    # Loosely matched: no ".git", a trailing slash.
    answer = notify_commit(jk.url, jk.repo_url.removesuffix(".git") + "/", NOTIFY_TOKEN)

    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    assert answer.headers.get_list("Triggered") == [
        f"{jk.url}/job/build/",
        f"{jk.url}/job/team/job/nested/",
    ]
    assert answer.text == "Scheduled polling of build\nScheduled polling of team » nested\n"
    # Nothing was pushed since the first builds: polling finds no change and builds nothing.
    for name in ("build", "team/nested"):
        jk.wait_polled(name, "No changes")
        assert jk.numbers(name) == [1]
    assert not jk.server.get_job_info("never-built")["inQueue"]

    jk.push_commit("second")
    pushed = httpx.post(
        f"{jk.url}/git/notifyCommit",
        params={"url": jk.repo_url, "token": NOTIFY_TOKEN},
        json={"eventKey": "repo:refs_changed"},  # Bitbucket posts its event; it is ignored
    )
    assert pushed.status_code == 200

    for name in ("build", "team/nested"):
        jk.wait_polled(name, "Changes found")
        jk.wait_builds(name, 2)
        build = finished(jk.server, name, 2)
        causes = next(a for a in build["actions"] if a["_class"] == "hudson.model.CauseAction")
        assert causes["causes"][0]["shortDescription"] == "Started by an SCM change"
        assert "Changes found" in jk.polling_log(name)
    for untouched in ("no-trigger", "ignores-hooks", "other-repository"):
        assert jk.numbers(untouched) == [1]
    assert jk.numbers("never-built") == []


def test_notify_commit_says_when_no_job_builds_the_repository(jk: Jenkins) -> None:
    nobody = notify_commit(jk.url, jk.repo_url, NOTIFY_TOKEN)
    assert (nobody.status_code, nobody.text) == (200, "No git jobs found\n")

    jk.built_once("build", pipeline_xml(jk.repo_url, push_trigger=True))
    elsewhere = notify_commit(jk.url, "https://git.example/other.git", NOTIFY_TOKEN)
    assert elsewhere.text == (
        "No git jobs using repository: https://git.example/other.git and branches: \n"
    )
    other_branch = notify_commit(jk.url, jk.repo_url, NOTIFY_TOKEN, branches="release")
    assert other_branch.text.startswith("No git jobs using repository:")
    assert "Triggered" not in other_branch.headers
    assert (
        httpx.get(f"{jk.url}/git/notifyCommit", params={"token": NOTIFY_TOKEN}).status_code == 400
    )


def signed(body: bytes, secret: str = HOOK_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_the_branch_source_hook_wakes_no_plain_pipeline_job(jk: Jenkins) -> None:
    jk.built_once("build", pipeline_xml(jk.repo_url, push_trigger=True))
    jk.push_commit("second")
    body = json.dumps(
        {
            "eventKey": "repo:refs_changed",
            "repository": {
                "slug": "app",
                "links": {"clone": [{"href": jk.repo_url, "name": "http"}]},
            },
            "changes": [
                {"ref": {"id": "refs/heads/main"}, "refId": "refs/heads/main", "type": "UPDATE"}
            ],
        }
    ).encode()
    hook = f"{jk.url}/bitbucket-scmsource-hook/notify"

    def post(headers: dict[str, str]) -> int:
        return httpx.post(hook, content=body, headers=headers).status_code

    assert post({"X-Event-Key": "repo:refs_changed", "X-Hub-Signature": signed(body)}) == 200
    assert post({"X-Event-Key": "repo:refs_changed", "X-Hub-Signature": signed(body, "x")}) == 403
    assert post({"X-Hub-Signature": signed(body)}) == 400
    assert post({"X-Event-Key": "repo:exploded", "X-Hub-Signature": signed(body)}) == 400
    info = jk.server.get_job_info("build")
    assert (info["inQueue"], jk.numbers("build")) == (False, [1])
    assert "Polling has not run yet." in jk.polling_log("build")
