"""A replica's bound on the calls it has in flight to each downstream system."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from landingzone.landing_zone.call_limits import CallLimits
from tests.support.sandbox import wait_for


def test_a_call_over_the_bound_waits_for_a_free_slot_of_its_own_system() -> None:
    limits = CallLimits(2)
    release = threading.Event()
    entered: list[str] = []

    def call(system: str) -> None:
        with limits.slot(system):
            entered.append(system)
            release.wait(timeout=10)

    with ThreadPoolExecutor(5) as pool:
        for system in ("jenkins", "jenkins", "jenkins", "bitbucket"):
            pool.submit(call, system)
        wait_for(lambda: len(entered) == 3, "three calls to be let through", timeout=10)
        waiting = limits.in_flight()
        release.set()

    assert sorted(entered[:3]) == ["bitbucket", "jenkins", "jenkins"]
    assert waiting == {"bitbucket": 1, "jenkins": 2}
    assert limits.in_flight() == {"bitbucket": 0, "jenkins": 0}
    assert limits.peaks() == {"bitbucket": 1, "jenkins": 2}


def test_a_failing_call_gives_its_slot_back() -> None:
    limits = CallLimits(1)
    with pytest.raises(RuntimeError), limits.slot("mail"):
        raise RuntimeError("the relay refused")

    with limits.slot("mail"):
        assert limits.in_flight() == {"mail": 1}
    assert limits.in_flight() == {"mail": 0}


def test_a_system_needs_room_for_one_call() -> None:
    with pytest.raises(ValueError):
        CallLimits(0)
