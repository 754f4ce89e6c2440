"""The API under load: POST and GET latency with many clients at once, and how late the event
stream delivers an event.

Load: `clients` asyncio clients (httpx, one connection each, on loopback) all POST at once,
`posts` times each, then all GET landing zones just created, `gets` times each. The landing
zones go to a tenant whose approval is required (retail by default), so they wait for their
decision instead of provisioning: what is measured is the API with its workflows started, not
hundreds of provisionings competing with it for the machine's two cores.

Event delay: landing zones of the auto-approved tenant provisioned with a client on
`/events/stream` for each; for each event recorded after the client connected, its arrival
time minus the time the event carries (`at`).
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from tests.support.sandbox import Sandbox, request_body

from bench.stats import Summary

TIMEOUT_S = 60.0
KEEPALIVE_S = 3.0


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def failed(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what)

    def summary(self) -> dict[str, Any]:
        shown: dict[str, Any] = Summary.of(self.latencies).as_dict() if self.latencies else {"n": 0}
        return {**shown, "errors": self.errors, "error_samples": self.error_samples}


async def _timed(
    client: httpx.AsyncClient, samples: Samples, method: str, url: str, **options: Any
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **options)
    except httpx.HTTPError as error:
        samples.failed(f"{method} {type(error).__name__}")
        return None
    elapsed = time.perf_counter() - started
    if response.status_code >= 400:
        samples.failed(f"{method} {response.status_code}")
        return None
    samples.latencies.append(elapsed)
    return response


async def _load(
    sandbox: Sandbox, tag: str, clients: int, posts: int, gets: int, tenant: str
) -> dict[str, Any]:
    token = sandbox.description["api"]["token"]
    # Idle connections are dropped before the server's 5 s keep-alive ends, so none is reused
    # just as the server closes it (a ReadError that says nothing about the service).
    limits = httpx.Limits(
        max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=KEEPALIVE_S
    )
    headers = {"Authorization": f"Bearer {token}"}
    post, get = Samples(), Samples()
    created: list[str] = []
    async with httpx.AsyncClient(
        base_url=sandbox.api_url, headers=headers, timeout=TIMEOUT_S, limits=limits
    ) as client:
        await client.get("/healthz")
        start = asyncio.Event()

        async def poster(index: int) -> None:
            await start.wait()
            for n in range(posts):
                body = request_body(f"{tag}-{index}-{n}", tenant=tenant)
                answer = await _timed(client, post, "POST", "/v1/landing-zones", json=body)
                if answer is not None:
                    created.append(str(answer.json()["id"]))

        async def getter(index: int) -> None:
            await start.wait()
            chooser = random.Random(index)
            for _ in range(gets):
                landing_zone_id = chooser.choice(created)
                await _timed(client, get, "GET", f"/v1/landing-zones/{landing_zone_id}")

        started = time.perf_counter()
        tasks = [asyncio.create_task(poster(i)) for i in range(clients)]
        start.set()
        await asyncio.gather(*tasks)
        post_s = time.perf_counter() - started
        if created:
            start = asyncio.Event()
            started = time.perf_counter()
            tasks = [asyncio.create_task(getter(i)) for i in range(clients)]
            start.set()
            await asyncio.gather(*tasks)
        get_s = time.perf_counter() - started
    return {
        "clients": clients,
        "tenant": tenant,
        "post": {**post.summary(), "seconds": post_s},
        "get": {**get.summary(), "seconds": get_s},
    }


def load(
    sandbox: Sandbox, tag: str, clients: int, posts: int, gets: int, tenant: str = "retail"
) -> dict[str, Any]:
    return asyncio.run(_load(sandbox, tag, clients, posts, gets, tenant))


# ---------------------------------------------------------------------- event delay


def _follow(
    sandbox: Sandbox, landing_zone_id: str, delays: list[float], lock: threading.Lock
) -> None:
    token = sandbox.description["api"]["token"]
    url = f"{sandbox.api_url}/v1/landing-zones/{landing_zone_id}/events/stream"
    with (
        httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_S) as client,
        client.stream("GET", url) as stream,
    ):
        connected = time.time()
        kind = ""
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: ") and kind == "progress":
                arrived = time.time()
                event = json.loads(line.removeprefix("data: "))
                at = datetime.fromisoformat(event["at"]).timestamp()
                if at >= connected:
                    with lock:
                        delays.append(max(0.0, arrived - at))
            elif line.startswith("data: ") and kind == "end":
                return


def event_delays(
    sandbox: Sandbox, tag: str, count: int, at_once: int = 4, class_id: str = "java"
) -> dict[str, Any]:
    """`count` landing zones, `at_once` at a time, each followed on its event stream."""
    delays: list[float] = []
    lock = threading.Lock()

    def one(index: int) -> None:
        body = request_body(f"{tag}-{index}", class_id=class_id)
        with sandbox.api() as client:
            answer = client.post("/v1/landing-zones", json=body)
        answer.raise_for_status()
        _follow(sandbox, str(answer.json()["id"]), delays, lock)

    with ThreadPoolExecutor(at_once) as pool:
        list(pool.map(one, range(count)))
    return {
        "landing_zones": count,
        "at_once": at_once,
        "delay": Summary.of(delays).as_dict() if delays else None,
    }
