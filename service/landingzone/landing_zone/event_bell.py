"""Wakes this replica's event streams as soon as this replica appends an event.

The database stays the truth: a stream still reads its events from there, and polls it for
events that another replica appended. The bell only ends the wait between two reads early,
from whichever thread the workflow step that appended the event runs on.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class Subscription:
    """One stream's ear for one landing zone. `clear` before reading the events, then `wait`:
    an event appended while the stream was reading is not missed."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._rung = asyncio.Event()

    def clear(self) -> None:
        self._rung.clear()

    async def wait(self, timeout: float) -> bool:
        """True when rung within `timeout` seconds, False when the time ran out."""
        try:
            await asyncio.wait_for(self._rung.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def ring(self) -> None:
        """From any thread."""
        with suppress(RuntimeError):  # the stream's loop has closed: it listens no more
            self.loop.call_soon_threadsafe(self._rung.set)


class EventBell:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: dict[str, set[Subscription]] = {}

    @contextmanager
    def subscribed(self, landing_zone_id: str) -> Iterator[Subscription]:
        """Inside a running event loop: the subscription lasts as long as the block."""
        subscription = Subscription(asyncio.get_running_loop())
        with self._lock:
            self._subscriptions.setdefault(landing_zone_id, set()).add(subscription)
        try:
            yield subscription
        finally:
            with self._lock:
                listening = self._subscriptions.get(landing_zone_id, set())
                listening.discard(subscription)
                if not listening:
                    self._subscriptions.pop(landing_zone_id, None)

    def ring(self, landing_zone_id: str) -> None:
        with self._lock:
            listening = list(self._subscriptions.get(landing_zone_id, ()))
        for subscription in listening:
            subscription.ring()
