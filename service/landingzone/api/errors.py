"""One error shape for every 4xx: `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from landingzone.landing_zone.models import PATTERN_WORDS


class ApiError(Exception):
    def __init__(self, status: int, loc: Sequence[str], msg: str, kind: str) -> None:
        super().__init__(msg)
        self.status = status
        self.detail = [{"loc": list(loc), "msg": msg, "type": kind}]


def not_found(what: str) -> ApiError:
    return ApiError(404, ("path", "id"), f"no {what} with this id", "not_found")


def problem_response(
    status: int, detail: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _plain(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Keep where and why; drop the echoed input, which may be huge or hostile."""
    plain = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        message = str(error.get("msg", "invalid value"))
        if error.get("type") == "string_pattern_mismatch":
            pattern = str((error.get("ctx") or {}).get("pattern", ""))
            message = PATTERN_WORDS.get(pattern, "is not in the expected form")
        plain.append({"loc": loc, "msg": message, "type": str(error.get("type", "value_error"))})
    return plain


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        return problem_response(422, _plain(error.errors()))

    @app.exception_handler(ApiError)
    async def _api(_: Request, error: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return problem_response(error.status, error.detail, headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = [{"loc": ["request"], "msg": str(error.detail), "type": "http_error"}]
        return problem_response(error.status_code, detail, dict(error.headers or {}))


DATABASE_RETRY_AFTER_S = 5
_log = logging.getLogger("landingzone.api")


def install_database_unavailable_handler(app: FastAPI) -> None:
    """Our own database down or out of connections is an outage to wait out: 503, not 500."""

    async def _unavailable(_: Request, error: Exception) -> JSONResponse:
        # The driver's message may name the database host; the type is enough for the log.
        _log.warning("database unavailable: %s", type(error).__name__)
        detail = [
            {"loc": [], "msg": "the database is unavailable; try again", "type": "unavailable"}
        ]
        return problem_response(503, detail, {"Retry-After": str(DATABASE_RETRY_AFTER_S)})

    for kind in (sa_exc.OperationalError, sa_exc.TimeoutError):
        app.add_exception_handler(kind, _unavailable)
