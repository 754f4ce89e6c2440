"""Environments resolved from global -> tenant -> project scopes, and the environment repo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from landingzone.rendering import (
    EnvironmentConfigError,
    EnvironmentContext,
    ResolvedEnvironment,
    ScopedValue,
    render_environment,
    resolve_environments,
)
from tests.rendering.conftest import LONGEST_NAME

GLOBAL: dict[str, Any] = {
    env: {
        "namespace": "{name}-{env}",
        "quota": {"cpu": 2, "memory": "4Gi"},
        "registry": "nexus.example.com:8443",
        "ingress_host": "{name}.{env}.apps.example.com",
        "secrets": {"registry-pull": "jenkins-credentials:nexus-registry"},
    }
    for env in ("dev", "test", "prod")
}
TENANT = {
    "prod": {"quota": {"cpu": "16"}, "secrets": {"db": "vault:secret/data/{tenant}/{name}/db"}}
}
PROJECT = {"dev": {"ingress_host": "{name}-preview.apps.example.com"}}


def _scopes(**changes: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    scopes = {"global": GLOBAL, "tenant": TENANT, "project": PROJECT, **changes}
    return list(scopes.items())


def _by_name(envs: list[ResolvedEnvironment]) -> dict[str, ResolvedEnvironment]:
    return {env.name: env for env in envs}


def test_the_highest_scope_wins_per_value_and_is_recorded_beside_it() -> None:
    envs = _by_name(resolve_environments(_scopes(), "payments-api", "acme"))
    assert list(envs) == ["dev", "test", "prod"]
    assert envs["dev"].namespace == ScopedValue("payments-api-dev", "global")
    preview = ScopedValue("payments-api-preview.apps.example.com", "project")
    assert envs["dev"].ingress_host == preview
    assert envs["prod"].quota_cpu == ScopedValue("16", "tenant")
    assert envs["prod"].quota_memory == ScopedValue("4Gi", "global")
    assert dict(envs["prod"].secrets) == {
        "db": ScopedValue("vault:secret/data/acme/payments-api/db", "tenant"),
        "registry-pull": ScopedValue("jenkins-credentials:nexus-registry", "global"),
    }
    assert envs["prod"].scopes()["quota.cpu"] == "tenant"
    assert envs["test"].scopes()["secrets.registry-pull"] == "global"


def test_a_secret_that_looks_like_a_value_is_refused_without_repeating_it() -> None:
    leaked = "hunter2-Sup3rS3cret"
    with pytest.raises(EnvironmentConfigError) as caught:
        resolve_environments(_scopes(project={"prod": {"secrets": {"db": leaked}}}), "svc", "acme")
    assert caught.value.errors[0][0] == "environments.prod.secrets.db"
    assert leaked not in str(caught.value)


def test_placeholders_are_replaced_once_and_never_formatted() -> None:
    hostile = {"dev": {"namespace": "{name.__class__}"}, "test": {"namespace": "{0}{env}"},
               "prod": {"ingress_host": "{unknown}.example.com"}}  # fmt: skip
    with pytest.raises(EnvironmentConfigError) as caught:
        resolve_environments(_scopes(project=hostile), "svc", "acme")
    assert {path for path, _ in caught.value.errors} == {
        "environments.dev.namespace", "environments.test.namespace",
        "environments.prod.ingress_host",
    }  # fmt: skip
    # substituted text is not scanned again: "{env}" inside the name stays literal
    # (and is then refused), where a second pass would have turned it into "dev"
    with pytest.raises(EnvironmentConfigError) as caught:
        resolve_environments(_scopes(), "x{env}", "acme")
    assert "environments.dev.namespace" in dict(caught.value.errors)


def test_long_names_are_shortened_to_valid_dns_labels() -> None:
    envs = _by_name(resolve_environments(_scopes(), LONGEST_NAME, "acme"))
    namespaces = {env.namespace.value for env in envs.values()}
    assert len(namespaces) == 3 and all(len(ns) <= 63 for ns in namespaces)
    assert envs["dev"].namespace.value.startswith(LONGEST_NAME[:50])
    again = _by_name(resolve_environments(_scopes(), LONGEST_NAME, "acme"))
    assert again["dev"].namespace == envs["dev"].namespace
    assert envs["test"].ingress_host.value.split(".")[0] == LONGEST_NAME


def test_missing_unknown_and_malformed_settings_are_each_reported() -> None:
    broken = {"dev": {"quota": {"cpu": "lots"}, "colour": "red"}, "staging": {}, "Prod/x": {}}
    with pytest.raises(EnvironmentConfigError) as caught:
        resolve_environments([("global", broken), ("tenant", {"qa": {}})], "svc", "acme")
    paths = {path for path, _ in caught.value.errors}
    assert {"global.Prod/x", "tenant.qa", "global.dev.colour", "environments.dev.quota.cpu",
            "environments.staging.namespace", "environments.staging.registry"} <= paths  # fmt: skip
    assert (
        "is not an environment of the platform (dev, staging)"
        in dict(caught.value.errors)["tenant.qa"]
    )


def test_the_environments_and_their_order_come_from_the_lowest_scope() -> None:
    chain = {env: GLOBAL["dev"] for env in ("sandbox", "uat", "live")}
    envs = resolve_environments([("global", chain), ("tenant", {"live": {}})], "svc", "acme")
    assert [env.name for env in envs] == ["sandbox", "uat", "live"]
    assert envs[2].namespace.value == "svc-live"
    with pytest.raises(EnvironmentConfigError) as caught:
        resolve_environments([("global", {})], "svc", "acme")
    assert dict(caught.value.errors) == {
        "environments": "the platform configuration names no environment"
    }


def test_cluster_secrets_must_be_nameable_in_kubernetes() -> None:
    secrets = {"DB_Password": "vault:secret/data/x", "ok": "k8s-secret:Not_A_Name",
               "Pipeline_Only": "jenkins-credentials:nexus"}  # fmt: skip
    with pytest.raises(EnvironmentConfigError) as caught:
        resolve_environments(_scopes(project={"prod": {"secrets": secrets}}), "svc", "acme")
    assert {path for path, _ in caught.value.errors} == {
        "environments.prod.secrets.DB_Password",
        "environments.prod.secrets.ok",
    }


def _context(envs: list[ResolvedEnvironment], name: str = "payments-api") -> EnvironmentContext:
    return EnvironmentContext(
        component_name=name, tenant="acme", owner="group:default/payments",
        owner_group="payments", image=f"nexus.example.com:8443/acme/{name}",
        repository_url=f"https://bitbucket.example.com/projects/ACME/repos/{name}/browse",
        promote_job=f"acme/{name}/promote", request_number="RITM0010001", environments=envs,
    )  # fmt: skip


def test_environment_repository_records_values_scopes_and_secret_references(
    workspace: Path,
) -> None:
    envs = resolve_environments(_scopes(), LONGEST_NAME, "acme")
    project = render_environment(_context(envs, LONGEST_NAME), workspace)
    assert project.root == workspace / f"{LONGEST_NAME}-env"
    for env in envs:
        folder = project.root / "environments" / env.name
        text = (project.root / "scopes" / f"{env.name}.yaml").read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        assert data["namespace"] == env.namespace.value
        assert data["quota"] == {"cpu": env.quota_cpu.value, "memory": env.quota_memory.value}
        assert data["ingress"]["host"] == env.ingress_host.value
        assert data["registry"] == env.registry.value
        assert data["secrets"] == {name: value.value for name, value in env.secrets}
        assert data["scopes"] == env.scopes()
        assert f'  cpu: "{env.quota_cpu.value}"  # scope: {env.quota_cpu.scope}' in text
        namespace, quota = yaml.safe_load_all((folder / "namespace.yaml").read_text())
        assert namespace["metadata"]["name"] == env.namespace.value
        assert quota["spec"]["hard"]["limits.cpu"] == env.quota_cpu.value
        overlay = yaml.safe_load((folder / "kustomization.yaml").read_text())
        assert overlay["namespace"] == env.namespace.value
        assert overlay["images"] == [
            {"name": f"nexus.example.com:8443/acme/{LONGEST_NAME}", "newTag": "unpromoted"}
        ]
        assert "scopes" not in str(overlay)  # provenance is never part of what is deployed
    assert sorted(p.name for p in (project.root / "scopes").iterdir()) == [
        "dev.yaml", "prod.yaml", "test.yaml"
    ]  # fmt: skip
    assert (project.root / "CODEOWNERS").read_text().splitlines()[-1] == "* @@payments"


def test_environments_built_by_hand_are_checked_again_before_rendering(workspace: Path) -> None:
    good = resolve_environments(_scopes(), "svc", "acme")
    forged = ResolvedEnvironment(
        name="dev", namespace=ScopedValue("svc-dev", "global\nsecrets: {}"),
        quota_cpu=good[0].quota_cpu, quota_memory=good[0].quota_memory,
        registry=good[0].registry, ingress_host=good[0].ingress_host,
        secrets=(("db", ScopedValue("plaintext-password", "project")),),
    )  # fmt: skip
    with pytest.raises(EnvironmentConfigError) as caught:
        render_environment(_context([forged, *good[1:]], "svc"), workspace)
    assert {path for path, _ in caught.value.errors} == {
        "environments.dev.namespace",
        "environments.dev.secrets.db",
    }
    assert list(workspace.iterdir()) == []
