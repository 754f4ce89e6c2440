"""Certified project templates rendered safely: user values are data, never templates.

Public API (see each module's docstring for details):

    classes:       ProjectClass, load_classes(templates_root) -> dict[str, ProjectClass],
                   validate_parameters(project_class, values) -> dict[str, object]
    renderer:      RenderContext, RenderedProject(root, files),
                   render_project(project_class, context, output_dir) -> RenderedProject,
                   render_environment(context, output_dir, templates_root=None)
    environments:  resolve_environments(scopes, component_name, tenant)
                   -> list[ResolvedEnvironment], EnvironmentContext, ScopedValue
    cli:           add_render_parser(subparsers), run_render(args) -> int,
                   render_command(argv) -> int
    errors:        InputError (ParameterError, EnvironmentConfigError) carry `errors`, a
                   list of (field path, message); RenderError; TemplateError
"""

from landingzone.rendering.classes import (
    InputError,
    ParameterError,
    ProjectClass,
    TemplateError,
    load_classes,
    validate_parameters,
)
from landingzone.rendering.engine import RenderError
from landingzone.rendering.environments import (
    EnvironmentConfigError,
    EnvironmentContext,
    ResolvedEnvironment,
    ScopedValue,
    resolve_environments,
)
from landingzone.rendering.renderer import (
    DEFAULT_TEMPLATES_ROOT,
    RenderContext,
    RenderedProject,
    render_environment,
    render_project,
)

__all__ = [
    "DEFAULT_TEMPLATES_ROOT",
    "EnvironmentConfigError",
    "EnvironmentContext",
    "InputError",
    "ParameterError",
    "ProjectClass",
    "RenderContext",
    "RenderError",
    "RenderedProject",
    "ResolvedEnvironment",
    "ScopedValue",
    "TemplateError",
    "load_classes",
    "render_environment",
    "render_project",
    "resolve_environments",
    "validate_parameters",
]
