"""What an update pull request says: its branch, title and description (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence

from landingzone.integrations.pull_requests import ChangePushed
from landingzone.rendering.versions import ChangelogEntry, is_version

BRANCH_PREFIX = "landingzone/update-"
BUILD_STATUS_KEY = "landingzone-template-update"


def branch_for(version: str) -> str:
    return f"{BRANCH_PREFIX}{version}"


def version_of(branch: str) -> str | None:
    """The version an update branch of ours is for; None for any other branch."""
    version = branch.removeprefix(BRANCH_PREFIX)
    return version if branch.startswith(BRANCH_PREFIX) and is_version(version) else None


def title(class_id: str, old: str, new: str) -> str:
    return f"Update the {class_id} template from {old} to {new}"


def _code(path: str) -> str:
    return "`" + path.replace("`", "'") + "`"


def description(
    class_id: str,
    old: str,
    new: str,
    entries: Sequence[ChangelogEntry],
    pushed: ChangePushed,
) -> str:
    lines = [
        f"Landing Zone updates this repository from version {old} to {new} of the certified "
        f"**{class_id}** template. Your own changes are kept: this pull request holds only "
        "what the template changed, merged onto the default branch.",
        "",
        "## What changed in the template",
    ]
    for entry in entries:
        lines += ["", f"### {entry.version}", "", entry.text or "(no notes)"]
    if not entries:
        lines += ["", "(the changelog has no entries between these versions)"]
    lines += ["", "## Files", ""]
    lines += [f"- {change[:1]} {_code(change[2:])}" for change in pushed.files]
    if pushed.conflicts:
        lines += [
            "",
            "## Conflicts",
            "",
            "These files changed both here and in the template. They hold conflict markers "
            "(`<<<<<<<`, `=======`, `>>>>>>>`) to resolve on this branch before merging; the "
            "build status fails until then.",
            "",
        ]
        lines += [f"- {_code(path)}" for path in pushed.conflicts]
    if pushed.kept_deleted:
        lines += [
            "",
            "## Kept deleted",
            "",
            "You deleted these files and the template changed them; they stay deleted:",
            "",
        ]
        lines += [f"- {_code(path)}" for path in pushed.kept_deleted]
    return "\n".join(lines)
