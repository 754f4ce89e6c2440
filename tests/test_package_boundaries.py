"""The product never reaches into the sandbox; the sandbox takes only the product's configuration.

Read from the sources (every module's imports, by `ast`), so a lazy import inside a function
counts as much as one at the top.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICE = ROOT / "service"
PRODUCT, SANDBOX = "landingzone", "landingzone_sandbox"
# What the sandbox may take from the product: its public configuration (platform configuration
# model, default file, settings, the API callers' settings), which the simulators and the
# service's settings are set up from.
SANDBOX_MAY_IMPORT = {
    "landingzone.config",
    "landingzone.platform_config",
    "landingzone.api.auth_settings",
}
# Test code that starts simulators: the test harness, and the sandbox's own tests.
HARNESS = ("tests/support", "tests/sandbox")


def modules(package: str) -> list[Path]:
    found = sorted((SERVICE / package).rglob("*.py"))
    assert found, f"no modules under service/{package}"
    return found


def module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, base: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in a file; for `from a import b`, `a.b`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path, base).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                module = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                yield node.lineno, module if alias.name == "*" else f"{module}.{alias.name}"


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def test_the_product_never_imports_the_sandbox() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in modules(PRODUCT)
        for line, name in imported(path, SERVICE)
        if within(name, SANDBOX) or within(name, f"{PRODUCT}.sandbox")
    ]
    assert offending == []


def test_the_product_names_no_sandbox_module_in_its_code() -> None:
    """No `importlib.import_module("landingzone_sandbox…")` or the like either."""
    named = re.compile(rf"^{SANDBOX}(\.|:|$)")
    offending = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for path in modules(PRODUCT)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if named.match(node.value)
    ]
    assert offending == []


def test_the_sandbox_imports_only_the_products_configuration() -> None:
    taken = {
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in modules(SANDBOX)
        for line, name in imported(path, SERVICE)
        if within(name, PRODUCT) and not any(within(name, m) for m in SANDBOX_MAY_IMPORT)
    }
    assert taken == set()


def test_the_sandbox_does_import_the_configuration_so_this_check_reads_its_imports() -> None:
    names = {name for path in modules(SANDBOX) for _, name in imported(path, SERVICE)}
    assert any(within(name, "landingzone.config") for name in names)
    assert any(within(name, SANDBOX) for name in names)


@pytest.mark.parametrize("folder", ["tests", "bench"])
def test_product_tests_reach_the_simulators_only_through_the_harness(folder: str) -> None:
    """Neither the sandbox package nor the sandbox's tests (which import it) themselves."""
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        if not path.relative_to(ROOT).as_posix().startswith(HARNESS)
        for line, name in imported(path, ROOT)
        if within(name, SANDBOX) or within(name, "tests.sandbox")
    ]
    assert offending == []
