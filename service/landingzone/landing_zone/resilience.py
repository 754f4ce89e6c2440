"""Waiting out downstream outages, visibly, without hammering the system that is down.

Each external call is a DBOS step that never retries by itself: it reports a transient fault as
an `Outcome`, and the calling workflow waits durably (`DBOS.recv`, so a crash or a redeploy
keeps the wait) with capped exponential backoff and jitter, for as long as the retry window
allows. An operator's `/retry` sends a message that ends the wait at once. The circuit breakers
(breakers.py) make a long outage cost one probe at a time, not one call per landing zone.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Concatenate, Generic, ParamSpec, TypeVar

from dbos import DBOS

from landingzone.config import Settings
from landingzone.integrations.base import PermanentError, TransientError
from landingzone.landing_zone import runtime
from landingzone.landing_zone.progress import Run, Wait, resumed, waiting

RETRY_NOW_TOPIC = "retry-now"

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R", bound=Run)  # the run a step belongs to: a landing zone's, or a promotion's


@dataclass(frozen=True)
class RetryPolicy:
    initial_s: float
    max_interval_s: float
    window_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            initial_s=settings.retry_initial_seconds,
            max_interval_s=settings.retry_max_interval_seconds,
            window_s=settings.retry_window_hours * 3600,
        )

    def delay(self, attempt: int, key: str, asked: float | None = None) -> float:
        """Seconds before attempt `attempt + 1`: doubling, capped, with "equal jitter".

        The jitter is derived from `key` rather than drawn at random, so a replayed workflow
        computes the same wait while different landing zones still spread apart.
        """
        ceiling = min(self.max_interval_s, self.initial_s * 2.0 ** min(attempt - 1, 60))
        delay = ceiling * (0.5 + 0.5 * _fraction(key, attempt))
        return max(delay, asked) if asked else delay

    def after_breaker(self, wait: float, attempt: int, key: str) -> float:
        """Just after the breaker lets calls out again, spread over `initial_s`."""
        return wait + self.initial_s * _fraction(key, attempt)


def _fraction(key: str, attempt: int) -> float:
    digest = hashlib.sha256(f"{key}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 0xFFFFFFFF


@dataclass(frozen=True)
class Fault:
    system: str
    message: str
    retry_after: float | None
    reached: bool  # False when the breaker refused the call before it went out


@dataclass(frozen=True)
class Outcome(Generic[T]):
    value: T | None = None
    fault: Fault | None = None


def external(
    system: str,
) -> Callable[[Callable[Concatenate[R, str, P], T]], Callable[Concatenate[R, str, P], T]]:
    """Make `call(run, stage, ...)` one durable step whose transient faults are waited out."""

    def decorate(
        call: Callable[Concatenate[R, str, P], T],
    ) -> Callable[Concatenate[R, str, P], T]:
        @DBOS.step(name=f"{call.__module__}.{call.__qualname__}")
        def attempt(
            run: R, stage: str, force: bool, *args: P.args, **kwargs: P.kwargs
        ) -> Outcome[T]:
            live = runtime.current()
            breaker = live.breakers[system]
            wait = breaker.admit(force)
            if wait is not None:
                known = breaker.last_error or f"{system}: unavailable"
                return Outcome(fault=Fault(system, known, wait, reached=False))
            try:
                with live.call_limits.slot(system):
                    value = call(run, stage, *args, **kwargs)
            except TransientError as error:
                breaker.failed(str(error))
                return Outcome(fault=Fault(system, str(error), error.retry_after, reached=True))
            except BaseException:
                breaker.succeeded()  # the system answered, even if with a refusal
                raise
            breaker.succeeded()
            return Outcome(value=value)

        def waited(run: R, stage: str, *args: P.args, **kwargs: P.kwargs) -> T:
            return wait_out(
                run,
                stage,
                call.__name__,
                lambda force: attempt(run, stage, force, *args, **kwargs),
            )

        return functools.update_wrapper(waited, call)  # type: ignore[return-value]

    return decorate


@DBOS.step()
def durable_clock() -> float:
    return time.time()


def wait_out(run: Run, stage: str, what: str, attempt: Callable[[bool], Outcome[T]]) -> T:
    """Call `attempt` until it succeeds; between faults, wait (durably, cut short by /retry)."""
    policy = RetryPolicy.from_settings(runtime.current().configuration.settings)
    force = False
    faults = 0
    first_fault_at = 0.0
    last_error = ""
    while True:
        outcome = attempt(force)
        fault = outcome.fault
        if fault is None:
            if faults:
                waited_s = durable_clock() - first_fault_at
                resumed(run, stage, _wait_key(what, first_fault_at), faults, waited_s)
            return outcome.value  # type: ignore[return-value]
        now = durable_clock()
        faults += 1
        first_fault_at = first_fault_at or now
        if fault.reached or not last_error:
            last_error = fault.message
        shown = last_error if fault.reached else f"{last_error} (circuit open: not called)"
        elapsed = now - first_fault_at
        if elapsed >= policy.window_s:
            raise PermanentError(
                fault.system,
                f"{last_error} (still failing after {faults} attempts over {elapsed / 3600:.1f} h)",
            )
        key = f"{run.landing_zone_id}:{stage}:{what}"
        if fault.reached:
            delay = policy.delay(faults, key, fault.retry_after)
        else:  # the breaker said when a call may go out: be there then, not a backoff later
            delay = policy.after_breaker(fault.retry_after or policy.initial_s, faults, key)
        delay = min(delay, policy.window_s - elapsed)
        waiting(
            run,
            Wait(
                key=_wait_key(what, first_fault_at),
                step=stage,
                system=fault.system,
                error=shown,
                call=what,
                attempts=faults,
                since=first_fault_at,
                next_attempt_at=now + delay,
                workflow_id=DBOS.workflow_id or "",
            ),
        )
        force = DBOS.recv(RETRY_NOW_TOPIC, timeout_seconds=delay) is not None


def _wait_key(what: str, first_fault_at: float) -> str:
    return f"{what}@{first_fault_at:.6f}"
