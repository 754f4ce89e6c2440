"""The service: POST -> `completed`, one at a time or `concurrency` at a time.

A landing zone's time is from just before its POST to the `updated_at` its completion was
recorded with (same machine, same clock), so how often the client looks does not count. Its
critical path comes from the steps' own times (GET /v1/landing-zones/{id}); its downstream
requests from the simulators' traffic logs, taken while it ran alone.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from tests.support.sandbox import TERMINAL, Sandbox, request_body

from bench.stats import Summary
from bench.traffic import Entry, Meter, calls, counts, peak_overlap, slowest

SEQUENTIAL_POLL_S = 0.05
CONCURRENT_POLL_S = 0.5
Segment = tuple[str, float]


def _at(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def segments(view: dict[str, Any], posted_at: float) -> list[Segment]:
    """The landing zone's time, cut along its critical path: each stage, and the waits between
    them (queue hand-offs). The environment repository is made beside the project repository,
    so the two count as one segment, as long as the longer of them."""
    steps = {step["name"]: step for step in view["steps"]}
    finished = _at(view.get("updated_at")) or posted_at
    order = [
        ["plan"],
        ["approve"],
        ["render"],
        ["repository", "environment"],
        ["pipelines"],
        ["record"],
        ["notify"],
    ]
    cut: list[Segment] = []
    cursor, previous = posted_at, "accepted"
    for group in order:
        starts = [s for name in group if (s := _at(steps.get(name, {}).get("started_at")))]
        ends = [e for name in group if (e := _at(steps.get(name, {}).get("finished_at")))]
        if not starts or not ends:
            continue
        start, end = min(starts), max(ends)
        label = " | ".join(group)
        cut.append((f"{previous} -> {label}", max(0.0, start - cursor)))
        cut.append((label, max(0.0, end - start)))
        cursor, previous = end, label
    cut.append((f"{previous} -> completed", max(0.0, finished - cursor)))
    return cut


def requests_by_stage(
    view: dict[str, Any], entries: dict[str, list[Entry]], environment_name: str = ""
) -> dict[str, Counter[str]]:
    """Per stage, how many requests each system got while it ran (by the request's start);
    requests outside every stage are counted under `between stages`. While the repository and
    the environment stages overlap, a request for `environment_name` is the environment's."""
    spans = [
        (step["name"], start, end)
        for step in view["steps"]
        if (start := _at(step.get("started_at"))) and (end := _at(step.get("finished_at")))
    ]
    found: dict[str, Counter[str]] = {}
    for system, listed in entries.items():
        for entry in listed:
            began = float(entry["started"])
            running = [name for name, s, e in spans if s <= began <= e]
            if len(running) > 1 and "environment" in running:
                ours = bool(environment_name) and f"/{environment_name}" in str(entry["target"])
                running = ["environment"] if ours else [n for n in running if n != "environment"]
            found.setdefault(running[0] if running else "between stages", Counter())[system] += 1
    return found


@dataclass
class ServiceRun:
    landing_zone_id: str
    name: str
    class_id: str
    status: str
    seconds: float
    path: list[Segment]
    requests: dict[str, int]
    calls: dict[str, Counter[str]]
    by_stage: dict[str, Counter[str]]
    at_once: dict[str, int]  # the most of its own calls in flight together, per system


def _post(client: httpx.Client, body: dict[str, Any]) -> tuple[str, float]:
    posted_at = time.time()
    response = client.post("/v1/landing-zones", json=body)
    response.raise_for_status()
    return str(response.json()["id"]), posted_at


def _wait(client: httpx.Client, landing_zone_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/v1/landing-zones/{landing_zone_id}")
        if response.status_code == 200 and response.json()["status"] in TERMINAL:
            return response.json()  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            raise TimeoutError(f"{landing_zone_id} did not finish within {timeout:.0f} s")
        time.sleep(SEQUENTIAL_POLL_S)


def run_one(
    sandbox: Sandbox, meter: Meter, name: str, class_id: str, timeout: float = 300
) -> ServiceRun:
    """One landing zone alone on the sandbox, with its requests counted."""
    mark = meter.mark()
    with sandbox.api() as client:
        landing_zone_id, posted_at = _post(client, request_body(name, class_id=class_id))
        view = _wait(client, landing_zone_id, timeout)
    # Calls that end just after the completion is recorded (the last answers) are let in.
    time.sleep(0.2)
    entries = meter.since(mark)
    names = (name, f"{name}-env", landing_zone_id)
    finished = _at(view.get("updated_at")) or time.time()
    return ServiceRun(
        landing_zone_id=landing_zone_id,
        name=name,
        class_id=class_id,
        status=str(view["status"]),
        seconds=finished - posted_at,
        path=segments(view, posted_at),
        requests=counts(entries),
        at_once=peak_overlap(entries),
        calls=calls(entries, names),
        by_stage=requests_by_stage(view, entries, f"{name}-env"),
    )


@dataclass
class _Watch:
    """Which landing zones are still under way, looked at for all of them at once."""

    client: httpx.Client
    waiting: dict[str, threading.Event] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def add(self, landing_zone_id: str) -> threading.Event:
        done = threading.Event()
        with self.lock:
            self.waiting[landing_zone_id] = done
        return done

    def run(self) -> None:
        while not self.stop.wait(CONCURRENT_POLL_S):
            with self.lock:
                watched = list(self.waiting)
            if not watched:
                continue
            listed = self.client.get(
                "/v1/landing-zones", params={"status": "provisioning", "limit": 200}
            )
            if listed.status_code != 200:
                continue
            busy = {item["id"] for item in listed.json()["items"]}
            for landing_zone_id in watched:
                if landing_zone_id in busy:
                    continue
                view = self.client.get(f"/v1/landing-zones/{landing_zone_id}")
                if view.status_code == 200 and view.json()["status"] in TERMINAL:
                    with self.lock:
                        self.views[landing_zone_id] = view.json()
                        self.waiting.pop(landing_zone_id).set()


def run_concurrent(
    sandbox: Sandbox,
    meter: Meter,
    prefix: str,
    class_ids: list[str],
    concurrency: int,
    count: int,
    timeout: float = 600,
    replica_urls: Sequence[str] = (),
) -> dict[str, Any]:
    """`count` landing zones, `concurrency` of them under way at any time (a new one is asked
    for as soon as one finishes): throughput, latency, errors, peak calls at once per system.
    With other replicas, the POSTs go round-robin to the sandbox's service and theirs, as a load
    balancer would send them."""
    api_urls = [sandbox.api_url, *replica_urls]
    meter.reset_peaks()
    mark = meter.mark()
    outcomes: list[tuple[float, dict[str, Any] | None, str | None]] = []
    lock = threading.Lock()
    with sandbox.api() as watcher_client:
        watch = _Watch(watcher_client)
        watcher = threading.Thread(target=watch.run, name="bench-watch", daemon=True)
        watcher.start()

        def one(index: int) -> None:
            body = request_body(f"{prefix}-{index}", class_id=class_ids[index % len(class_ids)])
            try:
                with sandbox.api(api_url=api_urls[index % len(api_urls)]) as client:
                    landing_zone_id, posted_at = _post(client, body)
                done, deadline = watch.add(landing_zone_id), time.monotonic() + timeout
                while not done.wait(1.0):
                    if watch.stop.is_set() or time.monotonic() > deadline:
                        raise TimeoutError(f"{landing_zone_id} did not finish in {timeout:.0f} s")
                result: tuple[float, dict[str, Any] | None, str | None] = (
                    posted_at,
                    watch.views[landing_zone_id],
                    None,
                )
            except (httpx.HTTPError, TimeoutError) as error:
                result = (time.time(), None, f"{type(error).__name__}: {error}")
            with lock:
                outcomes.append(result)

        pool = ThreadPoolExecutor(concurrency)
        try:
            list(pool.map(one, range(count)))
        finally:  # an interrupted run lets its waiting threads go at once
            watch.stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            watcher.join(timeout=10)
    peaks = meter.peaks()
    entries = meter.since(mark)
    result = _concurrency_result(outcomes, concurrency, count, peaks, counts(entries))
    return {
        **result,
        "replicas": len(api_urls),
        "caller_peak": peak_overlap(entries),
        "slowest": slowest(entries),
    }


def _concurrency_result(
    outcomes: list[tuple[float, dict[str, Any] | None, str | None]],
    concurrency: int,
    count: int,
    peaks: dict[str, int],
    requests: dict[str, int],
) -> dict[str, Any]:
    durations, errors, first, last = [], [], float("inf"), 0.0
    for posted_at, view, error in outcomes:
        first = min(first, posted_at)
        if view is None or view["status"] != "completed":
            errors.append(error or f"{view and view['id']}: {view and view['status']}")
            continue
        finished = _at(view.get("updated_at")) or time.time()
        durations.append(finished - posted_at)
        last = max(last, finished)
    span = max(last - first, 1e-9) if durations else 0.0
    return {
        "concurrency": concurrency,
        "count": count,
        "completed": len(durations),
        "errors": len(errors),
        "error_samples": errors[:5],
        "seconds": span,
        "per_second": len(durations) / span if span else 0.0,
        "latency": Summary.of(durations).as_dict() if durations else None,
        "peak": peaks,
        "requests_per_landing_zone": {
            system: n / max(1, len(durations)) for system, n in requests.items()
        },
    }
