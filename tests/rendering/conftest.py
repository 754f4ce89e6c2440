"""Fixtures for rendering tests: the real templates and contexts like the service builds."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from landingzone.rendering import (
    DEFAULT_TEMPLATES_ROOT,
    ProjectClass,
    RenderContext,
    load_classes,
)

CLASS_IDS = ("backend", "dotnet", "java", "mobile", "web")
LONGEST_NAME = ("a" + "-0123456789" * 6)[:63]
EDGE_DESCRIPTION = (
    "Zahlungsdienst für Überweisungen — 支払い 🚀 {{ 7*191 }} {% raw %}{{x}}{% endraw %} "
    "{#c#} ${HOME} $(id) `id` 'single' \"double\" back\\slash <b>&amp;</b> [link](x) "
    "# heading\r\nsecond line\tend"
)
ContextFactory = Callable[..., RenderContext]


@pytest.fixture(scope="session")
def classes() -> dict[str, ProjectClass]:
    return load_classes(DEFAULT_TEMPLATES_ROOT)


def make_context(class_id: str, **changes: Any) -> RenderContext:
    name = changes.pop("component_name", "payments-api")
    tenant = changes.pop("tenant", "acme")
    base = RenderContext(
        component_name=name,
        description="Pays suppliers on time.",
        owner="group:default/payments",
        owner_group="payments",
        system="finance",
        lifecycle="experimental",
        tenant=tenant,
        class_id=class_id,
        repository_url=f"https://bitbucket.example.com/projects/ACME/repos/{name}/browse",
        clone_url=f"https://bitbucket.example.com/scm/acme/{name}.git",
        build_job=f"{tenant}/{name}/build",
        promote_job=f"{tenant}/{name}/promote",
        request_number="RITM0010001",
        registry="nexus.example.com:8443",
        image=f"nexus.example.com:8443/{tenant}/{name}",
        parameters={},
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def context_for() -> ContextFactory:
    return make_context


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    return folder
