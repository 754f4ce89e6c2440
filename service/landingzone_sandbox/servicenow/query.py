"""ServiceNow encoded queries: `field=value^ORfield2LIKEx^ORDERBYDESCsys_created_on^NQ...`.

A condition this module cannot parse matches no record (the behaviour of instances that set
`glide.invalid_query.returns_no_rows`), so a malformed query never selects everything. A
dot-walked field (`request_item.cat_item.name`) is read through the `readers` the caller
gives; one it cannot follow matches no record either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

Row = Mapping[str, str]
RowT = TypeVar("RowT", bound=Row)
Predicate = Callable[[Row], bool]
FieldReader = Callable[[Row], str]
# field path -> how to read it from a row, or None when the path names nothing
ReaderFactory = Callable[[str], FieldReader | None]

_CONDITION = re.compile(
    r"^(?P<field>[a-z0-9_.]+)"
    r"(?P<op>ISNOTEMPTY|ISEMPTY|NOT IN|NOT LIKE|STARTSWITH|ENDSWITH|LIKE|IN|!=|>=|<=|=|>|<)"
    r"(?P<value>.*)$",
    re.DOTALL,
)


def plain_fields(path: str) -> FieldReader | None:
    """Readers for the row's own fields only: a dotted path names nothing."""
    if "." in path:
        return None
    return lambda row: row.get(path, "")


@dataclass(frozen=True)
class Condition:
    test: Predicate
    equality: tuple[str, str] | None = None  # (field, value) when the condition is field=value


@dataclass(frozen=True)
class Ordering:
    read: FieldReader | None
    descending: bool


@dataclass(frozen=True)
class EncodedQuery:
    groups: Sequence[Sequence[Sequence[Condition]]]  # ^NQ groups -> AND terms -> OR alternatives
    orderings: Sequence[Ordering]

    def matches(self, row: Row) -> bool:
        if not self.groups:
            return True
        return any(
            all(any(alternative.test(row) for alternative in term) for term in group)
            for group in self.groups
        )

    def required_equalities(self) -> list[tuple[str, str]]:
        """(field, value) pairs every matching row has: lets the caller use an index."""
        if len(self.groups) != 1:
            return []
        return [
            term[0].equality
            for term in self.groups[0]
            if len(term) == 1 and term[0].equality is not None
        ]

    def sort(self, rows: Sequence[RowT]) -> list[RowT]:
        ordered = list(rows)
        for ordering in reversed(self.orderings):
            ordered.sort(key=_field_key(ordering.read), reverse=ordering.descending)
        return ordered


def parse_query(text: str, readers: ReaderFactory = plain_fields) -> EncodedQuery:
    groups: list[list[list[Condition]]] = []
    orderings: list[Ordering] = []
    for group_text in text.split("^NQ") if text else []:
        terms: list[list[Condition]] = []
        for term in group_text.split("^"):
            if not term or term == "EQ":
                continue
            if term.startswith("ORDERBYDESC"):
                orderings.append(Ordering(readers(term.removeprefix("ORDERBYDESC")), True))
            elif term.startswith("ORDERBY"):
                orderings.append(Ordering(readers(term.removeprefix("ORDERBY")), False))
            elif term.startswith("OR") and terms:
                terms[-1].append(_condition(term.removeprefix("OR"), readers))
            else:
                terms.append([_condition(term, readers)])
        if terms:
            groups.append(terms)
    return EncodedQuery(groups, orderings)


def _condition(token: str, readers: ReaderFactory) -> Condition:
    match = _CONDITION.match(token)
    read = readers(match["field"]) if match is not None else None
    if match is None or read is None:
        return Condition(lambda row: False)
    field, op, value = match["field"], match["op"], match["value"]
    test = _operator(op, value)
    equality = (field, value) if op == "=" else None
    return Condition(lambda row: test(read(row)), equality)


def _operator(op: str, value: str) -> Callable[[str], bool]:
    wanted = value.casefold()
    choices = {item.strip().casefold() for item in value.split(",")}
    tests: dict[str, Callable[[str], bool]] = {
        "=": lambda actual: actual.casefold() == wanted,
        "!=": lambda actual: actual.casefold() != wanted,
        "LIKE": lambda actual: wanted in actual.casefold(),
        "NOT LIKE": lambda actual: wanted not in actual.casefold(),
        "STARTSWITH": lambda actual: actual.casefold().startswith(wanted),
        "ENDSWITH": lambda actual: actual.casefold().endswith(wanted),
        "IN": lambda actual: actual.casefold() in choices,
        "NOT IN": lambda actual: actual.casefold() not in choices,
        "ISEMPTY": lambda actual: actual == "",
        "ISNOTEMPTY": lambda actual: actual != "",
        ">": lambda actual: _compare(actual, value) > 0,
        ">=": lambda actual: _compare(actual, value) >= 0,
        "<": lambda actual: _compare(actual, value) < 0,
        "<=": lambda actual: _compare(actual, value) <= 0,
    }
    return tests[op]


def _field_key(read: FieldReader | None) -> Callable[[Row], tuple[int, float, str]]:
    return lambda row: _sort_key(read(row) if read is not None else "")


def _compare(left: str, right: str) -> int:
    a, b = _sort_key(left), _sort_key(right)
    return (a > b) - (a < b)


def _sort_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value.casefold())
