"""The floor: a landing zone's downstream calls made by a bare script, as fast as they can go.

The same client libraries as the service (atlassian-python-api, python-jenkins, pysnow, smtplib,
git), the same payloads (the product's pure planning, its renderer, its config.xml and e-mail
builders), no service, no database, no look-up before a create: each call starts the moment the
calls it needs are done (bench/dag.py), on a thread of its own, through clients made once.

    ServiceNow  user -> order the catalog item -> its requested item (the number is rendered)
    Bitbucket   create repo, create env repo; then per repo: restrictions, group permission
    render      both trees (needs both repositories' addresses and the item's number)
    Bitbucket   push each tree (git over HTTP); then default branch, and the project's webhook
    Jenkins     folder; then credential, build job (needs the repo), promote job (both repos)
    Jenkins     first build (needs the build job and the pushed tree), until it has started
    ServiceNow  one update: the work note with every link, and closed    } both need every
    SMTP        the requester's e-mail                                   } link
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.dag import Graph, Timed, critical_path
from bench.floor_calls import FloorCalls
from landingzone.landing_zone.service import Plan


@dataclass(frozen=True)
class FloorRun:
    seconds: float
    timings: list[Timed]
    critical_path: list[str]


class Floor(FloorCalls):
    """The calls of one landing zone, as a graph: each starts when what it needs is done."""

    def run(self, name: str, class_id: str) -> FloorRun:
        plan = self.plan(name, class_id)
        with tempfile.TemporaryDirectory(prefix="floor-") as scratch:
            graph = self._graph(plan, Path(scratch))
            started = time.perf_counter()
            _, timings = graph.run()
            seconds = time.perf_counter() - started
        return FloorRun(seconds, timings, critical_path(timings, graph.edges))

    # ------------------------------------------------------------------ the graph

    def _graph(self, plan: Plan, scratch: Path) -> Graph:
        names = plan.names
        project, environment = names.repository, names.environment_repository
        g = Graph()
        g.add("servicenow: user", lambda: self._user(plan.requester_email))
        g.add("servicenow: order", lambda user: self._order(plan, user), "servicenow: user")
        g.add("servicenow: item", self._item, "servicenow: order")
        g.add("bitbucket: create repo", lambda: self._create_repo(plan, project.slug))
        g.add("bitbucket: create env repo", lambda: self._create_repo(plan, environment.slug))
        for label, kind in (("repo", "create repo"), ("env repo", "create env repo")):
            g.add(
                f"bitbucket: restrict {label}",
                lambda r: self._restrict(plan, r),
                f"bitbucket: {kind}",
            )
            g.add(
                f"bitbucket: permit {label}", lambda r: self._permit(plan, r), f"bitbucket: {kind}"
            )
        g.add(
            "render",
            lambda item, repo, env: self._render(plan, item["number"], repo, env, scratch),
            "servicenow: item",
            "bitbucket: create repo",
            "bitbucket: create env repo",
        )
        g.add(
            "git: push repo",
            lambda r, t: self._push(plan, r, t[0]),
            "bitbucket: create repo",
            "render",
        )
        g.add(
            "git: push env repo",
            lambda r, t: self._push(plan, r, t[1]),
            "bitbucket: create env repo",
            "render",
        )
        g.add(
            "bitbucket: default branch",
            lambda r, _: self._default_branch(plan, r),
            "bitbucket: create repo",
            "git: push repo",
        )
        g.add(
            "bitbucket: env default branch",
            lambda r, _: self._default_branch(plan, r),
            "bitbucket: create env repo",
            "git: push env repo",
        )
        g.add(
            "bitbucket: webhook",
            lambda r, _: self._webhook(r),
            "bitbucket: create repo",
            "git: push repo",
        )
        g.add("jenkins: folder", lambda: self._folder(plan))
        g.add("jenkins: credential", lambda _: self._credential(plan), "jenkins: folder")
        g.add(
            "jenkins: build job",
            lambda _, repo, env: self._job(plan, repo, env, 0),
            "jenkins: folder",
            "bitbucket: create repo",
            "bitbucket: create env repo",
        )
        g.add(
            "jenkins: promote job",
            lambda _, repo, env: self._job(plan, repo, env, 1),
            "jenkins: folder",
            "bitbucket: create repo",
            "bitbucket: create env repo",
        )
        g.add(
            "jenkins: first build",
            lambda *_: self._first_build(plan),
            "jenkins: build job",
            "git: push repo",
        )
        everything = (
            "servicenow: item",
            "bitbucket: create repo",
            "bitbucket: create env repo",
            "jenkins: folder",
            "jenkins: build job",
            "jenkins: promote job",
            "jenkins: first build",
        )
        finished = (
            "bitbucket: restrict repo",
            "bitbucket: permit repo",
            "bitbucket: webhook",
            "bitbucket: default branch",
            "bitbucket: restrict env repo",
            "bitbucket: permit env repo",
            "bitbucket: env default branch",
            "git: push env repo",
            "jenkins: credential",
        )
        g.add("links", lambda *parts: self._links(plan, *parts), *everything, *finished)
        g.add("servicenow: note and close", lambda links: self._close(links), "links")
        g.add("smtp: e-mail", lambda links: self._mail(plan, links), "links")
        return g
