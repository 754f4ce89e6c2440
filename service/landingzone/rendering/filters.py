"""Per-format escaping filters for templates, and identifier filters derived from names.

Templates insert every free-text value through the filter of the file's format, so the
value reads back literally after parsing and can never add structure (a YAML key, an XML
element, a JSON member, a Groovy expression...):

    description: {{ cookiecutter.description | yaml_str }}
    <description>{{ cookiecutter.description | xml }}</description>
    "description": {{ cookiecutter.description | json_str }},

`OutputFormatFilters` is a Jinja extension that registers every filter below. Each
template lists it in `_extensions` of its cookiecutter.json, so the cookiecutter command
line renders the templates exactly like the service does.

Public API: `FILTERS` (name -> function), `OutputFormatFilters`, and the functions
`yaml_str`, `json_str`, `xml`, `toml_str`, `groovy_str`, `java_str`, `csharp_str`,
`docker_str`, `md_text`, `pascal_case`, `identifier`, `java_package`, `java_package_path`,
`python_module`. A filter raises `ValueError` for a value its format cannot carry (e.g.
NUL in XML).
"""

from __future__ import annotations

import functools
import json
import keyword
import re
from collections.abc import Callable

import yaml
from jinja2 import Environment
from jinja2.ext import Extension

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")

_JAVA_RESERVED = """abstract assert boolean break byte case catch char class const continue default
do double else enum extends final finally float for goto if implements import instanceof int
interface long native new package private protected public return short static strictfp super
switch synchronized this throw throws transient try void volatile while true false null var
record yield sealed permits non-sealed when module open"""
JAVA_KEYWORDS = frozenset(_JAVA_RESERVED.split())


def yaml_str(value: object) -> str:
    """A double-quoted YAML scalar; non-printable characters are escaped."""
    return _yaml_quoted(str(value))


@functools.lru_cache(maxsize=4096)
def _yaml_quoted(text: str) -> str:
    # The emitter is slow and renders repeat the same values (names, namespaces, hosts).
    dumped = yaml.dump(
        text,
        Dumper=yaml.SafeDumper,
        default_style='"',
        allow_unicode=True,
        width=2**31 - 1,
    )
    return dumped.removesuffix("\n...\n").rstrip("\n")


def json_str(value: object) -> str:
    """A JSON string literal."""
    return json.dumps(str(value), ensure_ascii=False)


def xml(value: object) -> str:
    """Text for XML element content or a double-quoted attribute."""
    text = str(value)
    if _XML_ILLEGAL.search(text):
        raise ValueError("the value holds a character that XML 1.0 cannot carry")
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def _escape_control(char: str, *, short: dict[str, str]) -> str:
    return short.get(char, f"\\u{ord(char):04x}")


def toml_str(value: object) -> str:
    """A TOML basic string."""
    short = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _CONTROL.sub(lambda m: _escape_control(m.group(), short=short), escaped) + '"'


def groovy_str(value: object) -> str:
    """A single-quoted Groovy string: no `${}` interpolation, quotes and controls escaped."""
    if str(value) == "":
        return '""'  # a GString without `$` is a plain String; some Groovy parsers reject ''
    short = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
    escaped = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return "'" + _CONTROL.sub(lambda m: _escape_control(m.group(), short=short), escaped) + "'"


def java_str(value: object) -> str:
    """A Java string literal. Octal escapes, not \\u: javac decodes \\u before lexing."""
    short = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')

    def octal(match: re.Match[str]) -> str:
        char = match.group()
        if char in short:
            return short[char]
        if ord(char) < 0x100:
            return f"\\{ord(char):03o}"
        return char  # U+2028/U+2029 are ordinary characters in Java source

    return '"' + _CONTROL.sub(octal, escaped) + '"'


def csharp_str(value: object) -> str:
    """A C# regular string literal."""
    short = {"\0": "\\0", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _CONTROL.sub(lambda m: _escape_control(m.group(), short=short), escaped) + '"'


def docker_str(value: object) -> str:
    """A double-quoted Dockerfile word (LABEL, ENV) with `$` substitution disabled."""
    text = str(value)
    if _CONTROL.search(text):
        raise ValueError("a Dockerfile value cannot hold control characters")
    return '"' + re.sub(r'(["\\$`])', r"\\\1", text) + '"'


def md_text(value: object) -> str:
    """Markdown text that renders as the literal value (no links, headings or HTML)."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))
    return escaped.replace("&", "&amp;").replace("<", "&lt;")


def pascal_case(value: object) -> str:
    """`payments-api-2` -> `PaymentsApi2`: a C# namespace or class name."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", str(value)) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words)
    if not name or not name[0].isalpha():
        name = "App" + name
    return name


def identifier(value: object) -> str:
    """`payments-api` -> `payments_api`, a Java/Python identifier segment."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", str(value))
    if not name or name[0].isdigit():
        name = "_" + name
    if name in JAVA_KEYWORDS or keyword.iskeyword(name):
        name += "_"
    return name


def java_package(group_id: object, component_name: object = "") -> str:
    """Java package from a Maven groupId and a component name; keywords get a `_` suffix."""
    segments = [s for s in str(group_id).split(".") if s]
    if component_name:
        segments.append(str(component_name))
    return ".".join(identifier(segment.lower()) for segment in segments)


def java_package_path(group_id: object, component_name: object = "") -> str:
    """The folder of `java_package`: `com/example/payments_api`."""
    return java_package(group_id, component_name).replace(".", "/")


def python_module(value: object) -> str:
    """`payments-api` -> `payments_api`."""
    return identifier(str(value).lower())


FILTERS: dict[str, Callable[..., str]] = {
    "yaml_str": yaml_str,
    "json_str": json_str,
    "xml": xml,
    "toml_str": toml_str,
    "groovy_str": groovy_str,
    "java_str": java_str,
    "csharp_str": csharp_str,
    "docker_str": docker_str,
    "md_text": md_text,
    "pascal_case": pascal_case,
    "identifier": identifier,
    "java_package": java_package,
    "java_package_path": java_package_path,
    "python_module": python_module,
}


class OutputFormatFilters(Extension):
    """Registers `FILTERS` on a Jinja environment (cookiecutter `_extensions` entry)."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(FILTERS)
