"""Checks on the values a render receives; the renderer does not trust its caller.

Every free-text value is refused if it holds characters that no output format can carry
faithfully or that hide text from reviewers: C0/C1 control characters (tab, CR and LF
are allowed in multi-line text only), lone surrogates, non-characters and bidirectional
overrides ("Trojan source"). Identifiers, URLs and names have strict patterns because they
also land in places without an escape syntax (CODEOWNERS, image references, job names).

Public API:
    TEXT_RULES: dict[str, FieldRule]            rule per RenderContext field
    check_fields(values: Mapping[str, str], rules) -> list[tuple[str, str]]   (path, message)
    check_text(value, *, multiline, max_length) -> str | None                message or None
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_UNSAFE_ALWAYS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    "\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAKS = re.compile("[\t\r\n\u2028\u2029]")

COMPONENT_NAME = r"^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$"
# Backstage entity names (also Jenkins item and Bitbucket group names here)
_NAME = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
# a path component of an image reference (distribution/reference grammar)
_IMAGE_PATH = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*"
_URL_TAIL = r"(?:[/?#][A-Za-z0-9._~!$&'()*+,;=:@%/?#-]*)?"
_HTTP_URL = rf"^https?://{_HOST}(?::\d{{1,5}})?{_URL_TAIL}$"
_GIT_URL = rf"^(?:https?|ssh)://(?:[A-Za-z0-9._-]+@)?{_HOST}(?::\d{{1,5}})?{_URL_TAIL}$"


@dataclass(frozen=True)
class FieldRule:
    pattern: str | None = None
    max_length: int = 255
    multiline: bool = False
    optional: bool = False
    hint: str = ""


TEXT_RULES: dict[str, FieldRule] = {
    "component_name": FieldRule(
        COMPONENT_NAME, 63, hint="lower-case letters, digits and '-', not ending with '-'"
    ),
    "description": FieldRule(None, 1000, multiline=True, optional=True),
    "owner": FieldRule(
        rf"^(?:group|user):(?:[a-z0-9]+(?:-[a-z0-9]+)*/)?{_NAME}$",
        255,
        hint="an entity reference like group:default/payments",
    ),
    "owner_group": FieldRule(rf"^{_NAME}$", 128, hint="a group name without spaces"),
    "system": FieldRule(rf"^(?:[a-z0-9]+(?:-[a-z0-9]+)*/)?{_NAME}$", 128, optional=True),
    "lifecycle": FieldRule(r"^[a-z][a-z0-9-]{0,62}$", 63, hint="e.g. experimental, production"),
    "tenant": FieldRule(rf"^{_IMAGE_PATH}$", 63, hint="lower-case, valid in an image path"),
    "class_id": FieldRule(r"^[a-z][a-z0-9-]{0,62}$", 63),
    "repository_url": FieldRule(_HTTP_URL, 2048),
    "clone_url": FieldRule(_GIT_URL, 2048),
    "environment_clone_url": FieldRule(_GIT_URL, 2048, optional=True),
    "build_job": FieldRule(rf"^{_NAME}(?:/{_NAME})*$", 512, hint="a Jenkins full name a/b/c"),
    "promote_job": FieldRule(rf"^{_NAME}(?:/{_NAME})*$", 512, hint="a Jenkins full name a/b/c"),
    "request_number": FieldRule(r"^[A-Z]{2,8}[0-9]{4,16}$", 32, optional=True,
                                hint="a ServiceNow number like RITM0010001"),
    "registry": FieldRule(rf"^{_HOST}(?::\d{{1,5}})?(?:/{_IMAGE_PATH})*$", 255),
    "landing_zone_id": FieldRule(r"^lz_[a-z0-9_]{1,60}$", 63, optional=True,
                                 hint="a landing zone id like lz_3f9a0c2e41d7b5a86e10"),
    "image": FieldRule(rf"^{_HOST}(?::\d{{1,5}})?(?:/{_IMAGE_PATH})+$", 255,
                       hint="registry/tenant/name without a tag"),
}  # fmt: skip


def check_text(value: str, *, multiline: bool, max_length: int) -> str | None:
    """Why `value` cannot be rendered, or None when it can."""
    if len(value) > max_length:
        return f"must be at most {max_length} characters long"
    if _UNSAFE_ALWAYS.search(value):
        return "holds a control, bidirectional-override or non-character code point"
    if not multiline and _LINE_BREAKS.search(value):
        return "must be a single line"
    return None


def check_fields(
    values: Mapping[str, str], rules: Mapping[str, FieldRule]
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    for name, rule in rules.items():
        value = values.get(name, "")
        if not isinstance(value, str):
            errors.append((name, "must be a string"))
            continue
        if value == "" and rule.optional:
            continue
        problem = check_text(value, multiline=rule.multiline, max_length=rule.max_length)
        if problem is None and rule.pattern and not re.fullmatch(rule.pattern, value):
            problem = "is not valid" + (f" ({rule.hint})" if rule.hint else "")
        if problem is not None:
            errors.append((name, problem))
    return errors
