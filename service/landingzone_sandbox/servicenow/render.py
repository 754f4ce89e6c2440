"""Records as the Table API returns them: sysparm_fields, display values, reference links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from landingzone_sandbox.servicenow import schema
from landingzone_sandbox.servicenow.instance import ServiceNowInstance
from landingzone_sandbox.servicenow.store import Record

DisplayMode = Literal["false", "true", "all"]
_JOURNAL_LABEL = {"work_notes": "Work notes", "comments": "Additional comments"}


@dataclass(frozen=True)
class RenderOptions:
    fields: Sequence[str] = ()
    display_value: DisplayMode = "false"
    exclude_reference_link: bool = False

    @classmethod
    def parse(cls, fields: str, display_value: str, exclude_reference_link: str) -> RenderOptions:
        wanted = tuple(f.strip() for f in fields.split(",") if f.strip())
        mode = display_value.strip().lower()
        return cls(
            fields=wanted,
            display_value=mode if mode in ("true", "all") else "false",  # type: ignore[arg-type]
            exclude_reference_link=exclude_reference_link.strip().lower() == "true",
        )


def render(
    instance: ServiceNowInstance, table: str, record: Record, options: RenderOptions
) -> dict[str, object]:
    if not options.fields:
        return {name: _field(instance, table, record, name, options) for name in record}
    shown: dict[str, object] = {}
    for name in options.fields:
        if name in record:
            shown[name] = _field(instance, table, record, name, options)
        elif "." in name:
            walked = _walk(instance, table, record, name)
            if walked is not None:
                shown[name] = walked(options)
    return shown


def _walk(
    instance: ServiceNowInstance, table: str, record: Record, path: str
) -> Callable[[RenderOptions], object] | None:
    """A dot-walked field (`request_item.number`): "" where a reference on the way is empty."""
    *walk, last = path.split(".")
    hops = schema.reference_path(table, walk)
    if hops is None:
        return None
    current: tuple[str, Record] | None = (table, record)
    for field, target in hops:
        value = current[1].get(field, "") if current is not None else ""
        current = instance.resolve(target, value) if value else None
    if current is None:
        return lambda options: (
            {"display_value": "", "value": ""} if options.display_value == "all" else ""
        )
    found_table, found = current
    if last not in found:
        return None
    return lambda options: _field(instance, found_table, found, last, options)


def _field(
    instance: ServiceNowInstance, table: str, record: Record, name: str, options: RenderOptions
) -> object:
    value = record.get(name, "")
    target = schema.REFERENCES.get(table, {}).get(name)
    if target is not None:
        return _reference(instance, target, value, options)
    display = _display(instance, table, record, name)
    if options.display_value == "true":
        return display
    if options.display_value == "all":
        return {"display_value": display, "value": value}
    return value


def _display(instance: ServiceNowInstance, table: str, record: Record, name: str) -> str:
    if name in schema.JOURNAL_FIELDS and table != "sys_journal_field":
        users = {u["user_name"]: u.get("name", "") for u in instance.store.rows("sys_user")}
        return "".join(
            f"{e['sys_created_on']} - {users.get(e['sys_created_by']) or e['sys_created_by']}"
            f" ({_JOURNAL_LABEL[name]})\n{e['value']}\n\n"
            for e in reversed(instance.journal(record["sys_id"], name))
        )
    return schema.label(table, name, record.get(name, ""))


def _reference(
    instance: ServiceNowInstance, target: str, value: str, options: RenderOptions
) -> object:
    if not value:
        return {"display_value": "", "value": ""} if options.display_value == "all" else ""
    resolved = instance.resolve(target, value)
    display = ""
    if resolved is not None:
        table, referenced = resolved
        display = referenced.get(schema.DISPLAY_FIELD.get(table, "sys_id"), "")
    link = f"{instance.settings.public_url}/api/now/table/{target}/{value}"
    if options.display_value == "true":
        return display
    if options.display_value == "all":
        shown: dict[str, str] = {"display_value": display, "value": value}
        return shown if options.exclude_reference_link else shown | {"link": link}
    return value if options.exclude_reference_link else {"link": link, "value": value}
