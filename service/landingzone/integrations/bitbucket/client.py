"""The REST client (atlassian-python-api) and the `git` CLI, both set up from BitbucketSettings.

Git gets the credentials as an `http.<url>.extraHeader` through GIT_CONFIG_* environment
variables, scoped to the repository URL: never in the URL, the argument list or a file.
"""

from __future__ import annotations

import base64
import logging
import math
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, cast

from atlassian import Bitbucket

from landingzone.integrations.base import FileChange, InitialCommit, TransientError
from landingzone.integrations.bitbucket.config import BitbucketSettings
from landingzone.integrations.bitbucket.errors import SYSTEM, from_git_error

GIT_TIMEOUT_S = 300.0  # one git command (ls-remote, push): longer than a REST call
# atlassian-python-api logs every request at DEBUG as a curl command with its body, a webhook's
# secret and its URL's token among them: those lines never reach the service's log.
logging.getLogger("atlassian").setLevel(logging.INFO)


class BitbucketApi(Protocol):
    """The part of `atlassian.Bitbucket` the adapter uses, with types."""

    def project(self, key: str) -> Any: ...

    def get_repo(self, project_key: str, repository_slug: str) -> Any: ...

    def get_content_of_file(
        self,
        project_key: str,
        repository_slug: str,
        filename: str,
        at: str | None = ...,
        markup: str | None = ...,
    ) -> Any: ...

    def resource_url(self, resource: str) -> str: ...

    def get(self, path: str, *, params: dict[str, Any] | None = ...) -> Any: ...

    def post(self, path: str, data: Any = ...) -> Any: ...

    def update_repo(self, project_key: str, repository_slug: str, **params: Any) -> Any: ...

    def delete_repo(self, project_key: str, repository_slug: str) -> Any: ...

    def set_default_branch(
        self, project_key: str, repository_slug: str, ref_branch_name: str
    ) -> Any: ...

    def get_branches_permissions(
        self,
        project_key: str,
        permission_id: int | None,
        repository_slug: str | None = ...,
        start: int = ...,
        limit: int = ...,
    ) -> Any: ...

    def set_branches_permissions(
        self, project_key: str, multiple_permissions: Any = ..., repository_slug: str | None = ...
    ) -> Any: ...

    def repo_grant_group_permissions(
        self, project_key: str, repo_key: str, groupname: str, permission: str
    ) -> Any: ...

    def get_webhooks(self, project_key: str, repository_slug: str) -> Iterator[Any]: ...

    def create_webhook(
        self,
        project_key: str,
        repository_slug: str,
        name: str,
        events: list[str],
        webhook_url: str,
        active: bool,
        secret: str | None = ...,
    ) -> Any: ...

    def update_webhook(
        self, project_key: str, repository_slug: str, webhook_id: int, **params: Any
    ) -> Any: ...

    def open_pull_request(
        self,
        source_project: str,
        source_repo: str,
        dest_project: str,
        dest_repo: str,
        source_branch: str,
        destination_branch: str,
        title: str,
        description: str,
    ) -> Any: ...

    def get_pull_request(
        self, project_key: str, repository_slug: str, pull_request_id: int
    ) -> Any: ...

    def get_pull_requests(self, project_key: str, repository_slug: str) -> Iterator[Any]: ...

    def decline_pull_request(
        self, project_key: str, repository_slug: str, pr_id: int, pr_version: int
    ) -> Any: ...


def build_client(config: BitbucketSettings, timeout_s: float) -> BitbucketApi:
    client = Bitbucket(  # type: ignore[no-untyped-call]
        config.url,
        username=config.username,
        password=config.password.get_secret_value(),
        timeout=max(1, math.ceil(timeout_s)),  # the library truncates to whole seconds
        cloud=False,
        # By default the library sleeps out a 429's Retry-After inside the call; the delay is
        # handed to the caller instead (TransientError.retry_after), which waits durably.
        retry_with_header=False,
    )
    return cast(BitbucketApi, client)


def branch_name(branch: str) -> str:
    return branch.removeprefix("refs/heads/")


class GitCli:
    """The few git operations the adapter needs, each bounded by `GIT_TIMEOUT_S`."""

    def __init__(self, config: BitbucketSettings) -> None:
        self._config = config

    def _environment(self, remote_url: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(
            GIT_TERMINAL_PROMPT="0",
            GIT_ASKPASS="",
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=os.devnull,
        )
        if remote_url is not None:
            pair = f"{self._config.username}:{self._config.password.get_secret_value()}"
            token = base64.b64encode(pair.encode("utf-8")).decode("ascii")
            env.update(
                GIT_CONFIG_COUNT="1",
                GIT_CONFIG_KEY_0=f"http.{remote_url}.extraHeader",
                GIT_CONFIG_VALUE_0=f"Authorization: Basic {token}",
            )
        return env

    def _run(
        self,
        args: list[str],
        action: str,
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> str:
        result = self._completed(args, action, cwd=cwd, env=env)
        if result.returncode != 0:
            raise from_git_error(result.stderr, action, self._config.secrets())
        return result.stdout

    def _completed(
        self,
        args: list[str],
        action: str,
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                ["git", *args],
                cwd=cwd,
                env=env if env is not None else self._environment(),
                capture_output=True,
                text=True,
                check=False,
                timeout=GIT_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired as exc:
            raise TransientError(SYSTEM, f"{action}: git timed out") from exc

    def remote_head(self, remote_url: str, branch: str) -> str | None:
        """The commit id of `branch` on the remote, or None if the branch does not exist."""
        ref = f"refs/heads/{branch_name(branch)}"
        out = self._run(
            ["ls-remote", "--refs", remote_url, ref],
            f"read {ref} from the remote",
            env=self._environment(remote_url),
        )
        for line in out.splitlines():
            commit, _, name = line.partition("\t")
            if name == ref:
                return commit
        return None

    def commit_directory(self, commit: InitialCommit, workdir: Path) -> str:
        """A one-commit repository in `workdir` holding `commit.source_dir`; its commit id.

        Author, committer and dates come from `commit`, so the same input gives the same id.
        """
        shutil.copytree(
            commit.source_dir, workdir, symlinks=True, ignore=shutil.ignore_patterns(".git")
        )
        branch = branch_name(commit.branch)
        self._run(
            ["init", "--quiet", "--template=", f"--initial-branch={branch}"],
            "git init",
            cwd=workdir,
        )
        self._run(["add", "--all", "."], "git add", cwd=workdir)
        when = f"@{commit.timestamp} +0000"
        env = self._environment()
        env.update(
            GIT_AUTHOR_NAME=commit.author_name,
            GIT_AUTHOR_EMAIL=commit.author_email,
            GIT_AUTHOR_DATE=when,
            GIT_COMMITTER_NAME=commit.author_name,
            GIT_COMMITTER_EMAIL=commit.author_email,
            GIT_COMMITTER_DATE=when,
        )
        self._run(
            [
                "-c",
                "commit.gpgSign=false",
                "-c",
                "core.autocrlf=false",
                "commit",
                "--quiet",
                "--allow-empty",
                "--no-verify",
                "--cleanup=verbatim",
                "--message",
                commit.message,
            ],
            "git commit",
            cwd=workdir,
            env=env,
        )
        return self._run(["rev-parse", "HEAD"], "git rev-parse", cwd=workdir).strip()

    def push(
        self,
        workdir: Path,
        remote_url: str,
        branch: str,
        *,
        source: str = "HEAD",
        force: bool = False,
    ) -> None:
        ref = f"refs/heads/{branch_name(branch)}"
        self._run(
            [
                "push",
                "--quiet",
                "--no-verify",
                *(["--force"] if force else []),
                remote_url,
                f"{source}:{ref}",
            ],
            f"push {ref}",
            cwd=workdir,
            env=self._environment(remote_url),
        )

    def remote_head_message(self, workdir: Path, remote_url: str, branch: str) -> str:
        """The message of `branch`'s head commit on the remote, fetched into `workdir`."""
        ref = f"refs/heads/{branch_name(branch)}"
        self._run(
            ["fetch", "--quiet", "--depth", "1", "--no-tags", remote_url, ref],
            f"fetch {ref}",
            cwd=workdir,
            env=self._environment(remote_url),
        )
        return self._run(["log", "-1", "--format=%B", "FETCH_HEAD"], "git log", cwd=workdir)

    def clone_branch(self, remote_url: str, branch: str, workdir: Path) -> str:
        """A shallow clone of `branch` alone into `workdir`; the branch head commit id."""
        name = branch_name(branch)
        self._run(
            ["-c", "core.autocrlf=false", "clone", "--quiet", "--depth", "1", "--no-tags",
             "--single-branch", "--branch", name, "--template=", remote_url, str(workdir)],
            f"clone refs/heads/{name}",
            env=self._environment(remote_url),
        )  # fmt: skip
        return self.head(workdir)

    def run_local(
        self, args: list[str], action: str, cwd: Path, extra_env: dict[str, str] | None = None
    ) -> str:
        """A git command on a local repository (no remote, so no credentials in its env)."""
        env = self._environment()
        env.update(extra_env or {})
        return self._run(args, action, cwd=cwd, env=env)

    def completed_local(
        self, args: list[str], action: str, cwd: Path
    ) -> subprocess.CompletedProcess[str]:
        """As run_local, for commands whose exit status says something (merge-tree)."""
        return self._completed(args, action, cwd=cwd)

    def head(self, workdir: Path) -> str:
        return self._run(["rev-parse", "HEAD"], "git rev-parse", cwd=workdir).strip()

    def commit_path(self, workdir: Path, change: FileChange) -> str:
        """Commit `change.path` as it is in `workdir`, by the change's author; the commit id."""
        env = self._environment()
        env.update(
            GIT_AUTHOR_NAME=change.author_name,
            GIT_AUTHOR_EMAIL=change.author_email,
            GIT_COMMITTER_NAME=change.author_name,
            GIT_COMMITTER_EMAIL=change.author_email,
        )
        self._run(["add", "--", change.path], "git add", cwd=workdir)
        self._run(
            ["-c", "commit.gpgSign=false", "commit", "--quiet", "--no-verify",
             "--cleanup=verbatim", "--message", change.message],
            "git commit",
            cwd=workdir,
            env=env,
        )  # fmt: skip
        return self.head(workdir)

    def push_unless_overtaken(self, workdir: Path, remote_url: str, branch: str) -> bool:
        """Push HEAD to `branch`; False when refused because the branch moved on meanwhile."""
        ref = f"refs/heads/{branch_name(branch)}"
        action = f"push {ref}"
        result = self._completed(
            ["push", "--quiet", "--no-verify", "--porcelain", remote_url, f"HEAD:{ref}"],
            action,
            cwd=workdir,
            env=self._environment(remote_url),
        )
        if result.returncode == 0:
            return True
        # --porcelain: "!<TAB>HEAD:refs/heads/main<TAB>[rejected] (fetch first)" on stdout.
        # A hook's refusal reads "[remote rejected]" and is no race: it is raised.
        if any(
            line.startswith("!") and "\t[rejected]" in line for line in result.stdout.splitlines()
        ):
            return False
        raise from_git_error(result.stderr or result.stdout, action, self._config.secrets())
