"""Independent external calls of one stage, made side by side.

    settings = together(run, stage, side(steps.restrict_branches, plan, repository),
                        side(steps.grant_owner, plan, repository))

Each call runs as a child workflow of its own (DBOS.start_workflow), so it stays one durable
step that waits out its faults as any other, and `/retry` reaches it by its workflow id. The
children are started, and their results collected, in the order given, all from the calling
workflow's thread: a replay after a crash finds every child under the same id, with its
recorded result. Only functions registered with `@side_by_side` can be called this way, so
what a child runs is always this service's own code, found by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from dbos import DBOS

from landingzone.landing_zone.progress import Run
from landingzone.landing_zone.stages import is_engine_control

F = TypeVar("F", bound=Callable[..., Any])

_CALLS: dict[str, Callable[..., Any]] = {}


def _name(call: Callable[..., Any]) -> str:
    return f"{call.__module__}.{call.__qualname__}"


def side_by_side(call: F) -> F:
    """Let `call(run, stage, *args)` run beside others of its stage through `together`."""
    _CALLS[_name(call)] = call
    return call


@dataclass(frozen=True)
class Side:
    name: str
    args: tuple[Any, ...]


def side(call: Callable[..., Any], *args: Any) -> Side:
    name = _name(call)
    if _CALLS.get(name) is not call:
        raise ValueError(f"{name} is not registered with @side_by_side")
    return Side(name, args)


@DBOS.workflow()
def side_workflow(name: str, run: Run, stage: str, args: tuple[Any, ...]) -> Any:
    return _CALLS[name](run, stage, *args)


def together(run: Run, stage: str, *calls: Side) -> list[Any]:
    """Every call's result, in order, once all have ended; the first failure, if any, raised
    after the others have ended too (nothing is left in flight behind a failed stage)."""
    handles = [DBOS.start_workflow(side_workflow, c.name, run, stage, c.args) for c in calls]
    results: list[Any] = []
    failure: Exception | None = None
    for handle in handles:
        try:
            results.append(handle.get_result())
        except Exception as error:
            if is_engine_control(error):
                raise
            failure = failure or error
            results.append(None)
    if failure is not None:
        raise failure
    return results
