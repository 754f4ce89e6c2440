"""The Service Catalog API: /api/sn_sc/servicecatalog/items (also under /api/sn_sc/v1)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from landingzone_sandbox.servicenow import schema, variables
from landingzone_sandbox.servicenow.api import (
    DEFAULT_LIMIT,
    Instance,
    User,
    int_param,
    param,
    read_payload,
)
from landingzone_sandbox.servicenow.errors import TableError
from landingzone_sandbox.servicenow.instance import ServiceNowInstance
from landingzone_sandbox.servicenow.ordering import order_now
from landingzone_sandbox.servicenow.store import Record

# The base system's "Service Catalog" catalog, which every item of the sandbox belongs to.
SERVICE_CATALOG = {"sys_id": "e0d08b13c3330100c8b837659bba8fb4", "title": "Service Catalog"}


def _summary(item: Record) -> dict[str, object]:
    return {
        "sys_id": item["sys_id"],
        "name": item.get("name", ""),
        "short_description": item.get("short_description", ""),
        "description": item.get("description", ""),
        "type": "catalog_item",
        "sys_class_name": item.get("sys_class_name", "sc_cat_item"),
        "kb_article": "",
        "icon": "",
        "picture": "",
        "url": "",
        "content_type": "",
        "show_price": False,
        "show_quantity": True,
        "catalogs": [SERVICE_CATALOG],
        "order": 0,
    }


def _variable(question: Record) -> dict[str, object]:
    shown: dict[str, object] = {
        "active": True,
        "id": question["sys_id"],
        "name": question.get("name", ""),
        "label": question.get("question_text", ""),
        "type": _number(question.get("type", ""), int(schema.SINGLE_LINE_TEXT)),
        "mandatory": question.get("mandatory") == "true",
        "read_only": False,
        "render_label": True,
        "help_text": question.get("help_text", ""),
        "value": question.get("default_value", ""),
        "displayvalue": question.get("default_value", ""),
        "order": _number(question.get("order", ""), 0),
    }
    if question.get("type") == schema.REFERENCE:
        shown |= {"reference": question.get("reference", ""), "ref_qualifier": ""}
    return shown


def _number(text: str, default: int) -> int:
    try:
        return int(float(text))
    except ValueError:
        return default


def _visible(instance: ServiceNowInstance, sys_id: str) -> Record | None:
    item = instance.find("sc_cat_item", sys_id)
    return item if item is not None and item.get("active") != "false" else None


def _search(instance: ServiceNowInstance, text: str, limit: int, offset: int) -> list[Record]:
    wanted = text.casefold()
    found = [
        item
        for item in instance.store.rows("sc_cat_item")
        if item.get("active") != "false"
        and (
            wanted in item.get("name", "").casefold()
            or wanted in item.get("short_description", "").casefold()
        )
    ]
    found.sort(key=lambda item: item.get("name", "").casefold())
    return found[offset : offset + limit]


def _details(instance: ServiceNowInstance, sys_id: str) -> dict[str, object]:
    item = _visible(instance, sys_id)
    if item is None:
        raise TableError(400, "Security constraints prevent access to Item")
    questions = variables.definitions(instance, item["sys_id"])
    return _summary(item) | {
        "variables": [_variable(q) for q in questions],
        "categories": [],
        "ui_policy": [],
        "client_script": {"onChange": [], "onSubmit": [], "onLoad": []},
        "data_lookup": [],
    }


router = APIRouter()


def _routes(prefix: str) -> None:
    @router.get(prefix + "/items")
    async def list_items(request: Request, instance: Instance, user: User) -> object:
        limit = int_param(request, "sysparm_limit", DEFAULT_LIMIT)
        offset = int_param(request, "sysparm_offset", 0)
        text = param(request, "sysparm_text")
        found = await run_in_threadpool(_search, instance, text, limit, offset)
        return {"result": [_summary(item) for item in found]}

    @router.get(prefix + "/items/{sys_id}")
    async def read_item(sys_id: str, instance: Instance, user: User) -> object:
        return {"result": await run_in_threadpool(_details, instance, sys_id)}

    @router.post(prefix + "/items/{sys_id}/order_now")
    async def order_item(sys_id: str, request: Request, instance: Instance, user: User) -> object:
        body = await read_payload(request)
        placed = await run_in_threadpool(order_now, instance, sys_id, body, user)
        return {
            "result": {
                "sys_id": placed["sys_id"],
                "number": placed["number"],
                "request_number": placed["number"],
                "request_id": placed["sys_id"],
                "table": "sc_request",
            }
        }


_routes("/api/sn_sc/servicecatalog")
_routes("/api/sn_sc/v1/servicecatalog")
