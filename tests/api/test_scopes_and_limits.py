"""Each scope guards the routes that name it; each caller's POSTs are counted in its own bucket."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from landingzone.api.auth import Authenticator, Refusal
from landingzone.api.auth_settings import AuthSettings
from landingzone.api.callers import Caller, Scope, require_scope
from landingzone.api.errors import install_error_handlers
from landingzone.api.rate_limit import PostBuckets
from landingzone.config import Settings


def app_for(caller: Caller) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.middleware("http")
    async def authenticated(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.caller = caller  # as api/auth.py's middleware does
        return await call_next(request)

    for scope in Scope:
        app.add_api_route(
            f"/{scope.value}", lambda: {"ok": True}, dependencies=[require_scope(scope)]
        )
    return app


@pytest.mark.parametrize("scope", list(Scope))
def test_every_scope_is_required_by_its_routes_and_named_when_missing(scope: Scope) -> None:
    others = frozenset(Scope) - {scope}
    refused = TestClient(app_for(Caller("other", others))).get(f"/{scope.value}")
    assert refused.status_code == 403
    assert refused.json()["detail"][0]["msg"] == f"this credential lacks the scope {scope}"
    allowed = TestClient(app_for(Caller("holder", frozenset({scope})))).get(f"/{scope.value}")
    assert allowed.status_code == 200


def test_a_bucket_refills_continuously_and_says_how_long_to_wait() -> None:
    now = [0.0]
    buckets = PostBuckets(clock=lambda: now[0])
    assert [buckets.take("ci", 60) for _ in range(60)] == [None] * 60
    assert buckets.take("ci", 60) == 1
    assert buckets.take("backstage", 60) is None  # a bucket per caller
    now[0] += 1.0
    assert buckets.take("ci", 60) is None
    assert buckets.take("ci", 60) == 1


def test_the_default_limit_applies_unless_the_caller_has_its_own() -> None:
    auth = AuthSettings(
        rate_limit_posts_per_minute=2,
        api_callers={
            "ci": {"scopes": ["landing-zones:create"], "tokens": ["sha256:" + "1" * 64]},
            "batch": {
                "scopes": ["landing-zones:create"],
                "tokens": ["sha256:" + "2" * 64],
                "posts_per_minute": 1,
            },
        },
    )
    authenticator = Authenticator(Settings(auth=auth))
    for name, allowed in (("ci", 2), ("batch", 1)):
        caller = Caller(name, frozenset({Scope.CREATE}))
        for _ in range(allowed):
            authenticator.admit_post(caller)
        with pytest.raises(Refusal) as refused:
            authenticator.admit_post(caller)
        assert refused.value.error.status == 429
        assert f"at most {allowed} POST requests a minute" in refused.value.error.detail[0]["msg"]
