"""Fifty landing zones while Bitbucket, Jenkins, ServiceNow and SMTP each fail ~20% of calls.

Faults include 503s, changes that landed behind a 500, and answers later than the client's
timeout. Reports how many completed, how long it took, how many faults were hit and waited
out, and every resource that is not there exactly once.

    .venv/bin/python bench/fault_storm.py [--count 50] [--postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.fault_storm import duplicates, run_storm

from bench.stand import bench_sandbox


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with bench_sandbox(args.postgres) as (sandbox, database):
        result = run_storm(sandbox, "storm", args.count, clients=16, timeout=1800)
        problems = duplicates(sandbox, "storm", result)
    completed = [lz for lz in result.landing_zones if lz["status"] == "completed"]
    durations = [
        (
            datetime.fromisoformat(lz["updated_at"]) - datetime.fromisoformat(lz["created_at"])
        ).total_seconds()
        for lz in completed
    ]
    print(f"{args.count} landing zones on {database}")
    print(f"completed: {len(completed)} of {args.count} in {result.seconds:.1f} s")
    if durations:
        print(
            f"per landing zone: median {statistics.median(durations):.1f} s, "
            f"max {max(durations):.1f} s"
        )
    print(f"faults hit: {result.faults_hit}; waits recorded: {result.waits}")
    print(f"resources not there exactly once: {len(problems)}")
    for problem in problems:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
