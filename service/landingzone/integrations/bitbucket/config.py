"""Bitbucket Server settings (LZ_BITBUCKET_*): base URL, service account, webhook secret."""

from __future__ import annotations

from pydantic import SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from landingzone.integrations.settings import IntegrationSettings, without_trailing_slash


class BitbucketSettings(IntegrationSettings):
    model_config = SettingsConfigDict(env_prefix="LZ_BITBUCKET_")

    url: str = "http://127.0.0.1:7990"  # e.g. "https://bitbucket.example.com" (no /rest suffix)
    username: str = "landingzone"
    password: SecretStr = SecretStr("changeme")
    # Signs the push hook Bitbucket posts to the pipeline server; empty sends it unsigned.
    webhook_secret: SecretStr = SecretStr("changeme")

    _no_trailing_slash = field_validator("url")(without_trailing_slash)

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in an error message."""
        values = (self.password.get_secret_value(), self.webhook_secret.get_secret_value())
        return tuple(v for v in values if v)
