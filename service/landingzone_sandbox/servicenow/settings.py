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
    # sys_user_group name -> member user names; groups, users and memberships are created at
    # start when missing (members need no password unless they also appear in `users`).
    groups: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # None: a stock instance, where a requested item's approvers are asked by its catalog item's
    # flow only. A field name (e.g. "assignment_group"): an instance customised for "table mode",
    # where inserting or updating an sc_req_item with approval=requested and that field naming a
    # group asks that group, as the catalog flow does.
    approval_on_insert_field: str | None = None
    callback_url: str | None = None
    callback_secret: str | None = None
    callback_attempts: int = 5
    callback_first_delay_s: float = 0.5

    @property
    def public_url(self) -> str:
        return self.base_url.rstrip("/")
