"""ServiceNow settings (LZ_SERVICENOW_*): the instance's address, credentials, and how it
takes requests: `catalog` orders a Service Catalog item whose flow asks for approval; `table`
inserts a requested item through the Table API, for instances whose own business rule asks
for approval on insert."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from landingzone.integrations.settings import IntegrationSettings


class ServiceNowSettings(IntegrationSettings):
    model_config = SettingsConfigDict(env_prefix="LZ_SERVICENOW_")

    # "127.0.0.1:8081" or "acme.service-now.com", never with a scheme: `use_ssl` picks it.
    host: str = "127.0.0.1:8081"
    use_ssl: bool = False
    username: str = "landingzone"
    password: SecretStr = SecretStr("changeme")
    mode: Literal["catalog", "table"] = Field(
        default="catalog",
        description="catalog: order the tenant's catalog item, whose flow asks for approval. "
        "table: insert a requested item through the Table API, for instances whose own "
        "business rule asks for approval on insert.",
    )
    table: str = "sc_req_item"  # where the table mode inserts
    # Table mode: the field of the inserted item that names the tenant's approval group;
    # None leaves the group to the instance's own approval rules.
    approval_group_field: str | None = "assignment_group"
    # What the instance's decision callback signs with (see the approvals route).
    callback_secret: SecretStr = SecretStr("changeme")

    @field_validator("host")
    @classmethod
    def _bare_host(cls, value: str) -> str:
        if not value:
            raise ValueError("host must name the instance")
        if "://" in value:
            raise ValueError("host takes no scheme; use use_ssl")
        return value

    @field_validator("table", "approval_group_field")
    @classmethod
    def _field_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z0-9_]+", value):
            raise ValueError("must be a ServiceNow field or table name")
        return value

    @property
    def base_url(self) -> str:
        return f"{'https' if self.use_ssl else 'http'}://{self.host}"

    def record_url(self, table: str, sys_id: str) -> str:
        return f"{self.base_url}/nav_to.do?uri={table}.do?sys_id={sys_id}"
