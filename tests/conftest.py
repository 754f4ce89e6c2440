"""Which tests are slow. `make check` runs the others (`-m "not slow"`); `make test` runs all.

A test is slow when it is marked `slow` or `e2e` (tests/e2e, tests/e2e_backstage), or when it
uses a fixture that starts processes (PROCESS_FIXTURES, by where they are defined, so a local
fixture of the same name is not mistaken for one): those get the mark here. So that no
slow test slips into the fast set unnoticed, a test without the mark that starts the service or
the sandbox as a process, or a build toolchain, fails and says which mark it lacks.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Sequence
from typing import Any

import pytest

# Fixtures whose set-up starts `landingzone sandbox`, `landingzone sandbox-simulators` or a
# Backstage backend, as "module:name": every test that uses one of them is slow.
PROCESS_FIXTURES = frozenset(
    {
        "tests.e2e.conftest:sandbox",
        "tests.sandbox.conftest:simulators",
        "tests.sandbox.conftest:sandbox",
        "tests.e2e_backstage.conftest:backstage_sandbox",
        "tests.e2e_backstage.conftest:backstage",
    }
)
# `landingzone <command>`s that run the service or the simulators until they are stopped.
SERVING_COMMANDS = frozenset({"serve", "sandbox", "sandbox-simulators"})
# What runs those commands: the console script, or `python -m` on either package.
LANDINGZONE_COMMANDS = frozenset({"landingzone", "landingzone.cli", "landingzone_sandbox"})
# Build tools of the rendered projects and the image: seconds to minutes each.
TOOLCHAINS = frozenset(
    {"npm", "npx", "node", "tsc", "eslint", "vitest", "jest", "mvn", "gradle", "dotnet", "docker"}
)

# The xdist group of every test that starts a Backstage backend (tests/e2e_backstage).
SHARED_BACKSTAGE = "backstage"

_running: list[pytest.Item] = []  # the test in progress, if any


def is_slow(item: pytest.Item) -> bool:
    return any(item.iter_markers("slow"))


def fixtures_used(item: pytest.Item) -> set[str]:
    """Every fixture the test uses, directly or through others, as "module:name"."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return set()
    return {
        f"{definitions[-1].func.__module__}:{name}"
        for name, definitions in info.name2fixturedefs.items()
        if definitions
    }


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.iter_markers("e2e")) or fixtures_used(item) & PROCESS_FIXTURES:
            item.add_marker(pytest.mark.slow)
    # Backstage first, then the other files with a slow test, so that the long ones do not
    # start last (xdist keeps this order when told `--no-loadscope-reorder`); a file keeps
    # its own order.
    slow_groups = {worker_group(item.nodeid) for item in items if is_slow(item)}
    items.sort(
        key=lambda item: (
            worker_group(item.nodeid) != SHARED_BACKSTAGE,
            worker_group(item.nodeid) not in slow_groups,
        )
    )


def worker_group(nodeid: str) -> str:
    """The tests one `--dist loadfile` worker runs together: a test file, except that every
    test that needs Backstage runs on one worker, which starts Backstage once for all of them."""
    if nodeid.startswith("tests/e2e_backstage/"):
        return SHARED_BACKSTAGE
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, by `worker_group` (xdist's own `loadgroup` reads a node id that
    pytest 9 no longer gives it)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class WorkerGroupScheduling(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return worker_group(nodeid)

    return WorkerGroupScheduling(config, log)


def slow_process(argv: Sequence[str]) -> str | None:
    """What makes starting `argv` slow, or None."""
    words = [os.path.basename(str(word)) for word in argv]
    if not words:
        return None
    if words[0] in TOOLCHAINS:
        return f"runs {words[0]}"
    for at, word in enumerate(words):
        if word in LANDINGZONE_COMMANDS and at + 1 < len(words):
            command = words[at + 1]
            if command in SERVING_COMMANDS:
                return f"starts `landingzone {command}`"
    return None


def _argv(args: Any) -> list[str]:
    if isinstance(args, (str, bytes, os.PathLike)):
        return [os.fsdecode(args)]
    return [os.fsdecode(arg) if isinstance(arg, (bytes, os.PathLike)) else str(arg) for arg in args]


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "subprocess.Popen" or not _running or is_slow(_running[-1]):
        return
    reason = slow_process(_argv(args[1] if args[1] is not None else args[0]))
    if reason:
        raise RuntimeError(
            f"{_running[-1].nodeid} {reason} but is not marked slow: add "
            "`pytestmark = pytest.mark.slow` to its module (see tests/conftest.py)"
        )


sys.addaudithook(_audit)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.pop()
