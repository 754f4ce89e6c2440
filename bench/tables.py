"""The run's results as the tables the benchmark prints."""

from __future__ import annotations

from typing import Any

from bench.report import Table, seconds, times
from bench.stand import DATABASE_NAMES
from bench.traffic import SYSTEMS

Results = dict[str, Any]


def _db(database: str) -> str:
    return DATABASE_NAMES.get(database, database)


def _median(summary: dict[str, Any] | None) -> float | None:
    return None if not summary else summary.get("median")


def _over(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def sequential(results: Results) -> list[Table]:
    table = Table(
        "POST -> completed, one at a time (median; x = over the floor of the same run)",
        [
            "database",
            "class",
            "n",
            "floor",
            "peer",
            "service",
            "service x floor",
            "service / peer",
            "peer x floor",
        ],
    )
    for database, classes in (results.get("sequential") or {}).items():
        for class_id, runs in classes.items():
            floor, peer, service = (_median(runs.get(k)) for k in ("floor", "peer", "service"))
            n = max((runs[k]["n"] for k in runs), default=0)
            table.add(
                _db(database),
                class_id,
                n,
                seconds(floor),
                seconds(peer),
                seconds(service),
                times(_over(service, floor)),
                times(_over(service, peer)),
                times(_over(peer, floor)),
            )
    return [table] if table.rows else []


def failures(results: Results) -> list[Table]:
    table = Table(
        "Sequential runs that failed (left out of the medians)",
        ["database", "kind", "class", "name", "error"],
    )
    for database, failed in (results.get("sequential_failures") or {}).items():
        for f in failed:
            table.add(_db(database), f["kind"], f["class"], f["name"], f["error"][:160])
    return [table] if table.rows else []


def critical_path(results: Results) -> list[Table]:
    tables = []
    for database, classes in (results.get("critical_path") or {}).items():
        class_id = "java" if "java" in classes else next(iter(classes), None)
        if class_id is None:
            continue
        table = Table(
            f"Service critical path, {class_id} on {_db(database)} (median)",
            ["segment", "seconds", "x floor"],
        )
        for row in classes[class_id]:
            table.add(row["segment"], seconds(row["median"]), times(row["x_floor"]))
        tables.append(table)
    return tables


def requests(results: Results) -> list[Table]:
    tables = []
    for database, found in (results.get("requests") or {}).items():
        per = found.get("per_landing_zone") or {}
        table = Table(
            f"Downstream requests per landing zone on {_db(database)} (median)",
            ["system", *per.keys()],
        )
        for system in (*SYSTEMS, "total"):
            if system == "total":
                table.add("total", *(sum(v.values()) for v in per.values()))
            else:
                table.add(system, *(v.get(system, 0) for v in per.values()))
        tables.append(table)
        for kind, by_system in (found.get("calls") or {}).items():
            listing = Table(
                f"Requests of one {kind} landing zone on {_db(database)}",
                ["system", "count", "request"],
            )
            for system, listed in by_system.items():
                for call, count in sorted(listed.items()):
                    listing.add(system, count, call)
            tables.append(listing)
        by_stage = found.get("service_by_stage") or {}
        if by_stage:
            stages = Table(f"Service requests by stage on {_db(database)}", ["stage", *SYSTEMS])
            for stage, systems in by_stage.items():
                stages.add(stage, *(systems.get(s, 0) for s in SYSTEMS))
            tables.append(stages)
    return tables


def concurrency(results: Results) -> list[Table]:
    table = Table(
        "Concurrency (latency: POST -> completed; at once: most calls in flight together per "
        "system, the simulators' own left out)",
        [
            "database",
            "concurrency",
            "landing zones",
            "completed",
            "errors",
            "per second",
            "p50",
            "p99",
            "p50 x floor",
            *[f"at once {s}" for s in SYSTEMS],
        ],
    )
    for database, levels in (results.get("concurrency") or {}).items():
        for level, run in sorted(levels.items(), key=lambda item: int(item[0])):
            latency = run.get("latency") or {}
            peak = run.get("caller_peak") or run.get("peak") or {}
            table.add(
                _db(database),
                int(level),
                run["count"],
                run["completed"],
                run["errors"],
                f"{run['per_second']:.2f}",
                seconds(latency.get("p50")),
                seconds(latency.get("p99")),
                times(latency.get("x_floor")),
                *(peak.get(s) for s in SYSTEMS),
            )
    slow = Table(
        "Slowest calls during each concurrency level (median)",
        ["database", "concurrency", "system", "call", "n", "median", "max"],
    )
    for database, levels in (results.get("concurrency") or {}).items():
        for level, run in sorted(levels.items(), key=lambda item: int(item[0])):
            for call in run.get("slowest") or []:
                slow.add(
                    _db(database),
                    int(level),
                    call["system"],
                    call["call"][:90],
                    call["n"],
                    seconds(call["median"]),
                    seconds(call["max"]),
                )
    return [t for t in (table, slow) if t.rows]


def api(results: Results) -> list[Table]:
    tables = []
    load = Table(
        "API under load",
        ["database", "clients", "request", "n", "p50", "p99", "max", "errors", "p50 x floor"],
    )
    for database, by_clients in (results.get("api") or {}).items():
        for clients, run in sorted(by_clients.items(), key=lambda item: int(item[0])):
            for kind in ("post", "get"):
                r = run[kind]
                load.add(
                    _db(database),
                    int(clients),
                    kind.upper(),
                    r.get("n"),
                    seconds(r.get("p50")),
                    seconds(r.get("p99")),
                    seconds(r.get("max")),
                    r["errors"],
                    times(r.get("x_floor")),
                )
    if load.rows:
        tables.append(load)
    events = Table(
        "Event stream: event recorded -> client", ["database", "events", "p50", "p99", "max"]
    )
    for database, run in (results.get("events") or {}).items():
        delay = run.get("delay") or {}
        events.add(
            _db(database),
            delay.get("n"),
            seconds(delay.get("p50")),
            seconds(delay.get("p99")),
            seconds(delay.get("max")),
        )
    if events.rows:
        tables.append(events)
    return tables


def growth(results: Results) -> list[Table]:
    tables = []
    table = Table(
        "GET and list with the store filled (median; rows inserted directly)",
        ["database", "stored", "GET", "list", "list by owner", "GET x floor"],
    )
    for database, run in (results.get("growth") or {}).items():
        for _, measured in sorted(run["sizes"].items(), key=lambda item: int(item[0])):
            table.add(
                _db(database),
                f"{int(measured['stored']):,}",
                seconds(measured["get"]["median"]),
                seconds(measured["list"]["median"]),
                seconds(measured["list_by_owner"]["median"]),
                times(measured["get"].get("x_floor")),
            )
    if table.rows:
        tables.append(table)
    memory = Table(
        "Service memory (resident)", ["database", "landing zones", "before", "after", "growth"]
    )
    for database, run in (results.get("memory") or {}).items():
        memory.add(
            _db(database),
            run["zones"],
            f"{run['before_mb']:.0f} MB",
            f"{run['after_mb']:.0f} MB",
            f"{run['growth_mb']:+.1f} MB",
        )
    if memory.rows:
        tables.append(memory)
    return tables


def verdicts(results: Results) -> list[Table]:
    table = Table("Targets", ["target", "measured", "status", "note"])
    for verdict in results.get("targets") or []:
        table.add(verdict["target"], verdict["measured"], verdict["status"], verdict["note"])
    return [table]


def all_tables(results: Results) -> list[Table]:
    return [
        *sequential(results),
        *failures(results),
        *critical_path(results),
        *requests(results),
        *concurrency(results),
        *api(results),
        *growth(results),
        *verdicts(results),
    ]
