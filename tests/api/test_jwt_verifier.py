"""The JWKS as the verifier fetches it: cached, fetched again for an unknown key id at most once
per cooldown, so a flood of made-up key ids never reaches the identity provider, and a
provider whose keys cannot be read is a 503 to wait out, not a 401 to give up on."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from typing import cast

import pytest

from landingzone.api.auth import Authenticator, Refusal
from landingzone.api.auth_settings import AuthSettings
from landingzone.api.jwt_tokens import IdentityProviderUnavailable, JwtVerifier, TokenRefused
from landingzone.config import Settings
from landingzone.landing_zone.runtime import Runtime
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

KEY, STRANGER = SigningKey.rsa(), SigningKey.rsa()


@pytest.fixture(autouse=True)
def no_lz_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("LZ_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def idp() -> Iterator[IdentityProvider]:
    with identity_provider(KEY) as provider:
        yield provider


def settings(idp: IdentityProvider, cooldown: float = 60) -> AuthSettings:
    return AuthSettings(
        jwt_jwks_url=idp.url,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_jwks_cooldown_seconds=cooldown,
    )


def test_a_flood_of_unknown_key_ids_fetches_the_jwks_once(idp: IdentityProvider) -> None:
    verifier = JwtVerifier(settings(idp), timeout_seconds=5)
    assert verifier.caller(sign(KEY, claims("ci", "landing-zones:read"))).name == "ci"
    assert idp.fetches == 1
    for _ in range(50):
        made_up = sign(STRANGER, claims("ci", "landing-zones:read"), kid=secrets.token_hex(8))
        with pytest.raises(TokenRefused, match="does not publish"):
            verifier.caller(made_up)
    assert idp.fetches == 1
    assert verifier.caller(sign(KEY, claims("ci", "landing-zones:read"))).name == "ci"


def test_without_a_cooldown_an_unknown_key_id_fetches_again(idp: IdentityProvider) -> None:
    verifier = JwtVerifier(settings(idp, cooldown=0), timeout_seconds=5)
    verifier.caller(sign(KEY, claims("ci", "landing-zones:read")))
    rotated = SigningKey.ec()
    idp.publish(KEY, rotated)
    assert verifier.caller(sign(rotated, claims("ci", "landing-zones:read"))).name == "ci"
    assert idp.fetches == 2


def test_forgeries_are_refused_before_any_key_is_fetched(idp: IdentityProvider) -> None:
    verifier = JwtVerifier(settings(idp), timeout_seconds=5)
    good = claims("ci", "landing-zones:read")
    for forged in (
        forged_without_signature(KEY.kid, good),
        forged_with_public_key_as_hmac_secret(KEY, good),
    ):
        with pytest.raises(TokenRefused, match="algorithm"):
            verifier.caller(forged)
    assert idp.fetches == 0


def test_an_identity_provider_that_is_down_is_a_503_with_retry_after(
    idp: IdentityProvider,
) -> None:
    idp.down = True
    token = sign(KEY, claims("ci", "landing-zones:read"))
    with pytest.raises(IdentityProviderUnavailable):
        JwtVerifier(settings(idp), timeout_seconds=5).caller(token)
    authenticator = Authenticator(Settings(auth=settings(idp)))
    no_runtime = cast(Runtime, None)  # a token is never looked up in the database
    with pytest.raises(Refusal) as refused:
        asyncio.run(authenticator.caller(token, "/v1/classes", no_runtime))
    assert refused.value.error.status == 503
    assert refused.value.headers["Retry-After"].isdigit()
    assert "identity provider" in refused.value.error.detail[0]["msg"]


def test_an_identity_provider_needs_its_issuer_and_audience(idp: IdentityProvider) -> None:
    with pytest.raises(ValueError, match="LZ_JWT_ISSUER and LZ_JWT_AUDIENCE"):
        JwtVerifier(AuthSettings(jwt_jwks_url=idp.url, jwt_issuer=ISSUER), timeout_seconds=5)
