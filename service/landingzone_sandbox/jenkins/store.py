"""Items, queue and builds in one SQLite file under the data dir; thread-safe.

Each list a request reads goes through an index (items by parent, jobs by the repository
they build, builds by job), so a request costs the same however many items Jenkins holds."""

from __future__ import annotations

import secrets
from pathlib import Path

from .builds import QueueAndBuilds
from .locations import location_key
from .records import (
    BUILDABLE,
    CANCELLED,
    LEFT,
    WAITING,
    Build,
    Checkout,
    FolderCredential,
    Item,
    Params,
    QueueItem,
    item_from_row,
    now_ms,
)
from .sealing import unseal

__all__ = ["BUILDABLE", "CANCELLED", "LEFT", "WAITING", "Build", "Checkout", "Item"]
__all__ += ["FolderCredential", "JenkinsStore", "Params", "QueueItem", "folder_secret", "now_ms"]

CREDENTIALS_KEY = "credentials"  # the meta key of the key credentials are sealed with

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    full_name TEXT PRIMARY KEY,
    config BLOB NOT NULL,
    next_build INTEGER NOT NULL DEFAULT 1,
    parent TEXT
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
CREATE TABLE IF NOT EXISTS git_sources (job TEXT PRIMARY KEY, location TEXT);
CREATE INDEX IF NOT EXISTS git_sources_by_location ON git_sources (location, job);
CREATE TABLE IF NOT EXISTS polling_log (job TEXT PRIMARY KEY, log TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (
    folder TEXT NOT NULL,
    id TEXT NOT NULL,
    scope TEXT NOT NULL,
    description TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    PRIMARY KEY (folder, id)
);
"""


def folder_secret(data_dir: Path, folder: str, credential_id: str) -> str | None:
    """For tests: the secret a build in `folder` gets for `credential_id` from that folder's
    own store, or None if the store has no such credential."""
    store = JenkinsStore(data_dir / "jenkins.db")
    try:
        credential = store.credential(folder, credential_id)
        if credential is None:
            return None
        return unseal(store.secret(CREDENTIALS_KEY).encode("ascii"), credential.sealed_secret)
    finally:
        store.close()


def parent_of(full_name: str) -> str:
    return full_name.rsplit("/", 1)[0] if "/" in full_name else ""


class JenkinsStore(QueueAndBuilds):
    """Callers that need several operations to be atomic hold `lock` (database.py)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        indexed = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'git_sources'"
        ).fetchone()
        self._db.executescript(_SCHEMA)
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(builds)")}
        if "checkout" not in columns:  # a data dir from before builds recorded checkouts
            self._db.execute("ALTER TABLE builds ADD COLUMN checkout TEXT")
        self._index_parents()
        if indexed is None:  # a data dir from before jobs were indexed by their repository
            for item in self.items():
                self._index_source(item.full_name)

    def _index_parents(self) -> None:
        """Items are listed by their parent through an index (also in an older data dir)."""
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(items)")}
        if "parent" not in columns:
            self._db.execute("ALTER TABLE items ADD COLUMN parent TEXT")
        unindexed = self._db.execute("SELECT full_name FROM items WHERE parent IS NULL")
        for (full_name,) in unindexed.fetchall():
            self._db.execute(
                "UPDATE items SET parent = ? WHERE full_name = ?", (parent_of(full_name), full_name)
            )
        self._db.execute("CREATE INDEX IF NOT EXISTS items_by_parent ON items (parent, full_name)")

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
        row = self._read().execute("SELECT log FROM polling_log WHERE job = ?", (job,)).fetchone()
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
        row = (
            self._read()
            .execute(
                "SELECT full_name, config, next_build FROM items WHERE full_name = ?", (full_name,)
            )
            .fetchone()
        )
        return None if row is None else item_from_row(row)

    def items(self) -> list[Item]:
        rows = (
            self._read()
            .execute("SELECT full_name, config, next_build FROM items ORDER BY full_name")
            .fetchall()
        )
        return [item_from_row(row) for row in rows]

    def children(self, parent: str) -> list[Item]:
        rows = (
            self._read()
            .execute(
                "SELECT full_name, config, next_build FROM items WHERE parent = ? "
                "ORDER BY full_name",
                (parent,),
            )
            .fetchall()
        )
        return [item_from_row(row) for row in rows]

    def put_item(self, full_name: str, config_xml: bytes) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO items (full_name, config, parent) VALUES (?, ?, ?) "
                "ON CONFLICT (full_name) DO UPDATE SET config = excluded.config",
                (full_name, config_xml, parent_of(full_name)),
            )
            self._index_source(full_name)

    # ------------------------------------------------------------------ jobs by repository

    def _index_source(self, job: str) -> None:
        """Index the job under the repository notifyCommit matches it by (polling.py's
        `polled_source`): its configured git remote, or for a pipeline what its polling
        baseline checked out; no row when it has none."""
        item = self.item(job)
        url: str | None = None
        if item is not None and item.config.kind != "pipeline":
            url = item.config.git.url if item.config.git is not None else None
        elif item is not None:
            baseline = self.polling_baseline(job)
            url = baseline.checkout.url if baseline and baseline.checkout else None
        with self.lock:
            if url is None:
                self._db.execute("DELETE FROM git_sources WHERE job = ?", (job,))
                return
            self._db.execute(
                "INSERT INTO git_sources (job, location) VALUES (?, ?) "
                "ON CONFLICT (job) DO UPDATE SET location = excluded.location",
                (job, location_key(url)),
            )

    def has_git_sources(self) -> bool:
        return self._read().execute("SELECT 1 FROM git_sources LIMIT 1").fetchone() is not None

    def jobs_with_source(self, location: str | None) -> list[str]:
        """The jobs whose git source is at `location` (a `location_key`), by name."""
        rows = (
            self._read()
            .execute("SELECT job FROM git_sources WHERE location = ? ORDER BY job", (location,))
            .fetchall()
        )
        return [str(row["job"]) for row in rows]

    def delete_tree(self, full_name: str) -> None:
        """The item, everything under it, their builds; their queue items are cancelled."""
        pattern = full_name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        with self._transaction():
            owned = (
                ("items", "full_name"),
                ("git_sources", "job"),
                ("builds", "job"),
                ("polling_log", "job"),
                ("credentials", "folder"),
            )
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

    # ------------------------------------------------------------------ credentials

    def credential(self, folder: str, credential_id: str) -> FolderCredential | None:
        row = (
            self._read()
            .execute(
                "SELECT * FROM credentials WHERE folder = ? AND id = ?", (folder, credential_id)
            )
            .fetchone()
        )
        return None if row is None else FolderCredential(**dict(row))

    def credentials(self, folder: str) -> list[FolderCredential]:
        rows = (
            self._read()
            .execute("SELECT * FROM credentials WHERE folder = ? ORDER BY rowid", (folder,))
            .fetchall()
        )
        return [FolderCredential(**dict(row)) for row in rows]

    def put_credential(self, credential: FolderCredential) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO credentials (folder, id, scope, description, sealed_secret) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (folder, id) DO UPDATE SET "
                "scope = excluded.scope, description = excluded.description, "
                "sealed_secret = excluded.sealed_secret",
                (
                    credential.folder,
                    credential.id,
                    credential.scope,
                    credential.description,
                    credential.sealed_secret,
                ),
            )

    def delete_credential(self, folder: str, credential_id: str) -> bool:
        with self.lock:
            cursor = self._db.execute(
                "DELETE FROM credentials WHERE folder = ? AND id = ?", (folder, credential_id)
            )
        return cursor.rowcount > 0
