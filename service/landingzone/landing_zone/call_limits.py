"""How many calls a replica has in flight to each downstream system, and the bound on it.

Landing zones make several independent calls of a stage side by side, and several landing
zones are provisioned at once; whatever the mix, one replica never has more than `limit`
calls open to one system. A call over the bound waits for a free slot before it goes out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _System:
    slots: threading.BoundedSemaphore
    in_flight: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class CallLimits:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a system needs room for at least one call")
        self.limit = limit
        self._lock = threading.Lock()
        self._systems: dict[str, _System] = {}

    def _system(self, name: str) -> _System:
        with self._lock:
            if name not in self._systems:
                self._systems[name] = _System(threading.BoundedSemaphore(self.limit))
            return self._systems[name]

    @contextmanager
    def slot(self, system: str) -> Iterator[None]:
        """Hold one of `system`'s slots for the duration of a call."""
        state = self._system(system)
        with state.slots:
            with state.lock:
                state.in_flight += 1
                state.peak = max(state.peak, state.in_flight)
            try:
                yield
            finally:
                with state.lock:
                    state.in_flight -= 1

    def in_flight(self) -> dict[str, int]:
        with self._lock:
            return {name: state.in_flight for name, state in sorted(self._systems.items())}

    def peaks(self) -> dict[str, int]:
        """The most calls that were ever in flight at once to each system."""
        with self._lock:
            return {name: state.peak for name, state in sorted(self._systems.items())}
