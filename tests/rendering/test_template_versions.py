"""Template versions: every class is versioned, old versions render, and every project records
the template, its version and its answers in `.landingzone-answers.yml`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from landingzone.rendering import DEFAULT_TEMPLATES_ROOT, render_project
from landingzone.rendering.answers import ANSWERS_FILE, read_answers
from landingzone.rendering.classes import InputError
from landingzone.rendering.renderer import context_from_answers
from landingzone.rendering.versions import (
    STORE_DIR,
    UnknownVersion,
    changelog,
    changes_between,
    kept_versions,
    read_version,
    template_at,
)
from tests.rendering.conftest import CLASS_IDS, EDGE_DESCRIPTION, make_context


@pytest.mark.parametrize("class_id", CLASS_IDS)
def test_every_class_has_a_version_with_a_changelog_entry_and_keeps_every_older_one(
    class_id: str,
) -> None:
    folder = DEFAULT_TEMPLATES_ROOT / class_id
    current = read_version(folder)
    logged = [entry.version for entry in changelog(folder)]
    assert logged[0] == current
    assert all(entry.text for entry in changelog(folder))
    assert kept_versions(DEFAULT_TEMPLATES_ROOT, class_id) == sorted(
        logged, key=lambda v: tuple(int(p) for p in v.split("."))
    )


@pytest.mark.parametrize("class_id", CLASS_IDS)
def test_a_rendered_project_records_template_version_and_answers(
    class_id: str, tmp_path: Path
) -> None:
    project_class = template_at(DEFAULT_TEMPLATES_ROOT, class_id, "1.0.0")
    context = make_context(class_id, description=EDGE_DESCRIPTION)
    project = render_project(project_class, context, tmp_path)

    text = (project.root / ANSWERS_FILE).read_text(encoding="utf-8")
    assert text.startswith("# Written by Landing Zone")
    assert "never edit it by hand" in text.lower()
    answers = read_answers(text)
    assert (answers.template, answers.version) == (class_id, "1.0.0")
    assert yaml.safe_load(text)["description"] == EDGE_DESCRIPTION  # data, not markup
    assert context_from_answers(answers.values) == context
    assert ANSWERS_FILE in project.files


def _release(root: Path, class_id: str, version: str) -> Path:
    """What the platform team does to release: keep the current version, then change it."""
    folder = root / class_id
    kept = root / STORE_DIR / class_id / read_version(folder)
    shutil.copytree(folder, kept)
    (folder / "VERSION").write_text(f"{version}\n", encoding="utf-8")
    log = (folder / "CHANGELOG.md").read_text(encoding="utf-8")
    head, _, rest = log.partition("## ")
    entry = f"## {version}\n\n- Dockerfile: a newer base image.\n\n## "
    (folder / "CHANGELOG.md").write_text(head + entry + rest, encoding="utf-8")
    return folder


def test_old_and_new_versions_render_side_by_side(tmp_path: Path) -> None:
    root = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_ROOT, root)
    folder = _release(root, "backend", "1.1.0")
    readme = folder / "{{cookiecutter.component_name}}" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nReleased later.\n", "utf-8")
    context = make_context("backend")

    old = render_project(template_at(root, "backend", "1.0.0"), context, tmp_path / "old")
    new = render_project(template_at(root, "backend", "1.1.0"), context, tmp_path / "new")

    assert "Released later." not in (old.root / "README.md").read_text(encoding="utf-8")
    assert "Released later." in (new.root / "README.md").read_text(encoding="utf-8")
    assert read_answers((old.root / ANSWERS_FILE).read_text("utf-8")).version == "1.0.0"
    assert read_answers((new.root / ANSWERS_FILE).read_text("utf-8")).version == "1.1.0"
    assert kept_versions(root, "backend") == ["1.0.0", "1.0.1", "1.1.0"]
    entries = changes_between(folder, "1.0.1", "1.1.0")
    assert [e.version for e in entries] == ["1.1.0"]
    assert "newer base image" in entries[0].text


@pytest.mark.parametrize("version", ["0.9.0", "1.0", "../java", "1.0.0; rm -rf /"])
def test_a_version_the_store_does_not_keep_is_refused_naming_the_field(version: str) -> None:
    with pytest.raises(UnknownVersion) as refused:
        template_at(DEFAULT_TEMPLATES_ROOT, "java", version)
    assert refused.value.errors[0][0] == "version"


def test_answers_missing_a_field_are_refused() -> None:
    with pytest.raises(InputError) as refused:
        context_from_answers({"component_name": "x"})
    assert ("answers.description", "is missing") in refused.value.errors
