"""The service in this very process: its real app and lifespan, a real database, and Bitbucket,
Jenkins, ServiceNow and the mailbox simulated on threads, on loopback.

Nothing here starts a process, so a test file pays about a second to have the whole service.
This is the only module of the in-process tests that names the sandbox or the settings: they
are set as a deployment sets them, through LZ_* environment variables.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from landingzone.config import DEFAULT_PLATFORM_CONFIG, PlatformConfig, Settings
from landingzone.landing_zone import runtime
from landingzone.main import build_runtime, create_app
from landingzone_sandbox.layout import SandboxLayout
from landingzone_sandbox.serving import serving
from landingzone_sandbox.simulators import build_simulators
from tests.support.sandbox import _free_port_block

# Waits scaled down, as tests/support/sandbox.py does for the sandbox it starts.
QUICK = {
    "LZ_APPROVAL_POLL_SECONDS": "1",
    "LZ_CANCEL_GRACE_SECONDS": "2",
    "LZ_CALL_TIMEOUT_SECONDS": "5",
    "LZ_RETRY_INITIAL_SECONDS": "0.2",
    "LZ_RETRY_MAX_INTERVAL_SECONDS": "1",
    "LZ_BREAKER_OPEN_SECONDS": "1",
    "LZ_HEARTBEAT_SECONDS": "1",
    "LZ_REPLICA_LEASE_SECONDS": "6",
    "LZ_DATABASE_POOL_SIZE": "3",
}


@dataclass(frozen=True)
class InProcessService:
    app: FastAPI
    client: TestClient  # no Authorization header: each test says which token it sends
    token: str  # one of LZ_API_TOKENS
    environment: dict[str, str]  # every LZ_* setting the service was started with
    layout: SandboxLayout

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


@contextmanager
def in_process_service(data_dir: Path, **settings: str) -> Iterator[InProcessService]:
    """The service started in this process (lifespan, workflow engine and all), on a SQLite
    database under `data_dir`; `settings` are LZ_* variables that override the defaults."""
    with simulated_systems(data_dir) as layout:
        database = f"sqlite:///{layout.root / 'service' / 'landingzone.sqlite'}"
        environment = {
            **layout.service_environment(),
            **QUICK,
            "LZ_DATABASE_URL": database,
            **settings,
        }
        app = app_from_environment(environment)
        token = json.loads(environment["LZ_API_TOKENS"])[0]
        # Server errors come back as 500s, as a caller would see them.
        with TestClient(app, raise_server_exceptions=False) as client:
            yield InProcessService(app, client, token, environment, layout)
