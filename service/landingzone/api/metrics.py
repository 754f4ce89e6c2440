"""Prometheus metrics: HTTP traffic, and landing zones by status read at scrape time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Scope

from landingzone.api.hardening import AnswerObserver
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

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        method, route = str(scope.get("method", "?")), _route_template(scope)
        self.latency.labels(method, route).observe(seconds)
        self.requests.labels(method, route, str(status)).inc()


class RequestMetrics(AnswerObserver):
    """Every answer counted, with its latency, by route template."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, _observe)


def _observe(scope: Scope, status: int, seconds: float) -> None:
    metrics: Metrics | None = getattr(scope["app"].state, "metrics", None)
    if metrics is not None:
        metrics.observe(scope, status, seconds)


def _route_template(scope: Scope) -> str:
    """The route's path template, so ids do not explode the label set. The router names the
    route it took; an answer given before routing (a 401, a 413) is matched here."""
    route = scope.get("route") or _matching(scope["app"].routes, scope)
    return "unmatched" if route is None else str(getattr(route, "path", "other"))


def _matching(routes: Sequence[BaseRoute], scope: Scope) -> BaseRoute | None:
    for route in routes:
        match, child_scope = route.matches(scope)
        if match is Match.FULL:
            inner = _inner_routes(route)
            return _matching(inner, {**scope, **child_scope}) if inner else route
    return None


def _inner_routes(route: BaseRoute) -> Sequence[BaseRoute] | None:
    """The routes of a mount, or of a router FastAPI included (it keeps the router aside)."""
    inner: Sequence[BaseRoute] | None = getattr(route, "routes", None)
    if inner is None and (router := getattr(route, "original_router", None)) is not None:
        inner = router.routes
    return inner
