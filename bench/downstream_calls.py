"""Every request the service makes to Bitbucket, Jenkins, ServiceNow and the mail relay for one
landing zone, the stage it belongs to and how long it took; and the stage timings.

The service runs in this process with the simulators on threads (tests/support/in_process.py),
so each outgoing call is seen where it leaves: requests' `Session.send` (the Bitbucket, Jenkins
and ServiceNow clients), every `git` the Bitbucket adapter runs, and each SMTP session. The
first landing zone also pays one-off costs (the Jenkins crumb, the catalog item look-up); the
figures are for the later ones.

    PYTHONPATH=$PWD:$PWD/service .venv/bin/python -m bench.downstream_calls [--runs 3]
        [--class java] [--list] [--json out.json]

`--sandbox` instead starts `landingzone sandbox` as processes (as `make sandbox` does) and
reports only the stage timings, from the service's step timestamps, as medians over `--runs`.
"""

from __future__ import annotations

import argparse
import json
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STAGES = ("plan", "approve", "render", "repository", "environment", "pipelines", "record", "notify")


@dataclass(frozen=True)
class Call:
    system: str
    method: str
    target: str
    status: int | None
    started: float  # epoch seconds
    seconds: float


class Recorder:
    """Calls as they leave this process, by system (told apart by the port they go to)."""

    def __init__(self, ports: dict[int, str]) -> None:
        self._ports = ports
        self._lock = threading.Lock()
        self.calls: list[Call] = []

    def add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def system_of(self, url: str) -> str:
        return self._ports.get(urlsplit(url).port or 0, "other")

    def between(self, start: float, end: float) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if start <= c.started <= end]

    @contextmanager
    def watching(self) -> Iterator[None]:
        from landingzone.integrations.bitbucket.client import GitCli

        send = requests.Session.send
        completed = GitCli._completed
        smtp_init = smtplib.SMTP.__init__

        def sending(session: requests.Session, request: Any, **kwargs: Any) -> Any:
            started, clock = time.time(), time.perf_counter()
            status: int | None = None
            try:
                response = send(session, request, **kwargs)
                status = response.status_code
                return response
            finally:
                parts = urlsplit(request.url)
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                self.add(
                    Call(
                        self.system_of(request.url),
                        request.method,
                        target,
                        status,
                        started,
                        time.perf_counter() - clock,
                    )
                )

        def running_git(git: GitCli, args: list[str], action: str, **kwargs: Any) -> Any:
            started, clock = time.time(), time.perf_counter()
            result = completed(git, args, action, **kwargs)
            if any(verb in args for verb in ("ls-remote", "push", "fetch", "clone")):
                verb = next(a for a in args if a in ("ls-remote", "push", "fetch", "clone"))
                self.add(
                    Call("bitbucket", "git", f"git {verb}", result.returncode, started,
                         time.perf_counter() - clock)
                )  # fmt: skip
            return result

        def opening_smtp(client: smtplib.SMTP, *args: Any, **kwargs: Any) -> None:
            self.add(Call("mail", "SMTP", "session", None, time.time(), 0.0))
            smtp_init(client, *args, **kwargs)

        with (
            mock.patch.object(requests.Session, "send", sending),
            mock.patch.object(GitCli, "_completed", running_git),
            mock.patch.object(smtplib.SMTP, "__init__", opening_smtp),
        ):
            yield


def _epoch(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def stage_of(call: Call, steps: list[dict[str, Any]]) -> str:
    for step in steps:
        start, end = _epoch(step.get("started_at")), _epoch(step.get("finished_at"))
        if start is not None and end is not None and start - 0.005 <= call.started <= end:
            return str(step["name"])
    return "-"


def stage_seconds(landing_zone: dict[str, Any]) -> dict[str, float]:
    """Each stage's duration, the two queue hand-offs and the total, from the step timestamps."""
    steps = {s["name"]: s for s in landing_zone["steps"]}
    created = _epoch(landing_zone["created_at"]) or 0.0
    out: dict[str, float] = {}
    for name in STAGES:
        step = steps.get(name, {})
        start, end = _epoch(step.get("started_at")), _epoch(step.get("finished_at"))
        if start is not None and end is not None:
            out[name] = end - start
    plan_start = _epoch(steps.get("plan", {}).get("started_at"))
    approve_end = _epoch(steps.get("approve", {}).get("finished_at"))
    render_start = _epoch(steps.get("render", {}).get("started_at"))
    last = max(
        (_epoch(s.get("finished_at")) or 0.0 for s in landing_zone["steps"]), default=created
    )
    if plan_start is not None:
        out["intake hand-off"] = plan_start - created
    if approve_end is not None and render_start is not None:
        out["provisioning hand-off"] = render_start - approve_end
    out["total (created -> last step)"] = last - created
    return out


def _body(name: str, class_id: str) -> dict[str, Any]:
    from tests.support.sandbox import request_body

    return request_body(name, class_id=class_id)


def count_in_process(runs: int, class_id: str, show_list: bool) -> dict[str, Any]:
    from tests.support.in_process import in_process_service
    from tests.support.sandbox import wait_for

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch, in_process_service(Path(scratch)) as service:
        layout = service.layout
        recorder = Recorder(
            {
                layout.bitbucket_port: "bitbucket",
                layout.jenkins_port: "jenkins",
                layout.servicenow_port: "servicenow",
                layout.smtp_port: "mail",
            }
        )
        with recorder.watching():
            for index in range(runs):
                started = time.time()
                response = service.client.post(
                    "/v1/landing-zones",
                    json=_body(f"calls-{class_id}-{index}", class_id),
                    headers=service.auth,
                )
                assert response.status_code == 202, response.text
                landing_zone_id = response.json()["id"]

                def done(landing_zone_id: str = landing_zone_id) -> dict[str, Any] | None:
                    view = service.client.get(
                        f"/v1/landing-zones/{landing_zone_id}", headers=service.auth
                    ).json()
                    return view if view["status"] in ("completed", "failed") else None

                view = wait_for(done, f"{landing_zone_id} to finish", timeout=180)
                assert view["status"] == "completed", view["error"]
                calls = recorder.between(started, time.time())
                results.append({"view": view, "calls": calls})
    return _report(results, show_list)


def _report(results: list[dict[str, Any]], show_list: bool) -> dict[str, Any]:
    steady = results[1:] or results
    per_system: dict[str, list[int]] = {}
    for result in steady:
        counted = Counter(c.system for c in result["calls"])
        for system in ("bitbucket", "jenkins", "servicenow", "mail"):
            per_system.setdefault(system, []).append(counted.get(system, 0))
    last = steady[-1]
    steps = last["view"]["steps"]
    in_order = sorted(last["calls"], key=lambda c: c.started)
    listed = [{**asdict(c), "stage": stage_of(c, steps)} for c in in_order]
    print(f"requests per landing zone (median of {len(steady)}, after the first):")
    total = 0
    for system, counts in per_system.items():
        median = statistics.median(counts)
        total += int(median)
        print(f"  {system:<11} {median:>4.0f}")
    print(f"  {'all':<11} {total:>4d}   (first landing zone: {len(results[0]['calls'])})")
    if show_list:
        print("\nthe last landing zone's requests, in order:")
        t0 = listed[0]["started"] if listed else 0.0
        for call in listed:
            print(
                f"  +{call['started'] - t0:6.3f} s {call['seconds'] * 1000:7.1f} ms "
                f"{call['stage']:<11} {call['system']:<10} {call['method']:<6} "
                f"{call['target'][:90]} -> {call['status']}"
            )
    print("\nstage timings of the last landing zone (in process, simulators on threads):")
    for name, seconds in stage_seconds(last["view"]).items():
        print(f"  {name:<30} {seconds * 1000:8.0f} ms")
    return {"per_system": per_system, "calls": listed, "stages": stage_seconds(last["view"])}


def time_on_sandbox(runs: int, class_id: str) -> dict[str, Any]:
    from tests.support.sandbox import running_sandbox

    from bench.stand import PRODUCTION_QUEUE_POLL

    per_stage: dict[str, list[float]] = {}
    with (
        tempfile.TemporaryDirectory() as scratch,
        running_sandbox(Path(scratch), settings=PRODUCTION_QUEUE_POLL) as sandbox,
    ):
        for index in range(runs):
            accepted = sandbox.create(_body(f"timed-{class_id}-{index}", class_id))
            done = sandbox.wait_status(accepted["id"], {"completed", "failed"}, timeout=300)
            assert done["status"] == "completed", done["error"]
            for name, seconds in stage_seconds(done).items():
                per_stage.setdefault(name, []).append(seconds)
    print(f"stage timings, {class_id} on SQLite, `landingzone sandbox`, median of {runs}:")
    medians = {name: statistics.median(values) for name, values in per_stage.items()}
    for name, seconds in medians.items():
        spread = f"(min {min(per_stage[name]) * 1000:.0f}, max {max(per_stage[name]) * 1000:.0f})"
        print(f"  {name:<30} {seconds * 1000:8.0f} ms {spread}")
    return {"stages": medians, "runs": per_stage}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--class", dest="class_id", default="java")
    parser.add_argument("--list", action="store_true", help="list each request of the last run")
    parser.add_argument("--sandbox", action="store_true", help="stage timings on the sandbox")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.sandbox:
        figures = time_on_sandbox(args.runs, args.class_id)
    else:
        figures = count_in_process(args.runs, args.class_id, args.list)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
