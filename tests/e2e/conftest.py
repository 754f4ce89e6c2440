from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.sandbox import Sandbox, fresh_postgres_database, running_sandbox


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def sandbox(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sandbox]:
    """One whole sandbox per database: simulators, supervised service, real processes."""
    database_url = fresh_postgres_database() if request.param == "postgresql" else None
    data_dir: Path = tmp_path_factory.mktemp(f"sandbox-{request.param}")
    with running_sandbox(data_dir, database_url) as running:
        yield running
        # After everything the session did to it, no landing zone may be left stranded.
        assert running.stranded() == []
