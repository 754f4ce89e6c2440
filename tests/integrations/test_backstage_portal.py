"""BackstagePortal against a local HTTP server that answers as Backstage's catalog and
notifications APIs do (201 / 409 ConflictError / 5xx / 401)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from landingzone.integrations.backstage.config import BackstageConfig
from landingzone.integrations.backstage.plugin import BackstagePortal
from landingzone.integrations.base import Notification, PermanentError, TransientError

TOKEN = "static-token-for-tests"


class Backstage(ThreadingHTTPServer):
    answers: list[tuple[int, dict[str, Any], dict[str, str]]]
    received: list[tuple[str, str, dict[str, Any]]]


class Handler(BaseHTTPRequestHandler):
    server: Backstage

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append((self.path, self.headers["Authorization"], body))
        status, answer, headers = self.server.answers.pop(0)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def backstage() -> Iterator[Backstage]:
    server = Backstage(("127.0.0.1", 0), Handler)
    server.answers, server.received = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def portal(server: Backstage, notifications: bool = True) -> BackstagePortal:
    url = f"http://127.0.0.1:{server.server_address[1]}"
    return BackstagePortal(
        BackstageConfig(url=url, token=SecretStr(TOKEN), notifications=notifications, timeout_s=5)
    )


def conflict(message: str) -> dict[str, Any]:
    return {"error": {"name": "ConflictError", "message": message}}


def test_registers_the_location_with_the_static_token(backstage: Backstage) -> None:
    backstage.answers.append((201, {"location": {}, "entities": []}, {}))
    target = "http://bitbucket/projects/LABS/repos/a/browse/catalog-info.yaml?at=refs/heads/main"
    assert portal(backstage).register_component(target) is True
    [(path, authorization, body)] = backstage.received
    assert path == "/api/catalog/locations"
    assert authorization == f"Bearer {TOKEN}"
    assert body == {"type": "url", "target": target}


def test_a_second_registration_is_harmless(backstage: Backstage) -> None:
    backstage.answers.append((409, conflict("Location url:x already exists"), {}))
    assert portal(backstage).register_component("http://x/catalog-info.yaml") is False


def test_notifies_the_user_entity(backstage: Backstage) -> None:
    backstage.answers.append((200, [], {}))  # type: ignore[arg-type]
    notification = Notification(
        user_ref="user:default/jane.doe",
        title="Your landing zone a is ready",
        description="repository: http://x",
        link="http://backstage/catalog/default/component/a",
        severity="normal",
        scope="landing-zone:lz_1:completed:0",
    )
    portal(backstage).notify(notification)
    [(path, _, body)] = backstage.received
    assert path == "/api/notifications/notifications"
    assert body["recipients"] == {"type": "entity", "entityRef": "user:default/jane.doe"}
    assert body["payload"]["title"] == "Your landing zone a is ready"
    assert body["payload"]["link"] == "http://backstage/catalog/default/component/a"
    assert body["payload"]["severity"] == "normal"
    assert body["payload"]["scope"] == "landing-zone:lz_1:completed:0"


def test_unavailable_and_throttled_are_transient(backstage: Backstage) -> None:
    backstage.answers += [(503, {}, {}), (429, {}, {"Retry-After": "7"})]
    with pytest.raises(TransientError):
        portal(backstage).register_component("http://x/catalog-info.yaml")
    with pytest.raises(TransientError) as throttled:
        portal(backstage).register_component("http://x/catalog-info.yaml")
    assert throttled.value.retry_after == 7


def test_a_refused_token_is_permanent_and_never_echoed(backstage: Backstage) -> None:
    answer = {"error": {"name": "AuthenticationError", "message": "Illegal token"}}
    backstage.answers.append((401, answer, {}))
    with pytest.raises(PermanentError) as refused:
        portal(backstage).register_component("http://x/catalog-info.yaml")
    assert "HTTP 401: Illegal token" in str(refused.value)
    assert TOKEN not in str(refused.value)


def test_connection_refused_is_transient() -> None:
    config = BackstageConfig(url="http://127.0.0.1:9", token=SecretStr(TOKEN), timeout_s=2)
    with pytest.raises(TransientError):
        BackstagePortal(config).register_component("http://x/catalog-info.yaml")
