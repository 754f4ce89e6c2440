from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e_backstage.backstage import (
    PLUGIN_DIR,
    Backstage,
    BackstageAddress,
    build_backend,
    running_backstage,
)
from tests.e2e_backstage.platform_repo import publish_catalog_info
from tests.support.sandbox import Sandbox, running_sandbox, wait_for

TEMPLATES = ["dotnet", "java", "web", "mobile", "backend"]
# Whichever Backstage test runs first also builds and starts Backstage and its sandbox (two to
# four minutes on a busy machine); pytest-timeout counts that set-up in the test.
FIRST_TEST_TIMEOUT_SECONDS = 900


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith("tests/e2e_backstage/"):
            item.add_marker(pytest.mark.timeout(FIRST_TEST_TIMEOUT_SECONDS))


def _require_backstage_install() -> None:
    if (PLUGIN_DIR / "node_modules" / "@backstage" / "backend-defaults").is_dir() and shutil.which(
        "node"
    ):
        return
    message = "Backstage is not installed: run `npm ci` in backstage-plugin/"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def backstage_address() -> BackstageAddress:
    return BackstageAddress.reserve()


@pytest.fixture(scope="session")
def backstage_sandbox(
    tmp_path_factory: pytest.TempPathFactory, backstage_address: BackstageAddress
) -> Iterator[Sandbox]:
    """The sandbox, its service pointed at the test Backstage for registration and notices."""
    _require_backstage_install()
    data = tmp_path_factory.mktemp("backstage-sandbox")
    with running_sandbox(data, settings=backstage_address.service_settings()) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def catalog_location(backstage_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> str:
    return publish_catalog_info(backstage_sandbox, tmp_path_factory.mktemp("platform"))


@pytest.fixture(scope="session")
def backstage(
    backstage_sandbox: Sandbox,
    backstage_address: BackstageAddress,
    catalog_location: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Backstage]:
    """Backstage with our templates registered through the Location, at the address the
    service calls. Its SQLite database is on disk, so a restart recovers its tasks."""
    build_backend()
    workdir = tmp_path_factory.mktemp("backstage")
    database = workdir / "database"
    database.mkdir()
    with running_backstage(
        backstage_sandbox, workdir, {"directory": str(database)}, backstage_address
    ) as running:
        running.register_location(catalog_location)
        started = time.monotonic()
        wait_for(
            lambda: all(running.entity("template", f"landing-zone-{c}") for c in TEMPLATES),
            "the landing zone templates in the catalog",
            timeout=90,
            interval=0.5,
        )
        print(f"Templates registered in {time.monotonic() - started:.1f} s")
        yield running


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
