"""The simulator's SQLite file: one connection that writes, one per thread that reads.

Writes go through the one connection, one at a time, under `lock`; callers that need several
operations to be atomic hold `lock` around them. Reads use a connection of their thread's own
and take no lock: the write-ahead log lets them read what was committed while a write goes on,
so a long answer being put together never holds up the others.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Database:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self.lock = threading.RLock()
        self._db = self._connect()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._path, check_same_thread=False, isolation_level=None, timeout=30
        )
        connection.row_factory = sqlite3.Row
        return connection

    def _read(self) -> sqlite3.Connection:
        """This thread's reading connection."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
            with self.lock:
                self._readers.append(connection)
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """Several writes that others see all at once or not at all."""
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            for reader in self._readers:
                reader.close()
            self._db.close()
