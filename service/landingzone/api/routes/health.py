"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from landingzone.api.deps import StoreDep
from landingzone.api.errors import ApiError
from landingzone.api.responses import errors

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses=errors(503))
def readyz(store: StoreDep) -> dict[str, str]:
    try:
        with store.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        raise ApiError(503, ("database",), "database unreachable", "unavailable") from error
    return {"status": "ready"}


@router.get("/metrics", response_class=Response, responses=errors(503))
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
