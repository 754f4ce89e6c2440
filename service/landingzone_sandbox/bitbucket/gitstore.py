"""Bare repositories on disk, read and changed through the `git` CLI (argument lists, no shell)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_SAFE_REV = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]*$")
_SAFE_PATH_PART = re.compile(r"^[^\x00-\x1f\\]+$")
_HEX = re.compile(r"^[0-9a-f]{7,40}$")


class GitStoreError(Exception):
    """A revision or path does not exist or is not acceptable."""


@dataclass(frozen=True)
class Ref:
    name: str  # refs/heads/main
    commit: str
    committed_at: int


@dataclass(frozen=True)
class TreeEntry:
    name: str
    kind: str  # "blob" or "tree"
    object_id: str
    size: int | None
    executable: bool


def clean_path(path: str) -> str:
    """A repository-relative path with no `..`, `.`, empty or control-character parts."""
    stripped = path.strip("/")
    if not stripped:
        return ""
    parts = stripped.split("/")
    for part in parts:
        if part in ("", ".", "..") or not _SAFE_PATH_PART.fullmatch(part):
            raise GitStoreError(f"invalid path: {path!r}")
    return "/".join(parts)


def git_environment(home: Path) -> dict[str, str]:
    """A clean environment: no inherited GIT_* variables, no user or system configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
    )
    return env


class GitStore:
    """Bare repositories under `root`, one directory per repository id."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.env = git_environment(root)

    def path(self, repository_id: int) -> Path:
        return self.root / f"{repository_id}.git"

    def _git(self, repository_id: int, *args: str, check: bool = True) -> bytes:
        result = subprocess.run(
            ["git", "--git-dir", str(self.path(repository_id)), *args],
            env=self.env,
            capture_output=True,
            check=False,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise GitStoreError(result.stderr.decode("utf-8", "replace").strip())
        return result.stdout

    def create(self, repository_id: int) -> None:
        target = self.path(repository_id)
        if target.exists():
            shutil.rmtree(target)
        subprocess.run(
            [
                "git",
                "init",
                "--quiet",
                "--bare",
                "--template=",
                "--initial-branch=main",
                str(target),
            ],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def delete(self, repository_id: int) -> None:
        shutil.rmtree(self.path(repository_id), ignore_errors=True)

    def refs(self, repository_id: int) -> dict[str, Ref]:
        out = self._git(
            repository_id,
            "for-each-ref",
            "--format=%(refname)%00%(objectname)%00%(committerdate:unix)",
            "refs/heads",
            "refs/tags",
        )
        refs: dict[str, Ref] = {}
        for line in out.decode("utf-8", "replace").splitlines():
            name, commit, when = line.split("\x00")
            refs[name] = Ref(name, commit, int(when or 0))
        return refs

    def default_ref(self, repository_id: int) -> str:
        out = self._git(repository_id, "symbolic-ref", "HEAD", check=False).decode().strip()
        return out or "refs/heads/main"

    def set_default_ref(self, repository_id: int, ref: str) -> None:
        self._git(repository_id, "symbolic-ref", "HEAD", ref)

    def valid_branch_ref(self, ref: str) -> bool:
        result = subprocess.run(
            ["git", "check-ref-format", ref],
            env=self.env,
            capture_output=True,
            check=False,
            timeout=30,
        )
        return ref.startswith("refs/heads/") and result.returncode == 0

    def update_ref(self, repository_id: int, ref: str, commit: str) -> None:
        self._git(repository_id, "update-ref", ref, commit, "")

    def move_ref(self, repository_id: int, ref: str, new: str, old: str) -> None:
        """Point `ref` at `new`, only if it still points at `old` (else GitStoreError)."""
        self._git(repository_id, "update-ref", ref, new, old)

    def is_ancestor(self, repository_id: int, ancestor: str, descendant: str) -> bool:
        result = subprocess.run(
            ["git", "--git-dir", str(self.path(repository_id)), "merge-base", "--is-ancestor",
             ancestor, descendant],
            env=self.env, capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        return result.returncode == 0

    def merge_tree(self, repository_id: int, ours: str, theirs: str) -> tuple[str, list[str]]:
        """The tree a real merge of the two commits gives, and the paths that conflict."""
        result = subprocess.run(
            ["git", "--git-dir", str(self.path(repository_id)), "merge-tree", "--write-tree",
             "--name-only", "--no-messages", "-z", ours, theirs],
            env=self.env, capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        if result.returncode not in (0, 1):
            raise GitStoreError(result.stderr.decode("utf-8", "replace").strip())
        tree, *paths = [p for p in result.stdout.decode("utf-8", "replace").split("\x00") if p]
        return tree, sorted(set(paths))

    def commit_tree(
        self, repository_id: int, tree: str, parents: list[str], message: str, who: str, when: int
    ) -> str:
        env = dict(self.env)
        stamp = f"@{when} +0000"
        env.update(
            GIT_AUTHOR_NAME=who, GIT_AUTHOR_EMAIL=f"{who}@example.com", GIT_AUTHOR_DATE=stamp,
            GIT_COMMITTER_NAME=who, GIT_COMMITTER_EMAIL=f"{who}@example.com",
            GIT_COMMITTER_DATE=stamp,
        )  # fmt: skip
        args = ["git", "--git-dir", str(self.path(repository_id)), "commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        result = subprocess.run(
            [*args, "-m", message], env=env, capture_output=True, check=False, timeout=60
        )
        if result.returncode != 0:
            raise GitStoreError(result.stderr.decode("utf-8", "replace").strip())
        return result.stdout.decode().strip()

    def delete_ref(self, repository_id: int, ref: str) -> None:
        self._git(repository_id, "update-ref", "-d", ref)

    def resolve(self, repository_id: int, at: str | None) -> str:
        """The commit id that `at` names (full ref, short branch or tag name, or commit id)."""
        if not at:  # Bitbucket reads a missing or empty `at` as the default branch
            candidates = [self.default_ref(repository_id)]
        elif not _SAFE_REV.fullmatch(at) or ".." in at:
            raise GitStoreError(f"invalid revision: {at!r}")
        elif at.startswith("refs/"):
            candidates = [at]
        else:
            candidates = [f"refs/heads/{at}", f"refs/tags/{at}"]
            if _HEX.fullmatch(at):
                candidates.append(at)
        for candidate in candidates:
            out = self._git(
                repository_id,
                "rev-parse",
                "--verify",
                "--quiet",
                f"{candidate}^{{commit}}",
                check=False,
            )
            if out.strip():
                return out.decode().strip()
        raise GitStoreError(f"revision {at or 'HEAD'!r} does not exist")

    def object_type(self, repository_id: int, commit: str, path: str) -> str | None:
        spec = f"{commit}:{path}" if path else f"{commit}^{{tree}}"
        out = self._git(repository_id, "cat-file", "-t", spec, check=False).decode().strip()
        return out or None

    def read_blob(self, repository_id: int, commit: str, path: str) -> bytes:
        if self.object_type(repository_id, commit, path) != "blob":
            raise GitStoreError(f"path {path!r} is not a file")
        return self._git(repository_id, "cat-file", "blob", f"{commit}:{path}")

    def list_tree(self, repository_id: int, commit: str, path: str) -> list[TreeEntry]:
        if self.object_type(repository_id, commit, path) != "tree":
            raise GitStoreError(f"path {path!r} is not a directory")
        spec = f"{commit}:{path}" if path else commit
        out = self._git(repository_id, "ls-tree", "-z", "-l", spec)
        entries: list[TreeEntry] = []
        for record in out.decode("utf-8", "replace").split("\x00"):
            if not record:
                continue
            meta, name = record.split("\t", 1)
            mode, kind, object_id, size = meta.split()
            entries.append(
                TreeEntry(
                    name=name,
                    kind=kind,
                    object_id=object_id,
                    size=None if size == "-" else int(size),
                    executable=mode == "100755",
                )
            )
        return sorted(entries, key=lambda e: (e.kind != "tree", e.name.lower()))

    def archive_command(
        self, repository_id: int, commit: str, archive_format: str, prefix: str, path: str
    ) -> list[str]:
        command = ["git", "--git-dir", str(self.path(repository_id)), "archive"]
        command += [f"--format={archive_format}"]
        if prefix:
            command.append(f"--prefix={prefix.rstrip('/')}/")
        command.append(commit)
        if path:
            command += ["--", path]
        return command
