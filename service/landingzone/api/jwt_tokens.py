"""Access tokens from the bank's identity provider (OAuth client credentials), as callers.

A token is accepted when it is signed with an allowed asymmetric algorithm by a key the
provider's JWKS publishes, and names our issuer and audience, within its validity (a small
leeway for clock skew). The JWKS is cached; an unknown key id fetches it again (at most once
per cooldown, so a flood of made-up key ids does not reach the provider), which is how a
rotated key is picked up without a restart.
"""

from __future__ import annotations

import re
from typing import Any

import jwt
from jwt import PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWKSetError

from landingzone.api.auth_settings import AuthSettings
from landingzone.api.callers import Caller, Scope

# A client id lands in the audit trail and in logs: printable, without spaces, bounded.
_CLIENT_ID = re.compile(r"^[\w.:@/+-]{1,200}$")
_NAME_CLAIMS = ("azp", "client_id", "sub")
_GRANTABLE = {scope.value: scope for scope in Scope if scope is not Scope.PROMOTE}


class TokenRefused(Exception):
    """The token is no valid access token for this service; the message says why."""


class IdentityProviderUnavailable(Exception):
    """The provider's keys could not be read, so no token can be checked now."""


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


class JwtVerifier:
    def __init__(self, settings: AuthSettings, timeout_seconds: float) -> None:
        if not (settings.jwt_jwks_url and settings.jwt_issuer and settings.jwt_audience):
            raise ValueError("LZ_JWT_JWKS_URL needs LZ_JWT_ISSUER and LZ_JWT_AUDIENCE as well")
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.algorithms = list(settings.jwt_algorithms)
        self.leeway = settings.jwt_leeway_seconds
        try:
            self.keys = PyJWKClient(
                settings.jwt_jwks_url,
                cache_jwk_set=True,
                lifespan=settings.jwt_jwks_cache_seconds,
                cooldown_duration=settings.jwt_jwks_cooldown_seconds,
                timeout=timeout_seconds,
            )
        except PyJWKClientError as error:
            raise ValueError(f"LZ_JWT_JWKS_URL: {error}") from None

    def caller(self, token: str) -> Caller:
        """The caller the token names, or TokenRefused / IdentityProviderUnavailable.

        Blocking (the JWKS may be fetched): call it from a worker thread."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRefused("the bearer token is not valid") from None
        # Checked before any key is looked up: `none`, HS256 and the like never get that far.
        if header.get("alg") not in self.algorithms:
            raise TokenRefused("the bearer token is signed with an algorithm that is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRefused("the bearer token names no signing key (kid)")
        try:
            key = self.keys.get_signing_key(kid)
        except (PyJWKClientConnectionError, PyJWKSetError) as error:
            raise IdentityProviderUnavailable(type(error).__name__) from None
        except PyJWKClientError:
            raise TokenRefused(
                "the bearer token is signed by a key the identity provider does not publish"
            ) from None
        claims = self._verified_claims(token, key)
        return Caller(_client_id(claims), _scopes(claims))

    def _verified_claims(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRefused("the bearer token has expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenRefused("the bearer token is not valid yet") from None
        except jwt.InvalidIssuerError:
            raise TokenRefused("the bearer token's issuer is not accepted") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused("the bearer token is not meant for this service") from None
        except jwt.MissingRequiredClaimError as missing:
            raise TokenRefused(f"the bearer token has no {missing.claim} claim") from None
        except jwt.PyJWTError:
            raise TokenRefused("the bearer token is not valid") from None
        return claims


def _client_id(claims: dict[str, Any]) -> str:
    for claim in _NAME_CLAIMS:
        value = claims.get(claim)
        if isinstance(value, str) and _CLIENT_ID.fullmatch(value):
            return value
    raise TokenRefused("the bearer token names no client (azp, client_id or sub)")


def _scopes(claims: dict[str, Any]) -> frozenset[Scope]:
    """`scope` (space-separated) or `scp` (a list, or space-separated); others are ignored."""
    granted: list[str] = []
    for claim in ("scope", "scp"):
        value = claims.get(claim)
        if isinstance(value, str):
            granted += value.split()
        elif isinstance(value, list):
            granted += [item for item in value if isinstance(item, str)]
    return frozenset(_GRANTABLE[name] for name in granted if name in _GRANTABLE)
