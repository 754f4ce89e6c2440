"""What every benchmark stands on: a whole sandbox in a scratch folder, on SQLite or PostgreSQL."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.sandbox import Sandbox, fresh_postgres_database, running_sandbox

from landingzone.config import Settings

DATABASES = ("sqlite", "postgres")
DATABASE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
# The tests give each sandbox 3 connections (many share one PostgreSQL) and 5 s per call (to
# fail fast); a benchmark has the machine alone and the sandbox's own 30 s per call.
# The tests also poll the queues less often (idle services side by side); a benchmark measures
# the production hand-off.
PRODUCTION_QUEUE_POLL = {
    "LZ_QUEUE_POLL_SECONDS": str(Settings.model_fields["queue_poll_seconds"].default)
}
BENCH_SETTINGS = {
    "LZ_DATABASE_POOL_SIZE": "10",
    "LZ_CALL_TIMEOUT_SECONDS": "30",
    **PRODUCTION_QUEUE_POLL,
}


@contextmanager
def stand(database: str, settings: dict[str, str] | None = None) -> Iterator[Sandbox]:
    """A running sandbox on `database` (sqlite or postgres, a fresh database every time)."""
    if database not in DATABASES:
        raise ValueError(f"database is one of {', '.join(DATABASES)}, not {database!r}")
    url = fresh_postgres_database() if database == "postgres" else None
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-{database}-") as scratch,
        running_sandbox(
            Path(scratch), url, settings={**BENCH_SETTINGS, **(settings or {})}
        ) as sandbox,
    ):
        yield sandbox


@contextmanager
def bench_sandbox(
    postgres: bool, settings: dict[str, str] | None = None
) -> Iterator[tuple[Sandbox, str]]:
    """A running sandbox and the name of its database, for the report."""
    database = "postgres" if postgres else "sqlite"
    with stand(database, settings) as sandbox:
        yield sandbox, DATABASE_NAMES[database]
