"""Records of every table in one SQLite file; each record is a flat dict of strings."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

Record = dict[str, str]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl TEXT NOT NULL,
    sys_id TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (tbl, sys_id)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
# Fields that name another record (or a state most rows have left): looked up by value through
# an index, so following a reference costs the same however many records the instance holds.
INDEXED_FIELDS = (
    "request",
    "request_item",
    "sysapproval",
    "document_id",
    "parent",
    "group",
    "cat_item",
    "correlation_id",
    "element_id",
    "state",
)


def _value_of(field: str) -> str:
    return f"lower(json_extract(data, '$.{field}'))"


class TableStore:
    """Thread-safe; callers that need several operations to be atomic hold `lock`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        for field in INDEXED_FIELDS:
            index = f"records_by_{field} ON records (tbl, {_value_of(field)})"
            self._db.execute(f"CREATE INDEX IF NOT EXISTS {index}")

    def close(self) -> None:
        with self.lock:
            self._db.close()

    def rows(self, table: str) -> list[Record]:
        with self.lock:
            cursor = self._db.execute(
                "SELECT data FROM records WHERE tbl = ? ORDER BY seq", (table,)
            )
            return [json.loads(data) for (data,) in cursor.fetchall()]

    def where(self, table: str, field: str, value: str) -> list[Record]:
        """Records whose `field` equals `value` (case-insensitively, as queries compare)."""
        if field not in INDEXED_FIELDS:
            raise ValueError(f"{field} is not an indexed field")
        value_sql = _value_of(field)  # `field` is one of INDEXED_FIELDS, never caller text
        sql = f"SELECT data FROM records WHERE tbl = ? AND {value_sql} = lower(?) ORDER BY seq"  # noqa: S608
        with self.lock:
            cursor = self._db.execute(
                sql,
                (table, value),
            )
            return [json.loads(data) for (data,) in cursor.fetchall()]

    def get(self, table: str, sys_id: str) -> Record | None:
        with self.lock:
            row = self._db.execute(
                "SELECT data FROM records WHERE tbl = ? AND sys_id = ?", (table, sys_id)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def insert(self, table: str, record: Record) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO records (tbl, sys_id, data) VALUES (?, ?, ?)",
                (table, record["sys_id"], json.dumps(record)),
            )

    def replace(self, table: str, record: Record) -> None:
        with self.lock:
            self._db.execute(
                "UPDATE records SET data = ? WHERE tbl = ? AND sys_id = ?",
                (json.dumps(record), table, record["sys_id"]),
            )

    def delete(self, table: str, sys_id: str) -> bool:
        with self.lock:
            cursor = self._db.execute(
                "DELETE FROM records WHERE tbl = ? AND sys_id = ?", (table, sys_id)
            )
            return cursor.rowcount > 0

    def next_value(self, counter: str, start: int) -> int:
        with self.lock:
            row = self._db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
                (counter, start),
            ).fetchone()
            return int(row[0])
