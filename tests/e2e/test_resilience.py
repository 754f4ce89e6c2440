"""Crashes, downstream faults, cancel and retry, through the HTTP API and the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.clients import (
    bitbucket,
    jenkins_server,
    mailbox_messages,
    records,
    requested_items,
    servicenow,
)
from tests.support.sandbox import Sandbox, request_body, wait_for

pytestmark = pytest.mark.e2e


def _stage(landing_zone: dict[str, Any], name: str) -> dict[str, Any]:
    steps = landing_zone["steps"]
    assert isinstance(steps, list)
    return next(step for step in steps if step["name"] == name)


def _repositories_named(sandbox: Sandbox, project: str, prefix: str) -> list[str]:
    return [
        r["slug"] for r in bitbucket(sandbox).repo_list(project) if r["slug"].startswith(prefix)
    ]


def test_sigkill_mid_provisioning_finishes_exactly_once(sandbox: Sandbox) -> None:
    # Hold Jenkins' folder creation so the service is caught half-way through.
    sandbox.fault("jenkins", method="POST", path=r"/createItem", hold=True, times=1)
    accepted = sandbox.create(request_body("crash-test"))
    landing_zone_id = accepted["id"]
    wait_for(
        lambda: _stage(sandbox.get(landing_zone_id), "pipelines")["status"] == "running",
        "provisioning to reach the pipelines",
    )

    killed = sandbox.kill_service()
    sandbox.clear_faults("jenkins")  # the held request now takes effect, unseen by the dead client
    wait_for(
        lambda: sandbox.description["processes"]["service"] != killed and sandbox.service_healthy(),
        "the service to be restarted",
    )

    done = sandbox.wait_status(landing_zone_id, {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
    assert _repositories_named(sandbox, "LABS", "crash-test") == ["crash-test", "crash-test-env"]
    folder = jenkins_server(sandbox).get_job_info("labs/crash-test")
    assert sorted(job["name"] for job in folder["jobs"]) == ["build", "promote"]
    assert len(jenkins_server(sandbox).get_job_info("labs/crash-test/build")["builds"]) <= 1
    assert len(requested_items(servicenow(sandbox), landing_zone_id)) == 1
    emails = wait_for(
        lambda: [
            m for m in mailbox_messages(sandbox) if "crash-test is ready" in str(m["Subject"])
        ],
        "the email",
    )
    assert len(emails) == 1


def test_transient_bitbucket_errors_are_retried(sandbox: Sandbox) -> None:
    sandbox.fault("bitbucket", method="POST", path=r"/projects/LABS/repos$", status=503, times=2)
    accepted = sandbox.create(request_body("flaky-bitbucket"))
    done = sandbox.wait_status(accepted["id"], {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
    # Both repositories are created side by side; the two retries land on one or the other.
    attempts = _stage(done, "repository")["attempts"] + _stage(done, "environment")["attempts"]
    assert attempts >= 4


def test_a_create_that_took_effect_despite_an_error_is_not_duplicated(sandbox: Sandbox) -> None:
    sandbox.fault(
        "bitbucket",
        method="POST",
        path=r"/projects/LABS/repos$",
        status=500,
        after_effect=True,
        times=1,
    )
    accepted = sandbox.create(request_body("ghost-create"))
    done = sandbox.wait_status(accepted["id"], {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
    assert _repositories_named(sandbox, "LABS", "ghost-create") == [
        "ghost-create",
        "ghost-create-env",
    ]


def test_a_refusal_before_the_push_is_undone_reported_and_retryable(sandbox: Sandbox) -> None:
    # Bitbucket refuses the project's first push: nothing is past the point of no return yet.
    sandbox.fault(
        "bitbucket", method="POST", path=r"/doomed-push\.git/git-receive-pack$", status=403, times=0
    )
    accepted = sandbox.create(request_body("doomed-push"))
    failed = sandbox.wait_status(accepted["id"], {"failed", "completed"})
    sandbox.clear_faults("bitbucket")

    assert failed["status"] == "failed"
    assert failed["error"]["step"] == "repository"
    assert _repositories_named(sandbox, "LABS", "doomed-push") == []
    assert wait_for(
        lambda: [
            m
            for m in mailbox_messages(sandbox)
            if "doomed-push could not be completed" in str(m["Subject"])
        ],
        "the failure email",
    )

    with sandbox.api() as client:
        assert client.post(f"/v1/landing-zones/{accepted['id']}/retry").status_code == 202
    done = sandbox.wait_status(accepted["id"], {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
    assert _repositories_named(sandbox, "LABS", "doomed-push") == [
        "doomed-push",
        "doomed-push-env",
    ]


def test_cancel_while_waiting_for_approval(sandbox: Sandbox) -> None:
    accepted = sandbox.create(request_body("never-mind", tenant="retail"))
    sandbox.wait_status(accepted["id"], {"pending_approval"})
    with sandbox.api() as client:
        assert client.post(f"/v1/landing-zones/{accepted['id']}/cancel").status_code == 202
    done = sandbox.wait_status(accepted["id"], {"cancelled"})
    assert done["status"] == "cancelled"
    [item] = requested_items(servicenow(sandbox), accepted["id"])
    assert item["state"] in {"4", "7"}
    approvals = records(
        servicenow(sandbox, as_approver=True),
        "sysapproval_approver",
        {"sysapproval": item["sys_id"]},
    )
    assert approvals and all(a["state"] != "requested" for a in approvals), "the inbox is empty"
    with sandbox.api() as client:
        again = client.post(f"/v1/landing-zones/{accepted['id']}/cancel")
    assert again.status_code == 409


def test_cancel_mid_provisioning_leaves_nothing_behind(sandbox: Sandbox) -> None:
    sandbox.fault("jenkins", method="POST", path=r"/createItem", hold=True, times=1)
    accepted = sandbox.create(request_body("half-way"))
    wait_for(
        lambda: _stage(sandbox.get(accepted["id"]), "pipelines")["status"] == "running",
        "provisioning to reach the pipelines",
    )

    with sandbox.api() as client:
        assert client.post(f"/v1/landing-zones/{accepted['id']}/cancel").status_code == 202
    done = sandbox.wait_status(accepted["id"], {"cancelled"})
    sandbox.clear_faults("jenkins")  # the held folder creation now lands, after the first sweep

    assert done["status"] == "cancelled"
    assert _repositories_named(sandbox, "LABS", "half-way") == []
    wait_for(
        lambda: jenkins_server(sandbox).job_exists("labs/half-way") is None,
        "the late Jenkins folder to be swept away",
        timeout=60,
    )
    events = sandbox.events(accepted["id"])
    assert any(e["message"] == "created resources removed" for e in events)


def test_a_slow_create_that_timed_out_but_landed_is_found_not_repeated(sandbox: Sandbox) -> None:
    # ServiceNow records the request, then answers after the client (5 s timeout) gave up.
    sandbox.fault(
        "servicenow",
        method="POST",
        path=r"/api/sn_sc/servicecatalog/items/\w+/order_now$",
        after_effect=True,
        delay_seconds=7,
        times=1,
    )
    accepted = sandbox.create(request_body("slow-ticket"))
    done = sandbox.wait_status(accepted["id"], {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
    assert _stage(done, "approve")["attempts"] >= 2
    assert len(requested_items(servicenow(sandbox), accepted["id"])) == 1


def test_a_name_taken_in_bitbucket_fails_at_plan_and_leaves_the_owner_alone(
    sandbox: Sandbox,
) -> None:
    bitbucket(sandbox).create_repo("LABS", "someone-elses")
    # Bitbucket cannot answer the door's question, so the request is let in; the plan stage
    # asks again and finds the name taken.
    sandbox.fault(
        "bitbucket", path="^/rest/api/1.0/projects/LABS/repos/someone-elses$", status=503, times=1
    )
    accepted = sandbox.create(request_body("someone-elses"))

    done = sandbox.wait_status(accepted["id"], {"failed", "completed"})

    assert done["status"] == "failed"
    assert done["error"]["step"] == "plan"
    assert "LABS/someone-elses already exists" in done["error"]["message"]
    assert bitbucket(sandbox).repo_exists("LABS", "someone-elses")
    assert wait_for(
        lambda: [
            m
            for m in mailbox_messages(sandbox)
            if "someone-elses could not be completed" in str(m["Subject"])
        ],
        "the failure email",
    )
