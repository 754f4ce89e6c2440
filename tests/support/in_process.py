"""The service in this very process: its real app and lifespan, a real database, and Bitbucket,
Jenkins, ServiceNow and the mailbox simulated on threads, on loopback.

Nothing here starts a process, so a test file pays about a second to have the whole service.
This is the only module of the in-process tests that names the sandbox or the settings: they
are set as a deployment sets them, through LZ_* environment variables.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from landingzone.api.auth_settings import hash_token
from landingzone.config import DEFAULT_PLATFORM_CONFIG, Settings
from landingzone.landing_zone import runtime
from landingzone.main import build_runtime, create_app
from landingzone.platform_config import PlatformConfig
from landingzone_sandbox.layout import SandboxLayout
from landingzone_sandbox.platform_repos import library_clone_url, library_source, publish_library
from landingzone_sandbox.serving import serving
from landingzone_sandbox.simulators import build_simulators
from tests.support.sandbox import IDLE_FRIENDLY_QUEUE_POLL_SECONDS, _free_port_block, wait_for

# Waits scaled down, as tests/support/sandbox.py does for the sandbox it starts.
QUICK = {
    "LZ_QUEUE_POLL_SECONDS": IDLE_FRIENDLY_QUEUE_POLL_SECONDS,
    "LZ_APPROVAL_POLL_SECONDS": "1",
    "LZ_CANCEL_GRACE_SECONDS": "2",
    "LZ_CALL_TIMEOUT_SECONDS": "5",
    "LZ_RETRY_INITIAL_SECONDS": "0.2",
    "LZ_RETRY_MAX_INTERVAL_SECONDS": "1",
    "LZ_BREAKER_OPEN_SECONDS": "1",
    "LZ_HEARTBEAT_SECONDS": "1",
    "LZ_REPLICA_LEASE_SECONDS": "6",
    "LZ_DATABASE_POOL_SIZE": "3",
    "LZ_PROMOTION_POLL_SECONDS": "1",
}


@dataclass(frozen=True)
class InProcessService:
    app: FastAPI
    client: TestClient  # no Authorization header: each test says which token it sends
    token: str  # the operator's: every scope (the sandbox's callers, unless LZ_API_CALLERS says)
    environment: dict[str, str]  # every LZ_* setting the service was started with
    layout: SandboxLayout

    @property
    def description(self) -> dict[str, Any]:
        """What sandbox.json would say of these simulators."""
        return self.layout.public_description()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, system: str) -> str:
        """Where a simulated system answers: bitbucket, jenkins, servicenow or mailbox.

        Each takes the sandbox's `/_sandbox/outage` and `/_sandbox/faults` controls."""
        layout = self.layout
        ports = {
            "bitbucket": layout.bitbucket_port,
            "jenkins": layout.jenkins_port,
            "servicenow": layout.servicenow_port,
            "mailbox": layout.mailbox_port,
        }
        return layout.url(ports[system])


@contextmanager
def simulated_systems(data_dir: Path) -> Iterator[SandboxLayout]:
    """Bitbucket, Jenkins, ServiceNow and the mailbox as the sandbox sets them up, on threads."""
    layout = SandboxLayout.load_or_create(data_dir, "127.0.0.1", _free_port_block(6))
    simulators = build_simulators(layout)
    with ExitStack() as running:
        simulators.mailbox.start()
        running.callback(simulators.mailbox.stop)
        for app, port in simulators.apps:
            running.enter_context(serving(app, layout.host, port))
        yield layout


@contextmanager
def _only(environment: dict[str, str]) -> Iterator[None]:
    """Exactly these LZ_* variables are set, and none of the caller's."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("LZ_")]:
            patch.delenv(name)
        for name, value in environment.items():
            patch.setenv(name, value)
        yield


def app_from_environment(environment: dict[str, str]) -> FastAPI:
    """The app `landingzone serve` builds, configured by exactly these LZ_* variables."""
    with _only(environment):
        return create_app()


def default_platform() -> PlatformConfig:
    """The platform configuration the service ships with (tenants `labs` and `retail`)."""
    return PlatformConfig.load(DEFAULT_PLATFORM_CONFIG)


def platform_from(document: dict[str, object]) -> PlatformConfig:
    """A platform configuration as its YAML file would hold `document`."""
    return PlatformConfig.model_validate(document)


def install_runtime(data_dir: Path) -> runtime.Runtime:
    """What workflow steps use (store, classes, adapters), installed without the engine, on a
    SQLite database under `data_dir`. The adapters point at a closed port (9, discard), so a
    call that goes out by mistake fails instead of reaching a sandbox running on this machine."""
    closed = "127.0.0.1:9"
    environment = {
        "LZ_DATABASE_URL": f"sqlite:///{data_dir / 'landingzone.sqlite'}",
        "LZ_WORKSPACE_DIR": str(data_dir / "workspaces"),
        "LZ_BITBUCKET_URL": f"http://{closed}",
        "LZ_JENKINS_URL": f"http://{closed}",
        "LZ_SERVICENOW_HOST": closed,
        "LZ_SMTP_PORT": "9",
    }
    with _only(environment):
        live = build_runtime(Settings())
    runtime.install(live)
    return live


def published_library(layout: SandboxLayout) -> dict[str, str]:
    """The platform's Jenkins library published in the simulated Bitbucket, as the sandbox
    does at its start, and the settings that pin it in every landing zone's folder."""
    source = library_source()
    if source is None:
        return {}
    version = publish_library(layout, source)
    return {
        "LZ_JENKINS_LIBRARY_CLONE_URL": library_clone_url(layout),
        "LZ_JENKINS_LIBRARY_VERSION": version,
    }


def service_environment(
    layout: SandboxLayout, callers: dict[str, dict[str, Any]] | None = None, **settings: str
) -> dict[str, str]:
    """Every LZ_* setting the in-process service runs with against these simulators; `callers`
    (see `static_caller`) join the sandbox's `operator` and `backstage`."""
    database = f"sqlite:///{layout.root / 'service' / 'landingzone.sqlite'}"
    environment = {
        **layout.service_environment(),
        **QUICK,
        **published_library(layout),
        "LZ_DATABASE_URL": database,
        **settings,
    }
    if callers:
        table = {**json.loads(environment["LZ_API_CALLERS"]), **callers}
        environment["LZ_API_CALLERS"] = json.dumps(table)
    return environment


@contextmanager
def started_service(
    layout: SandboxLayout, environment: dict[str, str]
) -> Iterator[InProcessService]:
    """The service started once against running simulators; started again with the same
    environment, it is a restart (same database, same systems)."""
    app = app_from_environment(environment)
    # Server errors come back as 500s, as a caller would see them.
    with TestClient(app, raise_server_exceptions=False) as client:
        yield InProcessService(app, client, layout.api_token, environment, layout)


def static_caller(
    tokens: list[str], scopes: list[str], posts_per_minute: int | None = None
) -> dict[str, Any]:
    """A caller as LZ_API_CALLERS holds it: its tokens' hashes, never the tokens."""
    caller: dict[str, Any] = {"scopes": scopes, "tokens": [hash_token(t) for t in tokens]}
    if posts_per_minute is not None:
        caller["posts_per_minute"] = posts_per_minute
    return caller


@contextmanager
def in_process_service(
    data_dir: Path, callers: dict[str, dict[str, Any]] | None = None, **settings: str
) -> Iterator[InProcessService]:
    """The service started in this process (lifespan, workflow engine and all), on a SQLite
    database under `data_dir`; `settings` are LZ_* variables that override the defaults, and
    `callers` (see `static_caller`) join the sandbox's `operator` and `backstage`."""
    with ExitStack() as stack:
        layout = stack.enter_context(simulated_systems(data_dir))
        environment = service_environment(layout, callers, **settings)
        yield stack.enter_context(started_service(layout, environment))


@contextmanager
def listening(app: FastAPI) -> Iterator[str]:
    """`app` (its lifespan already run by `in_process_service`) on a loopback socket, served as
    `landingzone serve` serves it; yields its base URL."""
    from landingzone.cli import SERVER_OPTIONS

    options = {**SERVER_OPTIONS, "log_level": "warning", "timeout_graceful_shutdown": 1}
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", **options)
    )
    thread = threading.Thread(target=server.run, name="listening", daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), "the API to listen", 30)
        assert server.started, "the API did not start listening"
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
