"""Bearer-token authentication for the /v1 API."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from landingzone.api.errors import ApiError

_bearer = HTTPBearer(auto_error=False, description="A token from LZ_API_TOKENS.")


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    if credentials is None:
        raise ApiError(
            401, ("header", "authorization"), "a bearer token is required", "unauthorized"
        )
    offered = credentials.credentials.encode()
    tokens = request.app.state.runtime.configuration.settings.api_tokens
    # Compare against every token, so timing does not tell which one nearly matched.
    matches = [hmac.compare_digest(offered, t.get_secret_value().encode()) for t in tokens]
    if not any(matches):
        raise ApiError(
            401, ("header", "authorization"), "the bearer token is not valid", "unauthorized"
        )
    request.state.token_fingerprint = token_fingerprint(credentials.credentials)


def token_fingerprint(token: str) -> str:
    """Names which of the service's tokens was used, without revealing it."""
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()[:16]


def _fingerprint(request: Request) -> str | None:
    fingerprint: str | None = getattr(request.state, "token_fingerprint", None)
    return fingerprint


TokenFingerprint = Annotated[str | None, Depends(_fingerprint)]
