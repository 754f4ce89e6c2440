"""What every benchmark stands on: a whole sandbox in a scratch folder, on SQLite or PostgreSQL."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.sandbox import Sandbox, fresh_postgres_database, running_sandbox


@contextmanager
def bench_sandbox(
    postgres: bool, settings: dict[str, str] | None = None
) -> Iterator[tuple[Sandbox, str]]:
    """A running sandbox and the name of its database, for the report."""
    database = fresh_postgres_database() if postgres else None
    with (
        tempfile.TemporaryDirectory() as scratch,
        running_sandbox(Path(scratch), database, settings=settings) as sandbox,
    ):
        yield sandbox, "PostgreSQL" if database else "SQLite"
