"""A landing zone touches only what it made: another team's repository or folder stays as it was,
and one tenant and name belong to one landing zone."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support.clients import bitbucket, decide, jenkins_server
from tests.support.sandbox import Sandbox, request_body, wait_for

pytestmark = pytest.mark.e2e

FOLDER_XML = """<?xml version='1.1' encoding='UTF-8'?>
<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder">
  <description>Team Falcon's pipelines</description>
  <properties/>
</com.cloudbees.hudson.plugins.folder.Folder>"""

JOB_XML = """<?xml version='1.1' encoding='UTF-8'?>
<flow-definition plugin="workflow-job">
  <description>Falcon's own build</description>
  <definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition" plugin="workflow-cps">
    <script>echo 'falcon'</script>
    <sandbox>true</sandbox>
  </definition>
</flow-definition>"""


def _repository_snapshot(sandbox: Sandbox, slug: str) -> dict[str, Any]:
    client = bitbucket(sandbox)
    repo = client.get_repo("LABS", slug)
    clone = next(link["href"] for link in repo["links"]["clone"] if link["name"] == "http")
    refs = subprocess.run(
        ["git", "ls-remote", _with_credentials(sandbox, clone)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        "repository": repo,
        "groups": list(client.repo_groups("LABS", slug)),
        "refs": refs,
        "hooks": list(client.get_webhooks("LABS", slug)),
    }


def _with_credentials(sandbox: Sandbox, url: str) -> str:
    account = sandbox.description["bitbucket"]
    return url.replace("://", f"://{account['username']}:{account['password']}@", 1)


def _folder_snapshot(sandbox: Sandbox, full_name: str) -> dict[str, Any]:
    server = jenkins_server(sandbox)
    return {
        "config": server.get_job_config(full_name),
        "jobs": sorted(job["name"] for job in server.get_job_info(full_name)["jobs"]),
        "job_config": server.get_job_config(f"{full_name}/falcon-build"),
    }


def test_another_teams_repository_is_never_adopted_changed_or_deleted(sandbox: Sandbox) -> None:
    client = bitbucket(sandbox)
    client.create_repo("LABS", "falcon-ledger")
    client.update_repo("LABS", "falcon-ledger", description="Team Falcon's ledger")
    before = _repository_snapshot(sandbox, "falcon-ledger")

    # Refused at the door: Bitbucket is asked before the request is accepted.
    with sandbox.api() as api:
        refused = api.post("/v1/landing-zones", json=request_body("falcon-ledger"))
        listed = api.get("/v1/landing-zones", params={"limit": 200}).json()["items"]
    assert refused.status_code == 409, refused.text
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["body", "name"]
    assert "LABS/falcon-ledger" in problem["msg"]
    assert "no landing-zone marker" in problem["msg"]
    assert "falcon-ledger" not in [item["name"] for item in listed]
    assert _repository_snapshot(sandbox, "falcon-ledger") == before


def test_another_teams_jenkins_folder_is_never_adopted_changed_or_deleted(
    sandbox: Sandbox,
) -> None:
    server = jenkins_server(sandbox)
    if not server.job_exists("labs"):
        server.create_job("labs", FOLDER_XML.replace("Team Falcon's pipelines", "Labs"))
    server.create_job("labs/falcon-api", FOLDER_XML)
    server.create_job("labs/falcon-api/falcon-build", JOB_XML)
    before = _folder_snapshot(sandbox, "labs/falcon-api")

    accepted = sandbox.create(request_body("falcon-api"))
    done = sandbox.wait_status(accepted["id"], {"failed", "completed"})

    assert done["status"] == "failed"
    assert done["error"]["step"] == "plan"
    assert "labs/falcon-api" in done["error"]["message"]
    assert _folder_snapshot(sandbox, "labs/falcon-api") == before
    assert not bitbucket(sandbox).repo_exists("LABS", "falcon-api")


def test_a_name_taken_while_waiting_for_approval_is_refused_at_creation(sandbox: Sandbox) -> None:
    accepted = sandbox.create(request_body("late-clash", tenant="retail"))
    sandbox.wait_status(accepted["id"], {"pending_approval"})
    client = bitbucket(sandbox)
    client.create_repo("RETAIL", "late-clash")  # another team is quicker than the approver
    before = _repository_snapshot_in(sandbox, "RETAIL", "late-clash")

    decide(sandbox, accepted["id"], "approved")
    done = sandbox.wait_status(accepted["id"], {"failed", "completed"})

    assert done["status"] == "failed"
    assert done["error"]["step"] == "repository"
    assert "RETAIL/late-clash" in done["error"]["message"]
    assert _repository_snapshot_in(sandbox, "RETAIL", "late-clash") == before
    # What the landing zone did make before the clash is gone again.
    wait_for(lambda: not client.repo_exists("RETAIL", "late-clash-env"), "its own repo removed")


def _repository_snapshot_in(sandbox: Sandbox, project: str, slug: str) -> dict[str, Any]:
    client = bitbucket(sandbox)
    return {
        "repository": client.get_repo(project, slug),
        "groups": list(client.repo_groups(project, slug)),
    }


def test_two_concurrent_requests_for_one_name_make_one_landing_zone(sandbox: Sandbox) -> None:
    def submit(_: int) -> tuple[int, dict[str, Any]]:
        with sandbox.api() as api:
            response = api.post("/v1/landing-zones", json=request_body("twin-request"))
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = sorted(pool.map(submit, range(2)), key=lambda answer: answer[0])

    assert [status for status, _ in answers] == [202, 409]
    conflict = answers[1][1]["detail"][0]
    assert conflict["loc"] == ["body", "name"]
    with sandbox.api() as api:
        listed = api.get("/v1/landing-zones", params={"tenant": "labs", "limit": 200}).json()
    assert [lz["name"] for lz in listed["items"]].count("twin-request") == 1
    done = sandbox.wait_status(answers[0][1]["id"], {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
