"""The Jenkins simulator: the remote API python-jenkins speaks, and a Bitbucket push hook."""

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from .credentials import FolderCredentials
from .items import json_response, register_item_routes
from .notify_commit import NotifyCommit, check_token
from .operations import Operations
from .page import render_page
from .polling import Poller
from .runner import BuildRunner
from .security import CRUMB_FIELD, JenkinsError, Security
from .settings import JenkinsSimSettings
from .store import JenkinsStore
from .views import Views
from .webhook import check_event, verify_signature


def create_app(settings: JenkinsSimSettings) -> FastAPI:
    store = JenkinsStore(settings.data_dir / "jenkins.db")
    runner = BuildRunner(settings, store)
    security = Security(settings, store.secret("crumb"))
    views = Views(settings.public_url, store)
    operations = Operations(store, runner)
    poller = Poller(settings, store, runner)
    notify_commit = NotifyCommit(store, views, poller)
    session = secrets.token_hex(4)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runner.resume()
        try:
            yield
        finally:
            await run_in_threadpool(poller.stop)
            await run_in_threadpool(runner.stop)
            store.close()

    app = FastAPI(
        title="Jenkins (sandbox)",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    Reader = Annotated[str, Depends(security.reader)]

    @app.middleware("http")
    async def jenkins_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["X-Jenkins"] = settings.version
        response.headers["X-Jenkins-Session"] = session
        return response

    @app.exception_handler(JenkinsError)
    async def jenkins_error(_: Request, exc: JenkinsError) -> Response:
        return PlainTextResponse(exc.message, status_code=exc.status, headers=exc.headers)

    @app.get("/", response_class=HTMLResponse)
    def home(_user: Reader) -> HTMLResponse:
        return HTMLResponse(render_page(store, views, settings.version))

    @app.get("/api/json")
    def root_info(_user: Reader, tree: str | None = None) -> JSONResponse:
        return json_response(views.root(nested=tree is not None), tree)

    @app.get("/crumbIssuer/api/json")
    def crumb_issuer(user: Reader) -> dict[str, Any]:
        return {
            "_class": "hudson.security.csrf.DefaultCrumbIssuer",
            "crumb": security.crumb(user),
            "crumbRequestField": CRUMB_FIELD,
        }

    @app.get("/me/api/json")
    def whoami(user: Reader) -> dict[str, Any]:
        return {
            "_class": "hudson.model.User",
            "absoluteUrl": f"{views.base}user/{user}",
            "description": None,
            "fullName": user,
            "id": user,
            "property": [],
        }

    @app.get("/queue/api/json")
    def queue(_user: Reader, tree: str | None = None) -> JSONResponse:
        items = [views.queue_item(q, store.item(q.job)) for q in store.pending()]
        return json_response({"_class": "hudson.model.Queue", "items": items}, tree)

    @app.get("/queue/item/{queue_id}/api/json")
    def queue_item(queue_id: int, _user: Reader, tree: str | None = None) -> JSONResponse:
        queued = store.queue_item(queue_id)
        if queued is None:
            raise JenkinsError(404, f"No queue item {queue_id}")
        return json_response(views.queue_item(queued, store.item(queued.job)), tree)

    @app.post("/bitbucket-scmsource-hook/notify")
    async def bitbucket_branch_source_hook(request: Request) -> PlainTextResponse:
        body = await request.body()
        check_event(request.headers)
        verify_signature(body, request.headers.get("x-hub-signature"), settings.webhook_secret)
        return PlainTextResponse("")

    # An unprotected root action: no login, and excluded from CSRF protection.
    @app.api_route("/git/notifyCommit", methods=["GET", "POST"])
    async def git_notify_commit(request: Request) -> PlainTextResponse:
        query = request.query_params
        if "url" not in query:
            raise JenkinsError(400, "Required Query parameter url is missing")
        check_token(query.get("token"), settings.notify_commit_tokens)
        answer = await run_in_threadpool(
            notify_commit.handle, query["url"], query.get("branches"), query.get("sha1")
        )
        response = PlainTextResponse(answer.body())
        for name, value in answer.headers():
            response.headers.append(name, value)
        return response

    register_item_routes(
        app,
        settings,
        store,
        views,
        operations,
        FolderCredentials(store),
        security.reader,
        security.writer,
    )
    return app
