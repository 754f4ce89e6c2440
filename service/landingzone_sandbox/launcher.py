"""`landingzone sandbox`: simulators and the service, supervised, in one process tree.

Nothing of the tree outlives the sandbox: SIGTERM, SIGINT and SIGHUP (its terminal closed)
stop the children in order, and each child is tethered to the sandbox, so even a SIGKILL of
the sandbox ends them and frees their ports.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from landingzone_sandbox.layout import SandboxLayout, description_path, write_description
from landingzone_sandbox.platform_repos import library_clone_url, library_source, publish_library
from landingzone_sandbox.tether import tethered_command

READY_TIMEOUT_S = 120.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class Stopped(BaseException):
    """A signal asked the sandbox to stop (not an error: nothing should catch it on the way)."""


class Supervised:
    """A child process restarted whenever it dies, as an orchestrator would."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._changed = threading.Condition()

    def start(self) -> None:
        self._spawn()
        threading.Thread(target=self._watch, name=f"watch:{self.name}", daemon=True).start()

    def _spawn(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            # A session of its own: a terminal's Ctrl-C or hang-up reaches the sandbox alone,
            # which stops the children in order (the tether ends them if it cannot).
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        with self._changed:
            self._changed.notify_all()

    def _watch(self) -> None:
        while not self._stopping.is_set():
            assert self.process is not None
            self.process.wait()
            if self._stopping.is_set():
                return
            self.restarts += 1
            # A crash loop should not spin: wait a little longer each time, up to 5 s.
            if self._stopping.wait(min(5.0, 0.2 * self.restarts)):
                return
            self._spawn()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        self._stopping.set()
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not become ready within {READY_TIMEOUT_S:.0f} s")
        time.sleep(0.1)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def run_sandbox(data_dir: Path, port: int, demo: bool, host: str = "127.0.0.1") -> int:
    layout = SandboxLayout.load_or_create(data_dir, host, port)
    ready_flag = layout.root / "simulators.ready"
    ready_flag.unlink(missing_ok=True)
    # What a sandbox that ended left behind describes processes gone: it comes back once up.
    description_path(layout).unlink(missing_ok=True)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("LZ_")}
    service_env = {**base_env, **layout.service_environment()}
    # The simulators read the service's platform configuration (its approval groups) and the
    # way it talks to ServiceNow, to set the instance up for it.
    shared = ("LZ_PLATFORM_CONFIG", "LZ_SERVICENOW_MODE", "LZ_SERVICENOW_APPROVAL_GROUP_FIELD")
    platform = {name: service_env[name] for name in shared if name in service_env}
    simulators = Supervised(
        "simulators",
        tethered_command("landingzone_sandbox", "sandbox-simulators", "--data", str(layout.root)),
        {**base_env, **platform},
        layout.root / "logs" / "simulators.log",
    )
    if "LZ_DATABASE_URL" in os.environ:
        service_env["LZ_DATABASE_URL"] = os.environ["LZ_DATABASE_URL"]
    service = Supervised(
        "service",
        tethered_command(
            "landingzone.cli", "serve", "--host", host, "--port", str(layout.api_port)
        ),
        service_env,
        layout.root / "logs" / "service.log",
    )
    _stop_on_signals()
    try:
        simulators.start()
        _wait_until(ready_flag.exists, "the simulators")
        source = library_source()
        if source is not None:
            version = publish_library(layout, source)
            service.env["LZ_JENKINS_LIBRARY_CLONE_URL"] = library_clone_url(layout)
            service.env["LZ_JENKINS_LIBRARY_VERSION"] = version
        else:
            print(
                "No jenkins-library/ beside this sandbox (it runs from a checkout): folders pin"
                " no pipeline library, so pipelines that load one fail.",
                flush=True,
            )
        service.start()
        _wait_until(lambda: _healthy(layout.api_url), "the service")
        path = _describe(layout, service, simulators)
        print(f"Landing Zone sandbox is up; addresses and credentials in {path}", flush=True)
        if demo:
            from landingzone_sandbox.demo import run_demo

            run_demo(layout)
        watched_pid = service.pid
        while True:
            time.sleep(0.5)
            if service.pid != watched_pid:
                watched_pid = service.pid
                _describe(layout, service, simulators)
    except Stopped:
        return 0
    finally:
        service.stop()
        simulators.stop()


def _stop_on_signals() -> None:
    """Each stop signal interrupts whatever the sandbox is doing (starting, the demo, watching);
    the stop itself is not interrupted by a second one."""

    def stop(signum: int, _frame: object) -> None:
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        raise Stopped(signal.Signals(signum).name)

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)


def _describe(layout: SandboxLayout, service: Supervised, simulators: Supervised) -> Path:
    return write_description(
        layout,
        {
            "processes": {
                "service": service.pid,
                "simulators": simulators.pid,
                "service_restarts": service.restarts,
            },
            "logs": str(layout.root / "logs"),
        },
    )
