"""The mailbox's HTTP side: Mailpit-compatible JSON API and human pages."""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from landingzone_sandbox.mailbox import views
from landingzone_sandbox.mailbox.control import control_router
from landingzone_sandbox.mailbox.faults import SmtpFaults
from landingzone_sandbox.mailbox.settings import MailboxSettings
from landingzone_sandbox.mailbox.smtp import MailboxSmtpServer
from landingzone_sandbox.mailbox.store import MessageStore, StoredMessage
from landingzone_sandbox.traffic import TrafficMeter

DEFAULT_LIMIT = 50
_templates = Environment(
    loader=PackageLoader("landingzone_sandbox.mailbox", "templates"),
    autoescape=select_autoescape(default=True),
)
# The message's own HTML is shown in a sandboxed srcdoc iframe, which inherits this policy:
# no scripts, no remote loads, only inline styles and embedded images.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'"


def _not_found() -> JSONResponse:
    return JSONResponse({"Error": "message not found"}, status_code=404)


def _page(name: str, context: Mapping[str, object], status: int = 200) -> HTMLResponse:
    html = _templates.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": _CSP})


def _window(request: Request, found: list[StoredMessage]) -> dict[str, object]:
    try:
        start = max(0, int(request.query_params.get("start", "0")))
        limit = max(0, int(request.query_params.get("limit", str(DEFAULT_LIMIT))))
    except ValueError:
        start, limit = 0, DEFAULT_LIMIT
    return views.listing(found[start : start + limit], len(found), start)


def create_app(
    store: MessageStore, *, smtp_address: str = "", faults: SmtpFaults | None = None
) -> FastAPI:
    """`smtp_address` is only shown on the page, so people know where to send; `faults`, the
    SMTP server's, are controlled at `/_sandbox/faults` and `/_sandbox/outage`."""
    app = FastAPI(title="Mailbox sandbox", docs_url=None, redoc_url=None)
    if faults is not None:
        app.include_router(control_router(faults))

    def lookup(message_id: str) -> StoredMessage | None:
        if message_id == "latest":
            newest = store.newest_first()
            return newest[0] if newest else None
        return store.get(message_id)

    @app.get("/api/v1/messages")
    def list_messages(request: Request) -> dict[str, object]:
        return _window(request, store.newest_first())

    @app.get("/api/v1/search")
    def search(request: Request, query: str = "") -> dict[str, object]:
        found = [m for m in store.newest_first() if views.matches(m, query)]
        return _window(request, found)

    @app.delete("/api/v1/messages")
    async def delete_messages(request: Request) -> Response:
        body = await request.body()
        ids = None
        if body.strip():
            try:
                requested = json.loads(body).get("IDs")
            except (ValueError, AttributeError):
                return JSONResponse({"Error": "invalid JSON body"}, status_code=400)
            ids = [str(i) for i in requested] if isinstance(requested, list) and requested else None
        store.delete(ids)
        return Response("ok", media_type="text/plain")

    @app.get("/api/v1/message/{message_id}", response_model=None)
    def read_message(message_id: str) -> dict[str, object] | JSONResponse:
        stored = lookup(message_id)
        return _not_found() if stored is None else views.detail(stored)

    @app.get("/api/v1/message/{message_id}/headers", response_model=None)
    def read_headers(message_id: str) -> dict[str, list[str]] | JSONResponse:
        stored = lookup(message_id)
        return _not_found() if stored is None else views.headers(stored)

    @app.get("/api/v1/message/{message_id}/raw")
    def read_raw(message_id: str) -> Response:
        stored = lookup(message_id)
        raw = None if stored is None else store.raw(stored.id)
        return _not_found() if raw is None else Response(raw, media_type="text/plain")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def mailbox_page() -> HTMLResponse:
        messages = [views.summary(m) for m in store.newest_first()]
        return _page("list.html", {"messages": messages, "smtp_address": smtp_address})

    @app.get("/view/{message_id}", response_class=HTMLResponse, include_in_schema=False)
    def message_page(message_id: str) -> HTMLResponse:
        stored = lookup(message_id)
        if stored is None:
            return _page("missing.html", {}, status=404)
        return _page("view.html", {"message": views.detail(stored)})

    @app.post("/sandbox/clear", include_in_schema=False)
    def clear_page() -> Response:
        store.delete()
        return RedirectResponse("/", status_code=303)

    return app


class Mailbox:
    """The whole sandbox mailbox: `start()` opens the SMTP port, `app` serves the API and pages."""

    def __init__(self, settings: MailboxSettings) -> None:
        self.settings = settings
        self.store = MessageStore(settings.data_dir)
        self.faults = SmtpFaults()
        self.smtp = MailboxSmtpServer(settings, self.store, self.faults)
        app = create_app(
            self.store, smtp_address=f"{self.smtp.host}:{self.smtp.port}", faults=self.faults
        )
        # Its HTTP side shows the SMTP sessions at /_sandbox/traffic; its own pages are not
        # a system anyone provisions through, so they are not counted.
        self.app = TrafficMeter(app, self.smtp.traffic, count_requests=False)

    def start(self) -> Mailbox:
        self.smtp.start()
        return self

    def stop(self) -> None:
        self.smtp.stop()
