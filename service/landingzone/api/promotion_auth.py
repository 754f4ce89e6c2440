"""Who may ask for, report on and read promotions.

A landing zone's promotion credential (the secret its promote pipeline holds) is the caller
`pipeline:<landing zone id>` with `promotions:write`: it asks for and reports on that landing
zone's promotions only, and is accepted nowhere else in the API (api/auth.py). API callers
with `landing-zones:read` read every promotion but ask for none: a deployment is asked for by
the pipeline that built and scanned the image.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from landingzone.api.callers import Caller, CallerDep, Scope, api_bearer, missing_scope
from landingzone.api.errors import ApiError

_pipeline_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="PromotionCredential",
    description="The landing zone's promotion credential (Jenkins secret text in its folder); "
    "an API caller with landing-zones:read reads promotions.",
)


PipelineBearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_pipeline_bearer)]


def _asking(caller: CallerDep, _pipeline: PipelineBearer) -> Caller:
    return caller


def _reading(
    caller: CallerDep,
    _pipeline: PipelineBearer,
    _api: Annotated[
        HTTPAuthorizationCredentials | None, Security(api_bearer, scopes=[Scope.READ.value])
    ],
) -> Caller:
    return caller


# The OpenAPI document names who may call: the pipeline asks and reports; both may read.
PromotionWriter = Annotated[Caller, Depends(_asking)]
PromotionReader = Annotated[Caller, Depends(_reading)]


def authorize(caller: Caller, landing_zone_id: str | None, *, write: bool) -> None:
    """Let the caller act on `landing_zone_id`'s promotions, or raise 403.

    `landing_zone_id` None (nothing found to act on): any valid caller may hear so."""
    if caller.landing_zone_id is not None:
        if landing_zone_id is not None and landing_zone_id != caller.landing_zone_id:
            raise ApiError(
                403,
                ("header", "authorization"),
                "this promotion credential belongs to another landing zone",
                "forbidden",
            )
        if write and not caller.has(Scope.PROMOTE):
            raise missing_scope(Scope.PROMOTE)
        return
    if write:
        if landing_zone_id is not None:
            raise ApiError(
                403,
                ("header", "authorization"),
                "promotions are asked for and reported with the landing zone's promotion "
                "credential, not an API token",
                "forbidden",
            )
        return
    if not caller.has(Scope.READ):
        raise missing_scope(Scope.READ)
