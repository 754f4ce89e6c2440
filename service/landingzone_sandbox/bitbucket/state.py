"""Durable metadata of the simulator: one JSON document, rewritten atomically on every change."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ProjectRecord:
    id: int
    key: str
    name: str
    description: str = ""


@dataclass
class RepositoryRecord:
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
class RestrictionRecord:
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
class WebhookRecord:
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
class State:
    projects: list[ProjectRecord] = field(default_factory=list)
    repositories: list[RepositoryRecord] = field(default_factory=list)
    restrictions: list[RestrictionRecord] = field(default_factory=list)
    webhooks: list[WebhookRecord] = field(default_factory=list)
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

    def remove_repository(self, repository: RepositoryRecord) -> None:
        self.repositories = [r for r in self.repositories if r.id != repository.id]
        self.webhooks = [w for w in self.webhooks if w.repository_id != repository.id]
        self.restrictions = [
            r
            for r in self.restrictions
            if not (r.scope_type == "REPOSITORY" and r.scope_id == repository.id)
        ]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        return cls(
            projects=[ProjectRecord(**p) for p in data.get("projects", [])],
            repositories=[RepositoryRecord(**r) for r in data.get("repositories", [])],
            restrictions=[RestrictionRecord(**r) for r in data.get("restrictions", [])],
            webhooks=[WebhookRecord(**w) for w in data.get("webhooks", [])],
            last_ids=dict(data.get("last_ids", {})),
        )


class StateStore:
    """Serialises access to the state; a `change()` block is saved when it ends without error."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.RLock()
        self._state = self._load()

    def _load(self) -> State:
        if not self._path.exists():
            return State()
        return State.from_json(json.loads(self._path.read_text(encoding="utf-8")))

    @contextmanager
    def read(self) -> Iterator[State]:
        with self._lock:
            yield self._state

    @contextmanager
    def change(self) -> Iterator[State]:
        with self._lock:
            snapshot = State.from_json(self._state.to_json())
            try:
                yield self._state
            except BaseException:
                self._state = snapshot
                raise
            self._save()

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(self._state.to_json(), indent=1, sort_keys=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".state-", dir=self._path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(tmp_name, self._path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
