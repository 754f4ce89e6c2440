"""The simulated instance: table CRUD with ServiceNow's field handling and business rules."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from landingzone_sandbox.servicenow import rules, schema
from landingzone_sandbox.servicenow.errors import TableError
from landingzone_sandbox.servicenow.query import EncodedQuery, FieldReader, parse_query
from landingzone_sandbox.servicenow.settings import ServiceNowSimSettings
from landingzone_sandbox.servicenow.store import INDEXED_FIELDS, Record, TableStore

SYSTEM_FIELDS = frozenset(
    {"sys_created_on", "sys_created_by", "sys_updated_on", "sys_updated_by", "sys_mod_count"}
)
_SYS_ID = re.compile(r"^[0-9a-f]{32}$")

DecisionListener = Callable[[dict[str, str]], None]


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
        encoded = parse_query(query_text, self._readers(table))
        rows = [row for row in self._candidates(table, encoded) if encoded.matches(row)]
        ordered = encoded.sort(rows)
        return [dict(r) for r in ordered[offset : offset + limit]], len(ordered)

    def _candidates(self, table: str, encoded: EncodedQuery) -> list[Record]:
        """Rows that may match: through indexes when the query pins an indexed field, also at
        the end of a dot-walk (found there first, then walked back reference by reference)."""
        for path, value in encoded.required_equalities():
            # Rows without the field read as "", which no index finds; the index folds ASCII only.
            if not value or not value.isascii():
                continue
            *walk, last = path.split(".")
            hops = schema.reference_path(table, walk)
            if (
                hops is None
                or not self._indexed(last)
                or not all(self._indexed(f) for f, _ in hops)
            ):
                continue
            tables = [table, *(target for _, target in hops)]
            found = self._where(tables[-1], last, [value])
            for (field, _), referring in zip(reversed(hops), reversed(tables[:-1]), strict=True):
                found = self._where(referring, field, [row["sys_id"] for row in found])
            return found
        return self.store.rows(table)

    @staticmethod
    def _indexed(field: str) -> bool:
        return field == "sys_id" or field in INDEXED_FIELDS

    def _where(self, table: str, field: str, values: Sequence[str]) -> list[Record]:
        tables = schema.TASK_TABLES if table == "task" else (table,)
        return self.store.where_in(tables, field, values) if values else []

    def _readers(self, table: str) -> Callable[[str], FieldReader | None]:
        """Field readers for one query; dot-walks follow references, each record read once."""
        followed: dict[tuple[str, str], Record | None] = {}

        def follow(target: str, sys_id: str) -> Record | None:
            if (target, sys_id) not in followed:
                found = self.resolve(target, sys_id)
                followed[(target, sys_id)] = found[1] if found else None
            return followed[(target, sys_id)]

        def reader(path: str) -> FieldReader | None:
            *walk, last = path.split(".")
            hops = schema.reference_path(table, walk)
            if hops is None:
                return None

            def read(row: Mapping[str, str]) -> str:
                current: Mapping[str, str] | None = row
                for field, target in hops:
                    value = current.get(field, "") if current is not None else ""
                    current = follow(target, value) if value else None
                return current.get(last, "") if current is not None else ""

            return read

        return reader

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
            for row in self.store.where("sys_journal_field", "element_id", sys_id)
            if row.get("element_id") == sys_id and row.get("element") == element
        ]
        return sorted(entries, key=lambda row: row.get("sys_created_on", ""))

    def users_by_name(self) -> dict[str, Record]:
        return {row["user_name"]: row for row in self.store.rows("sys_user")}

    # ------------------------------------------------------------------ writes

    def insert(self, table: str, values: Mapping[str, object], actor: str) -> Record:
        self._check_table(table)
        with self.store.transaction():
            stamp = now_text()
            record = schema.defaults(table)
            journal = self._apply(table, record, values)
            requested_id = record.get("sys_id", "")
            record["sys_id"] = requested_id if _SYS_ID.fullmatch(requested_id) else new_sys_id()
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
        with self.store.transaction():
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
        with self.store.transaction():
            self.get(table, sys_id)
            self.store.delete(table, sys_id)

    def seed_directory(self) -> None:
        """Users, groups and group memberships of the settings, each created once."""
        with self.store.transaction():
            members = [name for names in self.settings.groups.values() for name in names]
            users = self._ensure_users([*self.settings.users, *members])
            existing = {row["name"]: row["sys_id"] for row in self.store.rows("sys_user_group")}
            for name, member_names in self.settings.groups.items():
                group_id = existing.get(name)
                if group_id is None:
                    group_id = self.insert("sys_user_group", {"name": name}, "system")["sys_id"]
                memberships = self.store.where("sys_user_grmember", "group", group_id)
                current = {row["user"] for row in memberships}
                for user_name in member_names:
                    if users[user_name] not in current:
                        values = {"group": group_id, "user": users[user_name]}
                        self.insert("sys_user_grmember", values, actor="system")
                        current.add(users[user_name])

    def _ensure_users(self, user_names: Sequence[str]) -> dict[str, str]:
        existing = {name: row["sys_id"] for name, row in self.users_by_name().items()}
        for user_name in user_names:
            if user_name not in existing:
                display = " ".join(p.capitalize() for p in re.split(r"[._-]+", user_name))
                email = f"{user_name}@example.com"
                values = {"user_name": user_name, "name": display, "email": email}
                existing[user_name] = self.insert("sys_user", values, actor="system")["sys_id"]
        return existing

    # ------------------------------------------------------------------ helpers

    def _check_table(self, table: str) -> None:
        if table not in schema.TABLES:
            raise TableError(400, f"Invalid table {table}", None)

    def _next_number(self, table: str) -> str:
        first = schema.FIRST_NUMBER.get(table, schema.DEFAULT_FIRST_NUMBER)
        value = self.store.next_value(table, first)
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
