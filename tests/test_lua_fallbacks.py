"""A LuaLaTeX document loads only the fallback fonts (CMU, DejaVu) a character of its text may
come from (cvbuild/repertoire.py, fallback_fonts; latex/cvbuild.sty, \\cvbuildfallbacks): each
one is loaded beside every size and style of the main fonts. Built with real LuaLaTeX and read
back: every character prints (LuaLaTeX is told to stop at a missing one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_content, pdf_text, run_cli


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fallback-cache")  # one format for all of them


@pytest.mark.tex
@pytest.mark.parametrize(
    ("text", "fallbacks"),
    [("Ķeniņš ģ", ""), ("Ա", "dejavu"), ("ԓ α", "cmu"), ("ĸ Ա", "cmu,dejavu")],
)
def test_each_character_prints_with_only_the_fallbacks_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path, text: str, fallbacks: str
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    sections = (
        "sections:\n  - id: about\n    kind: bio\n    title: About\n"
        f"    paragraphs: ['Upright {text}, *italic {text}*, **bold {text}**.']\n"
    )
    content = make_content(tmp_path, sections)
    pdf = tmp_path / "cv.pdf"
    result = run_cli("pdf", "--content", str(content), "-o", str(pdf),
                     "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code == 0, result.output
    tex = (tmp_path / "build" / "full" / "cv.tex").read_text(encoding="utf-8")
    assert f"\\cvbuildfallbacks{{{fallbacks}}}%" in tex
    printed = pdf_text(pdf)
    for word in text.split():
        assert printed.count(word) >= 3, (word, printed)
