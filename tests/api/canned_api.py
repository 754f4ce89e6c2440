"""The dashboard page as the service serves it, with canned answers for the API calls it makes."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from landingzone.api.routes.dashboard import dashboard, dashboard_script, dashboard_style

TOKEN = "typed-token"
HOSTILE = "<img src=x onerror=\"document.title='owned'\">"
_RETRY = re.compile(r"^/v1/landing-zones/([^/]+)/retry$")

Json = dict[str, Any]


def _at(offset_seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_seconds)).isoformat()


def _landing_zone(lz_id: str, name: str, status: str, steps: list[Json], **extra: Any) -> Json:
    return {
        "id": lz_id,
        "name": name,
        "class": "java",
        "tenant": "labs",
        "owner": "group:default/payments",
        "description": "d",
        "system": None,
        "requester": {"name": "Jane Doe", "email": "jane.doe@example.com"},
        "status": status,
        "created_at": _at(-600),
        "updated_at": _at(-5),
        "steps": steps,
        "links": {},
        "error": None,
        "waiting": [],
        **extra,
    }


def _step(name: str, status: str, attempts: int = 1, waiting: Json | None = None) -> Json:
    return {"name": name, "status": status, "attempts": attempts, "waiting": waiting}


def _promotion(
    promotion_id: str, environment: str, status: str, number: str = "", state: str = ""
) -> Json:
    change = (
        {
            "number": number,
            "url": f"https://snow.example.internal/change_request.do?sys_id=c{number[-1]}",
            "state": state,
            "type": "normal",
        }
        if number
        else None
    )
    return {
        "id": promotion_id,
        "environment": environment,
        "version": "2.0.1",
        "digest": "sha256:" + "e" * 64,
        "status": status,
        "change": change,
    }


def landing_zones() -> list[Json]:
    """One landing zone waiting on Bitbucket, one failed, one completed; times relative to now."""
    wait = {
        "step": "repository",
        "system": "bitbucket",
        "error": f"bitbucket: create repository LABS/payments-api: HTTP 503: {HOSTILE}",
        "attempts": 3,
        "since": _at(-130),
        "next_attempt_at": _at(40),
    }
    done = [_step(s, "succeeded") for s in ("plan", "approve", "render")]
    return [
        _landing_zone(
            "lz_wait",
            "payments-api",
            "provisioning",
            [*done, _step("repository", "waiting", 3, wait), _step("environment", "running")],
            waiting=[wait],
        ),
        _landing_zone(
            "lz_fail",
            "orders-api",
            "failed",
            [*done, _step("pipelines", "failed")],
            error={"step": "pipelines", "message": "jenkins: folder labs is read-only"},
        ),
        _landing_zone(
            "lz_done",
            "ledger-api",
            "completed",
            [_step("notify", "succeeded")],
            promotions=[
                _promotion("prm_2", "prod", "awaiting_approval", "CHG0030002", "authorize"),
                _promotion("prm_1", "dev", "succeeded"),
            ],
        ),
    ]


@dataclass
class CannedApi:
    url: str = ""
    retries: list[tuple[str, str | None]] = field(default_factory=list)
    retry_status: dict[str, int] = field(default_factory=dict)


def _handler(api: CannedApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: object) -> None:
            self._send(status, json.dumps(value).encode(), {"Content-Type": "application/json"})

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {TOKEN}":
                return True
            self._json(401, {"detail": [{"loc": ["header"], "msg": "bad token", "type": "x"}]})
            return False

        def do_GET(self) -> None:
            files = {
                "/": dashboard,
                "/dashboard.js": dashboard_script,
                "/dashboard.css": dashboard_style,
            }
            if self.path in files:
                page = files[self.path]()
                self._send(200, bytes(page.body), dict(page.headers))
            elif self.path == "/v1/landing-zones?limit=100":
                if self._authorized():
                    self._json(200, {"items": landing_zones(), "next_cursor": None})
            else:
                self._json(404, {"detail": "not found"})

        def do_POST(self) -> None:
            match = _RETRY.match(self.path)
            if match is None:
                self._json(404, {"detail": "not found"})
                return
            api.retries.append((match.group(1), self.headers.get("Authorization")))
            if self._authorized():
                status = api.retry_status.get(match.group(1), 202)
                view = next(lz for lz in landing_zones() if lz["id"] == match.group(1))
                self._json(status, view if status == 202 else {"detail": "conflict"})

    return Handler


@contextmanager
def canned_api() -> Iterator[CannedApi]:
    api = CannedApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
