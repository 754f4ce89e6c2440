"""Template updates seen from outside: a platform team releasing a template version, and a
landing zone's team working in its repository (git) and reading its pull requests (Bitbucket's
REST API through atlassian-python-api)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from atlassian import Bitbucket

from landingzone.rendering.versions import STORE_DIR, read_version

PROJECT_FOLDER = "{{cookiecutter.component_name}}"


def release(root: Path, version: str, note: str, edits: dict[str, tuple[str, str]]) -> None:
    """What the platform team does: keep the current java template, then change it."""
    folder = root / "java"
    shutil.copytree(folder, root / STORE_DIR / "java" / read_version(folder))
    for path, (old, new) in edits.items():
        target = folder / PROJECT_FOLDER / path
        text = target.read_text(encoding="utf-8")
        assert old in text
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
    (folder / "VERSION").write_text(f"{version}\n", encoding="utf-8")
    log = folder / "CHANGELOG.md"
    head, _, rest = log.read_text(encoding="utf-8").partition("## ")
    log.write_text(f"{head}## {version}\n\n- {note}\n\n## {rest}", encoding="utf-8")


class Repo:
    """A landing zone's project repository, seen by its team (git) and through Bitbucket's API."""

    def __init__(
        self, view: dict[str, Any], bitbucket_url: str, credentials: tuple[str, str], work: Path
    ) -> None:
        parts = urlsplit(view["links"]["repository"]).path.split("/")
        self.project = parts[parts.index("projects") + 1]
        self.slug = parts[parts.index("repos") + 1]
        user, password = credentials
        self.remote = view["links"]["clone"].replace("://", f"://{user}:{password}@", 1)
        self.api = Bitbucket(bitbucket_url, username=user, password=password)
        self.work = work
        self.git("clone", "--quiet", self.remote, str(work), cwd=work.parent)

    def git(self, *args: str, cwd: Path | None = None) -> str:
        env = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": str(self.work),
               "PATH": "/usr/bin:/bin", "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@x",
               "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@x"}  # fmt: skip
        done = subprocess.run(["git", *args], cwd=cwd or self.work, env=env, capture_output=True,
                              text=True, check=True, timeout=60)  # fmt: skip
        return done.stdout

    def team_commits(self, changes: dict[str, str]) -> str:
        self.git("pull", "--quiet", "--ff-only")
        for path, text in changes.items():
            target = next(self.work.rglob(path)) if "*" in path else self.work / path
            target.write_text(text, encoding="utf-8")
        self.git("commit", "--quiet", "--all", "--message", "The team's own change")
        self.git("push", "--quiet", "origin", "HEAD:main")
        return self.head("main")

    def head(self, branch: str) -> str:
        return self.git("ls-remote", "origin", f"refs/heads/{branch}").split("\t")[0]

    def read(self, path: str, ref: str) -> str:
        self.git("fetch", "--quiet", "origin", ref)
        return self.git("show", f"FETCH_HEAD:{path}")

    def pull_requests(self, state: str = "ALL") -> list[dict[str, Any]]:
        return list(self.api.get_pull_requests(self.project, self.slug, state=state))


class PullRequests:
    """A landing zone's pull requests through Bitbucket's REST API, as a reviewer merges or
    declines them (no clone)."""

    def __init__(self, view: dict[str, Any], bitbucket_url: str, credentials: tuple[str, str]):
        parts = urlsplit(view["links"]["repository"]).path.split("/")
        self.project = parts[parts.index("projects") + 1]
        self.slug = parts[parts.index("repos") + 1]
        user, password = credentials
        self.api = Bitbucket(bitbucket_url, username=user, password=password)

    def listed(self, state: str = "ALL") -> list[dict[str, Any]]:
        return list(self.api.get_pull_requests(self.project, self.slug, state=state))

    def merge_open(self) -> int:
        """Merge every open pull request; how many."""
        opened = self.listed("OPEN")
        for pull_request in opened:
            self.api.merge_pull_request(
                self.project, self.slug, pull_request["id"], "merge",
                pr_version=pull_request["version"],
            )  # fmt: skip
        return len(opened)

    def decline_open(self) -> int:
        opened = self.listed("OPEN")
        for pull_request in opened:
            self.api.decline_pull_request(
                self.project, self.slug, pull_request["id"], pull_request["version"]
            )
        return len(opened)
