"""Request bodies are read as one JSON document whose every object names each key once.

A JSON parser keeps the last of two equal keys, another parser in front of the service (a
gateway, a log pipeline) may keep the first: a body with a repeated key could mean one thing to
a reviewer and another to us. Such a body is a 422 naming the key.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from landingzone.api.errors import ApiError

_WRITES = frozenset({"POST", "PUT", "PATCH"})


class _Object(dict[str, Any]):
    repeated: list[str]


def _keep_repeats(pairs: list[tuple[str, Any]]) -> _Object:
    found = _Object(pairs)
    seen: set[str] = set()
    found.repeated = []
    for key, _ in pairs:
        if key in seen:
            found.repeated.append(key)
        seen.add(key)
    return found


def repeated_keys(document: bytes) -> list[tuple[str, ...]]:
    """Where a key appears twice in one object of `document`, as paths ending with that key.

    ValueError (RecursionError included) when `document` is not JSON at all."""
    value = json.loads(document, object_pairs_hook=_keep_repeats)
    found: list[tuple[str, ...]] = []
    pending: list[tuple[tuple[str, ...], Any]] = [((), value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, _Object):
            found += [(*path, key) for key in item.repeated]
            pending += [((*path, key), child) for key, child in item.items()]
        elif isinstance(item, list):
            pending += [((*path, str(index)), child) for index, child in enumerate(item)]
    return sorted(set(found))


def refuse_repeated_keys(document: bytes) -> None:
    """ApiError 422 naming each repeated key of `document`; nothing when it is not JSON."""
    try:
        repeated = repeated_keys(document)
    except (ValueError, RecursionError):
        return  # what is not JSON at all is refused by whatever reads it
    if repeated:
        error = ApiError(422, ("body",), "a key appears twice", "duplicate_key")
        error.detail = [
            {"loc": ["body", *path], "msg": "appears more than once", "type": "duplicate_key"}
            for path in repeated
        ]
        raise error


async def _unique_keys(request: Request) -> None:
    if request.method in _WRITES:
        body = await request.body()
        if body:
            refuse_repeated_keys(body)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


unique_keys = Depends(_unique_keys)  # for routes whose caller is known before they run
# The body as sent, for a route that checks its caller itself before `refuse_repeated_keys`.
RawBody = Annotated[bytes, Depends(_raw_body)]
