"""A fleet of landing zones on a running sandbox, and a rollout over it, seen from outside:
the service's API and Bitbucket's REST API (atlassian-python-api)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.sandbox import TERMINAL, Sandbox, request_body, wait_for
from tests.support.template_updates import PullRequests


@dataclass(frozen=True)
class Fleet:
    sandbox: Sandbox
    views: list[dict[str, Any]]  # in the order they were made: a rollout's order

    @property
    def ids(self) -> list[str]:
        return [v["id"] for v in self.views]

    def pull_requests(self, view: dict[str, Any]) -> PullRequests:
        bitbucket = self.sandbox.description["bitbucket"]
        return PullRequests(view, bitbucket["url"], (bitbucket["username"], bitbucket["password"]))

    def counts(self) -> list[int]:
        """How many pull requests (any state) each landing zone's repository has."""
        return [len(self.pull_requests(v).listed()) for v in self.views]


def provision(sandbox: Sandbox, prefix: str, count: int, timeout: float = 600) -> Fleet:
    """`count` java landing zones in the auto-approved labs tenant, all submitted at once."""
    ids = [sandbox.create(request_body(f"{prefix}-{index}"))["id"] for index in range(count)]
    with sandbox.api() as client:

        def all_done() -> list[dict[str, Any]] | None:
            views = []
            for landing_zone_id in ids:
                view = client.get(f"/v1/landing-zones/{landing_zone_id}").json()
                if view["status"] not in TERMINAL:
                    return None
                views.append(view)
            return views

        views = wait_for(all_done, f"{count} landing zones", timeout=timeout, interval=0.5)
    failed = [v["id"] for v in views if v["status"] != "completed"]
    assert not failed, failed
    return Fleet(sandbox, views)


def rollout(sandbox: Sandbox, rollout_id: str) -> dict[str, Any] | None:
    """The rollout, or None while the service does not answer (it may be restarting)."""
    try:
        with sandbox.api() as client:
            answer = client.get(f"/v1/rollouts/{rollout_id}")
    except httpx.HTTPError:
        return None
    return answer.json() if answer.status_code == 200 else None


def drift(sandbox: Sandbox) -> dict[str, Any]:
    with sandbox.api() as client:
        answer = client.get("/v1/drift", params={"class": "java"})
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def behind(sandbox: Sandbox) -> set[str]:
    return {i for g in drift(sandbox)["groups"] for ids in g["behind"].values() for i in ids}


def opened_all(sandbox: Sandbox, rollout_id: str, timeout: float) -> tuple[dict[str, Any], float]:
    """Wait until no landing zone of the rollout is waiting or pending; the view and seconds."""
    started = time.perf_counter()

    def done() -> dict[str, Any] | None:
        view = rollout(sandbox, rollout_id)
        if view is None or not view["waves"]:
            return None
        unsettled = view["states"].get("waiting", 0) + view["states"].get("pending", 0)
        return view if not unsettled else None

    view = wait_for(done, "every update of the rollout", timeout=timeout, interval=0.5)
    return view, time.perf_counter() - started
