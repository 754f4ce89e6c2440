"""ServiceNow encoded queries: `field=value^ORfield2LIKEx^ORDERBYDESCsys_created_on^NQ...`.

A condition this module cannot parse matches no record (the behaviour of instances that set
`glide.invalid_query.returns_no_rows`), so a malformed query never selects everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

Row = Mapping[str, str]
RowT = TypeVar("RowT", bound=Row)
Predicate = Callable[[Row], bool]

_CONDITION = re.compile(
    r"^(?P<field>[a-z0-9_.]+)"
    r"(?P<op>ISNOTEMPTY|ISEMPTY|NOT IN|NOT LIKE|STARTSWITH|ENDSWITH|LIKE|IN|!=|>=|<=|=|>|<)"
    r"(?P<value>.*)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class Ordering:
    field: str
    descending: bool


@dataclass(frozen=True)
class EncodedQuery:
    groups: Sequence[Sequence[Sequence[Predicate]]]  # ^NQ groups -> AND terms -> OR alternatives
    orderings: Sequence[Ordering]

    def matches(self, row: Row) -> bool:
        if not self.groups:
            return True
        return any(
            all(any(alternative(row) for alternative in term) for term in group)
            for group in self.groups
        )

    def sort(self, rows: Sequence[RowT]) -> list[RowT]:
        ordered = list(rows)
        for ordering in reversed(self.orderings):
            ordered.sort(key=_field_key(ordering.field), reverse=ordering.descending)
        return ordered


def parse_query(text: str) -> EncodedQuery:
    groups: list[list[list[Predicate]]] = []
    orderings: list[Ordering] = []
    for group_text in text.split("^NQ") if text else []:
        terms: list[list[Predicate]] = []
        for term in group_text.split("^"):
            if not term or term == "EQ":
                continue
            if term.startswith("ORDERBYDESC"):
                orderings.append(Ordering(term.removeprefix("ORDERBYDESC"), descending=True))
            elif term.startswith("ORDERBY"):
                orderings.append(Ordering(term.removeprefix("ORDERBY"), descending=False))
            elif term.startswith("OR") and terms:
                terms[-1].append(_condition(term.removeprefix("OR")))
            else:
                terms.append([_condition(term)])
        if terms:
            groups.append(terms)
    return EncodedQuery(groups, orderings)


def _condition(token: str) -> Predicate:
    match = _CONDITION.match(token)
    if match is None:
        return lambda row: False
    field, op, value = match["field"], match["op"], match["value"]
    test = _operator(op, value)
    return lambda row: test(row.get(field, ""))


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


def _field_key(field: str) -> Callable[[Row], tuple[int, float, str]]:
    return lambda row: _sort_key(row.get(field, ""))


def _compare(left: str, right: str) -> int:
    a, b = _sort_key(left), _sort_key(right)
    return (a > b) - (a < b)


def _sort_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value.casefold())
