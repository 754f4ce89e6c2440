from __future__ import annotations

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
