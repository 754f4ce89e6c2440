"""`landingzone render`: render a class's project locally with the service's renderer.

    landingzone render --class java --set component_name=payments-api \\
        --set description="Pays things" --set javaVersion=17 --out ./out

`--set KEY=VALUE` sets a `RenderContext` field or a class parameter (`KEY` or
`parameters.KEY`); parameter values are converted to the type the class declares
(integer, number, boolean, or a comma-separated array). Only `component_name` is
required: the other fields get preview values derived from it, `tenant` and
`owner_group`. Values are checked exactly as in the service; refused values are listed
one per line as `field: message` and the exit code is 2.

Public API:
    add_render_parser(subparsers) -> argparse.ArgumentParser   registers `render`
    run_render(args: argparse.Namespace) -> int                runs a parsed command
    render_command(argv: Sequence[str] | None) -> int          parse and run
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from landingzone.rendering.classes import InputError, ProjectClass, TemplateError, load_classes
from landingzone.rendering.engine import RenderError
from landingzone.rendering.renderer import DEFAULT_TEMPLATES_ROOT, RenderContext, render_project

_CONTEXT_FIELDS = {f.name for f in dataclasses.fields(RenderContext)} - {"parameters", "class_id"}


def add_render_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "render", help="render a project from a class's template", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    _add_arguments(parser)
    parser.set_defaults(handler=run_render)
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--class", dest="class_id", required=True, help="class id, e.g. java")
    parser.add_argument(
        "--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
        help="a context field or class parameter (repeatable)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--templates", type=Path, default=DEFAULT_TEMPLATES_ROOT, help="templates folder"
    )


def run_render(args: argparse.Namespace) -> int:
    try:
        classes = load_classes(args.templates)
        project_class = classes.get(args.class_id)
        if project_class is None:
            print(f"unknown class {args.class_id!r}; known: {', '.join(sorted(classes))}",
                  file=sys.stderr)  # fmt: skip
            return 2
        context = build_context(project_class, _parse_assignments(args.assignments))
        rendered = render_project(project_class, context, args.out)
    except InputError as error:
        for path, message in error.errors:
            print(f"{path}: {message}", file=sys.stderr)
        return 2
    except (RenderError, TemplateError) as error:
        print(f"render failed: {error}", file=sys.stderr)
        return 1
    print(rendered.root)
    for name in rendered.files:
        print(f"  {name}")
    return 0


def render_command(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="landingzone render",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_arguments(parser)
    return run_render(parser.parse_args(argv))


def _parse_assignments(assignments: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    for assignment in assignments:
        key, separator, value = assignment.partition("=")
        if not separator or not key:
            errors.append(("--set", "expects KEY=VALUE"))
        else:
            values[key.strip()] = value
    if errors:
        raise InputError(errors)
    return values


def build_context(project_class: ProjectClass, values: Mapping[str, str]) -> RenderContext:
    """A RenderContext from `--set` values, with preview defaults for unset fields."""
    properties: dict[str, Any] = project_class.parameters_schema.get("properties", {})
    fields: dict[str, str] = {}
    parameters: dict[str, object] = {}
    errors: list[tuple[str, str]] = []
    for key, raw in values.items():
        name = key.removeprefix("parameters.")
        if key in _CONTEXT_FIELDS:
            fields[key] = raw
        elif name in properties:
            parameters[name] = _convert(properties[name], raw)
        else:
            errors.append((key, "is neither a context field nor a parameter of this class"))
    if "component_name" not in fields:
        errors.append(("component_name", "is required (--set component_name=...)"))
    if errors:
        raise InputError(errors)
    return RenderContext(
        **_preview_defaults(fields), class_id=project_class.id, parameters=parameters
    )


def _preview_defaults(fields: Mapping[str, str]) -> dict[str, str]:
    name = fields["component_name"]
    tenant = fields.get("tenant", "demo")
    group = fields.get("owner_group", "platform")
    registry = fields.get("registry", "nexus.example.com:8443")
    host = "https://bitbucket.example.com"
    defaults = {
        "description": "",
        "owner": f"group:default/{group}",
        "owner_group": group,
        "system": "",
        "lifecycle": "experimental",
        "tenant": tenant,
        "repository_url": f"{host}/projects/{tenant.upper()}/repos/{name}/browse",
        "clone_url": f"{host}/scm/{tenant}/{name}.git",
        "build_job": f"{tenant}/{name}/build",
        "promote_job": f"{tenant}/{name}/promote",
        "request_number": "",
        "registry": registry,
        "image": f"{registry}/{tenant}/{name}",
    }
    return {**defaults, **fields}


def _convert(spec: Mapping[str, Any], raw: str) -> object:
    kind = spec.get("type")
    if kind == "array":
        item_spec = spec.get("items", {})
        return [_convert(item_spec, item.strip()) for item in raw.split(",") if item.strip()]
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw  # the schema check reports the type error
    if kind == "boolean" and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    return raw


if __name__ == "__main__":
    sys.exit(render_command())
