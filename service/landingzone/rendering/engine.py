"""Cookiecutter-compatible generation with user values as data, in a sandbox, confined.

`generate(template_dir, context, output_dir) -> Path` produces the same tree as
`cookiecutter.generate.generate_files(template_dir, context, output_dir)` for a prepared
context (same project-folder discovery, `_copy_without_render`, `_extensions`,
`_new_lines`, binary copy, trailing newlines, StrictUndefined), with these differences:

- the Jinja environment is cookiecutter's extension loader on an
  `ImmutableSandboxedEnvironment`, so even a template cannot reach Python internals;
- context values are never compiled: they reach templates only as variables, so
  `{{ cookiecutter.description }}` outputs the description's characters, braces included;
- every rendered path is checked before anything is written: relative, no `..`, no
  empty or dot segment, no NUL or backslash, inside the output folder; files are created
  exclusively (never through an existing file or link) and template symlinks are refused;
- it never changes the working directory (cookiecutter's `work_in` does, for the whole
  process, which is unsafe in a threaded service); the only hook is a platform-owned
  `hooks/post_gen_project.py`, never rendered, run with a timeout in the project (hooks.py);
- the project is built in a private staging folder and moved into place at the end, so a
  failed render leaves nothing behind under its final name;
- a template may hold folders beside its project folder that are rendered into the project
  once per item (`Repeat`, e.g. one Kustomize overlay per environment: cookiecutter cannot
  loop over directories), each time with the item's variables beside `cookiecutter`, through
  the same checks; two items writing the same file is a RenderError.

Public API: `generate(template_dir: Path, context: dict, output_dir: Path, repeats=()) -> Path`,
`Repeat(folder, items)` and `RenderError` (a rendered path escapes, the project folder
exists, a template fails).
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from binaryornot.check import is_binary
from cookiecutter.environment import ExtensionLoaderMixin
from cookiecutter.find import find_template
from cookiecutter.generate import is_copy_only_path
from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from landingzone.rendering.filters import FILTERS
from landingzone.rendering.hooks import HookError, check_hooks, run_post_gen_hook

_FORBIDDEN_IN_PATH = ("\x00", "\\", "\r", "\n")


class RenderError(Exception):
    """The template could not be rendered safely; nothing was left in the output folder."""


@dataclass(frozen=True)
class Repeat:
    """Folder `folder` of the template, rendered into the project once per item.

    Each item's variables (e.g. `{"env": {...}}`) are added to the context of that render;
    its paths are templates too, so they usually hold an item variable.
    """

    folder: str  # a plain folder name beside the project folder (no template syntax)
    items: Sequence[Mapping[str, Any]]


class SandboxedCookiecutterEnvironment(ExtensionLoaderMixin, ImmutableSandboxedEnvironment):  # type: ignore[misc]
    """Cookiecutter's StrictEnvironment (same default extensions) inside Jinja's sandbox."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(undefined=StrictUndefined, keep_trailing_newline=True, **kwargs)
        self.filters.update(FILTERS)
        self._path_templates: dict[str, Template] = {}

    def render_path(self, source: str, context: dict[str, Any]) -> str:
        """Render a template entry's path; a path without `{` renders as itself."""
        if "{" not in source:
            return source
        template = self._path_templates.get(source)
        if template is None:
            template = self._path_templates[source] = self.from_string(source)
        try:
            return str(template.render(**context))
        except (TemplateError, ValueError) as error:
            raise RenderError(f"path {source!r}: {error}") from error


@functools.lru_cache(maxsize=32)
def _environment(
    search_path: tuple[str, ...], extensions: tuple[str, ...]
) -> SandboxedCookiecutterEnvironment:
    """One environment per template (compiled templates are cached; Jinja is thread-safe)."""
    context = {"cookiecutter": {"_extensions": list(extensions)}}
    return SandboxedCookiecutterEnvironment(
        context=context, loader=FileSystemLoader(list(search_path)), auto_reload=True
    )


def generate(
    template_dir: Path,
    context: dict[str, Any],
    output_dir: Path,
    repeats: Sequence[Repeat] = (),
) -> Path:
    """Render `template_dir` (a cookiecutter template) into `output_dir`; returns the root."""
    template_dir = template_dir.resolve()
    try:
        hook = check_hooks(template_dir)
    except HookError as error:
        raise RenderError(str(error)) from None
    values = context.get("cookiecutter", {})
    extensions = tuple(str(name) for name in values.get("_extensions", ()))
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    output_dir = output_dir.resolve()
    project_template = find_template(template_dir, _environment((), extensions))
    # cookiecutter's search path: the project folder, then the template's `templates/`
    search_path = (str(project_template), str(template_dir / "templates"))
    env = _environment(search_path, extensions)
    root_name = _render_segment(env, project_template.name, context)
    final_root = output_dir / root_name
    if final_root.exists() or final_root.is_symlink():
        raise RenderError(f"{root_name} already exists in the output folder")
    staging = Path(tempfile.mkdtemp(prefix=".render-", dir=output_dir))
    try:
        staged_root = staging / root_name
        staged_root.mkdir()
        _render_tree(env, project_template, staged_root, context)
        for repeat in repeats:
            _render_repeat(template_dir, repeat, extensions, staged_root, context)
        if hook is not None:
            try:
                run_post_gen_hook(hook, staged_root, values)
            except HookError as error:
                raise RenderError(str(error)) from None
        os.rename(staged_root, final_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final_root


def _render_tree(
    env: SandboxedCookiecutterEnvironment,
    source_root: Path,
    target_root: Path,
    context: dict[str, Any],
) -> None:
    for current, dirs, files in os.walk(source_root):
        dirs.sort()
        current_path = Path(current)
        for name in [*dirs, *files]:
            if (current_path / name).is_symlink():
                raise RenderError(f"template entry {name!r} is a symlink")
        relative_dir = current_path.relative_to(source_root).as_posix()
        copy_dirs = [d for d in dirs if _copy_only(relative_dir, d, context)]
        dirs[:] = [d for d in dirs if d not in copy_dirs]
        for name in copy_dirs + dirs:
            target = _target(env, target_root, relative_dir, name, context)
            if name in copy_dirs:
                shutil.copytree(current_path / name, target, symlinks=False)
            else:
                target.mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            source = current_path / name
            target = _target(env, target_root, relative_dir, name, context)
            if target == target_root or target.is_dir():
                continue  # an empty file name: cookiecutter skips the file too
            if _copy_only(relative_dir, name, context) or _is_binary(source):
                _write_bytes(target, source.read_bytes(), source)
                continue
            template_name = PurePosixPath(relative_dir, name).as_posix()
            try:
                text = env.get_template(template_name).render(**context)
            except (TemplateError, ValueError) as error:
                raise RenderError(f"{template_name}: {error}") from error
            newline = _configured_newline(context) or _source_newline(source)
            _write_bytes(target, text.replace("\n", newline).encode("utf-8"), source)


def _render_repeat(
    template_dir: Path,
    repeat: Repeat,
    extensions: tuple[str, ...],
    target_root: Path,
    context: dict[str, Any],
) -> None:
    source = template_dir / repeat.folder
    if (
        len(PurePosixPath(repeat.folder).parts) != 1
        or repeat.folder in (".", "..")
        or source.is_symlink()
        or not source.is_dir()
    ):
        raise RenderError(f"repeated folder {repeat.folder!r} is not a folder of the template")
    env = _environment((str(source), str(template_dir / "templates")), extensions)
    for item in repeat.items:
        if "cookiecutter" in item:
            raise RenderError("a repeated item cannot replace the cookiecutter variables")
        try:
            _render_tree(env, source, target_root, {**context, **item})
        except FileExistsError as error:
            name = Path(str(error.filename)).relative_to(target_root).as_posix()
            raise RenderError(f"{repeat.folder}: {name} is rendered twice") from None


def _is_binary(source: Path) -> bool:
    status = source.stat()
    return _binary_by_identity(str(source), status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=4096)
def _binary_by_identity(path: str, mtime_ns: int, size: int) -> bool:
    return bool(is_binary(path))


def _configured_newline(context: dict[str, Any]) -> str | None:
    newline = context.get("cookiecutter", {}).get("_new_lines")
    return str(newline) if newline else None


def _source_newline(source: Path) -> str:
    with source.open(encoding="utf-8", newline=None) as stream:
        stream.readline()
        newlines = stream.newlines
    if isinstance(newlines, tuple):
        return str(newlines[0])
    return str(newlines) if newlines else "\n"


def _copy_only(relative_dir: str, name: str, context: dict[str, Any]) -> bool:
    return bool(is_copy_only_path(os.path.normpath(os.path.join(relative_dir, name)), context))


def _render_segment(
    env: SandboxedCookiecutterEnvironment, name: str, context: dict[str, Any]
) -> str:
    rendered = env.render_path(name, context)
    segment = _checked_relative(rendered, allow_empty=False)
    if len(segment.parts) != 1:
        raise RenderError(f"project folder name {rendered!r} must be a single path segment")
    return segment.as_posix()


def _target(
    env: SandboxedCookiecutterEnvironment,
    target_root: Path,
    relative_dir: str,
    name: str,
    context: dict[str, Any],
) -> Path:
    """Where template entry `relative_dir/name` goes, checked to stay inside `target_root`.

    The check is lexical: the tree is built in a fresh staging folder that holds no
    symlinks (templates with symlinks are refused, copies never create one).
    """
    rendered = env.render_path(PurePosixPath(relative_dir, name).as_posix(), context)
    relative = _checked_relative(rendered, allow_empty=True)
    target = target_root.joinpath(*relative.parts)
    root = os.path.normpath(target_root)
    if os.path.commonpath([root, os.path.normpath(target)]) != root:
        raise RenderError(f"path {rendered!r} leaves the project folder")
    return target


def _checked_relative(rendered: str, *, allow_empty: bool) -> PurePosixPath:
    if any(char in rendered for char in _FORBIDDEN_IN_PATH):
        raise RenderError(f"rendered path {rendered!r} holds a forbidden character")
    if allow_empty and rendered == "":
        return PurePosixPath()
    trailing_empty = rendered.endswith("/") and allow_empty
    if rendered.startswith("/"):
        raise RenderError(f"rendered path {rendered!r} is absolute")
    segments = rendered.split("/")
    if trailing_empty:
        segments = segments[:-1]
    if not segments or any(segment in ("", ".", "..") for segment in segments):
        raise RenderError(f"rendered path {rendered!r} has an empty, '.' or '..' segment")
    return PurePosixPath(*segments)


def _write_bytes(target: Path, data: bytes, source: Path) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(target, flags, 0o644)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
    shutil.copymode(source, target)
