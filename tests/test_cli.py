"""The `landingzone` command without the sandbox installed, as the image has it."""

from __future__ import annotations

from typing import Any

import pytest

from landingzone import cli


@pytest.fixture
def without_installed_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    def none_installed(**_selection: Any) -> list[Any]:
        return []

    monkeypatch.setattr(cli, "entry_points", none_installed)


@pytest.mark.usefixtures("without_installed_commands")
def test_sandbox_says_which_distribution_to_install(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["sandbox", "--demo", "--port", "8100"], ["sandbox", "--help"]):
        assert cli.main(argv) == 2
        assert "install landingzone-sandbox" in capsys.readouterr().err


@pytest.mark.usefixtures("without_installed_commands")
def test_the_help_still_lists_sandbox_and_names_what_it_needs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one line per command
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    listing = capsys.readouterr().out
    (line,) = [line for line in listing.splitlines() if line.split()[:1] == ["sandbox"]]
    assert "needs landingzone-sandbox" in line
