"""Bitbucket push notifications received by the Jenkins sandbox."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import httpx
import jenkins

from tests.sandbox.test_jenkins_builds import (
    HOOK_SECRET,
    TOKEN,
    USER,
    bare_repository,
    finished,
    pipeline_xml,
    running,
)


def push_event(clone_url: str, branch: str = "main") -> bytes:
    payload = {
        "eventKey": "repo:refs_changed",
        "repository": {
            "slug": "app",
            "links": {
                "clone": [
                    {"href": "ssh://git@bitbucket:7999/prj/app.git", "name": "ssh"},
                    {"href": clone_url, "name": "http"},
                ]
            },
        },
        "changes": [
            {
                "ref": {"id": f"refs/heads/{branch}", "displayId": branch, "type": "BRANCH"},
                "refId": f"refs/heads/{branch}",
                "fromHash": "0" * 40,
                "toHash": "1" * 40,
                "type": "UPDATE",
            }
        ],
    }
    return json.dumps(payload).encode()


def notify(
    url: str, body: bytes, secret: str | None = HOOK_SECRET, event: str = "repo:refs_changed"
) -> httpx.Response:
    headers = {"X-Event-Key": event, "Content-Type": "application/json"}
    if secret is not None:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Hub-Signature"] = f"sha256={digest}"
    return httpx.post(f"{url}/bitbucket-scmsource-hook/notify", content=body, headers=headers)


def test_a_signed_push_starts_the_pipelines_that_follow_that_branch(tmp_path: Path) -> None:
    repo_url = bare_repository(tmp_path, {"Jenkinsfile": "pipeline { agent any }\n"})
    with running(tmp_path / "jenkins") as url:
        server = jenkins.Jenkins(url, USER, TOKEN, timeout=10)
        server.create_job("build", pipeline_xml(repo_url, push_trigger=True))
        server.create_job("no-trigger", pipeline_xml(repo_url))
        server.create_job("release", pipeline_xml(repo_url, branch="release", push_trigger=True))

        assert notify(url, push_event(repo_url), secret="wrong").status_code == 403
        assert notify(url, push_event(repo_url), secret=None).status_code == 403
        ping = push_event(repo_url).replace(b"repo:refs_changed", b"diagnostics:ping")
        assert notify(url, ping, event="diagnostics:ping").status_code == 200
        assert server.get_job_info("build")["nextBuildNumber"] == 1

        assert notify(url, push_event(repo_url + "/")).status_code == 200
        build = finished(server, "build", 1)
        causes = next(a for a in build["actions"] if a["_class"] == "hudson.model.CauseAction")
        assert causes["causes"][0]["shortDescription"] == "Started by an SCM change"
        for untouched in ("no-trigger", "release"):
            job = server.get_job_info(untouched)
            assert (job["lastBuild"], job["inQueue"]) == (None, False)
