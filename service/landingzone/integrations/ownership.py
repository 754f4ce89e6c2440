"""Checks every adapter makes before it adopts, changes or deletes an existing resource."""

from __future__ import annotations

from landingzone.integrations.base import (
    ForeignResource,
    PermanentError,
    marked_owner,
    ownership_marker,
)


def checked_owner(system: str, owner: str) -> str:
    """`owner` when its marker can be read back; refuses ids the marker cannot carry."""
    if marked_owner(ownership_marker(owner)) != owner:
        raise PermanentError(system, f"not a landing-zone id: {owner!r}")
    return owner


def require_owned(system: str, resource: str, text: str | None, owner: str) -> None:
    """Raise ForeignResource unless `text` (a description) carries `owner`'s marker."""
    found = marked_owner(text)
    if found != owner:
        raise ForeignResource(system, resource, found)
