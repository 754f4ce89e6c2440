"""The per-environment Kustomize overlay of an environment repository, and pinning its image.

Each environment of a landing zone is `environments/<env>/kustomization.yaml` over `base/`.
Its `images:` entry for the component's image is the one line a promotion changes: an
environment that was never promoted carries `newTag: unpromoted` (a tag no build pushes),
a promoted one `digest: sha256:...`. The edit is minimal and textual, so every other line
and comment of the file stays as it was; the result is parsed again to prove it says what
was meant.

Public API:
    overlay_path(environment) -> str       "environments/<env>/kustomization.yaml"
    current_digest(kustomization_text, image) -> str | None
    pin_digest(kustomization_text, image, digest) -> str
    UNPROMOTED_TAG, DIGEST (the accepted digest form), OverlayError(ValueError)
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from landingzone.rendering.environments import ENVIRONMENT_NAME

UNPROMOTED_TAG = "unpromoted"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_TOP_LEVEL = re.compile(r"^[^\s#-]")
_ITEM = re.compile(r"^(?P<indent>\s*)- ")
_VERSION_KEY = re.compile(r"^(?P<lead>\s*(?:- )?)(?:digest|newTag)\s*:")
_NAME_KEY = re.compile(r"^\s*(?:- )?name\s*:")


class OverlayError(ValueError):
    """The kustomization, the image or the digest is not one this module can pin."""


def overlay_path(environment: str) -> str:
    """Where the environment's kustomization lives in the environment repository."""
    if not ENVIRONMENT_NAME.fullmatch(environment):
        raise OverlayError("environment: not a valid environment name")
    return f"environments/{environment}/kustomization.yaml"


def current_digest(kustomization_text: str, image: str) -> str | None:
    """The digest the overlay pins `image` to; None before the first promotion."""
    entry = _image_entry(_parsed(kustomization_text), image)
    digest = entry.get("digest")
    if digest is None:
        return None
    if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
        raise OverlayError(f"the images entry for {image} holds a malformed digest")
    return digest


def pin_digest(kustomization_text: str, image: str, digest: str) -> str:
    """The same text with `image` pinned to `digest` (replacing its tag or older digest)."""
    if not DIGEST.fullmatch(digest):
        raise OverlayError("digest: must be sha256: followed by 64 lower-case hex digits")
    _image_entry(_parsed(kustomization_text), image)
    lines = kustomization_text.splitlines(keepends=True)
    start, end = _item_lines(lines, image)
    key_indent = _key_indent(lines[start])
    version = [i for i in range(start, end) if _VERSION_KEY.match(lines[i])]
    replacement = f"{key_indent}digest: {digest}"
    if version:
        first = version[0]
        lead = _VERSION_KEY.match(lines[first])
        assert lead is not None
        # A first line of the item ("- newTag: x") keeps its dash.
        prefix = lead.group("lead") if lead.group("lead").strip() else key_indent
        lines[first] = f"{prefix}digest: {digest}{_ending(lines[first])}"
        for extra in reversed(version[1:]):
            del lines[extra]
    else:
        name_line = next(i for i in range(start, end) if _NAME_KEY.match(lines[i]))
        newline = _ending(lines[name_line]) or "\n"
        if not lines[name_line].endswith(("\n", "\r")):
            lines[name_line] += newline
        lines.insert(name_line + 1, replacement + newline)
    pinned = "".join(lines)
    entry = _image_entry(_parsed(pinned), image)
    if entry.get("digest") != digest or "newTag" in entry:
        raise OverlayError(f"the images entry for {image} could not be pinned in place")
    return pinned


def _parsed(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise OverlayError(f"the kustomization is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise OverlayError("the kustomization is not a mapping")
    return data


def _image_entry(data: dict[str, Any], image: str) -> dict[str, Any]:
    images = data.get("images") or []
    if not isinstance(images, list):
        raise OverlayError("images: must be a list")
    found = [item for item in images if isinstance(item, dict) and item.get("name") == image]
    if len(found) != 1:
        raise OverlayError(f"images: expected exactly one entry named {image}")
    return found[0]


def _item_lines(lines: list[str], image: str) -> tuple[int, int]:
    """[start, end) of the block-style `images:` list item whose name is `image`."""
    try:
        header = next(i for i, line in enumerate(lines) if re.match(r"^images\s*:\s*$", line))
    except StopIteration:
        raise OverlayError("images: must be a top-level block list") from None
    end = next((i for i in range(header + 1, len(lines)) if _TOP_LEVEL.match(lines[i])), len(lines))
    indents = {i: _item_indent(lines[i]) for i in range(header + 1, end)}
    item_indent = min((n for n in indents.values() if n is not None), default=0)
    starts = [i for i, n in indents.items() if n == item_indent]
    for position, start in enumerate(starts):
        stop = starts[position + 1] if position + 1 < len(starts) else end
        item = "".join(_dedented(lines[start:stop], item_indent))
        try:
            parsed = yaml.safe_load(item)
        except yaml.YAMLError:
            continue
        if isinstance(parsed, list) and parsed and parsed[0].get("name") == image:
            return start, stop
    raise OverlayError(f"images: the entry named {image} is not in block style")


def _item_indent(line: str) -> int | None:
    match = _ITEM.match(line)
    return None if match is None else len(match.group("indent"))


def _dedented(lines: list[str], indent: int) -> list[str]:
    return [line[indent:] if line[:indent].strip() == "" else line for line in lines]


def _key_indent(item_line: str) -> str:
    match = _ITEM.match(item_line)
    assert match is not None
    return " " * (len(match.group("indent")) + 2)


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]
