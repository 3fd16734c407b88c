"""Golden files: the composed document and each writer's output for the shipped CV, compared
with the files in tests/golden/. A change that alters any of them fails here and shows the
diff; when the change is deliberate, rewrite the files with

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py

and review `git diff tests/golden` before committing. (No TeX runs here: the PDF's text is
compared in test_writer_equivalence.py.)"""

from __future__ import annotations

import dataclasses
import difflib
import os
from pathlib import Path
from typing import Any

import pytest

from cvbuild.writers import latex, markdown
from tests.test_compose import shipped

GOLDEN = Path(__file__).parent / "golden"
VARIANTS = ("full", "short")


def dump(value: Any, indent: str = "") -> str:
    """A readable, stable text form of the composed document (publications by key only)."""
    from cvbuild.bibliography import Publication
    from cvbuild.document import Source
    from cvbuild.locale import Locale

    if isinstance(value, Publication):
        return f"<{value.key}>"
    if isinstance(value, Locale):
        return f"<locale {value.language}>"
    if isinstance(value, Source):
        return f"<{value}>"  # file name and line, the same wherever the repository is
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)]
        shown = [(name, v) for name, v in fields if v not in ("", (), None)]
        if all(not isinstance(v, tuple) or not v for _, v in shown) and len(shown) <= 1:
            inner = ", ".join(f"{n}={dump(v)}" for n, v in shown)
            return f"{type(value).__name__}({inner})"
        lines = [f"{type(value).__name__}("]
        lines += [f"{indent}  {name}={dump(v, indent + '  ')}" for name, v in shown]
        return "\n".join(lines) + f"\n{indent})"
    if isinstance(value, tuple):
        if not value:
            return "()"
        if all(not dataclasses.is_dataclass(v) or _is_leaf(v) for v in value):
            return "[" + ", ".join(dump(v) for v in value) + "]"
        return (
            "[\n" + "\n".join(f"{indent}  {dump(v, indent + '  ')}" for v in value) + f"\n{indent}]"
        )
    return repr(value)


def _is_leaf(value: Any) -> bool:
    from cvbuild import richtext as rt

    return isinstance(
        value,
        rt.Text | rt.Bold | rt.Highlight | rt.Italic | rt.Link | rt.LineBreak | rt.ParagraphBreak,
    )


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), actual.splitlines(True), str(path), "actual", n=1
            )
        )
        pytest.fail(
            f"{name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it):\n{diff[:6000]}"
        )


@pytest.mark.parametrize("variant", VARIANTS)
def test_composed_document(variant: str) -> None:
    check_golden(f"{variant}.document.txt", dump(shipped(variant)) + "\n")


@pytest.mark.parametrize("variant", VARIANTS)
def test_markdown_writer(variant: str) -> None:
    check_golden(f"{variant}.md", markdown.write(shipped(variant)))


@pytest.mark.parametrize("variant", VARIANTS)
def test_latex_writer(variant: str) -> None:
    project = latex.write(shipped(variant))
    check_golden(f"{variant}.tex", project.tex)
    check_golden(f"{variant}.bib", project.bib)
