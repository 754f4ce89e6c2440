"""Pull requests as Bitbucket Server keeps them: JSON shapes, the merge check, the rules.

A pull request is numbered per repository and carries a `version` that every change (decline,
merge, a push that rescopes it) increments; a change sent with another version is refused as
out of date, as Bitbucket refuses it. The merge check is a real `git merge-tree` of the two
branch heads in the bare repository; a merge makes a `--no-ff` merge commit on the target.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from .directory import Directory
from .errors import ApiError
from .gitstore import GitStore, Ref
from .shapes import display_id, repository_json
from .state import ProjectRecord, PullRequestRecord, RepositoryRecord

PULL = "com.atlassian.bitbucket.pull."


def now_ms() -> int:
    return int(time.time() * 1000)


def out_of_date(record: PullRequestRecord, expected: int) -> ApiError:
    error = ApiError(
        409,
        "You are attempting to modify a pull request based on out-of-date information.",
        PULL + "PullRequestOutOfDateException",
    )
    error.extra = {"currentVersion": record.version, "expectedVersion": expected}
    return error


def not_open(record: PullRequestRecord) -> ApiError:
    done = "merged" if record.state == "MERGED" else "declined"
    return ApiError(
        409,
        f"This pull request has already been {done}.",
        PULL + "IllegalPullRequestStateException",
    )


def expected_version(record: PullRequestRecord, version: str | None) -> None:
    """Bitbucket reads a missing version as -1, which never matches."""
    try:
        expected = int(version) if version is not None else -1
    except ValueError:
        expected = -1
    if expected != record.version:
        raise out_of_date(record, expected)


def heads(record: PullRequestRecord, refs: Mapping[str, Ref]) -> tuple[str, str]:
    """The commits of the source and the target: live while open, as closed otherwise."""
    if record.state != "OPEN" and record.closed_heads:
        return record.closed_heads["from"], record.closed_heads["to"]
    source, target = refs.get(record.from_ref), refs.get(record.to_ref)
    return (source.commit if source else ""), (target.commit if target else "")


class Mergeability:
    def __init__(self, conflicted: bool, paths: list[str]) -> None:
        self.conflicted = conflicted
        self.paths = paths

    def vetoes(self) -> list[dict[str, str]]:
        if not self.conflicted:
            return []
        return [
            {
                "summaryMessage": "The pull request has conflicts",
                "detailedMessage": "Resolve the conflicts in "
                + ", ".join(self.paths)
                + " before merging.",
            }
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "canMerge": not self.conflicted,
            "conflicted": self.conflicted,
            "outcome": "CONFLICTED" if self.conflicted else "CLEAN",
            "vetoes": self.vetoes(),
        }


def mergeability(git: GitStore, repository_id: int, source: str, target: str) -> Mergeability:
    _, conflicts = git.merge_tree(repository_id, target, source)
    return Mergeability(bool(conflicts), conflicts)


def merge(
    git: GitStore,
    repository: RepositoryRecord,
    record: PullRequestRecord,
    source: str,
    target: str,
    who: str,
) -> str:
    """The merge commit on the target branch (a --no-ff merge, as Bitbucket's default)."""
    tree, _ = git.merge_tree(repository.id, target, source)
    message = (
        f"Merge pull request #{record.id} in {repository.project_key}/{repository.slug} "
        f"from {display_id(record.from_ref)} to {display_id(record.to_ref)}\n\n"
        f"* commit '{source}':\n  {record.title}"
    )
    commit = git.commit_tree(repository.id, tree, [target, source], message, who, int(time.time()))
    git.move_ref(repository.id, record.to_ref, commit, target)
    return commit


def activity(record: PullRequestRecord, action: str, user: str, **extra: Any) -> None:
    entry = {"id": len(record.activities) + 1, "createdDate": now_ms(), "user": user}
    record.activities.append({**entry, "action": action, **extra})


def close(
    record: PullRequestRecord, closed: str, source: str, target: str, user: str, **extra: Any
) -> None:
    """Declined or merged: the heads it closed at are kept, its version moves on."""
    record.closed_heads = {"from": source, "to": target}
    record.state, record.version = closed, record.version + 1
    record.updated_ms = record.closed_ms = now_ms()
    activity(record, closed, user, **extra)


def ref_json(
    ref: str, commit: str, repository: RepositoryRecord, project: ProjectRecord, base_url: str
) -> dict[str, Any]:
    return {
        "id": ref,
        "displayId": display_id(ref),
        "latestCommit": commit,
        "type": "BRANCH",
        "repository": repository_json(base_url, repository, project),
    }


def pull_request_json(
    record: PullRequestRecord,
    repository: RepositoryRecord,
    project: ProjectRecord,
    refs: Mapping[str, Ref],
    directory: Directory,
    base_url: str,
) -> dict[str, Any]:
    source, target = heads(record, refs)
    author = directory.user(record.author)
    body: dict[str, Any] = {
        "id": record.id,
        "version": record.version,
        "title": record.title,
        "state": record.state,
        "open": record.state == "OPEN",
        "closed": record.state != "OPEN",
        "createdDate": record.created_ms,
        "updatedDate": record.updated_ms,
        "fromRef": ref_json(record.from_ref, source, repository, project, base_url),
        "toRef": ref_json(record.to_ref, target, repository, project, base_url),
        "locked": False,
        "author": {
            "user": author.to_json() if author else {"name": record.author},
            "role": "AUTHOR",
            "approved": False,
            "status": "UNAPPROVED",
        },
        "reviewers": [],
        "participants": [],
        "links": {
            "self": [
                {
                    "href": f"{base_url}/projects/{repository.project_key}/repos/"
                    f"{repository.slug}/pull-requests/{record.id}"
                }
            ]
        },
    }
    if record.description:
        body["description"] = record.description
    if record.closed_ms is not None:
        body["closedDate"] = record.closed_ms
    return body


def activity_json(entry: Mapping[str, Any], directory: Directory) -> dict[str, Any]:
    user = directory.user(str(entry["user"]))
    body = {k: v for k, v in entry.items() if k != "user"}
    body["user"] = user.to_json() if user else {"name": entry["user"]}
    return body
