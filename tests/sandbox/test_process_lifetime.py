"""Nothing of `landingzone sandbox` outlives it, however it ends: killed outright, its terminal
closed, or asked to stop; the next one starts on the same ports with the same data folder."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.sandbox import running_sandbox, wait_for

pytestmark = pytest.mark.slow  # starts and ends whole sandboxes

HTTP_SYSTEMS = ("bitbucket", "jenkins", "servicenow", "mailbox")


def alive(pid: int) -> bool:
    """Running or stopped; a zombie (dead, not yet reaped) holds no port and counts as gone."""
    if not Path("/proc/self").exists():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.parametrize(
    "ending", [signal.SIGKILL, signal.SIGHUP, signal.SIGTERM], ids=lambda s: s.name
)
def test_nothing_of_the_sandbox_survives_it_and_the_next_starts_on_its_ports(
    tmp_path: Path, ending: signal.Signals
) -> None:
    data_dir = tmp_path / "sandbox"
    with running_sandbox(data_dir) as first:
        before = first.description
        children = [int(before["processes"]["service"]), int(before["processes"]["simulators"])]
        assert all(alive(pid) for pid in children)
        first.process.send_signal(ending)
        first.process.wait(timeout=60)
        wait_for(
            lambda: not any(alive(pid) for pid in children),
            f"the service and the simulators to end after {ending.name}",
            timeout=60,
        )

    with running_sandbox(data_dir, port=int(urlsplit(before["api"]["url"]).port or 0)) as second:
        after = second.description
        assert after["api"] == before["api"]  # the same address, and the token of the same folder
        assert {int(after["processes"][name]) for name in ("service", "simulators")}.isdisjoint(
            children
        )
        for system in HTTP_SYSTEMS:
            assert after[system]["url"] == before[system]["url"]
            assert httpx.get(f"{second.url(system)}/_sandbox/outage", timeout=10).status_code == 200
        smtp = after["mailbox"]
        assert smtp["smtp_port"] == before["mailbox"]["smtp_port"]
        with smtplib.SMTP(smtp["smtp_host"], smtp["smtp_port"], timeout=10) as client:
            assert client.noop()[0] == 250


def test_a_tethered_child_ends_when_its_parent_is_gone_even_if_the_kernel_never_says(
    tmp_path: Path,
) -> None:
    """The tether's own watch, for where `PR_SET_PDEATHSIG` is not to be had (or came too late):
    told of a parent it does not have, the child sees that parent gone and ends."""
    not_its_parent = os.getpid() + 1  # this process is its parent
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "landingzone_sandbox.tether",
            str(not_its_parent),
            "http.server",
            "--bind",
            "127.0.0.1",
            "--directory",
            str(tmp_path),
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert child.wait(timeout=30) == -signal.SIGTERM
    finally:
        child.kill()
