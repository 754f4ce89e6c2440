"""What the store holds: items, queue items and builds, and how rows become them."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

from .configxml import JobConfig, parse_config

Params = tuple[tuple[str, str], ...]

WAITING, BUILDABLE, LEFT, CANCELLED = "waiting", "buildable", "left", "cancelled"


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Item:
    full_name: str
    config_xml: bytes
    config: JobConfig
    next_build: int

    @property
    def name(self) -> str:
        return self.full_name.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class FolderCredential:
    """A secret-text credential in a folder's store; `sealed_secret` is never sent anywhere."""

    folder: str
    id: str
    scope: str
    description: str
    sealed_secret: str


@dataclass(frozen=True)
class QueueItem:
    id: int
    job: str
    params: Params
    cause: str  # user id, or "" for an SCM change
    state: str
    since_ms: int
    ready_ms: int
    build_number: int | None


@dataclass(frozen=True)
class Checkout:
    """What a build checked out: Jenkins polls a pipeline with its last build's checkouts."""

    url: str
    credentials_id: str
    branch_spec: str
    revision: str

    def to_json(self) -> str:
        return json.dumps([self.url, self.credentials_id, self.branch_spec, self.revision])

    @classmethod
    def from_json(cls, text: str | None) -> Checkout | None:
        if not text:
            return None
        url, credentials_id, branch_spec, revision = json.loads(text)
        return cls(str(url), str(credentials_id), str(branch_spec), str(revision))


@dataclass(frozen=True)
class Build:
    job: str
    number: int
    queue_id: int
    params: Params
    cause: str
    started_ms: int
    building: bool
    result: str | None
    duration_ms: int
    log: str
    checkout: Checkout | None = None


def _params(text: str) -> Params:
    return tuple((str(name), str(value)) for name, value in json.loads(text))


def queue_item_from_row(row: sqlite3.Row) -> QueueItem:
    return QueueItem(
        row["id"],
        row["job"],
        _params(row["params"]),
        row["cause"],
        row["state"],
        row["since_ms"],
        row["ready_ms"],
        row["build_number"],
    )


def build_from_row(row: sqlite3.Row) -> Build:
    return Build(
        row["job"],
        row["number"],
        row["queue_id"],
        _params(row["params"]),
        row["cause"],
        row["started_ms"],
        bool(row["building"]),
        row["result"],
        row["duration_ms"],
        row["log"],
        Checkout.from_json(row["checkout"]),
    )


def item_from_row(row: sqlite3.Row) -> Item:
    config_xml = bytes(row["config"])
    return Item(row["full_name"], config_xml, parse_config(config_xml), row["next_build"])
