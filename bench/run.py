"""One benchmark run: per database, a sandbox for the sequential comparison (floor, peer and
service interleaved), the concurrency levels and memory; one for the API and the event stream;
one for growth. Results are saved after every part, so a run cut short keeps what it measured.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.replicas import another_replica
from tests.support.sandbox import Sandbox

from bench import api, growth, targets
from bench.floor import Floor
from bench.options import Options
from bench.peer import Peer, running_peer
from bench.peer_template import task_values
from bench.service import ServiceRun, run_concurrent, run_one
from bench.stand import BENCH_SETTINGS, stand
from bench.stats import Summary
from bench.targets import DEFAULT_PROVISIONING_CONCURRENCY
from bench.traffic import Meter, calls, counts

Results = dict[str, Any]
Save = Callable[[], None]


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def new_results(options: Options) -> Results:
    settings = options.settings
    return {
        "meta": {
            "started": datetime.now(UTC).isoformat(),
            "commit": _commit(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": load_average(),
            "quick": options.quick,
            "parts": list(options.parts),
            "databases": list(options.databases),
            "settings": settings,
            "provisioning_concurrency": int(
                settings.get("LZ_PROVISIONING_CONCURRENCY", DEFAULT_PROVISIONING_CONCURRENCY)
            ),
            "replicas": options.replicas,
        },
        "errors": [],
    }


@contextmanager
def part(results: Results, save: Save, name: str) -> Iterator[None]:
    """A part that fails is recorded and the run goes on with the next one."""
    started = time.monotonic()
    print(f"-- {name} (load {load_average()})", flush=True)
    try:
        yield
    except Exception as error:
        results["errors"].append(
            {"part": name, "error": repr(error), "trace": traceback.format_exc()[-3000:]}
        )
        print(f"   {name} failed: {error!r}", flush=True)
    finally:
        print(f"   {name}: {time.monotonic() - started:.0f} s", flush=True)
        save()


def run(options: Options, save_to: Callable[[Results], None]) -> Results:
    results = new_results(options)

    def save() -> None:
        results["meta"]["load_average_now"] = load_average()
        results["targets"] = [v.as_dict() for v in targets.evaluate(results)]
        save_to(results)

    main_parts = ("floor", "peer", "service", "concurrency", "memory")
    for database in options.databases:
        if any(options.wants(p) for p in main_parts):
            with (
                part(results, save, f"{database}: sandbox"),
                stand(database, options.settings) as sandbox,
            ):
                _main(sandbox, database, options, results, save)
        if options.wants("events") or options.wants("api"):
            quiet = {"LZ_APPROVAL_POLL_SECONDS": "3600", **options.settings}
            with part(results, save, f"{database}: API sandbox"), stand(database, quiet) as sandbox:
                _api(sandbox, database, options, results, save)
        if options.wants("growth"):
            with (
                part(results, save, f"{database}: growth sandbox"),
                stand(database, options.settings) as sandbox,
            ):
                _growth(sandbox, database, options, results, save)
    results["meta"]["finished"] = datetime.now(UTC).isoformat()
    results["meta"]["load_average_after"] = load_average()
    save()
    return results


def floor_of(results: Results, database: str) -> float | None:
    """The floor's median over every class of this database's run: the yardstick of its ratios."""
    classes = (results.get("sequential") or {}).get(database) or {}
    medians = [c["floor"]["median"] for c in classes.values() if c.get("floor")]
    return statistics.median(medians) if medians else None


# ---------------------------------------------------------------- the main sandbox


def _main(sandbox: Sandbox, database: str, options: Options, results: Results, save: Save) -> None:
    meter = Meter(sandbox)
    kinds = [k for k in ("floor", "peer", "service") if options.wants(k)]
    floor = Floor(sandbox) if {"floor", "peer"} & set(kinds) else None
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as workdir:
        peer_context: AbstractContextManager[Peer | None] = (
            running_peer(sandbox, floor, Path(workdir))
            if "peer" in kinds and floor
            else nullcontext()
        )
        with peer_context as peer:
            if kinds:
                with part(results, save, f"{database}: sequential {', '.join(kinds)}"):
                    _sequential(sandbox, meter, floor, peer, database, kinds, options, results)
    if options.wants("concurrency"):
        with _replicas(sandbox, database, options) as replica_urls:
            _concurrency(sandbox, meter, database, options, results, save, replica_urls)
    if options.wants("memory"):
        with part(results, save, f"{database}: memory over {options.memory_zones}"):
            before = growth.service_rss_mb(sandbox)
            run = run_concurrent(
                sandbox,
                meter,
                f"mem-{database[:2]}",
                list(options.classes),
                options.memory_concurrency,
                options.memory_zones,
            )
            after = growth.service_rss_mb(sandbox)
            results.setdefault("memory", {})[database] = {
                "zones": run["completed"],
                "errors": run["errors"],
                "before_mb": before,
                "after_mb": after,
                "growth_mb": after - before,
            }


@contextmanager
def _replicas(sandbox: Sandbox, database: str, options: Options) -> Iterator[list[str]]:
    """The API addresses of the replicas besides the sandbox's service: `--replicas` minus one of
    them on PostgreSQL, with the benchmark's settings; none on SQLite (one file, one writer)."""
    extra = options.replicas - 1 if database == "postgres" else 0
    with ExitStack() as running:
        settings = {**BENCH_SETTINGS, **options.settings}
        yield [running.enter_context(another_replica(sandbox, settings)).url for _ in range(extra)]


def _concurrency(
    sandbox: Sandbox,
    meter: Meter,
    database: str,
    options: Options,
    results: Results,
    save: Save,
    replica_urls: list[str],
) -> None:
    reference = floor_of(results, database)
    for level in options.levels:
        with part(results, save, f"{database}: concurrency {level}"):
            run = run_concurrent(
                sandbox,
                meter,
                f"c{level}-{database[:2]}",
                list(options.classes),
                level,
                options.count_at(level),
                replica_urls=replica_urls,
            )
            if run["latency"]:
                run["latency"] = Summary(**run["latency"]).against(reference).as_dict()
            results.setdefault("concurrency", {}).setdefault(database, {})[str(level)] = run


def _sequential(
    sandbox: Sandbox,
    meter: Meter,
    floor: Floor | None,
    peer: Peer | None,
    database: str,
    kinds: list[str],
    options: Options,
    results: Results,
) -> None:
    tag = database[:2]
    seconds: dict[str, dict[str, list[float]]] = {
        c: {k: [] for k in kinds} for c in options.classes
    }
    requests: dict[str, list[dict[str, int]]] = {k: [] for k in kinds}
    listed: dict[str, Any] = {}
    paths: dict[str, list[list[tuple[str, float]]]] = {c: [] for c in options.classes}
    last_service: ServiceRun | None = None
    alone: dict[str, int] = {}

    def one(kind: str, class_id: str, name: str, counted: bool) -> None:
        nonlocal last_service
        mark = meter.mark()
        if kind == "floor" and floor:
            ran = floor.run(name, class_id)
            took = ran.seconds
            listed["floor_path"] = [[t.name, t.started, t.ended] for t in ran.timings]
            listed["floor_critical_path"] = ran.critical_path
        elif kind == "peer" and peer and floor:
            took, _ = peer.run(task_values(floor, name, class_id))
        else:
            service = run_one(sandbox, meter, name, class_id)
            if service.status != "completed":
                raise RuntimeError(f"{name} ended {service.status}")
            took, last_service = service.seconds, service
            if counted:
                paths[class_id].append(service.path)
                for system, peak in service.at_once.items():
                    alone[system] = max(alone.get(system, 0), peak)
        time.sleep(0.3)  # the last answers of the run are in the log
        entries = meter.since(mark)
        if counted:
            seconds[class_id][kind].append(took)
            requests[kind].append(counts(entries))
            if class_id == "java" or kind not in listed:
                named = (name, f"{name}-env")
                listed[kind] = (
                    last_service.calls
                    if kind == "service" and last_service
                    else calls(entries, named)
                )

    failures: list[dict[str, str]] = []

    def attempt(kind: str, class_id: str, name: str, counted: bool) -> None:
        """A run that fails is listed (and left out of the medians); the others go on."""
        try:
            one(kind, class_id, name, counted)
        except Exception as error:  # reported in the results
            failures.append({"kind": kind, "class": class_id, "name": name, "error": repr(error)})
            print(f"   {kind} {name} failed: {error!r}", flush=True)

    for kind in kinds:  # one-time costs (clients, crumbs, catalog look-ups) are not counted
        attempt(kind, options.classes[0], f"w-{kind[:2]}-{tag}", counted=False)
    for round_number in range(options.rounds):
        for position, class_id in enumerate(options.classes):
            shift = (round_number + position) % len(kinds)
            for kind in kinds[shift:] + kinds[:shift]:
                attempt(kind, class_id, f"{kind[:2]}-{tag}-{class_id}-{round_number}", True)
    results.setdefault("sequential_failures", {})[database] = failures
    reference = (
        statistics.median(
            [statistics.median(s["floor"]) for s in seconds.values() if s.get("floor")] or [0.0]
        )
        or None
    )
    by_class = results.setdefault("sequential", {}).setdefault(database, {})
    for class_id, measured in seconds.items():
        by_class[class_id] = {
            kind: Summary.of(values, reference).as_dict()
            for kind, values in measured.items()
            if values
        }
    results.setdefault("critical_path", {})[database] = {
        class_id: _median_path(runs, reference) for class_id, runs in paths.items() if runs
    }
    results.setdefault("requests", {})[database] = {
        "per_landing_zone": {kind: _median_counts(found) for kind, found in requests.items()},
        "calls": {
            kind: {system: dict(c) for system, c in found.items()}
            for kind, found in listed.items()
            if kind in kinds
        },
        "service_at_once": alone,
        "service_by_stage": {stage: dict(c) for stage, c in last_service.by_stage.items()}
        if last_service
        else {},
        "floor_path": listed.get("floor_path"),
        "floor_critical_path": listed.get("floor_critical_path"),
    }


def _median_counts(found: list[dict[str, int]]) -> dict[str, float]:
    systems = sorted({s for f in found for s in f})
    return {s: statistics.median([f.get(s, 0) for f in found]) for s in systems}


def _median_path(
    runs: list[list[tuple[str, float]]], reference: float | None
) -> list[dict[str, Any]]:
    labels = list(dict.fromkeys(label for run in runs for label, _ in run))
    by_label: dict[str, list[float]] = {label: [] for label in labels}
    for run in runs:
        for label, value in run:
            by_label[label].append(value)
    return [
        {
            "segment": label,
            "median": statistics.median(v),
            "x_floor": statistics.median(v) / reference if reference else None,
        }
        for label, v in by_label.items()
    ]


# ---------------------------------------------------------------- API and growth


def _api(sandbox: Sandbox, database: str, options: Options, results: Results, save: Save) -> None:
    if options.wants("events"):
        with part(results, save, f"{database}: event stream"):
            results.setdefault("events", {})[database] = api.event_delays(
                sandbox, f"ev-{database[:2]}", options.event_zones
            )
    if options.wants("api"):
        for clients in options.api_clients:
            with part(results, save, f"{database}: API with {clients} clients"):
                measured = api.load(
                    sandbox,
                    f"api{clients}-{database[:2]}",
                    clients,
                    options.api_posts,
                    options.api_gets,
                    options.api_tenant,
                )
                reference = floor_of(results, database)
                for kind in ("post", "get"):
                    median = measured[kind].get("median")
                    measured[kind]["x_floor"] = median / reference if median and reference else None
                results.setdefault("api", {}).setdefault(database, {})[str(clients)] = measured


def _growth(
    sandbox: Sandbox, database: str, options: Options, results: Results, save: Save
) -> None:
    with part(results, save, f"{database}: growth"):
        model = run_one(sandbox, Meter(sandbox), f"model-{database[:2]}", "java")
        db = growth.engine(sandbox)
        reference = floor_of(results, database)
        sizes: dict[str, Any] = {}
        filled: dict[str, float] = {}
        for size in sorted(options.growth_sizes):
            filled[str(size)] = growth.fill(db, model.landing_zone_id, size)
            measured = growth.latencies(sandbox, db, options.growth_samples)
            for summary in measured.values():
                summary["x_floor"] = summary["median"] / reference if reference else None
            sizes[str(size)] = {**measured, "stored": growth.stored(db)}
            results.setdefault("growth", {})[database] = {"sizes": sizes, "fill_seconds": filled}
            save()
        db.dispose()
