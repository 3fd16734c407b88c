"""The CV in another language: every word cvbuild prints itself comes from the locale file,
dates follow the language, biblatex speaks it, and no word of another locale leaks in."""

from __future__ import annotations

import re

import pytest

from cvbuild.locale import locale_for
from tests.conftest import ROOT, BuiltPdf, copy_seed, read_pdf, replace_in, run_cli


@pytest.fixture(scope="module")
def german_pdf(tmp_path_factory: pytest.TempPathFactory) -> BuiltPdf:
    root = tmp_path_factory.mktemp("de")
    content = copy_seed(root)
    replace_in(content / "person.yaml", "  language: en", "  language: de")
    result = run_cli("pdf", "--content", str(content), "--out-dir", str(root / "out"),
                     "--build-dir", str(root / "build"))  # fmt: skip
    assert result.exit_code == 0, result.output
    return read_pdf(root / "out" / "full.pdf")


def _own_words(language: str, other: str) -> set[str]:
    """The words of one locale that the other lacks and the content cannot have brought in."""
    content = " ".join(
        path.read_text(encoding="utf-8")
        for path in [*(ROOT / "content").glob("*.yaml"), *(ROOT / "bib").glob("*.bib")]
    )
    words = set(locale_for(language).words.values()) - set(locale_for(other).words.values())
    return {w for w in words if not re.search(rf"\b{re.escape(w)}\b", content, re.I)}


@pytest.mark.tex
def test_german_dates_words_and_biblatex_strings(german_pdf: BuiltPdf) -> None:
    text = german_pdf.text
    assert "Seite 1 von" in text and "Stand: 13. Okt. 2023" in text
    assert german_pdf.has("geboren am 16. Dez. 1986 in Würzburg")
    assert german_pdf.has("seit Jan. 2021") and german_pdf.has("Jan. 2019 – Dez. 2020")
    assert "Staatsangehörigkeit: german" in text
    assert re.search(r"„From attribution maps", text)  # German quotation marks from csquotes
    assert " S. 1006–1019" in text and " und Lapuschkin S" in text  # biblatex's German


@pytest.mark.tex
def test_no_english_word_of_cvbuild_in_the_german_cv(german_pdf: BuiltPdf) -> None:
    leaked = [
        w for w in _own_words("en", "de") if re.search(rf"\b{re.escape(w)}\b", german_pdf.text)
    ]
    assert not leaked


@pytest.mark.tex
def test_no_german_word_of_cvbuild_in_the_english_cv(full_pdf: BuiltPdf) -> None:
    german = _own_words("de", "en")
    assert len(german) > 10
    leaked = [w for w in german if re.search(rf"\b{re.escape(w)}\b", full_pdf.text)]
    assert not leaked
