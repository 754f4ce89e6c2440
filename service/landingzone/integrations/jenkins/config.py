"""Where the adapter finds Jenkins and how it signs in."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr


@dataclass(frozen=True)
class JenkinsConfig:
    """`token` is the user's API token; it is only ever handed to the HTTP client.

    `notify_commit_token` is one of the git plugin's notifyCommit access tokens (Manage
    Jenkins > Security > Git plugin notifyCommit access tokens); it goes into the push-hook
    URL handed to the repository host. None leaves it out, for controllers that allow
    unauthenticated polling requests (NOTIFY_COMMIT_ACCESS_CONTROL=disabled-for-polling).
    """

    url: str
    username: str
    token: SecretStr
    timeout: float = 30.0
    notify_commit_token: SecretStr | None = None

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/") + "/"
