"""Render the project and environment repositories once per run, into this replica's scratch area.

The render stage renders both trees; the pushes take them from disk. Only a small summary
(`Rendered`) goes through the workflow database. A push that finds no tree (after a crash, or
on another replica) renders it again from the same inputs, which gives the same files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from landingzone.integrations.base import PermanentError, RepositoryAddress
from landingzone.landing_zone import runtime
from landingzone.landing_zone.progress import Run
from landingzone.landing_zone.service import Plan
from landingzone.rendering.classes import InputError, TemplateError
from landingzone.rendering.engine import RenderError
from landingzone.rendering.environments import EnvironmentContext, resolve_environments
from landingzone.rendering.renderer import RenderContext, RenderedProject
from landingzone.rendering.renderer import render_environment as _render_environment
from landingzone.rendering.renderer import render_project as _render_project

PROJECT = "project"
ENVIRONMENT = "environment"


@dataclass(frozen=True)
class Addresses:
    """Where the repository host serves the project and the environment repository."""

    project: RepositoryAddress
    environment: RepositoryAddress


@dataclass(frozen=True)
class Rendered:
    """What the render stage made: enough to find the trees, or to render them again."""

    request_number: str
    addresses: Addresses
    files: int  # in the project tree


def project_context(plan: Plan, request_number: str, addresses: Addresses) -> RenderContext:
    return RenderContext(
        component_name=plan.name,
        description=plan.description,
        owner=plan.owner_ref,
        owner_group=plan.owner_group,
        system=plan.system,
        lifecycle=plan.lifecycle,
        tenant=plan.tenant,
        class_id=plan.class_id,
        repository_url=addresses.project.browse_url,
        clone_url=addresses.project.clone_url,
        environment_clone_url=addresses.environment.clone_url,
        build_job=plan.names.build_job,
        promote_job=plan.names.promote_job,
        request_number=request_number,
        registry=plan.registry,
        image=plan.image,
        parameters=dict(plan.parameters),
        landing_zone_id=plan.landing_zone_id,
    )


def environment_context(
    plan: Plan, request_number: str, addresses: Addresses
) -> EnvironmentContext:
    return EnvironmentContext(
        component_name=plan.name,
        tenant=plan.tenant,
        owner=plan.owner_ref,
        owner_group=plan.owner_group,
        image=plan.image,
        repository_url=addresses.project.browse_url,
        promote_job=plan.names.promote_job,
        request_number=request_number,
        environments=resolve_environments(plan.environment_scopes, plan.name, plan.tenant),
    )


def render_project(
    plan: Plan, request_number: str, addresses: Addresses, output_dir: Path
) -> RenderedProject:
    project_class = runtime.current().classes[plan.class_id]
    context = project_context(plan, request_number, addresses)
    with _as_permanent():
        return _render_project(project_class, context, output_dir)


def render_environment(
    plan: Plan, request_number: str, addresses: Addresses, output_dir: Path
) -> RenderedProject:
    templates = runtime.current().configuration.settings.templates_dir
    with _as_permanent():
        context = environment_context(plan, request_number, addresses)
        return _render_environment(context, output_dir, templates)


def render_run(run: Run, plan: Plan, request_number: str, addresses: Addresses) -> Rendered:
    """Render both trees of `run` afresh."""
    discard(run)
    rendered = Rendered(request_number, addresses, files=0)
    try:
        project = _tree(run, plan, rendered, PROJECT)
        _tree(run, plan, rendered, ENVIRONMENT)
    except BaseException:
        discard(run)
        raise
    return Rendered(request_number, addresses, files=project.files)


def tree(run: Run, plan: Plan, rendered: Rendered, kind: str) -> Path:
    """The root of the rendered `kind` tree of `run`, rendered again if this replica lacks it."""
    return _tree(run, plan, rendered, kind).root


def discard(run: Run) -> None:
    """The run's trees are no longer needed: what they held has been pushed, or never will be."""
    shutil.rmtree(_run_dir(run), ignore_errors=True)


@dataclass(frozen=True)
class _Tree:
    root: Path
    files: int


def _tree(run: Run, plan: Plan, rendered: Rendered, kind: str) -> _Tree:
    home = _run_dir(run)
    target = home / kind
    if not target.is_dir():
        home.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=home))
        render = render_project if kind == PROJECT else render_environment
        try:
            render(plan, rendered.request_number, rendered.addresses, staging)
            try:
                os.rename(staging, target)  # whole or not at all, even if the process dies
            except OSError:
                if not target.is_dir():  # else another call of this run got there first
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    roots = [entry for entry in target.iterdir() if entry.is_dir()]
    if len(roots) != 1:
        raise RuntimeError(f"{target} holds {len(roots)} rendered trees instead of one")
    return _Tree(roots[0], sum(1 for entry in roots[0].rglob("*") if entry.is_file()))


def _run_dir(run: Run) -> Path:
    return scratch_root() / f"{run.landing_zone_id}.run-{run.number}"


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
