"""One file of a branch: read through the REST raw endpoint, changed by one commit over git.

Reading uses `GET /rest/api/1.0/projects/K/repos/S/raw/<path>?at=refs/heads/<branch>`
(atlassian-python-api's `get_content_of_file`). Changing clones the branch head shallowly
into a private folder, writes the file, commits it by the change's author and pushes: a
file that already holds the content is not committed again (a replay commits once), and
a push refused because the branch moved on is made again on the new head.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from requests import HTTPError, RequestException

from landingzone.integrations.base import (
    FileChange,
    PermanentError,
    Repository,
    TransientError,
)
from landingzone.integrations.bitbucket.client import BitbucketApi, GitCli, branch_name
from landingzone.integrations.bitbucket.errors import SYSTEM, from_request_error, status_of

MAX_PUSH_ATTEMPTS = 5  # clones of a new head before the outage is handed to the workflow
_FORBIDDEN = ("\x00", "\\", "\r", "\n")


def checked_path(path: str) -> str:
    """A relative POSIX path inside the repository, or PermanentError."""
    segments = path.split("/")
    if (
        not path
        or path.startswith("/")
        or any(char in path for char in _FORBIDDEN)
        or any(segment in ("", ".", "..", ".git") for segment in segments)
    ):
        raise PermanentError(SYSTEM, f"not a file path inside a repository: {path!r}")
    return PurePosixPath(*segments).as_posix()


class BranchFiles:
    def __init__(self, client: BitbucketApi, git: GitCli, secrets: Sequence[str]) -> None:
        self._client = client
        self._git = git
        self._secrets = secrets

    def read(self, repository: Repository, path: str, branch: str) -> str | None:
        clean = checked_path(path)
        ref = f"refs/heads/{branch_name(branch)}"
        action = f"read {clean} at {ref} of {repository.project}/{repository.slug}"
        try:
            content = self._client.get_content_of_file(
                repository.project, repository.slug, quote(clean, safe="/"), at=ref
            )
        except HTTPError as exc:
            if status_of(exc) == 404 and _missing_path(exc):
                return None
            raise from_request_error(exc, action, self._secrets) from exc
        except RequestException as exc:
            raise from_request_error(exc, action, self._secrets) from exc
        raw = content if isinstance(content, bytes) else str(content).encode("utf-8")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise PermanentError(SYSTEM, f"{action}: not UTF-8 text") from None

    def commit(self, repository: Repository, change: FileChange) -> str:
        clean = checked_path(change.path)
        wanted = change.content.encode("utf-8")
        for _ in range(MAX_PUSH_ATTEMPTS):
            with tempfile.TemporaryDirectory(prefix="lz-file-") as tmp:
                workdir = Path(tmp) / "work"
                head = self._git.clone_branch(repository.clone_url, change.branch, workdir)
                target = _confined(workdir, clean)
                if target.is_file() and target.read_bytes() == wanted:
                    return head
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(wanted)
                commit_id = self._git.commit_path(workdir, replace(change, path=clean))
                if self._git.push_unless_overtaken(workdir, repository.clone_url, change.branch):
                    return commit_id
        raise TransientError(
            SYSTEM,
            f"commit {clean} to {branch_name(change.branch)} of "
            f"{repository.project}/{repository.slug}: the branch kept moving on",
        )


def _confined(workdir: Path, path: str) -> Path:
    """`workdir/path`, refusing a clone whose links would lead the write elsewhere."""
    current = workdir
    for segment in PurePosixPath(path).parts:
        current = current / segment
        if current.is_symlink():
            raise PermanentError(SYSTEM, f"{path}: the repository holds a link on its way")
    if current.exists() and not current.is_file():
        raise PermanentError(SYSTEM, f"{path}: the repository holds a folder there")
    return current


def _missing_path(exc: HTTPError) -> bool:
    """Bitbucket's 404 for a path absent at that commit (not a missing repository or branch)."""
    response = exc.response
    try:
        errors = response.json().get("errors", []) if response is not None else []
    except ValueError:
        return False
    return any(
        isinstance(error, dict)
        and str(error.get("exceptionName") or "").endswith("NoSuchPathException")
        for error in errors
    )
