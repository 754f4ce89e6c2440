"""The class catalogue: one certified template per class, parameters declared once."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from landingzone.rendering import ParameterError, ProjectClass, load_classes, validate_parameters
from landingzone.rendering.classes import TemplateError
from tests.rendering.conftest import CLASS_IDS


def test_every_class_has_a_template_and_the_environment_template_is_not_a_class(
    classes: dict[str, ProjectClass],
) -> None:
    assert sorted(classes) == sorted(CLASS_IDS)
    for class_id, project_class in classes.items():
        assert project_class.id == class_id
        assert project_class.title and project_class.description
        assert (project_class.template_dir / "cookiecutter.json").is_file()


def test_parameter_schemas_are_closed_draft_2020_12_schemas_with_titles_and_defaults(
    classes: dict[str, ProjectClass],
) -> None:
    for project_class in classes.values():
        schema = project_class.parameters_schema
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["additionalProperties"] is False
        assert schema["properties"], project_class.id
        for name, spec in schema["properties"].items():
            assert spec["title"] and spec["description"], f"{project_class.id}.{name}"
            assert "default" in spec, f"{project_class.id}.{name}"
    java = classes["java"].parameters_schema["properties"]
    assert java["javaVersion"]["enum"] == [17, 21]
    assert "pattern" in java["groupId"]
    assert "nodeVersion" in classes["web"].parameters_schema["properties"]
    assert "pythonVersion" in classes["backend"].parameters_schema["properties"]
    assert "targetFramework" in classes["dotnet"].parameters_schema["properties"]
    assert "platforms" in classes["mobile"].parameters_schema["properties"]


def test_defaults_fill_in_what_the_caller_left_out(classes: dict[str, ProjectClass]) -> None:
    assert validate_parameters(classes["java"], {"javaVersion": 17}) == {
        "javaVersion": 17,
        "groupId": "com.example",
    }
    assert validate_parameters(classes["mobile"], {})["platforms"] == ["android", "ios"]


def test_every_invalid_value_is_reported_with_its_field_path(
    classes: dict[str, ProjectClass],
) -> None:
    with pytest.raises(ParameterError) as caught:
        validate_parameters(
            classes["java"], {"javaVersion": 18, "groupId": "Com..Example", "colour": "red"}
        )
    paths = dict(caught.value.errors)
    assert set(paths) == {"parameters.javaVersion", "parameters.groupId", "parameters.colour"}
    assert "17, 21" in paths["parameters.javaVersion"]
    assert "pattern" in paths["parameters.groupId"]
    assert "not a parameter" in paths["parameters.colour"]


def test_array_items_are_checked_one_by_one(classes: dict[str, ProjectClass]) -> None:
    with pytest.raises(ParameterError) as caught:
        validate_parameters(classes["mobile"], {"platforms": ["android", "windows"]})
    assert [path for path, _ in caught.value.errors] == ["parameters.platforms.1"]
    with pytest.raises(ParameterError):
        validate_parameters(classes["mobile"], {"platforms": []})


def test_error_messages_do_not_echo_hostile_values(classes: dict[str, ProjectClass]) -> None:
    payload = "{{ cycler.__init__.__globals__ }}" * 3
    with pytest.raises(ParameterError) as caught:
        validate_parameters(classes["backend"], {"apiPrefix": payload, "pythonVersion": payload})
    assert payload not in str(caught.value)
    assert {path for path, _ in caught.value.errors} == {
        "parameters.apiPrefix",
        "parameters.pythonVersion",
    }


def test_a_parameter_declaration_without_title_is_a_template_error(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "cookiecutter.json").write_text("{}")
    (folder / "parameters.yaml").write_text("parameters:\n  x:\n    type: string\n")
    with pytest.raises(TemplateError, match="title"):
        load_classes(tmp_path)
