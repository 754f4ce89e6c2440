"""Callers at the door, in one process: which credential is whom, what each scope allows, a
refusal before anything else reads the request, and how often a caller may POST.

Besides the sandbox's `operator` (every scope) and `backstage` (read, create, act on behalf),
the service knows a `reader`, a `rotating` caller with two tokens, and a `batch` caller that
may POST three times a minute.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support.callers import on_behalf_of
from tests.support.in_process import InProcessService, in_process_service, static_caller
from tests.support.sandbox import request_body, wait_for

READER = secrets.token_urlsafe(32)
AS_JANE = on_behalf_of("user:default/jane.doe", "group:default/payments")
OLD, NEW = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
BATCH = secrets.token_urlsafe(32)
MAX_BODY = 4096


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessService]:
    callers = {
        "reader": static_caller([READER], ["landing-zones:read"]),
        "rotating": static_caller(
            [OLD, NEW], ["landing-zones:read", "landing-zones:create", "act-on-behalf"]
        ),
        "batch": static_caller([BATCH], ["landing-zones:create"], posts_per_minute=3),
    }
    with in_process_service(
        tmp_path_factory.mktemp("authentication"),
        callers=callers,
        LZ_MAX_BODY_BYTES=str(MAX_BODY),
    ) as running:
        yield running


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def backstage(service: InProcessService) -> dict[str, str]:
    return bearer(service.description["api"]["callers"]["backstage"]["token"])


def retail(name: str) -> dict[str, Any]:
    """Retail asks for an approval nobody gives here: its landing zones wait quietly."""
    return request_body(name, tenant="retail")


def stored_names(service: InProcessService) -> set[str]:
    listed = service.client.get("/v1/landing-zones", params={"limit": 200}, headers=service.auth)
    assert listed.status_code == 200, listed.text
    return {item["name"] for item in listed.json()["items"]}


# ---------------------------------------------------------------- scopes


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("POST", "/v1/landing-zones", "landing-zones:create"),
        ("POST", "/v1/landing-zones:preview", "landing-zones:create"),
        ("POST", "/v1/landing-zones/lz_0000/cancel", "landing-zones:operate"),
        ("POST", "/v1/landing-zones/lz_0000/retry", "landing-zones:operate"),
        ("POST", "/v1/landing-zones/lz_0000/updates", "updates:write"),
        ("POST", "/v1/classes/java/rollouts", "rollouts:write"),
        ("POST", "/v1/rollouts/ro_0000/pause", "rollouts:write"),
    ],
)
def test_a_caller_without_the_scope_gets_403_naming_it_and_nothing_is_made(
    service: InProcessService, method: str, path: str, scope: str
) -> None:
    name = f"scoped-{secrets.token_hex(3)}"
    answer = service.client.request(method, path, json=retail(name), headers=bearer(READER))
    assert answer.status_code == 403, answer.text
    assert answer.json()["detail"] == [
        {
            "loc": ["header", "authorization"],
            "msg": f"this credential lacks the scope {scope}",
            "type": "forbidden",
        }
    ]
    assert name not in stored_names(service)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/landing-zones",
        "/v1/classes",
        "/v1/rollouts",
        "/v1/drift",
    ],
)
def test_a_reader_reads(service: InProcessService, path: str) -> None:
    assert service.client.get(path, headers=bearer(READER)).status_code == 200


def test_backstage_creates_and_reads_but_may_not_cancel(service: InProcessService) -> None:
    created = service.client.post(
        "/v1/landing-zones",
        json=retail("from-backstage"),
        headers={**backstage(service), **AS_JANE},
    )
    assert created.status_code == 202, created.text
    view = service.client.get(created.headers["Location"], headers=backstage(service)).json()
    assert view["submitted_with"] == "backstage"
    cancelled = service.client.post(
        f"{created.headers['Location']}/cancel", headers=backstage(service)
    )
    assert cancelled.status_code == 403
    assert "landing-zones:operate" in cancelled.json()["detail"][0]["msg"]
    operator = service.client.post(f"{created.headers['Location']}/cancel", headers=service.auth)
    assert operator.status_code == 202, operator.text

    def ended() -> bool:
        view = service.client.get(created.headers["Location"], headers=service.auth).json()
        return bool(view["status"] == "cancelled")

    wait_for(ended, "the cancelled landing zone to end", timeout=60)


def test_only_a_caller_that_may_act_on_behalf_names_a_user(service: InProcessService) -> None:
    headers = {"X-On-Behalf-Of": "user:default/jane.doe"}
    refused = service.client.get("/v1/classes", headers={**bearer(READER), **headers})
    assert refused.status_code == 403
    assert "act-on-behalf" in refused.json()["detail"][0]["msg"]
    accepted = service.client.get("/v1/classes", headers={**backstage(service), **headers})
    assert accepted.status_code == 200


def test_both_tokens_of_a_caller_in_rotation_are_that_caller(service: InProcessService) -> None:
    for token in (OLD, NEW):
        name = f"rotated-{secrets.token_hex(3)}"
        created = service.client.post(
            "/v1/landing-zones", json=retail(name), headers={**bearer(token), **AS_JANE}
        )
        assert created.status_code == 202, created.text
        assert created.json()["submitted_with"] == "rotating"


# ---------------------------------------------------------------- before anything else


@pytest.mark.parametrize(
    ("method", "path", "content", "headers"),
    [
        ("POST", "/v1/landing-zones", b"{not json", {"Content-Type": "application/json"}),
        ("POST", "/v1/landing-zones", b"{}", {"Content-Type": "application/json"}),
        ("POST", "/v1/landing-zones", b"x" * (MAX_BODY + 1), {}),
        ("POST", "/v1/landing-zones", b"", {"Content-Length": str(10 * MAX_BODY)}),
        ("DELETE", "/v1/classes", b"", {}),
        ("PUT", "/v1/landing-zones/lz_0000", b"", {}),
        ("GET", "/v1/nothing-here", b"", {}),
        ("GET", "/v1/landing-zones/lz_0000/events?after=-1", b"", {}),
    ],
    ids=["malformed", "invalid", "oversized", "declared-oversized", "405", "405-put", "404", "422"],
)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
def test_without_a_valid_credential_every_v1_request_is_a_401_first(
    service: InProcessService,
    method: str,
    path: str,
    content: bytes,
    headers: dict[str, str],
    authorization: str | None,
) -> None:
    if authorization:
        headers = {**headers, "Authorization": authorization}
    answer = service.client.request(method, path, content=content, headers=headers)
    assert answer.status_code == 401, answer.text
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert answer.json()["detail"][0]["loc"] == ["header", "authorization"]


def chunks(total: int, size: int = 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_a_chunked_body_over_the_limit_is_a_413_and_without_a_token_a_401(
    service: InProcessService,
) -> None:
    for headers, status in ((service.auth, 413), ({}, 401)):
        answer = service.client.post(
            "/v1/landing-zones",
            content=chunks(4 * MAX_BODY),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert "content-length" not in answer.request.headers  # sent chunked
        assert answer.status_code == status, answer.text
        if status == 413:
            assert answer.json()["detail"] == [
                {
                    "loc": ["body"],
                    "msg": f"request body larger than {MAX_BODY} bytes",
                    "type": "too_large",
                }
            ]


# ---------------------------------------------------------------- POSTs per minute


def test_a_caller_over_its_posts_per_minute_gets_429_with_retry_after(
    service: InProcessService,
) -> None:
    def preview(headers: dict[str, str]) -> httpx.Response:
        answer: httpx.Response = service.client.post(
            "/v1/landing-zones:preview", json={"name": "x"}, headers=headers
        )
        return answer

    assert [preview(bearer(BATCH)).status_code for _ in range(3)] == [422] * 3
    limited = preview(bearer(BATCH))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 20
    [detail] = limited.json()["detail"]
    assert detail["type"] == "rate_limited"
    assert "at most 3 POST requests a minute" in detail["msg"]
    # Another caller has a bucket of its own.
    assert preview(backstage(service)).status_code == 422


def test_behind_a_proxy_prefix_the_door_is_the_same(service: InProcessService) -> None:
    proxied = TestClient(service.app, root_path="/landing-zone")
    answer = proxied.post("/landing-zone/v1/landing-zones", content=b"{not json")
    assert answer.status_code == 401, answer.text
    assert proxied.get("/landing-zone/v1/classes", headers=service.auth).status_code == 200


def test_backstage_retries_only_for_a_member_of_the_owner_group(service: InProcessService) -> None:
    created = service.client.post(
        "/v1/landing-zones",
        json=retail(f"retried-{secrets.token_hex(3)}"),
        headers={**backstage(service), **AS_JANE},
    )
    assert created.status_code == 202, created.text
    retry = f"{created.headers['Location']}/retry"
    stranger = on_behalf_of("user:default/mallory", "group:default/web")
    refused = service.client.post(retry, headers={**backstage(service), **stranger})
    assert refused.status_code == 403
    assert "is not a member of the owner group group:default/payments" in refused.text
    anonymous = service.client.post(retry, headers=backstage(service))
    assert anonymous.status_code == 403
    assert "must name the user" in anonymous.text
    reader = service.client.post(retry, headers=bearer(READER))
    assert "landing-zones:operate" in reader.json()["detail"][0]["msg"]
    # Jane's retry is let through: answered by the landing zone's state, not by a refusal.
    allowed = service.client.post(retry, headers={**backstage(service), **AS_JANE})
    assert allowed.status_code in (202, 409), allowed.text
