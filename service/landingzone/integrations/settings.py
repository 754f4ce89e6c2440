"""What every integration's settings share.

Each integration reads its own `LZ_<SYSTEM>_*` variables (its subclass sets `env_prefix`),
ignores variables it does not know, and is frozen. A refused value never appears in the
error: it may be a secret.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class IntegrationSettings(BaseSettings):
    model_config = SettingsConfigDict(
        extra="ignore", frozen=True, hide_input_in_errors=True, populate_by_name=True
    )

    def secrets_in_use(self) -> frozenset[str]:
        """Optional secret fields that must be set, given the other settings.

        Production refuses these when they are unset; an optional secret that is not in use
        is checked only once it is set."""
        return frozenset()


def without_trailing_slash(value: str) -> str:
    return value.rstrip("/")
