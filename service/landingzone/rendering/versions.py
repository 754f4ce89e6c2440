"""Template versions: each class's `VERSION`, its `CHANGELOG.md`, and the store of old versions.

The version a class renders today lives in `templates/<class>/` with its version in
`templates/<class>/VERSION`. Every version a live landing zone may still use is kept whole in
the template store, `templates/.versions/<class>/<version>/` (a copy of the class folder as it
was released), so an update can render the old version and the new one side by side from a
plain checkout: no git history or tags needed.

Public API:
    VERSION_FILE, CHANGELOG_FILE, STORE_DIR
    read_version(template_dir) -> str
    template_at(templates_root, class_id, version) -> ProjectClass    any kept version
    kept_versions(templates_root, class_id) -> list[str]              oldest first
    changelog(template_dir) -> list[ChangelogEntry]                   newest first
    changes_between(template_dir, old, new) -> list[ChangelogEntry]   old < version <= new
    version_key(version) -> tuple[int, int, int]
    UnknownVersion(InputError)                                        names the field `version`
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from landingzone.rendering.classes import InputError, ProjectClass, TemplateError, read_class

VERSION_FILE = "VERSION"
CHANGELOG_FILE = "CHANGELOG.md"
STORE_DIR = ".versions"
_VERSION = re.compile(r"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$")
_HEADING = re.compile(r"^## +\[?([0-9][0-9.]*)\]?(?:\s.*)?$")


class UnknownVersion(InputError):
    """A version the class never had, or one the template store no longer keeps."""

    def __init__(self, class_id: str, version: str) -> None:
        super().__init__([("version", f"the {class_id} template has no version {version!r}")])


@dataclass(frozen=True)
class ChangelogEntry:
    version: str
    text: str  # the entry's Markdown, without its heading


def version_key(version: str) -> tuple[int, int, int]:
    match = _VERSION.fullmatch(version)
    if match is None:
        raise ValueError(f"not a version (MAJOR.MINOR.PATCH): {version!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def is_version(text: str) -> bool:
    return _VERSION.fullmatch(text) is not None


def read_version(template_dir: Path) -> str:
    path = template_dir / VERSION_FILE
    try:
        version = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise TemplateError(f"{path}: {error}") from error
    if not is_version(version):
        raise TemplateError(f"{path}: not a version (MAJOR.MINOR.PATCH): {version!r}")
    return version


def store_dir(templates_root: Path, class_id: str, version: str) -> Path:
    return templates_root / STORE_DIR / class_id / version


def template_at(templates_root: Path, class_id: str, version: str) -> ProjectClass:
    """The class as it was at `version`: the current folder, or its copy in the store."""
    current = templates_root / class_id
    if not is_version(version) or not (current / VERSION_FILE).is_file():
        raise UnknownVersion(class_id, version)
    if read_version(current) == version:
        folder = current
    else:
        folder = store_dir(templates_root, class_id, version)
        if not folder.is_dir():
            raise UnknownVersion(class_id, version)
        if read_version(folder) != version:
            raise TemplateError(f"{folder}: its {VERSION_FILE} does not say {version}")
    return read_class(folder, class_id)


def kept_versions(templates_root: Path, class_id: str) -> list[str]:
    """Every version that can be rendered: the store's and the current one."""
    found = {read_version(templates_root / class_id)}
    kept = templates_root / STORE_DIR / class_id
    if kept.is_dir():
        found.update(entry.name for entry in kept.iterdir() if is_version(entry.name))
    return sorted(found, key=version_key)


def changelog(template_dir: Path) -> list[ChangelogEntry]:
    """The entries of the template's changelog (`## 1.2.0` headings), as written."""
    path = template_dir / CHANGELOG_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise TemplateError(f"{path}: {error}") from error
    entries: list[ChangelogEntry] = []
    version: str | None = None
    body: list[str] = []
    for line in [*lines, "## 0.0.0"]:  # the sentinel closes the last entry
        heading = _HEADING.match(line)
        if heading is None:
            body.append(line)
            continue
        if version is not None:
            entries.append(ChangelogEntry(version, "\n".join(body).strip()))
        version, body = heading.group(1), []
    return [entry for entry in entries if is_version(entry.version)]


def changes_between(template_dir: Path, old: str, new: str) -> list[ChangelogEntry]:
    """The entries after `old` up to and including `new`, newest first."""
    low, high = version_key(old), version_key(new)
    chosen = [e for e in changelog(template_dir) if low < version_key(e.version) <= high]
    return sorted(chosen, key=lambda entry: version_key(entry.version), reverse=True)
