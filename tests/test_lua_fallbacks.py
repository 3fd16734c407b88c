"""LuaLaTeX sets the text in pdflatex's fonts, and each character those lack in the first fallback
font that has it in every style: Latin Modern OpenType, CMU, DejaVu (cvbuild/repertoire.py,
fallback_characters; latex/cvbuild-lua.sty, \\cvbuildfallback). Built with real LuaLaTeX and read
back: every character prints (LuaLaTeX is told to stop at a missing one), in the font named, and
the rest of the text is what pdflatex makes of it: the same Type 1 fonts, the same case changes,
no ligature across cvbuild's ligature breaks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cvbuild.resources import LATEX_DIR
from tests.conftest import make_content, pdf_text, run_cli


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fallback-cache")  # one format per style for all of them


def _build(root: Path, sections: str, extra: str = "") -> tuple[Path, str, str]:
    content = make_content(root, sections, extra=extra)
    pdf = root / "cv.pdf"
    result = run_cli("pdf", "--content", str(content), "-o", str(pdf),
                     "--build-dir", str(root / "build"))  # fmt: skip
    assert result.exit_code == 0, result.output
    tex = (root / "build" / "full" / "cv.tex").read_text(encoding="utf-8")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    return pdf, tex, fonts


@pytest.mark.tex
@pytest.mark.parametrize(
    ("text", "declared", "font"),
    [
        ("Ķeniņš ģ", ["\\cvbuildfallback{lm}{0123}%"], "LMRoman10-"),
        ("Ա", ["\\cvbuildfallback{dejavu}{0531}%"], "DejaVuSerif"),
        ("ԓ α", ["\\cvbuildfallback{cmu}{0513}%"], "CMUSerif"),  # α: LGR, as on pdflatex
        ("ĸ Ա", ["\\cvbuildfallback{dejavu}{0138,0531}%"], "DejaVuSerif"),
    ],
)
def test_each_character_prints_from_its_fallback_font(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shared_cache: Path,
    text: str,
    declared: list[str],
    font: str,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    sections = (
        "sections:\n  - id: about\n    kind: bio\n    title: About\n"
        f"    paragraphs: ['Upright {text}, *italic {text}*, **bold {text}**.']\n"
    )
    pdf, tex, fonts = _build(tmp_path, sections)
    assert [line for line in tex.splitlines() if line.startswith("\\cvbuildfallback")] == declared
    printed = pdf_text(pdf)
    for word in text.split():
        assert printed.count(word) >= 3, (word, printed)
    assert font in fonts, fonts
    # the rest of the text in pdflatex's Type 1 fonts; OpenType only for the fallback
    assert "LMRoman10-Regular  " in fonts or "LMRoman10-Regular " in fonts, fonts
    opentype = [line for line in fonts.splitlines()[2:] if " Type 1 " not in line]
    assert opentype and all(font.split("-")[0] in line for line in opentype), fonts


@pytest.mark.tex
def test_lualatex_keeps_cvbuilds_ligature_breaks_as_pdflatex_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path
) -> None:
    """'--' and ',,' in the text stay two characters (LuaTeX joins them across an empty group)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    for engine, letter in (("pdflatex", ""), ("lualatex", " Ա")):
        sections = (
            "sections:\n  - id: about\n    kind: bio\n    title: About\n"
            f"    paragraphs: ['Run it with --verbose,, then{letter}.']\n"
        )
        pdf, _, _ = _build(tmp_path / engine, sections)
        log = (tmp_path / engine / "build" / "full" / "cv.log").read_text(encoding="latin-1")
        assert log.startswith("This is LuaHBTeX" if engine == "lualatex" else "This is pdfTeX")
        assert "--verbose,, then" in pdf_text(pdf), engine


@pytest.mark.tex
def test_lualatex_changes_the_case_of_accented_letters_as_pdflatex_does(tmp_path: Path) -> None:
    """\\MakeUppercase and \\MakeLowercase (biblatex's capitalised
    strings) see a declared character's command under LuaLaTeX too: 'ü' becomes 'Ü'."""
    for sty in LATEX_DIR.glob("*.sty"):
        shutil.copy(sty, tmp_path)
    lines = [
        r"\documentclass[11pt,a4paper]{moderncv}", r"\moderncvstyle[nosymbols]{classic}",
        r"\usepackage[english]{babel}", r"\usepackage{cvbuild}", r"\name{A}{B}",
        r"\begin{document}",
        r"\MakeUppercase{müller éa ł} \MakeLowercase{ÄÖ Ł}",
        r"\end{document}",
    ]  # fmt: skip
    (tmp_path / "t.tex").write_text("\n".join(lines) + "\n", encoding="utf-8")
    texts = {}
    for engine in ("pdflatex", "lualatex"):
        subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                       cwd=tmp_path, capture_output=True, timeout=120, check=False)  # fmt: skip
        texts[engine] = pdf_text(tmp_path / "t.pdf")
    assert "MÜLLER ÉA Ł äö ł" in texts["pdflatex"], texts
    assert texts["lualatex"] == texts["pdflatex"], texts
