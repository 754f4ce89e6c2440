"""Fault injection for the simulators: slow answers, 5xx, held requests, unseen effects.

`POST /_sandbox/faults` adds a rule, `GET` lists them, `DELETE` removes them all and releases
every held request. A rule matches a method and a path regular expression and applies `times`
times (0 = until removed):

- `status`: answer this status instead of the real answer;
- `after_effect: true`: run the real request first, so the change happens although the client
  sees an error or, with `delay_seconds`, gives up waiting;
- `delay_seconds`: answer late (before the request runs, or after it with `after_effect`);
- `hold: true`: keep the request waiting until the rules are deleted.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTROL_PATH = "/_sandbox/faults"


@dataclass
class FaultRule:
    path: str
    method: str = "*"
    status: int | None = None
    delay_seconds: float = 0.0
    hold: bool = False
    after_effect: bool = False
    times: int = 1
    hits: int = 0
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        exhausted = self.times and self.hits >= self.times
        return (
            not exhausted and self.method in ("*", method) and self.pattern.search(path) is not None
        )

    def describe(self) -> dict[str, object]:
        return {
            "path": self.path,
            "method": self.method,
            "status": self.status,
            "delay_seconds": self.delay_seconds,
            "hold": self.hold,
            "after_effect": self.after_effect,
            "times": self.times,
            "hits": self.hits,
        }


class FaultInjector:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == CONTROL_PATH:
            await self._control(scope, receive, send)
            return
        release = self._release
        rule = self._take(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.after_effect:
            await self._after_effect(rule, scope, receive, send)
            return
        if rule.delay_seconds:
            await asyncio.sleep(rule.delay_seconds)
        if rule.hold:
            await release.wait()
        if rule.status is None:
            await self.app(scope, receive, send)
            return
        await _answer(send, rule.status, {"errors": [{"message": "injected fault"}]})

    async def _after_effect(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send
    ) -> None:
        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        await self.app(scope, receive, keep)
        if rule.delay_seconds:
            await asyncio.sleep(rule.delay_seconds)
        if rule.status is not None:
            await _answer(send, rule.status, {"errors": [{"message": "injected fault"}]})
            return
        for message in answer:
            await send(message)

    def _take(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path):
                    rule.hits += 1
                    return rule
        return None

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method == "POST":
            body = b""
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            try:
                spec = json.loads(body)
                rule = FaultRule(**{k: v for k, v in spec.items() if k != "hits"})
            except (ValueError, TypeError, re.error) as error:
                await _answer(send, 400, {"error": str(error)})
                return
            with self._lock:
                self.rules.append(rule)
            await _answer(send, 201, rule.describe())
        elif method == "DELETE":
            with self._lock:
                self.rules.clear()
                released, self._release = self._release, asyncio.Event()
            released.set()
            await _answer(send, 204, None)
        else:
            with self._lock:
                await _answer(send, 200, [rule.describe() for rule in self.rules])


async def _answer(send: Send, status: int, payload: object) -> None:
    body = b"" if payload is None else json.dumps(payload).encode()
    headers = [(b"content-length", str(len(body)).encode())]
    if payload is not None:
        headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
