"""Where the certified templates are, however the package was installed.

A wheel, and so the image, carries them inside the package (`templates_data/`, copied there
at build time by setup.py); an editable install or a source checkout reads the repository's
`templates/` folder.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
IN_PACKAGE = _PACKAGE_DIR / "templates_data"
IN_CHECKOUT = _PACKAGE_DIR.parent.parent / "templates"


def certified_templates_dir() -> Path:
    """The folder holding one template per class and the environment template."""
    return IN_PACKAGE if IN_PACKAGE.is_dir() else IN_CHECKOUT
