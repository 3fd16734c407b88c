"""Any text from the supported repertoire goes in through YAML and comes out of the PDF.

Hypothesis draws many strings per example and all of them go into one document, so that a few
TeX runs check hundreds of strings: once with Latin-only text (pdflatex) and once with Greek,
Cyrillic and other letters (the build switches to LuaLaTeX).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cvbuild.repertoire import LUALATEX_RANGES, PDFLATEX_RANGES, Engine, printable
from tests.conftest import make_content, pdf_text, run_cli

pytestmark = pytest.mark.tex

# Invisible or layout-only characters have nothing to read back: white space, format
# characters (soft hyphen, joiners, bidi marks) and lone combining marks. Spacing accents
# (˛ ¸ ˝ ...) print, but pdftotext files them under a neighbouring line at line breaks, so
# they are checked in tests/test_escape.py instead of here.
_INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Mc", "Me"}


def _alphabet(ranges: tuple[tuple[int, int], ...], engine: Engine) -> list[str]:
    return [
        chr(code)
        for low, high in ranges
        for code in range(low, high + 1)
        if unicodedata.category(chr(code)) not in _INVISIBLE
        and not (unicodedata.category(chr(code)) == "Sk" and code > 0x7F)
        and printable(chr(code), engine)
    ]


# Character pairs a TeX font would merge into another glyph (an en dash, „, ¡, “).
LIGATURE_TRAPS = ["a--b", "c---d", ",,e", "!`f", "?`g", "``h''", "<<i>>", "j---"]

LATIN = _alphabet(PDFLATEX_RANGES, "pdflatex")
EVERYTHING = _alphabet(LUALATEX_RANGES, "lualatex")


def _phrases(alphabet: list[str]) -> st.SearchStrategy[list[str]]:
    # Words of at most 4 characters: TeX never hyphenates them, so line breaks fall only on
    # spaces (or after dashes, which stay visible).
    word = st.text(st.sampled_from(alphabet), min_size=1, max_size=4)
    phrase = st.lists(word, min_size=1, max_size=4).map(" ".join)
    return st.lists(phrase, min_size=150, max_size=150)


# Straight quotes in prose are printed typographically ("a" → “a”, it's → it’s).
_PLAIN_QUOTES = str.maketrans({"’": "'", "‘": "'", "‚": "'", "“": '"', "”": '"', "„": '"'})


def _normal(text: str) -> str:
    """Compare modulo white space, compatibility forms (ligatures, '…' as '...') and the
    typographic form of quotes."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_PLAIN_QUOTES).split())


def _round_trip(tmp_path: Path, phrases: list[str]) -> tuple[str, str]:
    # An award's name takes markup (**bold**, [link](url)): a backslash keeps * [ ] ( ) \
    # literal; its rank is plain text.
    awards = [
        {"name": re.sub(r"([\\*\[\]()])", r"\\\1", name), "rank": rank, "year": 2000}
        for name, rank in zip(phrases[::2], phrases[1::2], strict=True)
    ]
    sections = {"sections": [{"id": "a", "kind": "awards", "title": "Awards", "awards": awards}]}
    content = make_content(tmp_path, json.dumps(sections, ensure_ascii=False))
    pdf = tmp_path / "out.pdf"
    result = run_cli("pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code == 0, result.output
    engine = (tmp_path / "build" / "full" / "cv.log").read_text(encoding="latin-1").split("\n")[0]
    return _normal(pdf_text(pdf)), engine


_SETTINGS = settings(
    max_examples=2,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking would rerun TeX for ages
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)  # fmt: skip


@_SETTINGS
@given(phrases=_phrases(LATIN))
def test_latin_text_round_trips_through_pdflatex(tmp_path_factory, phrases: list[str]) -> None:
    phrases = [*phrases, *LIGATURE_TRAPS]
    text, engine = _round_trip(tmp_path_factory.mktemp("latin"), phrases)
    assert "pdfTeX" in engine
    missing = [p for p in phrases if _normal(p) not in text]
    assert not missing, missing


@_SETTINGS
@given(phrases=_phrases(EVERYTHING))
def test_all_scripts_round_trip_through_lualatex(tmp_path_factory, phrases: list[str]) -> None:
    # LuaLaTeX even if the draw happens to be Latin only; and the ligature traps, always
    phrases = [*phrases, "Ωμέγα", "Щука", "Երևան", "Nguyễn", *LIGATURE_TRAPS]
    text, engine = _round_trip(tmp_path_factory.mktemp("unicode"), phrases)
    assert "LuaHBTeX" in engine or "LuaTeX" in engine
    missing = [p for p in phrases if _normal(p) not in text]
    assert not missing, missing
