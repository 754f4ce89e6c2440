"""Which records a change touched, so only those are saved, and how to undo it.

Records (dataclasses deriving from `Tracked`) and the lists and dicts they hold tell the
`Journal` of their state before they change: a record is copied the first time it changes in a
change, a list of the state the first time it changes (an append is only noted). Saving then
costs what the change touched, not what the simulator holds; a change that fails is undone
from the same notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, SupportsIndex


def plain(value: Any) -> Any:
    """A deep copy of a field's value as plain lists and dicts (what the database keeps)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def record_data(record: Tracked) -> dict[str, Any]:
    return {f.name: plain(getattr(record, f.name)) for f in fields(record)}  # type: ignore[arg-type]


def _wrap(value: Any, owner: Tracked, name: str) -> Any:
    if type(value) is list:
        return TrackedList((_wrap(item, owner, name) for item in value), owner, name)
    if type(value) is dict:
        return TrackedDict({k: _wrap(v, owner, name) for k, v in value.items()}, owner, name)
    return value


class Tracked:
    """Tells its journal before any of its fields, or what they hold, changes."""

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            self._changing(name)
            value = _wrap(value, self, name)
        object.__setattr__(self, name, value)

    def _changing(self, name: str, appended: Any = None) -> None:
        journal: Journal | None = self.__dict__.get("_journal")
        if journal is not None:
            journal.record_changing(self)


class TrackedList(list[Any]):
    def __init__(self, items: Iterable[Any] = (), owner: Tracked | None = None, name: str = ""):
        super().__init__(items)
        self._owner, self._name = owner, name

    def _changing(self, appended: Any = None) -> None:
        if self._owner is not None:
            self._owner._changing(self._name, appended)

    def _wrapped(self, value: Any) -> Any:
        return value if self._owner is None else _wrap(value, self._owner, self._name)

    def append(self, value: Any) -> None:
        value = self._wrapped(value)
        self._changing(appended=value)
        super().append(value)

    def extend(self, values: Iterable[Any]) -> None:
        self._changing()
        super().extend(self._wrapped(v) for v in values)

    def __iadd__(self, values: Iterable[Any]) -> TrackedList:  # type: ignore[misc]
        self.extend(values)
        return self

    def insert(self, index: SupportsIndex, value: Any) -> None:
        self._changing()
        super().insert(index, self._wrapped(value))

    def remove(self, value: Any) -> None:
        self._changing()
        super().remove(value)

    def pop(self, index: SupportsIndex = -1) -> Any:
        self._changing()
        return super().pop(index)

    def clear(self) -> None:
        self._changing()
        super().clear()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._changing()
        super().sort(*args, **kwargs)

    def reverse(self) -> None:
        self._changing()
        super().reverse()

    def __setitem__(self, index: Any, value: Any) -> None:
        self._changing()
        if isinstance(index, slice):
            super().__setitem__(index, [self._wrapped(v) for v in value])
        else:
            super().__setitem__(index, self._wrapped(value))

    def __delitem__(self, index: Any) -> None:
        self._changing()
        super().__delitem__(index)


class TrackedDict(dict[Any, Any]):
    def __init__(self, items: Any = (), owner: Tracked | None = None, name: str = ""):
        super().__init__(items)
        self._owner, self._name = owner, name

    def _changing(self) -> None:
        if self._owner is not None:
            self._owner._changing(self._name)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._changing()
        wrapped = value if self._owner is None else _wrap(value, self._owner, self._name)
        super().__setitem__(key, wrapped)

    def __delitem__(self, key: Any) -> None:
        self._changing()
        super().__delitem__(key)

    def pop(self, *args: Any) -> Any:
        self._changing()
        return super().pop(*args)

    def popitem(self) -> tuple[Any, Any]:
        self._changing()
        return super().popitem()

    def clear(self) -> None:
        self._changing()
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._changing()
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]


@dataclass
class Journal:
    """What one change did; `active` only inside a change (the store's lock is held)."""

    active: bool = False
    records: dict[int, tuple[Tracked, dict[str, Any]]] = field(default_factory=dict)
    lists: dict[str, list[Any]] = field(default_factory=dict)
    dicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    appended: list[tuple[str, Tracked]] = field(default_factory=list)

    def record_changing(self, record: Tracked) -> None:
        if self.active and id(record) not in self.records:
            self.records[id(record)] = (record, record_data(record))

    def collection_changing(self, state: Tracked, name: str, appended: Any) -> None:
        if not self.active:
            return
        current = getattr(state, name, None)
        if isinstance(current, dict):
            self.dicts.setdefault(name, plain(current))
        elif appended is not None:
            self.appended.append((name, appended))
        elif name not in self.lists:
            self.lists[name] = list(current or [])

    def begin(self) -> None:
        self.records.clear()
        self.lists.clear()
        self.dicts.clear()
        self.appended.clear()
        self.active = True

    def undo(self, state: Tracked) -> None:
        """Put everything back as it was before the change."""
        self.active = False
        for record, data in self.records.values():
            for name, value in data.items():
                object.__setattr__(record, name, _wrap(value, record, name))
        for name, items in self.lists.items():
            object.__setattr__(state, name, TrackedList(items, state, name))
        for name, values in self.dicts.items():
            object.__setattr__(state, name, _wrap(values, state, name))
        for name, item in reversed(self.appended):
            collection: list[Any] = getattr(state, name)
            for index in range(len(collection) - 1, -1, -1):
                if collection[index] is item:
                    list.__delitem__(collection, index)
                    break
