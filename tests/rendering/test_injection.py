"""Hostile values in every free-text field: never executed, never a path, literal or refused."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path

import pytest
import yaml
from lxml import etree

from landingzone.rendering import InputError, ProjectClass, RenderContext, render_project
from tests.rendering.conftest import CLASS_IDS, make_context

MARKER_DIR = Path("/tmp/landingzone-injection-markers")
MARKER = MARKER_DIR / "executed"
_SHELL = f"touch {MARKER}"

PAYLOADS = [
    "{{ 7*191 }}",
    "{{ cycler.__init__.__globals__.os.popen('" + _SHELL + "').read() }}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.system('"
    + _SHELL
    + "') }}",
    "{{ lipsum.__globals__['os'].popen('" + _SHELL + "').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ config.items() }}{{ request }}",
    "{% for x in range(10**9) %}x{% endfor %}",
    "{% import os %}{{ os.system('" + _SHELL + "') }}",
    "{% include '/etc/passwd' %}",
    "{% set x = cookiecutter.__class__ %}{{ x }}",
    "{# unterminated comment",
    "{{ unterminated",
    "{%raw%}{{ 7*191 }}{%endraw%}",
    "${{ 7*191 }} #{7*191} <%= 7*191 %> ${7*191}",
    "../../../../../../tmp/landingzone-injection-markers/escaped",
    "/etc/passwd",
    "..\\..\\windows\\system32",
    "$(" + _SHELL + ") `" + _SHELL + "` ; " + _SHELL + " && " + _SHELL + " | sh",
    "'; " + _SHELL + "; echo '",
    '"; ' + _SHELL + '; echo "',
    "line one\r\nannotations:\r\n  evil: true",
    "nul\x00byte",
    "bell\x07 escape\x1b[31m red",
    "right-to-left \u202e override",
    "</description><evil/><description>",
    "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;",
    '"description": "forged", "x": "',
    "key: value\n---\nkind: Secret",
    "A" * 5000,
    "🚀" * 300,
]
TEXT_FIELDS = [
    f.name for f in dataclasses.fields(RenderContext) if f.name not in ("parameters", "class_id")
]
# What an evaluated payload would print; no payload holds these strings itself.
EVIDENCE = ("1337", "root:x:0:0", "<class 'object'>", "<Context {", "dict_items(")


def _literal_in_outputs(project: Path, class_id: str, context: RenderContext) -> None:
    """The description reads back exactly from every structured file that carries it."""
    entity = yaml.safe_load((project / "catalog-info.yaml").read_text(encoding="utf-8"))
    assert entity["metadata"]["description"] == context.description
    assert entity["metadata"]["name"] == context.component_name
    if class_id == "java":
        pom = etree.parse(str(project / "pom.xml"), etree.XMLParser(resolve_entities=False))
        ns = {"m": "http://maven.apache.org/POM/4.0.0"}
        assert pom.getroot().findtext("m:description", namespaces=ns) == context.description
    elif class_id == "dotnet":
        csproj = etree.parse(str(next(project.glob("src/*/*.csproj"))))
        assert csproj.getroot().findtext(".//Description") == context.description
    elif class_id in ("web", "mobile"):
        package = json.loads((project / "package.json").read_text(encoding="utf-8"))
        assert package["description"] == context.description
    else:
        pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        assert pyproject["project"]["description"] == context.description


@pytest.fixture(autouse=True)
def _no_marker() -> None:
    MARKER_DIR.mkdir(exist_ok=True)
    MARKER.unlink(missing_ok=True)


@pytest.mark.parametrize("class_id", CLASS_IDS)
def test_payloads_in_every_field_are_rendered_literally_or_refused(
    classes: dict[str, ProjectClass], tmp_path: Path, class_id: str
) -> None:
    assert len(PAYLOADS) >= 20
    assert not any(evidence in payload for evidence in EVIDENCE for payload in PAYLOADS)
    outside_before = sorted(p.name for p in MARKER_DIR.iterdir())
    workspace = tmp_path / "workspace"
    outcomes: dict[str, set[str]] = {field: set() for field in TEXT_FIELDS}
    for index, payload in enumerate(PAYLOADS):
        for field in TEXT_FIELDS:
            context = dataclasses.replace(make_context(class_id), **{field: payload})  # type: ignore[arg-type]
            output = workspace / f"{index}-{field}"
            try:
                project = render_project(classes[class_id], context, output)
            except InputError as error:
                assert [path for path, _ in error.errors] == [field]
                assert payload not in str(error)
                assert not output.exists() or not any(output.iterdir())
                outcomes[field].add("refused")
                continue
            outcomes[field].add("rendered")
            assert project.root == output / context.component_name
            assert sorted(p.name for p in output.iterdir()) == [context.component_name]
            _literal_in_outputs(project.root, class_id, context)
            for name in project.files:
                text = (project.root / name).read_text(encoding="utf-8")
                assert not any(evidence in text for evidence in EVIDENCE), (field, name)
    assert not MARKER.exists(), "a payload was executed"
    assert sorted(p.name for p in MARKER_DIR.iterdir()) == outside_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["workspace"]
    # Free text is kept (literally); identifiers, URLs and names refuse what they cannot be.
    assert "rendered" in outcomes["description"]
    assert all(outcomes[field] == {"refused"} for field in ("component_name", "tenant", "image"))


def test_hostile_class_parameters_are_refused_by_the_schema(
    classes: dict[str, ProjectClass], tmp_path: Path
) -> None:
    hostile = {
        "java": {"groupId": "com.example;{{ 7*191 }}"},
        "web": {"basePath": "/../../etc/"},
        "backend": {"apiPrefix": "/api\"); import os; os.system('id'); (\""},
        "dotnet": {"targetFramework": "net8.0</TargetFramework><Evil/>"},
        "mobile": {"platforms": ["android; rm -rf /"]},
    }
    for class_id, parameters in hostile.items():
        context = make_context(class_id, parameters=parameters)
        with pytest.raises(InputError) as caught:
            render_project(classes[class_id], context, tmp_path / class_id)
        assert all(path.startswith("parameters.") for path, _ in caught.value.errors)
        assert not (tmp_path / class_id).exists() or not any((tmp_path / class_id).iterdir())


def test_a_name_that_is_a_path_never_leaves_the_workspace(
    classes: dict[str, ProjectClass], tmp_path: Path
) -> None:
    for name in ("../escaped", "/tmp/escaped", "a/../../escaped", "..", "x\x00y", "CON"):
        with pytest.raises(InputError):
            render_project(classes["backend"], make_context("backend", component_name=name),
                           tmp_path / "workspace")  # fmt: skip
    assert not (tmp_path / "escaped").exists()
    assert not Path("/tmp/escaped").exists()
