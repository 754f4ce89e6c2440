"""A template's change merged onto a repository's default branch with git's three-way merge.

In a clone of the default branch: the old render becomes a commit B, the new render a commit
T on top of B, and the team's tree a commit O on top of B, so B is the merge base of O and T.
`git merge-tree --write-tree` merges them as `git merge` would, conflict markers included.
The result is committed as one commit on the default branch's head, so the pull request shows
exactly what the template changed. A file the team deleted and the template changed stays
deleted (it is listed, not brought back); other conflicts are committed with their markers.
"""

from __future__ import annotations

from pathlib import Path

from landingzone.integrations.base import PermanentError, ownership_marker
from landingzone.integrations.bitbucket.client import GitCli
from landingzone.integrations.bitbucket.errors import SYSTEM
from landingzone.integrations.pull_requests import ChangePushed, TemplateChange

_PLAIN = ["-c", "core.autocrlf=false", "-c", "commit.gpgSign=false"]


def merge_change(git: GitCli, workdir: Path, change: TemplateChange) -> ChangePushed:
    """The merged commit in `workdir` (a clone of the base branch), not pushed yet."""
    head = git.head(workdir)
    dates = _identity(change)
    old_tree = _tree_of(git, workdir, change.old_tree, "old")
    new_tree = _tree_of(git, workdir, change.new_tree, "new")
    team_tree = _run(git, workdir, ["rev-parse", "HEAD^{tree}"]).strip()
    base = _run(git, workdir, ["commit-tree", old_tree, "-m", "template before"], dates).strip()
    theirs = _commit(git, workdir, new_tree, base, "template after", dates)
    ours = _commit(git, workdir, team_tree, base, "the team's tree", dates)
    merged = git.completed_local(
        [*_PLAIN, "merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs],
        "git merge-tree",
        cwd=workdir,
    )
    if merged.returncode not in (0, 1):
        raise PermanentError(SYSTEM, f"merge the template change: {merged.stderr.strip()}")
    tree, *paths = [part for part in merged.stdout.split("\0") if part]
    conflicted = sorted(set(paths))
    deleted = [
        p
        for p in conflicted
        if not _has(git, workdir, team_tree, p) and _has(git, workdir, old_tree, p)
    ]
    if deleted:
        tree = _without(git, workdir, tree, deleted)
    conflicts = tuple(p for p in conflicted if p not in deleted)
    if tree == team_tree:
        return ChangePushed(head, "", (), conflicts, tuple(deleted))
    message = f"{change.message}\n\n{ownership_marker(change.owner)}"
    commit = _commit(git, workdir, tree, head, message, dates)
    listed = _run(
        git, workdir, ["diff-tree", "-r", "-z", "--no-renames", "--name-status", head, commit]
    )
    parts = [part for part in listed.split("\0") if part]
    files = tuple(f"{parts[i]} {parts[i + 1]}" for i in range(0, len(parts) - 1, 2))
    return ChangePushed(head, commit, files, conflicts, tuple(deleted))


def _identity(change: TemplateChange) -> dict[str, str]:
    when = f"@{change.timestamp} +0000"
    return {
        "GIT_AUTHOR_NAME": change.author_name,
        "GIT_AUTHOR_EMAIL": change.author_email,
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": change.author_name,
        "GIT_COMMITTER_EMAIL": change.author_email,
        "GIT_COMMITTER_DATE": when,
    }


def _run(git: GitCli, workdir: Path, args: list[str], env: dict[str, str] | None = None) -> str:
    return git.run_local([*_PLAIN, *args], f"git {args[0]}", workdir, env)


def _commit(
    git: GitCli, workdir: Path, tree: str, parent: str, message: str, env: dict[str, str]
) -> str:
    return _run(git, workdir, ["commit-tree", tree, "-p", parent, "-m", message], env).strip()


def _tree_of(git: GitCli, workdir: Path, source: Path, name: str) -> str:
    """The tree of a rendered folder, as its first push would have committed it."""
    index = {"GIT_INDEX_FILE": str(workdir / ".git" / f"landingzone-{name}.index")}
    git_dir = ["--git-dir", str(workdir / ".git"), "--work-tree", str(source)]
    git.run_local([*_PLAIN, *git_dir, "add", "--all", "."], "git add", source, index)
    return git.run_local([*git_dir, "write-tree"], "git write-tree", source, index).strip()


def _has(git: GitCli, workdir: Path, tree: str, path: str) -> bool:
    found = git.completed_local(["cat-file", "-e", f"{tree}:{path}"], "git cat-file", workdir)
    return found.returncode == 0


def _without(git: GitCli, workdir: Path, tree: str, paths: list[str]) -> str:
    index = {"GIT_INDEX_FILE": str(workdir / ".git" / "landingzone-merged.index")}
    _run(git, workdir, ["read-tree", tree], index)
    _run(git, workdir, ["update-index", "--force-remove", "--", *paths], index)
    return _run(git, workdir, ["write-tree"], index).strip()
