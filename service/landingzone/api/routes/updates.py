"""/v1/landing-zones/{id}/updates: bring a landing zone to a newer template version through a
pull request, and follow its updates."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from landingzone.api.auditing import audit
from landingzone.api.callers import Caller, CallerDep, Scope, require_scope
from landingzone.api.deps import RuntimeDep
from landingzone.api.entitlements import not_a_member
from landingzone.api.errors import ApiError
from landingzone.api.responses import READ, WRITE, errors
from landingzone.audit.models import Action, Outcome
from landingzone.landing_zone.runtime import Runtime
from landingzone.updates.models import UpdatePage, UpdateRequest, UpdateView
from landingzone.updates.service import UpdateRefused, list_updates, request_update

router = APIRouter(prefix="/v1", tags=["template updates"])


def _refused(error: UpdateRefused) -> ApiError:
    kind = {404: "not_found", 409: "conflict"}.get(error.status, "value_error")
    return ApiError(error.status, error.field, error.message, kind)


def _check_member(runtime: Runtime, caller: Caller, landing_zone_id: str) -> None:
    """A delegating caller asks for a user who is a member of the landing zone's owner group."""
    record = runtime.store.get(landing_zone_id)
    rule = None if record is None else not_a_member(caller, record)
    if record is not None and rule is not None:
        audit(runtime, caller, Action.UPDATE_REQUESTED, Outcome.REFUSED, record.id, {"rule": rule})
        raise ApiError(403, ("path", "id"), rule, "forbidden")


@router.post(
    "/landing-zones/{landing_zone_id}/updates",
    status_code=202,
    response_model=UpdateView,
    responses={
        **errors(*WRITE, 404, 409),
        200: {"model": UpdateView, "description": "Already current, or the same update under way."},
    },
    dependencies=[require_scope(Scope.UPDATE)],
)
def create_update(
    landing_zone_id: str,
    runtime: RuntimeDep,
    caller: CallerDep,
    response: Response,
    body: UpdateRequest | None = None,
) -> UpdateView:
    """Open a pull request that brings the repository to `version` (default: the latest).

    `202` with the update when one was started; `200` with `status: current` when the landing
    zone is already at that version (nothing is opened), or with the update already under way.
    """
    _check_member(runtime, caller, landing_zone_id)
    try:
        update, started = request_update(
            runtime, landing_zone_id, (body or UpdateRequest()).version
        )
    except UpdateRefused as error:
        raise _refused(error) from error
    if started:
        detail = {"update_id": update.id, "from": update.from_version, "to": update.to_version}
        audit(runtime, caller, Action.UPDATE_REQUESTED, Outcome.ACCEPTED, landing_zone_id, detail)
    response.headers["Location"] = f"/v1/landing-zones/{landing_zone_id}/updates"
    if not started:
        response.status_code = 200
    return update


@router.get(
    "/landing-zones/{landing_zone_id}/updates",
    response_model=UpdatePage,
    dependencies=[require_scope(Scope.READ)],
    responses=errors(*READ, 404),
)
async def get_updates(landing_zone_id: str, runtime: RuntimeDep) -> UpdatePage:
    """Newest first, with each pull request's state as Bitbucket reads it now."""
    try:
        items = await run_in_threadpool(list_updates, runtime, landing_zone_id)
    except UpdateRefused as error:
        raise _refused(error) from error
    return UpdatePage(items=items)
