"""verify_callback: the service's check of ServiceNow's decision callbacks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pysnow
from fastapi import FastAPI, Request, Response

from landingzone.integrations.servicenow import sign_callback, verify_callback
from tests.support.simulators import ServiceNowSimSettings, free_port, serving
from tests.support.simulators import servicenow_app as create_app

SECRET = "shared-callback-secret"
BODY = b'{"table":"sc_req_item","sys_id":"abc","number":"RITM0010001","approval":"approved"}'
NOW = 1_750_000_000.0


def _signed(body: bytes = BODY, at: float = NOW, secret: str = SECRET) -> tuple[str, str]:
    timestamp = str(int(at))
    return timestamp, sign_callback(secret, timestamp, body)


def test_a_fresh_correctly_signed_callback_is_accepted() -> None:
    timestamp, signature = _signed()
    assert verify_callback(SECRET, timestamp, BODY, signature, now=NOW + 10)


def test_tampered_forged_expired_or_malformed_callbacks_are_refused() -> None:
    timestamp, signature = _signed()
    tampered = BODY.replace(b"approved", b"rejected")
    assert not verify_callback(SECRET, timestamp, tampered, signature, now=NOW)
    assert not verify_callback(SECRET, str(int(NOW) + 1), BODY, signature, now=NOW)
    forged_at, forged = _signed(secret="guessed")
    assert not verify_callback(SECRET, forged_at, BODY, forged, now=NOW)
    assert not verify_callback(SECRET, timestamp, BODY, signature, now=NOW + 301)
    assert not verify_callback(SECRET, timestamp, BODY, signature, now=NOW - 301)
    assert not verify_callback(SECRET, timestamp, BODY, signature.removeprefix("sha256="), now=NOW)
    assert not verify_callback(SECRET, "1e9", BODY, signature, now=NOW)
    assert not verify_callback(SECRET, "\u00b2", BODY, signature, now=NOW)
    assert not verify_callback("", timestamp, BODY, _signed(secret="")[1], now=NOW)


def _wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "no callback before the deadline"
        threading.Event().wait(0.02)


def test_callbacks_from_the_servicenow_sandbox_verify(tmp_path: Path) -> None:
    verdicts: list[tuple[bool, dict[str, str]]] = []
    receiver = FastAPI()

    @receiver.post("/hook")
    async def hook(request: Request) -> Response:
        body = await request.body()
        ok = verify_callback(
            SECRET,
            request.headers["X-ServiceNow-Timestamp"],
            body,
            request.headers["X-ServiceNow-Signature"],
            now=time.time(),
        )
        verdicts.append((ok, json.loads(body)))
        return Response(status_code=202 if ok else 401)

    port = free_port()
    with serving(receiver) as hook_server:
        settings = ServiceNowSimSettings(
            data_dir=tmp_path,
            base_url=f"http://127.0.0.1:{port}",
            users={"approver": "pw"},
            groups={"change-board": ["approver"]},
            approval_on_insert_field="assignment_group",
            callback_url=f"{hook_server.url}/hook",
            callback_secret=SECRET,
        )
        with serving(create_app(settings), port=port):
            snow = pysnow.Client(
                host=f"127.0.0.1:{port}", user="approver", password="pw", use_ssl=False
            )
            board = snow.resource(api_path="/table/sys_user_group").get(
                query={"name": "change-board"}
            )
            item = (
                snow.resource(api_path="/table/sc_req_item")
                .create(
                    payload={
                        "approval": "requested",
                        "correlation_id": "lz-42",
                        "assignment_group": board.one()["sys_id"],
                    }
                )
                .one()
            )
            snow.resource(api_path="/table/sysapproval_approver").update(
                query={"sysapproval": item["sys_id"]}, payload={"state": "rejected"}
            )
            _wait_until(lambda: verdicts)

    assert verdicts == [
        (
            True,
            {
                "table": "sc_req_item",
                "sys_id": item["sys_id"],
                "number": item["number"],
                "approval": "rejected",
                "correlation_id": "lz-42",
            },
        )
    ]
