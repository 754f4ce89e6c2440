"""Landing zones while every downstream system fails a fifth of its calls: all complete, once."""

from __future__ import annotations

import pytest

from tests.support.fault_storm import duplicates, run_storm
from tests.support.sandbox import Sandbox

pytestmark = pytest.mark.e2e


def test_every_landing_zone_completes_once_through_a_storm_of_faults(sandbox: Sandbox) -> None:
    result = run_storm(sandbox, "storm", count=6, clients=3, timeout=300)

    assert [lz["status"] for lz in result.landing_zones] == ["completed"] * 6, [
        lz["error"] for lz in result.landing_zones if lz["status"] != "completed"
    ]
    assert sum(result.faults_hit.values()) > 0, "the storm really hit"
    assert result.waits > 0, "and it was waited out"
    assert duplicates(sandbox, "storm", result) == []
