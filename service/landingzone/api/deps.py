"""Annotated dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from landingzone.config import Settings
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.store import Store


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _store(request: Request) -> Store:
    return _runtime(request).store


def _settings(request: Request) -> Settings:
    return _runtime(request).configuration.settings


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]
