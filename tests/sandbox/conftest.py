"""A simulators process as `landingzone sandbox` starts it, for tests of faults and outages."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from landingzone_sandbox.layout import SandboxLayout, write_description
from tests.support.sandbox import Sandbox, _free_port_block, wait_for

SYSTEMS = ("bitbucket", "jenkins", "servicenow", "mailbox")


@pytest.fixture(scope="session")
def simulators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """Every simulator mounted as in the sandbox, described in sandbox.json, without the service."""
    data_dir = tmp_path_factory.mktemp("simulators")
    layout = SandboxLayout.load_or_create(data_dir, "127.0.0.1", _free_port_block(6))
    write_description(layout, {})
    log = (data_dir / "simulators.out").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "landingzone_sandbox",
            "sandbox-simulators",
            "--data",
            str(data_dir),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        ready = data_dir / "simulators.ready"
        wait_for(lambda: ready.exists() or process.poll() is not None, "the simulators", 60)
        if not ready.exists():
            log.flush()
            output = (data_dir / "simulators.out").read_text(errors="replace")[-2000:]
            pytest.fail(f"the simulators exited with {process.returncode}:\n{output}")
        yield Sandbox(data_dir, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def sandbox(simulators: Sandbox) -> Iterator[Sandbox]:
    """The shared simulators, with no fault or outage left behind by a test."""
    yield simulators
    with httpx.Client(timeout=10) as client:  # one connection per system keeps this quick
        for system in SYSTEMS:
            for control in ("outage", "faults"):
                client.delete(f"{simulators.url(system)}/_sandbox/{control}").raise_for_status()
