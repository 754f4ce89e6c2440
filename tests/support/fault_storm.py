"""Many landing zones while every downstream system misbehaves about a fifth of the time.

Shared by the end-to-end test (a few landing zones) and bench/fault_storm.py (fifty).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tests.support.clients import (
    bitbucket,
    jenkins_server,
    mailbox_messages,
    requested_items,
    servicenow,
)
from tests.support.sandbox import Sandbox, request_body

HTTP_SYSTEMS = ("bitbucket", "jenkins", "servicenow")
# About 20% of calls fail: plain 503s, changes that landed although the client saw a 500, and
# answers that come after the client (5 s timeout in tests) gave up while the change landed.
HTTP_FAULTS: tuple[dict[str, Any], ...] = (
    {"status": 503, "probability": 0.10},
    {"status": 500, "after_effect": True, "probability": 0.05},
    {"after_effect": True, "delay_seconds": 6, "probability": 0.05},
)
# SMTP refuses or drops before the message is accepted: a relay that accepted a message and
# then failed would make any client send it twice (see the mail notes in the README).
SMTP_FAULTS: tuple[dict[str, Any], ...] = (
    {"command": "MAIL", "reply": "451 4.3.0 Try again later", "probability": 0.10},
    {"command": "RCPT", "drop": True, "probability": 0.05},
    {"command": "MAIL", "delay_seconds": 6, "probability": 0.05},
)


@dataclass(frozen=True)
class StormResult:
    landing_zones: list[dict[str, Any]]
    seconds: float
    faults_hit: dict[str, int]
    waits: int


def unleash(sandbox: Sandbox) -> None:
    for system in HTTP_SYSTEMS:
        for fault in HTTP_FAULTS:
            sandbox.fault(system, method="*", path=r"^/(?!_sandbox)", times=0, **fault)
    for fault in SMTP_FAULTS:
        sandbox.fault("mailbox", times=0, **fault)


def calm(sandbox: Sandbox) -> dict[str, int]:
    hits = {}
    for system in (*HTTP_SYSTEMS, "mailbox"):
        hits[system] = sum(int(rule.get("hits", 0)) for rule in sandbox.faults(system))
        sandbox.clear_faults(system)
    return hits


def run_storm(
    sandbox: Sandbox, prefix: str, count: int, clients: int = 8, timeout: float = 900
) -> StormResult:
    unleash(sandbox)
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(clients) as pool:
            accepted = list(
                pool.map(
                    lambda i: sandbox.create(request_body(f"{prefix}-{i}"), key=f"{prefix}-{i}"),
                    range(count),
                )
            )
        done = [
            sandbox.wait_status(a["id"], {"completed", "failed", "cancelled"}, timeout)
            for a in accepted
        ]
    finally:
        hits = calm(sandbox)
    seconds = time.perf_counter() - started
    waits = sum(
        1 for lz in done for event in sandbox.events(lz["id"]) if event["kind"] == "waiting"
    )
    return StormResult(done, seconds, hits, waits)


def duplicates(sandbox: Sandbox, prefix: str, result: StormResult) -> list[str]:
    """Every resource that is not there exactly once, as readable lines."""
    problems: list[str] = []
    slugs = [
        r["slug"] for r in bitbucket(sandbox).repo_list("LABS") if r["slug"].startswith(prefix)
    ]
    server = jenkins_server(sandbox)
    snow = servicenow(sandbox)
    subjects = [str(m["Subject"]) for m in mailbox_messages(sandbox)]
    for landing_zone in result.landing_zones:
        name = landing_zone["name"]
        tickets = requested_items(snow, landing_zone["id"])
        found = {
            "repository": (slugs.count(name), 1),
            "environment repository": (slugs.count(f"{name}-env"), 1),
            "jobs": (len(server.get_job_info(f"labs/{name}")["jobs"]), 2),
            "tickets": (len(tickets), 1),
            "emails": (sum(f"{name} is ready" in subject for subject in subjects), 1),
        }
        problems += [
            f"{name}: {count} {what}, expected {wanted}"
            for what, (count, wanted) in found.items()
            if count != wanted
        ]
    return problems
