"""One build step pyproject.toml cannot say: the certified templates travel inside the package.

`templates/` stays at the top of the repository for template authors; a wheel (and so the
image) carries a copy as `landingzone/templates_data/`, where `landingzone.bundled_templates`
finds it. An editable install reads `templates/` itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TEMPLATES = Path(__file__).resolve().parent / "templates"


class BuildWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "landingzone" / "templates_data"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(TEMPLATES, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))


setup(cmdclass={"build_py": BuildWithTemplates})
