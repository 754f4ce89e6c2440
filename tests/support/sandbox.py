"""Start `landingzone sandbox` as users do, and talk to it through its public interfaces."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

# A service polls its queues this often. The production default (0.05 s) keeps hand-offs quick
# but costs an idle service about 14 % of a core, and a test run keeps several services alive
# side by side on two cores: tests poll four times less often.
IDLE_FRIENDLY_QUEUE_POLL_SECONDS = "0.2"

T = TypeVar("T")
TERMINAL = {"completed", "rejected", "failed", "cancelled"}


def wait_for(
    check: Callable[[], T | None], what: str, timeout: float = 120.0, interval: float = 0.1
) -> T:
    """Poll a condition with a deadline; returns the first truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Described(Protocol):
    """A running sandbox as its sandbox.json describes it: where each system is, how to log in."""

    @property
    def description(self) -> dict[str, Any]: ...

    def url(self, system: str) -> str: ...


def healthy(api_url: str) -> bool:
    """Whether the service at `api_url` answers its liveness probe."""
    try:
        return httpx.get(f"{api_url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Sandbox:
    data_dir: Path
    process: subprocess.Popen[bytes]
    database_url: str | None = None

    @property
    def description(self) -> dict[str, Any]:
        return json.loads((self.data_dir / "sandbox.json").read_text())  # type: ignore[no-any-return]

    @property
    def api_url(self) -> str:
        return str(self.description["api"]["url"])

    def api(self, token: str | None = None, api_url: str | None = None) -> httpx.Client:
        """A client of the sandbox's service (or of another replica's API at `api_url`)."""
        token = token if token is not None else self.description["api"]["token"]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=api_url or self.api_url, headers=headers, timeout=30)

    def url(self, system: str) -> str:
        return str(self.description[system]["url"])

    def service_environment(self) -> dict[str, str]:
        """The LZ_* settings the sandbox gives its service, the pipeline library's pin included
        (what a script needs to make the service's payloads without the service)."""
        from landingzone_sandbox.layout import SandboxLayout
        from landingzone_sandbox.platform_repos import library_clone_url, library_source

        layout = SandboxLayout.load(self.data_dir)
        environment = layout.service_environment()
        source = library_source()
        if source is not None:
            environment["LZ_JENKINS_LIBRARY_CLONE_URL"] = library_clone_url(layout)
            environment["LZ_JENKINS_LIBRARY_VERSION"] = (source / "VERSION").read_text().strip()
        return environment

    def create(self, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": key} if key else {}
        with self.api() as client:
            response = client.post("/v1/landing-zones", json=body, headers=headers)
        assert response.status_code in (200, 202), response.text
        return response.json()  # type: ignore[no-any-return]

    def get(self, landing_zone_id: str) -> dict[str, Any]:
        with self.api() as client:
            response = client.get(f"/v1/landing-zones/{landing_zone_id}")
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def wait_status(
        self, landing_zone_id: str, statuses: set[str], timeout: float = 180.0
    ) -> dict[str, Any]:
        def reached() -> dict[str, Any] | None:
            try:
                landing_zone = self.get(landing_zone_id)
            except httpx.HTTPError:
                return None  # the service may be restarting
            return landing_zone if landing_zone["status"] in statuses else None

        return wait_for(reached, f"{landing_zone_id} to reach {statuses}", timeout, 0.2)

    def events(self, landing_zone_id: str) -> list[dict[str, Any]]:
        with self.api() as client:
            response = client.get(f"/v1/landing-zones/{landing_zone_id}/events")
        response.raise_for_status()
        return response.json()["events"]  # type: ignore[no-any-return]

    def fault(self, system: str, **rule: Any) -> None:
        httpx.post(f"{self.url(system)}/_sandbox/faults", json=rule, timeout=10).raise_for_status()

    def faults(self, system: str) -> list[dict[str, Any]]:
        """The system's fault rules, each with how often it was hit."""
        response = httpx.get(f"{self.url(system)}/_sandbox/faults", timeout=10)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def clear_faults(self, system: str) -> None:
        httpx.delete(f"{self.url(system)}/_sandbox/faults", timeout=10).raise_for_status()

    def outage(self, system: str, seconds: float, **options: Any) -> dict[str, Any]:
        """Take `system` down for `seconds` from now; `options`: mode, retry_after, delay_seconds.

        For "mailbox" the outage is its SMTP server's; its HTTP API stays up."""
        response = httpx.post(
            f"{self.url(system)}/_sandbox/outage", json={"seconds": seconds, **options}, timeout=10
        )
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def outage_state(self, system: str) -> dict[str, Any]:
        response = httpx.get(f"{self.url(system)}/_sandbox/outage", timeout=10)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def end_outage(self, system: str) -> None:
        httpx.delete(f"{self.url(system)}/_sandbox/outage", timeout=10).raise_for_status()

    def service_healthy(self) -> bool:
        return healthy(self.api_url)

    def stranded(self) -> list[str]:
        """Landing zones neither terminal nor with a live workflow: what must never exist."""
        import sqlalchemy as sa

        if self.database_url:
            url = self.database_url.replace("postgresql://", "postgresql+psycopg://")
            ours, engine_url, table = url, url, "dbos.workflow_status"
        else:
            ours = f"sqlite:///{self.data_dir / 'service' / 'landingzone.sqlite'}"
            engine_url = f"sqlite:///{self.data_dir / 'service' / 'landingzone.dbos.sqlite'}"
            table = "workflow_status"
        with sa.create_engine(ours).connect() as connection:
            unfinished = connection.execute(
                sa.text(
                    "SELECT id, run FROM lz_landing_zones"
                    " WHERE status IN ('pending_approval', 'provisioning')"
                )
            ).all()
        stranded = []
        with sa.create_engine(engine_url).connect() as connection:
            for landing_zone_id, run in unfinished:
                names = [
                    landing_zone_id if run == 0 else f"{landing_zone_id}:run-{run}",
                    f"{landing_zone_id}:provision-{run}",
                    f"{landing_zone_id}:environment-{run}",
                    f"{landing_zone_id}:cancel",
                ]
                live = connection.execute(
                    sa.text(
                        f"SELECT count(*) FROM {table} WHERE workflow_uuid IN "  # noqa: S608
                        "(:a, :b, :c, :d) AND status IN ('PENDING', 'ENQUEUED')"
                    ),
                    dict(zip("abcd", names, strict=True)),
                ).scalar()
                if not live:
                    stranded.append(landing_zone_id)
        return stranded

    def kill_service(self) -> int:
        pid = int(self.description["processes"]["service"])
        os.kill(pid, signal.SIGKILL)
        return pid


@contextmanager
def running_sandbox(
    data_dir: Path,
    database_url: str | None = None,
    settings: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Sandbox]:
    """`landingzone sandbox` on `port` (by default a free block), stopped with SIGTERM."""
    port = port or _free_port_block(6)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LZ_")}
    env["LZ_APPROVAL_POLL_SECONDS"] = "2"
    env["LZ_PROMOTION_POLL_SECONDS"] = "2"
    env["LZ_CANCEL_GRACE_SECONDS"] = "3"
    env["LZ_CALL_TIMEOUT_SECONDS"] = "5"
    # Outages are waited out with the production policy, scaled down: seconds, not minutes.
    env["LZ_RETRY_INITIAL_SECONDS"] = "0.2"
    env["LZ_RETRY_MAX_INTERVAL_SECONDS"] = "2"
    env["LZ_BREAKER_OPEN_SECONDS"] = "1"
    env["LZ_HEARTBEAT_SECONDS"] = "1"
    env["LZ_REPLICA_LEASE_SECONDS"] = "6"
    # Test files run side by side, each with its sandboxes, on one PostgreSQL of 100 clients.
    env["LZ_DATABASE_POOL_SIZE"] = "3"
    env["LZ_QUEUE_POLL_SECONDS"] = IDLE_FRIENDLY_QUEUE_POLL_SECONDS
    env.update(settings or {})
    if database_url:
        env["LZ_DATABASE_URL"] = database_url
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "sandbox.out").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "landingzone_sandbox",  # the sandbox's commands, as `landingzone sandbox` runs them
            "sandbox",
            "--port",
            str(port),
            "--data",
            str(data_dir),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    sandbox = Sandbox(data_dir, process, database_url)
    try:
        wait_for(
            lambda: (data_dir / "sandbox.json").exists() and sandbox.service_healthy(),
            "the sandbox to start",
            timeout=120,
        )
        yield sandbox
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _free_port_block(size: int) -> int:
    """A base port whose next `size` ports are free too.

    Chosen below the kernel's ephemeral range: a port from that range can be taken by any
    test's outgoing connection between this check and the moment a simulator binds it."""
    low, high = 10_000, _ephemeral_low() - size
    for _ in range(200):
        base = low + secrets.randbelow(high - low)
        if all(_is_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no free block of ports")


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def _is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def fresh_postgres_database() -> str:
    """A new, empty database on the local PostgreSQL, so runs never see each other's data."""
    import psycopg

    name = f"lz_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def request_body(
    name: str, tenant: str = "labs", class_id: str = "java", **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "class": class_id,
        "owner": "group:default/payments",
        "description": "Payments API for the retail bank.",
        "tenant": tenant,
        "requester": {"name": "Jane Doe", "email": "jane.doe@example.com"},
        "system": "payments",
        "parameters": {},
        **extra,
    }
