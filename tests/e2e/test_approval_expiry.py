"""An approval nobody decides expires: the request is withdrawn and the requester told."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.clients import (
    bitbucket,
    mailbox_message,
    mailbox_messages,
    requested_items,
    servicenow,
)
from tests.support.sandbox import Sandbox, request_body, running_sandbox, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def impatient_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    settings = {"LZ_APPROVAL_EXPIRY_HOURS": "0.001"}  # 3.6 s
    with running_sandbox(tmp_path_factory.mktemp("expiry"), settings=settings) as sandbox:
        yield sandbox


def test_an_undecided_approval_expires(impatient_sandbox: Sandbox) -> None:
    sandbox = impatient_sandbox
    accepted = sandbox.create(request_body("left-waiting", tenant="retail"))

    done = sandbox.wait_status(accepted["id"], {"rejected", "completed", "failed"})

    assert done["status"] == "rejected"
    assert done["error"] == {"step": "approve", "message": "approval expired"}
    [item] = requested_items(servicenow(sandbox), accepted["id"])
    assert item["state"] in {"4", "7"}
    [message] = wait_for(
        lambda: [
            m
            for m in mailbox_messages(sandbox)
            if "left-waiting was not approved" in str(m["Subject"])
        ],
        "the email",
    )
    assert "approval expired" in str(mailbox_message(sandbox, str(message["ID"]))["Text"])
    assert not bitbucket(sandbox).repo_exists("RETAIL", "left-waiting")
