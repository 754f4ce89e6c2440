"""The platform team's own repository in the sandbox's Bitbucket: the Jenkins shared library.

Published at every start as the platform team publishes a release, through Bitbucket's REST
API and git over HTTP: the repository is created once, `main` is pushed while the repository
is empty, and the release tag (the library's `VERSION`) is pushed when it is missing. Every
landing zone's Jenkins folder pins that tag (`LZ_JENKINS_LIBRARY_*`).
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

from landingzone_sandbox.bitbucket.gitstore import git_environment
from landingzone_sandbox.layout import SERVICE_USER, SandboxLayout

LIBRARY_PROJECT = "PLATFORM"
LIBRARY_SLUG = "jenkins-library"
# A source checkout holds the library beside the service; an installed sandbox has none.
LIBRARY_SOURCE = Path(__file__).resolve().parents[2] / "jenkins-library"
# Fixed, so that publishing the same library again makes the same commit.
RELEASE_DATE = "2026-01-01T00:00:00+00:00"


def library_source() -> Path | None:
    return LIBRARY_SOURCE if (LIBRARY_SOURCE / "VERSION").is_file() else None


def library_clone_url(layout: SandboxLayout) -> str:
    return f"{layout.url(layout.bitbucket_port)}/scm/{LIBRARY_PROJECT.lower()}/{LIBRARY_SLUG}.git"


def publish_library(layout: SandboxLayout, source: Path) -> str:
    """Create the repository if needed and push the release; returns the version tag."""
    version = (source / "VERSION").read_text(encoding="utf-8").strip()
    auth = (SERVICE_USER, layout.bitbucket_password)
    with httpx.Client(base_url=layout.url(layout.bitbucket_port), auth=auth, timeout=30) as api:
        repos = f"/rest/api/1.0/projects/{LIBRARY_PROJECT}/repos"
        created = api.post(
            repos,
            json={"name": LIBRARY_SLUG, "description": "Jenkins shared library of the platform"},
        )
        if created.status_code != 409:
            created.raise_for_status()
    url = library_clone_url(layout)
    with tempfile.TemporaryDirectory(prefix="lz-library-") as work:
        tree = Path(work) / "library"
        shutil.copytree(source, tree, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))
        git = _git(layout, Path(work), tree)
        refs = {line.split("\t")[1] for line in git("ls-remote", "--refs", url).splitlines()}
        if f"refs/tags/{version}" in refs:
            return version
        git("init", "--quiet", "--initial-branch=main")
        git("add", "--all")
        git("commit", "--quiet", "--message", f"Release {version}")
        git("tag", "--annotate", version, "--message", f"Release {version}")
        pushed = [f"refs/tags/{version}"]
        if not any(ref.startswith("refs/heads/") for ref in refs):
            pushed.append("HEAD:refs/heads/main")
        git("push", "--quiet", url, *pushed)
    return version


def _git(layout: SandboxLayout, home: Path, tree: Path) -> Callable[..., str]:
    """git in `tree` as the platform team, signed in to the sandbox's Bitbucket."""
    env = {
        **git_environment(home),
        "GIT_AUTHOR_NAME": "Landing Zone platform",
        "GIT_AUTHOR_EMAIL": "platform-team@example.internal",
        "GIT_COMMITTER_NAME": "Landing Zone platform",
        "GIT_COMMITTER_EMAIL": "platform-team@example.internal",
        "GIT_AUTHOR_DATE": RELEASE_DATE,
        "GIT_COMMITTER_DATE": RELEASE_DATE,
    }
    basic = base64.b64encode(f"{SERVICE_USER}:{layout.bitbucket_password}".encode()).decode()
    # The credential travels as a header set through the environment: no URL, command line
    # or error message carries it.
    env.update(
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0="http.extraHeader",
        GIT_CONFIG_VALUE_0=f"Authorization: Basic {basic}",
    )

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=tree, env=env, check=False, capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"git {args[0]} failed: {done.stderr.decode()[-2000:]}")
        return done.stdout.decode()

    return git
