"""Growth: GET and list latency as the store fills, and the service's memory over many landing
zones.

Rows are inserted straight into the product's tables (landingzone.landing_zone.tables), not
through the workflow, so 100,000 stored landing zones take seconds: each a copy of one real
completed landing zone (its request, links, resources and eight finished steps) under a new
id, name and creation time, spread over the past, the real ones newest.

Memory is the service process's resident set (VmRSS in /proc) before and after landing zones
provisioned through the workflow.
"""

from __future__ import annotations

import random
import secrets
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from tests.support.sandbox import Sandbox

from bench.stats import Summary
from landingzone.landing_zone.tables import landing_zones, steps

BATCH = 5000
WARM_UP = 20
SETTLE_S = 5.0  # the service's own start-up and the model's last calls are over
OWNER = "group:default/payments"


def engine(sandbox: Sandbox) -> sa.Engine:
    if sandbox.database_url:
        return sa.create_engine(
            sandbox.database_url.replace("postgresql://", "postgresql+psycopg://")
        )
    return sa.create_engine(f"sqlite:///{sandbox.data_dir / 'service' / 'landingzone.sqlite'}")


def stored(db: sa.Engine) -> int:
    with db.connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(landing_zones)).scalar_one()
        )


def fill(db: sa.Engine, model_id: str, total: int) -> float:
    """Copies of `model_id` until `total` landing zones are stored; the seconds it took."""
    started = time.perf_counter()
    with db.connect() as connection:
        model = connection.execute(
            landing_zones.select().where(landing_zones.c.id == model_id)
        ).one()
        model_steps = connection.execute(
            steps.select().where(steps.c.landing_zone_id == model_id)
        ).all()
    have = stored(db)
    oldest = model.created_at
    while have < total:
        batch = min(BATCH, total - have)
        rows: list[dict[str, Any]] = []
        step_rows: list[dict[str, Any]] = []
        for offset in range(batch):
            index = have + offset
            landing_zone_id = "lz_" + secrets.token_hex(10)
            name = f"grown-{index}"
            created = oldest - timedelta(seconds=index + 1)
            request = {**dict(model.request), "name": name}
            rows.append(
                {
                    **model._asdict(),
                    "id": landing_zone_id,
                    "idempotency_key": None,
                    "name_claim": f"{model.tenant}/{name}",
                    "name": name,
                    "request": request,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            step_rows.extend(
                {**step._asdict(), "landing_zone_id": landing_zone_id} for step in model_steps
            )
        with db.begin() as connection:
            connection.execute(landing_zones.insert(), rows)
            connection.execute(steps.insert(), step_rows)
        have += batch
    if db.dialect.name == "postgresql":
        # What autovacuum does to a table soon after a bulk load: fresh statistics (the planner
        # would otherwise plan for the table as it was) and rows marked visible (else the first
        # read of each row writes its page).
        with db.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                f"VACUUM ANALYZE {landing_zones.name}, {steps.name}"
            )
    return time.perf_counter() - started


def _sample_ids(db: sa.Engine, count: int) -> list[str]:
    with db.connect() as connection:
        ids = [row.id for row in connection.execute(sa.select(landing_zones.c.id))]
    return random.Random(7).sample(ids, min(count, len(ids)))


def latencies(sandbox: Sandbox, db: sa.Engine, samples: int) -> dict[str, Any]:
    """GET of random stored landing zones, the first page of the list, and one owner's page."""
    ids = _sample_ids(db, samples)
    time.sleep(SETTLE_S)
    found: dict[str, list[float]] = {"get": [], "list": [], "list_by_owner": []}
    pages: list[tuple[str, str, dict[str, str | int]]] = []
    with sandbox.api() as client:
        for index in range(WARM_UP):  # the first reads of a size fill caches: not counted
            client.get(f"/v1/landing-zones/{ids[index % len(ids)]}").raise_for_status()
            client.get("/v1/landing-zones", params={"limit": 50}).raise_for_status()
        for index in range(samples):
            pages = [
                ("get", f"/v1/landing-zones/{ids[index % len(ids)]}", {}),
                ("list", "/v1/landing-zones", {"limit": 50}),
                ("list_by_owner", "/v1/landing-zones", {"limit": 50, "owner": OWNER}),
            ]
            for kind, url, params in pages:
                started = time.perf_counter()
                answer = client.get(url, params=params)
                elapsed = time.perf_counter() - started
                answer.raise_for_status()
                found[kind].append(elapsed)
    return {kind: Summary.of(values).as_dict() for kind, values in found.items()}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def service_rss_mb(sandbox: Sandbox, settle_s: float = 2.0) -> float:
    """The service's resident memory after `settle_s` of quiet (the median of a few reads)."""
    time.sleep(settle_s)
    pid = int(sandbox.description["processes"]["service"])
    reads = []
    for _ in range(5):
        reads.append(rss_mb(pid))
        time.sleep(0.2)
    return statistics.median(reads)


def healthy(sandbox: Sandbox) -> bool:
    try:
        return httpx.get(f"{sandbox.api_url}/healthz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
