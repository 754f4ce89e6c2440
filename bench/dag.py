"""Run calls as soon as the calls they depend on are done, each on a thread of its own.

The floor is such a graph: every call starts the moment its inputs exist, so the graph's time
is its critical path and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

Action = Callable[..., Any]


@dataclass(frozen=True)
class Timed:
    """When a call ran, in seconds from the start of its graph."""

    name: str
    started: float
    ended: float


@dataclass
class Graph:
    _nodes: dict[str, tuple[Action, tuple[str, ...]]] = field(default_factory=dict)

    def add(self, name: str, action: Action, *after: str) -> None:
        """`action` is called with the results of `after`, in that order."""
        if name in self._nodes:
            raise ValueError(f"{name} is in the graph already")
        unknown = [dependency for dependency in after if dependency not in self._nodes]
        if unknown:
            raise ValueError(f"{name} depends on {unknown}, not in the graph (add them first)")
        self._nodes[name] = (action, after)

    @property
    def edges(self) -> dict[str, tuple[str, ...]]:
        return {name: after for name, (_, after) in self._nodes.items()}

    def run(self) -> tuple[dict[str, Any], list[Timed]]:
        """Every call's result, and when each ran; the first failure is raised."""
        started = time.perf_counter()
        timings: list[Timed] = []
        futures: dict[str, Future[Any]] = {}
        with ThreadPoolExecutor(max_workers=max(1, len(self._nodes))) as pool:
            for name, (action, after) in self._nodes.items():
                inputs = [futures[dependency] for dependency in after]
                futures[name] = pool.submit(self._call, name, action, inputs, started, timings)
            results = {name: future.result() for name, future in futures.items()}
        return results, sorted(timings, key=lambda t: t.started)

    @staticmethod
    def _call(
        name: str, action: Action, inputs: list[Future[Any]], origin: float, timings: list[Timed]
    ) -> Any:
        arguments = [future.result() for future in inputs]
        begun = time.perf_counter()
        result = action(*arguments)
        timings.append(Timed(name, begun - origin, time.perf_counter() - origin))
        return result


def critical_path(timings: list[Timed], graph_edges: dict[str, tuple[str, ...]]) -> list[str]:
    """The chain of calls, last to finish first, each waiting on the one before it."""
    by_name = {t.name: t for t in timings}
    if not by_name:
        return []
    current: str | None = max(by_name.values(), key=lambda t: t.ended).name
    chain: list[str] = []
    while current is not None:
        chain.append(current)
        before = [d for d in graph_edges.get(current, ()) if d in by_name]
        current = max(before, key=lambda d: by_name[d].ended) if before else None
    return list(reversed(chain))
