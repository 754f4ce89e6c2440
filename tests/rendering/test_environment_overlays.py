"""Every environment overlay renders with `kubectl kustomize`, before and after a promotion.

kubectl is Debian's kubernetes-client (`make kubectl` installs it), or `LZ_KUBECTL`; the
overlays keep to kustomize v2 syntax (kubectl 1.20) and render with newer ones too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from landingzone.config import DEFAULT_PLATFORM_CONFIG
from landingzone.platform_config import PlatformConfig
from landingzone.rendering import EnvironmentContext, render_environment, resolve_environments
from landingzone.rendering.overlays import current_digest, overlay_path, pin_digest
from tests.rendering.conftest import CLASS_IDS, make_context

DIGEST = "sha256:" + "4f" * 32
KINDS = {"Namespace", "ResourceQuota", "Deployment", "Service", "VirtualService", "ExternalSecret"}
# References as the platform configuration holds them: the Vault ones become ExternalSecrets,
# the Kubernetes one names an existing Secret, the Jenkins ones stay with the pipelines.
SECRETS = {
    "database": "vault:secret/data/retail/{name}/{env}/database",
    "signing-key": "vault:secret/data/retail/{name}/{env}/signing#private-key",
    "tls": "k8s-secret:{name}-tls",
    "registry-push": "jenkins-credentials:nexus-push",
}


def kubectl() -> str | None:
    return os.environ.get("LZ_KUBECTL") or shutil.which("kubectl")


@pytest.fixture(scope="module")
def kustomize() -> Iterator[Any]:
    binary = kubectl()
    if binary is None:
        pytest.skip("no kubectl: `make kubectl` installs Debian's kubernetes-client")

    def render(overlay: Path) -> list[dict[str, Any]]:
        result = subprocess.run(
            [binary, "kustomize", str(overlay)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]

    yield render


def platform_with_vault_references() -> PlatformConfig:
    data = PlatformConfig.load(DEFAULT_PLATFORM_CONFIG).model_dump(by_alias=True)
    for env in data["global"]["environments"].values():
        env["secrets"] = dict(SECRETS)
    return PlatformConfig.model_validate(data)


def render(class_id: str, workspace: Path) -> tuple[Path, EnvironmentContext]:
    platform = platform_with_vault_references()
    project = make_context(class_id, component_name=f"{class_id}-payments", tenant="retail")
    envs = resolve_environments(
        platform.environment_scopes("retail", project.component_name),
        project.component_name,
        "retail",
    )
    context = EnvironmentContext(
        component_name=project.component_name, tenant="retail", owner=project.owner,
        owner_group=project.owner_group, image=project.image,
        repository_url=project.repository_url, promote_job=project.promote_job,
        request_number=project.request_number, environments=envs,
    )  # fmt: skip
    return render_environment(context, workspace).root, context


def strings(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    else:
        yield str(node)


@pytest.mark.parametrize("class_id", CLASS_IDS)
def test_every_overlay_renders_to_its_namespace_before_and_after_a_promotion(
    class_id: str, workspace: Path, kustomize: Any
) -> None:
    root, context = render(class_id, workspace)
    assert [env.name for env in context.environments] == ["dev", "test", "prod"]
    for env in context.environments:
        overlay = root / overlay_path(env.name)
        before = overlay.read_text(encoding="utf-8")
        assert current_digest(before, context.image) is None
        unpromoted = kustomize(overlay.parent)
        overlay.write_text(pin_digest(before, context.image, DIGEST), encoding="utf-8")
        promoted = kustomize(overlay.parent)

        for manifests, image in (
            (unpromoted, f"{context.image}:unpromoted"),
            (promoted, f"{context.image}@{DIGEST}"),
        ):
            by_kind: dict[str, list[dict[str, Any]]] = {}
            for manifest in manifests:
                by_kind.setdefault(manifest["kind"], []).append(manifest)
            assert set(by_kind) == KINDS
            namespace = env.namespace.value
            assert [ns["metadata"]["name"] for ns in by_kind["Namespace"]] == [namespace]
            for manifest in manifests:
                if manifest["kind"] != "Namespace":
                    assert manifest["metadata"]["namespace"] == namespace, manifest["kind"]
            (deployment,) = by_kind["Deployment"]
            containers = deployment["spec"]["template"]["spec"]["containers"]
            assert [c["image"] for c in containers] == [image]
            (route,) = by_kind["VirtualService"]
            assert route["spec"]["hosts"] == [env.ingress_host.value]
            assert route["spec"]["gateways"] == ["istio-system/api-gateway"]
            destination = route["spec"]["http"][0]["route"][0]["destination"]["host"]
            assert destination == f"{context.component_name}.{namespace}.svc.cluster.local"
            (quota,) = by_kind["ResourceQuota"]
            assert quota["spec"]["hard"]["limits.cpu"] == env.quota_cpu.value
            assert_secrets_are_references(
                by_kind["ExternalSecret"], manifests, context.component_name, env.name
            )


def assert_secrets_are_references(
    external: list[dict[str, Any]], manifests: list[dict[str, Any]], name: str, env: str
) -> None:
    vault = f"secret/data/retail/{name}/{env}"
    by_name = {item["metadata"]["name"]: item["spec"] for item in external}
    assert sorted(by_name) == ["database", "signing-key"]
    assert by_name["database"]["dataFrom"] == [{"extract": {"key": f"{vault}/database"}}]
    assert by_name["signing-key"]["data"] == [
        {"secretKey": "private-key",
         "remoteRef": {"key": f"{vault}/signing", "property": "private-key"}}
    ]  # fmt: skip
    for spec in by_name.values():
        assert spec["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "vault"}
    everything = [text for manifest in manifests for text in strings(manifest)]
    # No Secret is written, no reference keeps its scheme, pipeline credentials stay with
    # the pipelines, and the Kubernetes Secret is named only where the platform keeps it.
    assert not [m for m in manifests if m["kind"] == "Secret"]
    assert "stringData" not in everything
    assert not [t for t in everything if t.startswith(("vault:", "k8s-secret:", "jenkins-"))]
    assert not [t for t in everything if "nexus-push" in t or t == f"{name}-tls"]
