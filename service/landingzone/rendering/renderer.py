"""Render a class's project, or an environment repository, from values the service supplies.

User values are data. They are checked (`values.TEXT_RULES`, the class's parameter
schema), then handed to the templates as plain variables of a sandboxed Jinja
environment (`engine.generate`): never compiled as templates, never used as paths
without confinement checks, and escaped per output format by the templates' filters.

Public API:
    RenderContext(component_name, description, owner, owner_group, system, lifecycle,
                  tenant, class_id, repository_url, clone_url, build_job, promote_job,
                  request_number, registry, image, parameters, environment_clone_url="",
                  landing_zone_id="")
    RenderedProject(root: Path, files: list[str])      files: sorted relative POSIX paths
    render_project(project_class, context, output_dir) -> RenderedProject
        (with `.landingzone-answers.yml` at its root when the template has a VERSION)
    context_from_answers(values) -> RenderContext      the context an answers file recorded
    render_environment(context: EnvironmentContext, output_dir, templates_root=None)
        -> RenderedProject
    template_context(project_class, context) -> dict   the cookiecutter context rendered
    DEFAULT_TEMPLATES_ROOT: Path                        the certified templates (bundled_templates)
Errors: `InputError`/`ParameterError` (refused values, with (field path, message) pairs),
`RenderError` (unsafe or failed render), `TemplateError` (broken template).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landingzone.bundled_templates import certified_templates_dir
from landingzone.rendering.answers import ANSWERS_FILE, Answers, answers_text
from landingzone.rendering.classes import (
    InputError,
    ProjectClass,
    TemplateError,
    validate_parameters,
)
from landingzone.rendering.engine import Repeat, generate
from landingzone.rendering.environments import EnvironmentContext, environment_values
from landingzone.rendering.values import TEXT_RULES, check_fields

DEFAULT_TEMPLATES_ROOT = certified_templates_dir()
ENVIRONMENT_TEMPLATE = "environment"
# The environment template's folder rendered once per environment (`env` in its context).
ENVIRONMENT_OVERLAY = "overlay"


@dataclass(frozen=True)
class RenderContext:
    component_name: str
    description: str
    owner: str  # entity reference, e.g. "group:default/payments"
    owner_group: str  # e.g. "payments" (CODEOWNERS, Bitbucket group)
    system: str  # may be empty
    lifecycle: str
    tenant: str
    class_id: str
    repository_url: str  # browse URL of the project repository
    clone_url: str
    build_job: str  # Jenkins full name of the build pipeline
    promote_job: str  # Jenkins full name of the promote pipeline
    request_number: str  # ServiceNow number, e.g. RITM0010001 (may be empty)
    registry: str
    image: str  # registry/tenant/name, no tag
    parameters: Mapping[str, object] = field(default_factory=dict, hash=False)
    environment_clone_url: str = ""  # "<name>-env" repository; derived from clone_url if empty
    landing_zone_id: str = ""  # catalog-info's landingzone.io/id; empty outside the service

    def answer_values(self) -> dict[str, Any]:
        """What the answers file records: every field, parameters as a plain mapping."""
        values: dict[str, Any] = dataclasses.asdict(self)
        values["parameters"] = dict(self.parameters)
        return values

    def text_values(self) -> dict[str, str]:
        values = dataclasses.asdict(self)
        values.pop("parameters")
        return values


@dataclass(frozen=True)
class RenderedProject:
    root: Path
    files: list[str]


def context_from_answers(values: Mapping[str, Any]) -> RenderContext:
    """The render context an answers file recorded; InputError naming what is missing."""
    names = [f.name for f in dataclasses.fields(RenderContext)]
    optional = {"parameters", "environment_clone_url", "landing_zone_id"}
    missing = [name for name in names if name not in values and name not in optional]
    parameters = values.get("parameters") or {}
    errors = [(f"answers.{name}", "is missing") for name in missing]
    if not isinstance(parameters, dict):
        errors.append(("answers.parameters", "is not a mapping"))
    if errors:
        raise InputError(errors)
    text = {n: str(values[n]) for n in names if n != "parameters" and n in values}
    return RenderContext(**text, parameters=dict(parameters))


def template_context(project_class: ProjectClass, context: RenderContext) -> dict[str, Any]:
    """The cookiecutter context for a render: checked values plus the template's settings."""
    errors = check_fields(context.text_values(), TEXT_RULES)
    if context.class_id != project_class.id:
        errors.append(("class_id", f"does not match the class {project_class.id!r}"))
    parameters: dict[str, object] = {}
    try:
        parameters = validate_parameters(project_class, context.parameters)
    except InputError as error:
        errors.extend(error.errors)
    if errors:
        raise InputError(errors)
    values: dict[str, Any] = context.text_values()
    if not values["environment_clone_url"]:
        values["environment_clone_url"] = _environment_clone_url(context)
    values["parameters"] = parameters
    return _with_template_settings(project_class.template_dir, values)


def render_project(
    project_class: ProjectClass, context: RenderContext, output_dir: Path
) -> RenderedProject:
    """Render the class's template into `output_dir/<component_name>`."""
    prepared = template_context(project_class, context)
    root = generate(project_class.template_dir, prepared, Path(output_dir))
    if project_class.version:
        recorded = Answers(project_class.id, project_class.version, context.answer_values())
        (root / ANSWERS_FILE).write_text(answers_text(recorded), encoding="utf-8")
    return RenderedProject(root=root, files=_files(root))


def render_environment(
    context: EnvironmentContext, output_dir: Path, templates_root: Path | None = None
) -> RenderedProject:
    """Render the environment repository into `output_dir/<component_name>-env`.

    Shared files come from the template's project folder; each environment's overlay (and
    its scope provenance) from its `overlay` folder, rendered once per environment in the
    platform's order.
    """
    template_dir = (templates_root or DEFAULT_TEMPLATES_ROOT) / ENVIRONMENT_TEMPLATE
    values = environment_values(context)
    prepared = _with_template_settings(template_dir, values)
    per_environment = [{"env": env} for env in values["environments"].values()]
    overlays = Repeat(ENVIRONMENT_OVERLAY, per_environment)
    root = generate(template_dir, prepared, Path(output_dir), [overlays])
    return RenderedProject(root=root, files=_files(root))


def _with_template_settings(template_dir: Path, values: dict[str, Any]) -> dict[str, Any]:
    declared = _declared_variables(template_dir)
    missing = sorted(k for k in declared if not k.startswith("_") and k not in values)
    if missing:
        raise TemplateError(f"{template_dir.name}: variables nobody supplies: {missing}")
    settings = {k: v for k, v in declared.items() if k.startswith("_")}
    return {"cookiecutter": {**settings, **values}}


def _declared_variables(template_dir: Path) -> dict[str, Any]:
    path = template_dir / "cookiecutter.json"
    try:
        declared = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TemplateError(f"{path}: {error}") from error
    if not isinstance(declared, dict):
        raise TemplateError(f"{path}: expected an object")
    return declared


def _environment_clone_url(context: RenderContext) -> str:
    suffix = f"{context.component_name}.git"
    if context.clone_url.endswith(suffix):
        return context.clone_url.removesuffix(suffix) + f"{context.component_name}-env.git"
    return ""


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
