"""Application factory: settings, integrations and the workflow engine, wired in the lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dbos import DBOS
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from landingzone.api.auth import Authentication, Authenticator
from landingzone.api.errors import install_database_unavailable_handler, install_error_handlers
from landingzone.api.hardening import AccessLog, SecurityHeaders
from landingzone.api.json_body import unique_keys
from landingzone.api.limits import BodySizeLimit
from landingzone.api.metrics import Metrics, RequestMetrics
from landingzone.api.routes import (
    approvals,
    audit,
    classes,
    dashboard,
    health,
    landing_zones,
    promotions,
    rollouts,
    updates,
)
from landingzone.config import Configuration, Settings
from landingzone.integrations.factory import build_integrations
from landingzone.landing_zone import lifecycle, runtime, workspace
from landingzone.landing_zone.breakers import Breakers
from landingzone.landing_zone.call_limits import CallLimits
from landingzone.landing_zone.replicas import Caretaker, ReplicaLeases
from landingzone.landing_zone.store import Store
from landingzone.landing_zone.tables import engine_for, use_write_ahead_log
from landingzone.landing_zone.workflows import INTAKE_QUEUE, PROVISIONING_QUEUE
from landingzone.promotion import lifecycle as promotion_lifecycle
from landingzone.rendering.classes import load_classes

log = logging.getLogger("landingzone")


def build_runtime(settings: Settings) -> runtime.Runtime:
    configuration = Configuration(settings)
    configuration.platform  # noqa: B018 - fail at start-up, not on the first request
    store = Store(engine_for(settings.database_url, settings.database_pool_size))
    log.info("%s", store.create_schema().summary)
    integrations = build_integrations(settings)
    classes = load_classes(settings.templates_dir)
    configuration.platform.check_classes(classes)
    return runtime.Runtime(
        configuration=configuration,
        store=store,
        classes=classes,
        repositories=integrations.repositories,
        pipelines=integrations.pipelines,
        approvals=integrations.approvals,
        mailer=integrations.mailer,
        portal=integrations.portal,
        changes=integrations.changes,
        breakers=Breakers.from_settings(settings),
        call_limits=CallLimits(settings.max_calls_per_system),
    )


def start_engine(settings: Settings) -> None:
    use_write_ahead_log(settings.dbos_database_url)
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
        polling_interval_sec=settings.queue_poll_seconds,
        on_conflict="always_update",
    )
    DBOS.register_queue(
        PROVISIONING_QUEUE,
        worker_concurrency=settings.provisioning_concurrency,
        polling_interval_sec=settings.queue_poll_seconds,
        on_conflict="always_update",
    )


def _reconcile(live: runtime.Runtime) -> None:
    started, failed = lifecycle.reconcile(live)
    if started or failed:
        log.info(
            "reconciled: %d landing zones started, %d without a workflow failed", started, failed
        )
    promotion_lifecycle.reconcile(live)


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
        app.state.metrics = Metrics(live.store, live.breakers, live.call_limits)
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

    # The last added runs first: metrics see every answer; a caller without a valid credential
    # is refused before the body is counted, routed or parsed.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Authentication, authenticator=Authenticator(settings))
    if settings.cors_allowed_origins:
        # Browsers elsewhere may call the API only when the deployment names their origin; a
        # preflight carries no credential, so this answers it before authentication.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allowed_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"],
            expose_headers=["Location", "Retry-After"],
        )

    app.add_middleware(RequestMetrics)

    # Outermost, so every answer (a 401, a 413, a CORS preflight) has the headers and a log line.
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)

    # Each /v1 route names its scope (api/callers.py require_scope); promotions also take a
    # landing zone's promotion credential (api/promotion_auth.py). A body with a repeated key
    # is refused once the caller is known (api/json_body.py).
    checked = [unique_keys]
    app.include_router(landing_zones.router, dependencies=checked)
    app.include_router(classes.router, dependencies=checked)
    app.include_router(updates.router, dependencies=checked)
    app.include_router(promotions.router)
    app.include_router(rollouts.router, dependencies=checked)
    app.include_router(audit.router)
    app.include_router(approvals.router)
    app.include_router(health.router)
    app.include_router(dashboard.router)
    return app
