"""Settings of the ServiceNow simulator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ServiceNowSimSettings:
    data_dir: Path
    base_url: str
    users: Mapping[str, str]  # user name -> password, accepted by Basic auth
    approvers: Sequence[str] = field(default_factory=lambda: ("cab.approver",))
    groups: Sequence[str] = ()  # sys_user_group names, created at start when missing
    callback_url: str | None = None
    callback_secret: str | None = None
    callback_attempts: int = 5
    callback_first_delay_s: float = 0.5

    @property
    def public_url(self) -> str:
        return self.base_url.rstrip("/")
