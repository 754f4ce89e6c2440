"""Who may ask for what, at the door, in one process: scopes, the tenants' entitlements and the
requester's membership of the owner group. A refusal is a 403 naming the rule, and nothing is
stored, started or opened in ServiceNow; the audit trail records it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from landingzone.api.callers import Caller
from tests.support.callers import BACKSTAGE, OPERATOR, READER, configured, on_behalf_of
from tests.support.clients import records, servicenow
from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import request_body

TOKENS = {
    "backstage-token-of-the-service": Caller("backstage", BACKSTAGE),
    "operator-token-of-the-service": Caller("operator", OPERATOR),
    "reader-token-of-the-service": Caller("dashboard", READER),
}
BACKSTAGE_TOKEN, OPERATOR_TOKEN, READER_TOKEN = TOKENS
JANE = "user:default/jane.doe"
PAYMENTS = "group:default/payments"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessService]:
    data = tmp_path_factory.mktemp("entitlements")
    with in_process_service(data, configured(TOKENS)) as running:
        yield running


def call(
    service: InProcessService,
    path: str,
    body: dict[str, Any],
    token: str = BACKSTAGE_TOKEN,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = {"Authorization": f"Bearer {token}", **(headers or {})}
    answer: httpx.Response = service.client.post(path, json=body, headers=sent)
    return answer


def as_jane(*groups: str) -> dict[str, str]:
    return on_behalf_of(JANE, *groups)


def stored_names(service: InProcessService) -> list[str]:
    answer = service.client.get(
        "/v1/landing-zones",
        params={"limit": 200},
        headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
    )
    assert answer.status_code == 200, answer.text
    return [item["name"] for item in answer.json()["items"]]


def requested_items(service: InProcessService) -> int:
    return len(records(servicenow(service), "sc_req_item", {}))


def audit(service: InProcessService, **params: str) -> list[dict[str, Any]]:
    answer = service.client.get(
        "/v1/audit", params=params, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def the_problem(answer: httpx.Response) -> dict[str, Any]:
    [problem] = answer.json()["detail"]
    assert isinstance(problem, dict)
    return problem


# ---------------------------------------------------------------- refusals


def test_a_caller_without_the_create_scope_gets_a_403_naming_it_and_nothing_is_made(
    service: InProcessService,
) -> None:
    before = requested_items(service)
    for path in ("/v1/landing-zones", "/v1/landing-zones:preview"):
        answer = call(service, path, request_body("no-scope", tenant="retail"), READER_TOKEN)
        assert answer.status_code == 403, answer.text
        assert "landing-zones:create" in the_problem(answer)["msg"]
    assert "no-scope" not in stored_names(service)
    assert requested_items(service) == before


@pytest.mark.parametrize(
    ("name", "body", "groups", "field", "rule"),
    [
        (
            "not-a-member",
            {"owner": PAYMENTS},
            ("group:default/platform",),
            "owner",
            f"{JANE} is not a member of the owner group {PAYMENTS}: the requester must be a "
            "member of the owner group (X-On-Behalf-Of-Groups)",
        ),
        (
            "not-entitled",
            {"owner": "group:default/web"},
            ("group:default/web",),
            "owner",
            "tenant retail: owner group group:default/web is not entitled "
            "(tenants.retail.owner_groups)",
        ),
        (
            "not-allowed",
            {"class": "mobile"},
            (PAYMENTS,),
            "class",
            "tenant retail: class mobile is not allowed (tenants.retail.classes)",
        ),
        (
            "someone-else",
            {"on_behalf_of": "user:default/mallory"},
            (PAYMENTS,),
            "on_behalf_of",
            f"names user:default/mallory, but the request is made on behalf of {JANE}",
        ),
    ],
)
def test_a_refused_request_is_a_403_naming_the_rule_and_nothing_is_stored_or_opened(
    service: InProcessService,
    name: str,
    body: dict[str, Any],
    groups: tuple[str, ...],
    field: str,
    rule: str,
) -> None:
    before = requested_items(service)
    request = {**request_body(name, tenant="retail"), **body}
    for path in ("/v1/landing-zones:preview", "/v1/landing-zones"):
        answer = call(service, path, request, headers=as_jane(*groups))
        assert answer.status_code == 403, answer.text
        problem = the_problem(answer)
        assert problem["loc"] == ["body", field]
        assert rule in problem["msg"]
        assert problem["type"] == "forbidden"
    assert name not in stored_names(service)
    assert requested_items(service) == before
    [refused] = [e for e in audit(service, action="requested") if e["detail"]["name"] == name]
    assert refused["outcome"] == "refused"
    assert refused["actor"] == f"backstage for {JANE}"
    assert refused["landing_zone_id"] is None
    assert rule in refused["detail"]["rule"]


def test_a_caller_acting_as_itself_needs_the_operate_scope(service: InProcessService) -> None:
    answer = call(service, "/v1/landing-zones", request_body("as-itself", tenant="retail"))
    assert answer.status_code == 403
    problem = the_problem(answer)
    assert problem["loc"] == ["header", "x-on-behalf-of"]
    assert "landing-zones:operate" in problem["msg"]
    assert "as-itself" not in stored_names(service)


def test_naming_a_user_needs_the_act_on_behalf_scope(service: InProcessService) -> None:
    answer = call(service, "/v1/landing-zones:preview", request_body("x"), READER_TOKEN, as_jane())
    assert answer.status_code == 403
    assert "act-on-behalf" in the_problem(answer)["msg"]


def test_invalid_input_is_still_a_422_before_any_entitlement(service: InProcessService) -> None:
    body = {**request_body("bad-class", tenant="retail"), "class": "cobol"}
    answer = call(service, "/v1/landing-zones", body, headers=as_jane(PAYMENTS))
    assert answer.status_code == 422
    assert the_problem(answer)["loc"] == ["body", "class"]


# ---------------------------------------------------------------- accepted


def test_a_member_of_an_entitled_owner_group_is_accepted_and_recorded_for_that_user(
    service: InProcessService,
) -> None:
    groups = (PAYMENTS, "group:default/platform")
    preview = call(
        service, "/v1/landing-zones:preview", request_body("for-jane"), headers=as_jane(*groups)
    )
    assert preview.status_code == 200, preview.text
    answer = call(service, "/v1/landing-zones", request_body("for-jane"), headers=as_jane(*groups))
    assert answer.status_code == 202, answer.text
    created = answer.json()
    assert created["on_behalf_of"] == JANE  # filled in from the header
    [entry] = audit(service, landing_zone_id=created["id"], action="requested")
    assert entry["outcome"] == "accepted"
    assert (entry["credential"], entry["on_behalf_of"]) == ("backstage", JANE)
    assert entry["detail"]["basis"] == f"for {JANE}, a member of {PAYMENTS}"
    assert entry["detail"]["owner"] == PAYMENTS


def test_an_operator_acting_as_itself_is_recorded_as_such(service: InProcessService) -> None:
    answer = call(service, "/v1/landing-zones", request_body("by-operator"), OPERATOR_TOKEN)
    assert answer.status_code == 202, answer.text
    [entry] = audit(service, landing_zone_id=answer.json()["id"], action="requested")
    assert (entry["actor"], entry["on_behalf_of"]) == ("operator", None)
    assert entry["detail"]["basis"] == "as itself, with the scope landing-zones:operate"


def test_the_audit_trail_needs_the_audit_scope_and_pages_with_a_cursor(
    service: InProcessService,
) -> None:
    refused = service.client.get(
        "/v1/audit", headers={"Authorization": f"Bearer {BACKSTAGE_TOKEN}"}
    )
    assert refused.status_code == 403
    assert "audit:read" in the_problem(refused)["msg"]
    for index in range(3):
        call(service, "/v1/landing-zones", request_body(f"paged-{index}"), OPERATOR_TOKEN)
    everything = audit(service, actor="operator")
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params = {"actor": "operator", "limit": "2", **({"cursor": cursor} if cursor else {})}
        answer = service.client.get(
            "/v1/audit", params=params, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}
        )
        page = answer.json()
        seen.extend(item["seq"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [item["seq"] for item in everything] == sorted(seen)
    assert len(seen) >= 3
    bad = service.client.get(
        "/v1/audit",
        params={"cursor": "not-a-cursor"},
        headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
    )
    assert bad.status_code == 422
    assert the_problem(bad)["loc"] == ["query", "cursor"]
