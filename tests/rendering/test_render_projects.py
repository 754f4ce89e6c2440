"""Every class renders a complete project whose files parse with the formats' own parsers."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

from landingzone.rendering import ProjectClass, RenderContext, RenderedProject, render_project
from tests.rendering.conftest import CLASS_IDS, EDGE_DESCRIPTION, LONGEST_NAME, make_context
from tests.rendering.toolchains import hadolint

COMMON_FILES = {
    "Dockerfile", "Jenkinsfile", "Jenkinsfile.promote", "catalog-info.yaml", "README.md",
    ".gitignore", "CODEOWNERS", ".dockerignore",
}  # fmt: skip
CATALOG_TYPES = {"backend": "service", "dotnet": "service", "java": "service",
                 "web": "website", "mobile": "mobile-app"}  # fmt: skip
VARIANTS = ("ordinary", "edge")

Rendered = dict[tuple[str, str], tuple[RenderContext, RenderedProject]]


def _context(class_id: str, variant: str) -> RenderContext:
    if variant == "edge":
        return make_context(class_id, component_name=LONGEST_NAME, description=EDGE_DESCRIPTION,
                            system="", request_number="")  # fmt: skip
    return make_context(class_id, landing_zone_id="lz_3f9a0c2e41d7b5a86e10")


@pytest.fixture(scope="module")
def rendered(
    classes: dict[str, ProjectClass], tmp_path_factory: pytest.TempPathFactory
) -> Rendered:
    out: Rendered = {}
    for class_id in CLASS_IDS:
        for variant in VARIANTS:
            context = _context(class_id, variant)
            workspace = tmp_path_factory.mktemp(f"{class_id}-{variant}")
            project = render_project(classes[class_id], context, workspace)
            out[class_id, variant] = (context, project)
    return out


def _unmarkdown(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).replace("&lt;", "<").replace("&amp;", "&")


def test_the_longest_name_is_the_longest_the_service_accepts() -> None:
    assert len(LONGEST_NAME) == 63


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("class_id", CLASS_IDS)
def test_project_has_the_platform_files_at_its_root(
    rendered: Rendered, class_id: str, variant: str
) -> None:
    context, project = rendered[class_id, variant]
    assert project.root.name == context.component_name
    assert project.files == sorted(project.files)
    assert set(project.files) >= COMMON_FILES
    on_disk = sorted(p.relative_to(project.root).as_posix() for p in project.root.rglob("*")
                     if p.is_file())  # fmt: skip
    assert on_disk == project.files
    assert [p.name for p in project.root.parent.iterdir()] == [context.component_name]
    assert (project.root / "CODEOWNERS").read_text().splitlines()[-1] == "* @@payments"
    readme = _unmarkdown((project.root / "README.md").read_text(encoding="utf-8"))
    assert context.description.replace("\r\n", "\n") in readme.replace("\r\n", "\n")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("class_id", CLASS_IDS)
def test_catalog_entity_describes_the_component(
    rendered: Rendered, class_id: str, variant: str
) -> None:
    context, project = rendered[class_id, variant]
    entity = yaml.safe_load((project.root / "catalog-info.yaml").read_text(encoding="utf-8"))
    assert entity["apiVersion"] == "backstage.io/v1alpha1" and entity["kind"] == "Component"
    metadata: dict[str, Any] = entity["metadata"]
    assert metadata["name"] == context.component_name
    assert metadata["description"] == context.description
    annotations = metadata["annotations"]
    assert annotations["backstage.io/source-location"] == f"url:{context.repository_url}/"
    assert annotations["jenkins.io/job-full-name"] == context.build_job
    assert annotations.get("servicenow.com/request-number") == (context.request_number or None)
    # The Backstage card finds the landing zone by it; a preview render has none.
    assert annotations.get("landingzone.io/id") == (context.landing_zone_id or None)
    spec = entity["spec"]
    assert spec["type"] == CATALOG_TYPES[class_id]
    assert spec["owner"] == "group:default/payments"
    assert spec["lifecycle"] == "experimental"
    assert spec.get("system") == (context.system or None)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("class_id", CLASS_IDS)
def test_build_file_parses_and_carries_the_description_literally(
    rendered: Rendered, class_id: str, variant: str
) -> None:
    context, project = rendered[class_id, variant]
    root = project.root
    if class_id == "java":
        pom = etree.parse(str(root / "pom.xml")).getroot()
        ns = {"m": "http://maven.apache.org/POM/4.0.0"}
        assert pom.findtext("m:artifactId", namespaces=ns) == context.component_name
        assert pom.findtext("m:description", namespaces=ns) == context.description
        assert pom.findtext("m:properties/m:java.version", namespaces=ns) == "21"
    elif class_id == "dotnet":
        csproj = next(root.glob("src/*/*.csproj"))
        assert etree.parse(str(csproj)).getroot().findtext(".//Description") == context.description
        solution = etree.parse(str(next(root.glob("*.slnx")))).getroot()
        for reference in solution.iter("Project"):
            assert (root / reference.get("Path", "")).is_file()
        tests = next(root.glob("tests/*/*.csproj"))
        for reference in etree.parse(str(tests)).getroot().iter("ProjectReference"):
            assert (tests.parent / reference.get("Include", "")).resolve().is_file()
    elif class_id in ("web", "mobile"):
        package = json.loads((root / "package.json").read_text(encoding="utf-8"))
        assert package["name"] == context.component_name
        assert package["description"] == context.description
        assert {"test", "lint", "typecheck"} <= set(package["scripts"])
        json.loads((root / "tsconfig.json").read_text(encoding="utf-8"))
    else:
        pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        assert pyproject["project"]["name"] == context.component_name
        assert pyproject["project"]["description"] == context.description


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("class_id", CLASS_IDS)
def test_dockerfile_is_multi_stage_non_root_and_lint_clean(
    rendered: Rendered, class_id: str, variant: str
) -> None:
    context, project = rendered[class_id, variant]
    dockerfile = project.root / "Dockerfile"
    lines = dockerfile.read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("FROM ") for line in lines) >= 2
    user = [line.split()[1] for line in lines if line.startswith("USER ")][-1]
    assert user.split(":")[0] not in ("root", "0")
    assert f"{context.image}:<version>" in lines[1]
    result = hadolint(dockerfile)
    assert result.returncode == 0, result.stdout + result.stderr


def test_parameters_shape_the_project(classes: dict[str, ProjectClass], workspace: Path) -> None:
    def render(class_id: str, **parameters: object) -> Path:
        context = make_context(class_id, parameters=parameters)
        return render_project(classes[class_id], context, workspace / class_id).root

    java = render("java", javaVersion=17, groupId="org.acme.pay")
    assert "<java.version>17</java.version>" in (java / "pom.xml").read_text()
    assert "FROM eclipse-temurin:17-jre" in (java / "Dockerfile").read_text()
    assert (java / "src/main/java/org/acme/pay/payments_api/InfoController.java").is_file()
    dotnet = render("dotnet", targetFramework="net8.0")
    props = (dotnet / "Directory.Build.props").read_text()
    assert "<TargetFramework>net8.0</TargetFramework>" in props
    assert "FROM mcr.microsoft.com/dotnet/aspnet:8.0" in (dotnet / "Dockerfile").read_text()
    web = render("web", nodeVersion="22", basePath="/portal/")
    assert "FROM node:22-alpine AS build" in (web / "Dockerfile").read_text()
    assert 'base: "/portal/",' in (web / "vite.config.ts").read_text()
    mobile = render("mobile", platforms=["android"])
    bundle = json.loads((mobile / "package.json").read_text())["scripts"]["bundle"]
    assert "--platform android" in bundle and "ios" not in bundle
    backend = render("backend", pythonVersion="3.11", apiPrefix="/v2")
    pyproject = tomllib.loads((backend / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.11"
    assert 'API_PREFIX = "/v2"' in (backend / "src/payments_api/main.py").read_text()
