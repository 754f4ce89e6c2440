"""Pure planning: validate a request against the platform and derive every name it will use.

Nothing here talks to the outside world, so the API, the preview and the workflow share it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from landingzone.integrations.base import Repository
from landingzone.integrations.pipelines import PipelineDefinition, PipelineParameter
from landingzone.landing_zone.models import DerivedNames, LandingZoneRequest, RepositoryName
from landingzone.platform_config import PlatformConfig
from landingzone.rendering.classes import ParameterError, ProjectClass, validate_parameters
from landingzone.rendering.values import TEXT_RULES, check_fields


class RequestRejected(Exception):
    """The request cannot be accepted; each problem names its field."""

    def __init__(self, problems: list[tuple[tuple[str, ...], str]], kind: str = "value_error"):
        super().__init__("; ".join(f"{'.'.join(loc)}: {msg}" for loc, msg in problems))
        self.problems = problems
        self.kind = kind


@dataclass(frozen=True)
class PipelineJob:
    """A Jenkins job of the landing zone: its full name and what it runs."""

    full_name: str
    definition: PipelineDefinition


@dataclass(frozen=True)
class Plan:
    """Everything the workflow needs, derived once in the plan stage."""

    landing_zone_id: str
    name: str
    class_id: str
    tenant: str
    description: str
    owner_ref: str
    owner_group: str
    system: str
    requester_name: str
    requester_email: str
    parameters: dict[str, Any]
    names: DerivedNames
    approval_required: bool
    approval_group: str | None
    owner_permission: str
    registry: str
    lifecycle: str
    default_branch: str
    credentials_id: str
    branch_restrictions: tuple[str, ...]
    failure_policy: str
    environments: tuple[str, ...]  # each gets a folder in the environment repository
    environment_scopes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    requester_ref: str | None = None  # user:default/jane.doe, for Backstage notifications
    catalog_item: str | None = None  # the ServiceNow catalog item ordered for it

    @property
    def image(self) -> str:
        return f"{self.registry}/{self.tenant}/{self.name}"

    def pipelines(
        self, project: Repository, environments: Repository
    ) -> tuple[PipelineJob, PipelineJob]:
        """The build and the promote job, building `project` as the repository host serves it."""
        build = PipelineDefinition(
            clone_url=project.clone_url,
            credentials_id=self.credentials_id,
            branch=self.default_branch,
            script_path="Jenkinsfile",
            description=f"Builds, tests and publishes {self.image}",
        )
        targets = ", ".join(self.environments)
        promote = replace(
            build,
            script_path="Jenkinsfile.promote",
            description=f"Promotes {self.image} to {targets} ({environments.browse_url})",
            parameters=(
                PipelineParameter("VERSION", "Image version to promote"),
                PipelineParameter(
                    "TARGET_ENVIRONMENT", "Where to deploy", choices=self.environments
                ),
            ),
        )
        return (
            PipelineJob(self.names.build_job, build),
            PipelineJob(self.names.promote_job, promote),
        )


def request_hash(payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def derive_names(request: LandingZoneRequest, platform: PlatformConfig) -> DerivedNames:
    tenant = platform.tenants[request.tenant]
    folder = f"{tenant.jenkins_folder}/{request.name}"
    return DerivedNames(
        repository=RepositoryName(project=tenant.bitbucket_project, slug=request.name),
        environment_repository=RepositoryName(
            project=tenant.bitbucket_project, slug=f"{request.name}-env"
        ),
        jenkins_folder=folder,
        build_job=f"{folder}/build",
        promote_job=f"{folder}/promote",
    )


def check_request(
    request: LandingZoneRequest, platform: PlatformConfig, classes: Mapping[str, ProjectClass]
) -> dict[str, Any]:
    """Return the class parameters with defaults applied, or raise RequestRejected."""
    problems: list[tuple[tuple[str, ...], str]] = []
    if request.tenant not in platform.tenants:
        known = ", ".join(sorted(platform.tenants))
        problems.append((("body", "tenant"), f"unknown tenant; expected one of: {known}"))
    project_class = classes.get(request.class_)
    if project_class is None:
        known = ", ".join(sorted(classes))
        problems.append((("body", "class"), f"unknown class; expected one of: {known}"))
    texts = {
        "description": request.description,
        "owner": request.owner_ref,
        "system": request.system or "",
    }
    problems.extend(
        (("body", path), message)
        for path, message in check_fields(texts, {k: TEXT_RULES[k] for k in texts})
    )
    if len(request.name) + len("-env") > 63:
        problems.append((("body", "name"), "too long to leave room for the '-env' repository"))
    parameters: dict[str, Any] = {}
    if project_class is not None:
        try:
            parameters = validate_parameters(project_class, request.parameters)
        except ParameterError as error:
            problems.extend((("body", *path.split(".")), message) for path, message in error.errors)
    if problems:
        raise RequestRejected(problems)
    return parameters


def make_plan(
    landing_zone_id: str,
    request: LandingZoneRequest,
    platform: PlatformConfig,
    classes: Mapping[str, ProjectClass],
) -> Plan:
    parameters = check_request(request, platform, classes)
    tenant = platform.tenants[request.tenant]
    defaults = platform.global_
    return Plan(
        landing_zone_id=landing_zone_id,
        name=request.name,
        class_id=request.class_,
        tenant=request.tenant,
        description=request.description,
        owner_ref=request.owner_ref,
        owner_group=request.owner_group,
        system=request.system or "",
        requester_name=request.requester.name,
        requester_email=str(request.requester.email),
        requester_ref=request.on_behalf_of,
        parameters=parameters,
        names=derive_names(request, platform),
        approval_required=tenant.approval == "required",
        approval_group=tenant.approval_group,
        catalog_item=platform.catalog_item(request.tenant),
        owner_permission=tenant.owner_permission,
        registry=defaults.registry,
        lifecycle=defaults.lifecycle,
        default_branch=defaults.default_branch,
        credentials_id=defaults.jenkins_credentials_id,
        branch_restrictions=tuple(defaults.branch_restrictions),
        failure_policy=defaults.failure_policy,
        environment_scopes=platform.environment_scopes(request.tenant, request.name),
        environments=platform.environment_names,
    )
