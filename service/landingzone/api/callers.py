"""Who is calling: the credential's name and scopes, and the user it acts for, if any.

Authentication (api/auth.py, a middleware in front of every /v1 route) puts a `Caller` on
`request.state.caller` before any route runs; routes declare the scope they need with
`require_scope`, and read the caller with `CallerDep`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from landingzone.api.errors import ApiError
from landingzone.landing_zone.models import OWNER_PATTERN, USER_REF_PATTERN

ON_BEHALF_OF = "x-on-behalf-of"  # the signed-in user's entity reference
ON_BEHALF_OF_GROUPS = "x-on-behalf-of-groups"  # their groups' entity references, comma-separated
MAX_GROUPS = 500


class Scope(StrEnum):
    READ = "landing-zones:read"
    CREATE = "landing-zones:create"  # create and preview
    OPERATE = "landing-zones:operate"  # cancel and retry any landing zone
    RETRY = "landing-zones:retry"  # retry one whose owner group the user acted for is in
    ACT_ON_BEHALF = "act-on-behalf"  # may name the signed-in user and their groups
    UPDATE = "updates:write"  # ask for template updates of one landing zone
    ROLLOUT = "rollouts:write"  # start, pause, resume and cancel fleet rollouts
    AUDIT = "audit:read"
    PROMOTE = "promotions:write"  # a landing zone's pipeline credential, for its own only


@dataclass(frozen=True)
class Principal:
    """The signed-in user a delegating caller (Backstage) acts for, as its catalog knows them."""

    user: str  # user entity reference, `user:default/jane.doe`
    groups: frozenset[str] = field(default_factory=frozenset)  # group entity references

    def member_of(self, group_ref: str) -> bool:
        return group_ref in self.groups


@dataclass(frozen=True)
class Caller:
    name: str  # the credential's configured name (`backstage`) or the JWT's subject
    scopes: frozenset[Scope]
    on_behalf_of: Principal | None = None
    landing_zone_id: str | None = None  # set for a landing zone's promotion credential

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes

    @property
    def actor(self) -> str:
        """How the audit trail names this caller: `backstage` or `backstage for user:…`."""
        if self.on_behalf_of is None:
            return self.name
        return f"{self.name} for {self.on_behalf_of.user}"


def missing_scope(scope: Scope) -> ApiError:
    return ApiError(
        403, ("header", "authorization"), f"this credential lacks the scope {scope}", "forbidden"
    )


def acting_for(caller: Caller, headers: dict[str, str]) -> Caller:
    """`caller` acting for the user the request's on-behalf-of headers name, if any.

    Only a caller holding `act-on-behalf` may name a user; a malformed reference is a 422."""
    user = headers.get(ON_BEHALF_OF)
    groups = headers.get(ON_BEHALF_OF_GROUPS)
    if user is None and groups is None:
        return caller
    if not caller.has(Scope.ACT_ON_BEHALF):
        raise missing_scope(Scope.ACT_ON_BEHALF)
    if user is None or not re.fullmatch(USER_REF_PATTERN, user):
        raise ApiError(
            422,
            ("header", ON_BEHALF_OF),
            "must be a user entity reference such as user:default/jane.doe",
            "value_error",
        )
    refs = [g.strip() for g in (groups or "").split(",") if g.strip()]
    if len(refs) > MAX_GROUPS or not all(
        re.fullmatch(OWNER_PATTERN, g) and g.startswith("group:") for g in refs
    ):
        raise ApiError(
            422,
            ("header", ON_BEHALF_OF_GROUPS),
            f"must be at most {MAX_GROUPS} group entity "
            "references such as group:default/payments, separated by commas",
            "value_error",
        )
    return replace(caller, on_behalf_of=Principal(user, frozenset(refs)))


def current_caller(request: Request) -> Caller:
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None:  # only a route mounted outside the authentication middleware
        raise ApiError(
            401, ("header", "authorization"), "a bearer token is required", "unauthorized"
        )
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]

# Documents the credential in the OpenAPI document; the middleware has already checked it.
api_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiCaller",
    description="A static token of a caller in LZ_API_CALLERS, or an access token from the "
    "identity provider (LZ_JWT_*). Each operation lists the scope it needs.",
)
ApiBearer = Annotated[HTTPAuthorizationCredentials | None, Depends(api_bearer)]


def require_scope(scope: Scope) -> Any:
    """A route dependency: 403 naming `scope` unless the caller holds it."""

    def check(caller: CallerDep, _: ApiBearer) -> Caller:
        if not caller.has(scope):
            raise missing_scope(scope)
        return caller

    return Security(check, scopes=[scope.value])
