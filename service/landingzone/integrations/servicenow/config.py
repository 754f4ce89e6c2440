"""How to reach ServiceNow (`host` with `use_ssl`, or `instance`), credentials, and how the
instance takes requests: `catalog` orders a Service Catalog item whose flow asks for approval;
`table` inserts a requested item through the Table API, for instances whose own business rule
asks for approval on insert."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator


class ServiceNowConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    host: str | None = None  # "127.0.0.1:8081" or "snow.example.com", never with a scheme
    instance: str | None = None  # "acme" -> https://acme.service-now.com
    use_ssl: bool = True
    username: str
    password: SecretStr
    mode: Literal["catalog", "table"] = "catalog"
    table: str = "sc_req_item"  # where the table mode inserts
    timeout_s: float = 30.0
    # Field that carries ApprovalRequest.approval_group; None leaves the group to the catalog's
    # own approval rules.
    approval_group_field: str | None = None

    @model_validator(mode="after")
    def _one_address(self) -> ServiceNowConfig:
        if bool(self.host) == bool(self.instance):
            raise ValueError("set exactly one of host and instance")
        if self.host and "://" in self.host:
            raise ValueError("host takes no scheme; use use_ssl")
        for name in ("table", "approval_group_field"):
            value = getattr(self, name)
            if value is not None and not re.fullmatch(r"[a-z0-9_]+", value):
                raise ValueError(f"{name} must be a ServiceNow field or table name")
        return self

    @property
    def base_url(self) -> str:
        if self.instance:
            return f"https://{self.instance}.service-now.com"
        return f"{'https' if self.use_ssl else 'http'}://{self.host}"

    def record_url(self, table: str, sys_id: str) -> str:
        return f"{self.base_url}/nav_to.do?uri={table}.do?sys_id={sys_id}"
