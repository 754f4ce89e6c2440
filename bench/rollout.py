"""The time a rollout takes to open its pull requests over a fleet, and where it goes.

Starts a fresh sandbox, provisions ZONES java landing zones in the auto-approved `labs` tenant,
releases java 1.1.0, rolls it out in waves of WAVE (a wave moves on one second after its last
pull request opened) and reports: the provisioning time, POST -> every pull request open, each
wave's span, and the median time of each step of the update workflow (from the workflow
engine's own step records), with the time an update waited on the provisioning queue.

    .venv/bin/python bench/rollout.py [--zones 50] [--wave 10]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.rollouts import opened_all, provision, rollout
from tests.support.sandbox import running_sandbox, wait_for
from tests.support.template_updates import release

from bench.stand import PRODUCTION_QUEUE_POLL
from landingzone.rendering import DEFAULT_TEMPLATES_ROOT


def _step_medians(service_dir: Path) -> tuple[dict[str, float], float, float]:
    """Median seconds per update-workflow step (the engine's step records), the median wait
    from an update being recorded to its first step, and the median update from end to end."""
    ours = sa.create_engine(f"sqlite:///{service_dir / 'landingzone.sqlite'}")
    with ours.connect() as connection:
        recorded = {
            row.id: datetime.fromisoformat(str(row.created_at)).replace(tzinfo=UTC).timestamp()
            for row in connection.execute(sa.text("SELECT id, created_at FROM lz_template_updates"))
        }
    engine = sa.create_engine(f"sqlite:///{service_dir / 'landingzone.dbos.sqlite'}")
    with engine.connect() as connection:
        steps = connection.execute(
            sa.text(
                "SELECT o.workflow_uuid, o.function_name, o.started_at_epoch_ms,"
                " o.completed_at_epoch_ms FROM operation_outputs o JOIN workflow_status w"
                " ON o.workflow_uuid = w.workflow_uuid WHERE w.name = 'update_workflow'"
            )
        ).all()
    per_step: dict[str, list[float]] = {}
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for workflow_id, name, started_ms, completed_ms in steps:
        short = str(name).rsplit(".", 1)[-1]
        per_step.setdefault(short, []).append(((completed_ms or 0) - (started_ms or 0)) / 1000)
        first[workflow_id] = min(first.get(workflow_id, float("inf")), started_ms / 1000)
        last[workflow_id] = max(last.get(workflow_id, 0.0), (completed_ms or 0) / 1000)
    medians = {name: statistics.median(values) for name, values in per_step.items()}
    known = [w for w in first if w in recorded]
    queued = statistics.median([first[w] - recorded[w] for w in known] or [0.0])
    whole = statistics.median([last[w] - recorded[w] for w in known] or [0.0])
    return medians, queued, whole


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zones", type=int, default=50)
    parser.add_argument("--wave", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        templates = Path(scratch) / "templates"
        shutil.copytree(DEFAULT_TEMPLATES_ROOT, templates)
        settings = {
            "LZ_TEMPLATES_DIR": str(templates),
            "LZ_ROLLOUT_POLL_SECONDS": "0.5",
            **PRODUCTION_QUEUE_POLL,
        }
        with running_sandbox(Path(scratch) / "sandbox", settings=settings) as sandbox:
            started = time.perf_counter()
            provision(sandbox, "bench", args.zones)
            provisioned_s = time.perf_counter() - started
            release(templates, "1.1.0", "Develop section renamed.", {
                "README.md": ("## Develop\n", "## Develop locally\n"),
            })  # fmt: skip
            with sandbox.api() as client:
                answer = client.post(
                    "/v1/classes/java/rollouts",
                    json={"wave_size": args.wave, "wave_timeout_hours": 1 / 3600},
                )
            answer.raise_for_status()
            rollout_id = answer.json()["id"]
            view, opened_s = opened_all(sandbox, rollout_id, timeout=1800)
            wait_for(
                lambda: (v := rollout(sandbox, rollout_id)) and v["status"] != "running",
                "the rollout to end",
            )
            medians, queued_s, whole_s = _step_medians(sandbox.data_dir / "service")
    opened = view["states"].get("open", 0)
    print(f"{args.zones} java landing zones, waves of {args.wave}, on SQLite")
    print(f"provisioning all of them: {provisioned_s:.1f} s")
    print(f"POST rollout -> {opened} pull requests open: {opened_s:.1f} s")
    print(f"median update, recorded -> pull request open: {whole_s:.2f} s")
    print(f"  of which waiting on the provisioning queue: {queued_s:.2f} s")
    print("median per update-workflow step:")
    for name, seconds in sorted(medians.items(), key=lambda item: -item[1]):
        print(f"  {name:<28} {seconds:.3f} s")


if __name__ == "__main__":
    main()
