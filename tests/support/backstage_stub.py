"""A local HTTP server that answers as Backstage's catalog and notifications APIs do, for
the cases a real Backstage will not produce on demand (refusals, outages). It records what
it received; the real-Backstage path is tests/e2e_backstage."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    authorization: str
    body: dict[str, Any]


class BackstageStub(ThreadingHTTPServer):
    """Answers from `answers` in order, then with `default`."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: list[tuple[int, Any, dict[str, str]]] = []
        self.default: tuple[int, Any, dict[str, str]] = (201, {}, {})
        self.received: list[Received] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            return self.answers.pop(0) if self.answers else self.default

    def to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


class _Handler(BaseHTTPRequestHandler):
    server: BackstageStub

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append(Received(self.path, self.headers["Authorization"], body))
        status, answer, headers = self.server.answer()
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


@contextmanager
def running_backstage_stub() -> Iterator[BackstageStub]:
    server = BackstageStub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def backstage_error(name: str, message: str) -> dict[str, Any]:
    """Backstage's error body."""
    return {"error": {"name": name, "message": message}}
