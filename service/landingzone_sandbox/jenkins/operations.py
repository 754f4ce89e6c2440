"""Item and build operations with Jenkins' rules and error statuses, independent of HTTP."""

from __future__ import annotations

from collections.abc import Sequence

from .configxml import FOLDER_CLASS, FOLDER_XML, ConfigError, JobConfig, parse_config
from .runner import BuildRunner
from .security import JenkinsError
from .store import Item, JenkinsStore, Params, QueueItem

_UNSAFE = set("?*/\\%!@#$^&|<>[]:;")
_CONTROL_PARAMETERS = {"token", "delay", "cause", "json", "Submit"}


def check_good_name(name: str) -> None:
    if not name.strip():
        raise JenkinsError(400, "No name is specified")
    for char in name:
        if char in _UNSAFE or ord(char) < 32:
            raise JenkinsError(400, f"\u2018{char}\u2019 is an unsafe character")
    if name in (".", ".."):
        raise JenkinsError(400, f"\u201c{name}\u201d is not an allowed name")


class Operations:
    def __init__(self, store: JenkinsStore, runner: BuildRunner) -> None:
        self._store = store
        self._runner = runner

    def require(self, full_name: str) -> Item:
        item = self._store.item(full_name)
        if item is None:
            raise JenkinsError(404, f"No such item: {full_name}")
        return item

    def create(self, parent: str, name: str | None, mode: str | None, body: bytes) -> Item:
        if parent:
            folder = self._store.item(parent)
            if folder is None or folder.config.kind != "folder":
                raise JenkinsError(404, f"No such folder: {parent}")
        if name is None:
            raise JenkinsError(400, "Query parameter 'name' is required")
        check_good_name(name)
        if mode is None:
            config_xml = body
        elif mode == FOLDER_CLASS:
            config_xml = FOLDER_XML.encode()
        else:
            raise JenkinsError(400, f"No such job type: {mode}")
        self._parse(config_xml)
        full_name = f"{parent}/{name}" if parent else name
        with self._store.lock:
            if self._store.item(full_name) is not None:
                raise JenkinsError(400, f"A job already exists with the name \u2018{name}\u2019")
            self._store.put_item(full_name, config_xml)
        return self.require(full_name)

    def reconfigure(self, full_name: str, config_xml: bytes) -> None:
        config = self._parse(config_xml)
        with self._store.lock:
            item = self.require(full_name)
            if item.config.json_class != config.json_class:
                raise JenkinsError(
                    400, f"Expecting {item.config.json_class} but got {config.json_class} instead"
                )
            self._store.put_item(full_name, config_xml)

    def delete(self, full_name: str) -> None:
        self.require(full_name)
        self._store.delete_tree(full_name)

    def build(
        self, full_name: str, supplied: Sequence[tuple[str, str]] | None, cause: str
    ) -> QueueItem:
        """`supplied` is None for `/build`, the request's parameters for `/buildWithParameters`."""
        item = self.require(full_name)
        config = item.config
        if config.is_folder:
            raise JenkinsError(404, f"{full_name} cannot be built")
        if config.disabled:
            raise JenkinsError(409, f"{full_name} is not buildable")
        if supplied is None:
            if config.parameters:
                raise JenkinsError(400, "Nothing is submitted")
            return self._runner.schedule(full_name, (), cause)
        if not config.parameters:
            raise JenkinsError(400, f"{full_name} is not parameterized")
        return self._runner.schedule(full_name, self._values(item, supplied), cause)

    @staticmethod
    def _values(item: Item, supplied: Sequence[tuple[str, str]]) -> Params:
        given = {name: value for name, value in supplied if name not in _CONTROL_PARAMETERS}
        values: list[tuple[str, str]] = []
        for definition in item.config.parameters:
            value = given.get(definition.name, definition.default)
            if definition.choices and value not in definition.choices:
                raise JenkinsError(400, f"Illegal choice for parameter {definition.name}: {value}")
            if definition.type_name == "BooleanParameterDefinition":
                value = "true" if value.lower() in ("true", "on", "1") else "false"
            values.append((definition.name, value))
        return tuple(values)

    @staticmethod
    def _parse(config_xml: bytes) -> JobConfig:
        try:
            return parse_config(config_xml)
        except ConfigError as exc:
            raise JenkinsError(400, str(exc)) from None
