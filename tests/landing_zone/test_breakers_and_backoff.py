"""The retry policy and the circuit breaker that keep an outage from turning into a flood."""

from __future__ import annotations

import pytest

from landingzone.config import Settings
from landingzone.landing_zone.breakers import Breakers, CircuitBreaker
from landingzone.landing_zone.resilience import RetryPolicy


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_default_policy_reaches_its_ceiling_within_a_minute_and_waits_hours() -> None:
    policy = RetryPolicy.from_settings(Settings())
    delays = [policy.delay(attempt, "lz_1:repository") for attempt in range(1, 30)]
    assert delays[0] <= 1.0
    assert max(delays) <= 60.0, "a system that is back is tried again within a minute"
    elapsed, attempts_in_first_minute = 0.0, 0
    for delay in delays:
        elapsed += delay
        attempts_in_first_minute += elapsed <= 60
    assert attempts_in_first_minute <= 8, "a one-minute outage costs a handful of calls"
    assert policy.window_s >= 3600, "an outage of hours delays, it does not fail"


def test_backoff_doubles_up_to_the_cap_with_jitter_that_replays_identically() -> None:
    policy = RetryPolicy(initial_s=1.0, max_interval_s=8.0, window_s=3600)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 8.0)]:
        delay = policy.delay(attempt, "lz_1:record")
        assert ceiling / 2 <= delay <= ceiling
        assert delay == policy.delay(attempt, "lz_1:record")
    spread = {round(policy.delay(5, f"lz_{i}:record"), 3) for i in range(20)}
    assert len(spread) > 10, "landing zones waiting on one outage do not retry in lockstep"


def test_behind_an_open_breaker_a_call_waits_for_the_breaker_not_for_a_backoff() -> None:
    policy = RetryPolicy(initial_s=1.0, max_interval_s=30.0, window_s=3600)
    assert 12.0 <= policy.after_breaker(12.0, attempt=9, key="k") <= 13.0


def test_retry_after_is_honoured() -> None:
    policy = RetryPolicy(initial_s=1.0, max_interval_s=8.0, window_s=3600)
    assert policy.delay(1, "k", asked=30.0) == 30.0
    assert policy.delay(4, "k", asked=0.5) >= 4.0


def test_the_breaker_opens_after_repeated_faults_and_lets_one_probe_through() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=3, open_s=10.0, clock=clock)
    for _ in range(2):
        assert breaker.admit() is None
        breaker.failed()
    assert breaker.admit() is None
    breaker.failed()  # the third fault in a row opens it

    assert breaker.is_open
    assert breaker.admit() == pytest.approx(10.0)
    clock.now += 4
    assert breaker.admit() == pytest.approx(6.0), "calls fail fast while it is open"

    clock.now += 6
    assert breaker.admit() is None, "after the open period one probe goes out"
    assert breaker.admit() == pytest.approx(5.0), "and only one; the others look again soon"
    breaker.failed()
    assert breaker.admit() == pytest.approx(10.0), "a failed probe opens it again"

    clock.now += 10
    assert breaker.admit() is None
    breaker.succeeded()
    assert not breaker.is_open
    assert breaker.admit() is None and breaker.admit() is None


def test_an_operator_can_force_an_attempt_through_an_open_breaker() -> None:
    breaker = CircuitBreaker(threshold=1, open_s=60.0, clock=FakeClock())
    breaker.failed()
    assert breaker.admit() is not None
    assert breaker.admit(force=True) is None


def test_each_system_has_its_own_breaker_shared_by_all_callers() -> None:
    breakers = Breakers(threshold=1, open_s=60.0)
    breakers["jenkins"].failed()
    assert breakers["jenkins"] is breakers["jenkins"]
    assert breakers["jenkins"].is_open and not breakers["bitbucket"].is_open
    assert breakers.open_systems() == ["jenkins"]
