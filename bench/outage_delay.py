"""How long each downstream outage delays a landing zone, with the production retry settings.

Each system goes down for `--seconds` (60 by default) while a java landing zone in `labs` meets
it; the figure that matters is how long after the system is back the landing zone completes.

    .venv/bin/python bench/outage_delay.py [--seconds 60] [--postgres]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.outages import OUTAGES, ride_out

from bench.stand import bench_sandbox
from landingzone.config import Settings

PRODUCTION_RETRY = {
    f"LZ_{name.upper()}": str(Settings.model_fields[name].default)
    for name in (
        "retry_initial_seconds",
        "retry_max_interval_seconds",
        "retry_window_hours",
        "breaker_failure_threshold",
        "breaker_open_seconds",
    )
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with bench_sandbox(args.postgres, PRODUCTION_RETRY) as (sandbox, database):
        print(f"{args.seconds:.0f} s outages on {database}: {PRODUCTION_RETRY}")
        for outage in OUTAGES:
            ridden = ride_out(
                sandbox, outage, f"bench-{outage.system}-{outage.stage}", args.seconds
            )
            done = ridden.landing_zone
            waits = [e for e in sandbox.events(done["id"]) if e["kind"] == "waiting"]
            print(
                f"{outage.system:>10} during {outage.stage:<10} ({outage.mode}): {done['status']}, "
                f"{ridden.after_back_s:5.1f} s after it was back, {len(waits)} attempts waited"
            )


if __name__ == "__main__":
    main()
