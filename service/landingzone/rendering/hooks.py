"""Platform-owned post-generation hooks, run with a timeout inside the rendered project only.

A template may ship `hooks/post_gen_project.py` (nothing else in `hooks/`). Unlike
cookiecutter, the hook is never rendered as a template, so no user value can become code:
it receives the values as JSON on standard input, runs with the project folder as its
working directory, an isolated interpreter (`-I`), an empty environment and a time limit,
and any failure leaves no project behind. The hook is platform code and is trusted as such;
the working directory is where it is expected to write, and the tree is checked afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

POST_GEN = "post_gen_project.py"
TIMEOUT_S = 60.0


class HookError(Exception):
    """The template's hooks are not allowed, or the hook failed or ran out of time."""


def check_hooks(template_dir: Path) -> Path | None:
    """The post-generation hook to run, if any; refuses every other kind of hook."""
    folder = template_dir / "hooks"
    if not folder.exists():
        return None
    entries = sorted(p.name for p in folder.iterdir() if p.name != "__pycache__")
    hook = folder / POST_GEN
    if entries != [POST_GEN] or hook.is_symlink() or not hook.is_file():
        raise HookError(f"{template_dir.name}: only hooks/{POST_GEN} is allowed, found {entries}")
    return hook


def run_post_gen_hook(hook: Path, project_root: Path, values: Mapping[str, Any]) -> None:
    """Run the hook in `project_root`; the values arrive as JSON on standard input."""
    try:
        subprocess.run(
            [sys.executable, "-I", str(hook)],
            cwd=project_root,
            input=json.dumps(dict(values)),
            env={"PATH": os.defpath, "HOME": str(project_root), "LANG": "C.UTF-8"},
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=True,
        )
    except subprocess.TimeoutExpired:
        raise HookError(f"{POST_GEN} ran longer than {TIMEOUT_S:.0f} s") from None
    except subprocess.CalledProcessError as error:
        last = (error.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise HookError(f"{POST_GEN} failed with exit code {error.returncode}: {last[0]}") from None
    for path in project_root.rglob("*"):
        if path.is_symlink():
            raise HookError(f"{POST_GEN} left a symlink: {path.relative_to(project_root)}")
