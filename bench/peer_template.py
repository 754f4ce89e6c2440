"""The peer's Template entity and the values each task is given: what the service would
compute for the landing zone (names, render values, config.xml), so both do the same job.

The template, written for the sandbox it runs against, does in order (the scaffolder runs
steps one after another): the requested item (servicenow:now:table:createRecord, its number is
rendered), the class's template and the environment template (fetch:cookiecutter, with the
values the service renders them with), the repository and the environment repository
(publish:bitbucketServer, created with their default branch and pushed), the folder, the build
and the promote job (jenkins:job:create, with the config.xml the service sends), the first build
(jenkins:job:build, queued; the action does not wait) and the work note with the links, closing
the item (servicenow:now:table:modifyRecord).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from tests.support.sandbox import Sandbox

from bench.floor import Floor
from landingzone.integrations.base import Repository, RepositoryAddress
from landingzone.integrations.jenkins.jobs import folder_xml, pipeline_xml
from landingzone.landing_zone.folder_settings import folder_settings
from landingzone.landing_zone.workspace import Addresses, environment_context, project_context
from landingzone.rendering.classes import validate_parameters
from landingzone.rendering.environments import environment_values

TEMPLATE = "landing-zone-peer"
EXTENSIONS = ["landingzone.rendering.filters.OutputFormatFilters"]


def _step(step_id: str, action: str, **inputs: Any) -> dict[str, Any]:
    return {"id": step_id, "name": step_id, "action": action, "input": inputs}


def template(bitbucket_host: str, project: str) -> dict[str, Any]:
    """The Template entity; every value the service would compute is a parameter."""
    values = [f.name for f in dataclasses.fields(ProjectValues)]
    project_values = {k: f"${{{{ parameters.project_values.{k} }}}}" for k in values}
    project_values["request_number"] = "${{ steps.ticket.output.result.number }}"
    env_values = {
        k: f"${{{{ parameters.environment_values.{k} }}}}"
        for k in (
            "component_name",
            "tenant",
            "owner",
            "owner_group",
            "image",
            "repository_url",
            "promote_job",
            "environments",
        )
    }
    env_values["request_number"] = "${{ steps.ticket.output.result.number }}"
    name = "${{ parameters.name }}"
    folder = "${{ parameters.folder }}"
    repo = f"{bitbucket_host}?project={project}&repo={name}"
    env_repo = f"{bitbucket_host}?project={project}&repo={name}-env"
    links = (
        "Landing zone completed.\nrepository: ${{ steps.publish.output.remoteUrl }}\n"
        "environment_repository: ${{ steps['publish-env'].output.remoteUrl }}\n"
        "build_pipeline: ${{ parameters.build_url }}\n"
        "promote_pipeline: ${{ parameters.promote_url }}"
    )
    steps = [
        _step(
            "ticket",
            "servicenow:now:table:createRecord",
            tableName="sc_req_item",
            requestBody="${{ parameters.ticket }}",
        ),
        _step(
            "project",
            "fetch:cookiecutter",
            url="./skeletons/${{ parameters.class }}",
            targetPath="./project",
            values=project_values,
            extensions=EXTENSIONS,
        ),
        _step(
            "environment",
            "fetch:cookiecutter",
            url="./skeletons/environment",
            targetPath="./env",
            values=env_values,
            extensions=EXTENSIONS,
        ),
        _step(
            "publish",
            "publish:bitbucketServer",
            repoUrl=repo,
            defaultBranch="main",
            description="${{ parameters.description }}",
            sourcePath=f"./project/{name}",
        ),
        _step(
            "publish-env",
            "publish:bitbucketServer",
            repoUrl=env_repo,
            defaultBranch="main",
            description=f"Environments of {name}",
            sourcePath=f"./env/{name}-env",
        ),
        _step(
            "folder",
            "jenkins:job:create",
            jobName=name,
            folderName="${{ parameters.tenant_folder }}",
            jobXml="${{ parameters.folder_xml }}",
        ),
        _step(
            "build-job",
            "jenkins:job:create",
            jobName="build",
            folderName=folder,
            jobXml="${{ parameters.build_xml }}",
        ),
        _step(
            "promote-job",
            "jenkins:job:create",
            jobName="promote",
            folderName=folder,
            jobXml="${{ parameters.promote_xml }}",
        ),
        _step("first-build", "jenkins:job:build", jobName=f"{folder}/build"),
        _step(
            "close",
            "servicenow:now:table:modifyRecord",
            tableName="sc_req_item",
            sysId="${{ steps.ticket.output.result.sys_id }}",
            requestBody={
                "work_notes": links,
                "state": "3",
                "close_notes": "Landing zone provisioned.",
            },
        ),
    ]
    return {
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": TEMPLATE, "title": "Landing zone with public actions"},
        "spec": {
            "owner": "group:default/platform",
            "type": "service",
            "parameters": [{"type": "object", "properties": {}}],
            "steps": steps,
        },
    }


@dataclasses.dataclass
class ProjectValues:
    """The render context's fields, as the class templates' cookiecutter.json names them."""

    component_name: str
    description: str
    owner: str
    owner_group: str
    system: str
    lifecycle: str
    tenant: str
    class_id: str
    repository_url: str
    clone_url: str
    environment_clone_url: str
    build_job: str
    promote_job: str
    registry: str
    image: str
    parameters: dict[str, Any]


def task_values(floor: Floor, name: str, class_id: str) -> dict[str, Any]:
    """What the service would compute for this landing zone, handed to the template."""
    plan = floor.plan(name, class_id)
    bitbucket = floor.bitbucket.url.rstrip("/")
    project_key = plan.names.repository.project

    def address(slug: str) -> RepositoryAddress:
        return RepositoryAddress(
            f"{bitbucket}/projects/{project_key}/repos/{slug}/browse",
            f"{bitbucket}/scm/{project_key.lower()}/{slug}.git",
        )

    addresses = Addresses(address(name), address(f"{name}-env"))
    context = project_context(plan, "", addresses)
    values = {k: v for k, v in dataclasses.asdict(context).items() if k != "request_number"}
    values["parameters"] = validate_parameters(floor.classes[class_id], plan.parameters)
    environments = environment_values(environment_context(plan, "", addresses))
    repo = Repository(project_key, name, addresses.project.browse_url, addresses.project.clone_url)
    env = Repository(
        project_key,
        f"{name}-env",
        addresses.environment.browse_url,
        addresses.environment.clone_url,
    )
    build, promote = plan.pipelines(repo, env)
    folder = plan.names.jenkins_folder
    jenkins_base = floor.settings.jenkins.base_url
    return {
        "name": name,
        "class": class_id,
        "description": plan.description,
        "folder": folder,
        "tenant_folder": folder.rpartition("/")[0],
        "project_values": values,
        "environment_values": {k: v for k, v in environments.items() if k != "request_number"},
        "folder_xml": folder_xml(
            f"Pipelines of {plan.name}", folder_settings(plan, plan.landing_zone_id, floor.settings)
        ),
        "build_xml": pipeline_xml(build.definition),
        "promote_xml": pipeline_xml(promote.definition),
        "build_url": f"{jenkins_base}job/{folder.replace('/', '/job/')}/job/build/",
        "promote_url": f"{jenkins_base}job/{folder.replace('/', '/job/')}/job/promote/",
        "ticket": {
            "short_description": f"Landing zone {plan.tenant}/{plan.name} ({plan.class_id})",
            "description": plan.description,
            "correlation_id": plan.landing_zone_id,
            "approval": "approved",
            "state": "1",
        },
    }


def write_template(workdir: Path, sandbox: Sandbox, templates_dir: Path) -> Path:
    """template.yaml beside a copy of the cookiecutter templates it fetches (`./skeletons`)."""
    folder = workdir / "template"
    skeletons = folder / "skeletons"
    for class_dir in templates_dir.iterdir():
        if (class_dir / "cookiecutter.json").is_file():
            # Cookiecutter renders everything fetched: the per-environment overlays, which
            # only the service's renderer repeats per environment, are left out.
            ignore = shutil.ignore_patterns("overlay") if class_dir.name == "environment" else None
            shutil.copytree(class_dir, skeletons / class_dir.name, ignore=ignore)
    host = urlsplit(sandbox.url("bitbucket")).netloc
    path = folder / "template.yaml"
    path.write_text(yaml.safe_dump(template(host, "LABS"), sort_keys=False))
    return path
