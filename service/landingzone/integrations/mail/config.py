"""How to reach the SMTP relay."""

from __future__ import annotations

from email.headerregistry import Address
from email.utils import parseaddr

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator


class SmtpConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    host: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: SecretStr | None = None
    from_address: str  # "Landing Zone <landing-zone@example.com>" or a bare address
    timeout_s: float = 30.0

    @field_validator("from_address")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        _, address = parseaddr(value)
        if "@" not in address or "\n" in value or "\r" in value:
            raise ValueError("from_address must hold an email address")
        return value

    @property
    def sender_address(self) -> str:
        return parseaddr(self.from_address)[1]

    @property
    def sender(self) -> Address:
        name, address = parseaddr(self.from_address)
        username, _, domain = address.partition("@")
        return Address(display_name=name, username=username, domain=domain)
