"""Items, queue and builds in one SQLite file under the data dir; thread-safe."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from pathlib import Path

from .records import (
    BUILDABLE,
    CANCELLED,
    LEFT,
    WAITING,
    Build,
    Checkout,
    Item,
    Params,
    QueueItem,
    build_from_row,
    item_from_row,
    now_ms,
    queue_item_from_row,
)

__all__ = ["BUILDABLE", "CANCELLED", "LEFT", "WAITING", "Build", "Checkout", "Item"]
__all__ += ["JenkinsStore", "Params", "QueueItem", "now_ms"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    full_name TEXT PRIMARY KEY,
    config BLOB NOT NULL,
    next_build INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job TEXT NOT NULL,
    params TEXT NOT NULL,
    cause TEXT NOT NULL,
    state TEXT NOT NULL,
    since_ms INTEGER NOT NULL,
    ready_ms INTEGER NOT NULL,
    build_number INTEGER
);
CREATE TABLE IF NOT EXISTS builds (
    job TEXT NOT NULL,
    number INTEGER NOT NULL,
    queue_id INTEGER NOT NULL,
    params TEXT NOT NULL,
    cause TEXT NOT NULL,
    started_ms INTEGER NOT NULL,
    building INTEGER NOT NULL,
    result TEXT,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    log TEXT NOT NULL DEFAULT '',
    checkout TEXT,
    PRIMARY KEY (job, number)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS polling_log (job TEXT PRIMARY KEY, log TEXT NOT NULL);
"""


class JenkinsStore:
    """Callers that need several operations to be atomic hold `lock`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(builds)")}
        if "checkout" not in columns:  # a data dir from before builds recorded checkouts
            self._db.execute("ALTER TABLE builds ADD COLUMN checkout TEXT")

    def close(self) -> None:
        with self.lock:
            self._db.close()

    def secret(self, key: str) -> str:
        with self.lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return str(row["value"])
            value = secrets.token_hex(32)
            self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
            return value

    def polling_log(self, job: str) -> str | None:
        """The log of the job's last SCM polling, or None if it was never polled."""
        with self.lock:
            row = self._db.execute("SELECT log FROM polling_log WHERE job = ?", (job,)).fetchone()
        return None if row is None else str(row["log"])

    def put_polling_log(self, job: str, log: str) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO polling_log (job, log) VALUES (?, ?) "
                "ON CONFLICT (job) DO UPDATE SET log = excluded.log",
                (job, log),
            )

    # ------------------------------------------------------------------ items

    def item(self, full_name: str) -> Item | None:
        with self.lock:
            row = self._db.execute(
                "SELECT * FROM items WHERE full_name = ?", (full_name,)
            ).fetchone()
        return None if row is None else item_from_row(row)

    def items(self) -> list[Item]:
        with self.lock:
            rows = self._db.execute("SELECT * FROM items ORDER BY full_name").fetchall()
        return [item_from_row(row) for row in rows]

    def children(self, parent: str) -> list[Item]:
        prefix = f"{parent}/" if parent else ""
        return [
            item
            for item in self.items()
            if item.full_name.startswith(prefix) and "/" not in item.full_name[len(prefix) :]
        ]

    def put_item(self, full_name: str, config_xml: bytes) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO items (full_name, config) VALUES (?, ?) "
                "ON CONFLICT (full_name) DO UPDATE SET config = excluded.config",
                (full_name, config_xml),
            )

    def delete_tree(self, full_name: str) -> None:
        """The item, everything under it, their builds; their queue items are cancelled."""
        pattern = full_name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        with self.lock:
            owned = (("items", "full_name"), ("builds", "job"), ("polling_log", "job"))
            for table, column in owned:
                self._db.execute(
                    f"DELETE FROM {table} WHERE {column} = ? OR {column} LIKE ? ESCAPE '\\'",  # noqa: S608
                    (full_name, pattern),
                )
            self._db.execute(
                "UPDATE queue SET state = ? WHERE state IN (?, ?) "
                "AND (job = ? OR job LIKE ? ESCAPE '\\')",
                (CANCELLED, WAITING, BUILDABLE, full_name, pattern),
            )

    # ------------------------------------------------------------------ queue

    def enqueue(
        self, job: str, params: Params, cause: str, quiet_ms: int
    ) -> tuple[QueueItem, bool]:
        """A new waiting item, or the waiting item of the same job with the same parameters."""
        encoded = json.dumps([list(pair) for pair in params])
        with self.lock:
            row = self._db.execute(
                "SELECT * FROM queue WHERE job = ? AND params = ? AND state IN (?, ?) "
                "ORDER BY id LIMIT 1",
                (job, encoded, WAITING, BUILDABLE),
            ).fetchone()
            if row is not None:
                return queue_item_from_row(row), False
            since = now_ms()
            cursor = self._db.execute(
                "INSERT INTO queue (job, params, cause, state, since_ms, ready_ms) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (job, encoded, cause, WAITING, since, since + quiet_ms),
            )
            item = self.queue_item(int(cursor.lastrowid or 0))
            assert item is not None
            return item, True

    def queue_item(self, queue_id: int) -> QueueItem | None:
        with self.lock:
            row = self._db.execute("SELECT * FROM queue WHERE id = ?", (queue_id,)).fetchone()
        return None if row is None else queue_item_from_row(row)

    def pending(self, job: str | None = None) -> list[QueueItem]:
        query = "SELECT * FROM queue WHERE state IN (?, ?)"
        args: tuple[str, ...] = (WAITING, BUILDABLE)
        if job is not None:
            query, args = query + " AND job = ?", (*args, job)
        with self.lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [queue_item_from_row(row) for row in rows]

    def mark_buildable(self, queue_id: int) -> None:
        with self.lock:
            self._db.execute(
                "UPDATE queue SET state = ? WHERE id = ? AND state = ?",
                (BUILDABLE, queue_id, WAITING),
            )

    # ------------------------------------------------------------------ builds

    def start_build(self, queue_id: int) -> Build | None:
        """Take the item off the queue and allocate its job's next build number."""
        with self.lock:
            item = self.queue_item(queue_id)
            job = None if item is None else self.item(item.job)
            if item is None or job is None or item.state not in (WAITING, BUILDABLE):
                return None
            number = job.next_build
            self._db.execute(
                "UPDATE items SET next_build = ? WHERE full_name = ?", (number + 1, item.job)
            )
            self._db.execute(
                "INSERT INTO builds (job, number, queue_id, params, cause, started_ms, building) "
                "VALUES (?, ?, ?, ?, ?, ?, 1)",
                (
                    item.job,
                    number,
                    queue_id,
                    json.dumps([list(p) for p in item.params]),
                    item.cause,
                    now_ms(),
                ),
            )
            self._db.execute(
                "UPDATE queue SET state = ?, build_number = ? WHERE id = ?",
                (LEFT, number, queue_id),
            )
        return self.build(item.job, number)

    def finish_build(
        self, job: str, number: int, result: str, log: str, checkout: Checkout | None = None
    ) -> None:
        with self.lock:
            build = self.build(job, number)
            if build is None:
                return
            self._db.execute(
                "UPDATE builds SET building = 0, result = ?, duration_ms = ?, log = ?, "
                "checkout = ? WHERE job = ? AND number = ?",
                (
                    result,
                    max(0, now_ms() - build.started_ms),
                    log,
                    None if checkout is None else checkout.to_json(),
                    job,
                    number,
                ),
            )

    def build(self, job: str, number: int) -> Build | None:
        with self.lock:
            row = self._db.execute(
                "SELECT * FROM builds WHERE job = ? AND number = ?", (job, number)
            ).fetchone()
        return None if row is None else build_from_row(row)

    def builds(self, job: str) -> list[Build]:
        """Newest first."""
        with self.lock:
            rows = self._db.execute(
                "SELECT * FROM builds WHERE job = ? ORDER BY number DESC", (job,)
            ).fetchall()
        return [build_from_row(row) for row in rows]

    def polling_baseline(self, job: str) -> Build | None:
        """The last successful build, else the last completed one (WorkflowJob.getSCMs)."""
        with self.lock:
            row = self._db.execute(
                "SELECT * FROM builds WHERE job = ? AND building = 0 "
                "ORDER BY result IN ('SUCCESS', 'UNSTABLE') DESC, number DESC LIMIT 1",
                (job,),
            ).fetchone()
        return None if row is None else build_from_row(row)

    def running_builds(self) -> list[Build]:
        with self.lock:
            rows = self._db.execute(
                "SELECT * FROM builds WHERE building = 1 ORDER BY started_ms"
            ).fetchall()
        return [build_from_row(row) for row in rows]
