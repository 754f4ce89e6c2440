"""Fault injection for the HTTP simulators: outages, 5xx, slow or held requests, unseen effects.

Every path under `/_sandbox/` is a control and is never affected by a fault or an outage.
(The mailbox has the same two controls on its HTTP side, acting on its SMTP server: see
`landingzone_sandbox.mailbox.faults`.)

`POST /_sandbox/outage {"seconds": N, "mode": ...}` takes the whole system down for N seconds
from now, after which it comes back by itself. Modes:

- `unavailable` (default): 503 from the load balancer, with `Retry-After` only if
  `"retry_after": s` is given;
- `reset`: the connection is reset without a byte of answer;
- `slow`: the real answer after `"delay_seconds": s`, or when the outage ends if sooner.

`DELETE` ends it now; `GET` shows `{"down": bool, "until": epoch | null, "mode": str | null}`
(plus `retry_after` or `delay_seconds` when set). Git's smart HTTP is part of the Bitbucket
app, so pushes and clones fail during an outage too.

`POST /_sandbox/faults` adds a rule, `GET` lists them, `DELETE` removes them all and releases
every held request. A rule matches a method and a path regular expression and applies `times`
times (0 = until removed):

- `status`: answer this status instead of the real answer;
- `after_effect: true`: run the real request first, so the change happens although the client
  sees an error or, with `delay_seconds` or `hold`, gives up waiting or dies waiting;
- `delay_seconds`: answer late (before the request runs, or after it with `after_effect`);
- `hold: true`: keep the request (with `after_effect`, its answer) waiting until the rules are
  deleted;
- `probability`: apply to only this share of the matching requests (0 < p <= 1, default 1).

An outage comes before the rules: while the system is down, no rule is hit, and a request that
was delayed or held (before it ran) meets the outage if the system went down meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landingzone_sandbox.asgi_replies import (
    answer,
    read_body,
    reset_connection,
    service_unavailable,
)
from landingzone_sandbox.outage import Outage, OutageError, OutageSwitch

CONTROL_PREFIX = "/_sandbox/"
CONTROL_PATH = "/_sandbox/faults"
OUTAGE_PATH = "/_sandbox/outage"
_INJECTED = {"errors": [{"message": "injected fault"}]}


@dataclass
class FaultRule:
    path: str
    method: str = "*"
    status: int | None = None
    delay_seconds: float = 0.0
    hold: bool = False
    after_effect: bool = False
    times: int = 1
    probability: float = 1.0
    hits: int = 0
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = re.compile(self.path)
        if not 0 < self.probability <= 1:
            raise ValueError("probability is above 0 and at most 1")

    def matches(self, method: str, path: str) -> bool:
        exhausted = self.times and self.hits >= self.times
        return (
            not exhausted
            and self.method in ("*", method)
            and self.pattern.search(path) is not None
            and strikes(self.probability)
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
            "probability": self.probability,
            "hits": self.hits,
        }


def strikes(probability: float) -> bool:
    """Whether a rule with this probability applies to this request (a fault, not a secret)."""
    return probability >= 1 or random.random() < probability  # noqa: S311


class FaultInjector:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.rules: list[FaultRule] = []
        self.outage = OutageSwitch()
        self._lock = threading.Lock()
        self._release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(CONTROL_PREFIX):
            await self._control(path, scope["method"], receive, send)
            return
        outage = self.outage.current()
        if outage is not None:
            await self._down(outage, scope, receive, send)
            return
        release = self._release
        rule = self._take(scope["method"], path)
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.after_effect:
            await self._after_effect(rule, release, scope, receive, send)
            return
        if rule.delay_seconds:
            await asyncio.sleep(rule.delay_seconds)
        if rule.hold:
            await release.wait()
        outage = self.outage.current()
        if outage is not None:  # the system went down while the request waited
            await self._down(outage, scope, receive, send)
            return
        if rule.status is None:
            await self.app(scope, receive, send)
            return
        await answer(send, rule.status, _INJECTED)

    async def _down(self, outage: Outage, scope: Scope, receive: Receive, send: Send) -> None:
        if outage.mode == "unavailable":
            await service_unavailable(send, outage.retry_after)
        elif outage.mode == "reset":
            await reset_connection(receive, send)
        else:
            await self.outage.sleep(outage)
            await self.app(scope, receive, send)

    async def _after_effect(
        self, rule: FaultRule, release: asyncio.Event, scope: Scope, receive: Receive, send: Send
    ) -> None:
        kept: list[Message] = []

        async def keep(message: Message) -> None:
            kept.append(message)

        await self.app(scope, receive, keep)
        if rule.delay_seconds:
            await asyncio.sleep(rule.delay_seconds)
        if rule.hold:
            await release.wait()
        if rule.status is not None:
            await answer(send, rule.status, _INJECTED)
            return
        for message in kept:
            await send(message)

    def _take(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path):
                    rule.hits += 1
                    return rule
        return None

    async def _control(self, path: str, method: str, receive: Receive, send: Send) -> None:
        if path == CONTROL_PATH:
            await self._control_faults(method, receive, send)
        elif path == OUTAGE_PATH:
            await self._control_outage(method, receive, send)
        else:
            await answer(send, 404, {"error": f"no sandbox control at {path}"})

    async def _control_faults(self, method: str, receive: Receive, send: Send) -> None:
        if method == "POST":
            try:
                spec = json.loads(await read_body(receive))
                rule = FaultRule(**{k: v for k, v in spec.items() if k != "hits"})
            except (ValueError, TypeError, AttributeError, re.error) as error:
                await answer(send, 400, {"error": str(error)})
                return
            with self._lock:
                self.rules.append(rule)
            await answer(send, 201, rule.describe())
        elif method == "DELETE":
            with self._lock:
                self.rules.clear()
                released, self._release = self._release, asyncio.Event()
            released.set()
            await answer(send, 204, None)
        else:
            with self._lock:
                listed = [rule.describe() for rule in self.rules]
            await answer(send, 200, listed)

    async def _control_outage(self, method: str, receive: Receive, send: Send) -> None:
        if method == "POST":
            try:
                outage = Outage.parse(json.loads(await read_body(receive)))
            except (ValueError, OutageError) as error:
                await answer(send, 400, {"error": str(error)})
                return
            self.outage.start(outage)
            await answer(send, 201, self.outage.describe())
        elif method == "DELETE":
            self.outage.end()
            await answer(send, 204, None)
        elif method == "GET":
            await answer(send, 200, self.outage.describe())
        else:
            await answer(
                send, 405, {"error": "GET, POST or DELETE"}, [(b"allow", b"GET, POST, DELETE")]
            )
