"""The service's own PostgreSQL stops taking connections: callers get a 503 with a Retry-After,
naming no host, and the service answers again as soon as the database is back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import fresh_postgres_database, request_body

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def database() -> str:
    return fresh_postgres_database()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, database: str) -> Iterator[InProcessService]:
    data = tmp_path_factory.mktemp("database-outage")
    with in_process_service(data, LZ_DATABASE_URL=database) as running:
        yield running


@contextmanager
def refusing_connections(database_url: str) -> Iterator[None]:
    """PostgreSQL itself turns every session of the database away, open ones included."""
    name = database_url.rsplit("/", 1)[-1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        try:
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def test_callers_are_asked_to_come_back_while_the_database_is_away(
    service: InProcessService, database: str
) -> None:
    client, auth = service.client, service.auth
    assert client.get("/v1/landing-zones", headers=auth).status_code == 200
    with refusing_connections(database):
        for answer in (
            client.get("/v1/landing-zones", headers=auth),
            client.post("/v1/landing-zones", json=request_body("while-away"), headers=auth),
        ):
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "5"
            assert answer.json()["detail"][0]["type"] == "unavailable"
            assert "127.0.0.1" not in answer.text and "5432" not in answer.text
        assert client.get("/readyz").status_code == 503, "not ready: take it out of rotation"
        assert client.get("/healthz").status_code == 200, "alive: do not restart it"
    assert client.get("/readyz").status_code == 200
    back = client.post("/v1/landing-zones", json=request_body("after-return"), headers=auth)
    assert back.status_code == 202, back.text
