"""The answers file: which template, at which version, rendered a repository, and with what.

Every rendered project carries `.landingzone-answers.yml` at its root (as Copier's
`.copier-answers.yml`): the class, the template version and the values the service rendered
it with. Template updates render the recorded version and the target version with these
answers and merge the difference; nobody edits the file by hand. Values are data: every text
is written as a quoted YAML scalar (`filters.yaml_str`), the parameters as YAML data.

Public API:
    ANSWERS_FILE
    Answers(template, version, values)       values: the render context's fields
    answers_text(answers) -> str
    read_answers(text) -> Answers            InputError when it is not an answers file
(renderer.RenderContext.answer_values() and renderer.context_from_answers(values) convert.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from landingzone.rendering.classes import InputError
from landingzone.rendering.filters import yaml_str

ANSWERS_FILE = ".landingzone-answers.yml"
HEADER = (
    "# Written by Landing Zone when it rendered this repository. Never edit it by hand:\n"
    "# template updates read the template version and the answers from here.\n"
)


@dataclass(frozen=True)
class Answers:
    template: str  # the class id
    version: str
    values: Mapping[str, Any]  # the render context's fields, in order, parameters included


def answers_text(answers: Answers) -> str:
    lines = [HEADER.rstrip("\n"), f"_template: {yaml_str(answers.template)}"]
    lines.append(f"_version: {yaml_str(answers.version)}")
    for name, value in answers.values.items():
        if name != "parameters":
            lines.append(f"{name}: {yaml_str(value)}")
    parameters = dict(answers.values.get("parameters") or {})
    if parameters:
        dumped = yaml.safe_dump(
            {"parameters": parameters},
            default_flow_style=False,
            allow_unicode=True,
            width=2**31 - 1,
        )
        lines.append(dumped.rstrip("\n"))
    else:
        lines.append("parameters: {}")
    return "\n".join(lines) + "\n"


def read_answers(text: str) -> Answers:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise InputError([(ANSWERS_FILE, "is not YAML")]) from None
    if not isinstance(data, dict):
        raise InputError([(ANSWERS_FILE, "is not a mapping")])
    template, version = data.pop("_template", None), data.pop("_version", None)
    if not isinstance(template, str) or not isinstance(version, str):
        raise InputError([(ANSWERS_FILE, "names no _template and _version")])
    return Answers(template, version, data)
