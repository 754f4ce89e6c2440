"""/v1/classes/{class}/rollouts, /v1/rollouts and /v1/drift: roll a template version out over
a class's landing zones in waves, steer and follow it, and see who is behind."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from landingzone.api.auditing import audit
from landingzone.api.callers import CallerDep, Scope, require_scope
from landingzone.api.deps import RuntimeDep
from landingzone.api.errors import ApiError
from landingzone.api.responses import READ, WRITE, errors
from landingzone.audit.models import Action as AuditAction
from landingzone.audit.models import Outcome
from landingzone.landing_zone.models import CLASS_PATTERN, TENANT_PATTERN
from landingzone.updates.drift import drift_report
from landingzone.updates.rollout_models import (
    DriftReport,
    RolloutPage,
    RolloutRequest,
    RolloutView,
)
from landingzone.updates.rollouts import Action, list_rollouts, rollout_view, start_rollout, steer
from landingzone.updates.service import UpdateRefused

router = APIRouter(prefix="/v1", tags=["rollouts"])
ClassPath = Annotated[str, Path(alias="class", pattern=CLASS_PATTERN)]
STEERED = {
    "pause": AuditAction.ROLLOUT_PAUSED,
    "resume": AuditAction.ROLLOUT_RESUMED,
    "cancel": AuditAction.ROLLOUT_CANCELLED,
}


def _refused(error: UpdateRefused) -> ApiError:
    kind = {404: "not_found", 409: "conflict"}.get(error.status, "value_error")
    return ApiError(error.status, error.field, error.message, kind)


@router.post(
    "/classes/{class}/rollouts",
    status_code=202,
    response_model=RolloutView,
    response_model_by_alias=True,
    dependencies=[require_scope(Scope.ROLLOUT)],
    responses=errors(*WRITE, 404, 409),
)
def create_rollout(
    class_id: ClassPath,
    runtime: RuntimeDep,
    caller: CallerDep,
    response: Response,
    body: RolloutRequest | None = None,
) -> RolloutView:
    """Roll `version` (default: the latest) out over the class's completed landing zones that
    the selection names and that are behind it, `wave_size` at a time."""
    request = body or RolloutRequest()
    try:
        view = start_rollout(runtime, class_id, request)
    except UpdateRefused as error:
        raise _refused(error) from error
    detail = {
        "rollout_id": view.id,
        "class": class_id,
        "version": view.to_version,
        "selection": request.selection.model_dump(mode="json"),
    }
    audit(runtime, caller, AuditAction.ROLLOUT_STARTED, Outcome.ACCEPTED, detail=detail)
    response.headers["Location"] = f"/v1/rollouts/{view.id}"
    return view


@router.get(
    "/rollouts",
    response_model=RolloutPage,
    response_model_by_alias=True,
    dependencies=[require_scope(Scope.READ)],
    responses=errors(*READ),
)
def get_rollouts(
    runtime: RuntimeDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> RolloutPage:
    """Newest first."""
    return RolloutPage(items=list_rollouts(runtime, limit))


@router.get(
    "/rollouts/{rollout_id}",
    response_model=RolloutView,
    response_model_by_alias=True,
    dependencies=[require_scope(Scope.READ)],
    responses=errors(*READ, 404),
)
def get_rollout(rollout_id: str, runtime: RuntimeDep) -> RolloutView:
    """Its status, and each wave's landing zones with their pull request's state."""
    try:
        return rollout_view(runtime, rollout_id)
    except UpdateRefused as error:
        raise _refused(error) from error


@router.post(
    "/rollouts/{rollout_id}/{action}",
    response_model=RolloutView,
    response_model_by_alias=True,
    dependencies=[require_scope(Scope.ROLLOUT)],
    responses=errors(*WRITE, 404, 409),
)
def steer_rollout(
    rollout_id: str, action: Action, runtime: RuntimeDep, caller: CallerDep
) -> RolloutView:
    """`pause` (no further update starts), `resume`, or `cancel` (nothing more starts; pull
    requests already opened stay open). `409` when the rollout's status does not allow it."""
    detail: dict[str, object] = {"rollout_id": rollout_id}
    try:
        view = steer(runtime, rollout_id, action)
    except UpdateRefused as error:
        if error.status == 409:
            refused = {**detail, "reason": error.message}
            audit(runtime, caller, STEERED[action], Outcome.REFUSED, detail=refused)
        raise _refused(error) from error
    audit(runtime, caller, STEERED[action], Outcome.ACCEPTED, detail=detail)
    return view


@router.get(
    "/drift",
    response_model=DriftReport,
    response_model_by_alias=True,
    dependencies=[require_scope(Scope.READ)],
    responses=errors(*READ),
)
def get_drift(
    runtime: RuntimeDep,
    class_id: Annotated[str | None, Query(alias="class", pattern=CLASS_PATTERN)] = None,
    tenant: Annotated[str | None, Query(pattern=TENANT_PATTERN)] = None,
) -> DriftReport:
    """Landing zones behind their class's latest template version, per class and tenant."""
    return drift_report(runtime, class_id, tenant)
