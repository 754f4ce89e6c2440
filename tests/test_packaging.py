"""The image definition, the locks and the packaging, checked with the tools that judge them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ROOT / "requirements"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PYPROJECT_NAME = PYPROJECT["project"]["name"]
# The sandbox's distribution: never in the product's dependencies, nor in its lock.
SANDBOX_PYPROJECT = tomllib.loads((ROOT / "service" / "pyproject.toml").read_text())


@dataclass(frozen=True)
class Pin:
    version: str
    hashes: tuple[str, ...]


def locked(name: str) -> dict[str, Pin]:
    """A lock file's pins by canonical name; continuation lines joined, comments dropped."""
    text = (LOCKS / name).read_text().replace("\\\n", " ")
    pins: dict[str, Pin] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, *options = line.split(" --hash=")
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(\[[^\]]*\])?==([^\s;]+)", requirement.strip())
        assert match, f"{name}: not pinned to one version: {line}"
        pins[canonicalize_name(match[1])] = Pin(match[3], tuple(h.strip() for h in options))
    return pins


def dockerfile_lines() -> list[str]:
    return (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()


def final_stage() -> list[str]:
    lines = dockerfile_lines()
    last_from = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    return lines[last_from:]


# ------------------------------------------------------------------------------ the image


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed")
    result = subprocess.run(
        [hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout


def test_dockerfile_runs_unprivileged_with_a_healthcheck() -> None:
    users = [line.split()[1] for line in final_stage() if line.startswith("USER ")]
    # Numeric, so an orchestrator's runAsNonRoot can tell without reading /etc/passwd.
    assert users and re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", users[-1])
    assert any(line.startswith("HEALTHCHECK") for line in final_stage())


def test_dockerfile_starts_from_a_base_pinned_by_digest() -> None:
    stages = {line.split()[-1] for line in dockerfile_lines() if " AS " in line}
    bases = [line.split()[1] for line in dockerfile_lines() if line.startswith("FROM ")]
    external = [base for base in bases if base not in stages]
    assert external
    for base in external:
        assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", base), base


def test_the_image_installs_the_production_lock_with_hashes_and_defaults_to_production() -> None:
    build_runs = " ".join(
        line for line in dockerfile_lines()[: -len(final_stage())] if line.startswith("RUN ")
    )
    fetch = "pip wheel --no-cache-dir --require-hashes --no-build-isolation"
    assert re.search(f"{fetch} .*-r requirements/production.txt", build_runs)
    runs = " ".join(line for line in final_stage() if line.startswith("RUN "))
    assert "pip install --no-cache-dir --no-index --no-deps /wheels/*.whl" in runs
    assert "pip check" in runs
    env = " ".join(line for line in final_stage() if line.startswith("ENV "))
    assert "LZ_ENVIRONMENT=production" in env
    # The templates travel inside the wheel; nothing of the checkout is copied in.
    assert "LZ_TEMPLATES_DIR" not in env
    assert not [line for line in final_stage() if line.startswith(("COPY ", "ADD "))]


# ------------------------------------------------------------------------------ the locks


@pytest.mark.parametrize("name", ["build.txt", "production.txt", "dev.txt"])
def test_every_locked_requirement_is_pinned_with_hashes(name: str) -> None:
    pins = locked(name)
    assert pins
    for package, pin in pins.items():
        assert pin.hashes and all(h.startswith("sha256:") for h in pin.hashes), package


def assert_lock_satisfies(lock: dict[str, Pin], requirements: list[str], lock_name: str) -> None:
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{requirement.name} is not in {lock_name}: run `make lock`"
        assert requirement.specifier.contains(lock[name].version, prereleases=True), (
            f"{lock_name} pins {name}=={lock[name].version}, outside {requirement}: run `make lock`"
        )


def test_the_production_lock_covers_the_runtime_dependencies() -> None:
    dependencies = PYPROJECT["project"]["dependencies"]
    assert "alembic>=1.13" in dependencies
    assert_lock_satisfies(locked("production.txt"), dependencies, "production.txt")


def test_the_production_lock_holds_nothing_of_the_sandbox() -> None:
    production = locked("production.txt")
    assert "aiosmtpd" in sandbox_dependencies()
    for name in ("aiosmtpd", "landingzone-sandbox", "landingzone"):
        assert name not in production, name
    product = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["dependencies"]}
    assert product.isdisjoint({"aiosmtpd", "landingzone-sandbox"})


def sandbox_dependencies() -> dict[str, str]:
    """The sandbox's requirements but the product (built from this checkout), by name."""
    requirements = map(Requirement, SANDBOX_PYPROJECT["project"]["dependencies"])
    return {canonicalize_name(r.name): str(r) for r in requirements if r.name != PYPROJECT_NAME}


def test_the_sandbox_needs_this_very_product() -> None:
    requirements = map(Requirement, SANDBOX_PYPROJECT["project"]["dependencies"])
    (product,) = [r for r in requirements if r.name == PYPROJECT_NAME]
    assert str(product.specifier) == f"=={PYPROJECT['project']['version']}"


def test_the_dev_lock_adds_the_dev_extra_and_the_sandbox_at_the_production_versions() -> None:
    dev, production, build = locked("dev.txt"), locked("production.txt"), locked("build.txt")
    assert_lock_satisfies(dev, PYPROJECT["project"]["optional-dependencies"]["dev"], "dev.txt")
    assert_lock_satisfies(dev, list(sandbox_dependencies().values()), "dev.txt")
    assert "landingzone" not in dev and "landingzone-sandbox" not in dev
    for name, pin in {**production, **build}.items():
        assert name in dev and dev[name].version == pin.version, name


def test_the_build_lock_holds_the_build_backend() -> None:
    build = locked("build.txt")
    assert_lock_satisfies(build, PYPROJECT["build-system"]["requires"], "build.txt")
    assert "pip" in build


# ------------------------------------------------------------------------------ make install


def make_dry_run(venv: Path, *extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run(
        ["make", "-n", f"VENV={venv}", f"{venv}/.installed", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_install_uses_the_locks_and_reinstalls_when_one_changes(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    commands = make_dry_run(venv)
    pip = f"{venv}/bin/pip install --quiet"
    assert f"{pip} --require-hashes --no-build-isolation -r requirements/dev.txt" in commands
    assert f"{pip} --no-deps --no-build-isolation -e . -e ./service" in commands
    venv.mkdir()
    (venv / ".installed").touch()  # newer than every lock: up to date
    assert "pip install" not in make_dry_run(venv)
    for lock in ("production.txt", "dev.txt", "build.txt"):
        assert "--require-hashes" in make_dry_run(venv, "-W", f"requirements/{lock}"), lock


def test_the_command_offers_every_documented_subcommand() -> None:
    landingzone = Path(sys.executable).parent / "landingzone"
    if not landingzone.exists():
        pytest.skip("the console script is not installed beside this interpreter")
    result = subprocess.run(
        [str(landingzone), "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    for command in ("serve", "sandbox", "render", "openapi"):
        assert command in result.stdout


@pytest.mark.slow
def test_the_installed_command_runs_the_installed_sandbox() -> None:
    landingzone = Path(sys.executable).parent / "landingzone"
    try:
        distribution("landingzone-sandbox")
    except PackageNotFoundError:
        pytest.skip("landingzone-sandbox is not installed beside this interpreter: make install")
    if not landingzone.exists():
        pytest.skip("the console script is not installed beside this interpreter")
    result = subprocess.run(
        [str(landingzone), "sandbox", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for option in ("--port", "--data", "--demo"):
        assert option in result.stdout
