"""`landingzone render` renders with the service's renderer and reports refused values."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from lxml import etree

from landingzone.rendering.cli import add_render_parser, render_command


def test_renders_a_class_with_parameters_converted_to_their_declared_types(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = render_command([
        "--class", "java", "--set", "component_name=ledger", "--set", "javaVersion=17",
        "--set", "description=Keeps {{ books }}", "--out", str(tmp_path),
    ])  # fmt: skip
    assert code == 0
    pom = etree.parse(str(tmp_path / "ledger" / "pom.xml")).getroot()
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    assert pom.findtext("m:properties/m:java.version", namespaces=ns) == "17"
    assert pom.findtext("m:description", namespaces=ns) == "Keeps {{ books }}"
    assert capsys.readouterr().out.splitlines()[0] == str(tmp_path / "ledger")


def test_array_parameters_take_comma_separated_values(tmp_path: Path) -> None:
    assert render_command(["--class", "mobile", "--set", "component_name=wallet",
                           "--set", "platforms=ios", "--out", str(tmp_path)]) == 0  # fmt: skip
    scripts = json.loads((tmp_path / "wallet" / "package.json").read_text())["scripts"]
    assert "--platform ios" in scripts["bundle"] and "android" not in scripts["bundle"]


def test_refused_values_are_listed_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = render_command([
        "--class", "java", "--set", "component_name=../escape", "--set", "javaVersion=18",
        "--out", str(tmp_path / "out"),
    ])  # fmt: skip
    assert code == 2
    errors = capsys.readouterr().err
    assert "component_name:" in errors and "parameters.javaVersion:" in errors
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert not (tmp_path / "escape").exists()


def test_unknown_class_and_unknown_keys_are_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert render_command(["--class", "cobol", "--set", "component_name=x1",
                           "--out", str(tmp_path)]) == 2  # fmt: skip
    assert "known: backend, dotnet, java, mobile, web" in capsys.readouterr().err
    assert render_command(["--class", "web", "--set", "component_name=x1", "--set", "colour=red",
                           "--out", str(tmp_path)]) == 2  # fmt: skip
    assert "colour:" in capsys.readouterr().err


def test_the_subcommand_plugs_into_a_parent_parser(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser(prog="landingzone")
    add_render_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["render", "--class", "backend", "--set", "component_name=api-1",
                              "--out", str(tmp_path)])  # fmt: skip
    assert args.handler(args) == 0
    assert (tmp_path / "api-1" / "src" / "api_1" / "main.py").is_file()
