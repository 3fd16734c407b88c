"""The character repertoires and the engine choice."""

from __future__ import annotations

import subprocess

import pytest

from cvbuild.repertoire import (
    LUALATEX_FONT_CHAINS,
    LUALATEX_RANGES,
    NOT_TEXT,
    engine_for,
    unprintable,
)


def test_latin_text_stays_on_pdflatex() -> None:
    assert engine_for(["Tětková Müller Øresund łódź Ærø Ľubica – “quotes” … € ™"]) == "pdflatex"


@pytest.mark.parametrize(
    "text",
    [
        "Αλέξανδρος Παπαδόπουλος",
        "Дмитрий Иванов",
        "Ģederts Ķeniņš",  # T1 builds ķ from k and an accent: it would copy out as 'k,'
        "Nguyễn Thị Minh Khai",
        "Əliyev (Azərbaycan)",
    ],
)
def test_greek_cyrillic_and_rarer_latin_switch_to_lualatex(text: str) -> None:
    assert engine_for(["plain", text]) == "lualatex"
    assert unprintable(text) == []


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
