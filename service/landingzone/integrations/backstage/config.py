"""Backstage settings (LZ_BACKSTAGE_*): its catalog and notifications APIs."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from landingzone.integrations.settings import IntegrationSettings, without_trailing_slash


class BackstageSettings(IntegrationSettings):
    model_config = SettingsConfigDict(env_prefix="LZ_BACKSTAGE_")

    # The backend's base URL, without /api; also where the catalog-entity links point.
    url: str = "http://127.0.0.1:7007"
    token: SecretStr | None = Field(
        default=None,
        description="A Backstage external-access static token (backend.auth.externalAccess). "
        "Unset: no Backstage API is configured, and new components are neither registered "
        "nor notified about.",
    )
    notifications: bool = Field(
        default=True, description="Send Backstage notifications besides the email."
    )

    _no_trailing_slash = field_validator("url")(without_trailing_slash)
