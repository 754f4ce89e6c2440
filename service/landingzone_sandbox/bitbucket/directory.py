"""Users and groups from the settings, and HTTP Basic authentication against them."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class User:
    id: int
    name: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "emailAddress": f"{self.name}@example.com",
            "id": self.id,
            "displayName": self.name,
            "active": True,
            "slug": self.name.lower(),
            "type": "NORMAL",
        }


class Directory:
    def __init__(self, users: Mapping[str, str], groups: Mapping[str, Sequence[str]]) -> None:
        self._passwords = dict(users)
        self._users = {name: User(index + 1, name) for index, name in enumerate(users)}
        self._groups = {name: tuple(members) for name, members in groups.items()}

    def user(self, name: str) -> User | None:
        return self._users.get(name)

    def has_group(self, name: str) -> bool:
        return name in self._groups

    @property
    def group_names(self) -> list[str]:
        return sorted(self._groups)

    def authenticate(self, authorization: str | None) -> User | None:
        """The user named by a valid `Authorization: Basic ...` header, else None."""
        if not authorization:
            return None
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        name, separator, password = decoded.partition(":")
        expected = self._passwords.get(name)
        if not separator or expected is None:
            return None
        if not hmac.compare_digest(password.encode(), expected.encode()):
            return None
        return self._users[name]
