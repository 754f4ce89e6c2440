"""Records of every table in one SQLite file; each record is a flat dict of strings."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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
    "sc_item_option",
    "correlation_id",
    "element_id",
    "state",
    "name",
    "value",
)


_CHUNK = 500  # values per statement, well under SQLite's limit on parameters


def _value_of(field: str) -> str:
    return f"lower(json_extract(data, '$.{field}'))"


class TableStore:
    """Thread-safe; callers that need several operations to be atomic hold `lock`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self._depth = 0
        self._after_commit: list[Callable[[], None]] = []
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        for field in INDEXED_FIELDS:
            index = f"records_by_{field} ON records (tbl, {_value_of(field)})"
            self._db.execute(f"CREATE INDEX IF NOT EXISTS {index}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all; nested uses join the outer one."""
        with self.lock:
            outermost = self._depth == 0
            if outermost:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                if outermost:
                    self._db.execute("ROLLBACK")
                    self._after_commit = []
                raise
            finally:
                self._depth -= 1
            if not outermost:
                return
            self._db.execute("COMMIT")
            pending, self._after_commit = self._after_commit, []
        for action in pending:
            action()

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the current transaction commits (now, outside of one)."""
        with self.lock:
            if self._depth:
                self._after_commit.append(action)
                return
        action()

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
        return self.where_in((table,), field, (value,))

    def where_in(self, tables: Sequence[str], field: str, values: Sequence[str]) -> list[Record]:
        """Records of `tables` whose `field` (sys_id or indexed) is one of `values`."""
        if field != "sys_id" and field not in INDEXED_FIELDS:
            raise ValueError(f"{field} is not an indexed field")
        # `field` is sys_id or one of INDEXED_FIELDS, never caller text.
        value_sql = "sys_id" if field == "sys_id" else _value_of(field)
        found: list[tuple[int, str]] = []
        with self.lock:
            for table in tables:
                for start in range(0, len(values), _CHUNK):
                    chunk = [v.lower() for v in values[start : start + _CHUNK]]
                    marks = ",".join("?" * len(chunk))
                    sql = (
                        f"SELECT seq, data FROM records WHERE tbl = ? AND {value_sql} IN ({marks})"  # noqa: S608
                    )
                    found.extend(self._db.execute(sql, (table, *chunk)).fetchall())
        return [json.loads(data) for _, data in sorted(found)]

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
