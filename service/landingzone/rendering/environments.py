"""Environments resolved from layered scopes, each value with its scope.

    resolve_environments(scopes, component_name, tenant) -> list[ResolvedEnvironment]

`scopes` is ordered from lowest to highest priority, e.g.
`[("global", {...}), ("tenant", {...}), ("project", {...})]`. The lowest scope (the
platform's `global.environments`) names the environments, in promotion order; a higher
scope naming any other environment is refused. Each scope maps an environment name to
any of `namespace`, `quota: {cpu, memory}`, `registry`, `ingress_host` and
`secrets: {name: reference}`. A higher scope wins per leaf (`quota.cpu` and
`quota.memory` separately, each secret separately) and the winner's name is kept beside
the value. String values may hold the placeholders `{name}`, `{tenant}` and `{env}`,
replaced in one pass by plain substitution (never `str.format`, so substituted text is
not scanned again); any other brace is refused.

A namespace or host label longer than 63 characters is shortened to 56 characters plus
`-` and 6 hex digits of its SHA-256, so a 63-character component name still fits.
Secrets must be references (`vault:`, `jenkins-credentials:` or `k8s-secret:`); a value
that looks like a literal secret is refused, and no error message repeats a value.

Public API: ENVIRONMENT_NAME (the pattern of an environment name), ScopedValue(value,
scope), ResolvedEnvironment(name, namespace, quota_cpu, quota_memory, registry,
ingress_host, secrets) with `.scopes()`, EnvironmentContext(...), resolve_environments(...),
environment_values(context) -> dict, secret_data(name, reference) -> dict,
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

# An environment name becomes a folder of the environment repository and part of labels.
ENVIRONMENT_NAME = re.compile(r"^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$")
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
    names = _environment_names(scopes, errors)
    winners: dict[str, dict[str, ScopedValue]] = {env: {} for env in names}
    for scope_name, scope in scopes:
        if not _SCOPE_NAME.fullmatch(scope_name):
            errors.append(("scopes", "a scope name must be a short lower-case word"))
        elif not isinstance(scope, Mapping):
            errors.append((scope_name, "must be a mapping of environments"))
            continue
        for env_name, settings in scope.items():
            if env_name not in winners and scope is scopes[0][1]:
                continue  # a name that cannot be an environment, reported above
            if env_name not in winners:
                known = ", ".join(names) or "none"
                errors.append(
                    (f"{scope_name}.{env_name}", f"is not an environment of the platform ({known})")
                )
            elif not isinstance(settings, Mapping):
                errors.append((f"{scope_name}.{env_name}", "must be a mapping"))
            else:
                _collect(scope_name, env_name, settings, winners[env_name], errors)
    resolved = [_finish(env, winners[env], component_name, tenant, errors) for env in names]
    if errors:
        raise EnvironmentConfigError(errors)
    return [env for env in resolved if env is not None]


def _environment_names(
    scopes: Sequence[tuple[str, Mapping[str, Any]]], errors: list[tuple[str, str]]
) -> list[str]:
    """The lowest scope's environments, in its order; names that cannot be folders refused."""
    if not scopes or not isinstance(scopes[0][1], Mapping) or not scopes[0][1]:
        errors.append(("environments", "the platform configuration names no environment"))
        return []
    scope_name, scope = scopes[0]
    names = [str(name) for name in scope]
    for name in names:
        if not ENVIRONMENT_NAME.fullmatch(name):
            errors.append(
                (f"{scope_name}.{name}", "an environment name must be a short lower-case label")
            )
    return [name for name in names if ENVIRONMENT_NAME.fullmatch(name)]


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
        if not _SECRET_NAME.fullmatch(path.removeprefix("secrets.")):
            return text, "is not a valid secret name"
        if not SECRET_REFERENCE.fullmatch(text):
            return text, (
                "looks like a literal secret value; give a reference "
                "(vault:..., jenkins-credentials:..., k8s-secret:...)"
            )
        return text, _cluster_secret_problem(path.removeprefix("secrets."), text)
    if path == "namespace":
        text = shorten_label(text)
    elif path == "ingress_host":
        text = ".".join(shorten_label(label) for label in text.split("."))
    if not _RULES[path].fullmatch(text):
        return text, "is not valid for this setting"
    return text, None


def _cluster_secret_problem(name: str, reference: str) -> str | None:
    """Vault and Kubernetes references become Secrets of the namespace: names must fit."""
    kind, _, target = reference.partition(":")
    if kind == "jenkins-credentials":
        return None
    if not _RULES["namespace"].fullmatch(name):
        return "names a Kubernetes Secret: must be a lower-case DNS label"
    if kind == "k8s-secret" and not _RULES["ingress_host"].fullmatch(target):
        return "must name a Kubernetes Secret (lower-case DNS name)"
    if kind == "vault" and not target.split("#", 1)[0]:
        return "must name a Vault path"
    return None


def secret_data(name: str, reference: str) -> dict[str, str]:
    """How a secret reference is rendered: its kind and, for Vault, the key and property."""
    kind, _, target = reference.partition(":")
    key, _, prop = target.partition("#")
    return {"name": name, "value": reference, "kind": kind, "key": key, "property": prop}


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
    if not context.environments:
        errors.append(("environments", "names no environment"))
    seen: set[str] = set()
    for env in context.environments:
        if not ENVIRONMENT_NAME.fullmatch(env.name):
            errors.append(("environments", "an environment name must be a short lower-case label"))
        elif env.name in seen:
            errors.append((f"environments.{env.name}", "is given twice"))
        else:
            errors.extend(_recheck(env))
        seen.add(env.name)
    if errors:
        raise EnvironmentConfigError(errors)
    # In promotion order: the template renders one overlay per entry, in this order.
    environments = {env.name: _template_data(env) for env in context.environments}
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
        if problem is None and not _SCOPE_NAME.fullmatch(scoped.scope):
            problem = "has an invalid scope name"
        if problem is not None:
            errors.append((f"environments.{env.name}.{path}", problem))
    return errors


def _template_data(env: ResolvedEnvironment) -> dict[str, Any]:
    def pair(scoped: ScopedValue) -> dict[str, str]:
        return {"value": scoped.value, "scope": scoped.scope}

    secrets = [
        {**secret_data(name, value.value), "scope": value.scope} for name, value in env.secrets
    ]
    return {
        "name": env.name,
        "namespace": pair(env.namespace),
        "quota": {"cpu": pair(env.quota_cpu), "memory": pair(env.quota_memory)},
        "registry": pair(env.registry),
        "ingress_host": pair(env.ingress_host),
        "secrets": secrets,
        "vault_secrets": [secret for secret in secrets if secret["kind"] == "vault"],
        "scopes": env.scopes(),
    }
