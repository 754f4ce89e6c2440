"""The generation engine on its own: confinement, sandbox and cookiecutter fidelity.

These feed `engine.generate` contexts that skip the renderer's value checks, to show that
the engine itself keeps every file inside the output folder whatever the values are.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from landingzone.rendering import DEFAULT_TEMPLATES_ROOT, ProjectClass, RenderError, hooks
from landingzone.rendering.engine import Repeat, generate
from landingzone.rendering.renderer import template_context
from tests.rendering.conftest import CLASS_IDS, make_context


def _template(root: Path, files: dict[str, str]) -> Path:
    template = root / "template"
    for relative, text in files.items():
        path = template / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (template / "cookiecutter.json").write_text(json.dumps({"name": "x", "part": "y"}))
    return template


def _context(**values: str) -> dict[str, dict[str, str]]:
    return {"cookiecutter": {"name": "demo", "part": "file", **values}}


@pytest.mark.parametrize(
    "hostile",
    ["../../escaped", "/tmp/landingzone-escaped", "a/../../../escaped", "..", ".",
     "nested/../..", "back\\slash", "nul\x00byte", "new\nline"],
)  # fmt: skip
def test_no_rendered_path_leaves_the_output_folder(tmp_path: Path, hostile: str) -> None:
    template = _template(tmp_path, {"{{cookiecutter.name}}/{{cookiecutter.part}}": "data"})
    output = tmp_path / "out"
    for context in (_context(name=hostile), _context(part=hostile)):
        with pytest.raises(RenderError):
            generate(template, context, output)
        assert list(output.iterdir()) == []  # no project, no staging folder left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "template"]
    assert not Path("/tmp/landingzone-escaped").exists()


def test_an_empty_file_name_skips_the_file_like_cookiecutter(tmp_path: Path) -> None:
    template = _template(tmp_path, {"{{cookiecutter.name}}/{{cookiecutter.part}}": "data",
                                    "{{cookiecutter.name}}/kept.txt": "kept"})  # fmt: skip
    root = generate(template, _context(part=""), tmp_path / "out")
    assert [p.name for p in root.iterdir()] == ["kept.txt"]
    with pytest.raises(RenderError):
        generate(template, _context(name=""), tmp_path / "out2")


def test_a_repeated_folder_renders_once_per_item_and_stays_confined(tmp_path: Path) -> None:
    files = {
        "{{cookiecutter.name}}/README": "{{ cookiecutter.name }}",
        "each/envs/{{ env }}/k.yaml": "env: {{ env }} of {{ cookiecutter.name }}",
        "shared/same.txt": "x",
    }
    template = _template(tmp_path, files)
    repeat = Repeat("each", [{"env": "dev"}, {"env": "prod"}])
    root = generate(template, _context(), tmp_path / "out", [repeat])
    assert (root / "envs" / "prod" / "k.yaml").read_text() == "env: prod of demo"
    assert sorted(p.name for p in (root / "envs").iterdir()) == ["dev", "prod"]
    for hostile in ("../../escaped", "/tmp/landingzone-escaped", ".."):
        with pytest.raises(RenderError):
            generate(template, _context(), tmp_path / "bad", [Repeat("each", [{"env": hostile}])])
    with pytest.raises(RenderError, match="rendered twice"):
        generate(template, _context(), tmp_path / "twice", [Repeat("shared", [{}, {}])])
    for folder in ("../template", "{{cookiecutter.name}}/../each", "missing"):
        with pytest.raises(RenderError):
            generate(template, _context(), tmp_path / "odd", [Repeat(folder, [{}])])
    assert not (tmp_path / "escaped").exists() and not Path("/tmp/landingzone-escaped").exists()
    for refused in ("bad", "twice", "odd"):
        assert list((tmp_path / refused).iterdir()) == []  # nothing left behind


def test_values_are_data_even_inside_the_template_engine(tmp_path: Path) -> None:
    template = _template(tmp_path, {"{{cookiecutter.name}}/f.txt": "{{ cookiecutter.part }}"})
    payload = "{{ 7*191 }}{% for x in range(10**9) %}x{% endfor %}"
    root = generate(template, _context(part=payload), tmp_path / "out")
    assert (root / "f.txt").read_text() == payload


def test_templates_run_in_a_sandbox(tmp_path: Path) -> None:
    template = _template(
        tmp_path,
        {"{{cookiecutter.name}}/f.txt": "{{ cycler.__init__.__globals__.os.getcwd() }}"},
    )
    with pytest.raises(RenderError, match=r"unsafe|not safely|attribute"):
        generate(template, _context(), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_templates_with_other_hooks_or_symlinks_are_refused(tmp_path: Path) -> None:
    hooked = _template(
        tmp_path / "a",
        {"{{cookiecutter.name}}/f.txt": "x", "hooks/pre_gen_project.sh": "rm -rf /"},
    )
    with pytest.raises(RenderError, match="hooks"):
        generate(hooked, _context(), tmp_path / "out-a")
    linked = _template(tmp_path / "b", {"{{cookiecutter.name}}/f.txt": "x"})
    os.symlink("/etc/passwd", linked / "{{cookiecutter.name}}" / "passwd")
    with pytest.raises(RenderError, match="symlink"):
        generate(linked, _context(), tmp_path / "out-b")
    assert list((tmp_path / "out-b").iterdir()) == []


_RECORDING_HOOK = """
import json, os, sys
values = json.load(sys.stdin)
open("hook.txt", "w").write(values["part"] + "|" + os.getcwd())
"""


def test_a_post_gen_hook_runs_in_the_project_with_values_as_data(tmp_path: Path) -> None:
    payload = "{{ 7*191 }} $(id) `id`"
    template = _template(
        tmp_path, {"{{cookiecutter.name}}/f.txt": "x", "hooks/post_gen_project.py": _RECORDING_HOOK}
    )
    root = generate(template, _context(part=payload), tmp_path / "out")
    value, _, cwd = (root / "hook.txt").read_text().partition("|")
    assert value == payload
    assert Path(cwd).name == root.name  # it ran inside the project, in its staging folder


@pytest.mark.parametrize(
    ("hook", "reason"),
    [
        ("import time\ntime.sleep(30)\n", "longer than"),
        ("import sys\nsys.exit('no tool here')\n", "no tool here"),
        ("import os\nos.symlink('/etc/passwd', 'passwd')\n", "symlink"),
    ],
)
def test_a_failing_or_slow_hook_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook: str, reason: str
) -> None:
    monkeypatch.setattr(hooks, "TIMEOUT_S", 1.0)
    template = _template(
        tmp_path, {"{{cookiecutter.name}}/f.txt": "x", "hooks/post_gen_project.py": hook}
    )
    with pytest.raises(RenderError, match=reason):
        generate(template, _context(), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_an_existing_project_is_never_overwritten(tmp_path: Path) -> None:
    template = _template(tmp_path, {"{{cookiecutter.name}}/f.txt": "new"})
    (tmp_path / "out" / "demo").mkdir(parents=True)
    (tmp_path / "out" / "demo" / "f.txt").write_text("mine")
    with pytest.raises(RenderError, match="already exists"):
        generate(template, _context(), tmp_path / "out")
    assert (tmp_path / "out" / "demo" / "f.txt").read_text() == "mine"


@pytest.mark.parametrize("class_id", CLASS_IDS)
def test_output_is_byte_identical_to_cookiecutter_for_the_same_context(
    classes: dict[str, ProjectClass], tmp_path: Path, class_id: str
) -> None:
    """The templates are plain cookiecutter templates: cookiecutter's own generation (fed
    the same prepared context as a replay file) writes exactly the same files."""
    context = template_context(classes[class_id], make_context(class_id))
    ours = generate(classes[class_id].template_dir, context, tmp_path / "ours")
    replay = tmp_path / "replay" / f"{class_id}.json"
    replay.parent.mkdir()
    replay.write_text(json.dumps(context), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"replay_dir: {tmp_path / 'replays'}\ncookiecutters_dir: {tmp_path}\n")
    theirs = Path(
        cookiecutter(
            str(classes[class_id].template_dir),
            replay=str(replay),
            output_dir=str(tmp_path / "theirs"),
            config_file=str(config),
        )
    )
    ours_files = sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file())
    their_files = sorted(p.relative_to(theirs) for p in theirs.rglob("*") if p.is_file())
    assert ours_files == their_files
    for relative in ours_files:
        assert (ours / relative).read_bytes() == (theirs / relative).read_bytes(), relative


def test_default_templates_root_is_this_checkout() -> None:
    assert (DEFAULT_TEMPLATES_ROOT / "environment" / "cookiecutter.json").is_file()
