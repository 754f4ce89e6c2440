"""Human pages: the approval inbox at `/` and record pages under `/nav_to.do`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from landingzone_sandbox.servicenow import approvals, schema, variables
from landingzone_sandbox.servicenow.errors import TableError
from landingzone_sandbox.servicenow.instance import ServiceNowInstance
from landingzone_sandbox.servicenow.store import Record

_templates = Environment(
    loader=PackageLoader("landingzone_sandbox.servicenow", "templates"),
    autoescape=select_autoescape(default=True),
)
_URL = re.compile(r"https?://[^\s<>\"']+")


def _linkify(text: str) -> Markup:
    """Escaped text whose http(s) URLs are links, so people can follow the notes."""
    pieces: list[Markup] = []
    position = 0
    for match in _URL.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(Markup('<a href="{0}" rel="noreferrer">{0}</a>').format(match[0]))
        position = match.end()
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


_templates.filters["linkify"] = _linkify
_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
_PAGE_TABLES = frozenset(schema.TASK_TABLES)
INBOX_ITEMS = 100


def _instance(request: Request) -> ServiceNowInstance:
    instance: ServiceNowInstance = request.app.state.servicenow
    return instance


Instance = Annotated[ServiceNowInstance, Depends(_instance)]
router = APIRouter(include_in_schema=False)


def _page(name: str, context: Mapping[str, object], status: int = 200) -> HTMLResponse:
    html = _templates.get_template(name).render(label=schema.label, **context)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": _CSP})


def _message(status: int, title: str, text: str) -> HTMLResponse:
    return _page("message.html", {"title": title, "text": text}, status)


def _display_names(instance: ServiceNowInstance) -> dict[str, str]:
    return {u["sys_id"]: u.get("name") or u["user_name"] for u in instance.store.rows("sys_user")}


@dataclass(frozen=True)
class Waiting:
    """One approval an approver is asked for, with what they need to decide."""

    row: Record
    item: Record
    request_number: str
    group: str
    answers: Sequence[variables.Answer]


def _group_name(instance: ServiceNowInstance, group_approval_id: str) -> str:
    group_approval = instance.find("sysapproval_group", group_approval_id)
    if group_approval is None:
        return ""
    group = instance.find("sys_user_group", group_approval.get("assignment_group", ""))
    return group.get("name", "") if group is not None else ""


def _waiting(instance: ServiceNowInstance) -> list[Waiting]:
    shown: list[Waiting] = []
    for row in reversed(instance.store.where("sysapproval_approver", "state", "requested")):
        if row.get("state") != "requested" or row.get("source_table") not in ("", "sc_req_item"):
            continue
        item = instance.find("sc_req_item", row.get("document_id", ""))
        if item is None:
            continue
        request = instance.find("sc_request", item.get("request", ""))
        shown.append(
            Waiting(
                row=row,
                item=item,
                request_number=request.get("number", "") if request else "",
                group=_group_name(instance, row.get("group", "")),
                answers=variables.answers(instance, item["sys_id"]),
            )
        )
        if len(shown) == INBOX_ITEMS:
            break
    return shown


@dataclass(frozen=True)
class WaitingChange:
    """One change an approver is asked to authorize."""

    row: Record
    change: Record
    group: str


def _waiting_changes(instance: ServiceNowInstance) -> list[WaitingChange]:
    shown: list[WaitingChange] = []
    for row in reversed(instance.store.where("sysapproval_approver", "state", "requested")):
        if row.get("state") != "requested" or row.get("source_table") != "change_request":
            continue
        change = instance.find("change_request", row.get("document_id", ""))
        if change is None:
            continue
        group = _group_name(instance, row.get("group", ""))
        shown.append(WaitingChange(row=row, change=change, group=group))
        if len(shown) == INBOX_ITEMS:
            break
    return shown


def _inbox(instance: ServiceNowInstance) -> dict[str, object]:
    everything = list(reversed(instance.store.rows("sc_req_item")))
    items = everything[:INBOX_ITEMS]
    notes = {item["sys_id"]: instance.journal(item["sys_id"], "work_notes") for item in items}
    return {
        "waiting": _waiting(instance),
        "waiting_changes": _waiting_changes(instance),
        "items": items,
        "total_items": len(everything),
        "notes": notes,
        "users": _display_names(instance),
    }


@router.get("/", response_class=HTMLResponse)
async def inbox(instance: Instance) -> HTMLResponse:
    context = await run_in_threadpool(_inbox, instance)
    return _page("inbox.html", context)


@router.post("/sandbox/approvals/{sys_id}")
async def decide(sys_id: str, request: Request, instance: Instance) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    decision = (form.get("decision") or [""])[0]
    comments = (form.get("comments") or [""])[0]
    if decision not in ("approved", "rejected"):
        return _message(400, "Bad request", "Choose approve or reject.")

    def apply() -> bool:
        row = instance.get("sysapproval_approver", sys_id)
        if row.get("state") != "requested":
            return False
        approver = instance.find("sys_user", row.get("approver", ""))
        actor = approver["user_name"] if approver else "system"
        values = {"state": decision} | ({"comments": comments} if comments.strip() else {})
        instance.update("sysapproval_approver", sys_id, values, actor)
        return True

    try:
        applied = await run_in_threadpool(apply)
    except TableError:
        return _message(404, "Not found", "No such approval.")
    if not applied:
        return _message(409, "Already decided", "This approval is no longer waiting.")
    return RedirectResponse("/", status_code=303)


def _record_context(instance: ServiceNowInstance, table: str, sys_id: str) -> dict[str, object]:
    record: Record = instance.get(table, sys_id)
    rows = sorted(
        approvals.approver_rows(instance, sys_id), key=lambda r: r.get("sys_created_on", "")
    )
    request = instance.find("sc_request", record.get("request", ""))
    return {
        "table": table,
        "record": record,
        "request_number": request.get("number", "") if request else "",
        "approvals": [(row, _group_name(instance, row.get("group", ""))) for row in rows],
        "approval_comments": {
            row["sys_id"]: [e["value"] for e in instance.journal(row["sys_id"], "comments")]
            for row in rows
        },
        "answers": variables.answers(instance, sys_id) if table == "sc_req_item" else [],
        "notes": instance.journal(sys_id, "work_notes"),
        "users": _display_names(instance),
    }


async def _record_page(instance: ServiceNowInstance, table: str, sys_id: str) -> HTMLResponse:
    if table not in _PAGE_TABLES:
        return _message(404, "Not found", "No such page.")
    try:
        context = await run_in_threadpool(_record_context, instance, table, sys_id)
    except TableError:
        return _message(404, "Not found", "Record not found.")
    return _page("record.html", context)


@router.get("/nav_to.do", response_class=HTMLResponse)
async def nav_to(instance: Instance, uri: str = "") -> HTMLResponse:
    target = urlsplit(uri)
    table = target.path.lstrip("/").removesuffix(".do")
    sys_id = (parse_qs(target.query).get("sys_id") or [""])[0]
    return await _record_page(instance, table, sys_id)


@router.get("/{table}.do", response_class=HTMLResponse)
async def record_page(table: str, instance: Instance, sys_id: str = "") -> HTMLResponse:
    return await _record_page(instance, table, sys_id)
