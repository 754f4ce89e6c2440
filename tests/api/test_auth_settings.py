"""The API callers' settings as an operator writes them: refused at start-up, naming what is
wrong, and never repeating a value that may be a token pasted in by mistake."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from landingzone.api.auth_settings import AuthSettings, hash_token
from landingzone.api.callers import Scope
from landingzone.config import Settings

TOKEN = secrets.token_urlsafe(32)


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in [name for name in os.environ if name.startswith("LZ_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def caller(**changes: Any) -> dict[str, Any]:
    return {"scopes": ["landing-zones:read"], "tokens": [hash_token(TOKEN)], **changes}


def refusal(env: pytest.MonkeyPatch, callers: dict[str, Any]) -> str:
    env.setenv("LZ_API_CALLERS", json.dumps(callers))
    with pytest.raises(ValidationError) as refused:
        Settings()
    return str(refused.value)


def test_a_caller_is_read_with_its_scopes_and_hashes(env: pytest.MonkeyPatch) -> None:
    second = hash_token(secrets.token_urlsafe(32))
    env.setenv(
        "LZ_API_CALLERS",
        json.dumps({"backstage": caller(tokens=[hash_token(TOKEN), second])}),
    )
    table = Settings().auth.static_callers(development=False)
    assert list(table) == ["backstage"]
    assert table["backstage"].scopes == [Scope.READ]
    assert table["backstage"].tokens == [hash_token(TOKEN), second]


def test_an_unknown_scope_is_refused_naming_the_known_ones(env: pytest.MonkeyPatch) -> None:
    message = refusal(env, {"backstage": caller(scopes=["landing-zones:destroy"])})
    assert "backstage" in message and "scopes" in message
    assert "'landing-zones:read'" in message and "'audit:read'" in message


def test_a_token_instead_of_its_hash_is_refused_and_not_repeated(
    env: pytest.MonkeyPatch,
) -> None:
    message = refusal(env, {"backstage": caller(tokens=[TOKEN])})
    assert "sha256:<64 hex digits>" in message and "hash-token" in message
    assert TOKEN not in message


@pytest.mark.parametrize(
    ("callers", "words"),
    [
        ({"backstage": caller(scopes=["promotions:write"])}, "promotion credential"),
        ({"backstage": caller(scopes=[])}, "at least 1 item"),
        ({"backstage": caller(tokens=[])}, "at least 1 item"),
        ({"backstage": caller(token="sha256:" + "0" * 64)}, "Extra inputs"),
        ({"Back Stage": caller()}, "lower-case letters"),
        ({"a": caller(), "b": caller()}, "callers a and b share a token hash"),
        ({"backstage": caller(posts_per_minute=0)}, "greater than or equal to 1"),
    ],
)
def test_malformed_callers_are_refused_at_start_up(
    env: pytest.MonkeyPatch, callers: dict[str, Any], words: str
) -> None:
    assert words in refusal(env, callers)


def test_callers_come_from_a_file_too_and_a_name_may_not_be_in_both(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "callers.yaml"
    path.write_text(
        f"operator:\n  scopes: [landing-zones:operate]\n  tokens: ['{hash_token('x' * 40)}']\n"
    )
    env.setenv("LZ_API_CALLERS_FILE", str(path))
    env.setenv("LZ_API_CALLERS", json.dumps({"backstage": caller()}))
    assert sorted(Settings().auth.static_callers(development=False)) == ["backstage", "operator"]
    env.setenv("LZ_API_CALLERS", json.dumps({"operator": caller()}))
    with pytest.raises(ValidationError, match="operator is in both"):
        Settings()


def test_a_bad_callers_file_is_refused_naming_it_and_never_its_values(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "callers.yaml"
    path.write_text(f"operator:\n  scopes: [everything]\n  tokens: ['{TOKEN}']\n")
    env.setenv("LZ_API_CALLERS_FILE", str(path))
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    assert str(path) in message and "operator.scopes.0" in message and "operator.tokens" in message
    assert TOKEN not in message
    env.setenv("LZ_API_CALLERS_FILE", str(tmp_path / "missing.yaml"))
    with pytest.raises(ValidationError, match="cannot be read"):
        Settings()


@pytest.mark.parametrize("algorithm", ["none", "HS256", "hs512", "RS1"])
def test_only_asymmetric_jwt_algorithms_may_be_allowed(
    env: pytest.MonkeyPatch, algorithm: str
) -> None:
    env.setenv("LZ_JWT_ALGORITHMS", json.dumps(["RS256", algorithm]))
    with pytest.raises(ValidationError, match=r"refused|unknown algorithm"):
        Settings()


def test_development_without_callers_has_the_dev_token_and_production_does_not() -> None:
    development = AuthSettings().static_callers(development=True)
    assert development["dev"].tokens == [hash_token("dev-token")]
    assert Scope.PROMOTE not in development["dev"].scopes
    assert AuthSettings().static_callers(development=False) == {}


@pytest.mark.parametrize(
    ("settings", "refused"),
    [
        ({}, "LZ_API_CALLERS (or LZ_API_CALLERS_FILE, LZ_JWT_JWKS_URL)"),
        ({"api_callers": {"ci": caller(tokens=[hash_token("dev-token")])}}, "LZ_API_CALLERS"),
        ({"jwt_jwks_url": "http://idp.example.test/keys"}, "LZ_JWT_JWKS_URL (https only"),
    ],
)
def test_production_refuses_no_callers_placeholders_and_keys_without_tls(
    settings: dict[str, Any], refused: str
) -> None:
    assert refused in " ".join(AuthSettings(**settings).refused_in_production({"dev-token"}))


def test_production_accepts_a_real_caller_or_an_identity_provider() -> None:
    assert AuthSettings(api_callers={"ci": caller()}).refused_in_production({"dev-token"}) == []
    idp = AuthSettings(jwt_jwks_url="https://idp.example.test/keys")
    assert idp.refused_in_production({"dev-token"}) == []
