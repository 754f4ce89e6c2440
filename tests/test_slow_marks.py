"""No slow test slips into `make check`: tests/conftest.py stops an unmarked test that starts
the service, the sandbox or a build toolchain as a process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import slow_process


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        ([sys.executable, "-m", "landingzone.cli", "sandbox", "--port", "8000"], "sandbox"),
        ([sys.executable, "-m", "landingzone.cli", "sandbox-simulators"], "sandbox-simulators"),
        ([sys.executable, "-m", "landingzone_sandbox", "sandbox", "--data", "var"], "sandbox"),
        (["/srv/.venv/bin/landingzone", "serve"], "serve"),
        (["npm", "ci"], "npm"),
        (["/usr/bin/mvn", "-q", "verify"], "mvn"),
        (["docker", "build", "."], "docker"),
    ],
)
def test_processes_that_take_seconds_are_recognised(argv: list[str], reason: str) -> None:
    assert reason in (slow_process(argv) or "")


@pytest.mark.parametrize(
    "argv",
    [
        ["git", "push", "origin", "main"],
        ["/srv/.venv/bin/landingzone", "--help"],
        [sys.executable, "-m", "landingzone.cli", "render", "java"],
        ["javac", "Values.java"],
        [],
    ],
)
def test_quick_processes_are_left_alone(argv: list[str]) -> None:
    assert slow_process(argv) is None


def test_an_unmarked_test_cannot_start_the_sandbox() -> None:
    argv = [sys.executable, "-m", "landingzone.cli", "sandbox", "--help"]
    with pytest.raises(RuntimeError, match="is not marked slow"):
        subprocess.run(argv, capture_output=True, check=False, timeout=60)
