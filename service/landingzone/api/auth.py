"""Authentication of every /v1 request, before routing, body parsing or size checks.

An ASGI middleware in front of the app finds the caller a bearer credential names: a static
caller (by its token's hash, LZ_API_CALLERS), an access token from the identity provider
(LZ_JWT_*), or, on the promotion routes only, a landing zone's promotion credential. It puts
the `Caller` on `request.state.caller`; each route then asks for its scope (`require_scope`).
Without a valid credential the answer is a 401, whatever the method, path or body.
"""

from __future__ import annotations

import hmac
import re

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from landingzone.api.auth_settings import hash_token
from landingzone.api.callers import Caller, acting_for
from landingzone.api.callers import Scope as CallerScope
from landingzone.api.errors import DATABASE_RETRY_AFTER_S, ApiError, problem_response
from landingzone.api.jwt_tokens import (
    IdentityProviderUnavailable,
    JwtVerifier,
    TokenRefused,
    looks_like_jwt,
)
from landingzone.api.rate_limit import PostBuckets
from landingzone.config import Settings
from landingzone.landing_zone.runtime import Runtime

# ServiceNow's decision callback carries its own signature (api/routes/approvals.py).
SIGNED_ELSEWHERE = frozenset({"/v1/approvals/servicenow"})
PROMOTION_PATH = re.compile(
    r"^/v1/(?:landing-zones/[^/]+/promotions|promotions/[^/]+(?:/outcome)?)/?$"
)
MAX_TOKEN_CHARS = 16 * 1024
PIPELINE_PREFIX = "pipeline:"
IDP_RETRY_AFTER_S = 5


def missing_token() -> ApiError:
    return ApiError(401, ("header", "authorization"), "a bearer token is required", "unauthorized")


def invalid_token(reason: str = "the bearer token is not valid") -> ApiError:
    return ApiError(401, ("header", "authorization"), reason, "unauthorized")


class Refusal(Exception):
    """An answer that stops the request at the door, with its headers."""

    def __init__(self, error: ApiError, headers: dict[str, str]) -> None:
        super().__init__(str(error))
        self.error = error
        self.headers = headers


def _unavailable(what: str, retry_after: int) -> Refusal:
    error = ApiError(503, ("header", "authorization"), f"{what}; try again", "unavailable")
    return Refusal(error, {"Retry-After": str(retry_after)})


class Authenticator:
    """The callers this deployment knows, and how often each may POST."""

    def __init__(self, settings: Settings) -> None:
        auth = settings.auth
        table = auth.static_callers(development=settings.environment == "development")
        self._static = [
            (token.encode(), Caller(name, frozenset(caller.scopes)))
            for name, caller in table.items()
            for token in caller.tokens
        ]
        self._limits = {
            name: caller.posts_per_minute
            for name, caller in table.items()
            if caller.posts_per_minute is not None
        }
        self.posts_per_minute = auth.rate_limit_posts_per_minute
        self.jwt = JwtVerifier(auth, settings.call_timeout_seconds) if auth.jwt_enabled else None
        self.buckets = PostBuckets()

    def static_caller(self, token: str) -> Caller | None:
        offered = hash_token(token).encode()
        found = None
        for expected, caller in self._static:  # every hash, so timing tells nothing
            if hmac.compare_digest(offered, expected):
                found = caller
        return found

    async def caller(self, token: str, path: str, runtime: Runtime) -> Caller:
        """The caller `token` names on `path`, or a Refusal (401, or 503 while the identity
        provider or the database cannot be read)."""
        found = self.static_caller(token)
        if found is not None:
            return found
        if self.jwt is not None and looks_like_jwt(token):
            return await run_in_threadpool(self._jwt_caller, self.jwt, token)
        if PROMOTION_PATH.fullmatch(path):
            holder = await run_in_threadpool(_promotion_holder, runtime, token)
            if holder is not None:
                scopes = frozenset({CallerScope.PROMOTE})
                return Caller(f"{PIPELINE_PREFIX}{holder}", scopes, landing_zone_id=holder)
        raise Refusal(invalid_token(), {})

    @staticmethod
    def _jwt_caller(verifier: JwtVerifier, token: str) -> Caller:
        try:
            return verifier.caller(token)
        except TokenRefused as refused:
            raise Refusal(invalid_token(str(refused)), {}) from None
        except IdentityProviderUnavailable:
            raise _unavailable(
                "the identity provider's signing keys could not be read", IDP_RETRY_AFTER_S
            ) from None

    def admit_post(self, caller: Caller) -> None:
        limit = self._limits.get(caller.name, self.posts_per_minute)
        wait = self.buckets.take(caller.name, limit)
        if wait is None:
            return
        message = (
            f"this caller may send at most {limit} POST requests a minute "
            f"(LZ_RATE_LIMIT_POSTS_PER_MINUTE, per replica); try again in {wait} s"
        )
        error = ApiError(429, ("header", "authorization"), message, "rate_limited")
        raise Refusal(error, {"Retry-After": str(wait)})


def _promotion_holder(runtime: Runtime, token: str) -> str | None:
    try:
        return runtime.store.credentials.holder(token)
    except (sa.exc.OperationalError, sa.exc.TimeoutError):
        raise _unavailable("the database is unavailable", DATABASE_RETRY_AFTER_S) from None


def route_path(scope: Scope) -> str:
    """The path the router matches: without the prefix a proxy mounts the service under."""
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def guarded(path: str) -> bool:
    return (path == "/v1" or path.startswith("/v1/")) and path not in SIGNED_ELSEWHERE


def bearer_token(headers: dict[str, str]) -> str:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Refusal(missing_token(), {})
    if len(token) > MAX_TOKEN_CHARS or " " in token:
        raise Refusal(invalid_token(), {})
    return token


class Authentication:
    """The ASGI middleware: a Caller on the request's state, or a refusal before anything."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope)
        if scope["type"] != "http" or not guarded(path):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            runtime: Runtime = scope["app"].state.runtime
            caller = await self.authenticator.caller(bearer_token(headers), path, runtime)
            caller = acting_for(caller, headers)
            if scope["method"] == "POST":
                self.authenticator.admit_post(caller)
        except ApiError as error:
            await _refuse(Refusal(error, {}), scope, receive, send)
            return
        except Refusal as refusal:
            await _refuse(refusal, scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)


async def _refuse(refusal: Refusal, scope: Scope, receive: Receive, send: Send) -> None:
    headers = dict(refusal.headers)
    if refusal.error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    response = problem_response(refusal.error.status, refusal.error.detail, headers)
    await response(scope, receive, send)
