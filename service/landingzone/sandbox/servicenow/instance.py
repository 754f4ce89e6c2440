"""The simulated instance: table CRUD with ServiceNow's field handling and business rules."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from landingzone.sandbox.servicenow import rules, schema
from landingzone.sandbox.servicenow.query import parse_query
from landingzone.sandbox.servicenow.settings import ServiceNowSimSettings
from landingzone.sandbox.servicenow.store import Record, TableStore

SYSTEM_FIELDS = frozenset(
    {"sys_created_on", "sys_created_by", "sys_updated_on", "sys_updated_by", "sys_mod_count"}
)
_SYS_ID = re.compile(r"^[0-9a-f]{32}$")

DecisionListener = Callable[[dict[str, str]], None]


class TableError(Exception):
    """An error answered with ServiceNow's `{"error": {...}, "status": "failure"}` envelope."""

    def __init__(self, status: int, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def new_sys_id() -> str:
    return secrets.token_hex(16)


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping) and "value" in value:
        return as_text(value["value"])
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value)


class ServiceNowInstance:
    def __init__(
        self,
        settings: ServiceNowSimSettings,
        store: TableStore,
        on_decision: DecisionListener | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.on_decision = on_decision

    # ------------------------------------------------------------------ reads

    def query(
        self, table: str, query_text: str, limit: int, offset: int
    ) -> tuple[list[Record], int]:
        self._check_table(table)
        encoded = parse_query(query_text)
        rows = [row for row in self.store.rows(table) if encoded.matches(row)]
        ordered = encoded.sort(rows)
        return [dict(r) for r in ordered[offset : offset + limit]], len(ordered)

    def get(self, table: str, sys_id: str) -> Record:
        self._check_table(table)
        record = self.store.get(table, sys_id)
        if record is None:
            raise TableError(
                404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval"
            )
        return record

    def find(self, table: str, sys_id: str) -> Record | None:
        return self.store.get(table, sys_id) if sys_id else None

    def resolve(self, target: str, sys_id: str) -> tuple[str, Record] | None:
        """The referenced record; target "task" looks in every task table."""
        for table in schema.TASK_TABLES if target == "task" else (target,):
            record = self.find(table, sys_id)
            if record is not None:
                return table, record
        return None

    def journal(self, sys_id: str, element: str) -> list[Record]:
        entries = [
            row
            for row in self.store.rows("sys_journal_field")
            if row.get("element_id") == sys_id and row.get("element") == element
        ]
        return sorted(entries, key=lambda row: row.get("sys_created_on", ""))

    def users_by_name(self) -> dict[str, Record]:
        return {row["user_name"]: row for row in self.store.rows("sys_user")}

    # ------------------------------------------------------------------ writes

    def insert(self, table: str, values: Mapping[str, object], actor: str) -> Record:
        self._check_table(table)
        with self.store.lock:
            stamp = now_text()
            record = schema.defaults(table)
            journal = self._apply(table, record, values)
            requested_id = record.get("sys_id", "")
            record["sys_id"] = requested_id if _SYS_ID.match(requested_id) else new_sys_id()
            if table in schema.NUMBER_PREFIX and not record.get("number"):
                record["number"] = self._next_number(table)
            record |= {
                "sys_created_on": stamp,
                "sys_created_by": actor,
                "sys_updated_on": stamp,
                "sys_updated_by": actor,
                "sys_mod_count": "0",
            }
            rules.before_write(self, table, None, record, actor)
            self.store.insert(table, record)
            self._write_journal(table, record["sys_id"], journal, actor)
            rules.after_write(self, table, None, record, actor)
            return self.store.get(table, record["sys_id"]) or record

    def update(self, table: str, sys_id: str, values: Mapping[str, object], actor: str) -> Record:
        with self.store.lock:
            before = self.get(table, sys_id)
            record = dict(before)
            journal = self._apply(table, record, values)
            record["sys_id"] = sys_id
            changed = record != before or bool(journal)
            if changed:
                record["sys_updated_on"] = now_text()
                record["sys_updated_by"] = actor
                record["sys_mod_count"] = str(int(before.get("sys_mod_count", "0") or 0) + 1)
                rules.before_write(self, table, before, record, actor)
                self.store.replace(table, record)
            self._write_journal(table, sys_id, journal, actor)
            if changed:
                rules.after_write(self, table, before, record, actor)
            return self.store.get(table, sys_id) or record

    def delete(self, table: str, sys_id: str) -> None:
        with self.store.lock:
            self.get(table, sys_id)
            self.store.delete(table, sys_id)

    def seed_users(self) -> None:
        with self.store.lock:
            existing = self.users_by_name()
            for user_name in [*self.settings.users, *self.settings.approvers]:
                if user_name not in existing:
                    display = " ".join(p.capitalize() for p in re.split(r"[._-]+", user_name))
                    self.insert(
                        "sys_user",
                        {
                            "user_name": user_name,
                            "name": display,
                            "email": f"{user_name}@example.com",
                        },
                        actor="system",
                    )

    def seed_groups(self, names: Sequence[str]) -> None:
        with self.store.lock:
            existing = {row["name"] for row in self.store.rows("sys_user_group")}
            for name in names:
                if name not in existing:
                    self.insert("sys_user_group", {"name": name}, actor="system")

    # ------------------------------------------------------------------ helpers

    def _check_table(self, table: str) -> None:
        if table not in schema.TABLES:
            raise TableError(400, f"Invalid table {table}", None)

    def _next_number(self, table: str) -> str:
        value = self.store.next_value(table, schema.FIRST_NUMBER)
        return f"{schema.NUMBER_PREFIX[table]}{value:07d}"

    def _apply(self, table: str, record: Record, values: Mapping[str, object]) -> dict[str, str]:
        """Copy writable values into `record`; returns the journal entries they carry."""
        # Values are actual values (sysparm_input_display_value=false): a reference field
        # stores what it is given, even when no record has that sys_id, as ServiceNow does.
        journal: dict[str, str] = {}
        for field, raw in values.items():
            if field in SYSTEM_FIELDS or not re.fullmatch(r"[a-z0-9_]+", field):
                continue
            value = as_text(raw)
            if field in schema.JOURNAL_FIELDS and table != "sys_journal_field":
                if value.strip():
                    journal[field] = value
                record[field] = ""
            else:
                record[field] = value
        return journal

    def _write_journal(
        self, table: str, sys_id: str, journal: Mapping[str, str], actor: str
    ) -> None:
        for element, value in journal.items():
            self.insert(
                "sys_journal_field",
                {"name": table, "element": element, "element_id": sys_id, "value": value},
                actor=actor,
            )
