"""The repository webhook the adapters set up wakes the build job on every push."""

from __future__ import annotations

import base64
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jenkins
import pytest
from atlassian import Bitbucket
from pydantic import SecretStr

from landingzone.integrations.base import InitialCommit, Repository
from landingzone.integrations.bitbucket import BitbucketRepositoryHost, BitbucketSettings
from landingzone.integrations.jenkins.config import JenkinsSettings
from landingzone.integrations.jenkins.plugin import JenkinsPipelineServer
from landingzone.integrations.pipelines import PipelineDefinition
from tests.support.sandbox import wait_for
from tests.support.simulators import (
    BitbucketSimSettings,
    JenkinsSimSettings,
    bitbucket_app,
    free_port,
    serving,
)
from tests.support.simulators import jenkins_app as create_app

BB_USER, BB_PASSWORD = "landingzone", "bb-pass-2c9d"
JENKINS_TOKEN, NOTIFY_TOKEN = "11aa22bb33cc44dd", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
OWNER = "lz_0042flow"


@dataclass
class Systems:
    host: BitbucketRepositoryHost
    bitbucket: Bitbucket
    jenkins_url: str
    server: jenkins.Jenkins

    def pipelines(self, notify_token: str) -> JenkinsPipelineServer:
        config = JenkinsSettings(
            url=self.jenkins_url,
            username=BB_USER,
            token=SecretStr(JENKINS_TOKEN),
            notify_commit_token=SecretStr(notify_token),
        )
        return JenkinsPipelineServer(config, timeout_s=10)

    def builds(self, job: str) -> list[int]:
        return [b["number"] for b in self.server.get_job_info(job)["builds"]]


@pytest.fixture
def systems(tmp_path: Path) -> Iterator[Systems]:
    bb_port, jenkins_port = free_port(), free_port()
    bb_settings = BitbucketSimSettings(
        data_dir=tmp_path / "bitbucket",
        base_url=f"http://127.0.0.1:{bb_port}",
        users={BB_USER: BB_PASSWORD},
        projects={"PAY": "Payments"},
    )
    jenkins_settings = JenkinsSimSettings(
        data_dir=tmp_path / "jenkins",
        base_url=f"http://127.0.0.1:{jenkins_port}",
        users={BB_USER: JENKINS_TOKEN},
        git_credentials={"bitbucket-http": (BB_USER, BB_PASSWORD)},
        notify_commit_tokens=(NOTIFY_TOKEN,),
    )
    with (
        serving(bitbucket_app(bb_settings), port=bb_port) as bb,
        serving(create_app(jenkins_settings), port=jenkins_port) as jk,
    ):
        yield Systems(
            BitbucketRepositoryHost(
                BitbucketSettings(url=bb.url, username=BB_USER, password=SecretStr(BB_PASSWORD)),
                timeout_s=30,
            ),
            Bitbucket(bb.url, username=BB_USER, password=BB_PASSWORD),
            jk.url,
            jenkins.Jenkins(jk.url, BB_USER, JENKINS_TOKEN, timeout=10),
        )


def developer_push(repository: Repository, work: Path, message: str) -> None:
    token = base64.b64encode(f"{BB_USER}:{BB_PASSWORD}".encode()).decode()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work.parent),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {token}",
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=work, env=env, check=True, capture_output=True)

    if not work.exists():
        subprocess.run(
            ["git", "clone", "--quiet", repository.clone_url, str(work)],
            env=env,
            check=True,
            capture_output=True,
        )
    with (work / "CHANGELOG").open("a") as changelog:
        changelog.write(f"{message}\n")
    git("add", ".")
    git("commit", "--quiet", "-m", message)
    git("push", "--quiet", "origin", "main")


def latest_delivery(systems: Systems, repository: Repository, since_ms: int) -> Any:
    slug = repository.slug
    [hook] = systems.bitbucket.get_webhooks("PAY", slug)
    url = f"rest/api/1.0/projects/PAY/repos/{slug}/webhooks/{hook['id']}/latest"
    invocation = systems.bitbucket.get(url)
    return invocation if invocation and invocation["start"] >= since_ms else None


def test_a_push_after_the_first_build_builds_again_and_a_wrong_token_builds_nothing(
    systems: Systems, tmp_path: Path
) -> None:
    source = tmp_path / "rendered"
    source.mkdir()
    (source / "Jenkinsfile").write_text("pipeline { agent any }\n")
    repository = systems.host.ensure_repository("PAY", "payments-api", "Payments API", OWNER)
    systems.host.push_initial_commit(
        repository, InitialCommit(source, "main", "Initial", "LZ", "lz@example.com", 1_700_000_000)
    )
    pipelines = systems.pipelines(NOTIFY_TOKEN)
    job = "payments/build"
    pipelines.ensure_folder("payments", "Payments API", OWNER)
    definition = PipelineDefinition(
        repository.clone_url, "bitbucket-http", "main", "Jenkinsfile", "Builds payments-api"
    )
    pipelines.ensure_pipeline(job, definition, OWNER)
    queued = pipelines.trigger_build(job, {})
    first = wait_for(lambda: pipelines.build_url(queued), "the first build to start", 20)
    assert first == f"{systems.jenkins_url}/job/payments/job/build/1/"
    wait_for(lambda: not systems.server.get_build_info(job, 1)["building"], "build #1", 30)

    wrong = systems.pipelines("0" * 32).push_hook_url(repository.clone_url)
    systems.host.ensure_webhook(repository, "jenkins", wrong, ["repo:refs_changed"])
    before = int(time.time() * 1000)
    developer_push(repository, tmp_path / "work", "ignored")
    refused = wait_for(lambda: latest_delivery(systems, repository, before), "the delivery")
    assert refused["result"] == {"outcome": "FAILURE", "description": "403"}
    assert systems.builds(job) == [1]

    hook = pipelines.push_hook_url(repository.clone_url)
    systems.host.ensure_webhook(repository, "jenkins", hook, ["repo:refs_changed"])
    developer_push(repository, tmp_path / "work", "built")

    wait_for(lambda: systems.builds(job) == [2, 1] or None, "the push to build again", 30)
    wait_for(lambda: not systems.server.get_build_info(job, 2)["building"], "build #2", 30)
    console = systems.server.get_build_console_output(job, 2)
    assert console.startswith("Started by an SCM change")
