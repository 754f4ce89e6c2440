"""Environments (dev, test, prod) resolved from layered scopes, each value with its scope.

    resolve_environments(scopes, component_name, tenant) -> list[ResolvedEnvironment]

`scopes` is ordered from lowest to highest priority, e.g.
`[("global", {...}), ("tenant", {...}), ("project", {...})]`; each maps an environment
name to any of `namespace`, `quota: {cpu, memory}`, `registry`, `ingress_host` and
`secrets: {name: reference}`. A higher scope wins per leaf (`quota.cpu` and
`quota.memory` separately, each secret separately) and the winner's name is kept beside
the value. String values may hold the placeholders `{name}`, `{tenant}` and `{env}`,
replaced in one pass by plain substitution (never `str.format`, so substituted text is
not scanned again); any other brace is refused.

A namespace or host label longer than 63 characters is shortened to 56 characters plus
`-` and 6 hex digits of its SHA-256, so a 63-character component name still fits.
Secrets must be references (`vault:`, `jenkins-credentials:` or `k8s-secret:`); a value
that looks like a literal secret is refused, and no error message repeats a value.

Public API: ENVIRONMENT_NAMES, ScopedValue(value, scope), ResolvedEnvironment(name,
namespace, quota_cpu, quota_memory, registry, ingress_host, secrets) with `.scopes()`,
EnvironmentContext(...), resolve_environments(...), environment_values(context) -> dict,
EnvironmentConfigError(InputError).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from landingzone.rendering.classes import InputError
from landingzone.rendering.values import TEXT_RULES, check_fields, check_text

ENVIRONMENT_NAMES = ("dev", "test", "prod")
SCALAR_FIELDS = ("namespace", "quota.cpu", "quota.memory", "registry", "ingress_host")
SECRET_REFERENCE = re.compile(
    r"^(?:vault:|jenkins-credentials:|k8s-secret:)[A-Za-z0-9._/:@#=+-]{1,500}$"
)
_SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_SCOPE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_PLACEHOLDER = re.compile(r"\{(name|tenant|env)\}")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_RULES = {
    "namespace": re.compile(rf"^{_LABEL}$"),
    "quota.cpu": re.compile(r"^[0-9]+(?:\.[0-9]+)?m?$"),
    "quota.memory": re.compile(r"^[0-9]+(?:\.[0-9]+)?(?:[KMGTPE]i?|k|m)?$"),
    "registry": re.compile(rf"^{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?(?:/{_LABEL})*$"),
    "ingress_host": re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$"),
}


class EnvironmentConfigError(InputError):
    """The scopes do not resolve to complete, valid environments."""


@dataclass(frozen=True)
class ScopedValue:
    value: str
    scope: str


@dataclass(frozen=True)
class ResolvedEnvironment:
    name: str
    namespace: ScopedValue
    quota_cpu: ScopedValue
    quota_memory: ScopedValue
    registry: ScopedValue
    ingress_host: ScopedValue
    secrets: tuple[tuple[str, ScopedValue], ...] = ()  # sorted by secret name

    def scopes(self) -> dict[str, str]:
        """Winning scope per value path, e.g. {"quota.cpu": "tenant", "secrets.db": "project"}."""
        found = {path: self.value(path).scope for path in SCALAR_FIELDS}
        found.update({f"secrets.{name}": value.scope for name, value in self.secrets})
        return found

    def value(self, path: str) -> ScopedValue:
        return {
            "namespace": self.namespace,
            "quota.cpu": self.quota_cpu,
            "quota.memory": self.quota_memory,
            "registry": self.registry,
            "ingress_host": self.ingress_host,
        }[path]


@dataclass(frozen=True)
class EnvironmentContext:
    component_name: str
    tenant: str
    owner: str
    owner_group: str
    image: str  # registry/tenant/name, no tag
    repository_url: str  # browse URL of the application repository
    promote_job: str
    request_number: str
    environments: Sequence[ResolvedEnvironment]


def resolve_environments(
    scopes: Sequence[tuple[str, Mapping[str, Any]]], component_name: str, tenant: str
) -> list[ResolvedEnvironment]:
    errors: list[tuple[str, str]] = []
    winners: dict[str, dict[str, ScopedValue]] = {env: {} for env in ENVIRONMENT_NAMES}
    for scope_name, scope in scopes:
        if not _SCOPE_NAME.match(scope_name):
            errors.append(("scopes", "a scope name must be a short lower-case word"))
        elif not isinstance(scope, Mapping):
            errors.append((scope_name, "must be a mapping of environments"))
            continue
        for env_name, settings in scope.items():
            if env_name not in winners:
                errors.append((f"{scope_name}.{env_name}", "is not one of dev, test, prod"))
            elif not isinstance(settings, Mapping):
                errors.append((f"{scope_name}.{env_name}", "must be a mapping"))
            else:
                _collect(scope_name, env_name, settings, winners[env_name], errors)
    resolved = [
        _finish(env, winners[env], component_name, tenant, errors) for env in ENVIRONMENT_NAMES
    ]
    if errors:
        raise EnvironmentConfigError(errors)
    return [env for env in resolved if env is not None]


def _collect(
    scope: str,
    env: str,
    settings: Mapping[str, Any],
    winners: dict[str, ScopedValue],
    errors: list[tuple[str, str]],
) -> None:
    leaves: dict[str, object] = {}
    for key, value in settings.items():
        if key in ("quota", "secrets"):
            if not isinstance(value, Mapping):
                errors.append((f"{scope}.{env}.{key}", "must be a mapping"))
                continue
            leaves.update({f"{key}.{inner}": item for inner, item in value.items()})
        else:
            leaves[str(key)] = value
    for path, value in leaves.items():
        where = f"{scope}.{env}.{path}"
        if not (path in SCALAR_FIELDS or path.startswith("secrets.")):
            errors.append((where, "is not an environment setting"))
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            errors.append((where, "must be a string"))
        else:
            winners[path] = ScopedValue(str(value), scope)


def _finish(
    env: str,
    winners: dict[str, ScopedValue],
    component_name: str,
    tenant: str,
    errors: list[tuple[str, str]],
) -> ResolvedEnvironment | None:
    substitutions = {"name": component_name, "tenant": tenant, "env": env}
    values: dict[str, ScopedValue] = {}
    for path, scoped in winners.items():
        where = f"environments.{env}.{path}"
        text = _PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], scoped.value)
        problem = check_text(text, multiline=False, max_length=512)
        if problem is None and ("{" in text or "}" in text):
            problem = "holds an unknown placeholder (only {name}, {tenant}, {env})"
        if problem is None:
            text, problem = _checked(path, text)
        if problem is not None:
            errors.append((where, problem))
        else:
            values[path] = ScopedValue(text, scoped.scope)
    missing = [path for path in SCALAR_FIELDS if path not in winners]
    errors.extend((f"environments.{env}.{path}", "is set by no scope") for path in missing)
    if len(values) != len(winners) or missing:
        return None
    secrets = tuple(
        (path.removeprefix("secrets."), value)
        for path, value in sorted(values.items())
        if path.startswith("secrets.")
    )
    return ResolvedEnvironment(
        name=env,
        namespace=values["namespace"],
        quota_cpu=values["quota.cpu"],
        quota_memory=values["quota.memory"],
        registry=values["registry"],
        ingress_host=values["ingress_host"],
        secrets=secrets,
    )


def _checked(path: str, text: str) -> tuple[str, str | None]:
    if path.startswith("secrets."):
        if not _SECRET_NAME.match(path.removeprefix("secrets.")):
            return text, "is not a valid secret name"
        if not SECRET_REFERENCE.match(text):
            return text, (
                "looks like a literal secret value; give a reference "
                "(vault:..., jenkins-credentials:..., k8s-secret:...)"
            )
        return text, None
    if path == "namespace":
        text = shorten_label(text)
    elif path == "ingress_host":
        text = ".".join(shorten_label(label) for label in text.split("."))
    if not _RULES[path].match(text):
        return text, "is not valid for this setting"
    return text, None


def shorten_label(label: str) -> str:
    """A DNS label of at most 63 characters: long ones keep a prefix and a hash suffix."""
    if len(label) <= 63:
        return label
    digest = hashlib.sha256(label.encode("utf-8")).hexdigest()[:6]
    return f"{label[:56].rstrip('-')}-{digest}"


def environment_values(context: EnvironmentContext) -> dict[str, Any]:
    """The checked cookiecutter values of the environment-repository template."""
    text = {
        "component_name": context.component_name,
        "tenant": context.tenant,
        "owner": context.owner,
        "owner_group": context.owner_group,
        "image": context.image,
        "repository_url": context.repository_url,
        "promote_job": context.promote_job,
        "request_number": context.request_number,
    }
    errors = check_fields(text, {name: TEXT_RULES[name] for name in text})
    by_name = {env.name: env for env in context.environments}
    for name in ENVIRONMENT_NAMES:
        if name not in by_name:
            errors.append((f"environments.{name}", "is missing"))
        else:
            errors.extend(_recheck(by_name[name]))
    if errors:
        raise EnvironmentConfigError(errors)
    environments = {name: _template_data(by_name[name]) for name in ENVIRONMENT_NAMES}
    return {**text, "environments": environments}


def _recheck(env: ResolvedEnvironment) -> list[tuple[str, str]]:
    """Re-validate an environment that may not come from `resolve_environments`."""
    errors: list[tuple[str, str]] = []
    pairs = [(path, env.value(path)) for path in SCALAR_FIELDS]
    pairs += [(f"secrets.{name}", value) for name, value in env.secrets]
    for path, scoped in pairs:
        problem = check_text(scoped.value, multiline=False, max_length=512)
        if problem is None:
            checked, problem = _checked(path, scoped.value)
            if problem is None and checked != scoped.value:
                problem = "is longer than a DNS label allows"
        if problem is None and not _SCOPE_NAME.match(scoped.scope):
            problem = "has an invalid scope name"
        if problem is not None:
            errors.append((f"environments.{env.name}.{path}", problem))
    return errors


def _template_data(env: ResolvedEnvironment) -> dict[str, Any]:
    def pair(scoped: ScopedValue) -> dict[str, str]:
        return {"value": scoped.value, "scope": scoped.scope}

    return {
        "name": env.name,
        "namespace": pair(env.namespace),
        "quota": {"cpu": pair(env.quota_cpu), "memory": pair(env.quota_memory)},
        "registry": pair(env.registry),
        "ingress_host": pair(env.ingress_host),
        "secrets": [{"name": name, **pair(value)} for name, value in env.secrets],
        "scopes": env.scopes(),
    }
