"""A corpus of hostile requests to preview and create: every field of the request, each with the
payloads an attacker tries first, and bodies that are hostile as a whole.

Each case says which field it aims at (where a refusal must point) and, for a value the service
may accept, where it must then show up literally.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.sandbox import request_body

MARKER_DIR = Path("/tmp/landingzone-hostile-markers")
_TOUCH = f"touch {MARKER_DIR}/ran"

TEMPLATES = [
    "{{ 7*191 }}",
    "{% for x in range(10**9) %}x{% endfor %}",
    "{{ cycler.__init__.__globals__.os.popen('" + _TOUCH + "').read() }}",
    "{{ cookiecutter.__class__.__mro__ }}{{ config }}",
    "${{ 7*191 }} #{7*191} <%= 7*191 %> ${7*191}",
]
TRAVERSALS = [
    f"../../../../../../..{MARKER_DIR}/escaped",
    "/etc/passwd",
    "..\\..\\windows\\system32\\config",
]
SHELL = [
    f"$({_TOUCH})",
    f"`{_TOUCH}`",
    f"; {_TOUCH} && {_TOUCH} | sh",
    f"'; {_TOUCH}; echo '",
]
CONTROL = [
    "line one\r\nBcc: intruder@example.com",
    "line one\nSubject: forged",
    "nul\x00byte",
    "escape\x1b[31m red",
]
UNICODE = [
    "right-to-left \u202e override",
    "isolate \u2066hidden\u2069 text",
    "p\u0430yments",  # a Cyrillic a
    "zero\u200bwidth",
    "\U0001f680" * 300,
]
LONG = ["A" * 5000, "B" * 70_000]
EVERYWHERE = TEMPLATES + TRAVERSALS + SHELL + CONTROL + UNICODE + LONG
EMAILS = [
    "jane.doe@example.com\r\nBcc: intruder@example.com",
    "jane.doe@example.com, intruder@example.com",
    "Jane <jane.doe@example.com>",
    "{{7*191}}@example.com",
    "jane`touch`@example.com",
    "jane.doe@[127.0.0.1]",
]


@dataclass(frozen=True)
class Case:
    id: str
    aims_at: tuple[str, ...]  # where a refusal must point: ("body", "requester", "name")
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    value: str | None = None  # the hostile value, when it is one value in one field

    @property
    def routes(self) -> tuple[str, ...]:
        """Preview takes the body alone; a header is the create's."""
        create = "/v1/landing-zones"
        return (create,) if self.aims_at[0] == "header" else (f"{create}:preview", create)

    @property
    def name(self) -> str:
        """The landing zone name the case asks for (when it does not aim at the name)."""
        try:
            document = json.loads(self.body)
        except ValueError:
            return ""
        return str(document.get("name", "")) if isinstance(document, dict) else ""


def _set(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed: dict[str, Any] = json.loads(json.dumps(body))
    target = changed
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value
    return changed


def _encoded(body: object) -> bytes:
    return json.dumps(body).encode()  # lone surrogates and controls as JSON escapes


# Field paths of the request, with the class whose parameter it is.
FIELDS: list[tuple[tuple[str, ...], str]] = [
    (("name",), "java"),
    (("class",), "java"),
    (("owner",), "java"),
    (("tenant",), "java"),
    (("system",), "java"),
    (("description",), "java"),
    (("on_behalf_of",), "java"),
    (("requester", "name"), "java"),
    (("parameters", "groupId"), "java"),
    (("parameters", "apiPrefix"), "backend"),
    (("parameters", "basePath"), "web"),
]


def corpus() -> list[Case]:
    cases: list[Case] = []

    def add(
        aims_at: tuple[str, ...], body: bytes, value: str | None = None, **headers: str
    ) -> None:
        cases.append(Case(f"h{len(cases):03d}", aims_at, body, headers, value))

    def named() -> str:
        return f"hostile-{len(cases):03d}"

    for path, class_id in FIELDS:
        for payload in EVERYWHERE:
            body = request_body(named(), class_id=class_id)
            add(("body", *path), _encoded(_set(body, path, payload)), payload)
    for payload in EMAILS:
        body = _set(request_body(named()), ("requester", "email"), payload)
        add(("body", "requester", "email"), _encoded(body), payload)
    for payload in ["../../etc", "{{ 7*191 }}", "\u202e", "x\r\ny"]:
        body = _set(request_body(named()), ("parameters",), {payload: "x"})
        add(("body", "parameters"), _encoded(body), payload)
    # Bodies hostile as a whole.
    plain = request_body(named())
    add(("body",), b'{"name": "\xff\xfe", "class": "java"}')
    add(("body",), _encoded(plain)[:-1] + b', "description": "\xc3\x28"}')
    add(("body",), _encoded({**plain, "description": "x" * 100_000}))
    add(("body",), b'{"parameters": ' + b"[" * 5000 + b"]" * 5000 + b"}")
    deep: Any = "leaf"
    for _ in range(200):
        deep = {"a": deep}
    add(("body", "parameters"), _encoded({**request_body(named()), "parameters": {"x": deep}}))
    text = _encoded(request_body(named())).decode()
    add(("body", "name"), (text[:-1] + ', "name": "other-name"}').encode())
    add(
        ("body", "requester"),
        (text[:-1] + ', "requester": {"name": "A", "email": "a@b.c"}}').encode(),
    )
    add(("body", "name\u0000"), _encoded({**request_body(named()), "name\u0000": "x"}))
    add(("body", "\\udfff"), _encoded({**request_body(named()), "\udfff": "x"}))
    add(("body",), b"[1, 2, 3]")
    add(("body",), b"null")
    add(
        ("header", "Idempotency-Key"),
        _encoded(request_body(named())),
        None,
        **{"Idempotency-Key": "key with spaces; rm -rf /"},
    )
    add(
        ("header", "Idempotency-Key"),
        _encoded(request_body(named())),
        None,
        **{"Idempotency-Key": "k" * 5000},
    )
    return cases
