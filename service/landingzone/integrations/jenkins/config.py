"""Where the adapter finds Jenkins and how it signs in."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr


@dataclass(frozen=True)
class JenkinsConfig:
    """`token` is the user's API token; it is only ever handed to the HTTP client."""

    url: str
    username: str
    token: SecretStr
    timeout: float = 30.0

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/") + "/"
