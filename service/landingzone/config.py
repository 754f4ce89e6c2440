"""Deployment settings (LZ_* environment) and the platform configuration file."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from landingzone.bundled_templates import certified_templates_dir

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


class Settings(BaseSettings):
    """Where the service runs and what it talks to. Production swaps these, nothing else."""

    # A refused setting's error would otherwise echo every input, secrets included.
    model_config = SettingsConfigDict(env_prefix="LZ_", extra="ignore", hide_input_in_errors=True)

    environment: Literal["development", "production"] = "development"
    public_url: str = "http://127.0.0.1:8000"
    database_url: str = "sqlite:///var/landingzone.sqlite"
    api_tokens: list[SecretStr] = Field(default_factory=lambda: [SecretStr("dev-token")])
    platform_config: Path = DEFAULT_PLATFORM_CONFIG
    templates_dir: Path = DEFAULT_TEMPLATES_DIR
    workspace_dir: Path = Path("var/workspaces")
    max_body_bytes: int = 64 * 1024

    bitbucket_url: str = "http://127.0.0.1:7990"
    bitbucket_username: str = "landingzone"
    bitbucket_password: SecretStr = SecretStr("changeme")
    bitbucket_webhook_secret: SecretStr = SecretStr("changeme")

    jenkins_url: str = "http://127.0.0.1:8080"
    jenkins_username: str = "landingzone"
    jenkins_token: SecretStr = SecretStr("changeme")
    # The git plugin's notifyCommit access token: pushes wake the jobs that build the repository.
    jenkins_notify_commit_token: SecretStr = SecretStr("changeme")

    servicenow_host: str = "127.0.0.1:8081"
    servicenow_use_ssl: bool = False
    servicenow_username: str = "landingzone"
    servicenow_password: SecretStr = SecretStr("changeme")
    servicenow_mode: Literal["catalog", "table"] = Field(
        default="catalog",
        description="catalog: order the tenant's catalog item, whose flow asks for approval. "
        "table: insert a requested item through the Table API, for instances whose own "
        "business rule asks for approval on insert.",
    )
    servicenow_table: str = "sc_req_item"
    servicenow_callback_secret: SecretStr = SecretStr("changeme")
    # Table mode: the field of the inserted item that names the tenant's approval group.
    servicenow_approval_group_field: str | None = "assignment_group"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "Landing Zone <landing-zone@example.internal>"
    platform_team_email: str | None = Field(
        default=None, description="Told, with the requester, when a landing zone fails."
    )

    backstage_url: str = "http://127.0.0.1:7007"
    backstage_token: SecretStr | None = Field(
        default=None,
        description="A Backstage external-access static token. Unset: no Backstage API is "
        "configured, and new components are neither registered nor notified about.",
    )
    backstage_notifications: bool = Field(
        default=True, description="Send Backstage notifications besides the email."
    )

    executor_id: str = Field(
        default="local",
        description="Stable per replica (a StatefulSet pod name): a restarted replica recovers "
        "the workflows it was running under this id.",
    )
    approval_poll_seconds: float = 60.0
    approval_expiry_hours: float = 72.0
    provisioning_concurrency: int = 4
    intake_per_second: int = 5
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
    call_timeout_seconds: float = 30.0
    # PostgreSQL connections per replica: this many (and as many again at peaks) for our tables,
    # twice this many for the workflow engine's.
    database_pool_size: int = Field(default=10, ge=1)
    # How long the pipelines stage waits for Jenkins to start the first build, to link it.
    first_build_wait_seconds: float = 120.0
    cancel_grace_seconds: float = 60.0  # longer than any call a cancelled step may still finish

    @field_validator("public_url", "bitbucket_url", "jenkins_url", "backstage_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

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
            f"LZ_{name.upper()}"
            for name, values in self._secret_settings().items()
            if not values
            or any(v.get_secret_value().strip().lower() in _PLACEHOLDER_SECRETS for v in values)
        ]
        if weak:
            raise ValueError(
                f"placeholder or missing secrets are refused in production: {', '.join(weak)}"
            )
        return self

    def _secret_settings(self) -> dict[str, list[SecretStr]]:
        """Every secret setting production needs, by field name, with its values.

        Found by type, so a secret setting added later is guarded too. An optional secret
        counts once it is set, and the SMTP password as soon as mail is sent with a login."""
        secrets: dict[str, list[SecretStr]] = {}
        for name, field in type(self).model_fields.items():
            if not _holds_secrets(field.annotation):
                continue
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                secrets[name] = [value]
            elif isinstance(value, list):
                secrets[name] = value
            elif name == "smtp_password" and self.smtp_username:
                secrets[name] = []
        return secrets

    @property
    def dbos_database_url(self) -> str:
        """DBOS keeps its tables beside ours: a sibling SQLite file, or the same PostgreSQL."""
        if self.database_url.startswith("sqlite:///"):
            path = self.database_url.removeprefix("sqlite:///")
            stem = path.removesuffix(".sqlite")
            return f"sqlite:///{stem}.dbos.sqlite"
        return self.database_url


# ---------------------------------------------------------------- platform configuration


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GlobalScope(_Strict):
    registry: str
    lifecycle: str = "experimental"
    jenkins_credentials_id: str = "bitbucket-http"
    default_branch: str = "main"
    failure_policy: Literal["compensate", "keep"] = "compensate"
    # The ServiceNow catalog item ordered for a landing zone (its name or sys_id).
    servicenow_catalog_item: str | None = None
    branch_restrictions: list[Literal["no-deletes", "fast-forward-only", "pull-request-only"]] = []
    environments: dict[str, dict[str, Any]] = {}


class ProjectScope(_Strict):
    environments: dict[str, dict[str, Any]] = {}


class Tenant(_Strict):
    title: str
    bitbucket_project: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")
    jenkins_folder: str = Field(pattern=r"^[a-z][a-z0-9-]{0,62}$")
    approval: Literal["automatic", "required"] = "required"
    approval_group: str | None = None
    servicenow_catalog_item: str | None = None  # overrides the global one
    owner_permission: Literal["REPO_READ", "REPO_WRITE", "REPO_ADMIN"] = "REPO_WRITE"
    environments: dict[str, dict[str, Any]] = {}
    projects: dict[str, ProjectScope] = {}


class PlatformConfig(_Strict):
    global_: GlobalScope = Field(alias="global")
    tenants: dict[str, Tenant]

    @classmethod
    def load(cls, path: Path) -> PlatformConfig:
        with path.open(encoding="utf-8") as handle:
            return cls.model_validate(yaml.safe_load(handle))

    def catalog_item(self, tenant: str) -> str | None:
        return self.tenants[tenant].servicenow_catalog_item or self.global_.servicenow_catalog_item

    def environment_scopes(self, tenant: str, name: str) -> list[tuple[str, dict[str, Any]]]:
        """Environment maps ordered from least to most specific."""
        tenant_config = self.tenants[tenant]
        project = tenant_config.projects.get(name, ProjectScope())
        return [
            ("global", self.global_.environments),
            ("tenant", tenant_config.environments),
            ("project", project.environments),
        ]


class Configuration:
    """Settings plus the platform configuration they point at, loaded once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def platform(self) -> PlatformConfig:
        platform = PlatformConfig.load(self.settings.platform_config)
        if self.settings.servicenow_mode == "catalog":
            missing = [name for name in platform.tenants if not platform.catalog_item(name)]
            if missing:
                raise ValueError(
                    "LZ_SERVICENOW_MODE=catalog orders a catalog item, but no "
                    f"servicenow_catalog_item is configured for: {', '.join(sorted(missing))}"
                )
        return platform
