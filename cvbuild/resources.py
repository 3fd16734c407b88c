"""Where cvbuild's own files are, in a source checkout and in an installed wheel alike.

The LaTeX layout lives in the top-level `latex/` folder of the repository; the wheel ships the
same files as `cvbuild/latex/` (pyproject.toml maps that package to `latex/`).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED_LATEX = PACKAGE_DIR / "latex"
LATEX_DIR = _INSTALLED_LATEX if _INSTALLED_LATEX.is_dir() else PACKAGE_DIR.parent / "latex"
STARTER_DIR = PACKAGE_DIR / "starter"
