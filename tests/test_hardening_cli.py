"""Issue 12 (hardening), the command line: output targets never replace a file cvbuild did not
write (items 5), `watch` and `pdf` ignore editor files (10), the wheel ships everything a build
needs (14), and errors stay readable whatever the terminal (12)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT, pdf_text

# ---------------------------------------------------------------- item 14: the wheel


@pytest.mark.tex
def test_an_installed_wheel_builds_a_pdf_from_init_output(tmp_path: Path) -> None:
    """A non-editable install has the LaTeX styles and the starter files: `cvbuild init` and
    `cvbuild pdf` work from a folder outside the repository."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("cvbuild", "latex"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    wheels = tmp_path / "wheels"
    _check([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source])
    (wheel,) = wheels.glob("cvbuild-*.whl")
    venv = tmp_path / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _check([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel])
    # The dependencies (pydantic, PyLaTeX, ...) come from this venv's site-packages, added as a
    # plain path: its .pth files (the editable install of cvbuild among them) are not run.
    purelib = _check([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    Path(purelib.strip(), "test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    located = _check([python, "-c", "import cvbuild; print(cvbuild.__file__)"], work, env)
    assert Path(located).is_relative_to(venv), located
    cvbuild = venv / "bin" / "cvbuild"
    _check([cvbuild, "init", "mycv", "--name", "Grace Brewster Hopper"], work, env)
    _check([cvbuild, "pdf", "--content", "mycv"], work, env)
    text = pdf_text(work / "out" / "full.pdf")
    assert "Grace Brewster Hopper" in " ".join(text.split())


def _check(command: list, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout
