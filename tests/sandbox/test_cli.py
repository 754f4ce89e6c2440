"""`landingzone sandbox` comes from the sandbox's distribution, through the entry point the
product's CLI looks up; the product's code never names the sandbox."""

from __future__ import annotations

import tomllib
from importlib.metadata import EntryPoint, PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import pytest

from landingzone import cli
from landingzone_sandbox import cli as sandbox_cli
from landingzone_sandbox import launcher

SANDBOX_PYPROJECT = Path(__file__).resolve().parents[2] / "service" / "pyproject.toml"


def declared_entry_points() -> list[EntryPoint]:
    project = tomllib.loads(SANDBOX_PYPROJECT.read_text())["project"]
    declared = project["entry-points"][cli.COMMANDS_GROUP]
    return [EntryPoint(name, value, cli.COMMANDS_GROUP) for name, value in declared.items()]


def test_the_declared_entry_point_is_the_sandboxs_register() -> None:
    (entry_point,) = declared_entry_points()
    assert entry_point.load() is sandbox_cli.register


@pytest.fixture
def sandbox_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    def installed(**selection: Any) -> list[EntryPoint]:
        assert selection == {"group": cli.COMMANDS_GROUP}
        return declared_entry_points()

    monkeypatch.setattr(cli, "entry_points", installed)


@pytest.mark.usefixtures("sandbox_installed")
def test_the_product_cli_gains_the_documented_sandbox_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["sandbox", "--help"])
    usage = capsys.readouterr().out
    for option in ("--port", "--data", "--demo"):
        assert option in usage


@pytest.mark.usefixtures("sandbox_installed")
def test_landingzone_sandbox_runs_the_sandboxs_launcher(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[Path, int, bool]] = []

    def run_sandbox(data: Path, port: int, demo: bool) -> int:
        started.append((data, port, demo))
        return 0

    monkeypatch.setattr(launcher, "run_sandbox", run_sandbox)
    assert cli.main(["sandbox", "--port", "8100", "--data", "state", "--demo"]) == 0
    assert cli.main(["sandbox"]) == 0
    assert started == [(Path("state"), 8100, True), (Path(".sandbox"), 8000, False)]


def test_an_installed_sandbox_registers_its_command() -> None:
    try:
        installed = distribution("landingzone-sandbox")
    except PackageNotFoundError:
        pytest.skip("landingzone-sandbox is not installed here (`make install` installs it)")
    names = {ep.name: ep.value for ep in installed.entry_points if ep.group == cli.COMMANDS_GROUP}
    assert names == {"sandbox": "landingzone_sandbox.cli:register"}
