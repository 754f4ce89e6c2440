from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from landingzone.config import DEFAULT_PLATFORM_CONFIG, PlatformConfig, Settings


def test_production_refuses_placeholder_secrets() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(environment="production", api_tokens=[SecretStr("dev-token")])
    assert "LZ_API_TOKENS" in str(refused.value)
    assert "LZ_JENKINS_TOKEN" in str(refused.value)


def test_production_accepts_real_secrets() -> None:
    real = SecretStr("s3cr3t-" + "x" * 20)
    settings = Settings(
        environment="production",
        api_tokens=[real],
        bitbucket_password=real,
        bitbucket_webhook_secret=real,
        jenkins_token=real,
        jenkins_notify_commit_token=real,
        servicenow_password=real,
        servicenow_callback_secret=real,
    )
    assert "s3cr3t" not in repr(settings)


def test_dbos_tables_live_beside_ours() -> None:
    assert Settings(database_url="sqlite:///var/lz.sqlite").dbos_database_url == (
        "sqlite:///var/lz.dbos.sqlite"
    )
    postgres = "postgresql://postgres@127.0.0.1:5432/test"
    assert Settings(database_url=postgres).dbos_database_url == postgres


def test_environment_scopes_run_from_global_to_project() -> None:
    platform = PlatformConfig.load(DEFAULT_PLATFORM_CONFIG)
    scopes = platform.environment_scopes("retail", "payments-api")
    assert [name for name, _ in scopes] == ["global", "tenant", "project"]
    assert scopes[2][1]["prod"]["quota"]["cpu"] == "16"


REAL = SecretStr("s3cr3t-" + "x" * 20)
REAL_SECRETS: dict[str, Any] = {
    "api_tokens": [REAL],
    "bitbucket_password": REAL,
    "bitbucket_webhook_secret": REAL,
    "jenkins_token": REAL,
    "jenkins_notify_commit_token": REAL,
    "servicenow_password": REAL,
    "servicenow_callback_secret": REAL,
}


def refused_in_production(**overrides: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        Settings(environment="production", **{**REAL_SECRETS, **overrides})
    return str(refused.value)


@pytest.mark.parametrize("setting", sorted(REAL_SECRETS))
def test_production_names_each_placeholder_secret(setting: str) -> None:
    placeholder: Any = [SecretStr("changeme")] if setting == "api_tokens" else SecretStr("")
    message = refused_in_production(**{setting: placeholder})
    assert f"LZ_{setting.upper()}" in message
    assert [name for name in REAL_SECRETS if f"LZ_{name.upper()}" in message] == [setting]


def test_production_refuses_an_empty_token_list_and_the_unset_default() -> None:
    assert "LZ_API_TOKENS" in refused_in_production(api_tokens=[])
    secrets_but_tokens = {k: v for k, v in REAL_SECRETS.items() if k != "api_tokens"}
    with pytest.raises(ValidationError, match="LZ_API_TOKENS"):
        Settings(environment="production", **secrets_but_tokens)


def test_production_refuses_an_smtp_login_without_a_real_password() -> None:
    assert "LZ_SMTP_PASSWORD" in refused_in_production(smtp_username="relay")
    assert "LZ_SMTP_PASSWORD" in refused_in_production(
        smtp_username="relay", smtp_password=SecretStr("password")
    )
    accepted = Settings(
        environment="production", smtp_username="relay", smtp_password=REAL, **REAL_SECRETS
    )
    assert accepted.smtp_password == REAL


def test_production_checks_optional_secrets_once_they_are_set() -> None:
    Settings(environment="production", **REAL_SECRETS)  # no Backstage, no SMTP login: fine
    assert "LZ_BACKSTAGE_TOKEN" in refused_in_production(backstage_token=SecretStr("changeme"))


def test_refusal_never_shows_a_secret_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LZ_ENVIRONMENT", "production")
    monkeypatch.setenv("LZ_BITBUCKET_PASSWORD", "Kx9-r3al")  # short: errors cut long inputs
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "LZ_JENKINS_TOKEN" in str(refused.value)
    assert "Kx9-r3al" not in str(refused.value)


def test_development_keeps_its_placeholders() -> None:
    assert Settings(environment="development").api_tokens[0].get_secret_value() == "dev-token"
