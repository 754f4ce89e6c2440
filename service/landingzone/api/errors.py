"""One error shape for every 4xx: `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`."""

from __future__ import annotations

import json
import logging
import re
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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """`text` with each lone surrogate (which no encoding can carry) written as `\\udfff`."""
    return _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _encodable(value: Any) -> Any:
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return {encodable(str(k)): _encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(item) for item in value]
    return value


class ProblemResponse(JSONResponse):
    """An error document; rendering it never fails, whatever the request held."""

    def render(self, content: Any) -> bytes:
        return json.dumps(_encodable(content), ensure_ascii=False, allow_nan=False).encode()


def problem_response(
    status: int, detail: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> JSONResponse:
    return ProblemResponse({"detail": detail}, status_code=status, headers=headers)


def _at_the_key(errors: Sequence[Any], body: Any) -> list[Any]:
    """A mapping refused for a key no encoding can carry names that key, not the mapping."""
    named: list[Any] = []
    for error in errors:
        loc = list(error.get("loc", ()))
        found = _part(body, loc) if error.get("type") == "string_unicode" else None
        keys = (
            [k for k in found if _LONE_SURROGATE.search(str(k))] if isinstance(found, dict) else []
        )
        named += [{**error, "loc": (*loc, key)} for key in keys] or [error]
    return named


def _part(body: Any, loc: list[Any]) -> Any:
    """What `loc` (`["body", "parameters"]`) points at in the request body, if anything."""
    if loc[:1] != ["body"]:
        return None
    found = body
    for part in loc[1:]:
        found = found.get(part) if isinstance(found, dict) else None
    return found


def _plain(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Keep where and why; drop the echoed input, which may be huge or hostile."""
    plain = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        message = str(error.get("msg", "invalid value"))
        if error.get("type") == "string_unicode":
            message = "holds a lone surrogate or bytes that are not UTF-8 text"
        if error.get("type") == "string_pattern_mismatch":
            pattern = str((error.get("ctx") or {}).get("pattern", ""))
            message = PATTERN_WORDS.get(pattern, "is not in the expected form")
        plain.append({"loc": loc, "msg": message, "type": str(error.get("type", "value_error"))})
    return plain


# What FastAPI says of a body it cannot decode (bytes that are not UTF-8, nesting deeper than
# the parser goes): the body is the field, and the answer a 422 like any other bad body.
UNREADABLE_BODY = "There was an error parsing the body"
UNREADABLE = {
    "loc": ["body"],
    "msg": "is not a JSON document of UTF-8 text within the parser's nesting depth",
    "type": "json_invalid",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        return problem_response(422, _plain(_at_the_key(error.errors(), error.body)))

    @app.exception_handler(ApiError)
    async def _api(_: Request, error: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return problem_response(error.status, error.detail, headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and error.detail == UNREADABLE_BODY:
            return problem_response(422, [UNREADABLE])
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
