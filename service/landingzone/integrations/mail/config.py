"""SMTP relay settings (LZ_SMTP_*, and the sender LZ_MAIL_FROM)."""

from __future__ import annotations

from email.headerregistry import Address
from email.utils import parseaddr

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from landingzone.integrations.settings import IntegrationSettings


class SmtpSettings(IntegrationSettings):
    model_config = SettingsConfigDict(env_prefix="LZ_SMTP_")

    host: str = "127.0.0.1"
    port: int = 1025
    starttls: bool = False
    username: str | None = None  # set: mail is sent with a login
    password: SecretStr | None = None
    # "Landing Zone <landing-zone@example.com>" or a bare address.
    from_address: str = Field(
        default="Landing Zone <landing-zone@example.internal>", validation_alias="LZ_MAIL_FROM"
    )

    @field_validator("from_address")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        _, address = parseaddr(value)
        if "@" not in address or "\n" in value or "\r" in value:
            raise ValueError("from_address must hold an email address")
        return value

    def secrets_in_use(self) -> frozenset[str]:
        return frozenset({"password"}) if self.username else frozenset()

    @property
    def sender_address(self) -> str:
        return parseaddr(self.from_address)[1]

    @property
    def sender(self) -> Address:
        name, address = parseaddr(self.from_address)
        username, _, domain = address.partition("@")
        return Address(display_name=name, username=username, domain=domain)
