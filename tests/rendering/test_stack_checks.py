"""Rendered sources compile and their own unit tests pass, checked with each stack's tools.

Java: javac (JDK 17) compiles main and test sources against tiny stub sources for the
Spring and JUnit annotations used (Maven Central is unreachable), then a stub runner runs
the @Test methods. TypeScript: tsc, Vitest, Jest and ESLint from the npm registry
(installed once into a cache). Python: compileall, ruff and the project's own pytest
tests. C#: no .NET SDK here, so every .cs file is parsed with tree-sitter-c-sharp.

Projects are rendered with hostile-but-valid values: the longest name the service
accepts and a description full of unicode, braces, template syntax, quotes and CRLF.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from landingzone.rendering import ProjectClass, RenderContext, render_project
from landingzone.rendering.filters import java_package
from tests.rendering.conftest import EDGE_DESCRIPTION, LONGEST_NAME, make_context
from tests.rendering.toolchains import (
    CACHE_ROOT,
    VENV_BIN,
    assert_ok,
    compile_and_test_java,
    csharp_problems,
    link_node_modules,
    run,
)

pytestmark = pytest.mark.slow  # npm, javac and the generated projects' own test runs


def _render(
    classes: dict[str, ProjectClass], class_id: str, workspace: Path, **changes: object
) -> tuple[RenderContext, Path]:
    context = make_context(
        class_id, component_name=LONGEST_NAME, description=EDGE_DESCRIPTION, **changes
    )
    return context, render_project(classes[class_id], context, workspace).root


@pytest.mark.parametrize("edge", [False, True], ids=["ordinary", "edge"])
def test_java_sources_compile_and_the_unit_test_passes(
    classes: dict[str, ProjectClass], workspace: Path, tmp_path: Path, edge: bool
) -> None:
    if edge:
        context, root = _render(classes, "java", workspace, parameters={"groupId": "com.new.x"})
        package = java_package("com.new.x", context.component_name)
    else:
        context = make_context("java")
        root = render_project(classes["java"], context, workspace).root
        package = java_package("com.example", context.component_name)
    output = compile_and_test_java(root, tmp_path / "javac", [f"{package}.InfoControllerTest"])
    assert "1 passed, 0 failed" in output


def test_backend_compiles_lints_and_its_tests_pass(
    classes: dict[str, ProjectClass], workspace: Path
) -> None:
    _, root = _render(classes, "backend", workspace)
    assert_ok(run([sys.executable, "-m", "compileall", "-q", "src", "tests"], cwd=root))
    assert_ok(run([str(VENV_BIN / "ruff"), "check", "--no-cache", "src", "tests"], cwd=root))
    if importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("httpx") is None:
        pytest.skip("fastapi and httpx are needed to run the generated tests")
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root)
    assert_ok(result)
    assert "2 passed" in result.stdout


def test_dotnet_sources_parse_as_csharp(classes: dict[str, ProjectClass], workspace: Path) -> None:
    _, root = _render(classes, "dotnet", workspace)
    sources = sorted(root.rglob("*.cs"))
    assert {p.name for p in sources} == {"Program.cs", "InfoEndpoint.cs", "InfoEndpointTests.cs"}
    for source in sources:
        assert csharp_problems(source.read_bytes()) == [], source.name


@pytest.mark.timeout(900)  # the first run installs the npm packages into the cache
def test_web_typechecks_lints_and_its_vitest_tests_pass(
    classes: dict[str, ProjectClass], workspace: Path
) -> None:
    _, root = _render(classes, "web", workspace)
    with link_node_modules(root) as bin_dir:
        assert_ok(run([str(bin_dir / "tsc"), "--noEmit", "-p", "."], cwd=root))
        assert_ok(run([str(bin_dir / "eslint"), "."], cwd=root))
        result = run([str(bin_dir / "vitest"), "run", "--reporter=dot"], cwd=root,
                     env={"NO_COLOR": "1"})  # fmt: skip
        assert_ok(result)
        assert "2 passed" in result.stdout


@pytest.mark.timeout(900)
def test_mobile_typechecks_lints_and_its_jest_test_passes(
    classes: dict[str, ProjectClass], workspace: Path
) -> None:
    _, root = _render(classes, "mobile", workspace)
    with link_node_modules(root) as bin_dir:
        assert_ok(run([str(bin_dir / "tsc"), "--noEmit", "-p", "."], cwd=root))
        assert_ok(run([str(bin_dir / "eslint"), "."], cwd=root))
        cache = CACHE_ROOT / "jest"
        result = run([str(bin_dir / "jest"), "--ci", f"--cacheDirectory={cache}"], cwd=root)
        assert_ok(result)
        assert "1 passed" in result.stderr + result.stdout
