"""Shared libraries a pipeline script loads with `@Library`, resolved as Jenkins resolves them.

A library is looked up by name in the folders above the job, nearest first (folder-level
`FolderLibraries`). A version in the annotation is refused unless the library allows an
override; without one, the library's default version is used. The version must exist in the
library's git repository as a branch or a tag, otherwise the build fails before it starts.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .gitcheck import remote_refs

_ANNOTATION = re.compile(r"@Library\(\s*(\[[^\]]*\]|'[^']*'|\"[^\"]*\")\s*\)")
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_FOLDER_LIBRARY = (
    "properties/org.jenkinsci.plugins.workflow.libs.FolderLibraries/libraries/"
    "org.jenkinsci.plugins.workflow.libs.LibraryConfiguration"
)
_GIT_SOURCE = "jenkins.plugins.git.GitSCMSource"


@dataclass(frozen=True)
class LibraryConfiguration:
    name: str
    default_version: str
    allow_override: bool
    remote: str
    credentials_id: str


def requested_libraries(script: str) -> list[tuple[str, str | None]]:
    """(name, version or None) for each library the script's @Library annotations name."""
    found: list[tuple[str, str | None]] = []
    for annotation in _ANNOTATION.finditer(script):
        for single, double in _QUOTED.findall(annotation.group(1)):
            name, _, version = (single or double).partition("@")
            found.append((name.strip(), version.strip() or None))
    return found


def folder_libraries(config_xml: bytes) -> list[LibraryConfiguration]:
    """The libraries a folder's config.xml configures (none for anything else)."""
    try:
        root = ET.fromstring(config_xml)  # noqa: S314 - stored only after parse_config's checks
    except ET.ParseError:
        return []
    libraries = []
    for element in root.findall(_FOLDER_LIBRARY):
        source = element.find("retriever/scm")
        git = source is not None and source.get("class") == _GIT_SOURCE
        libraries.append(
            LibraryConfiguration(
                name=(element.findtext("name") or "").strip(),
                default_version=(element.findtext("defaultVersion") or "").strip(),
                allow_override=(element.findtext("allowVersionOverride") or "true") == "true",
                remote=(source.findtext("remote") or "").strip() if git and source else "",
                credentials_id=(source.findtext("credentialsId") or "") if git and source else "",
            )
        )
    return libraries


def load_libraries(
    script: str,
    folders: Sequence[bytes],
    credentials: Callable[[str], tuple[str, str] | None],
    timeout_s: float,
) -> tuple[bool, list[str]]:
    """Resolve what `script` loads against `folders` (config.xml, nearest first)."""
    lines: list[str] = []
    configured: dict[str, LibraryConfiguration] = {}
    for config_xml in reversed(folders):  # the nearest definition wins
        configured.update({library.name: library for library in folder_libraries(config_xml)})
    requested = requested_libraries(script)
    missing = [name for name, _ in requested if name not in configured]
    if missing:
        lines.append(f"ERROR: Could not find any definition of libraries [{', '.join(missing)}]")
        return False, lines
    for name, asked in requested:
        library = configured[name]
        if asked is not None and asked != library.default_version and not library.allow_override:
            lines.append(f"ERROR: Version override not permitted for library {name}")
            return False, lines
        version = asked or library.default_version
        if not version:
            lines.append(f"ERROR: No version specified for library {name}")
            return False, lines
        lines.append(f"Loading library {name}@{version}")
        lines.append(f"Attempting to resolve {version} from remote references...")
        key = library.credentials_id
        secret = credentials(key) if key else None
        if key and secret is None:
            lines.append(f"ERROR: Could not find credentials entry with ID '{key}'")
            return False, lines
        refs = remote_refs(library.remote, secret, timeout_s) if library.remote else None
        match = next(
            (
                (ref, commit)
                for ref, commit in (refs or {}).items()
                if ref in (f"refs/heads/{version}", f"refs/tags/{version}")
            ),
            None,
        )
        if match is None:
            lines.append(f"ERROR: No version {version} found for library {name}")
            return False, lines
        lines.append(f"Found match: {match[0]} revision {match[1]}")
    return True, lines
