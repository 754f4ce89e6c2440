"""Two service replicas on one PostgreSQL share the work, and each landing zone happens once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from landingzone.sandbox.layout import SandboxLayout
from landingzone.sandbox.serving import free_port
from tests.support.clients import bitbucket, records, servicenow
from tests.support.sandbox import (
    Sandbox,
    fresh_postgres_database,
    request_body,
    running_sandbox,
    wait_for,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def two_replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, str]]:
    database_url = fresh_postgres_database()
    data_dir: Path = tmp_path_factory.mktemp("replicas")
    with running_sandbox(data_dir, database_url) as sandbox:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LZ_")}
        env.update(SandboxLayout.load(data_dir).service_environment())
        env.update(
            {
                "LZ_DATABASE_URL": database_url,
                "LZ_EXECUTOR_ID": "replica-2",
                "LZ_PUBLIC_URL": f"http://127.0.0.1:{port}",
            }
        )
        with (data_dir / "logs" / "replica-2.log").open("wb") as log:
            replica = subprocess.Popen(
                [sys.executable, "-m", "landingzone.cli", "serve", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            second = f"http://127.0.0.1:{port}"
            try:
                wait_for(lambda: _healthy(second), "the second replica", timeout=60)
                yield sandbox, second
            finally:
                replica.terminate()
                replica.wait(timeout=30)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_burst_across_two_replicas_completes_once_each(two_replicas: tuple[Sandbox, str]) -> None:
    sandbox, second = two_replicas
    token = sandbox.description["api"]["token"]
    ids = []
    for index in range(8):
        url = sandbox.api_url if index % 2 else second
        response = httpx.post(
            f"{url}/v1/landing-zones",
            json=request_body(f"burst-{index}"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])

    finished = [sandbox.wait_status(i, {"completed", "failed"}) for i in ids]

    assert [f["status"] for f in finished] == ["completed"] * 8
    slugs = sorted(r["slug"] for r in bitbucket(sandbox).repo_list("LABS"))
    assert slugs == sorted([f"burst-{i}" for i in range(8)] + [f"burst-{i}-env" for i in range(8)])
    snow = servicenow(sandbox)
    assert all(len(records(snow, "sc_req_item", {"correlation_id": i})) == 1 for i in ids)
    assert sandbox.database_url is not None
    engine = sa.create_engine(
        sandbox.database_url.replace(
            "postgresql://",
            "postgresql+psycopg://",
        )
    )
    with engine.connect() as connection:
        executors = set(
            connection.execute(
                sa.text(
                    "SELECT DISTINCT executor_id FROM dbos.workflow_status"
                    " WHERE name LIKE '%provision%'"
                )
            ).scalars()
        )
    engine.dispose()
    assert executors <= {"local", "replica-2"} and executors
