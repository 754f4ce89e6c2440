"""Durable metadata of the simulator: records kept in memory and in a SQLite file, where a
change writes only the records it touched (tracking.py)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .tracking import Journal, Tracked, plain, record_data


@dataclass
class ProjectRecord(Tracked):
    id: int
    key: str
    name: str
    description: str = ""


@dataclass
class RepositoryRecord(Tracked):
    id: int
    project_key: str
    slug: str
    name: str
    hierarchy_id: str
    description: str = ""
    forkable: bool = False
    public: bool = False
    group_permissions: dict[str, str] = field(default_factory=dict)
    user_permissions: dict[str, str] = field(default_factory=dict)


@dataclass
class RestrictionRecord(Tracked):
    id: int
    scope_type: str  # "REPOSITORY" or "PROJECT"
    scope_id: int
    type: str
    matcher_type: str
    matcher_id: str
    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    access_keys: list[int] = field(default_factory=list)


@dataclass
class WebhookRecord(Tracked):
    id: int
    repository_id: int
    name: str
    url: str
    events: list[str]
    active: bool
    created_ms: int
    updated_ms: int
    secret: str | None = None


@dataclass
class PullRequestRecord(Tracked):
    id: int  # numbered per repository, from 1
    repository_id: int
    version: int
    title: str
    description: str
    state: str  # OPEN, DECLINED or MERGED
    from_ref: str
    to_ref: str
    author: str
    created_ms: int
    updated_ms: int
    closed_ms: int | None = None
    # The heads of both refs when it was closed (an open one reads the live refs).
    closed_heads: dict[str, str] = field(default_factory=dict)
    activities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BuildStatusRecord(Tracked):
    commit: str
    key: str
    state: str  # SUCCESSFUL, FAILED or INPROGRESS
    url: str
    name: str | None
    description: str | None
    added_ms: int


@dataclass
class State(Tracked):
    projects: list[ProjectRecord] = field(default_factory=list)
    repositories: list[RepositoryRecord] = field(default_factory=list)
    restrictions: list[RestrictionRecord] = field(default_factory=list)
    webhooks: list[WebhookRecord] = field(default_factory=list)
    pull_requests: list[PullRequestRecord] = field(default_factory=list)
    build_statuses: list[BuildStatusRecord] = field(default_factory=list)
    last_ids: dict[str, int] = field(default_factory=dict)

    def next_id(self, kind: str) -> int:
        self.last_ids[kind] = self.last_ids.get(kind, 0) + 1
        return self.last_ids[kind]

    def project(self, key: str) -> ProjectRecord | None:
        wanted = key.upper()
        return next((p for p in self.projects if p.key == wanted), None)

    def repository(self, project_key: str, slug: str) -> RepositoryRecord | None:
        key, wanted = project_key.upper(), slug.lower()
        return next(
            (r for r in self.repositories if r.project_key == key and r.slug == wanted), None
        )

    def repository_by_id(self, repository_id: int) -> RepositoryRecord | None:
        return next((r for r in self.repositories if r.id == repository_id), None)

    def pull_request(self, repository_id: int, pull_request_id: int) -> PullRequestRecord | None:
        return next(
            (
                p
                for p in self.pull_requests
                if p.repository_id == repository_id and p.id == pull_request_id
            ),
            None,
        )

    def remove_repository(self, repository: RepositoryRecord) -> None:
        self.repositories = [r for r in self.repositories if r.id != repository.id]
        self.webhooks = [w for w in self.webhooks if w.repository_id != repository.id]
        self.pull_requests = [p for p in self.pull_requests if p.repository_id != repository.id]
        self.restrictions = [
            r
            for r in self.restrictions
            if not (r.scope_type == "REPOSITORY" and r.scope_id == repository.id)
        ]

    def _changing(self, name: str, appended: Any = None) -> None:
        journal: Journal | None = self.__dict__.get("_journal")
        if journal is not None:
            journal.collection_changing(self, name, appended)


COLLECTIONS: dict[str, type[Tracked]] = {
    "projects": ProjectRecord,
    "repositories": RepositoryRecord,
    "restrictions": RestrictionRecord,
    "webhooks": WebhookRecord,
    "pull_requests": PullRequestRecord,
    "build_statuses": BuildStatusRecord,
}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class StateStore:
    """Serialises access to the state, kept in memory; a `change()` block is saved when it
    ends without error (only the records it touched, in one transaction) and undone when it
    fails. The records live in a SQLite file beside `path` (a data dir that still has only
    the older `path`, one JSON document, is read from it once)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._journal = Journal()
        self._db = sqlite3.connect(
            path.with_suffix(".sqlite"), check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        if self._db.execute("SELECT 1 FROM meta WHERE key = 'last_ids'").fetchone() is None:
            self._import(path)
        self._state = self._load()

    def _import(self, path: Path) -> None:
        document = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        self._db.execute("BEGIN IMMEDIATE")
        for name in COLLECTIONS:
            for data in document.get(name, []):
                self._db.execute(
                    "INSERT INTO records (collection, data) VALUES (?, ?)",
                    (name, json.dumps(data)),
                )
        last_ids = json.dumps(document.get("last_ids", {}))
        self._db.execute("INSERT INTO meta (key, value) VALUES ('last_ids', ?)", (last_ids,))
        self._db.execute("COMMIT")

    def _load(self) -> State:
        collections: dict[str, list[Tracked]] = {name: [] for name in COLLECTIONS}
        for row, name, data in self._db.execute(
            "SELECT row, collection, data FROM records ORDER BY row"
        ):
            record = COLLECTIONS[name](**json.loads(data))
            self._attach(record, row)
            collections[name].append(record)
        (last_ids,) = self._db.execute("SELECT value FROM meta WHERE key = 'last_ids'").fetchone()
        state = State(**collections, last_ids=json.loads(last_ids))  # type: ignore[arg-type]
        object.__setattr__(state, "_journal", self._journal)
        return state

    def _attach(self, record: Tracked, row: int) -> None:
        object.__setattr__(record, "_journal", self._journal)
        object.__setattr__(record, "_row", row)

    @contextmanager
    def read(self) -> Iterator[State]:
        with self._lock:
            yield self._state

    @contextmanager
    def change(self) -> Iterator[State]:
        with self._lock:
            self._journal.begin()
            try:
                yield self._state
            except BaseException:
                self._journal.undo(self._state)
                raise
            finally:
                self._journal.active = False
            self._save()

    def _save(self) -> None:
        journal, state = self._journal, self._state
        present: dict[str, set[int]] = {}
        new: list[tuple[str, Tracked]] = list(journal.appended)
        gone: list[Tracked] = []
        for name, before in journal.lists.items():
            now = getattr(state, name)
            present[name] = {id(record) for record in now}
            earlier = {id(record) for record in before}
            gone += [record for record in before if id(record) not in present[name]]
            new += [(name, record) for record in now if id(record) not in earlier]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._write(journal, new, gone, present)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _write(
        self,
        journal: Journal,
        new: list[tuple[str, Tracked]],
        gone: list[Tracked],
        present: dict[str, set[int]],
    ) -> None:
        for record in gone:
            if record.__dict__.get("_row") is not None:
                self._db.execute("DELETE FROM records WHERE row = ?", (record.__dict__["_row"],))
        for name, record in new:
            kept = name not in present or id(record) in present[name]
            if kept and record.__dict__.get("_row") is None:
                cursor = self._db.execute(
                    "INSERT INTO records (collection, data) VALUES (?, ?)",
                    (name, json.dumps(record_data(record))),
                )
                self._attach(record, int(cursor.lastrowid or 0))
        removed = {id(record) for record in gone}
        for record, _ in journal.records.values():
            row = record.__dict__.get("_row")
            if row is not None and id(record) not in removed:
                self._db.execute(
                    "UPDATE records SET data = ? WHERE row = ?",
                    (json.dumps(record_data(record)), row),
                )
        if "last_ids" in journal.dicts:
            self._db.execute(
                "UPDATE meta SET value = ? WHERE key = 'last_ids'",
                (json.dumps(plain(self._state.last_ids)),),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()
