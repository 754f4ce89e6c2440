"""Application factory: settings, integrations and the workflow engine, wired in the lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from dbos import DBOS
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from landingzone.api.auth import require_token
from landingzone.api.errors import install_database_unavailable_handler, install_error_handlers
from landingzone.api.limits import BodySizeLimit
from landingzone.api.metrics import Metrics
from landingzone.api.routes import approvals, classes, dashboard, health, landing_zones
from landingzone.config import Configuration, Settings
from landingzone.integrations.factory import build_integrations
from landingzone.landing_zone import lifecycle, runtime, workspace
from landingzone.landing_zone.breakers import Breakers
from landingzone.landing_zone.replicas import Caretaker, ReplicaLeases
from landingzone.landing_zone.store import Store
from landingzone.landing_zone.tables import engine_for
from landingzone.landing_zone.workflows import INTAKE_QUEUE, PROVISIONING_QUEUE
from landingzone.rendering.classes import load_classes

log = logging.getLogger("landingzone")


def build_runtime(settings: Settings) -> runtime.Runtime:
    configuration = Configuration(settings)
    configuration.platform  # noqa: B018 - fail at start-up, not on the first request
    store = Store(engine_for(settings.database_url, settings.database_pool_size))
    log.info("%s", store.create_schema().summary)
    integrations = build_integrations(settings)
    return runtime.Runtime(
        configuration=configuration,
        store=store,
        classes=load_classes(settings.templates_dir),
        repositories=integrations.repositories,
        pipelines=integrations.pipelines,
        approvals=integrations.approvals,
        mailer=integrations.mailer,
        portal=integrations.portal,
        breakers=Breakers.from_settings(settings),
    )


def start_engine(settings: Settings) -> None:
    DBOS(
        config={
            "name": "landingzone",
            "system_database_url": settings.dbos_database_url,
            "executor_id": settings.executor_id,
            "sys_db_pool_size": settings.database_pool_size * 2,
        }
    )
    DBOS.launch()
    # Intake smooths bursts: landing zones start (and open their ServiceNow record) at a bounded
    # rate across all replicas. Provisioning bounds how many talk to Bitbucket and Jenkins at once.
    DBOS.register_queue(
        INTAKE_QUEUE,
        limiter={"limit": settings.intake_per_second, "period": 1.0},
        polling_interval_sec=0.2,
        on_conflict="always_update",
    )
    DBOS.register_queue(
        PROVISIONING_QUEUE,
        worker_concurrency=settings.provisioning_concurrency,
        polling_interval_sec=0.2,
        on_conflict="always_update",
    )


def _reconcile(live: runtime.Runtime) -> None:
    started, failed = lifecycle.reconcile(live)
    if started or failed:
        log.info(
            "reconciled: %d landing zones started, %d without a workflow failed", started, failed
        )


def _take_over(executor_ids: list[str]) -> None:
    # DBOS exports no public call that recovers another executor's workflows; this is it.
    DBOS._recover_pending_workflows(executor_ids)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        live = build_runtime(settings)
        runtime.install(live)
        app.state.runtime = live
        app.state.metrics = Metrics(live.store, live.breakers)
        cleared = workspace.clear_scratch(workspace.scratch_root())
        if cleared:
            log.info("removed %d scratch folders left by an earlier run", cleared)
        # DBOS's synchronous API refuses to run on the event loop's thread.
        await asyncio.to_thread(start_engine, settings)
        await asyncio.to_thread(_reconcile, live)
        caretaker = Caretaker(
            ReplicaLeases(live.store.engine, settings.executor_id, settings.replica_lease_seconds),
            settings.heartbeat_seconds,
            take_over=_take_over,
            reconcile=lambda: _reconcile(live),
        )
        caretaker.start()
        try:
            yield
        finally:
            caretaker.stop()
            await asyncio.to_thread(DBOS.destroy, destroy_registry=False)

    app = FastAPI(
        title="Landing Zone",
        version="1.0.0",
        summary="Self-service landing zones: approved, rendered, hosted, built and recorded.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_database_unavailable_handler(app)

    @app.middleware("http")
    async def count(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        return await request.app.state.metrics.middleware(request, call_next)  # type: ignore[no-any-return]

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    secured = [Depends(require_token)]
    app.include_router(landing_zones.router, dependencies=secured)
    app.include_router(classes.router, dependencies=secured)
    app.include_router(approvals.router)
    app.include_router(health.router)
    app.include_router(dashboard.router)
    return app
