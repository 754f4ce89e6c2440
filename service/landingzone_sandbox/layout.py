"""The sandbox's addresses and credentials: generated once per data folder, kept in sandbox.json."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from landingzone.api.auth_settings import GRANTABLE_SCOPES, hash_token
from landingzone.config import DEFAULT_PLATFORM_CONFIG
from landingzone_sandbox.servicenow.catalog_seed import LANDING_ZONE_ITEM, LANDING_ZONE_ITEM_SYS_ID

SERVICE_USER = "landingzone"
APPROVER = "cab.approver"
DEPUTY_APPROVER = "cab.deputy"
# Also a member of every approval group, and the requester of the examples and tests
# (jane.doe@example.com): an approval she gives to her own request is refused by the service.
REQUESTING_APPROVER = "jane.doe"
# The members of every approval group of the sandbox's ServiceNow: any one of them decides.
APPROVERS = (APPROVER, DEPUTY_APPROVER, REQUESTING_APPROVER)
GIT_CREDENTIALS_ID = "bitbucket-http"
SANDBOX_GROUPS = ("payments", "platform", "web", "mobile", "data", "team-a")
# The API's callers: Backstage as a bank deploys it, and an operator who may do everything.
BACKSTAGE_SCOPES = (
    "landing-zones:read",
    "landing-zones:create",
    "landing-zones:retry",
    "updates:write",
    "act-on-behalf",
)
OPERATOR_SCOPES = GRANTABLE_SCOPES
# Settings a sandbox user may override from the environment; the values are the sandbox's own.
SANDBOX_TUNING = {
    "LZ_APPROVAL_POLL_SECONDS": "10",
    "LZ_CANCEL_GRACE_SECONDS": "35",
    "LZ_CALL_TIMEOUT_SECONDS": "30",
    "LZ_APPROVAL_EXPIRY_HOURS": "72",
    "LZ_PLATFORM_CONFIG": str(DEFAULT_PLATFORM_CONFIG),
    "LZ_PLATFORM_TEAM_EMAIL": "platform-team@example.internal",
    "LZ_ROLLOUT_POLL_SECONDS": "5",  # a rollout's waves move on soon after a merge
}
# Settings a caller of the sandbox may scale (tests shorten waits); passed to the service as set.
TUNABLE_PREFIXES = (
    "LZ_DATABASE_POOL_",
    "LZ_RETRY_",
    "LZ_BREAKER_",
    "LZ_HEARTBEAT_",
    "LZ_REPLICA_",
    "LZ_FIRST_BUILD_",
    "LZ_PROMOTION_",  # promotions' polling, approval expiry and outcome wait
    "LZ_BACKSTAGE_",  # tests/e2e_backstage points the service at its real Backstage
    "LZ_SERVICENOW_MODE",  # the simulated instance is set up for the mode the service uses
    "LZ_SERVICENOW_APPROVAL_GROUP_FIELD",
    "LZ_TEMPLATES_DIR",  # a template author's working copy: try a template release in the sandbox
    "LZ_RATE_LIMIT_",  # a load test may raise the POST limit per caller
    "LZ_QUEUE_POLL_SECONDS",  # an idle replica's queue polls cost CPU; tests poll less often
    "LZ_PROVISIONING_CONCURRENCY",  # a load test tries the bounds on work and calls in flight
    "LZ_MAX_CALLS_PER_SYSTEM",
    "LZ_INTAKE_PER_SECOND",
)


@dataclass(frozen=True)
class SandboxLayout:
    data_dir: str
    host: str
    api_port: int
    bitbucket_port: int
    jenkins_port: int
    servicenow_port: int
    mailbox_port: int
    smtp_port: int
    api_token: str  # the operator's
    backstage_token: str
    bitbucket_password: str
    jenkins_token: str
    servicenow_password: str
    approver_password: str
    deputy_approver_password: str
    requesting_approver_password: str
    callback_secret: str
    webhook_secret: str
    notify_commit_token: str  # the git plugin's notifyCommit access token

    @classmethod
    def create(cls, data_dir: Path, host: str, port: int) -> SandboxLayout:
        return cls(
            data_dir=str(data_dir.resolve()),
            host=host,
            api_port=port,
            bitbucket_port=port + 1,
            jenkins_port=port + 2,
            servicenow_port=port + 3,
            mailbox_port=port + 4,
            smtp_port=port + 5,
            api_token=secrets.token_urlsafe(32),
            backstage_token=secrets.token_urlsafe(32),
            bitbucket_password=secrets.token_urlsafe(18),
            jenkins_token=secrets.token_hex(16),
            servicenow_password=secrets.token_urlsafe(18),
            approver_password=secrets.token_urlsafe(12),
            deputy_approver_password=secrets.token_urlsafe(12),
            requesting_approver_password=secrets.token_urlsafe(12),
            callback_secret=secrets.token_urlsafe(24),
            webhook_secret=secrets.token_urlsafe(24),
            # 32 hex digits, as Jenkins generates notifyCommit access tokens.
            notify_commit_token=secrets.token_hex(16),
        )

    @classmethod
    def load(cls, data_dir: Path) -> SandboxLayout:
        return cls(**json.loads((data_dir / "layout.json").read_text()))

    @classmethod
    def load_or_create(cls, data_dir: Path, host: str, port: int) -> SandboxLayout:
        path = data_dir / "layout.json"
        fresh = cls.create(data_dir, host, port)
        if path.exists():
            # Secrets a folder made by an older sandbox lacks are filled in from `fresh`.
            stored = json.loads(path.read_text())
            layout = cls(**{**asdict(fresh), **stored})
            if layout.api_port != port or layout.host != host:
                layout = cls(**{**asdict(layout), **_ports(fresh)})
            if asdict(layout) == stored:
                return layout
        else:
            layout = fresh
        data_dir.mkdir(parents=True, exist_ok=True)
        _write_private(path, json.dumps(asdict(layout), indent=2))
        return layout

    @property
    def root(self) -> Path:
        return Path(self.data_dir)

    def url(self, port: int) -> str:
        return f"http://{self.host}:{port}"

    @property
    def api_url(self) -> str:
        return self.url(self.api_port)

    def api_callers(self) -> dict[str, tuple[tuple[str, ...], str]]:
        """The API's callers: name -> (scopes, token)."""
        return {
            "operator": (OPERATOR_SCOPES, self.api_token),
            "backstage": (BACKSTAGE_SCOPES, self.backstage_token),
        }

    def approver_credentials(self) -> dict[str, str]:
        """ServiceNow approvers (members of every approval group) -> password."""
        return {
            APPROVER: self.approver_password,
            DEPUTY_APPROVER: self.deputy_approver_password,
            REQUESTING_APPROVER: self.requesting_approver_password,
        }

    def service_environment(self) -> dict[str, str]:
        """The LZ_* settings that point the service at the sandbox."""
        return {
            "LZ_ENVIRONMENT": "development",
            "LZ_PUBLIC_URL": self.api_url,
            "LZ_DATABASE_URL": os.environ.get(
                "LZ_DATABASE_URL", f"sqlite:///{self.root / 'service' / 'landingzone.sqlite'}"
            ),
            "LZ_API_CALLERS": json.dumps(
                {
                    name: {"scopes": list(scopes), "tokens": [hash_token(token)]}
                    for name, (scopes, token) in self.api_callers().items()
                }
            ),
            "LZ_WORKSPACE_DIR": str(self.root / "service" / "workspaces"),
            "LZ_BITBUCKET_URL": self.url(self.bitbucket_port),
            "LZ_BITBUCKET_USERNAME": SERVICE_USER,
            "LZ_BITBUCKET_PASSWORD": self.bitbucket_password,
            "LZ_BITBUCKET_WEBHOOK_SECRET": self.webhook_secret,
            "LZ_JENKINS_URL": self.url(self.jenkins_port),
            "LZ_JENKINS_USERNAME": SERVICE_USER,
            "LZ_JENKINS_TOKEN": self.jenkins_token,
            "LZ_JENKINS_NOTIFY_COMMIT_TOKEN": self.notify_commit_token,
            "LZ_SERVICENOW_HOST": f"{self.host}:{self.servicenow_port}",
            "LZ_SERVICENOW_USE_SSL": "false",
            "LZ_SERVICENOW_USERNAME": SERVICE_USER,
            "LZ_SERVICENOW_PASSWORD": self.servicenow_password,
            "LZ_SERVICENOW_CALLBACK_SECRET": self.callback_secret,
            "LZ_SMTP_HOST": self.host,
            "LZ_SMTP_PORT": str(self.smtp_port),
            **SANDBOX_TUNING,
            **{name: os.environ[name] for name in SANDBOX_TUNING if name in os.environ},
            **{k: v for k, v in os.environ.items() if k.startswith(TUNABLE_PREFIXES)},
        }

    def public_description(self) -> dict[str, object]:
        """What sandbox.json tells people and tests: where everything is and how to log in."""
        return {
            "api": {
                "url": self.api_url,
                "token": self.api_token,  # the operator's: every scope
                "callers": {
                    name: {"token": token, "scopes": list(scopes)}
                    for name, (scopes, token) in self.api_callers().items()
                },
            },
            "bitbucket": {
                "url": self.url(self.bitbucket_port),
                "username": SERVICE_USER,
                "password": self.bitbucket_password,
            },
            "jenkins": {
                "url": self.url(self.jenkins_port),
                "username": SERVICE_USER,
                "token": self.jenkins_token,
                "notify_commit_token": self.notify_commit_token,
            },
            "servicenow": {
                "url": self.url(self.servicenow_port),
                "host": f"{self.host}:{self.servicenow_port}",
                "username": SERVICE_USER,
                "password": self.servicenow_password,
                "approver": {"username": APPROVER, "password": self.approver_password},
                "approvers": [
                    {"username": name, "password": password}
                    for name, password in self.approver_credentials().items()
                ],
                "catalog_item": {"name": LANDING_ZONE_ITEM, "sys_id": LANDING_ZONE_ITEM_SYS_ID},
            },
            "mailbox": {
                "url": self.url(self.mailbox_port),
                "smtp_host": self.host,
                "smtp_port": self.smtp_port,
            },
        }


def _ports(layout: SandboxLayout) -> dict[str, object]:
    return {k: v for k, v in asdict(layout).items() if k == "host" or k.endswith("_port")}


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(text)
    temporary.replace(path)


def description_path(layout: SandboxLayout) -> Path:
    return layout.root / "sandbox.json"


def write_description(layout: SandboxLayout, extra: dict[str, object]) -> Path:
    path = description_path(layout)
    _write_private(path, json.dumps({**layout.public_description(), **extra}, indent=2))
    return path
