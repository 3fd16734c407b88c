"""The CV in another language: every word cvbuild prints itself comes from the locale file,
dates follow the language, biblatex speaks it, and no word of another locale leaks in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cvbuild.locale import locale_for
from tests.conftest import ROOT, BuiltPdf, build_seed_variant, copy_seed, replace_in, run_cli


@pytest.fixture(scope="module")
def german_pdf(tmp_path_factory: pytest.TempPathFactory) -> BuiltPdf:
    """The shipped `full-de` variant: the Lebenslauf from the same content as `full`."""
    return build_seed_variant("full-de", tmp_path_factory.mktemp("de"))


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
    assert "Staatsangehörigkeit: deutsch" in text and "Berlin, Deutschland" in text
    for heading in ("Kurzbiografie", "Beruflicher Werdegang", "Schriftenverzeichnis", "Lehre"):
        assert german_pdf.has(heading), heading
    assert german_pdf.has("Sebastian Lapuschkin wurde 2018 an der Technischen Universität")
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


def _xmp(pdf: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


@pytest.mark.tex
def test_both_languages_are_pdf_a_with_their_language(
    german_pdf: BuiltPdf, full_pdf: BuiltPdf
) -> None:
    german, english = _xmp(german_pdf.path), _xmp(full_pdf.path)
    assert "<dc:language><rdf:Bag><rdf:li>de</rdf:li>" in german and "pdfaid:part" in german
    assert "<dc:language><rdf:Bag><rdf:li>en</rdf:li>" in english
    assert "Lebenslauf — Sebastian Lapuschkin" in german


@pytest.mark.tex
def test_each_language_hyphenates_and_cites_with_its_own_patterns(
    german_pdf: BuiltPdf, full_pdf: BuiltPdf
) -> None:
    assert "German support for babel (post-1996 orthography)" in german_pdf.log
    assert "Trying to load language 'ngerman'" in german_pdf.log
    assert "ngerman" not in full_pdf.log and "Trying to load language 'english'" in full_pdf.log


def test_a_missing_translation_is_a_warning_with_its_line_and_falls_back(tmp_path: Path) -> None:
    from cvbuild.compose import compose
    from cvbuild.dates import PartialDate
    from cvbuild.pipeline import in_variant_language, load_content
    from cvbuild.select import select

    content = copy_seed(tmp_path)
    replace_in(content / "sections.yaml", "title: {en: Awards, de: Auszeichnungen}",
               "title: {en: Awards}")  # fmt: skip
    line = next(
        number
        for number, text in enumerate((content / "sections.yaml").read_text().splitlines(), 1)
        if "title: {en: Awards}" in text
    )
    result = run_cli("validate", "--content", str(content))
    assert result.exit_code == 0, result.output
    assert f"sections.yaml:{line}: no 'de' text; the 'en' one is printed instead" in result.output
    cv, publications = load_content(content)
    cv = in_variant_language(cv, content, "full-de")
    selection = select(cv, publications, "full-de", today=PartialDate(2026, 1, 1))
    titles = [s.title for s in compose(selection, publications).sections]
    assert "Awards" in titles and "Lehre" in titles


def test_init_in_german_writes_a_german_starter(tmp_path: Path) -> None:
    folder = tmp_path / "cv"
    result = run_cli("init", str(folder), "--name", "Änne Müller", "--language", "de")
    assert result.exit_code == 0, result.output
    assert "  language: de\n" in (folder / "person.yaml").read_text(encoding="utf-8")
    assert run_cli("validate", "--content", str(folder)).exit_code == 0
    assert (
        run_cli("md", "--content", str(folder), "--out-dir", str(tmp_path / "out")).exit_code == 0
    )
    headings = re.findall(r"^##+ (.+)$", (tmp_path / "out" / "full.md").read_text(), re.M)
    english = set(locale_for("de").starter) - set(locale_for("de").starter.values())
    assert "Kurzbiografie" in headings and "Schriftenverzeichnis" in headings
    assert not english & set(headings), english & set(headings)


def test_init_refuses_a_language_without_a_locale(tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path / "cv"), "--language", "xx")
    assert result.exit_code == 2 and "'xx' is not one of" in result.output
