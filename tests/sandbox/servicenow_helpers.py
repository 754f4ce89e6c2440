"""A ServiceNow sandbox served in-process, with a callback receiver, for the ServiceNow tests."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pysnow
from fastapi import FastAPI, Request, Response

from landingzone_sandbox.servicenow import ServiceNowSimSettings, create_app
from landingzone_sandbox.servicenow.catalog_seed import LANDING_ZONE_ITEM_SYS_ID
from landingzone_sandbox.serving import free_port, serving

USER, PASSWORD = "integration", "s3cret-pw"
APPROVERS = {"cab.approver": "approver-pw", "cab.deputy": "deputy-pw"}
BOARD = "retail-change-board"
SECRET = "callback-secret"


def wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        threading.Event().wait(0.02)
    raise AssertionError("condition not met before the deadline")


def signature_ok(headers: Mapping[str, str], body: bytes) -> bool:
    timestamp = headers["x-servicenow-timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return headers["x-servicenow-signature"] == f"sha256={expected.hexdigest()}"


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
class Snow:
    url: str
    port: int

    def client(self, user: str = USER) -> pysnow.Client:
        password = APPROVERS.get(user, PASSWORD)
        return pysnow.Client(
            host=f"127.0.0.1:{self.port}", user=user, password=password, use_ssl=False
        )

    def table(self, table: str, user: str = USER) -> pysnow.Resource:
        return self.client(user).resource(api_path=f"/table/{table}")

    def rows(self, table: str, query: object, **kwargs: Any) -> list[dict[str, Any]]:
        return list(self.table(table).get(query=query, **kwargs).all())

    def one(self, table: str, sys_id: str) -> dict[str, Any]:
        return dict(self.table(table).get(query={"sys_id": sys_id}).one())

    def group_id(self, name: str = BOARD) -> str:
        return str(self.rows("sys_user_group", {"name": name})[0]["sys_id"])

    def user_id(self, name: str) -> str:
        return str(self.rows("sys_user", {"user_name": name})[0]["sys_id"])

    def http(self, path: str, method: str = "GET", **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method, f"{self.url}{path}", auth=(USER, PASSWORD), timeout=10, **kwargs
        )

    def order(
        self, answers: Mapping[str, object], item: str = LANDING_ZONE_ITEM_SYS_ID, **body: object
    ) -> httpx.Response:
        payload = {"sysparm_quantity": "1", "variables": dict(answers)} | body
        return self.http(f"/api/sn_sc/servicecatalog/items/{item}/order_now", "POST", json=payload)

    def ordered_item(self, answers: Mapping[str, object]) -> dict[str, Any]:
        """Order the Landing zone item; its one requested item."""
        placed = self.order(answers)
        assert placed.status_code == 200, placed.text
        [item] = self.rows("sc_req_item", {"request": placed.json()["result"]["sys_id"]})
        return item


def landing_zone(lz_id: str = "lz_0001", group: str = "", **more: str) -> dict[str, str]:
    return {
        "landing_zone_id": lz_id,
        "landing_zone_name": "payments-api",
        "approval_group": group,
    } | more


@contextmanager
def running(
    data_dir: Path,
    callback_url: str | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    approval_on_insert_field: str | None = None,
) -> Iterator[Snow]:
    port = free_port()
    settings = ServiceNowSimSettings(
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{port}",
        users={USER: PASSWORD, **APPROVERS},
        groups={BOARD: tuple(APPROVERS), "empty-board": ()} if groups is None else groups,
        approval_on_insert_field=approval_on_insert_field,
        callback_url=callback_url,
        callback_secret=SECRET,
        callback_first_delay_s=0.05,
    )
    with serving(create_app(settings), port=port) as server:
        yield Snow(server.url, port)


@contextmanager
def receiving(failures: int = 0) -> Iterator[tuple[Receiver, str]]:
    recorder = Receiver(failures=failures)
    with serving(recorder.app()) as server:
        yield recorder, f"{server.url}/callback"
