"""Approval flow of the ServiceNow sandbox: approver rows, roll-up, signed callback, inbox page."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pysnow
import pytest
from fastapi import FastAPI, Request, Response

from landingzone.sandbox.servicenow import ServiceNowSimSettings, create_app
from landingzone.sandbox.serving import free_port, serving

USER, PASSWORD = "integration", "s3cret-pw"
SECRET = "callback-secret"


def wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        threading.Event().wait(0.02)
    raise AssertionError("condition not met before the deadline")


@dataclass
class Receiver:
    """Records callbacks; answers the first `failures` of them with 503."""

    failures: int = 0
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/callback")
        async def callback(request: Request) -> Response:
            self.calls.append((dict(request.headers), await request.body()))
            return Response(status_code=503 if len(self.calls) <= self.failures else 204)

        return app


@dataclass
class Sandbox:
    url: str
    client: pysnow.Client

    def items(self) -> pysnow.Resource:
        return self.client.resource(api_path="/table/sc_req_item")

    def approvals(self) -> pysnow.Resource:
        return self.client.resource(api_path="/table/sysapproval_approver")

    def rows_for(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        query = f"sysapproval={item['sys_id']}^ORDERBYsys_created_on"
        return self.approvals().get(query=query, display_value="all").all()  # type: ignore[no-any-return]

    def item(self, item: dict[str, Any]) -> dict[str, Any]:
        return self.items().get(query={"sys_id": item["sys_id"]}).one()  # type: ignore[no-any-return]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    recorder = Receiver(failures=1)
    with serving(recorder.app()) as server:
        yield recorder, f"{server.url}/callback"


@pytest.fixture
def sandbox(tmp_path: Path, receiver: tuple[Receiver, str]) -> Iterator[Sandbox]:
    port = free_port()
    settings = ServiceNowSimSettings(
        data_dir=tmp_path,
        base_url=f"http://127.0.0.1:{port}",
        users={USER: PASSWORD},
        approvers=("cab.approver", "security.officer"),
        callback_url=receiver[1],
        callback_secret=SECRET,
        callback_first_delay_s=0.05,
    )
    with serving(create_app(settings), port=port) as server:
        client = pysnow.Client(
            host=f"127.0.0.1:{port}", user=USER, password=PASSWORD, use_ssl=False
        )
        yield Sandbox(server.url, client)


def _requested(sandbox: Sandbox) -> dict[str, Any]:
    payload = {
        "short_description": "Payments API",
        "approval": "requested",
        "correlation_id": "lz-7",
    }
    return sandbox.items().create(payload=payload).one()  # type: ignore[no-any-return]


def test_a_requested_item_gets_one_approval_per_approver(sandbox: Sandbox) -> None:
    item = _requested(sandbox)
    rows = sandbox.rows_for(item)

    assert [r["approver"]["display_value"] for r in rows] == ["Cab Approver", "Security Officer"]
    assert {r["state"]["value"] for r in rows} == {"requested"}
    assert {r["document_id"]["value"] for r in rows} == {item["sys_id"]}
    assert {r["source_table"]["value"] for r in rows} == {"sc_req_item"}
    assert {r["sysapproval"]["display_value"] for r in rows} == {item["number"]}
    assert item["stage"] == "waiting_for_approval"


def test_item_is_approved_only_when_every_approver_approved(sandbox: Sandbox) -> None:
    item = _requested(sandbox)
    first, second = (r["sys_id"]["value"] for r in sandbox.rows_for(item))

    sandbox.approvals().update(query={"sys_id": first}, payload={"state": "approved"})
    assert sandbox.item(item)["approval"] == "requested"
    sandbox.approvals().update(query={"sys_id": second}, payload={"state": "approved"})
    assert sandbox.item(item)["approval"] == "approved"
    assert sandbox.item(item)["stage"] == "fulfillment"


def test_one_rejection_rejects_and_releases_the_other_approvers(sandbox: Sandbox) -> None:
    item = _requested(sandbox)
    first, _ = (r["sys_id"]["value"] for r in sandbox.rows_for(item))

    sandbox.approvals().update(query={"sys_id": first}, payload={"state": "rejected"})

    assert sandbox.item(item)["approval"] == "rejected"
    assert [r["state"]["display_value"] for r in sandbox.rows_for(item)] == [
        "Rejected",
        "No Longer Required",
    ]


def test_decision_is_called_back_signed_after_a_failed_delivery(
    sandbox: Sandbox, receiver: tuple[Receiver, str]
) -> None:
    recorder, _ = receiver
    sandbox.items().create(payload={"approval": "approved", "correlation_id": "lz-auto"})
    item = _requested(sandbox)
    for row in sandbox.rows_for(item):
        sandbox.approvals().update(
            query={"sys_id": row["sys_id"]["value"]}, payload={"state": "approved"}
        )

    wait_until(lambda: len(recorder.calls) >= 2)
    headers, body = recorder.calls[-1]
    assert json.loads(body) == {
        "table": "sc_req_item",
        "sys_id": item["sys_id"],
        "number": item["number"],
        "approval": "approved",
        "correlation_id": "lz-7",
    }
    timestamp = headers["x-servicenow-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert headers["x-servicenow-signature"] == f"sha256={expected.hexdigest()}"
    assert len(recorder.calls) == 2  # one refused with 503, then delivered once


def test_inbox_page_lists_waiting_approvals_and_applies_a_decision(sandbox: Sandbox) -> None:
    item = (
        sandbox.items()
        .create(payload={"short_description": "<script>alert(1)</script>", "approval": "requested"})
        .one()
    )
    sandbox.items().update(
        query={"sys_id": item["sys_id"]}, payload={"work_notes": "waiting on CAB"}
    )

    page = httpx.get(f"{sandbox.url}/")
    assert page.status_code == 200
    assert item["number"] in page.text and "waiting on CAB" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text

    first, second = (r["sys_id"]["value"] for r in sandbox.rows_for(item))
    decided = httpx.post(f"{sandbox.url}/sandbox/approvals/{first}", data={"decision": "rejected"})
    assert decided.status_code == 303

    assert sandbox.item(item)["approval"] == "rejected"
    assert sandbox.rows_for(item)[0]["sys_updated_by"]["value"] == "cab.approver"
    late = httpx.post(f"{sandbox.url}/sandbox/approvals/{second}", data={"decision": "approved"})
    assert late.status_code == 409
    assert sandbox.item(item)["approval"] == "rejected"
    assert item["number"] not in httpx.get(f"{sandbox.url}/").text.split("Requested items")[0]


def test_record_page_shows_the_item_behind_its_navigation_link(sandbox: Sandbox) -> None:
    item = _requested(sandbox)
    sandbox.items().update(
        query={"sys_id": item["sys_id"]},
        payload={"work_notes": "repo created: http://bb.example/repos/x"},
    )

    page = httpx.get(f"{sandbox.url}/nav_to.do?uri=sc_req_item.do?sys_id={item['sys_id']}")
    assert page.status_code == 200
    assert item["number"] in page.text and "repo created" in page.text and "Requested" in page.text
    assert '<a href="http://bb.example/repos/x"' in page.text
    missing = httpx.get(f"{sandbox.url}/nav_to.do?uri=sc_req_item.do?sys_id={'0' * 32}")
    assert missing.status_code == 404
