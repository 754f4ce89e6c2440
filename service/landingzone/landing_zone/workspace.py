"""Turn a plan into render contexts and render the project and environment repositories."""

from __future__ import annotations

from pathlib import Path

from landingzone.landing_zone import runtime
from landingzone.landing_zone.service import Plan
from landingzone.rendering.environments import resolve_environments
from landingzone.rendering.renderer import (
    EnvironmentContext,
    RenderContext,
    RenderedProject,
)
from landingzone.rendering.renderer import render_environment as _render_environment
from landingzone.rendering.renderer import render_project as _render_project


def project_context(plan: Plan, request_number: str) -> RenderContext:
    settings = runtime.current().configuration.settings
    repo = plan.names.repository
    browse = f"{settings.bitbucket_url}/projects/{repo.project}/repos/{repo.slug}/browse"
    clone = f"{settings.bitbucket_url}/scm/{repo.project.lower()}/{repo.slug}.git"
    return RenderContext(
        component_name=plan.name,
        description=plan.description,
        owner=plan.owner_ref,
        owner_group=plan.owner_group,
        system=plan.system,
        lifecycle=plan.lifecycle,
        tenant=plan.tenant,
        class_id=plan.class_id,
        repository_url=browse,
        clone_url=clone,
        build_job=plan.names.build_job,
        promote_job=plan.names.promote_job,
        request_number=request_number,
        registry=plan.registry,
        image=plan.image,
        parameters=dict(plan.parameters),
    )


def environment_context(plan: Plan) -> EnvironmentContext:
    return EnvironmentContext(
        component_name=plan.name,
        tenant=plan.tenant,
        owner_group=plan.owner_group,
        registry=plan.registry,
        image=plan.image,
        environments=resolve_environments(plan.environment_scopes, plan.name, plan.tenant),
    )


def render_project(plan: Plan, request_number: str, output_dir: Path) -> RenderedProject:
    project_class = runtime.current().classes[plan.class_id]
    return _render_project(project_class, project_context(plan, request_number), output_dir)


def render_environment(plan: Plan, output_dir: Path) -> RenderedProject:
    return _render_environment(environment_context(plan), output_dir)
