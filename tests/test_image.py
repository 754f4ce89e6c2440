"""The image's install, done without a container engine: the wheel in a fresh environment.

The steps are the Dockerfile's: fetch the production lock's wheels, each checked against its
hash, build ours from the sources with the locked build backend, install those wheels alone
into a fresh virtual environment, and run `landingzone serve` with production settings from
outside the checkout.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from packaging.utils import canonicalize_name

from landingzone.api.auth_settings import hash_token
from tests.support.sandbox import running_sandbox, wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# What the Dockerfile copies into its build stage.
BUILD_CONTEXT = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "service", "templates")
CLASSES = {"backend", "dotnet", "java", "mobile", "web"}
INSTALL_TIMEOUT_S = 600


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path
    outside: Path  # a working folder that is not the checkout
    sandbox_wheel: Path  # built from the same sources, never installed in `venv`

    def run(
        self, *argv: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv,
            cwd=self.outside,
            env=env if env is not None else clean_environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def python(self, code: str) -> str:
        result = self.run(str(self.venv / "bin" / "python"), "-c", code)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


def clean_environment() -> dict[str, str]:
    """The caller's environment without anything pointing into the checkout or its venv."""
    dropped = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    return {k: v for k, v in os.environ.items() if not k.startswith("LZ_") and k not in dropped}


def pip(venv: Path, *argv: str) -> None:
    # pip's own cache keeps the downloaded wheels, so a second run installs from disk.
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", *argv],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        env=clean_environment(),
    )
    assert result.returncode == 0, f"pip {' '.join(argv)}:\n{result.stderr[-3000:]}"


def new_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
    return path


def build_wheels(workdir: Path) -> Path:
    """The Dockerfile's build stage: the production lock's wheels, hash-checked, and ours."""
    source = workdir / "source"
    source.mkdir()
    ignored = shutil.ignore_patterns("__pycache__", "*.py[co]", "*.egg-info")
    for name in BUILD_CONTEXT:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=ignored)
        else:
            shutil.copy2(ROOT / name, source / name)
    builder = new_venv(workdir / "build-venv")
    pip(builder, "install", "--require-hashes", "-r", str(ROOT / "requirements" / "build.txt"))
    wheels = workdir / "wheels"
    production = str(ROOT / "requirements" / "production.txt")
    pip(
        builder,
        "wheel",
        "--require-hashes",
        "--no-build-isolation",
        "-w",
        str(wheels),
        "-r",
        production,
    )
    pip(builder, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source))
    sandbox = workdir / "sandbox-wheel"
    pip(
        builder,
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        str(sandbox),
        str(source / "service"),
    )
    return wheels


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The Dockerfile's final stage: those wheels alone, offline, into a fresh environment."""
    workdir = tmp_path_factory.mktemp("image")
    wheels = build_wheels(workdir)
    venv = new_venv(workdir / "venv")
    pip(venv, "install", "--no-index", "--no-deps", *map(str, sorted(wheels.glob("*.whl"))))
    pip(venv, "check")
    outside = workdir / "run"
    outside.mkdir()
    (wheel,) = wheels.glob("landingzone-*.whl")
    (sandbox_wheel,) = (workdir / "sandbox-wheel").glob("landingzone_sandbox-*.whl")
    return Installed(venv, wheel, outside, sandbox_wheel)


def wheel_contents(wheel: Path) -> tuple[list[str], dict[str, str]]:
    """A wheel's file names, and the text of its .dist-info files by name."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = {
            name.split("/")[-1]: archive.read(name).decode()
            for name in names
            if name.split("/")[0].endswith(".dist-info")
        }
    return names, info


def requires(info: dict[str, str]) -> list[str]:
    return [
        line.removeprefix("Requires-Dist: ")
        for line in info["METADATA"].splitlines()
        if line.startswith("Requires-Dist: ")
    ]


def test_the_wheel_holds_the_package_alone(installed: Installed) -> None:
    names, info = wheel_contents(installed.wheel)
    assert {name.split("/")[0] for name in names} == {"landingzone", "landingzone-0.1.0.dist-info"}
    assert not [name for name in names if name.startswith("landingzone/sandbox/")]
    assert not [r for r in requires(info) if r.startswith(("aiosmtpd", "landingzone"))]
    assert "landingzone.commands" not in info.get("entry_points.txt", "")


def test_the_sandbox_wheel_holds_the_simulators_their_pages_and_the_command(
    installed: Installed,
) -> None:
    names, info = wheel_contents(installed.sandbox_wheel)
    top_level = {name.split("/")[0] for name in names}
    assert top_level == {"landingzone_sandbox", "landingzone_sandbox-0.1.0.dist-info"}
    sources = ROOT / "service" / "landingzone_sandbox"
    pages = {
        f"landingzone_sandbox/{p.relative_to(sources).as_posix()}" for p in sources.rglob("*.html")
    }
    assert pages and pages <= set(names)
    assert "landingzone_sandbox/py.typed" in names
    commands = configparser.ConfigParser()
    commands.read_string(info["entry_points.txt"])
    assert dict(commands["landingzone.commands"]) == {"sandbox": "landingzone_sandbox.cli:register"}
    assert "landingzone==0.1.0" in requires(info)
    assert [r for r in requires(info) if r.startswith("aiosmtpd")]


def test_the_package_imports_from_the_venv_outside_the_checkout(installed: Installed) -> None:
    location = Path(installed.python("import landingzone; print(landingzone.__file__)"))
    assert location.is_relative_to(installed.venv)
    assert not location.is_relative_to(ROOT)


def test_the_installed_package_finds_every_template_file(installed: Installed) -> None:
    found = json.loads(
        installed.python(
            "import json; from landingzone.config import DEFAULT_TEMPLATES_DIR as d;"
            "from landingzone.rendering import load_classes;"
            "print(json.dumps({'dir': str(d), 'classes': sorted(load_classes(d))}))"
        )
    )
    templates = Path(found["dir"])
    assert templates.is_relative_to(installed.venv)
    assert set(found["classes"]) == CLASSES
    assert files_under(templates) == files_under(ROOT / "templates")  # dotfiles included


def files_under(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_production_refuses_placeholder_secrets_naming_each(installed: Installed) -> None:
    real = "Kx9-" + secrets.token_urlsafe(12)
    env = {
        **clean_environment(),
        "LZ_ENVIRONMENT": "production",
        "LZ_JENKINS_TOKEN": real,
        "LZ_SMTP_USERNAME": "relay",
        "LZ_DATABASE_URL": f"sqlite:///{installed.outside / 'refused.sqlite'}",
    }
    result = installed.run(str(installed.venv / "bin" / "landingzone"), "serve", env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for setting in ("LZ_API_CALLERS", "LZ_BITBUCKET_PASSWORD", "LZ_SMTP_PASSWORD"):
        assert setting in output
    assert "LZ_JENKINS_TOKEN" not in output
    assert real not in output


def test_production_serves_against_the_sandbox(installed: Installed, tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "sandbox") as sandbox:
        systems = sandbox.description
        token = secrets.token_urlsafe(24)
        port = free_port()
        env = {
            **clean_environment(),
            **production_settings(systems, tmp_path / "service"),
            "LZ_API_CALLERS": json.dumps(
                {"ci": {"scopes": ["landing-zones:read"], "tokens": [hash_token(token)]}}
            ),
            "LZ_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        serve = [str(installed.venv / "bin" / "landingzone"), "serve", "--port", str(port)]
        with serving(serve, env, installed.outside, tmp_path / "service.log") as base_url:
            classes = httpx.get(
                f"{base_url}/v1/classes", headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
            assert classes.status_code == 200, classes.text
            assert {c["id"] for c in classes.json()["classes"]} == CLASSES
            assert httpx.get(f"{base_url}/v1/classes", timeout=10).status_code == 401
            assert httpx.get(f"{base_url}/readyz", timeout=10).status_code == 200


def production_settings(systems: dict[str, Any], state: Path) -> dict[str, str]:
    """Production settings for the sandbox's systems, with the service's own secrets."""
    bitbucket, jenkins, servicenow, mailbox = (
        systems[name] for name in ("bitbucket", "jenkins", "servicenow", "mailbox")
    )
    return {
        "LZ_ENVIRONMENT": "production",
        "LZ_DATABASE_URL": f"sqlite:///{state / 'landingzone.sqlite'}",
        "LZ_WORKSPACE_DIR": str(state / "workspaces"),
        "LZ_BITBUCKET_URL": bitbucket["url"],
        "LZ_BITBUCKET_USERNAME": bitbucket["username"],
        "LZ_BITBUCKET_PASSWORD": bitbucket["password"],
        "LZ_BITBUCKET_WEBHOOK_SECRET": secrets.token_urlsafe(24),
        "LZ_JENKINS_URL": jenkins["url"],
        "LZ_JENKINS_USERNAME": jenkins["username"],
        "LZ_JENKINS_TOKEN": jenkins["token"],
        "LZ_JENKINS_NOTIFY_COMMIT_TOKEN": jenkins["notify_commit_token"],
        "LZ_SERVICENOW_HOST": servicenow["host"],
        "LZ_SERVICENOW_USERNAME": servicenow["username"],
        "LZ_SERVICENOW_PASSWORD": servicenow["password"],
        "LZ_SERVICENOW_CALLBACK_SECRET": secrets.token_urlsafe(24),
        "LZ_SMTP_HOST": mailbox["smtp_host"],
        "LZ_SMTP_PORT": str(mailbox["smtp_port"]),
    }


@contextmanager
def serving(argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> Iterator[str]:
    port = argv[argv.index("--port") + 1]
    base_url = f"http://127.0.0.1:{port}"
    state = Path(env["LZ_WORKSPACE_DIR"]).parent
    state.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for(
                lambda: process.poll() is not None or healthy(base_url),
                "the installed service to answer /healthz",
                timeout=120,
            )
            assert process.poll() is None, log.read_text()
            yield base_url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sandbox_parts_in(installed: Installed) -> list[str]:
    """What of the sandbox an environment with the product alone holds (after `import
    landingzone`, which must work): modules and distributions."""
    parts: list[str] = json.loads(
        installed.python(
            "import importlib.metadata as m, importlib.util as u, json, landingzone;"
            "modules = ['landingzone_sandbox', 'landingzone.sandbox', 'aiosmtpd'];"
            "parts = [name for name in modules if u.find_spec(name)];"
            "names = {d.metadata['Name'].lower() for d in m.distributions()};"
            "print(json.dumps(parts + sorted(names & {'aiosmtpd', 'landingzone-sandbox'})))"
        )
    )
    return parts


def test_the_product_environment_holds_no_sandbox(installed: Installed) -> None:
    assert sandbox_parts_in(installed) == []


def test_without_the_sandbox_the_command_says_what_to_install(installed: Installed) -> None:
    result = installed.run(str(installed.venv / "bin" / "landingzone"), "sandbox", "--demo")
    assert result.returncode == 2
    assert "install landingzone-sandbox" in result.stderr


def test_the_sandbox_installs_beside_the_product_and_adds_its_command(
    installed: Installed, tmp_path: Path
) -> None:
    venv = new_venv(tmp_path / "venv")
    product = sorted(installed.wheel.parent.glob("*.whl"))
    pip(
        venv, "install", "--no-index", "--no-deps", *map(str, product), str(installed.sandbox_wheel)
    )
    extra = tmp_path / "sandbox-requirements.txt"
    extra.write_text(sandbox_only_pins())
    pip(venv, "install", "--require-hashes", "--no-deps", "-r", str(extra))
    pip(venv, "check")
    result = installed.run(str(venv / "bin" / "landingzone"), "sandbox", "--help")
    assert result.returncode == 0, result.stderr
    assert "--demo" in result.stdout


def sandbox_only_pins() -> str:
    """The dev lock's pins (with their hashes) that the sandbox needs beyond the production lock."""
    dev, production = lock_entries("dev.txt"), lock_entries("production.txt")
    needed = {"landingzone-sandbox"}
    while True:
        more = {name for name, (_, via) in dev.items() if via & needed and name not in production}
        if more <= needed:
            break
        needed |= more
    pins = [dev[name][0] for name in sorted(needed) if name in dev]
    assert pins, "the dev lock pins nothing for the sandbox"
    return "\n".join(pins) + "\n"


def lock_entries(name: str) -> dict[str, tuple[str, set[str]]]:
    """A lock's entries by canonical name: the pin with its hashes, and what it is there for."""
    pins: dict[str, list[str]] = {}
    reasons: dict[str, set[str]] = {}
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        stripped = line.strip()
        if line and not line[0].isspace() and not line.startswith("#"):
            current = canonicalize_name(re.split(r"[=\[; ]", line, maxsplit=1)[0])
            pins[current], reasons[current] = [line], set()
        elif pins and stripped.startswith("--hash"):
            pins[current].append(line)
        elif pins and stripped.startswith("#"):
            reason = stripped.lstrip("#").strip().removeprefix("via").strip()
            if reason and not reason.startswith("-"):  # not "-c requirements/…"
                reasons[current].add(canonicalize_name(reason.split(" ")[0]))
    return {name: ("\n".join(pins[name]), reasons[name]) for name in pins}
