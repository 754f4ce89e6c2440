"""The simulator's shared parts, and the FastAPI dependencies that hand them to routes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from .directory import Directory, User
from .errors import ApiError, not_found
from .gitstore import GitStore, Ref
from .pulls import activity, now_ms
from .settings import BitbucketSimSettings
from .shapes import repository_json
from .state import ProjectRecord, RepositoryRecord, State, StateStore
from .webhooks import REFS_CHANGED, Delivery, WebhookDispatcher, ref_changes, refs_changed_body


class Simulator:
    def __init__(self, settings: BitbucketSimSettings) -> None:
        self.settings = settings
        self.base_url = settings.public_url
        self.store = StateStore(settings.data_dir / "state.json")
        self.git = GitStore(settings.data_dir / "repositories")
        self.directory = Directory(settings.users, settings.groups)
        self.dispatcher = WebhookDispatcher(settings.webhook_timeout_seconds)
        self._push_locks: dict[int, asyncio.Lock] = {}

    def push_lock(self, repository_id: int) -> asyncio.Lock:
        return self._push_locks.setdefault(repository_id, asyncio.Lock())

    def seed_projects(self) -> None:
        with self.store.change() as state:
            for key, name in self.settings.projects.items():
                if state.project(key) is None:
                    state.projects.append(
                        ProjectRecord(state.next_id("project"), key.upper(), name)
                    )

    def announce_refs_changed(
        self, repository_id: int, actor: User, before: Mapping[str, Ref], after: Mapping[str, Ref]
    ) -> None:
        changes = ref_changes(before, after)
        if not changes:
            return
        self._rescope(repository_id, actor, {change["refId"] for change in changes})
        with self.store.read() as state:
            repository = state.repository_by_id(repository_id)
            if repository is None:
                return
            project = require_project(state, repository.project_key)
            repo_json = repository_json(self.base_url, repository, project)
            hooks = [
                h
                for h in state.webhooks
                if h.repository_id == repository_id and h.active and REFS_CHANGED in h.events
            ]
        body = refs_changed_body(actor.to_json(), repo_json, changes)
        for hook in hooks:
            self.dispatcher.submit(Delivery(hook.url, hook.secret, body, hook.id, repository_id))

    def _rescope(self, repository_id: int, actor: User, moved: set[str]) -> None:
        """A push to either branch of an open pull request changes it: its version goes up."""
        with self.store.change() as state:
            for record in state.pull_requests:
                if (
                    record.repository_id == repository_id
                    and record.state == "OPEN"
                    and (record.from_ref in moved or record.to_ref in moved)
                ):
                    record.version += 1
                    record.updated_ms = now_ms()
                    activity(record, "RESCOPED", actor.name)

    def close(self) -> None:
        self.dispatcher.close()
        self.store.close()


def new_hierarchy_id() -> str:
    return uuid.uuid4().hex[:20]


def require_project(state: State, key: str) -> ProjectRecord:
    project = state.project(key)
    if project is None:
        raise not_found(f"Project {key} does not exist.", "project.NoSuchProjectException")
    return project


def require_repository(state: State, key: str, slug: str) -> RepositoryRecord:
    require_project(state, key)
    repository = state.repository(key, slug)
    if repository is None:
        raise not_found(
            f"Repository {key}/{slug} does not exist.",
            "repository.NoSuchRepositoryException",
        )
    return repository


def simulator(request: Request) -> Simulator:
    sim = request.app.state.bitbucket
    assert isinstance(sim, Simulator)
    return sim


SimulatorDep = Annotated[Simulator, Depends(simulator)]


def authenticated_user(request: Request, sim: SimulatorDep) -> User:
    header = request.headers.get("authorization")
    user = sim.directory.authenticate(header)
    if user is not None:
        return user
    if header:
        raise ApiError(
            401,
            "Authentication failed. Please check your credentials and try again.",
            "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException",
        )
    raise ApiError(
        401,
        "You are not permitted to access this resource",
        "com.atlassian.bitbucket.AuthorisationException",
    )


UserDep = Annotated[User, Depends(authenticated_user)]
