"""Who may call the API (LZ_API_*, LZ_JWT_*, LZ_RATE_LIMIT_*): static callers by token hash,
the identity provider whose access tokens are accepted, and how often a caller may POST.

Only hashes of static tokens are configured, never the tokens: a token is a random string of
high entropy, so its SHA-256 (`landingzone hash-token`) identifies it without revealing it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from landingzone.api.callers import Scope

TOKEN_HASH_PATTERN = r"^sha256:[0-9a-f]{64}$"  # noqa: S105 - a pattern, no password
# What a static caller may be given: every scope but a landing zone's own promotion scope.
GRANTABLE_SCOPES = tuple(scope.value for scope in Scope if scope is not Scope.PROMOTE)
CALLER_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"
# The development default: `dev-token` may do everything. Production refuses it.
DEVELOPMENT_TOKEN = "dev-token"  # noqa: S105 - refused in production
DEVELOPMENT_CALLER = "dev"
# Symmetric algorithms would verify with a shared secret, which the identity provider does not
# share with us; `none` is no signature at all. Neither is ever accepted.
_REFUSED_ALGORITHMS = re.compile(r"^(none|HS\d+)$", re.IGNORECASE)
_ASYMMETRIC_ALGORITHMS = {
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
}  # fmt: skip


def hash_token(token: str) -> str:
    """How a static token is configured: `sha256:` and its SHA-256 in hex."""
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


TokenHash = Annotated[str, StringConstraints(pattern=TOKEN_HASH_PATTERN)]


class StaticCaller(BaseModel):
    """One caller: its scopes and the hashes of its tokens (several, to rotate them)."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    scopes: list[Scope] = Field(min_length=1)
    tokens: list[TokenHash] = Field(min_length=1)
    # Overrides LZ_RATE_LIMIT_POSTS_PER_MINUTE for this caller.
    posts_per_minute: int | None = Field(default=None, ge=1)

    @field_validator("tokens", mode="before")
    @classmethod
    def _hashes_only(cls, tokens: object) -> object:
        if isinstance(tokens, list):
            for token in tokens:
                if isinstance(token, str) and not re.fullmatch(TOKEN_HASH_PATTERN, token):
                    raise ValueError(
                        "each token must be configured as sha256:<64 hex digits>, the hash "
                        "`landingzone hash-token` prints, never as the token itself"
                    )
        return tokens

    @field_validator("scopes")
    @classmethod
    def _no_promotion_scope(cls, scopes: list[Scope]) -> list[Scope]:
        if Scope.PROMOTE in scopes:
            raise ValueError(
                f"{Scope.PROMOTE} is held only by a landing zone's own promotion credential"
            )
        return scopes


CallerTable = dict[str, StaticCaller]
_TABLE = TypeAdapter(CallerTable)


def _check_table(table: CallerTable) -> CallerTable:
    seen: dict[str, str] = {}
    for name, caller in table.items():
        if not re.fullmatch(CALLER_NAME_PATTERN, name):
            raise ValueError(
                f"caller name {name[:64]!r}: lower-case letters, digits, '.', '_' and '-', "
                "at most 63 characters"
            )
        for token in caller.tokens:
            if token in seen and seen[token] != name:
                raise ValueError(f"callers {seen[token]} and {name} share a token hash")
            seen[token] = name
    return table


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LZ_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    api_callers: CallerTable | None = Field(
        default=None,
        description='JSON: {"backstage": {"scopes": [...], "tokens": ["sha256:…"]}, …}',
    )
    api_callers_file: Path | None = Field(
        default=None, description="A YAML or JSON file holding callers as LZ_API_CALLERS does."
    )
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"], min_length=1)
    jwt_leeway_seconds: float = Field(default=30.0, ge=0, le=300)
    jwt_jwks_cache_seconds: float = Field(default=300.0, gt=0)
    jwt_jwks_cooldown_seconds: float = Field(default=30.0, ge=0)
    rate_limit_posts_per_minute: int = Field(default=600, ge=1)
    _file_callers: CallerTable = PrivateAttr(default_factory=dict)

    @field_validator("api_callers")
    @classmethod
    def _valid_table(cls, table: CallerTable | None) -> CallerTable | None:
        return None if table is None else _check_table(table)

    @field_validator("jwt_algorithms")
    @classmethod
    def _asymmetric_only(cls, algorithms: list[str]) -> list[str]:
        for algorithm in algorithms:
            if _REFUSED_ALGORITHMS.fullmatch(algorithm):
                raise ValueError(
                    f"{algorithm[:16]} is refused: tokens are verified with the identity "
                    "provider's public keys, never a shared secret or no signature"
                )
            if algorithm not in _ASYMMETRIC_ALGORITHMS:
                raise ValueError(
                    f"unknown algorithm {algorithm[:16]!r}; one of "
                    f"{', '.join(sorted(_ASYMMETRIC_ALGORITHMS))}"
                )
        return algorithms

    @model_validator(mode="after")
    def _read_callers_file(self) -> AuthSettings:
        if self.api_callers_file is None:
            return self
        table = load_callers_file(self.api_callers_file)
        for name in table:
            if name in (self.api_callers or {}):
                raise ValueError(f"caller {name} is in both LZ_API_CALLERS and LZ_API_CALLERS_FILE")
        _check_table({**(self.api_callers or {}), **table})
        self._file_callers = table
        return self

    @property
    def jwt_enabled(self) -> bool:
        return bool(self.jwt_jwks_url)

    @property
    def callers_configured(self) -> bool:
        return self.api_callers is not None or self.api_callers_file is not None

    def static_callers(self, development: bool) -> CallerTable:
        """LZ_API_CALLERS and the callers in LZ_API_CALLERS_FILE; neither set, in development
        only, `dev` with every scope and the token `dev-token`."""
        table: CallerTable = {**(self.api_callers or {}), **self._file_callers}
        if not self.callers_configured and development:
            table[DEVELOPMENT_CALLER] = StaticCaller(
                scopes=[Scope(scope) for scope in GRANTABLE_SCOPES],
                tokens=[hash_token(DEVELOPMENT_TOKEN)],
            )
        return table

    def refused_in_production(self, placeholders: set[str]) -> list[str]:
        """What production refuses here: no way to authenticate at all, a static token that
        is a placeholder (its hash is known to everyone), keys fetched without TLS."""
        if not self.callers_configured and not self.jwt_enabled:
            return ["LZ_API_CALLERS (or LZ_API_CALLERS_FILE, LZ_JWT_JWKS_URL)"]
        known = {hash_token(p) for p in placeholders}
        refused = []
        if self.jwt_jwks_url and not self.jwt_jwks_url.startswith("https://"):
            refused.append("LZ_JWT_JWKS_URL (https only: the keys decide who may call)")
        for variable, table in (
            ("LZ_API_CALLERS", self.api_callers or {}),
            ("LZ_API_CALLERS_FILE", self._file_callers),
        ):
            if any(set(caller.tokens) & known for caller in table.values()):
                refused.append(variable)
        return refused


def load_callers_file(path: Path) -> CallerTable:
    """The callers a YAML (or JSON) file names; a clear error naming the file otherwise."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"LZ_API_CALLERS_FILE {path}: cannot be read ({error})") from error
    try:
        return _check_table(_TABLE.validate_python(document or {}))
    except ValidationError as error:
        # Where and why only: a refused value may be a token pasted in by mistake.
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise ValueError(f"LZ_API_CALLERS_FILE {path}: {problems}") from None
    except ValueError as error:
        raise ValueError(f"LZ_API_CALLERS_FILE {path}: {error}") from None
