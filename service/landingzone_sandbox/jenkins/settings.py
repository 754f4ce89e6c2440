"""Settings of the Jenkins simulator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class JenkinsSimSettings:
    """Everything the simulator needs; state lives under `data_dir`.

    `base_url` is the public address (job, build and queue URLs, `Location` headers).
    `users` maps user names to API tokens accepted by Basic auth.
    `git_credentials` maps a job's `credentialsId` to the (user, password) its builds use to
    read the repository.
    `webhook_secret`, when set, is the HMAC-SHA256 key Bitbucket signs push events with.
    `notify_commit_tokens` are the git plugin's notifyCommit access tokens, as an
    administrator generates them; `/git/notifyCommit` refuses requests without one.
    """

    data_dir: Path
    base_url: str
    users: Mapping[str, str]
    git_credentials: Mapping[str, tuple[str, str]]
    anonymous_read: bool = False
    webhook_secret: str | None = None
    notify_commit_tokens: Sequence[str] = ()
    quiet_period_s: float = 0.0
    executors: int = 2
    git_timeout_s: float = 60.0
    version: str = "2.440.3"

    @property
    def public_url(self) -> str:
        return self.base_url.rstrip("/")
