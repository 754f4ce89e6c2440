"""The `landingzone` command without the sandbox installed, as the image has it."""

from __future__ import annotations

import hashlib
import io
import secrets
import sys
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


def test_hash_token_prints_the_hash_callers_are_configured_with(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = secrets.token_urlsafe(32)
    monkeypatch.setattr(sys, "stdin", io.StringIO(token + "\n"))
    assert cli.main(["hash-token"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == "sha256:" + hashlib.sha256(token.encode()).hexdigest()
    assert token not in printed


@pytest.mark.parametrize("token", ["", "changeme", "two words " + "x" * 40])
def test_hash_token_refuses_what_is_no_random_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(token))
    assert cli.main(["hash-token"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "at least 32 random characters" in captured.err
