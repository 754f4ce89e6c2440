"""Project classes: the certified templates under `templates/` and their parameter schemas.

A class is a folder `templates/<id>/` holding `cookiecutter.json`, the project folder
`{{cookiecutter.component_name}}/` and `parameters.yaml`, the one place that declares the
class (title, description) and its parameters (title, description, type, enum, pattern,
default...). The environment-repository template (`templates/environment/`) has no
`parameters.yaml` and is not a class.

Public API:
    ProjectClass(id, title, description, template_dir, parameters_schema, version)  frozen
    load_classes(templates_root: Path) -> dict[str, ProjectClass]           cached
    read_class(folder, class_id=None) -> ProjectClass                        one folder
    validate_parameters(project_class, values: Mapping[str, object]) -> dict[str, object]
    InputError(errors: list[tuple[str, str]])    ValueError; errors are (field path, message)
    ParameterError(InputError)                   paths look like "parameters.javaVersion"
    TemplateError(Exception)                     a template folder is broken (platform bug)
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, SchemaError, ValidationError, validators

from landingzone.rendering.values import check_text

PARAMETERS_FILE = "parameters.yaml"
MAX_TEXT = 10_000  # any one string of a request's parameters
MAX_DEPTH = 16  # lists and mappings in lists and mappings
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_PARAMETER_KEYWORDS = frozenset(
    {
        "title", "description", "type", "enum", "pattern", "default", "items", "minItems",
        "maxItems", "uniqueItems", "minimum", "maximum", "minLength", "maxLength", "examples",
    }
)  # fmt: skip


class InputError(ValueError):
    """Values refused before rendering; `errors` lists (field path, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))


class ParameterError(InputError):
    """Class parameters that do not satisfy the class's schema."""


class TemplateError(Exception):
    """A template folder is malformed: a platform defect, not a user error."""


@dataclass(frozen=True)
class ProjectClass:
    id: str
    title: str
    description: str
    template_dir: Path
    parameters_schema: dict[str, Any] = field(hash=False, compare=False)
    version: str = ""  # the template's VERSION ("" for a template without one)


def load_classes(templates_root: Path) -> dict[str, ProjectClass]:
    """Every class under `templates_root`, by id. Reads the folder once per process."""
    return dict(_load_classes(templates_root.resolve()))


@functools.cache
def _load_classes(templates_root: Path) -> tuple[tuple[str, ProjectClass], ...]:
    if not templates_root.is_dir():
        raise TemplateError(f"templates folder {templates_root} does not exist")
    found: list[tuple[str, ProjectClass]] = []
    for folder in sorted(templates_root.iterdir()):
        if (folder / PARAMETERS_FILE).is_file():
            project_class = read_class(folder)
            found.append((project_class.id, project_class))
    return tuple(found)


def read_class(folder: Path, class_id: str | None = None) -> ProjectClass:
    """The class declared in `folder`; `class_id` when the folder is a kept version's copy."""
    declaration = yaml.safe_load((folder / PARAMETERS_FILE).read_text(encoding="utf-8"))
    if not isinstance(declaration, dict):
        raise TemplateError(f"{folder / PARAMETERS_FILE}: expected a mapping")
    if not (folder / "cookiecutter.json").is_file():
        raise TemplateError(f"{folder}: cookiecutter.json is missing")
    expected = class_id or folder.name
    declared = declaration.get("id", expected)
    if declared != expected:
        raise TemplateError(f"{folder}: id {declared!r} differs from {expected!r}")
    schema = build_schema(folder, declaration)
    return ProjectClass(
        id=expected,
        title=str(declaration.get("title", expected)),
        description=str(declaration.get("description", "")),
        template_dir=folder,
        parameters_schema=schema,
        version=_version_of(folder),
    )


def _version_of(folder: Path) -> str:
    path = folder / "VERSION"
    return path.read_text(encoding="utf-8").strip() if path.is_file() else ""


def build_schema(folder: Path, declaration: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a class's parameters, from its declaration."""
    parameters = declaration.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise TemplateError(f"{folder}: 'parameters' must be a mapping")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, spec in parameters.items():
        if not isinstance(spec, dict) or "title" not in spec or "type" not in spec:
            raise TemplateError(f"{folder}: parameter {name!r} needs a title and a type")
        unknown = set(spec) - _PARAMETER_KEYWORDS
        if unknown:
            raise TemplateError(f"{folder}: parameter {name!r} has unknown keys {unknown}")
        properties[name] = copy.deepcopy(spec)
        if "default" not in spec:
            required.append(name)
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": f"urn:landingzone:class:{folder.name}:parameters",
        "title": str(declaration.get("title", folder.name)),
        "description": str(declaration.get("description", "")),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        raise TemplateError(f"{folder}: invalid parameter schema: {error.message}") from error
    for name, spec in properties.items():
        if "default" in spec:
            problems = list(ParameterValidator(spec).iter_errors(spec["default"]))
            if problems:
                raise TemplateError(f"{folder}: default of {name!r}: {problems[0].message}")
    return schema


def _whole_value(
    validator: Any, pattern: str, instance: object, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    # A pattern matches the whole value: Python's `$` also matches before a final newline, so
    # `re.search("^[a-z]+$", "abc\n")` would let the newline into the project.
    if isinstance(instance, str) and re.fullmatch(pattern, instance) is None:
        yield ValidationError(f"does not match {pattern!r}")


def _exactly_one_of(
    validator: Any, allowed: list[Any], instance: object, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    # Equal as JSON text, so 21.0 is not the 21 of an enum, nor true its 1.
    given = json.dumps(instance, sort_keys=True)
    if all(json.dumps(value, sort_keys=True) != given for value in allowed):
        yield ValidationError("is not one of the allowed values")


def _integer(_: Any, instance: object) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


def _number(_: Any, instance: object) -> bool:
    return isinstance(instance, int | float) and not isinstance(instance, bool)


# Draft 2020-12 with exact JSON types (21.0 is a number, never an integer; true is neither)
# and patterns that match whole values.
ParameterValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    validators={"pattern": _whole_value, "enum": _exactly_one_of},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"integer": _integer, "number": _number}
    ),
)


def validate_parameters(
    project_class: ProjectClass, values: Mapping[str, object]
) -> dict[str, object]:
    """`values` with defaults applied, or `ParameterError` listing every problem."""
    schema = project_class.parameters_schema
    properties: dict[str, Any] = schema.get("properties", {})
    completed: dict[str, object] = {
        name: copy.deepcopy(spec["default"])
        for name, spec in properties.items()
        if "default" in spec and name not in values
    }
    completed.update(values)
    errors = list(_unsafe_text(values, "parameters"))
    validator = ParameterValidator(schema)
    for error in sorted(validator.iter_errors(completed), key=lambda e: list(e.absolute_path)):
        if error.validator == "additionalProperties":
            for extra in sorted(set(completed) - set(properties)):
                errors.append((f"parameters.{extra}", "is not a parameter of this class"))
        elif error.validator == "required":
            missing = [name for name in schema["required"] if name not in completed]
            errors.extend((f"parameters.{name}", "is required") for name in missing)
        else:
            path = ".".join(["parameters", *(str(part) for part in error.absolute_path)])
            errors.append((path, _message(error.validator, error.validator_value, error)))
    if errors:
        raise ParameterError(sorted(set(errors)))
    return completed


def _unsafe_text(value: object, path: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """Keys and strings anywhere in `value` that no output format can carry faithfully."""
    if depth > MAX_DEPTH:
        yield path, f"is nested more than {MAX_DEPTH} levels deep"
    elif isinstance(value, str):
        problem = check_text(value, multiline=True, max_length=MAX_TEXT)
        if problem is not None:
            yield path, problem
    elif isinstance(value, Mapping):
        for key, item in value.items():
            key_problem = check_text(str(key), multiline=False, max_length=MAX_TEXT)
            if key_problem is not None:
                yield f"{path}.{key}", f"the name {key_problem}"
            else:
                yield from _unsafe_text(item, f"{path}.{key}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unsafe_text(item, f"{path}.{index}", depth + 1)


def _message(keyword: object, expected: object, error: Any) -> str:
    """A message that names the rule without echoing the (possibly hostile) value."""
    if keyword == "enum" and isinstance(expected, list):
        return "must be one of " + ", ".join(json.dumps(v) for v in expected)
    templates = {
        "pattern": "must match the pattern {}",
        "type": "must be of type {}",
        "minLength": "must be at least {} characters long",
        "maxLength": "must be at most {} characters long",
        "minimum": "must be at least {}",
        "maximum": "must be at most {}",
        "minItems": "must have at least {} items",
        "maxItems": "must have at most {} items",
        "uniqueItems": "must not repeat items",
        "const": "must be {}",
    }
    if isinstance(keyword, str) and keyword in templates:
        return templates[keyword].format(expected)
    return str(error.message)
