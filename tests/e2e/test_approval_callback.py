"""ServiceNow's decision callback: only signed, fresh callbacks get in, and they only nudge."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from landingzone.integrations.servicenow.callback import sign_callback
from tests.support.clients import requested_items, servicenow
from tests.support.sandbox import Sandbox, request_body, wait_for

pytestmark = pytest.mark.e2e


def _post(sandbox: Sandbox, body: bytes, timestamp: str, signature: str) -> httpx.Response:
    return httpx.post(
        f"{sandbox.api_url}/v1/approvals/servicenow",
        content=body,
        headers={
            "X-ServiceNow-Timestamp": timestamp,
            "X-ServiceNow-Signature": signature,
            "Content-Type": "application/json",
        },
        timeout=10,
    )


def _secret(sandbox: Sandbox) -> str:
    layout = json.loads((sandbox.data_dir / "layout.json").read_text())
    return str(layout["callback_secret"])


def test_forged_stale_and_replayed_callbacks_decide_nothing(sandbox: Sandbox) -> None:
    accepted = sandbox.create(request_body("forged-approval", tenant="retail"))
    sandbox.wait_status(accepted["id"], {"pending_approval"})
    [item] = requested_items(servicenow(sandbox), accepted["id"])
    body = json.dumps(
        {
            "table": "sc_req_item",
            "sys_id": item["sys_id"],
            "number": item["number"],
            "approval": "approved",
            "correlation_id": accepted["id"],
        }
    ).encode()
    now = str(int(time.time()))
    stale = str(int(time.time()) - 3600)

    forged = _post(sandbox, body, now, sign_callback("guessed-secret", now, body))
    expired = _post(sandbox, body, stale, sign_callback(_secret(sandbox), stale, body))
    genuine = _post(sandbox, body, now, sign_callback(_secret(sandbox), now, body))
    replayed = _post(sandbox, body, now, sign_callback(_secret(sandbox), now, body))

    assert (forged.status_code, expired.status_code) == (401, 401)
    assert genuine.status_code == replayed.status_code == 202
    # The callback claims "approved"; the record still says otherwise, and the record wins.
    checked = wait_for(
        lambda: [
            e
            for e in sandbox.events(accepted["id"])
            if e["message"].startswith("ServiceNow called back")
        ],
        "the workflow to check the callback against the record",
    )
    assert [e["data"]["decision"] for e in checked] == ["pending"]
    assert sandbox.get(accepted["id"])["status"] == "pending_approval"
    with sandbox.api() as client:
        client.post(f"/v1/landing-zones/{accepted['id']}/cancel")
    sandbox.wait_status(accepted["id"], {"cancelled"})
