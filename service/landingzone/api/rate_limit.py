"""How often each caller may POST: a token bucket per caller name, in this replica's memory.

Each replica keeps its own buckets, so behind N replicas a caller may send up to N times the
limit; the limit guards the service against one runaway client, not a fleet-wide quota.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_BUCKETS = 10_000  # beyond this, buckets that are full again are forgotten


@dataclass
class _Bucket:
    tokens: float
    updated: float


class PostBuckets:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, caller: str, per_minute: int) -> int | None:
        """Spend one request of `caller`'s; None if allowed, else the seconds to wait."""
        rate = per_minute / 60.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(caller)
            if bucket is None:
                self._forget_full(now, per_minute, rate)
                bucket = self._buckets[caller] = _Bucket(float(per_minute), now)
            bucket.tokens = min(per_minute, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return max(1, math.ceil((1 - bucket.tokens) / rate))

    def _forget_full(self, now: float, per_minute: int, rate: float) -> None:
        if len(self._buckets) < MAX_BUCKETS:
            return
        full = [
            name
            for name, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * rate >= per_minute
        ]
        for name in full:
            del self._buckets[name]
