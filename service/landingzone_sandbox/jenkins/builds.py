"""The queue and the builds of the sandbox Jenkins, in the store's SQLite file.

A base of `JenkinsStore` (store.py), which owns the items: taking an item off the queue reads
its job, and a finished build may move the job's polling baseline, so both look at items
through the two methods the store provides."""

from __future__ import annotations

import json

from .database import Database
from .records import (
    BUILDABLE,
    LEFT,
    WAITING,
    Build,
    Checkout,
    Item,
    Params,
    QueueItem,
    build_from_row,
    now_ms,
    queue_item_from_row,
)

_BUILD_WITHOUT_LOG = (
    "job, number, queue_id, params, cause, started_ms, building, result, duration_ms, "
    "'' AS log, checkout"
)


class QueueAndBuilds(Database):
    def item(self, full_name: str) -> Item | None:
        raise NotImplementedError

    def _index_source(self, job: str) -> None:
        raise NotImplementedError

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
        row = self._read().execute("SELECT * FROM queue WHERE id = ?", (queue_id,)).fetchone()
        return None if row is None else queue_item_from_row(row)

    def pending(self, job: str | None = None) -> list[QueueItem]:
        query = "SELECT * FROM queue WHERE state IN (?, ?)"
        args: tuple[str, ...] = (WAITING, BUILDABLE)
        if job is not None:
            query, args = query + " AND job = ?", (*args, job)
        rows = self._read().execute(query + " ORDER BY id", args).fetchall()
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
        with self._transaction():
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
            self._index_source(job)  # a pipeline's polling baseline may have moved

    def build(self, job: str, number: int) -> Build | None:
        row = (
            self._read()
            .execute("SELECT * FROM builds WHERE job = ? AND number = ?", (job, number))
            .fetchone()
        )
        return None if row is None else build_from_row(row)

    def builds(self, job: str, logs: bool = True) -> list[Build]:
        """Newest first; without their logs (read as "") unless `logs`."""
        columns = "*" if logs else _BUILD_WITHOUT_LOG
        rows = (
            self._read()
            .execute(
                f"SELECT {columns} FROM builds WHERE job = ? ORDER BY number DESC",  # noqa: S608
                (job,),
            )
            .fetchall()
        )
        return [build_from_row(row) for row in rows]

    def build_state(self, job: str) -> tuple[str | None, bool, bool]:
        """(the result of its newest completed build, whether it has one, whether one runs)."""
        row = (
            self._read()
            .execute(
                "SELECT (SELECT result FROM builds WHERE job = ? AND building = 0 "
                "ORDER BY number DESC LIMIT 1), "
                "EXISTS (SELECT 1 FROM builds WHERE job = ? AND building = 0), "
                "EXISTS (SELECT 1 FROM builds WHERE job = ? AND building = 1)",
                (job, job, job),
            )
            .fetchone()
        )
        return row[0], bool(row[1]), bool(row[2])

    def polling_baseline(self, job: str) -> Build | None:
        """The last successful build, else the last completed one (WorkflowJob.getSCMs)."""
        row = (
            self._read()
            .execute(
                "SELECT * FROM builds WHERE job = ? AND building = 0 "
                "ORDER BY result IN ('SUCCESS', 'UNSTABLE') DESC, number DESC LIMIT 1",
                (job,),
            )
            .fetchone()
        )
        return None if row is None else build_from_row(row)

    def running_builds(self) -> list[Build]:
        rows = (
            self._read()
            .execute("SELECT * FROM builds WHERE building = 1 ORDER BY started_ms")
            .fetchall()
        )
        return [build_from_row(row) for row in rows]
