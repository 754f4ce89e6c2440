"""Access tokens from the bank's identity provider, in one process: the service verifies them
against the provider's JWKS, served over HTTP on loopback, and refuses every forgery and every
token meant for someone else; a key the provider rotates in is accepted without a restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.callers import on_behalf_of
from tests.support.identity_provider import (
    AUDIENCE,
    ISSUER,
    IdentityProvider,
    SigningKey,
    claims,
    forged_with_public_key_as_hmac_secret,
    forged_without_signature,
    identity_provider,
    sign,
)
from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import request_body, wait_for

CLIENT = "reports-batch"
READ_CREATE = "landing-zones:read landing-zones:create act-on-behalf"
RSA_KEY, EC_KEY = SigningKey.rsa(), SigningKey.ec()
NEVER_PUBLISHED = SigningKey.rsa()
COOLDOWN_S = 1.0


@pytest.fixture(scope="module")
def idp() -> Iterator[IdentityProvider]:
    with identity_provider(RSA_KEY, EC_KEY) as provider:
        yield provider


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, idp: IdentityProvider
) -> Iterator[InProcessService]:
    with in_process_service(
        tmp_path_factory.mktemp("jwt"),
        LZ_JWT_JWKS_URL=idp.url,
        LZ_JWT_ISSUER=ISSUER,
        LZ_JWT_AUDIENCE=AUDIENCE,
        LZ_JWT_JWKS_COOLDOWN_SECONDS=str(COOLDOWN_S),
    ) as running:
        yield running


def get(service: InProcessService, token: str, path: str = "/v1/classes") -> httpx.Response:
    answer: httpx.Response = service.client.get(path, headers={"Authorization": f"Bearer {token}"})
    return answer


def test_an_access_token_is_its_client_with_the_scopes_it_grants(
    service: InProcessService,
) -> None:
    token = sign(RSA_KEY, claims(CLIENT, READ_CREATE))
    jane = on_behalf_of("user:default/jane.doe", "group:default/payments")
    headers = {"Authorization": f"Bearer {token}", **jane}
    assert get(service, token).status_code == 200
    created = service.client.post(
        "/v1/landing-zones", json=request_body("by-jwt", tenant="retail"), headers=headers
    )
    assert created.status_code == 202, created.text
    assert created.json()["submitted_with"] == CLIENT
    cancelled = service.client.post(f"{created.headers['Location']}/cancel", headers=headers)
    assert cancelled.status_code == 403
    assert "landing-zones:operate" in cancelled.json()["detail"][0]["msg"]


def test_scopes_may_come_as_an_scp_list_and_es256_is_accepted(service: InProcessService) -> None:
    token = sign(EC_KEY, claims(CLIENT, scope=None, scp=["landing-zones:read", "profile"]))
    assert get(service, token).status_code == 200
    preview = service.client.post(
        "/v1/landing-zones:preview",
        json=request_body("by-scp"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert preview.status_code == 403
    assert "landing-zones:create" in preview.json()["detail"][0]["msg"]


def test_a_token_a_little_past_its_expiry_is_within_the_leeway(service: InProcessService) -> None:
    token = sign(RSA_KEY, claims(CLIENT, READ_CREATE, exp=int(time.time()) - 5))
    assert get(service, token).status_code == 200


def _refused_tokens() -> dict[str, tuple[str, str]]:
    now = int(time.time())
    good = claims(CLIENT, READ_CREATE)
    return {
        "wrong issuer": (
            sign(RSA_KEY, {**good, "iss": "https://idp.example.test/oauth2/other"}),
            "issuer is not accepted",
        ),
        "wrong audience": (
            sign(RSA_KEY, {**good, "aud": "api://another-service"}),
            "not meant for this service",
        ),
        "alg none": (forged_without_signature(RSA_KEY.kid, good), "algorithm"),
        "HS256 keyed with the public key": (
            forged_with_public_key_as_hmac_secret(RSA_KEY, good),
            "algorithm",
        ),
        "expired": (sign(RSA_KEY, {**good, "exp": now - 120}), "expired"),
        "not valid yet": (sign(RSA_KEY, {**good, "nbf": now + 300}), "not valid yet"),
        "no expiry": (sign(RSA_KEY, {**good, "exp": None}), "no exp claim"),
        "unknown key": (sign(NEVER_PUBLISHED, good), "does not publish"),
        "known kid, other key": (
            sign(NEVER_PUBLISHED, good, kid=RSA_KEY.kid),
            "not valid",
        ),
        "key of another algorithm": (sign(EC_KEY, good, kid=RSA_KEY.kid), "not valid"),
        "no client": (
            sign(RSA_KEY, {**good, "azp": None, "sub": "has spaces\nand a newline"}),
            "names no client",
        ),
        "garbled": ("abc.def.ghi", "not valid"),
    }


@pytest.mark.parametrize("case", sorted(_refused_tokens()))
def test_a_forged_or_misdirected_token_is_a_401(service: InProcessService, case: str) -> None:
    token, words = _refused_tokens()[case]
    answer = get(service, token)
    assert answer.status_code == 401, answer.text
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    [detail] = answer.json()["detail"]
    assert detail["loc"] == ["header", "authorization"]
    assert words in detail["msg"]


def test_a_key_rotated_in_at_the_provider_is_accepted_without_a_restart(
    service: InProcessService, idp: IdentityProvider
) -> None:
    rotated = SigningKey.rsa()
    idp.publish(RSA_KEY, EC_KEY, rotated)
    token = sign(rotated, claims(CLIENT, READ_CREATE))

    def accepted() -> dict[str, Any] | None:
        answer = get(service, token)
        assert answer.status_code in (200, 401), answer.text
        return answer.json() if answer.status_code == 200 else None

    # At most one cooldown after the last fetch, the unknown key id fetches the JWKS again.
    classes = wait_for(accepted, "the rotated key to be accepted", timeout=10 * COOLDOWN_S)
    assert classes["classes"]
