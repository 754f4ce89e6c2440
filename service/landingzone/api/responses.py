"""The error document every 4xx and 503 answers with, and the statuses each route declares.

`errors(...)` is a route's `responses`: each status with the one error shape, so clients
generated from the OpenAPI document handle every answer the route can give.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    loc: list[str] = Field(
        description="Where: `body`, `query`, `path` or `header`, then the field's path.",
        examples=[["body", "name"]],
    )
    msg: str = Field(description="Why, in words; never the value sent.")
    type: str = Field(examples=["value_error", "conflict", "not_found", "unauthorized"])


class ErrorDocument(BaseModel):
    detail: list[Problem]


WHY: dict[int, str] = {
    401: "No credential, or one that is not valid.",
    403: "The credential may not do this; the answer names the missing scope or the rule.",
    404: "Nothing with this id.",
    409: "The request conflicts with the current state (a name in use, a status that does not "
    "allow it, an idempotency key used for another body).",
    413: "The request body is larger than the service accepts.",
    422: "A field is missing, malformed or refused; each problem names it.",
    429: "Too many requests from this caller; `Retry-After` says when to try again.",
    503: "The service's database is unavailable; `Retry-After` says when to try again.",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
_AUTHENTICATE = {"WWW-Authenticate": {"description": "`Bearer`.", "schema": {"type": "string"}}}

# The statuses any route of the API can answer, and those that come with a body or a write.
ANY_ROUTE = (401, 403, 422, 503)
READ = ANY_ROUTE
WRITE = (*ANY_ROUTE, 413, 429)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses` declaring each status with the error document."""
    declared: dict[int | str, dict[str, Any]] = {}
    for status in sorted(set(statuses)):
        entry: dict[str, Any] = {"model": ErrorDocument, "description": WHY[status]}
        if status in (429, 503):
            entry["headers"] = _RETRY_AFTER
        if status == 401:
            entry["headers"] = _AUTHENTICATE
        declared[status] = entry
    return declared
