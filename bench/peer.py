"""The peer: a real Backstage backend from npm (bench/peer/package.json) doing a landing zone's
job with public scaffolder actions, on the same sandbox, driven through its REST API.

Its template and each task's values are in bench/peer_template.py.

What no public action does, it leaves out: branch restrictions, group permissions, the
webhook, the folder's credential, the e-mail, and any look-up before a create (so nothing of
it can be safely repeated). Its environment repository has the shared files only: the
per-environment overlays need the service's renderer. Backstage keeps its tasks in a fresh
PostgreSQL database (no native SQLite module to build).

Installed on first use only: `npm ci` in bench/peer when node_modules is missing or older
than package-lock.json. `cookiecutter` comes from this Python's environment (on the PATH).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from tests.support.sandbox import Sandbox, wait_for
from tests.support.simulators import free_port

from bench.floor import Floor
from bench.peer_template import TEMPLATE, write_template

PEER_DIR = Path(__file__).resolve().parent / "peer"
USER_REF = "user:default/jane.doe"
POLL_S = 0.05


def install() -> None:
    """`npm ci` in bench/peer unless what it installs is already there and current."""
    stamp = PEER_DIR / "node_modules" / ".package-lock.json"
    lock = PEER_DIR / "package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    print("installing the Backstage peer (npm ci in bench/peer, once)", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=True)


def app_config(sandbox: Sandbox, port: int, database: str, template_path: Path) -> dict[str, Any]:
    described = sandbox.description
    bitbucket, jenkins, servicenow = (described[s] for s in ("bitbucket", "jenkins", "servicenow"))
    return {
        "app": {"baseUrl": "http://127.0.0.1:3000"},
        "backend": {
            "baseUrl": f"http://127.0.0.1:{port}",
            "listen": {"port": port, "host": "127.0.0.1"},
            "database": {
                "client": "pg",
                "pluginDivisionMode": "schema",
                "connection": {
                    "host": "127.0.0.1",
                    "port": 5432,
                    "user": "postgres",
                    "database": database,
                },
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
        "jenkins": {
            "baseUrl": jenkins["url"],
            "username": jenkins["username"],
            "apiKey": jenkins["token"],
        },
        "servicenow": {
            "baseUrl": servicenow["url"],
            "username": servicenow["username"],
            "password": servicenow["password"],
        },
        "catalog": {
            "rules": [{"allow": ["Template", "Location"]}],
            "locations": [{"type": "file", "target": str(template_path)}],
        },
    }


@dataclasses.dataclass
class Peer:
    base_url: str
    token: str

    def _client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)

    def run(self, values: dict[str, Any], timeout: float = 300) -> tuple[float, str]:
        """Task creation -> its end, in seconds (the completion event's own time), and the
        task's status."""
        with self._client() as client:
            started = time.time()
            created = client.post(
                "/api/scaffolder/v2/tasks",
                json={"templateRef": f"template:default/{TEMPLATE}", "values": values},
            )
            created.raise_for_status()
            task_id = created.json()["id"]
            deadline = time.monotonic() + timeout
            while True:
                task = client.get(f"/api/scaffolder/v2/tasks/{task_id}").json()
                if task["status"] in ("completed", "failed", "cancelled"):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"peer task {task_id} did not end in {timeout:.0f} s")
                time.sleep(POLL_S)
            events = client.get(f"/api/scaffolder/v2/tasks/{task_id}/events").json()
        ended = next((e["createdAt"] for e in events if e["type"] == "completion"), None)
        finished = _epoch(ended) if ended else time.time()
        if task["status"] != "completed":
            logs = [str(e["body"].get("message", "")) for e in events if e["type"] == "log"]
            raise RuntimeError(f"peer task {task['status']}: " + " / ".join(logs[-200:]))
        return finished - started, str(task["status"])


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@contextmanager
def running_peer(sandbox: Sandbox, floor: Floor, workdir: Path) -> Iterator[Peer]:
    """The peer backend against `sandbox`, its template in the catalog, signed in as Jane."""
    install()
    import psycopg

    database = f"lz_bench_peer_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{database}"')
    port = free_port()
    template_path = write_template(workdir, sandbox, floor.settings.templates_dir)
    config = workdir / "app-config.yaml"
    config.write_text(json.dumps(app_config(sandbox, port, database, template_path), indent=2))
    config.chmod(0o600)
    log = (workdir / "backstage.log").open("ab")
    env = {**os.environ, "NODE_ENV": "development"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    process = subprocess.Popen(
        ["node", str(PEER_DIR / "backend.js"), "--config", str(config)],
        cwd=PEER_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ready(process, base_url, workdir), "the peer Backstage", 180, 0.5)
        token = _guest_token(base_url)
        peer = Peer(base_url, token)
        wait_for(lambda: _has_template(peer), "the peer's template in its catalog", 120, 0.5)
        yield peer
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


def _ready(process: subprocess.Popen[bytes], base_url: str, workdir: Path) -> bool:
    if process.poll() is not None:
        tail = (workdir / "backstage.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the peer Backstage exited:\n{tail}")
    try:
        return httpx.get(f"{base_url}/.backstage/health/v1/readiness", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _guest_token(base_url: str) -> str:
    response = httpx.get(
        f"{base_url}/api/auth/guest/refresh",
        headers={"X-Requested-With": "XMLHttpRequest"},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["backstageIdentity"]["token"])


def _has_template(peer: Peer) -> bool:
    with peer._client() as client:
        found = client.get(f"/api/catalog/entities/by-name/template/default/{TEMPLATE}")
    return found.status_code == 200
