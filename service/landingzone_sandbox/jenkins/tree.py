"""The `?tree=` filter of Jenkins' remote API: `name,jobs[name,url],builds[number]{0,5}`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Field:
    children: dict[str, _Field] = field(default_factory=dict)
    start: int | None = None
    stop: int | None = None


def apply_tree(data: Any, spec: str) -> Any:
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
        if isinstance(value, list):
            value = value[node.start : node.stop]
        if node.children and isinstance(value, dict | list):
            value = _select(value, node.children)
        selected[name] = value
    return selected
