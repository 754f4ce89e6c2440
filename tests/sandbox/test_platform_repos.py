"""The sandbox publishes the platform's Jenkins library in its Bitbucket, tagged by version."""

from __future__ import annotations

import subprocess
from pathlib import Path

from landingzone.integrations.jenkins.config import LIBRARY_VERSION
from landingzone_sandbox.layout import SandboxLayout
from landingzone_sandbox.platform_repos import library_clone_url, library_source, publish_library
from landingzone_sandbox.simulators import start_simulators
from tests.support.sandbox import _free_port_block


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def test_the_library_release_is_published_once_and_cloned_at_its_tag(tmp_path: Path) -> None:
    layout = SandboxLayout.load_or_create(tmp_path / "sandbox", "127.0.0.1", _free_port_block(6))
    source = library_source()
    assert source is not None
    servers = start_simulators(layout)
    try:
        assert publish_library(layout, source) == LIBRARY_VERSION
        assert publish_library(layout, source) == LIBRARY_VERSION  # the next start: unchanged

        url = library_clone_url(layout).replace(
            "://", f"://landingzone:{layout.bitbucket_password}@"
        )
        refs = git("ls-remote", url, cwd=tmp_path)
        clone = tmp_path / "clone"
        git("clone", "--quiet", "--branch", LIBRARY_VERSION, url, str(clone), cwd=tmp_path)
    finally:
        for server in servers:
            server.stop()

    assert f"refs/tags/{LIBRARY_VERSION}" in refs and "refs/heads/main" in refs
    assert (clone / "VERSION").read_text().strip() == LIBRARY_VERSION
    for step in ("landingZoneBuild", "landingZonePromote"):
        assert (clone / "vars" / f"{step}.groovy").read_bytes() == (
            source / "vars" / f"{step}.groovy"
        ).read_bytes()
    assert (clone / "resources/landingzone/promote.py").is_file()
