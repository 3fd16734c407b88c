"""The character repertoires and the engine choice."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from cvbuild.repertoire import (
    CMU_ALL_RANGES,
    FALLBACK_FAMILIES,
    LM_ALL_RANGES,
    LUALATEX_FONT_CHAINS,
    LUALATEX_RANGES,
    NOT_TEXT,
    PDFLATEX_RANGES,
    PDFLATEX_SCRIPTS,
    engine_for,
    fallback_characters,
    printable,
    scripts_used,
    unprintable,
)
from cvbuild.resources import LATEX_DIR


def test_latin_text_stays_on_pdflatex() -> None:
    assert engine_for(["Tětková Müller Øresund łódź Ærø Ľubica – “quotes” … € ™"]) == "pdflatex"


@pytest.mark.parametrize(
    "text",
    [
        "Αλέξανδρος Παπαδόπουλος, Ἀριστοτέλης",  # LGR (cbfonts), monotonic and polytonic
        "Дмитрий Иванов, Україна, Ігор, Јелена Ђорђевић",  # T2A (cm-super)
        "Ștefan Țiriac, Ģederts Ķeniņš, Įstatymas, Đorđe",  # T1, letter and accent, ActualText
    ],
)
def test_greek_cyrillic_and_built_latin_stay_on_pdflatex(text: str) -> None:
    assert engine_for(["plain", text]) == "pdflatex"


@pytest.mark.parametrize(
    "text",
    [
        "ģimene",  # T1 puts ģ's accent first: it would copy out after a space ('x ģx')
        "Nguyễn Thị Minh Khai",
        "Əliyev (Azərbaycan)",
        "ϑ ϕ",  # Greek symbol variants: no text glyph in greek-fontenc
        "Ѣ ѣ",  # Old Cyrillic: not in T2A
        "Երևան",  # Armenian
    ],
)
def test_rarer_letters_and_scripts_switch_to_lualatex(text: str) -> None:
    assert engine_for(["plain", text]) == "lualatex"
    assert unprintable(text) == []


@pytest.mark.parametrize(
    ("last_on_pdflatex", "first_beyond"),
    [
        ("\u045f", "\u0460"),  # џ, then Ѡ (omega, Old Cyrillic)
        ("\u03ce", "\u03cf"),  # ώ, then Ϗ
        ("\u04f9", "\u04fa"),  # ӹ, then Ӻ
        ("\u0386", "\u0385"),  # Ά, and before it the spacing dialytika tonos
        ("\u1ffd", "\u1ffe"),  # ´ (oxia, NFC: the acute accent), then ῾ (spacing dasia)
    ],
)
def test_the_edges_of_the_pdflatex_repertoire(last_on_pdflatex: str, first_beyond: str) -> None:
    assert engine_for([last_on_pdflatex]) == "pdflatex"
    assert engine_for([first_beyond]) == "lualatex"


def test_scripts_used_names_the_scripts_that_need_packages() -> None:
    assert [s.name for s in scripts_used(["Müller, Ωmega"])] == ["Greek"]
    assert [s.name for s in scripts_used(["Щука", "ἀρχή"])] == ["Greek", "Cyrillic"]
    assert scripts_used(["plain Müller – “quoted”"]) == ()
    packages = {package for s in PDFLATEX_SCRIPTS for _, package in s.files}
    assert packages == {"texlive-lang-greek", "texlive-lang-cyrillic", "cm-super-minimal"}


def test_script_packages_are_in_the_makefile() -> None:
    """The fresh-clone set-up installs what pdflatex needs for Greek and Cyrillic."""
    makefile = (Path(__file__).parent.parent / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"^DEB_PACKAGES := ((?:.*\\\n)*.*)$", makefile, re.M)
    assert listed is not None
    packages = set(listed.group(1).replace("\\", " ").split())
    assert {package for s in PDFLATEX_SCRIPTS for _, package in s.files} <= packages


def _dfu_codes(*files: str) -> set[int]:
    codes: set[int] = set()
    for file in files:
        path = subprocess.run(["kpsewhich", file], capture_output=True, text=True).stdout.strip()
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        codes.update(
            int(h, 16) for h in re.findall(r"DeclareUnicodeCharacter\{([0-9A-F]+)\}", text)
        )
    return codes


def test_pdflatex_greek_and_cyrillic_come_from_the_encodings_declared() -> None:
    """Every Greek or Cyrillic code point of PDFLATEX_RANGES is one lgrenc.dfu or t2aenc.dfu
    maps to LGR or T2A (tests/test_scripts_pdflatex.py checks with pdflatex that each prints
    and copies out, and that the others do not)."""
    scripts = [r for s in PDFLATEX_SCRIPTS for r in s.ranges]
    listed = {
        code
        for low, high in PDFLATEX_RANGES
        for code in range(low, high + 1)
        if any(a <= code <= b for a, b in scripts)
    }
    assert len(listed) > 400
    assert listed <= _dfu_codes("lgrenc.dfu", "t2aenc.dfu")
    # and what pdflatex prints, LuaLaTeX prints too: a switch of engine never loses a character
    assert all(printable(chr(code), "lualatex") for code in listed)


def test_characters_no_engine_prints_are_named_with_their_position() -> None:
    assert unprintable("ok 日本 😀") == [
        (3, "U+65E5 CJK UNIFIED IDEOGRAPH-65E5 ('日')"),
        (4, "U+672C CJK UNIFIED IDEOGRAPH-672C ('本')"),
        (6, "U+1F600 GRINNING FACE ('😀')"),
    ]


def _charset(path: str) -> set[int]:
    output = subprocess.run(
        ["fc-query", "--format=%{charset}", path], capture_output=True, text=True, check=True
    ).stdout
    codes: set[int] = set()
    for part in output.split():
        low, _, high = part.partition("-")
        codes.update(range(int(low, 16), int(high or low, 16) + 1))
    return codes


def test_lualatex_repertoire_matches_the_installed_fonts() -> None:
    """The stored table is what the font chains really cover, so the pre-TeX check is honest."""
    covered = None
    for chain in LUALATEX_FONT_CHAINS:
        union = set().union(*(_charset(path) for path in chain))
        covered = union if covered is None else covered & union
    assert covered is not None
    stored = {c for low, high in LUALATEX_RANGES for c in range(low, high + 1)}
    not_text = {c for low, high in NOT_TEXT for c in range(low, high + 1)}
    assert stored == {c for c in covered if c >= 0x20} - not_text


def _ranges_of(codes: set[int]) -> set[int]:
    not_text = {c for low, high in NOT_TEXT for c in range(low, high + 1)}
    return {c for c in codes if c >= 0x20} - not_text


def _stored(ranges: tuple[tuple[int, int], ...]) -> set[int]:
    return {c for low, high in ranges for c in range(low, high + 1)}


def test_the_fallback_tables_match_the_installed_fonts() -> None:
    """What decides which fallback font a character comes from is what each family covers in
    all its styles; and a character LuaLaTeX prints is in pdflatex's repertoire or covered by
    one family in all styles (DejaVu takes every one the first two lack)."""
    families = {
        name: _ranges_of(set.intersection(*(_charset(chain[i]) for chain in LUALATEX_FONT_CHAINS)))
        for i, name in enumerate(FALLBACK_FAMILIES)
    }
    assert _stored(LM_ALL_RANGES) == families["lm"]
    assert _stored(CMU_ALL_RANGES) == families["cmu"]
    assert _stored(LUALATEX_RANGES) == _stored(PDFLATEX_RANGES).union(*families.values())


def test_the_fallback_fonts_tex_loads_are_the_ones_the_tables_describe() -> None:
    """latex/cvbuild-lua.sty declares each fallback family's serif and sans files; they are the
    chains' files, in the order of the styles the tables were computed over."""
    sty = (LATEX_DIR / "cvbuild-lua.sty").read_text(encoding="utf-8")
    declared = {
        (family, kind): re.findall(r"\{([\w.-]+\.(?:otf|ttf))\}", files)
        for family, kind, files in re.findall(
            r"\\cvbuild@fallbackfamily\{cvbuild(lm|cmu|dejavu)(rm|sf)\}((?:\s*\{[^}]*\}){4})", sty
        )
    }
    for index, family in enumerate(FALLBACK_FAMILIES):
        files = [Path(chain[index]).name for chain in LUALATEX_FONT_CHAINS]
        assert declared[(family, "sf")] == files[:4] and declared[(family, "rm")] == files[4:]


@pytest.mark.parametrize(
    ("text", "fallbacks"),
    [
        ("plain Latin text, ñ and ş, Ķeniņš, α, Д", {}),  # all pdflatex's
        ("ģ", {"lm": ("0123",)}),  # LuaLaTeX for pdflatex's sake; Latin Modern has it
        ("Ա", {"dejavu": ("0531",)}),  # Armenian: in no CMU font
        ("ԓ", {"cmu": ("0513",)}),  # Cyrillic beyond T2A: in every CMU style
        ("Ј ј", {"cmu": ("0408", "0458")}),  # T2A draws them as Latin J, j
        ("ĸ", {"dejavu": ("0138",)}),  # kra: in some CMU styles only
        ("Ա ԓ ģ", {"lm": ("0123",), "cmu": ("0513",), "dejavu": ("0531",)}),
    ],
)
def test_each_character_pdflatex_lacks_comes_from_the_first_family_with_it(
    text: str, fallbacks: dict[str, tuple[str, ...]]
) -> None:
    assert fallback_characters([text, "ascii"]) == fallbacks


def test_a_script_whose_packages_are_missing_comes_from_a_fallback_font() -> None:
    (greek,) = (s for s in PDFLATEX_SCRIPTS if s.name == "Greek")
    assert fallback_characters(["α Д"]) == {}
    assert fallback_characters(["α Д"], (greek,)) == {"cmu": ("03B1",)}
