"""Settings as an operator sets them: through `LZ_*` environment variables.

The README's Configuration table is the operator's reference, so it is read here: every row
names a variable some settings model reads, and every setting has a row.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import BaseSettings

from landingzone.api.auth_settings import DEVELOPMENT_CALLER, hash_token
from landingzone.config import DEFAULT_PLATFORM_CONFIG, Configuration, Settings, setting_fields
from landingzone.platform_config import PlatformConfig

README = Path(__file__).resolve().parents[1] / "README.md"
CALLERS_FILE = Path(__file__).resolve().parent / "support" / "callers.yaml"
REAL = "s3cr3t-" + "x" * 20

# What a production deployment keeps secret. Written out, so a secret the guard overlooks (or
# one added without a thought for production) fails a test instead of passing silently.
SECRETS = {
    "LZ_BITBUCKET_PASSWORD": REAL,
    "LZ_BITBUCKET_WEBHOOK_SECRET": REAL,
    "LZ_JENKINS_TOKEN": REAL,
    "LZ_JENKINS_NOTIFY_COMMIT_TOKEN": REAL,
    "LZ_SERVICENOW_PASSWORD": REAL,
    "LZ_SERVICENOW_CALLBACK_SECRET": REAL,
    "LZ_SMTP_PASSWORD": REAL,
    "LZ_BACKSTAGE_TOKEN": REAL,
}
# Production also needs a way to tell callers: here, one static caller (only its token's hash).
CALLERS = {
    "LZ_API_CALLERS": json.dumps(
        {"ci": {"scopes": ["landing-zones:read"], "tokens": [hash_token(REAL)]}}
    )
}
PRODUCTION = {**SECRETS, **CALLERS}
# A value for every variable, none of them its default, each as `as_text` prints it back.
SAMPLES = {
    "LZ_ENVIRONMENT": "production",
    "LZ_PUBLIC_URL": "https://landing-zone.example.test",
    "LZ_DATABASE_URL": "postgresql://lz@db.example.test:5432/lz",
    "LZ_DATABASE_POOL_SIZE": "3",
    "LZ_API_CALLERS": json.dumps(
        {
            "backstage": {
                "scopes": ["landing-zones:read", "landing-zones:create", "act-on-behalf"],
                "tokens": ["sha256:" + "a" * 64, "sha256:" + "b" * 64],
            }
        }
    ),
    "LZ_API_CALLERS_FILE": str(CALLERS_FILE),
    "LZ_JWT_JWKS_URL": "https://idp.example.test/oauth2/v1/keys",
    "LZ_JWT_ISSUER": "https://idp.example.test/oauth2",
    "LZ_JWT_AUDIENCE": "api://landing-zone",
    "LZ_JWT_ALGORITHMS": json.dumps(["ES256"]),
    "LZ_JWT_LEEWAY_SECONDS": "5.0",
    "LZ_JWT_JWKS_CACHE_SECONDS": "600.0",
    "LZ_JWT_JWKS_COOLDOWN_SECONDS": "10.0",
    "LZ_RATE_LIMIT_POSTS_PER_MINUTE": "120",
    "LZ_PLATFORM_CONFIG": "/srv/lz/platform.yaml",
    "LZ_TEMPLATES_DIR": "/srv/lz/templates",
    "LZ_WORKSPACE_DIR": "/srv/lz/workspaces",
    "LZ_MAX_BODY_BYTES": "1024",
    "LZ_CORS_ALLOWED_ORIGINS": json.dumps(["https://portal.example.com"]),
    "LZ_EXECUTOR_ID": "landing-zone-2",
    "LZ_PROVISIONING_CONCURRENCY": "9",
    "LZ_INTAKE_PER_SECOND": "2",
    "LZ_QUEUE_POLL_SECONDS": "0.5",
    "LZ_MAX_CALLS_PER_SYSTEM": "3",
    "LZ_APPROVAL_POLL_SECONDS": "7.5",
    "LZ_APPROVAL_EXPIRY_HOURS": "0.5",
    "LZ_PROMOTION_POLL_SECONDS": "20.0",
    "LZ_PROMOTION_APPROVAL_EXPIRY_HOURS": "8.0",
    "LZ_PROMOTION_OUTCOME_HOURS": "2.5",
    "LZ_CALL_TIMEOUT_SECONDS": "12.5",
    "LZ_RETRY_INITIAL_SECONDS": "0.25",
    "LZ_RETRY_MAX_INTERVAL_SECONDS": "90.0",
    "LZ_RETRY_WINDOW_HOURS": "6.0",
    "LZ_BREAKER_FAILURE_THRESHOLD": "8",
    "LZ_BREAKER_OPEN_SECONDS": "40.0",
    "LZ_HEARTBEAT_SECONDS": "2.5",
    "LZ_REPLICA_LEASE_SECONDS": "45.5",
    "LZ_FIRST_BUILD_WAIT_SECONDS": "15.0",
    "LZ_CANCEL_GRACE_SECONDS": "90.0",
    "LZ_ROLLOUT_POLL_SECONDS": "5.0",
    "LZ_DRIFT_REFRESH_LIMIT": "200",
    "LZ_PLATFORM_TEAM_EMAIL": "platform@example.test",
    "LZ_BITBUCKET_URL": "https://bitbucket.example.test",
    "LZ_BITBUCKET_USERNAME": "svc-landing-zone",
    "LZ_BITBUCKET_PASSWORD": "bb-" + REAL,
    "LZ_BITBUCKET_WEBHOOK_SECRET": "hook-" + REAL,
    "LZ_JENKINS_URL": "https://jenkins.example.test/ci",
    "LZ_JENKINS_USERNAME": "svc-jenkins",
    "LZ_JENKINS_TOKEN": "jk-" + REAL,
    "LZ_JENKINS_NOTIFY_COMMIT_TOKEN": "notify-" + REAL,
    "LZ_JENKINS_LIBRARY_NAME": "platform-steps",
    "LZ_JENKINS_LIBRARY_VERSION": "2.3.0",
    "LZ_JENKINS_LIBRARY_CLONE_URL": "https://bitbucket.example.test/scm/platform/jenkins-library.git",
    "LZ_JENKINS_REGISTRY_CREDENTIALS_ID": "nexus-push",
    "LZ_JENKINS_PROMOTION_CREDENTIALS_ID": "lz-promotion",
    "LZ_SERVICENOW_HOST": "acme.service-now.com",
    "LZ_SERVICENOW_USE_SSL": "true",
    "LZ_SERVICENOW_USERNAME": "svc-snow",
    "LZ_SERVICENOW_PASSWORD": "snow-" + REAL,
    "LZ_SERVICENOW_CALLBACK_SECRET": "callback-" + REAL,
    "LZ_SERVICENOW_MODE": "table",
    "LZ_SERVICENOW_TABLE": "u_landing_zone_request",
    "LZ_SERVICENOW_APPROVAL_GROUP_FIELD": "u_approval_group",
    "LZ_SMTP_HOST": "smtp.example.test",
    "LZ_SMTP_PORT": "587",
    "LZ_SMTP_STARTTLS": "true",
    "LZ_SMTP_USERNAME": "relay",
    "LZ_SMTP_PASSWORD": "smtp-" + REAL,
    "LZ_MAIL_FROM": "Platform <platform@example.test>",
    "LZ_BACKSTAGE_URL": "https://backstage.example.test",
    "LZ_BACKSTAGE_TOKEN": "bs-" + REAL,
    "LZ_BACKSTAGE_NOTIFICATIONS": "false",
}


def documented_variables() -> list[str]:
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    names = [re.fullmatch(r"\| `(LZ_[A-Z0-9_]+)` \|.*\|.*\|", row) for row in rows]
    assert all(names), "each row of the Configuration table names one variable"
    return [name.group(1) for name in names if name]


def read_from(settings: Settings, model: type[BaseSettings]) -> BaseModel:
    """The instance of `model` within `settings`: the root, or one integration's settings."""
    if model is Settings:
        return settings
    [nested] = [value for value in dict(settings).values() if type(value) is model]
    return nested


def as_text(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, list):
        return json.dumps([as_text(item) for item in value])
    if isinstance(value, dict):  # callers: as LZ_API_CALLERS holds them
        return json.dumps(
            {k: v.model_dump(mode="json", exclude_none=True) for k, v in value.items()}
        )
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The operator's environment, starting empty: no `LZ_*` variable of the test run leaks in."""
    for name in [name for name in os.environ if name.startswith("LZ_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def set_all(env: pytest.MonkeyPatch, variables: dict[str, str]) -> None:
    for name, value in variables.items():
        env.setenv(name, value)


def refused_in_production(env: pytest.MonkeyPatch, **variables: str) -> str:
    set_all(env, {"LZ_ENVIRONMENT": "production", **PRODUCTION, **variables})
    with pytest.raises(ValidationError) as refused:
        Settings()
    return str(refused.value)


# ---------------------------------------------------------------- the table and the models


def test_the_table_documents_every_setting_once() -> None:
    documented = documented_variables()
    assert len(documented) == len(set(documented)), "a variable has two rows"
    read = [variable for variable, _, _ in setting_fields()]
    assert len(read) == len(set(read)), "two settings read the same variable"
    assert sorted(documented) == sorted(read)
    assert sorted(SAMPLES) == sorted(read)


@pytest.mark.parametrize("variable", documented_variables())
def test_each_documented_variable_reaches_the_model_that_reads_it(
    env: pytest.MonkeyPatch, variable: str
) -> None:
    [(model, field)] = [(m, f) for v, m, f in setting_fields() if v == variable]
    default = getattr(read_from(Settings(), model), field)
    set_all(env, {**PRODUCTION, variable: SAMPLES[variable]})

    value = getattr(read_from(Settings(), model), field)

    assert as_text(value) == SAMPLES[variable]
    assert value != default


def test_the_secrets_guarded_are_the_secret_settings() -> None:
    by_type = {
        variable
        for variable, model, field in setting_fields()
        if "SecretStr" in str(model.model_fields[field].annotation)
    }
    assert by_type == set(SECRETS)


def test_an_unknown_variable_with_the_prefix_is_ignored(env: pytest.MonkeyPatch) -> None:
    expected = Settings()
    set_all(
        env,
        {
            "LZ_NOT_A_SETTING": "1",
            "LZ_BITBUCKET_PROJECT": "PAY",
            "LZ_SERVICENOW_INSTANCE": "acme",
            # A bare integration name is no setting either, not the whole model as JSON.
            "LZ_BITBUCKET": "not json",
            "LZ_SMTP": '{"port": 2525}',
        },
    )
    assert Settings() == expected


def test_the_integrations_get_their_own_settings_as_they_are(env: pytest.MonkeyPatch) -> None:
    set_all(env, {"LZ_JENKINS_URL": "http://jenkins.example.test", "LZ_MAIL_FROM": "lz@x.test"})
    settings = Settings()
    assert settings.jenkins.base_url == "http://jenkins.example.test/"
    assert settings.smtp.sender_address == "lz@x.test"
    assert settings.servicenow.base_url == "http://127.0.0.1:8081"


# ---------------------------------------------------------------- validations


def test_trailing_slashes_are_stripped_from_urls(env: pytest.MonkeyPatch) -> None:
    urls = ("LZ_PUBLIC_URL", "LZ_BITBUCKET_URL", "LZ_JENKINS_URL", "LZ_BACKSTAGE_URL")
    set_all(env, {name: f"https://{name.lower()}.example.test/base//" for name in urls})
    settings = Settings()
    read = [settings.public_url, settings.bitbucket.url, settings.jenkins.url]
    read.append(settings.backstage.url)
    assert read == [f"https://{name.lower()}.example.test/base" for name in urls]


def test_a_lease_shorter_than_three_heartbeats_is_refused(env: pytest.MonkeyPatch) -> None:
    set_all(env, {"LZ_HEARTBEAT_SECONDS": "10", "LZ_REPLICA_LEASE_SECONDS": "29"})
    with pytest.raises(ValidationError, match="LZ_REPLICA_LEASE_SECONDS"):
        Settings()
    env.setenv("LZ_REPLICA_LEASE_SECONDS", "30")
    assert Settings().replica_lease_seconds == 30


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("LZ_SERVICENOW_HOST", "https://acme.service-now.com", "no scheme"),
        ("LZ_SERVICENOW_HOST", "", "must name the instance"),
        ("LZ_SERVICENOW_TABLE", "sc_req_item^ORactive=true", "table name"),
        ("LZ_SERVICENOW_APPROVAL_GROUP_FIELD", "group name", "field or table name"),
        ("LZ_SERVICENOW_MODE", "email", "catalog"),
        ("LZ_MAIL_FROM", "Landing Zone", "email address"),
        ("LZ_SMTP_PORT", "twenty-five", "integer"),
    ],
)
def test_malformed_values_are_refused_at_start_up(
    env: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    env.setenv(variable, value)
    with pytest.raises(ValidationError, match=reason):
        Settings()


def test_catalog_mode_needs_a_catalog_item_for_every_tenant(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    platform = tmp_path / "platform.yaml"
    platform.write_text(
        "global: {registry: registry.example.test}\n"
        "tenants:\n"
        "  labs: {title: Labs, bitbucket_project: LABS, jenkins_folder: labs, owner_groups: all}\n",
        encoding="utf-8",
    )
    env.setenv("LZ_PLATFORM_CONFIG", str(platform))
    with pytest.raises(ValueError, match=r"LZ_SERVICENOW_MODE=catalog .* labs"):
        _ = Configuration(Settings()).platform
    env.setenv("LZ_SERVICENOW_MODE", "table")
    assert list(Configuration(Settings()).platform.tenants) == ["labs"]


# ---------------------------------------------------------------- production's secrets


@pytest.mark.parametrize("variable", sorted(SECRETS))
def test_production_names_each_placeholder_secret(env: pytest.MonkeyPatch, variable: str) -> None:
    message = refused_in_production(env, LZ_SMTP_USERNAME="relay", **{variable: "changeme"})
    assert [name for name in SECRETS if name in message] == [variable]


def test_production_accepts_real_secrets_and_never_shows_them(env: pytest.MonkeyPatch) -> None:
    set_all(env, {"LZ_ENVIRONMENT": "production", "LZ_SMTP_USERNAME": "relay", **PRODUCTION})
    settings = Settings()
    assert settings.smtp.password == SecretStr(REAL)
    assert REAL not in repr(settings)
    assert REAL not in str(settings.model_dump())


def test_production_refuses_no_callers_and_a_placeholder_token(env: pytest.MonkeyPatch) -> None:
    placeholder = {"ci": {"scopes": ["landing-zones:read"], "tokens": [hash_token("changeme")]}}
    assert "LZ_API_CALLERS" in refused_in_production(env, LZ_API_CALLERS=json.dumps(placeholder))
    env.delenv("LZ_API_CALLERS")
    with pytest.raises(ValidationError, match="LZ_API_CALLERS"):
        Settings()  # the development caller is no default in production


def test_production_needs_the_smtp_password_once_mail_is_sent_with_a_login(
    env: pytest.MonkeyPatch,
) -> None:
    set_all(env, {"LZ_ENVIRONMENT": "production", **PRODUCTION})
    env.delenv("LZ_SMTP_PASSWORD")
    Settings()  # no login: no password needed
    env.setenv("LZ_SMTP_USERNAME", "relay")
    with pytest.raises(ValidationError, match="LZ_SMTP_PASSWORD"):
        Settings()


def test_production_checks_the_backstage_token_only_once_it_is_set(
    env: pytest.MonkeyPatch,
) -> None:
    set_all(env, {"LZ_ENVIRONMENT": "production", **PRODUCTION})
    env.delenv("LZ_BACKSTAGE_TOKEN")
    assert Settings().backstage.token is None  # no Backstage API: fine
    assert "LZ_BACKSTAGE_TOKEN" in refused_in_production(env, LZ_BACKSTAGE_TOKEN="changeme")


def test_refusals_never_show_a_secret_value(env: pytest.MonkeyPatch) -> None:
    set_all(env, {"LZ_ENVIRONMENT": "production", "LZ_BITBUCKET_PASSWORD": "Kx9-r3al"})
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "LZ_JENKINS_TOKEN" in str(refused.value)
    assert "Kx9-r3al" not in str(refused.value)
    # An integration's own refusal hides its inputs as well.
    set_all(env, {"LZ_ENVIRONMENT": "development", "LZ_SERVICENOW_HOST": "https://Kx9-r3al"})
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "Kx9-r3al" not in str(refused.value)


def test_development_keeps_its_placeholders(env: pytest.MonkeyPatch) -> None:
    settings = Settings()
    dev = settings.auth.static_callers(development=True)[DEVELOPMENT_CALLER]
    assert dev.tokens == [hash_token("dev-token")]
    assert settings.jenkins.token.get_secret_value() == "changeme"


# ---------------------------------------------------------------- derived values


def test_dbos_tables_live_beside_ours(env: pytest.MonkeyPatch) -> None:
    env.setenv("LZ_DATABASE_URL", "sqlite:///var/lz.sqlite")
    assert Settings().dbos_database_url == "sqlite:///var/lz.dbos.sqlite"
    postgres = "postgresql://postgres@127.0.0.1:5432/test"
    env.setenv("LZ_DATABASE_URL", postgres)
    assert Settings().dbos_database_url == postgres


def test_environment_scopes_run_from_global_to_project() -> None:
    platform = PlatformConfig.load(DEFAULT_PLATFORM_CONFIG)
    scopes = platform.environment_scopes("retail", "payments-api")
    assert [name for name, _ in scopes] == ["global", "tenant", "project"]
    assert scopes[2][1]["prod"]["quota"]["cpu"] == "16"


def test_the_environments_are_the_global_ones_in_order() -> None:
    platform = PlatformConfig.load(DEFAULT_PLATFORM_CONFIG)
    assert platform.environment_names == ("dev", "test", "prod")
    data = platform.model_dump(by_alias=True)
    data["global"]["environments"] = {"uat": {}, "live": {}}
    data["global"]["promotion"] = {}
    data["tenants"] = {}
    assert PlatformConfig.model_validate(data).environment_names == ("uat", "live")


@pytest.mark.parametrize("scope", ["tenant", "project"])
def test_a_tenant_or_project_cannot_add_an_environment(scope: str) -> None:
    data = PlatformConfig.load(DEFAULT_PLATFORM_CONFIG).model_dump(by_alias=True)
    retail = data["tenants"]["retail"]
    target = retail if scope == "tenant" else retail["projects"]["payments-api"]
    target["environments"]["staging"] = {"quota": {"cpu": "1"}}
    with pytest.raises(ValidationError) as caught:
        PlatformConfig.model_validate(data)
    assert "staging is not in global.environments (dev, test, prod)" in str(caught.value)
