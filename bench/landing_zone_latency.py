"""Median time from POST to `completed` for auto-approved landing zones, and where it goes.

Starts a fresh sandbox (as `make sandbox` does), submits RUNS landing zones one after another
in the `labs` tenant and reports the median total and the median duration of each stage.

    .venv/bin/python bench/landing_zone_latency.py [--runs 10] [--class java] [--postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.sandbox import fresh_postgres_database, request_body, running_sandbox


def _seconds(start: str | None, end: str | None) -> float:
    if not start or not end:
        return 0.0
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--class", dest="class_id", default="java")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    database = fresh_postgres_database() if args.postgres else None
    totals: list[float] = []
    per_stage: dict[str, list[float]] = {}
    with (
        tempfile.TemporaryDirectory() as scratch,
        running_sandbox(Path(scratch), database) as sandbox,
    ):
        for index in range(args.runs):
            started = time.perf_counter()
            accepted = sandbox.create(
                request_body(f"bench-{args.class_id}-{index}", class_id=args.class_id)
            )
            done = sandbox.wait_status(accepted["id"], {"completed", "failed"}, timeout=300)
            totals.append(time.perf_counter() - started)
            assert done["status"] == "completed", done["error"]
            for step in done["steps"]:
                per_stage.setdefault(step["name"], []).append(
                    _seconds(step["started_at"], step["finished_at"])
                )
    print(f"{args.runs} {args.class_id} landing zones on {'PostgreSQL' if database else 'SQLite'}")
    print(
        f"median POST -> completed: {statistics.median(totals):.2f} s "
        f"(min {min(totals):.2f}, max {max(totals):.2f})"
    )
    for name, values in per_stage.items():
        print(f"  {name:<12} median {statistics.median(values):.3f} s")


if __name__ == "__main__":
    main()
