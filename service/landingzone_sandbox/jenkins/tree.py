"""The `?tree=` filter of Jenkins' remote API: `name,jobs[name,url],builds[number]{0,5}`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Field:
    children: dict[str, _Field] = field(default_factory=dict)
    start: int | None = None
    stop: int | None = None


class Lazy:
    """A value of an answer worked out only if the answer includes it (Jenkins' exported beans
    compute a property only when the `tree` or `depth` asks for it)."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make

    def value(self) -> Any:
        return self._make()


def resolved(data: Any) -> Any:
    """`data` with every lazy value worked out: the answer to a request without `tree`."""
    if isinstance(data, Lazy):
        data = data.value()
    if isinstance(data, dict):
        return {name: resolved(value) for name, value in data.items()}
    if isinstance(data, list):
        return [resolved(value) for value in data]
    return data


def apply_tree(data: Any, spec: str) -> Any:
    """What Jenkins answers with `?tree=spec`: only the named properties, each object below
    pruned to what its sub-tree names (an object whose field is named without one keeps only
    its `_class`). Nothing else is worked out."""
    fields, _ = _parse(spec, 0)
    return _select(data, fields)


def _parse(spec: str, pos: int) -> tuple[dict[str, _Field], int]:
    fields: dict[str, _Field] = {}
    while pos < len(spec) and spec[pos] != "]":
        end = pos
        while end < len(spec) and spec[end] not in ",[]{":
            end += 1
        node = _Field()
        name = spec[pos:end].strip()
        pos = end
        if pos < len(spec) and spec[pos] == "[":
            node.children, pos = _parse(spec, pos + 1)
            pos += 1  # the closing bracket
        if pos < len(spec) and spec[pos] == "{":
            close = spec.find("}", pos)
            close = len(spec) if close < 0 else close
            node.start, node.stop = _range(spec[pos + 1 : close])
            pos = close + 1
        if name:
            fields[name] = node
        if pos < len(spec) and spec[pos] == ",":
            pos += 1
    return fields, pos


def _range(text: str) -> tuple[int | None, int | None]:
    try:
        if "," not in text:
            index = int(text)
            return index, index + 1
        low, high = text.split(",", 1)
        return (int(low) if low.strip() else None), (int(high) if high.strip() else None)
    except ValueError:
        return None, None


def _select(data: Any, fields: dict[str, _Field]) -> Any:
    if isinstance(data, Lazy):
        data = data.value()
    if isinstance(data, list):
        return [_select(entry, fields) for entry in data]
    if not isinstance(data, dict):
        return data
    selected: dict[str, Any] = {}
    if "_class" in data:
        selected["_class"] = data["_class"]
    for name, node in fields.items():
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, Lazy):
            value = value.value()
        if isinstance(value, list):
            value = value[node.start : node.stop]
        if isinstance(value, dict | list):
            value = _select(value, node.children)
        selected[name] = value
    return selected
