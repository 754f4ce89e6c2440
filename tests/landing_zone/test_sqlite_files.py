"""On SQLite, both databases (ours and the workflow engine's) keep a write-ahead log, so the
one writer and the readers never wait for each other."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from landingzone.landing_zone.tables import use_write_ahead_log
from tests.support.in_process import in_process_service


def journal_mode(path: Path) -> str:
    with closing(sqlite3.connect(path)) as database:
        return str(database.execute("PRAGMA journal_mode").fetchone()[0])


def test_a_database_is_switched_to_the_write_ahead_log_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    old = tmp_path / "old.sqlite"
    with closing(sqlite3.connect(old)) as database:
        database.execute("CREATE TABLE kept (value TEXT)")
        database.execute("INSERT INTO kept VALUES ('row')")
        database.commit()
    assert journal_mode(old) == "delete"

    use_write_ahead_log(f"sqlite:///{old}")
    use_write_ahead_log(f"sqlite:///{tmp_path / 'new' / 'fresh.sqlite'}")
    use_write_ahead_log("postgresql://lz@127.0.0.1:9/none")  # not SQLite: nothing to do

    assert journal_mode(old) == "wal"
    assert journal_mode(tmp_path / "new" / "fresh.sqlite") == "wal"
    with closing(sqlite3.connect(old)) as database:
        assert database.execute("SELECT value FROM kept").fetchall() == [("row",)]


def test_the_service_runs_both_of_its_sqlite_databases_with_a_write_ahead_log(
    tmp_path: Path,
) -> None:
    with in_process_service(tmp_path) as service:
        database = Path(service.environment["LZ_DATABASE_URL"].removeprefix("sqlite:///"))
        engine = database.with_name(database.name.removesuffix(".sqlite") + ".dbos.sqlite")

        assert (journal_mode(database), journal_mode(engine)) == ("wal", "wal")
