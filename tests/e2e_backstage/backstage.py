"""A real Backstage backend (installed from npm in backstage-plugin/) run as a process.

It loads the catalog, the scaffolder, guest sign-in, our landing zone module, the card's
backend plugin and the card's dev page, reads
the sandbox Bitbucket through Backstage's own `bitbucketServer` integration, and is
driven only through its public HTTP API, as the Backstage front end drives it.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.support.sandbox import Sandbox, wait_for
from tests.support.simulators import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIR = REPO_ROOT / "backstage-plugin"
BACKEND_ENTRY = PLUGIN_DIR / "e2e-dist" / "e2e" / "backend" / "index.js"
ORG_ENTITIES = PLUGIN_DIR / "e2e" / "backend" / "org.yaml"
USER_REF = "user:default/jane.doe"
ALLOWED_KINDS = ["Component", "System", "API", "Resource", "Location", "Template", "User", "Group"]


def build_backend() -> None:
    """Compiles the packages and the backend entry point (tsc) and bundles the card's dev page
    (esbuild), a few seconds each; one test process at a time, since all write e2e-dist/."""
    lock_path = Path(tempfile.gettempdir()) / "landingzone-e2e-build.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(
            ["npm", "run", "--silent", "build:e2e"],
            cwd=PLUGIN_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )


@dataclass(frozen=True)
class BackstageAddress:
    """Where the test Backstage will listen and the token the Landing Zone service calls it
    with, fixed before the sandbox starts so the service can be pointed at it."""

    port: int
    service_token: str  # the Landing Zone service's external-access token

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def service_settings(self) -> dict[str, str]:
        return {"LZ_BACKSTAGE_URL": self.base_url, "LZ_BACKSTAGE_TOKEN": self.service_token}

    @classmethod
    def reserve(cls) -> BackstageAddress:
        return cls(port=free_port(), service_token=secrets.token_urlsafe(24))


# What README's "Backstage operators" section tells adopters to grant the service.
SERVICE_ACCESS = [{"plugin": "catalog"}, {"plugin": "notifications"}]


def app_config(
    sandbox: Sandbox,
    port: int,
    static_token: str,
    database: object,
    service_token: str | None = None,
) -> dict[str, Any]:
    """What an adopter writes in app-config.yaml, pointed at the sandbox."""
    bitbucket = sandbox.description["bitbucket"]
    base_url = f"http://127.0.0.1:{port}"
    return {
        "app": {"baseUrl": "http://127.0.0.1:3000"},
        "backend": {
            "baseUrl": base_url,
            "listen": {"port": port, "host": "127.0.0.1"},
            "database": {"client": "better-sqlite3", "connection": database},
            "auth": {
                "externalAccess": [
                    {
                        "type": "static",
                        "options": {"token": static_token, "subject": "landing-zone-e2e"},
                    },
                    *(
                        [
                            {
                                "type": "static",
                                "options": {"token": service_token, "subject": "landing-zone"},
                                "accessRestrictions": SERVICE_ACCESS,
                            }
                        ]
                        if service_token
                        else []
                    ),
                ]
            },
        },
        "auth": {
            "environment": "development",
            "providers": {
                "guest": {"userEntityRef": USER_REF, "dangerouslyAllowOutsideDevelopment": True}
            },
        },
        "integrations": {
            "bitbucketServer": [
                {
                    "host": urlsplit(bitbucket["url"]).netloc,
                    "apiBaseUrl": f"{bitbucket['url']}/rest/api/1.0",
                    "username": bitbucket["username"],
                    "password": bitbucket["password"],
                }
            ]
        },
        "catalog": {
            "processingInterval": {"seconds": 1},
            "rules": [{"allow": ALLOWED_KINDS}],
            "locations": [{"type": "file", "target": str(ORG_ENTITIES)}],
        },
        "scaffolder": {"taskRecovery": {"enabled": True, "staleTimeout": {"seconds": 2}}},
        # The sandbox's `backstage` caller: read, create and act on behalf of the signed-in user.
        "landingZone": {
            "baseUrl": sandbox.api_url,
            "token": sandbox.description["api"]["callers"]["backstage"]["token"],
        },
    }


@dataclass
class Backstage:
    base_url: str
    static_token: str
    config_path: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _user_token: str | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ process

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            ["node", str(BACKEND_ENTRY), "--config", str(self.config_path)],
            cwd=PLUGIN_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NODE_ENV": "development"},
            start_new_session=True,
        )
        log.close()
        wait_for(self._ready, f"Backstage to start ({self.log_path})", timeout=120, interval=0.5)
        self._user_token = None

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"Backstage exited: {self.log_tail()}")
        try:
            response = httpx.get(f"{self.base_url}/.backstage/health/v1/readiness", timeout=2)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def kill(self) -> None:
        """Stops the backend the hard way, as a crash or an evicted pod does."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    # ------------------------------------------------------------------ HTTP

    def service_client(self) -> httpx.Client:
        """Backstage's API with the static external-access token (catalog reads and writes)."""
        headers = {"Authorization": f"Bearer {self.static_token}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)

    def user_client(self) -> httpx.Client:
        """Backstage's API as Jane Doe, signed in through the guest provider."""
        if self._user_token is None:
            response = httpx.get(
                f"{self.base_url}/api/auth/guest/refresh",
                headers={"X-Requested-With": "XMLHttpRequest"},
                timeout=30,
            )
            response.raise_for_status()
            self._user_token = str(response.json()["backstageIdentity"]["token"])
        headers = {"Authorization": f"Bearer {self._user_token}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)

    def entity(self, kind: str, name: str) -> dict[str, Any] | None:
        with self.service_client() as client:
            response = client.get(f"/api/catalog/entities/by-name/{kind}/default/{name}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def register_location(self, target: str) -> None:
        with self.service_client() as client:
            response = client.post("/api/catalog/locations", json={"type": "url", "target": target})
        assert response.status_code == 201, response.text

    def create_task(self, template: str, values: dict[str, Any]) -> str:
        with self.user_client() as client:
            response = client.post(
                "/api/scaffolder/v2/tasks",
                json={"templateRef": f"template:default/{template}", "values": values},
            )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def dry_run(self, template: str, values: dict[str, Any]) -> dict[str, Any]:
        entity = self.entity("template", template)
        assert entity is not None, f"template {template} is not in the catalog"
        with self.user_client() as client:
            response = client.post(
                "/api/scaffolder/v2/dry-run",
                json={"template": entity, "values": values, "directoryContents": [], "secrets": {}},
            )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def task(self, task_id: str) -> dict[str, Any]:
        with self.user_client() as client:
            response = client.get(f"/api/scaffolder/v2/tasks/{task_id}")
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def notifications(self) -> list[dict[str, Any]]:
        """Jane's notifications, as the notifications page lists them."""
        with self.user_client() as client:
            response = client.get("/api/notifications/notifications")
        response.raise_for_status()
        return response.json()["notifications"]  # type: ignore[no-any-return]

    def running_tasks(self) -> list[dict[str, Any]]:
        with self.user_client() as client:
            response = client.get("/api/scaffolder/v2/tasks", params={"status": "processing"})
        response.raise_for_status()
        return response.json()["tasks"]  # type: ignore[no-any-return]

    def events(self, task_id: str, after: int | None = None) -> list[dict[str, Any]]:
        params = {"after": str(after)} if after is not None else {}
        with self.user_client() as client:
            response = client.get(f"/api/scaffolder/v2/tasks/{task_id}/events", params=params)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]


@dataclass
class TaskRun:
    """A scaffolder task followed through its event list, as the task page does."""

    backstage: Backstage
    task_id: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def poll(self) -> None:
        after = self.events[-1]["id"] if self.events else None
        self.events.extend(self.backstage.events(self.task_id, after))

    @property
    def log(self) -> list[str]:
        return [str(e["body"].get("message", "")) for e in self.events if e["type"] == "log"]

    @property
    def completion(self) -> dict[str, Any] | None:
        done = [e for e in self.events if e["type"] == "completion"]
        return done[-1]["body"] if done else None

    def wait_for_log(self, fragment: str, timeout: float = 120.0) -> str:
        def seen() -> str | None:
            self.poll()
            return next((line for line in self.log if fragment in line), None)

        return wait_for(seen, f"'{fragment}' in task {self.task_id}'s log", timeout, 0.3)

    def wait_for_event(self, event_type: str, timeout: float = 120.0) -> dict[str, Any]:
        def seen() -> dict[str, Any] | None:
            self.poll()
            return next((e for e in self.events if e["type"] == event_type), None)

        return wait_for(seen, f"a '{event_type}' event of task {self.task_id}", timeout, 0.3)

    def follow_to_end(self, timeout: float = 180.0) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            self.poll()
            return self.completion

        return wait_for(finished, f"task {self.task_id} to end", timeout, 0.3)


def task_values(name: str, tenant: str = "labs", **parameters: Any) -> dict[str, Any]:
    """What Jane fills in on the wizard's pages."""
    return {
        "name": name,
        "description": f"{name}, created from Backstage",
        "owner": "group:default/payments",
        "system": "system:default/payments",
        "tenant": tenant,
        **parameters,
    }


def write_config(path: Path, config: dict[str, Any]) -> None:
    # JSON is YAML: Backstage's config loader reads it as app-config.yaml.
    path.write_text(json.dumps(config, indent=2))
    path.chmod(0o600)


@contextmanager
def running_backstage(
    sandbox: Sandbox, workdir: Path, database: object, address: BackstageAddress | None = None
) -> Iterator[Backstage]:
    address = address or BackstageAddress.reserve()
    backstage = Backstage(
        base_url=address.base_url,
        static_token=secrets.token_urlsafe(24),
        config_path=workdir / "app-config.yaml",
        log_path=workdir / "backstage.log",
    )
    config = app_config(
        sandbox, address.port, backstage.static_token, database, address.service_token
    )
    write_config(backstage.config_path, config)
    started = time.monotonic()
    backstage.start()
    print(f"Backstage backend ready in {time.monotonic() - started:.1f} s")
    try:
        yield backstage
    finally:
        backstage.stop()
