"""Routes under `/job/…`: items addressed by `job/a/job/b` paths, then an action."""

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import parse_qsl, unquote

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from . import credential_routes
from .credentials import STORE_PREFIX, FolderCredentials, require_view
from .operations import Operations
from .page import render_build_page, render_page, render_polling_log
from .security import JenkinsError
from .settings import JenkinsSimSettings
from .store import Build, Item, JenkinsStore
from .tree import apply_tree, resolved
from .views import Views

_PERMALINKS: dict[str, Callable[[Build], bool]] = {
    "lastBuild": lambda build: True,
    "lastCompletedBuild": lambda build: not build.building,
    "lastSuccessfulBuild": lambda build: build.result in ("SUCCESS", "UNSTABLE"),
    "lastStableBuild": lambda build: build.result == "SUCCESS",
    "lastFailedBuild": lambda build: build.result == "FAILURE",
}


def split_item_path(raw_path: bytes) -> tuple[str, tuple[str, ...]]:
    """`/job/a/job/b%2Fc/api/json` -> ("a/b/c" style full name, ("api", "json"))."""
    segments = [unquote(part) for part in raw_path.decode("latin-1").split("/")]
    segments = [segment for segment in segments if segment]
    names: list[str] = []
    index = 0
    while index + 1 < len(segments) and segments[index] == "job":
        names.append(segments[index + 1])
        index += 2
    return "/".join(names), tuple(segments[index:])


def json_response(data: Any, tree: str | None) -> JSONResponse:
    return JSONResponse(apply_tree(data, tree) if tree else resolved(data))


def form_pairs(request: Request, body: bytes) -> list[tuple[str, str]]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return []
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def register_item_routes(
    app: FastAPI,
    settings: JenkinsSimSettings,
    store: JenkinsStore,
    views: Views,
    operations: Operations,
    credentials: FolderCredentials,
    reader: Callable[[Request], str],
    writer: Callable[[Request], str],
) -> None:
    Reader = Annotated[str, Depends(reader)]
    Writer = Annotated[str, Depends(writer)]

    def find_build(item: Item, selector: str) -> Build:
        build: Build | None = None
        if selector.isdigit():
            build = store.build(item.full_name, int(selector))
        elif selector in _PERMALINKS:
            matches = _PERMALINKS[selector]
            build = next((b for b in store.builds(item.full_name) if matches(b)), None)
        if build is None:
            raise JenkinsError(404, f"No build {selector} of {item.full_name}")
        return build

    @app.get("/job/{path:path}")
    def read_item(
        request: Request, user: Reader, tree: str | None = None, depth: int = 0
    ) -> Response:
        full_name, action = split_item_path(request.scope["raw_path"])
        item = operations.require(full_name)
        if action[:4] == STORE_PREFIX:
            require_view(user)
            return credential_routes.read(credentials, full_name, action[4:], tree)
        if action == ():
            return HTMLResponse(render_page(store, views, settings.version, full_name))
        if action == ("api", "json"):
            return json_response(views.item(item, depth, nested=tree is not None), tree)
        if action == ("config.xml",):
            return Response(item.config_xml, media_type="application/xml")
        if action == ("scmPollLog",) and item.config.scm_trigger:
            return HTMLResponse(render_polling_log(item, store.polling_log(full_name)))
        if action and not item.config.is_folder:
            build = find_build(item, action[0])
            if action[1:] == ():
                return HTMLResponse(render_build_page(item, build))
            if action[1:] == ("api", "json"):
                return json_response(views.build(item, build), tree)
            if action[1:] == ("consoleText",):
                return PlainTextResponse(build.log)
        raise JenkinsError(404, "Not found")

    @app.post("/job/{path:path}")
    async def change_item(request: Request, user: Writer) -> Response:
        full_name, action = split_item_path(request.scope["raw_path"])
        body = await request.body()
        if action[:4] == STORE_PREFIX:
            location = views.item_url(full_name) + "/".join(action[:5]) + "/"
            return await run_in_threadpool(
                credential_routes.change,
                credentials,
                full_name,
                action[4:],
                body,
                request.headers.get("content-type"),
                location,
            )
        if action == ("createItem",):
            return await run_in_threadpool(create, request, full_name, body)
        if action == ("config.xml",):
            await run_in_threadpool(operations.reconfigure, full_name, body)
            return Response(status_code=200)
        if action == ("doDelete",):
            await run_in_threadpool(operations.delete, full_name)
            parent = full_name.rsplit("/", 1)[0] if "/" in full_name else ""
            location = views.item_url(parent) if parent else views.base
            return Response(status_code=302, headers={"Location": location})
        if action in (("build",), ("buildWithParameters",)):
            return await run_in_threadpool(build, request, full_name, action[0], body, user)
        raise JenkinsError(404, "Not found")

    @app.delete("/job/{path:path}")
    def delete_in_item(request: Request, user: Reader) -> Response:
        # Only POST needs a crumb; deleting still needs a signed-in user.
        full_name, action = split_item_path(request.scope["raw_path"])
        operations.require(full_name)
        if action[:4] != STORE_PREFIX:
            raise JenkinsError(405, "Method Not Allowed")
        require_view(user)
        return credential_routes.remove(credentials, full_name, action[4:])

    @app.post("/createItem")
    async def create_top_level(request: Request, _user: Writer) -> Response:
        body = await request.body()
        return await run_in_threadpool(create, request, "", body)

    def create(request: Request, parent: str, body: bytes) -> Response:
        form = dict(form_pairs(request, body))
        name = request.query_params.get("name", form.get("name"))
        mode = request.query_params.get("mode", form.get("mode"))
        operations.create(parent, name, mode, b"" if form else body)
        return Response(status_code=200)

    def build(request: Request, full_name: str, endpoint: str, body: bytes, user: str) -> Response:
        item = operations.require(full_name)
        if item.config.kind == "multibranch":
            # Jenkins answers a scan request with a redirect, not a queue item.
            return Response(status_code=302, headers={"Location": views.item_url(full_name)})
        supplied = None
        if endpoint == "buildWithParameters":
            supplied = request.query_params.multi_items() + form_pairs(request, body)
        queued = operations.build(full_name, supplied, user)
        location = f"{views.base}queue/item/{queued.id}/"
        return Response(status_code=201, headers={"Location": location})
