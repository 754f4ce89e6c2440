"""The OpenAPI document declares every status a route can answer, each error with one shape,
so a client generated from it handles a 401, a 404 or a 409 like any other answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from landingzone.api.routes import (
    approvals,
    audit,
    classes,
    dashboard,
    health,
    landing_zones,
    promotions,
    rollouts,
    updates,
)
from landingzone.main import create_app

ERROR_REF = "#/components/schemas/ErrorDocument"
# Routes whose answer depends on the state they find, and so can be a 409.
CONFLICTS = {
    ("POST", "/v1/landing-zones"),
    ("POST", "/v1/landing-zones:preview"),
    ("POST", "/v1/landing-zones/{landing_zone_id}/cancel"),
    ("POST", "/v1/landing-zones/{landing_zone_id}/retry"),
    ("POST", "/v1/landing-zones/{landing_zone_id}/updates"),
    ("POST", "/v1/landing-zones/{landing_zone_id}/promotions"),
    ("POST", "/v1/promotions/{promotion_id}/outcome"),
    ("POST", "/v1/classes/{class}/rollouts"),
    ("POST", "/v1/rollouts/{rollout_id}/{action}"),
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app().openapi()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_route_of_the_app_is_in_the_document(document: dict[str, Any]) -> None:
    routers = (
        approvals, audit, classes, dashboard, health, landing_zones, promotions, rollouts, updates
    )  # fmt: skip
    routes = {
        (method, route.path)
        for module in routers
        for route in module.router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods or ()
    }
    assert routes == {(method, path) for method, path, _ in operations(document)}


def test_each_error_status_declared_has_the_error_shape(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, (method, path, status)
    shape = document["components"]["schemas"]["ErrorDocument"]
    assert shape["required"] == ["detail"]
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"loc", "msg", "type"}
    assert problem["properties"]["loc"] == {
        **problem["properties"]["loc"],
        "type": "array",
        "items": {"type": "string"},
    }


def test_v1_routes_declare_the_statuses_every_caller_can_meet(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        if not path.startswith("/v1/"):
            continue
        declared = {int(status) for status in operation["responses"]}
        expected = {401, 422, 503}
        if not path.startswith("/v1/approvals/"):
            expected.add(403)  # scopes; the approval callback is signed, not scoped
        if method == "POST":
            expected |= {413, 429}
        if "{" in path:  # an id or a class that may not exist
            expected.add(404)
        if (method, path) in CONFLICTS:
            expected.add(409)
        assert expected <= declared, (method, path, sorted(expected - declared))


def test_the_answers_a_route_gives_besides_errors_have_their_model(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 300 or path == "/metrics":
                continue
            assert response.get("content"), (method, path, status)


def test_readiness_declares_the_database_outage(document: dict[str, Any]) -> None:
    assert "503" in document["paths"]["/readyz"]["get"]["responses"]
