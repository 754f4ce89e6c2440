"""`create_app(settings)`: the ServiceNow simulator as one ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from landingzone_sandbox.servicenow import api, catalog, ui
from landingzone_sandbox.servicenow.callback import CallbackDispatcher
from landingzone_sandbox.servicenow.catalog_seed import seed_catalog
from landingzone_sandbox.servicenow.instance import ServiceNowInstance
from landingzone_sandbox.servicenow.settings import ServiceNowSimSettings
from landingzone_sandbox.servicenow.store import TableStore


def create_app(settings: ServiceNowSimSettings) -> FastAPI:
    store = TableStore(settings.data_dir / "servicenow.sqlite3")
    dispatcher = (
        CallbackDispatcher(
            settings.callback_url,
            settings.callback_secret,
            attempts=settings.callback_attempts,
            first_delay_s=settings.callback_first_delay_s,
        )
        if settings.callback_url
        else None
    )
    instance = ServiceNowInstance(
        settings, store, on_decision=dispatcher.submit if dispatcher else None
    )
    instance.seed_directory()
    seed_catalog(instance)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if dispatcher is not None:
            dispatcher.stop()
        store.close()

    app = FastAPI(title="ServiceNow sandbox", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.servicenow = instance
    api.install_error_handler(app)
    app.include_router(api.router)
    app.include_router(catalog.router)
    app.include_router(ui.router)
    return app
