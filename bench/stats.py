"""Medians, percentiles and ratios to the floor: the arithmetic the benchmark's parts share."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        raise ValueError("no values")
    if not 0 <= q <= 100:
        raise ValueError("q is between 0 and 100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    """Samples in seconds; `x_floor` is the median over the floor's median of the same run."""

    n: int
    median: float
    p50: float
    p90: float
    p99: float
    min: float
    max: float
    x_floor: float | None = None

    @classmethod
    def of(cls, values: Iterable[float], floor: float | None = None) -> Summary:
        samples = list(values)
        if not samples:
            raise ValueError("no samples to summarize")
        median = statistics.median(samples)
        return cls(
            n=len(samples),
            median=median,
            p50=percentile(samples, 50),
            p90=percentile(samples, 90),
            p99=percentile(samples, 99),
            min=min(samples),
            max=max(samples),
            x_floor=ratio(median, floor),
        )

    def against(self, floor: float | None) -> Summary:
        return Summary(**{**asdict(self), "x_floor": ratio(self.median, floor)})

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def ratio(value: float | None, reference: float | None) -> float | None:
    """value / reference, or None when either is missing or the reference is not positive."""
    if value is None or reference is None or reference <= 0:
        return None
    return value / reference


def spread(values: Sequence[float]) -> float | None:
    """(max - min) / min: how far apart a series of figures that should be equal lie."""
    if not values or min(values) <= 0:
        return None
    return (max(values) - min(values)) / min(values)
