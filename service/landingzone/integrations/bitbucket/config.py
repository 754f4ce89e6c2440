"""How to reach Bitbucket Server: base URL, service account, timeouts, webhook secret."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr


@dataclass(frozen=True)
class BitbucketConfig:
    url: str  # e.g. "https://bitbucket.example.com" (no /rest suffix)
    username: str
    password: SecretStr = field(repr=False)
    timeout: float = 30.0  # seconds per REST call
    git_timeout: float = 300.0  # seconds for one git command (ls-remote, push)
    webhook_secret: SecretStr | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in an error message."""
        values = [self.password.get_secret_value()]
        if self.webhook_secret is not None:
            values.append(self.webhook_secret.get_secret_value())
        return tuple(v for v in values if v)
