"""Turn a plan into render contexts and render the project and environment repositories."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from landingzone.integrations.base import PermanentError
from landingzone.landing_zone import runtime
from landingzone.landing_zone.service import Plan
from landingzone.rendering.classes import InputError, TemplateError
from landingzone.rendering.engine import RenderError
from landingzone.rendering.environments import EnvironmentContext, resolve_environments
from landingzone.rendering.renderer import RenderContext, RenderedProject
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


def environment_context(plan: Plan, request_number: str) -> EnvironmentContext:
    project = project_context(plan, request_number)
    return EnvironmentContext(
        component_name=plan.name,
        tenant=plan.tenant,
        owner=plan.owner_ref,
        owner_group=plan.owner_group,
        image=plan.image,
        repository_url=project.repository_url,
        promote_job=plan.names.promote_job,
        request_number=request_number,
        environments=resolve_environments(plan.environment_scopes, plan.name, plan.tenant),
    )


def render_project(plan: Plan, request_number: str, output_dir: Path) -> RenderedProject:
    project_class = runtime.current().classes[plan.class_id]
    with _as_permanent():
        return _render_project(project_class, project_context(plan, request_number), output_dir)


def render_environment(plan: Plan, request_number: str, output_dir: Path) -> RenderedProject:
    with _as_permanent():
        settings = runtime.current().configuration.settings
        return _render_environment(
            environment_context(plan, request_number), output_dir, settings.templates_dir
        )


def scratch_root() -> Path:
    """This replica's own scratch area, so a replica's start-up never touches another's."""
    settings = runtime.current().configuration.settings
    return settings.workspace_dir / settings.executor_id


@contextmanager
def scratch(purpose: str) -> Iterator[Path]:
    """A private folder under LZ_WORKSPACE_DIR for one render, removed afterwards."""
    root = scratch_root()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{purpose}-", dir=root) as folder:
        yield Path(folder)


def clear_scratch(root: Path) -> int:
    """Remove what a crash left in a replica's scratch area; returns how many entries."""
    if not root.is_dir():
        return 0
    leftovers = list(root.iterdir())
    for entry in leftovers:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)  # a link goes, never what it points at
    return len(leftovers)


@contextmanager
def _as_permanent() -> Iterator[None]:
    """A template that cannot render these values will not render them on a retry either."""
    try:
        yield
    except (InputError, RenderError, TemplateError) as error:
        raise PermanentError("rendering", str(error)) from None
