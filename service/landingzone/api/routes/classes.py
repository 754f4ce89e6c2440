"""/v1/classes: the project classes developers can pick, with their parameters."""

from __future__ import annotations

from fastapi import APIRouter

from landingzone.api.callers import Scope, require_scope
from landingzone.api.deps import RuntimeDep
from landingzone.api.responses import READ, errors
from landingzone.landing_zone.models import ClassList, ClassView

router = APIRouter(prefix="/v1", tags=["classes"])


@router.get(
    "/classes",
    response_model=ClassList,
    dependencies=[require_scope(Scope.READ)],
    responses=errors(*READ),
)
def list_classes(runtime: RuntimeDep) -> ClassList:
    return ClassList(
        classes=[
            ClassView(
                id=c.id,
                title=c.title,
                description=c.description,
                parameters=c.parameters_schema,
                version=c.version or None,
            )
            for c in sorted(runtime.classes.values(), key=lambda c: c.id)
        ]
    )
