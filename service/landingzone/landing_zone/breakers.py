"""Circuit breakers: one per downstream system, shared by every landing zone of a replica."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from landingzone.config import Settings

PROBE_WAIT_S = 5.0  # how soon others look again while one call probes the system


class CircuitBreaker:
    """Closed, open after `threshold` faults in a row, half-open for one probe after `open_s`."""

    def __init__(
        self, threshold: int, open_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._threshold = threshold
        self._open_s = open_s
        self._clock = clock
        self._lock = threading.Lock()
        self._faults = 0
        self._opened_at: float | None = None
        self._probing = False
        self.last_error = ""

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def admit(self, force: bool = False) -> float | None:
        """None if a call may go out now; otherwise the seconds until one may."""
        with self._lock:
            if self._opened_at is None or force:
                return None
            remaining = self._opened_at + self._open_s - self._clock()
            if remaining > 0:
                return remaining
            if self._probing:
                return min(self._open_s, PROBE_WAIT_S)
            self._probing = True
            return None

    def succeeded(self) -> None:
        with self._lock:
            self._faults, self._opened_at, self._probing = 0, None, False

    def failed(self, error: str = "") -> None:
        with self._lock:
            self.last_error = error or self.last_error
            self._faults += 1
            if self._probing or self._faults >= self._threshold:
                self._opened_at = self._clock()
            self._probing = False


class Breakers:
    """One breaker per downstream system, shared by every landing zone of this replica."""

    def __init__(self, threshold: int, open_s: float) -> None:
        self._threshold = threshold
        self._open_s = open_s
        self._lock = threading.Lock()
        self._by_system: dict[str, CircuitBreaker] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Breakers:
        return cls(settings.breaker_failure_threshold, settings.breaker_open_seconds)

    def __getitem__(self, system: str) -> CircuitBreaker:
        with self._lock:
            if system not in self._by_system:
                self._by_system[system] = CircuitBreaker(self._threshold, self._open_s)
            return self._by_system[system]

    def open_systems(self) -> list[str]:
        with self._lock:
            return sorted(name for name, breaker in self._by_system.items() if breaker.is_open)
