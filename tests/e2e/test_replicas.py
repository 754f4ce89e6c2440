"""Two service replicas on one PostgreSQL share the work, each landing zone happens once, and a
replica that dies for good leaves nothing behind: the other takes its work over."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.support.clients import bitbucket, requested_items, servicenow
from tests.support.replicas import Replica, another_replica
from tests.support.sandbox import (
    Sandbox,
    fresh_postgres_database,
    request_body,
    running_sandbox,
    wait_for,
)

pytestmark = pytest.mark.e2e

TEST_TUNING = {
    "LZ_RETRY_INITIAL_SECONDS": "0.2",
    "LZ_RETRY_MAX_INTERVAL_SECONDS": "2",
    "LZ_HEARTBEAT_SECONDS": "1",
    "LZ_REPLICA_LEASE_SECONDS": "6",
    "LZ_CALL_TIMEOUT_SECONDS": "5",
    "LZ_DATABASE_POOL_SIZE": "3",
}


@pytest.fixture(scope="module")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    data_dir: Path = tmp_path_factory.mktemp("replicas")
    with running_sandbox(data_dir, fresh_postgres_database()) as sandbox:
        yield sandbox
        assert sandbox.stranded() == []


@pytest.fixture
def second_replica(shared_sandbox: Sandbox) -> Iterator[Replica]:
    """Another `landingzone serve` on the same database, with the sandbox's tuning."""
    with another_replica(shared_sandbox, TEST_TUNING) as replica:
        yield replica


def _burst(sandbox: Sandbox, replica: Replica, prefix: str, count: int) -> list[str]:
    token = sandbox.description["api"]["token"]
    ids = []
    for index in range(count):
        url = sandbox.api_url if index % 2 else replica.url
        response = httpx.post(
            f"{url}/v1/landing-zones",
            json=request_body(f"{prefix}-{index}"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    return ids


def _assert_once_each(sandbox: Sandbox, prefix: str, ids: list[str]) -> None:
    slugs = sorted(
        r["slug"] for r in bitbucket(sandbox).repo_list("LABS") if r["slug"].startswith(prefix)
    )
    names = [f"{prefix}-{i}" for i in range(len(ids))]
    assert slugs == sorted(names + [f"{name}-env" for name in names])
    snow = servicenow(sandbox)
    assert all(len(requested_items(snow, i)) == 1 for i in ids)


def _scalars(sandbox: Sandbox, sql: str, **params: object) -> list[str]:
    """One column of a query on the shared PostgreSQL, where DBOS keeps its workflows."""
    assert sandbox.database_url is not None
    engine = sa.create_engine(
        sandbox.database_url.replace("postgresql://", "postgresql+psycopg://")
    )
    with engine.connect() as connection:
        found = [str(value) for value in connection.execute(sa.text(sql), params).scalars()]
    engine.dispose()
    return found


def _executors(sandbox: Sandbox, ids: list[str]) -> set[str]:
    return set(
        _scalars(
            sandbox,
            "SELECT DISTINCT executor_id FROM dbos.workflow_status"
            " WHERE name LIKE '%provision%' AND workflow_uuid = ANY(:ids)",
            ids=[f"{i}:provision-0" for i in ids],
        )
    )


def test_a_burst_across_two_replicas_completes_once_each(
    shared_sandbox: Sandbox, second_replica: Replica
) -> None:
    ids = _burst(shared_sandbox, second_replica, "burst", 8)

    finished = [shared_sandbox.wait_status(i, {"completed", "failed"}) for i in ids]

    assert [f["status"] for f in finished] == ["completed"] * 8
    _assert_once_each(shared_sandbox, "burst", ids)
    assert _executors(shared_sandbox, ids) <= {"local", second_replica.executor_id}


def _pending_on(sandbox: Sandbox, executor_id: str) -> list[str]:
    """Workflows the replica is running right now."""
    return _scalars(
        sandbox,
        "SELECT workflow_uuid FROM dbos.workflow_status"
        " WHERE executor_id = :executor AND status = 'PENDING'",
        executor=executor_id,
    )


def test_a_replica_that_dies_for_good_leaves_no_work_behind(
    shared_sandbox: Sandbox, second_replica: Replica
) -> None:
    sandbox = shared_sandbox
    ids = _burst(sandbox, second_replica, "orphan", 20)

    in_flight = wait_for(
        lambda: _pending_on(sandbox, second_replica.executor_id),
        "the second replica to be running landing zones",
        timeout=120,
    )
    second_replica.process.send_signal(signal.SIGKILL)  # and it never comes back
    second_replica.process.wait(timeout=10)

    finished = [sandbox.wait_status(i, {"completed", "failed", "cancelled"}, 300) for i in ids]

    assert [f["status"] for f in finished] == ["completed"] * 20
    assert in_flight, "the dead replica had work in flight"
    assert _pending_on(sandbox, second_replica.executor_id) == [], "all of it was taken over"
    _assert_once_each(sandbox, "orphan", ids)
