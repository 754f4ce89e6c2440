"""Past the point of no return a permanent failure keeps everything, and a retry resumes there."""

from __future__ import annotations

import pytest

from tests.support.clients import bitbucket, jenkins_server, mailbox_messages
from tests.support.sandbox import Sandbox, request_body, wait_for

pytestmark = pytest.mark.e2e


def _repository_id(sandbox: Sandbox, slug: str) -> int:
    """Bitbucket's id changes if a repository is deleted and created again."""
    return int(bitbucket(sandbox).get_repo("LABS", slug)["id"])


def test_a_refusal_after_the_push_keeps_everything_and_retry_resumes(sandbox: Sandbox) -> None:
    sandbox.fault("jenkins", method="POST", path=r"/createItem", status=400, times=0)
    accepted = sandbox.create(request_body("resume-me"))
    failed = sandbox.wait_status(accepted["id"], {"failed", "completed"})
    sandbox.clear_faults("jenkins")

    assert failed["status"] == "failed" and failed["error"]["step"] == "pipelines"
    assert "kept" in failed["error"]["message"]
    ids = {slug: _repository_id(sandbox, slug) for slug in ("resume-me", "resume-me-env")}
    failure_mails = wait_for(
        lambda: [
            m
            for m in mailbox_messages(sandbox)
            if "resume-me could not be completed" in str(m["Subject"])
        ],
        "the failure email",
    )
    assert len(failure_mails) == 1, "told once"
    told = {address["Address"] for address in failure_mails[0]["To"]}
    assert told == {"jane.doe@example.com", "platform-team@example.internal"}

    with sandbox.api() as client:
        assert client.post(f"/v1/landing-zones/{accepted['id']}/retry").status_code == 202
    done = sandbox.wait_status(accepted["id"], {"completed", "failed"})

    assert done["status"] == "completed", done["error"]
    assert {slug: _repository_id(sandbox, slug) for slug in ids} == ids  # kept, not rebuilt
    assert jenkins_server(sandbox).get_job_info("labs/resume-me/build")["name"] == "build"
    assert (
        len([m for m in mailbox_messages(sandbox) if "resume-me could not" in str(m["Subject"])])
        == 1
    )
