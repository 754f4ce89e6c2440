"""Deployment settings (LZ_* environment), and the Configuration that loads the platform
configuration file (platform_config.py) they point at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypeGuard, get_args

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from landingzone.api.auth_settings import AuthSettings
from landingzone.bundled_templates import certified_templates_dir
from landingzone.integrations.backstage.config import BackstageSettings
from landingzone.integrations.bitbucket.config import BitbucketSettings
from landingzone.integrations.jenkins.config import JenkinsSettings
from landingzone.integrations.mail.config import SmtpSettings
from landingzone.integrations.servicenow.config import ServiceNowSettings
from landingzone.integrations.settings import IntegrationSettings
from landingzone.platform_config import PlatformConfig

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PLATFORM_CONFIG = PACKAGE_DIR / "defaults" / "platform.yaml"
DEFAULT_TEMPLATES_DIR = certified_templates_dir()

_PLACEHOLDER_SECRETS = {
    "",
    "changeme",
    "change-me",
    "changeit",
    "secret",
    "password",
    "token",
    "dev-token",
    "admin",
    "placeholder",
}


def _holds_secrets(annotation: Any) -> bool:
    """`SecretStr`, `SecretStr | None`, `list[SecretStr]`."""
    return annotation is SecretStr or SecretStr in get_args(annotation)


def _is_settings(annotation: Any) -> TypeGuard[type[BaseSettings]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseSettings)


class _IntegrationsReadTheirOwn(EnvSettingsSource):
    """Each integration's settings read their own `LZ_<SYSTEM>_*` variables, so a bare
    `LZ_BITBUCKET` is no setting: it is ignored like any other unknown variable, rather than
    read as JSON for the whole model."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if _is_settings(field.annotation):
            return None, field_name, False
        return super().get_field_value(field, field_name)


class Settings(BaseSettings):
    """Where the service runs and what it talks to. Production swaps these, nothing else.

    Each integration owns its settings model and its variables; what the service itself
    needs, and what every integration is handed alike (the call timeout), lives here."""

    # A refused setting's error would otherwise echo every input, secrets included.
    model_config = SettingsConfigDict(env_prefix="LZ_", extra="ignore", hide_input_in_errors=True)

    environment: Literal["development", "production"] = "development"
    public_url: str = "http://127.0.0.1:8000"
    database_url: str = "sqlite:///var/landingzone.sqlite"
    platform_config: Path = DEFAULT_PLATFORM_CONFIG
    templates_dir: Path = DEFAULT_TEMPLATES_DIR
    workspace_dir: Path = Path("var/workspaces")
    max_body_bytes: int = Field(default=64 * 1024, ge=1)
    cors_allowed_origins: list[str] = Field(
        default_factory=list,
        description="Origins (`https://portal.example.com`) whose pages may call the API from a "
        "browser; none by default.",
    )

    bitbucket: BitbucketSettings = Field(default_factory=BitbucketSettings)
    jenkins: JenkinsSettings = Field(default_factory=JenkinsSettings)
    servicenow: ServiceNowSettings = Field(default_factory=ServiceNowSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    backstage: BackstageSettings = Field(default_factory=BackstageSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)  # LZ_API_*, LZ_JWT_*, LZ_RATE_LIMIT_*

    platform_team_email: str | None = Field(
        default=None, description="Told, with the requester, when a landing zone fails."
    )
    executor_id: str = Field(
        default="local",
        description="Stable per replica (a StatefulSet pod name): a restarted replica recovers "
        "the workflows it was running under this id.",
    )
    approval_poll_seconds: float = 60.0
    approval_expiry_hours: float = 72.0
    # Promotions: how often a change's decision is read from ServiceNow (the callback only nudges),
    # how long a normal change may wait for a decision, and how long a deployed promotion waits
    # for its pipeline to report the outcome.
    promotion_poll_seconds: float = Field(default=60.0, gt=0)
    promotion_approval_expiry_hours: float = Field(default=72.0, gt=0)
    promotion_outcome_hours: float = Field(default=24.0, gt=0)
    provisioning_concurrency: int = 4
    intake_per_second: int = 5
    # How often each replica looks for landing zones waiting on the intake and provisioning
    # queues: each hand-off waits half of it on average. The polls run while idle too: at 0.05 s
    # an idle replica spends about 14 % of a core on them.
    queue_poll_seconds: float = Field(default=0.05, gt=0)
    # Calls one replica has in flight to each downstream system at most; more wait their turn.
    max_calls_per_system: int = Field(default=8, ge=1)
    # Transient faults (5xx, timeouts, refused connections, 429) are waited out: the first
    # retry after `retry_initial_seconds`, doubling up to `retry_max_interval_seconds`, with
    # jitter, for up to `retry_window_hours` from the first fault of a call.
    retry_initial_seconds: float = Field(default=1.0, gt=0)
    retry_max_interval_seconds: float = Field(default=30.0, gt=0)
    retry_window_hours: float = Field(default=24.0, gt=0)
    # After this many transient faults in a row, a system's circuit opens for this long: calls
    # fail fast without reaching it, and one probe at a time tests whether it is back.
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_open_seconds: float = Field(default=15.0, gt=0)
    # Replicas write a heartbeat; one silent for longer than the lease has its work taken over.
    heartbeat_seconds: float = Field(default=5.0, gt=0)
    replica_lease_seconds: float = Field(default=30.0, gt=0)
    # Every REST, SMTP and Backstage call of every integration gives up after this long.
    call_timeout_seconds: float = Field(default=30.0, gt=0)
    # PostgreSQL connections per replica: this many (and as many again at peaks) for our tables,
    # twice this many for the workflow engine's.
    database_pool_size: int = Field(default=10, ge=1)
    # How long the pipelines stage waits for Jenkins to start the first build, to link it.
    first_build_wait_seconds: float = 120.0
    # How often a rollout reads its wave's pull requests from Bitbucket while it waits.
    rollout_poll_seconds: float = Field(default=60.0, gt=0)
    # How many open update pull requests one drift report reads back from Bitbucket at most
    # (those read longest ago first); the report says how many it left for the next one.
    drift_refresh_limit: int = Field(default=50, ge=0)
    cancel_grace_seconds: float = 60.0  # longer than any call a cancelled step may still finish

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        env = _IntegrationsReadTheirOwn(settings_cls)
        return init_settings, env, dotenv_settings, file_secret_settings

    @field_validator("public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("cors_allowed_origins")
    @classmethod
    def _exact_origins(cls, origins: list[str]) -> list[str]:
        # An origin is scheme, host and port; a wildcard would let any page use a token.
        for origin in origins:
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?", origin):
                raise ValueError(f"not an origin (https://host[:port]): {origin!r}")
        return origins

    @model_validator(mode="after")
    def _lease_outlasts_heartbeats(self) -> Settings:
        # A lease shorter than a few heartbeats would take over replicas that are alive.
        if self.replica_lease_seconds < 3 * self.heartbeat_seconds:
            raise ValueError("LZ_REPLICA_LEASE_SECONDS must be at least 3 heartbeats")
        return self

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        weak = [
            variable
            for variable, values in secret_settings(self).items()
            if not values
            or any(v.get_secret_value().strip().lower() in _PLACEHOLDER_SECRETS for v in values)
        ]
        weak += self.auth.refused_in_production(_PLACEHOLDER_SECRETS)
        if weak:
            raise ValueError(
                f"placeholder or missing secrets are refused in production: {', '.join(weak)}"
            )
        return self

    @property
    def dbos_database_url(self) -> str:
        """DBOS keeps its tables beside ours: a sibling SQLite file, or the same PostgreSQL."""
        if self.database_url.startswith("sqlite:///"):
            path = self.database_url.removeprefix("sqlite:///")
            stem = path.removesuffix(".sqlite")
            return f"sqlite:///{stem}.dbos.sqlite"
        return self.database_url


def variable_name(settings: type[BaseSettings], field_name: str) -> str:
    """The environment variable a settings field is read from."""
    alias = settings.model_fields[field_name].validation_alias
    if isinstance(alias, str):
        return alias.upper()
    return f"{settings.model_config.get('env_prefix', '')}{field_name}".upper()


def setting_fields(
    settings: type[BaseSettings] = Settings,
) -> Iterator[tuple[str, type[BaseSettings], str]]:
    """Every setting as (its variable, the model that reads it, the field), nested ones too."""
    for name, field in settings.model_fields.items():
        nested = field.annotation
        if _is_settings(nested):
            yield from setting_fields(nested)
        else:
            yield variable_name(settings, name), settings, name


def secret_settings(settings: BaseSettings) -> dict[str, list[SecretStr]]:
    """Every secret setting production needs, by variable, with its values.

    Found by type in every model, so a secret setting added later is guarded too. An optional
    secret counts once it is set, or when its model says it is in use (the SMTP password as
    soon as mail is sent with a login)."""
    secrets: dict[str, list[SecretStr]] = {}
    in_use = settings.secrets_in_use() if isinstance(settings, IntegrationSettings) else set()
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        if isinstance(value, BaseSettings):
            secrets.update(secret_settings(value))
        elif _holds_secrets(field.annotation):
            variable = variable_name(type(settings), name)
            if isinstance(value, SecretStr):
                secrets[variable] = [value]
            elif isinstance(value, list):
                secrets[variable] = value
            elif name in in_use:
                secrets[variable] = []
    return secrets


class Configuration:
    """Settings plus the platform configuration they point at, loaded once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def platform(self) -> PlatformConfig:
        platform = PlatformConfig.load(self.settings.platform_config)
        if self.settings.servicenow.mode == "catalog":
            missing = [name for name in platform.tenants if not platform.catalog_item(name)]
            if missing:
                raise ValueError(
                    "LZ_SERVICENOW_MODE=catalog orders a catalog item, but no "
                    f"servicenow_catalog_item is configured for: {', '.join(sorted(missing))}"
                )
        return platform
