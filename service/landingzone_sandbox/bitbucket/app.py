"""`create_app(settings)`: the Bitbucket Server simulator as one ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import (
    pages,
    routes_build_status,
    routes_content,
    routes_groups,
    routes_hooks,
    routes_permissions,
    routes_pulls,
    routes_refs,
    routes_repos,
    routes_restrictions,
    smart_http,
)
from .context import Simulator
from .errors import install_error_handlers
from .settings import BitbucketSimSettings


def create_app(settings: BitbucketSimSettings) -> FastAPI:
    sim = Simulator(settings)
    sim.seed_projects()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            sim.close()

    app = FastAPI(
        title="Bitbucket Server (sandbox)",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.bitbucket = sim
    install_error_handlers(app)
    for module in (
        routes_repos,
        routes_refs,
        routes_restrictions,
        routes_hooks,
        routes_permissions,
        routes_groups,
        routes_content,
        routes_pulls,
        routes_build_status,
        smart_http,
        pages,
    ):
        app.include_router(module.router)
    return app
