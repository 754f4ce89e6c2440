"""Named callers with scopes for in-process tests, configured as a deployment configures its
credentials: LZ_API_CALLERS with each token's hash (tests/support/in_process.py static_caller)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from landingzone.api.callers import Caller, Scope
from tests.support.in_process import static_caller

BACKSTAGE = frozenset({Scope.READ, Scope.CREATE, Scope.ACT_ON_BEHALF})
OPERATOR = frozenset(Scope) - {Scope.PROMOTE}
READER = frozenset({Scope.READ})


def configured(callers: Mapping[str, Caller]) -> dict[str, dict[str, Any]]:
    """LZ_API_CALLERS entries for `callers`, keyed by the token each one presents."""
    return {
        caller.name: static_caller([token], sorted(caller.scopes))
        for token, caller in callers.items()
    }


def on_behalf_of(user: str, *groups: str) -> dict[str, str]:
    """The headers Backstage sends for the signed-in user and their groups."""
    return {"X-On-Behalf-Of": user, "X-On-Behalf-Of-Groups": ",".join(groups)}
