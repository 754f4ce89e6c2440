"""What callers see at the door, in one process: validation, tokens, idempotency, preview,
classes and the not-founds, against the real app on a real SQLite database.

Landing zones made here are in the `retail` tenant, whose policy asks for an approval nobody
gives: each one waits quietly, so the tests look at the door, not at provisioning.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.callers import on_behalf_of
from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import request_body

CLASSES = ["backend", "dotnet", "java", "mobile", "web"]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessService]:
    data = tmp_path_factory.mktemp("routes")
    with in_process_service(data) as running:
        yield running


def backstage_token(service: InProcessService) -> str:
    return str(service.description["api"]["callers"]["backstage"]["token"])


def post(
    service: InProcessService,
    body: dict[str, Any],
    key: str | None = None,
    token: str = "",
    acting_for: dict[str, str] | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or service.token}", **(acting_for or {})}
    if key is not None:
        headers["Idempotency-Key"] = key
    answer: httpx.Response = service.client.post("/v1/landing-zones", json=body, headers=headers)
    return answer


def names(service: InProcessService) -> list[str]:
    listed = service.client.get("/v1/landing-zones", params={"limit": 200}, headers=service.auth)
    assert listed.status_code == 200, listed.text
    return [item["name"] for item in listed.json()["items"]]


def retail(name: str, **changes: Any) -> dict[str, Any]:
    return {**request_body(name, tenant="retail"), **changes}


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"class": "cobol"}, "class", "unknown class; expected one of: backend, dotnet"),
        ({"name": "Payments_API"}, "name", "lower-case letters, digits and hyphens"),
        ({"name": "a" * 61}, "name", "too long to leave room for the '-env' repository"),
        ({"name": "../etc"}, "name", "lower-case letters, digits and hyphens"),
        ({"owner": "group:default/pay ments"}, "owner", "group entity reference"),
        ({"tenant": "nowhere"}, "tenant", "unknown tenant; expected one of: labs, retail"),
        ({"tenant": "Retail!"}, "tenant", "lower-case letters, digits and hyphens"),
        ({"requester": {"name": "Jane", "email": "not-an-email"}}, "email", "email"),
        ({"description": "line\r\nbreak\x00"}, "description", "control characters"),
        ({"parameters": {"noSuchParameter": "x"}}, "parameters", ""),
        ({"on_behalf_of": "group:default/payments"}, "on_behalf_of", "user entity reference"),
        ({"extra": "field"}, "extra", "Extra inputs are not permitted"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_the_reason_and_creates_nothing(
    service: InProcessService, change: dict[str, Any], field: str, words: str
) -> None:
    body = {**retail("refused-one"), **change}
    answer = post(service, body)
    assert answer.status_code == 422, answer.text
    problems = [p for p in answer.json()["detail"] if field in p["loc"] or field in str(p["loc"])]
    assert problems, answer.json()
    assert any(words in p["msg"] for p in problems), problems
    assert all("^" not in p["msg"] and "pattern" not in p["msg"] for p in problems)
    assert "refused-one" not in names(service)


def test_every_problem_of_a_request_is_reported_at_once(service: InProcessService) -> None:
    answer = post(service, retail("two-problems", **{"class": "cobol", "tenant": "nowhere"}))
    assert answer.status_code == 422
    assert {tuple(p["loc"]) for p in answer.json()["detail"]} == {
        ("body", "class"),
        ("body", "tenant"),
    }


def test_a_missing_field_and_a_body_that_is_not_json_are_refused(
    service: InProcessService,
) -> None:
    body = retail("no-owner")
    del body["owner"]
    missing = post(service, body)
    assert missing.status_code == 422
    assert ["body", "owner"] in [p["loc"] for p in missing.json()["detail"]]
    garbled = service.client.post(
        "/v1/landing-zones",
        content=b"{not json",
        headers={**service.auth, "Content-Type": "application/json"},
    )
    assert garbled.status_code == 422
    assert garbled.json()["detail"][0]["loc"][0] == "body"


def test_an_oversized_body_is_a_413_before_anything_reads_it(service: InProcessService) -> None:
    answer = post(service, retail("too-big", description="x" * 200_000))
    assert answer.status_code == 413
    assert answer.json()["detail"][0]["loc"] == ["body"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"status": "sleeping"}, "status")],
)
def test_bad_list_queries_name_the_parameter(
    service: InProcessService, params: dict[str, Any], field: str
) -> None:
    answer = service.client.get("/v1/landing-zones", params=params, headers=service.auth)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", field]


def test_a_cursor_that_was_not_handed_out_is_refused(service: InProcessService) -> None:
    answer = service.client.get(
        "/v1/landing-zones", params={"cursor": "made-up"}, headers=service.auth
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize("key", ["has space", "x" * 201, "naïve"])
def test_an_idempotency_key_out_of_shape_is_refused(service: InProcessService, key: str) -> None:
    headers = {**service.auth, "Idempotency-Key": key}
    # httpx refuses to send a non-ASCII header; as bytes it goes out as a client would send it.
    raw = {name: value.encode() for name, value in headers.items()}
    answer = service.client.post("/v1/landing-zones", json=retail("bad-key"), headers=raw)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


# ---------------------------------------------------------------- tokens


ROUTES = [
    ("GET", "/v1/landing-zones"),
    ("POST", "/v1/landing-zones"),
    ("POST", "/v1/landing-zones:preview"),
    ("GET", "/v1/landing-zones/lz_0000/events"),
    ("POST", "/v1/landing-zones/lz_0000/cancel"),
    ("GET", "/v1/classes"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer ", "Bearer not-a-token", "Basic bGFuZGluZ3pvbmU6eA=="]
)
def test_every_v1_route_is_a_401_without_a_valid_bearer_token(
    service: InProcessService, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    answer = service.client.request(method, path, json=retail("no-token"), headers=headers)
    assert answer.status_code == 401, answer.text
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert answer.json()["detail"][0]["loc"] == ["header", "authorization"]
    assert "no-token" not in names(service)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/"])
def test_health_metrics_and_the_dashboard_page_need_no_token(
    service: InProcessService, path: str
) -> None:
    assert service.client.get(path).status_code == 200


def test_a_request_records_which_caller_sent_it_and_never_the_token(
    service: InProcessService,
) -> None:
    answer = post(service, retail("token-noted", on_behalf_of="user:default/jane.doe"))
    assert answer.status_code == 202, answer.text
    view = service.client.get(answer.headers["Location"], headers=service.auth).json()
    assert view["submitted_with"] == "operator"
    assert view["on_behalf_of"] == "user:default/jane.doe"
    assert service.token not in json.dumps(view)


# ---------------------------------------------------------------- idempotency


def test_the_same_key_and_body_is_the_same_landing_zone(service: InProcessService) -> None:
    jane = on_behalf_of("user:default/jane.doe", "group:default/payments")
    first = post(service, retail("idem-one"), key="task-idem-one", acting_for=jane)
    assert first.status_code == 202, first.text
    assert first.headers["Location"] == f"/v1/landing-zones/{first.json()['id']}"
    # A replay, even by another caller for the same user, answers 200 with the same landing zone.
    again = post(
        service, retail("idem-one"), key="task-idem-one", token=backstage_token(service),
        acting_for=jane,
    )  # fmt: skip
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert names(service).count("idem-one") == 1


def test_the_same_body_in_another_key_order_is_the_same_request(
    service: InProcessService,
) -> None:
    body = retail("idem-order")
    first = post(service, body, key="task-idem-order")
    reordered = dict(reversed(list(body.items())))
    again = post(service, reordered, key="task-idem-order")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]


def test_the_same_key_with_another_body_is_a_409_on_the_key(service: InProcessService) -> None:
    assert post(service, retail("idem-two"), key="task-idem-two").status_code == 202
    other = post(service, retail("idem-three"), key="task-idem-two")
    assert other.status_code == 409
    [problem] = other.json()["detail"]
    assert problem["loc"] == ["header", "Idempotency-Key"]
    assert problem["type"] == "conflict"
    assert "idem-three" not in names(service)


def test_a_name_in_use_in_the_tenant_is_a_409_on_the_name(service: InProcessService) -> None:
    assert post(service, retail("taken-name")).status_code == 202
    second = post(service, retail("taken-name", description="Another team's idea."))
    assert second.status_code == 409
    assert second.json()["detail"][0]["loc"] == ["body", "name"]
    assert names(service).count("taken-name") == 1


# ---------------------------------------------------------------- preview and classes


def test_preview_derives_names_and_policy_and_renders_without_creating_anything(
    service: InProcessService,
) -> None:
    answer = service.client.post(
        "/v1/landing-zones:preview", json=retail("preview-only"), headers=service.auth
    )
    assert answer.status_code == 200, answer.text
    preview = answer.json()
    assert preview["names"] == {
        "repository": {"project": "RETAIL", "slug": "preview-only"},
        "environment_repository": {"project": "RETAIL", "slug": "preview-only-env"},
        "jenkins_folder": "retail/preview-only",
        "build_job": "retail/preview-only/build",
        "promote_job": "retail/preview-only/promote",
    }
    assert preview["approval_required"] is True
    assert {"Jenkinsfile", "Jenkinsfile.promote", "catalog-info.yaml"} <= set(preview["files"])
    for environment in ("dev", "test", "prod"):
        assert f"environments/{environment}/kustomization.yaml" in preview["environment_files"]
        assert f"scopes/{environment}.yaml" in preview["environment_files"]
    assert "preview-only" not in names(service)


def test_preview_says_when_the_tenant_needs_no_approval(service: InProcessService) -> None:
    answer = service.client.post(
        "/v1/landing-zones:preview", json=request_body("labs-preview"), headers=service.auth
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["approval_required"] is False
    assert answer.json()["names"]["build_job"] == "labs/labs-preview/build"


def test_preview_refuses_what_submitting_would_refuse(service: InProcessService) -> None:
    answer = service.client.post(
        "/v1/landing-zones:preview",
        json=retail("preview-bad", parameters={"noSuchParameter": 1}),
        headers=service.auth,
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][:2] == ["body", "parameters"]


def test_classes_are_listed_in_order_with_closed_json_schemas(service: InProcessService) -> None:
    answer = service.client.get("/v1/classes", headers=service.auth)
    assert answer.status_code == 200
    classes = answer.json()["classes"]
    assert [c["id"] for c in classes] == CLASSES
    for project_class in classes:
        assert project_class["title"] and project_class["description"]
        schema = project_class["parameters"]
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False


# ---------------------------------------------------------------- not found


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/landing-zones/lz_unknown"),
        ("GET", "/v1/landing-zones/lz_unknown/events"),
        ("GET", "/v1/landing-zones/lz_unknown/events/stream"),
        ("POST", "/v1/landing-zones/lz_unknown/cancel"),
        ("POST", "/v1/landing-zones/lz_unknown/retry"),
    ],
)
def test_an_unknown_landing_zone_is_a_404_on_its_id(
    service: InProcessService, method: str, path: str
) -> None:
    answer = service.client.request(method, path, headers=service.auth)
    assert answer.status_code == 404
    assert answer.json()["detail"] == [
        {"loc": ["path", "id"], "msg": "no landing zone with this id", "type": "not_found"}
    ]


def test_unknown_routes_and_methods_answer_in_the_same_error_shape(
    service: InProcessService,
) -> None:
    missing = service.client.get("/v1/nothing-here", headers=service.auth)
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["type"] == "http_error"
    wrong_method = service.client.delete("/v1/classes", headers=service.auth)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["detail"][0]["loc"] == ["request"]
    assert "GET" in wrong_method.headers["Allow"]


def test_metrics_count_answers_by_route_template_refusals_included(
    service: InProcessService,
) -> None:
    unknown = "/v1/landing-zones/lz_metricsunknown"
    assert service.client.get(unknown, headers=service.auth).status_code == 404
    assert service.client.get(unknown).status_code == 401  # refused before routing
    assert service.client.get("/v1/no-such-route", headers=service.auth).status_code == 404
    scraped = service.client.get("/metrics").text
    route = 'route="/v1/landing-zones/{landing_zone_id}"'
    assert f'landingzone_http_requests_total{{method="GET",{route},status="404"}}' in scraped
    assert f'landingzone_http_requests_total{{method="GET",{route},status="401"}}' in scraped
    assert 'route="unmatched",status="404"' in scraped
    assert "lz_metricsunknown" not in scraped  # ids never become labels
