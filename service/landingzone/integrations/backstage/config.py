"""How to reach Backstage's catalog and notifications APIs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SecretStr


class BackstageConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str  # the backend's base URL, without /api
    token: SecretStr  # an external-access static token (backend.auth.externalAccess)
    notifications: bool = True
    timeout_s: float = 30.0
