"""A burst of landing zones at once: throughput, and how many provisioned at the same time.

The provisioning queue bounds concurrent provisioning per replica
(LZ_PROVISIONING_CONCURRENCY), so Bitbucket, Jenkins and ServiceNow see at most that many
landing zones' calls at a time however large the burst.

    .venv/bin/python bench/burst.py [--count 40] [--postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.sandbox import fresh_postgres_database, request_body, running_sandbox


def _peak_overlap(intervals: list[tuple[datetime, datetime]]) -> int:
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = peak = 0
    for _, change in edges:
        running += change
        peak = max(peak, running)
    return peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    database = fresh_postgres_database() if args.postgres else None
    with (
        tempfile.TemporaryDirectory() as scratch,
        running_sandbox(Path(scratch), database) as sandbox,
    ):
        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            accepted = list(
                pool.map(lambda i: sandbox.create(request_body(f"burst-{i}")), range(args.count))
            )
        accepted_s = time.perf_counter() - started
        done = [
            sandbox.wait_status(a["id"], {"completed", "failed"}, timeout=900) for a in accepted
        ]
        total_s = time.perf_counter() - started
    provisioning = []
    for landing_zone in done:
        steps = {s["name"]: s for s in landing_zone["steps"]}
        provisioning.append(
            (
                datetime.fromisoformat(steps["render"]["started_at"]),
                datetime.fromisoformat(steps["notify"]["finished_at"]),
            )
        )
    completed = sum(1 for d in done if d["status"] == "completed")
    print(f"{args.count} landing zones on {'PostgreSQL' if database else 'SQLite'}")
    print(
        f"all accepted in {accepted_s:.2f} s; {completed} completed in {total_s:.1f} s "
        f"({completed / total_s:.2f} per second)"
    )
    print(f"peak landing zones provisioning at once: {_peak_overlap(provisioning)}")


if __name__ == "__main__":
    main()
