"""The Table API: /api/now/table/{table}[/{sys_id}] (also under /api/now/v2)."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from landingzone_sandbox.servicenow.errors import TableError
from landingzone_sandbox.servicenow.instance import ServiceNowInstance
from landingzone_sandbox.servicenow.render import RenderOptions, render
from landingzone_sandbox.servicenow.store import Record

DEFAULT_LIMIT = 10000


def error_response(status: int, message: str, detail: str | None) -> JSONResponse:
    body = {"error": {"message": message, "detail": detail}, "status": "failure"}
    headers = {"WWW-Authenticate": 'BASIC realm="Service-now"'} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handler(app: FastAPI) -> None:
    async def handle(request: Request, error: Exception) -> Response:
        assert isinstance(error, TableError)
        return error_response(error.status, error.message, error.detail)

    app.add_exception_handler(TableError, handle)


def _instance(request: Request) -> ServiceNowInstance:
    instance: ServiceNowInstance = request.app.state.servicenow
    return instance


def _authenticated_user(request: Request) -> str:
    users: Mapping[str, str] = _instance(request).settings.users
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        expected = users.get(user)
        if expected is not None and hmac.compare_digest(expected.encode(), password.encode()):
            return user
    raise TableError(401, "User Not Authenticated", "Required to provide Auth information")


Instance = Annotated[ServiceNowInstance, Depends(_instance)]
User = Annotated[str, Depends(_authenticated_user)]


def param(request: Request, name: str, default: str = "") -> str:
    return request.query_params.get(name, default) or default


def int_param(request: Request, name: str, default: int) -> int:
    try:
        return max(0, int(param(request, name, str(default))))
    except ValueError:
        return default


def _options(request: Request) -> RenderOptions:
    return RenderOptions.parse(
        param(request, "sysparm_fields"),
        param(request, "sysparm_display_value", "false"),
        param(request, "sysparm_exclude_reference_link", "false"),
    )


async def read_payload(request: Request) -> dict[str, object]:
    raw = await request.body()
    try:
        payload = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise TableError(400, "Exception while reading request", str(error)) from error
    if not isinstance(payload, dict):
        raise TableError(400, "Exception while reading request", "The payload is not valid JSON.")
    return payload


def _one(instance: ServiceNowInstance, table: str, record: Record, request: Request) -> object:
    return {"result": render(instance, table, record, _options(request))}


def _links(request: Request, table: str, total: int, limit: int, offset: int) -> str:
    base = f"{_instance(request).settings.public_url}{request.url.path}"
    params = dict(request.query_params)

    def link(rel: str, at: int) -> str:
        return f'<{base}?{urlencode(params | {"sysparm_offset": str(at)})}>;rel="{rel}"'

    parts = [link("first", 0)]
    if offset > 0:
        parts.append(link("prev", max(0, offset - limit)))
    if limit and offset + limit < total:
        parts.append(link("next", offset + limit))
    parts.append(link("last", max(0, ((total - 1) // limit) * limit) if limit and total else 0))
    return ",".join(parts)


router = APIRouter()


def _routes(prefix: str) -> None:
    @router.get(prefix + "/{table}")
    async def list_records(
        table: str, request: Request, instance: Instance, user: User
    ) -> Response:
        limit = int_param(request, "sysparm_limit", DEFAULT_LIMIT)
        offset = int_param(request, "sysparm_offset", 0)
        query = param(request, "sysparm_query")
        rows, total = await run_in_threadpool(instance.query, table, query, limit, offset)
        options = _options(request)
        result = [render(instance, table, row, options) for row in rows]
        headers = {
            "X-Total-Count": str(total),
            "Link": _links(request, table, total, limit, offset),
        }
        return JSONResponse({"result": result}, headers=headers)

    @router.get(prefix + "/{table}/{sys_id}")
    async def read_record(
        table: str, sys_id: str, request: Request, instance: Instance, user: User
    ) -> object:
        record = await run_in_threadpool(instance.get, table, sys_id)
        return _one(instance, table, record, request)

    @router.post(prefix + "/{table}", status_code=201)
    async def create_record(
        table: str, request: Request, instance: Instance, user: User
    ) -> Response:
        payload = await read_payload(request)
        record = await run_in_threadpool(instance.insert, table, payload, user)
        location = f"{instance.settings.public_url}/api/now/table/{table}/{record['sys_id']}"
        return JSONResponse(
            _one(instance, table, record, request), status_code=201, headers={"Location": location}
        )

    @router.api_route(prefix + "/{table}/{sys_id}", methods=["PUT", "PATCH"])
    async def update_record(
        table: str, sys_id: str, request: Request, instance: Instance, user: User
    ) -> object:
        payload = await read_payload(request)
        record = await run_in_threadpool(instance.update, table, sys_id, payload, user)
        return _one(instance, table, record, request)

    @router.delete(prefix + "/{table}/{sys_id}", status_code=204)
    async def delete_record(table: str, sys_id: str, instance: Instance, user: User) -> Response:
        await run_in_threadpool(instance.delete, table, sys_id)
        return Response(status_code=204)


_routes("/api/now/table")
_routes("/api/now/v2/table")
