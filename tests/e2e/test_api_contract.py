"""What callers see at the door: validation, authentication, idempotency, listing, preview."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.sandbox import Sandbox, request_body

pytestmark = pytest.mark.e2e


def _count(sandbox: Sandbox) -> int:
    with sandbox.api() as client:
        return len(client.get("/v1/landing-zones", params={"limit": 200}).json()["items"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"class": "cobol"}, "class"),
        ({"name": "Payments_API"}, "name"),
        ({"name": "a" * 64}, "name"),
        ({"name": "../etc"}, "name"),
        ({"owner": None}, "owner"),
        ({"owner": "group:default/pay ments"}, "owner"),
        ({"tenant": "nowhere"}, "tenant"),
        ({"requester": {"name": "Jane", "email": "not-an-email"}}, "email"),
        ({"description": "line\r\nbreak\x00"}, "description"),
        ({"parameters": {"noSuchParameter": "x"}}, "parameters"),
        ({"extra": "field"}, "extra"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    sandbox: Sandbox, change: dict[str, Any], field: str
) -> None:
    body = request_body("refused-one")
    body.update(change)
    if change.get("owner", "") is None:
        del body["owner"]
    before = _count(sandbox)
    with sandbox.api() as client:
        response = client.post("/v1/landing-zones", json=body)
    assert response.status_code == 422, response.text
    locations = [error["loc"] for error in response.json()["detail"]]
    assert any(field in location for location in locations), locations
    assert _count(sandbox) == before


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"name": "Payments_API"}, "name", "lower-case letters, digits and hyphens"),
        ({"owner": "group:default/pay ments"}, "owner", "group entity reference"),
        ({"tenant": "Retail!"}, "tenant", "lower-case letters, digits and hyphens"),
    ],
)
def test_pattern_fields_are_refused_in_words(
    sandbox: Sandbox, change: dict[str, Any], field: str, words: str
) -> None:
    body = request_body("worded-one")
    body.update(change)
    with sandbox.api() as client:
        response = client.post("/v1/landing-zones", json=body)
    assert response.status_code == 422, response.text
    [error] = [e for e in response.json()["detail"] if e["loc"][-1] == field]
    assert words in error["msg"]
    assert "pattern" not in error["msg"] and "^" not in error["msg"], error["msg"]


def test_oversized_body_is_refused(sandbox: Sandbox) -> None:
    body = request_body("too-big", description="x" * 200_000)
    with sandbox.api() as client:
        response = client.post("/v1/landing-zones", json=body)
    assert response.status_code == 413
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_a_chunked_body_over_the_limit_is_a_413_and_without_a_token_a_401(
    sandbox: Sandbox,
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b" " * 4096

    for token, status in ((None, 413), ("", 401)):
        with sandbox.api(token=token) as client:
            response = client.post(
                "/v1/landing-zones", content=chunks(), headers={"Content-Type": "application/json"}
            )
        assert "content-length" not in response.request.headers
        assert response.status_code == status, response.text


@pytest.mark.parametrize("token", ["", "wrong-token"])
def test_callers_without_a_valid_token_are_refused(sandbox: Sandbox, token: str) -> None:
    with sandbox.api(token=token) as client:
        created = client.post("/v1/landing-zones", json=request_body("no-token"))
        listed = client.get("/v1/landing-zones")
    assert created.status_code == listed.status_code == 401
    assert created.json()["detail"][0]["loc"] == ["header", "authorization"]


def test_same_key_same_body_is_the_same_landing_zone(sandbox: Sandbox) -> None:
    first = sandbox.create(request_body("idem-one"), key="task-idem-one")
    again = sandbox.create(request_body("idem-one"), key="task-idem-one")
    assert again["id"] == first["id"]
    with sandbox.api() as client:
        other = client.post(
            "/v1/landing-zones",
            json=request_body("idem-two"),
            headers={"Idempotency-Key": "task-idem-one"},
        )
    assert other.status_code == 409
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    sandbox.wait_status(first["id"], {"completed", "failed"})


def test_a_name_in_use_is_a_conflict(sandbox: Sandbox) -> None:
    first = sandbox.create(request_body("taken-name"))
    with sandbox.api() as client:
        second = client.post("/v1/landing-zones", json=request_body("taken-name"))
    assert second.status_code == 409
    assert second.json()["detail"][0]["loc"] == ["body", "name"]
    sandbox.wait_status(first["id"], {"completed", "failed"})


def test_listing_filters_and_pages(sandbox: Sandbox) -> None:
    sandbox.create(request_body("list-me", owner="group:default/platform"))
    with sandbox.api() as client:
        mine = client.get("/v1/landing-zones", params={"owner": "group:default/platform"}).json()
        page = client.get("/v1/landing-zones", params={"limit": 1}).json()
        following = client.get(
            "/v1/landing-zones", params={"limit": 1, "cursor": page["next_cursor"]}
        ).json()
    assert [item["name"] for item in mine["items"]] == ["list-me"]
    assert page["next_cursor"] and following["items"][0]["id"] != page["items"][0]["id"]


def test_preview_renders_without_creating_anything(sandbox: Sandbox) -> None:
    with sandbox.api() as client:
        response = client.post("/v1/landing-zones:preview", json=request_body("preview-only"))
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["names"]["build_job"] == "labs/preview-only/build"
    assert "Jenkinsfile" in preview["files"]
    with sandbox.api() as client:
        listed = client.get("/v1/landing-zones", params={"limit": 200}).json()["items"]
    assert "preview-only" not in [item["name"] for item in listed]


def test_classes_are_described_as_json_schema(sandbox: Sandbox) -> None:
    with sandbox.api() as client:
        classes = client.get("/v1/classes").json()["classes"]
    assert {c["id"] for c in classes} >= {"java"}
    for project_class in classes:
        assert project_class["parameters"]["type"] == "object"


def test_events_are_ordered_and_streamed_to_the_end(sandbox: Sandbox) -> None:
    accepted = sandbox.create(request_body("streamed"))
    with (
        sandbox.api() as client,
        client.stream(
            "GET", f"/v1/landing-zones/{accepted['id']}/events/stream", timeout=120
        ) as stream,
    ):
        kinds = [
            line.removeprefix("event: ")
            for line in stream.iter_lines()
            if line.startswith("event: ")
        ]
    assert kinds[-1] == "end" and kinds.count("progress") >= 8
    events = sandbox.events(accepted["id"])
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


def test_dashboard_page_carries_no_data_and_a_strict_policy(sandbox: Sandbox) -> None:
    accepted = sandbox.create(request_body("dashboard-row"))
    page = httpx.get(f"{sandbox.api_url}/", timeout=10)
    assert page.status_code == 200
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    assert "Landing Zone" in page.text and "dashboard-row" not in page.text
    sandbox.wait_status(accepted["id"], {"completed", "failed"})


def test_the_view_records_on_whose_behalf_and_which_caller_sent_it(sandbox: Sandbox) -> None:
    token = sandbox.description["api"]["token"]
    body = request_body("behalf-one", on_behalf_of="user:default/jane.doe")
    with sandbox.api() as client:
        response = client.post("/v1/landing-zones", json=body)
        assert response.status_code == 202, response.text
        view = client.get(f"/v1/landing-zones/{response.json()['id']}").json()
    assert view["on_behalf_of"] == "user:default/jane.doe"
    assert view["submitted_with"] == "operator"
    assert token not in json.dumps(view)


def test_on_behalf_of_must_be_a_user_reference(sandbox: Sandbox) -> None:
    body = request_body("behalf-two", on_behalf_of="group:default/payments")
    with sandbox.api() as client:
        response = client.post("/v1/landing-zones", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"][-1] == "on_behalf_of"
    assert "user entity reference" in error["msg"]
