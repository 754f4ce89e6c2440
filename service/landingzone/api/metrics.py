"""Prometheus metrics: HTTP traffic, and landing zones by status read at scrape time."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from landingzone.landing_zone.breakers import Breakers
from landingzone.landing_zone.call_limits import CallLimits
from landingzone.landing_zone.store import Store
from landingzone.landing_zone.tables import landing_zones


class LandingZoneCollector(Collector):
    def __init__(self, store: Store, breakers: Breakers, limits: CallLimits) -> None:
        self.store = store
        self.breakers = breakers
        self.limits = limits

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "landingzone_landing_zones", "Landing zones by status", labels=["status"]
        )
        query = sa.select(landing_zones.c.status, sa.func.count()).group_by(landing_zones.c.status)
        with self.store.engine.connect() as connection:
            for status, count in connection.execute(query):
                gauge.add_metric([status], count)
        yield gauge
        waiting = GaugeMetricFamily(
            "landingzone_waiting_steps", "Steps waiting out a downstream fault", labels=["system"]
        )
        for system, count in self.store.steps.waiting_by_system().items():
            waiting.add_metric([system], count)
        yield waiting
        circuits = GaugeMetricFamily(
            "landingzone_circuit_open",
            "1 while this replica's circuit to a downstream system is open",
            labels=["system"],
        )
        for system in self.breakers.open_systems():
            circuits.add_metric([system], 1)
        yield circuits
        in_flight = GaugeMetricFamily(
            "landingzone_downstream_calls_in_flight",
            "Calls this replica has open to a downstream system now",
            labels=["system"],
        )
        for system, count in self.limits.in_flight().items():
            in_flight.add_metric([system], count)
        yield in_flight
        peak = GaugeMetricFamily(
            "landingzone_downstream_calls_peak",
            "The most calls this replica has had open to a downstream system at once",
            labels=["system"],
        )
        for system, count in self.limits.peaks().items():
            peak.add_metric([system], count)
        yield peak


class Metrics:
    def __init__(self, store: Store, breakers: Breakers, limits: CallLimits) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "landingzone_http_requests",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "landingzone_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
        )
        self.registry.register(LandingZoneCollector(store, breakers, limits))

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        route = _route_template(request)
        started = time.perf_counter()
        response = await call_next(request)
        self.latency.labels(request.method, route).observe(time.perf_counter() - started)
        self.requests.labels(request.method, route, str(response.status_code)).inc()
        return response


def _route_template(request: Request) -> str:
    """The route's path template, so ids do not explode the label set."""
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "other"))
    return "unmatched"
