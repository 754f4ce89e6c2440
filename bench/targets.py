"""The issue's targets, judged against a run's results (the JSON the benchmark writes).

Each target reads what it needs from the results and says `met`, `not met` or `n/a` (that part
was not run, or not at the scale the target speaks of), with the figure it judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from landingzone.config import Settings

MET, NOT_MET, NOT_MEASURED = "met", "NOT MET", "n/a"
SERVICE_OVER_FLOOR = 1.25
SERVICE_OVER_PEER = 0.5
THROUGHPUT_PER_S = 5.0
THROUGHPUT_CONCURRENCY = "32"
THROUGHPUT_DATABASE = "postgres"
POST_P99_S = 0.050
GET_P99_S = 0.020
API_CLIENTS = "200"
EVENT_DELAY_P99_S = 0.100
FLAT_WITHIN = 0.10
MEMORY_GROWTH_MB = 50.0
MEMORY_ZONES = 1000
DEFAULT_PROVISIONING_CONCURRENCY = Settings.model_fields["provisioning_concurrency"].default

Results = Mapping[str, Any]


@dataclass(frozen=True)
class Verdict:
    target: str
    measured: str
    status: str
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _status(ok: bool) -> str:
    return MET if ok else NOT_MET


def _x(value: float) -> str:
    return f"{value:.2f}x"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def evaluate(results: Results) -> list[Verdict]:
    return [
        *_sequential(results),
        *_throughput(results),
        *_bounds(results),
        *_api(results),
        *_events(results),
        *_growth(results),
        *_memory(results),
    ]


def _sequential(results: Results) -> Iterator[Verdict]:
    sequential = results.get("sequential") or {}
    if not sequential:
        yield Verdict(f"sequential: service <= {SERVICE_OVER_FLOOR}x floor", "", NOT_MEASURED)
        yield Verdict(f"sequential: service <= {SERVICE_OVER_PEER}x peer", "", NOT_MEASURED)
        return
    for database, classes in sequential.items():
        for class_id, runs in classes.items():
            service = (runs.get("service") or {}).get("median")
            for other, limit in (("floor", SERVICE_OVER_FLOOR), ("peer", SERVICE_OVER_PEER)):
                target = f"{database} {class_id}: service <= {limit}x {other}"
                reference = (runs.get(other) or {}).get("median")
                if service is None or not reference:
                    yield Verdict(target, "", NOT_MEASURED)
                    continue
                measured = service / reference
                failed = [
                    f
                    for f in (results.get("sequential_failures") or {}).get(database, [])
                    if f.get("class") == class_id and f.get("kind") in ("service", other)
                ]
                note = f"{len(failed)} runs failed, left out" if failed else ""
                ok = measured <= limit and not any(f["kind"] == "service" for f in failed)
                yield Verdict(target, _x(measured), _status(ok), note)


def _throughput(results: Results) -> Iterator[Verdict]:
    target = (
        f"{THROUGHPUT_DATABASE} concurrency {THROUGHPUT_CONCURRENCY}: "
        f">= {THROUGHPUT_PER_S:g} landing zones/s, 0 errors"
    )
    run = ((results.get("concurrency") or {}).get(THROUGHPUT_DATABASE) or {}).get(
        THROUGHPUT_CONCURRENCY
    )
    if not run:
        yield Verdict(target, "", NOT_MEASURED)
        return
    rate, errors = float(run["per_second"]), int(run["errors"])
    ok = rate >= THROUGHPUT_PER_S and errors == 0
    yield Verdict(target, f"{rate:.2f}/s, {errors} errors", _status(ok))


def _bounds(results: Results) -> Iterator[Verdict]:
    """At the highest concurrency, no system is sent more calls at once than the provisioning
    bound's worth of landing zones would send: each one's own most calls at once, measured
    alone (the sequential runs), or else at concurrency 1. Calls the simulators make among
    themselves are not counted."""
    bound = int(
        (results.get("meta") or {}).get("provisioning_concurrency")
        or DEFAULT_PROVISIONING_CONCURRENCY
    )
    for database, levels in (results.get("concurrency") or {}).items():
        measured_alone = ((results.get("requests") or {}).get(database) or {}).get(
            "service_at_once"
        )
        alone = measured_alone or (levels.get("1") or {}).get("caller_peak")
        highest = max(levels, key=int)
        busy = levels[highest].get("caller_peak")
        replicas = int(levels[highest].get("replicas") or 1)  # each bounds its own calls
        if not alone or not busy or highest == "1":
            continue
        for system in sorted(busy):
            one = max(1, int(alone.get(system, 1)))
            most = bound * replicas * one
            per_replica = f" on each of {replicas} replicas" if replicas > 1 else ""
            yield Verdict(
                f"{database} concurrency {highest}: {system} calls at once <= {most}",
                str(busy[system]),
                _status(int(busy[system]) <= most),
                f"{bound} landing zones{per_replica} x {one} (one alone)",
            )


def _api(results: Results) -> Iterator[Verdict]:
    api = results.get("api") or {}
    checks = (("post", POST_P99_S), ("get", GET_P99_S))
    if not api:
        for kind, limit in checks:
            yield Verdict(f"{kind.upper()} p99 < {_ms(limit)} at {API_CLIENTS}", "", NOT_MEASURED)
        return
    for database, by_clients in api.items():
        run = by_clients.get(API_CLIENTS)
        for kind, limit in checks:
            target = (
                f"{database} {API_CLIENTS} clients: {kind.upper()} p99 < {_ms(limit)}, 0 errors"
            )
            if not run or kind not in run:
                yield Verdict(target, "", NOT_MEASURED)
                continue
            p99, errors = float(run[kind]["p99"]), int(run[kind]["errors"])
            yield Verdict(
                target, f"{_ms(p99)}, {errors} errors", _status(p99 < limit and errors == 0)
            )


def _events(results: Results) -> Iterator[Verdict]:
    events = results.get("events") or {}
    if not events:
        yield Verdict(f"event delay p99 < {_ms(EVENT_DELAY_P99_S)}", "", NOT_MEASURED)
    for database, run in events.items():
        p99 = float(run["delay"]["p99"])
        yield Verdict(
            f"{database}: event delay p99 < {_ms(EVENT_DELAY_P99_S)}",
            _ms(p99),
            _status(p99 < EVENT_DELAY_P99_S),
        )


def _growth(results: Results) -> Iterator[Verdict]:
    growth = results.get("growth") or {}
    if not growth:
        yield Verdict(f"GET and list flat within {FLAT_WITHIN:.0%}", "", NOT_MEASURED)
    for database, run in growth.items():
        sizes = run.get("sizes") or {}
        for kind in ("get", "list"):
            medians = [float(sizes[size][kind]["median"]) for size in sorted(sizes, key=int)]
            target = f"{database}: {kind} flat within {FLAT_WITHIN:.0%} over {_span(sizes)}"
            if len(medians) < 2:
                yield Verdict(target, "", NOT_MEASURED)
                continue
            # Growth is the largest size against the smallest; the spread is shown beside it,
            # since one noisy size in between is not growth.
            change, spread = medians[-1] / medians[0] - 1, max(medians) / min(medians) - 1
            measured = f"{change:+.0%} (largest over smallest; spread {spread:.0%})"
            yield Verdict(target, measured, _status(change <= FLAT_WITHIN))


def _span(sizes: Mapping[str, Any]) -> str:
    ordered = sorted(sizes, key=int)
    return f"{int(ordered[0]):,} to {int(ordered[-1]):,}" if ordered else "no sizes"


def _memory(results: Results) -> Iterator[Verdict]:
    memory = results.get("memory") or {}
    target = f"memory growth < {MEMORY_GROWTH_MB:g} MB over {MEMORY_ZONES:,} landing zones"
    if not memory:
        yield Verdict(target, "", NOT_MEASURED)
    for database, run in memory.items():
        zones, growth = int(run["zones"]), float(run["growth_mb"])
        measured = f"{growth:+.1f} MB over {zones:,}"
        if zones >= MEMORY_ZONES:
            yield Verdict(f"{database}: {target}", measured, _status(growth < MEMORY_GROWTH_MB))
            continue
        yield Verdict(
            f"{database}: {target}",
            measured,
            NOT_MEASURED,
            f"fewer than {MEMORY_ZONES:,} landing zones: not the target's measure",
        )
