"""The Jenkins sandbox with the Bitbucket sandbox: authenticated git over HTTP, signed pushes.

Driven with atlassian-python-api, python-jenkins and the git CLI.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jenkins
import pytest
from atlassian import Bitbucket

from landingzone_sandbox.bitbucket.app import create_app as bitbucket_app
from landingzone_sandbox.bitbucket.settings import BitbucketSimSettings
from landingzone_sandbox.jenkins import JenkinsSimSettings, create_app
from landingzone_sandbox.serving import free_port, serving
from tests.sandbox.test_jenkins_builds import finished, left_queue
from tests.support.jenkins_jobs import pipeline_xml
from tests.support.sandbox import wait_for

BB_USER, BB_PASSWORD = "svc-landingzone", "bb-pass-7f3a"
JENKINS_USER, JENKINS_TOKEN = "platform-bot", "11a2b3c4d5e6f7a8b9c0"
HOOK_SECRET = "push-secret-1"
NOTIFY_TOKEN = "9a8b7c6d5e4f30211203f4e5d6c7b8a9"


@dataclass(frozen=True)
class Sandboxes:
    bitbucket: Bitbucket
    jenkins: jenkins.Jenkins
    jenkins_url: str


@pytest.fixture
def sandboxes(tmp_path: Path) -> Iterator[Sandboxes]:
    bb_port, jenkins_port = free_port(), free_port()
    bb_settings = BitbucketSimSettings(
        data_dir=tmp_path / "bitbucket",
        base_url=f"http://127.0.0.1:{bb_port}",
        users={BB_USER: BB_PASSWORD},
        projects={"PRJ": "Project"},
    )
    jenkins_settings = JenkinsSimSettings(
        data_dir=tmp_path / "jenkins",
        base_url=f"http://127.0.0.1:{jenkins_port}",
        users={JENKINS_USER: JENKINS_TOKEN},
        git_credentials={
            "bitbucket-http": (BB_USER, BB_PASSWORD),
            "stale": (BB_USER, "an-old-password"),
        },
        webhook_secret=HOOK_SECRET,
        notify_commit_tokens=(NOTIFY_TOKEN,),
    )
    with (
        serving(bitbucket_app(bb_settings), port=bb_port) as bb,
        serving(create_app(jenkins_settings), port=jenkins_port) as jk,
    ):
        yield Sandboxes(
            Bitbucket(bb.url, username=BB_USER, password=BB_PASSWORD),
            jenkins.Jenkins(jk.url, JENKINS_USER, JENKINS_TOKEN, timeout=10),
            jk.url,
        )


def push_jenkinsfile(clone_url: str, work: Path, message: str = "pipeline") -> None:
    """Commit (the Jenkinsfile, then a changelog line per call) and push to `main`."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work.parent),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }
    authenticated = clone_url.replace("http://", f"http://{BB_USER}:{BB_PASSWORD}@", 1)
    if not work.exists():
        work.mkdir()
        init = ["git", "init", "--quiet", "--initial-branch=main"]
        subprocess.run(init, cwd=work, env=env, check=True, capture_output=True)
        (work / "Jenkinsfile").write_text("pipeline { agent any }\n")
    else:
        with (work / "CHANGELOG").open("a") as changelog:
            changelog.write(f"{message}\n")
    for args in (
        ["add", "."],
        ["commit", "--quiet", "-m", message],
        ["push", "--quiet", authenticated, "main"],
    ):
        subprocess.run(["git", *args], cwd=work, env=env, check=True, capture_output=True)


def latest_delivery(bb: Bitbucket, slug: str, hook_id: int, since_ms: int) -> dict[str, Any] | None:
    url = f"rest/api/1.0/projects/PRJ/repos/{slug}/webhooks/{hook_id}/latest"
    invocation: dict[str, Any] | None = bb.get(url)
    return invocation if invocation and invocation["start"] >= since_ms else None


def test_a_push_to_bitbucket_wakes_the_pipeline_through_notify_commit(
    sandboxes: Sandboxes, tmp_path: Path
) -> None:
    bb, server = sandboxes.bitbucket, sandboxes.jenkins
    repo = bb.create_repo("PRJ", "payments-api")
    clone_url = next(link["href"] for link in repo["links"]["clone"] if link["name"] == "http")
    notify = f"{sandboxes.jenkins_url}/git/notifyCommit?" + "url={}&token={}"
    wrong = notify.format(quote(clone_url, safe=""), "f" * 32)
    hook = bb.create_webhook("PRJ", repo["slug"], "jenkins", ["repo:refs_changed"], wrong, True)
    work = tmp_path / "work"
    push_jenkinsfile(clone_url, work)
    server.create_job("build", pipeline_xml(clone_url, push_trigger=True))
    number = left_queue(server, server.build_job("build"))["executable"]["number"]
    assert finished(server, "build", number)["result"] == "SUCCESS"

    before = int(time.time() * 1000)
    push_jenkinsfile(clone_url, work, "refused")
    refused = wait_for(
        lambda: latest_delivery(bb, repo["slug"], hook["id"], before), "the refused delivery"
    )
    assert refused["result"] == {"outcome": "FAILURE", "description": "403"}
    assert [b["number"] for b in server.get_job_info("build")["builds"]] == [1]

    right = notify.format(quote(clone_url, safe=""), NOTIFY_TOKEN)
    bb.update_webhook("PRJ", repo["slug"], hook["id"], url=right)
    push_jenkinsfile(clone_url, work, "accepted")

    def second_build() -> dict[str, Any] | None:
        last: dict[str, Any] = server.get_job_info("build")["lastBuild"]
        return last if last["number"] == 2 else None

    wait_for(second_build, "the push to start build #2", 20)
    assert finished(server, "build", 2)["result"] == "SUCCESS"
    assert "Started by an SCM change" in server.get_build_console_output("build", 2)


def test_wrong_git_credentials_fail_the_build_without_showing_them(
    sandboxes: Sandboxes, tmp_path: Path
) -> None:
    repo = sandboxes.bitbucket.create_repo("PRJ", "ledger")
    clone_url = next(link["href"] for link in repo["links"]["clone"] if link["name"] == "http")
    push_jenkinsfile(clone_url, tmp_path / "work")
    server = sandboxes.jenkins
    server.create_job("build", pipeline_xml(clone_url).replace("bitbucket-http", "stale"))
    server.create_job("unknown", pipeline_xml(clone_url).replace("bitbucket-http", "nobody"))

    for job in ("build", "unknown"):
        number = left_queue(server, server.build_job(job))["executable"]["number"]
        assert finished(server, job, number)["result"] == "FAILURE"
    stale = server.get_build_console_output("build", 1)
    assert "Error cloning remote repo" in stale and "an-old-password" not in stale
    assert "Could not find credentials entry with ID 'nobody'" in (
        server.get_build_console_output("unknown", 1)
    )
