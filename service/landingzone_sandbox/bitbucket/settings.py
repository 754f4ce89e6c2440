"""Settings of the Bitbucket Server simulator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class BitbucketSimSettings:
    """Everything the simulator needs; state lives under `data_dir`.

    `base_url` is the public address clients use (clone links, self links, webhook payloads).
    `users` maps user names to passwords; `groups` maps group names to member user names.
    `projects` maps project keys to names, created at start-up when missing.
    `anonymous_pages` lets visitors read the HTML pages without logging in.
    """

    data_dir: Path
    base_url: str
    users: Mapping[str, str]
    groups: Mapping[str, Sequence[str]] = field(default_factory=dict)
    projects: Mapping[str, str] = field(default_factory=dict)
    webhook_timeout_seconds: float = 5.0
    anonymous_pages: bool = True  # the HTML pages; REST, raw files and git always need a login

    @property
    def public_url(self) -> str:
        return self.base_url.rstrip("/")
