"""Bitbucket's JSON media type and its error envelope.

`{"errors":[{"context":…,"message":…,"exceptionName":…}]}`
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

JSON_MEDIA_TYPE = "application/json;charset=UTF-8"
AUTH_REALM = 'Basic realm="Atlassian Bitbucket"'


class BitbucketJSONResponse(Response):
    media_type = JSON_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class ApiError(Exception):
    """Raised by handlers; rendered as Bitbucket renders its errors."""

    def __init__(
        self,
        status: int,
        message: str,
        exception_name: str | None = None,
        context: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.exception_name = exception_name
        self.context = context
        # Fields Bitbucket adds to some errors, e.g. a duplicate's `existingPullRequest`.
        self.extra: dict[str, Any] = {}


def not_found(message: str, exception: str) -> ApiError:
    return ApiError(404, message, f"com.atlassian.bitbucket.{exception}")


def bad_request(message: str, context: str | None = None) -> ApiError:
    return ApiError(
        400, message, "com.atlassian.bitbucket.validation.ArgumentValidationException", context
    )


def error_body(message: str, exception_name: str | None, context: str | None) -> dict[str, Any]:
    return {"errors": [{"context": context, "message": message, "exceptionName": exception_name}]}


def error_response(error: ApiError) -> BitbucketJSONResponse:
    headers = {"WWW-Authenticate": AUTH_REALM} if error.status == 401 else None
    body = error_body(error.message, error.exception_name, error.context)
    body["errors"][0].update(error.extra)
    return BitbucketJSONResponse(
        body,
        status_code=error.status,
        headers=headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc)

    async def on_http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(ApiError(exc.status_code, str(exc.detail)))

    async def on_validation_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        location = first.get("loc", ())
        context = str(location[-1]) if location else None
        return error_response(bad_request(str(first.get("msg", "Invalid request")), context))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
