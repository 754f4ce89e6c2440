"""The service's image definition and packaging, checked with the tools that judge them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(__file__).parents[1] / ".venv/bin/hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed")
    result = subprocess.run(
        [hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout


def test_dockerfile_runs_unprivileged_with_a_healthcheck() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    assert any(line.startswith("HEALTHCHECK") for line in lines)


def test_the_command_offers_every_documented_subcommand() -> None:
    landingzone = ROOT / ".venv" / "bin" / "landingzone"
    if not landingzone.exists():
        pytest.skip("the console script is not installed in .venv")
    result = subprocess.run(
        [str(landingzone), "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    for command in ("serve", "sandbox", "render", "openapi"):
        assert command in result.stdout
