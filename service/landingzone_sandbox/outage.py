"""The whole-system outage switch shared by the HTTP simulators and the SMTP mailbox.

An outage lasts `seconds` from when it is set and ends by itself; until then every request
(HTTP) or connection (SMTP) meets its `mode`:

- `unavailable`: the answer a load balancer gives while the backend is in maintenance (HTTP 503,
  with `Retry-After` only when `retry_after` is set; SMTP `421` at greeting);
- `reset`: the connection is closed without any answer, as with a crashed backend;
- `slow`: the real answer, `delay_seconds` late, or as soon as the outage is over if sooner.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

MODES = ("unavailable", "reset", "slow")
_FIELDS = frozenset({"seconds", "mode", "retry_after", "delay_seconds"})


class OutageError(ValueError):
    """The outage asked for is not one the switch can set; the message says why."""


@dataclass(frozen=True)
class Outage:
    until: float  # epoch seconds, so people can read it; compared with time.time()
    mode: str = "unavailable"
    retry_after: int | None = None
    delay_seconds: float = 0.0

    @classmethod
    def parse(cls, spec: object, *, allow_retry_after: bool = True) -> Outage:
        if not isinstance(spec, Mapping):
            raise OutageError("an outage is a JSON object")
        unknown = set(spec) - _FIELDS
        if unknown:
            raise OutageError(f"unknown fields: {', '.join(sorted(map(str, unknown)))}")
        seconds = _positive(spec.get("seconds"), "seconds")
        mode = spec.get("mode", "unavailable")
        if mode not in MODES:
            raise OutageError(f"mode must be one of {', '.join(MODES)}")
        retry_after = spec.get("retry_after")
        if retry_after is not None:
            if not allow_retry_after:
                raise OutageError("retry_after is an HTTP header; SMTP has no such thing")
            if mode != "unavailable":
                raise OutageError("retry_after goes with mode unavailable")
            if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
                raise OutageError("retry_after is a whole number of seconds")
        delay = spec.get("delay_seconds")
        if (delay is not None) != (mode == "slow"):
            raise OutageError("delay_seconds is required by mode slow and only by it")
        return cls(
            until=time.time() + seconds,
            mode=str(mode),
            retry_after=retry_after,
            delay_seconds=0.0 if delay is None else _positive(delay, "delay_seconds"),
        )


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OutageError(f"{name} is a number of seconds")
    if not 0 < value < math.inf:
        raise OutageError(f"{name} must be positive")
    return float(value)


class OutageSwitch:
    """Thread-safe: the control and the protocol it affects may run on different threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._outage: Outage | None = None
        self._sleepers: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def start(self, outage: Outage) -> None:
        with self._lock:
            self._outage = outage

    def end(self) -> None:
        with self._lock:
            self._outage = None
            sleepers = list(self._sleepers)
        for loop, woken in sleepers:
            loop.call_soon_threadsafe(woken.set)

    async def sleep(self, outage: Outage) -> None:
        """Wait out a `slow` outage's delay; cut short when the outage ends, by time or `end()`."""
        seconds = min(outage.delay_seconds, outage.until - time.time())
        sleeper = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._sleepers.add(sleeper)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sleeper[1].wait(), max(0.0, seconds))
        finally:
            with self._lock:
                self._sleepers.discard(sleeper)

    def current(self) -> Outage | None:
        """The outage in force now, or None once it is over."""
        with self._lock:
            outage = self._outage
        return outage if outage is not None and time.time() < outage.until else None

    def describe(self) -> dict[str, object]:
        outage = self.current()
        if outage is None:
            return {"down": False, "until": None, "mode": None}
        described: dict[str, object] = {"down": True, "until": outage.until, "mode": outage.mode}
        if outage.retry_after is not None:
            described["retry_after"] = outage.retry_after
        if outage.mode == "slow":
            described["delay_seconds"] = outage.delay_seconds
        return described
