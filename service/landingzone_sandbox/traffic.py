"""What each simulator is asked: requests in flight, their peak, and a log of recent requests.

`GET /_sandbox/traffic[?since=N]` on a simulator's address answers

    {"requests": total, "in_flight": k, "peak": p,
     "log": [{"seq", "method", "target", "agent", "started", "ended", "status"}, ...]}

with the finished requests whose `seq` is above N (times are epoch seconds), oldest first, at
most the last LOG_LIMIT. `DELETE /_sandbox/traffic` starts the peak again from what is in flight
now and empties the log. Benchmarks count a landing zone's requests per system with it and check
the bound on concurrent calls per system. Values of query parameters that may carry a
credential (a notifyCommit token) are masked in the log; `agent` is the User-Agent, which
tells the simulators' own calls (Bitbucket's webhooks, Jenkins' clones) from the caller's.

The mailbox counts SMTP sessions (one log entry per connection, method `SMTP`) and shows them
at the same path on its HTTP side. Counting costs a lock and an append per request.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landingzone_sandbox.asgi_replies import answer

TRAFFIC_PATH = "/_sandbox/traffic"
LOG_LIMIT = 200_000
_MASKED = ("token", "secret", "password", "crumb")


@dataclass(frozen=True)
class Entry:
    seq: int
    method: str
    target: str
    agent: str
    started: float
    ended: float
    status: int

    def describe(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "method": self.method,
            "target": self.target,
            "agent": self.agent,
            "started": self.started,
            "ended": self.ended,
            "status": self.status,
        }


def masked_target(path: str, query: str) -> str:
    """The request's path and query, the values of credential-like parameters replaced."""
    if not query:
        return path
    pairs = [
        (key, "***" if any(word in key.lower() for word in _MASKED) else value)
        for key, value in parse_qsl(query, keep_blank_values=True)
    ]
    return f"{path}?{urlencode(pairs)}"


class Traffic:
    """Thread-safe counters of one system's requests."""

    def __init__(self, keep: int = LOG_LIMIT) -> None:
        self._lock = threading.Lock()
        self._log: deque[Entry] = deque(maxlen=keep)
        self._seq = 0
        self._in_flight = 0
        self._peak = 0

    def started(self) -> tuple[int, float]:
        """A request began: its sequence number and start time."""
        with self._lock:
            self._seq += 1
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            return self._seq, time.time()

    def finished(
        self, seq: int, started: float, method: str, target: str, status: int, agent: str = ""
    ) -> None:
        entry = Entry(seq, method, target, agent[:80], started, time.time(), status)
        with self._lock:
            self._in_flight -= 1
            self._log.append(entry)

    def describe(self, since: int = 0) -> dict[str, object]:
        with self._lock:
            log = [entry.describe() for entry in self._log if entry.seq > since]
            return {
                "requests": self._seq,
                "in_flight": self._in_flight,
                "peak": self._peak,
                "log": log,
            }

    def reset(self) -> None:
        with self._lock:
            self._peak = self._in_flight
            self._log.clear()


class TrafficMeter:
    """ASGI middleware: counts every request but its own control (`count_requests`), and serves
    `/_sandbox/traffic` for `traffic` (the mailbox's counts SMTP sessions instead)."""

    def __init__(
        self, app: ASGIApp, traffic: Traffic | None = None, *, count_requests: bool = True
    ) -> None:
        self.app = app
        self.traffic = traffic or Traffic()
        self._count = count_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == TRAFFIC_PATH:
            await self._control(scope, send)
            return
        if not self._count or scope["path"].startswith("/_sandbox/"):
            await self.app(scope, receive, send)
            return
        seq, started = self.traffic.started()
        status = 0

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        observed.__wrapped__ = send  # type: ignore[attr-defined]  # a reset needs the transport
        try:
            await self.app(scope, receive, observed)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            target = masked_target(scope["path"], query)
            agent = dict(scope["headers"]).get(b"user-agent", b"").decode("latin-1")
            self.traffic.finished(seq, started, scope["method"], target, status, agent)

    async def _control(self, scope: Scope, send: Send) -> None:
        method = scope["method"]
        if method == "GET":
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            try:
                since = int(query.get("since", "0"))
            except ValueError:
                await answer(send, 400, {"error": "since is a whole number"})
                return
            await answer(send, 200, self.traffic.describe(since))
        elif method == "DELETE":
            self.traffic.reset()
            await answer(send, 204, None)
        else:
            await answer(send, 405, {"error": "GET or DELETE"}, [(b"allow", b"GET, DELETE")])
