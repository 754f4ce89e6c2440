"""What preview and create ask Bitbucket before they accept a request: is each repository name
free (or ours), and does Bitbucket know the owner group?

The plan stage and the repository stage would find out too, but only after the request was
accepted and, for the group, after the project was pushed. These checks are a courtesy, not
the guard: they run concurrently, one request each, within `DOOR_TIMEOUT_S`, and when Bitbucket
does not answer (an outage, an open circuit) the request is accepted and the workflow's own
checks wait the outage out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar

from landingzone.integrations.base import ForeignResource, IntegrationError, Repository
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.service import Plan

T = TypeVar("T")
DOOR_TIMEOUT_S = 5.0
_calls = ThreadPoolExecutor(max_workers=8, thread_name_prefix="door")
log = logging.getLogger("landingzone.door")


@dataclass(frozen=True)
class Refusal:
    status: int  # 409 for a name taken, 422 for an unknown group
    loc: tuple[str, ...]
    message: str
    kind: str


def door_refusals(runtime: Runtime, plan: Plan, landing_zone_id: str | None) -> list[Refusal]:
    """Why Bitbucket says `plan` cannot be made; [] when it can or when Bitbucket cannot say.

    `landing_zone_id` is the landing zone the request already is, if any (its own repositories
    are no obstacle)."""
    if runtime.breakers["bitbucket"].is_open:
        return []
    hosts = runtime.repositories
    names = plan.names
    repositories = {
        f"{r.project}/{r.slug}": _submit(hosts.find_repository, r.project, r.slug)
        for r in (names.repository, names.environment_repository)
    }
    group = _submit(hosts.group_exists, plan.owner_group)
    pending: list[Future[Any]] = [*repositories.values(), group]
    done, _ = wait(pending, timeout=DOOR_TIMEOUT_S)
    refusals = [
        refusal
        for name, future in repositories.items()
        if future in done and (refusal := _taken(name, _answer(future), landing_zone_id))
    ]
    if group in done and _answer(group) is False:
        refusals.append(
            Refusal(
                422,
                ("body", "owner"),
                f"Bitbucket knows no group '{plan.owner_group}' to give the repositories to",
                "unknown_group",
            )
        )
    return refusals


def _submit(call: Callable[..., T], *args: str) -> Future[T]:
    return _calls.submit(call, *args)


def _answer(future: Future[T]) -> T | None:
    try:
        return future.result()
    except IntegrationError as error:
        # Bitbucket could not say (down, slow, refusing us): the workflow will ask again.
        log.info("door check left to the workflow: %s", error.message)
        return None


def _taken(name: str, found: Repository | None, landing_zone_id: str | None) -> Refusal | None:
    if found is None or (found.owner is not None and found.owner == landing_zone_id):
        return None
    taken = ForeignResource("bitbucket", f"repository {name}", found.owner)
    return Refusal(409, ("body", "name"), taken.message, "conflict")
