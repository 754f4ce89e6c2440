"""Escaping filters: every value reads back literally from the format it was written into."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from lxml import etree

from landingzone.rendering import filters
from tests.rendering.toolchains import assert_ok, csharp_problems, groovy_problems, run

TRICKY = [
    "plain",
    "",
    "quote \" apostrophe ' backslash \\ end\\",
    "{{ 7*7 }} {% if 1 %}x{% endif %} {# c #} ${HOME} #{x} $(id) `id`",
    "line\nbreak\r\ncrlf\ttab",
    "unicode ü 支払い 🚀 \u2028 \u00a0 \u0085",
    "key: value\n- item\n---\n...",
    '<tag attr="1">&amp; ]]> <!-- -->',
    "\\u0022 \\n \\\\",
    "x" * 1000,
]
XML_SAFE = [value for value in TRICKY if "\x00" not in value]


@pytest.mark.parametrize("value", TRICKY)
def test_yaml_json_and_toml_strings_read_back_literally(value: str) -> None:
    assert yaml.safe_load(f"key: {filters.yaml_str(value)}\n") == {"key": value}
    assert json.loads(f'{{"key": {filters.json_str(value)}}}') == {"key": value}
    assert tomllib.loads(f"key = {filters.toml_str(value)}\n") == {"key": value}


@pytest.mark.parametrize("value", XML_SAFE)
def test_xml_text_and_attributes_read_back_literally(value: str) -> None:
    escaped = filters.xml(value)
    root = etree.fromstring(f'<r a="{escaped}">{escaped}</r>'.encode())
    assert root.text in (value, None if value == "" else value)
    assert root.get("a") == value


def test_xml_refuses_characters_xml_cannot_carry() -> None:
    with pytest.raises(ValueError, match="XML"):
        filters.xml("nul \x00 byte")


def test_markdown_text_shows_literally_and_makes_no_markup() -> None:
    value = "# heading [link](http://x) <script>alert(1)</script> *em* `code`"
    escaped = filters.md_text(value)
    assert "<script" not in escaped and "](" not in escaped
    unescaped = re.sub(r"\\(.)", r"\1", escaped).replace("&lt;", "<").replace("&amp;", "&")
    assert unescaped == value


@pytest.mark.parametrize("value", TRICKY)
def test_groovy_and_csharp_literals_parse_as_one_string(value: str) -> None:
    groovy = f"def x = {filters.groovy_str(value)}\n".encode()
    assert groovy_problems(groovy) == []
    if value:  # single quotes: Groovy never interpolates `${...}` in them
        assert filters.groovy_str(value).startswith("'")
    csharp = f"class C {{ const string X = {filters.csharp_str(value)}; }}\n".encode()
    assert csharp_problems(csharp) == []


def test_java_literals_compile_and_hold_the_exact_value(tmp_path: Path) -> None:
    literals = ",\n".join(filters.java_str(value) for value in TRICKY)
    (tmp_path / "Values.java").write_text(
        "import java.nio.charset.StandardCharsets;\n"
        "public class Values {\n"
        f"  static final String[] VALUES = {{\n{literals}\n  }};\n"
        "  public static void main(String[] args) throws Exception {\n"
        "    for (String v : VALUES) {\n"
        "      System.out.write(v.getBytes(StandardCharsets.UTF_8));\n"
        "      System.out.write(0);\n"
        "    }\n"
        "    System.out.flush();\n"
        "  }\n"
        "}\n",
        encoding="utf-8",
    )
    assert_ok(run(["javac", "-encoding", "UTF-8", "Values.java"], cwd=tmp_path))
    result = subprocess.run(
        ["java", "-cp", ".", "Values"], cwd=tmp_path, capture_output=True, check=True, timeout=60
    )
    assert result.stdout.decode("utf-8").split("\x00")[:-1] == TRICKY


def test_docker_words_disable_substitution_and_refuse_line_breaks() -> None:
    assert filters.docker_str('a "b" $HOME `x`') == '"a \\"b\\" \\$HOME \\`x\\`"'
    with pytest.raises(ValueError):
        filters.docker_str("two\nlines")


def test_identifiers_derived_from_names_are_valid_in_each_language() -> None:
    assert filters.pascal_case("payments-api-2") == "PaymentsApi2"
    assert filters.java_package("com.new.example", "class") == "com.new_.example.class_"
    assert filters.java_package_path("com.example", "payments-api") == "com/example/payments_api"
    assert filters.python_module("import") == "import_"
    assert filters.python_module("payments-api") == "payments_api"
