"""Another `landingzone serve` on a sandbox's PostgreSQL: a replica sharing the sandbox's work."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from landingzone_sandbox.layout import SandboxLayout
from landingzone_sandbox.serving import free_port
from tests.support.sandbox import Sandbox, healthy, wait_for


@dataclass
class Replica:
    url: str
    executor_id: str
    process: subprocess.Popen[bytes]


@contextmanager
def another_replica(sandbox: Sandbox, settings: dict[str, str]) -> Iterator[Replica]:
    """A replica pointed at the sandbox like its own service, with `settings` on top and an
    executor id of its own; stopped with SIGTERM (unless the caller killed it first)."""
    if sandbox.database_url is None:
        raise ValueError("replicas share work only on PostgreSQL")
    port = free_port()
    executor_id = f"replica-{uuid.uuid4().hex[:6]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LZ_")}
    env.update(SandboxLayout.load(sandbox.data_dir).service_environment())
    env.update(settings)
    env.update(
        {
            "LZ_DATABASE_URL": sandbox.database_url,
            "LZ_EXECUTOR_ID": executor_id,
            "LZ_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
    )
    log_path = sandbox.data_dir / "logs" / f"{executor_id}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "landingzone.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        replica = Replica(f"http://127.0.0.1:{port}", executor_id, process)
        try:
            wait_for(lambda: healthy(replica.url), f"replica {executor_id}", timeout=60)
            yield replica
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
