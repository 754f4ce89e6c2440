"""Catalog variables: the definitions of an item and the answers a requested item carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from landingzone_sandbox.servicenow.store import Record

if TYPE_CHECKING:
    from landingzone_sandbox.servicenow.instance import ServiceNowInstance


@dataclass(frozen=True)
class Answer:
    name: str
    label: str
    value: str


def definitions(instance: ServiceNowInstance, cat_item: str) -> list[Record]:
    """The active variables of a catalog item, in their form order."""
    rows = instance.store.where("item_option_new", "cat_item", cat_item)
    active = [r for r in rows if r.get("cat_item") == cat_item and r.get("active") != "false"]
    return sorted(active, key=lambda r: _number(r.get("order", "")))


def answers(instance: ServiceNowInstance, request_item: str) -> list[Answer]:
    """The variables of a requested item (sc_item_option through sc_item_option_mtom)."""
    found: list[tuple[float, Answer]] = []
    for link in instance.store.where("sc_item_option_mtom", "request_item", request_item):
        option = instance.find("sc_item_option", link.get("sc_item_option", ""))
        if option is None:
            continue
        question = instance.find("item_option_new", option.get("item_option_new", ""))
        if question is None:
            continue
        answer = Answer(question["name"], question.get("question_text", ""), option["value"])
        found.append((_number(option.get("order", "")), answer))
    return [answer for _, answer in sorted(found, key=lambda pair: pair[0])]


def values(instance: ServiceNowInstance, request_item: str) -> dict[str, str]:
    return {answer.name: answer.value for answer in answers(instance, request_item)}


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0
