"""Variants: the short grant CV and its rules, user-defined variants, page budgets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from cvbuild.bibliography import load_publications
from cvbuild.load import load_cv
from tests.conftest import CONTENT, BuiltPdf, copy_seed, read_pdf, replace_in, run_cli
from tests.test_full_pdf import _title

pytestmark = pytest.mark.tex


def test_short_fits_the_dfg_rules(short_pdf: BuiltPdf) -> None:
    assert len(PdfReader(short_pdf.path).pages) <= 4
    for metric in ("h-index", "i10-index", "Citations", "Summary of Scientific Impact", "12,117"):
        assert metric not in short_pdf.text
    cv = load_cv(CONTENT)
    shown = [
        p
        for p in load_publications(cv.bibliography, CONTENT)
        if short_pdf.has(_title(p.fields["title"]))
    ]
    group_a = [p for p in shown if p.category != "preprint"]
    group_b = [p for p in shown if p.category == "preprint"]
    assert 0 < len(group_a) <= 10 and 0 < len(group_b) <= 10
    assert all(p.selected for p in shown)
    assert "Book Chapters" not in short_pdf.text  # no chapter is selected
    assert short_pdf.has("Unmasking Clever Hans Predictors")
    assert not short_pdf.has("Towards Trustworthy AI in Dentistry")
    links = ("doi", "url", "eprint")  # an arXiv paper's link is its eprint (its URL repeats it)
    assert all(any(p.fields.get(name) for name in links) or p.code for p in shown)
    assert "doi.org" in short_pdf.text or "doi:" in short_pdf.text.lower()


def test_short_shows_selected_items_and_compact_supervision(short_pdf: BuiltPdf) -> None:
    assert short_pdf.has("Hugo-Geiger-Prize")
    assert not short_pdf.has("Freunde des HHI")  # award not selected
    assert short_pdf.has("TEMA") and not short_pdf.has("BerDiBa")  # leading projects only
    assert short_pdf.has("PhD Students") and short_pdf.has("O Böhler")
    assert not short_pdf.has("Composite Rule Sets")  # finished bachelor thesis: counted, not named
    assert not short_pdf.has("Teaching")


def test_a_new_variant_needs_no_code(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    # the selected MICCAI paper without its DOI (only a code link): a warning, not an error
    replace_in(
        tmp_path / "bib" / "publications.bib", "doi       = {10.1007/978-3-031-43895-0_56},", ""
    )
    (content / "variants.yaml").write_text(
        "variants:\n"
        "  erc:\n"
        "    sections: [education, awards, publications]\n"
        "    rules: {awards: {max_items: 2}}\n"
        "    publications: {selected_only: true, since_years: 0}\n"
        "    metrics: false\n"
        "    header_note: Appendix to ERC proposal *TEST-1*\n"
        "    footer_note: ERC StG 2027\n"
        "    page_budget: 3\n",
        encoding="utf-8",
    )
    result = run_cli("pdf", "--variant", "erc", "--content", str(content), "--out-dir", str(tmp_path / "out"),
                     "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = read_pdf(tmp_path / "out" / "erc.pdf")
    assert text.has("Stanford Top 2% Scientist Worldwide 2022") and text.has(
        "Best Short Paper Award"
    )
    assert not text.has("Hugo-Geiger-Prize") and not text.has("Professional Experience")
    assert text.has("Appendix to ERC proposal TEST-1") and text.has("ERC StG 2027")
    # since_years: 0 keeps the selected entries of the as-of year (2023), none older
    assert text.has("Reveal to Revise") and not text.has("Unmasking Clever Hans Predictors")
    assert "h-index" not in text.text
    # a warning names the entry, the build goes on
    assert re.search(
        r"warning: .*publications\.bib:\d+: pahde2023r2r: selected publication has no doi",
        result.output,
    )


def test_exceeded_budget_exits_4_and_names_the_big_sections(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    replace_in(content / "variants.yaml", "page_budget: 4", "page_budget: 2")
    out = tmp_path / "out"
    result = run_cli("pdf", "--variant", "short", "--content", str(content), "--out-dir", str(out),
                     "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code == 4
    assert re.search(
        r"short: [34] pages, budget 2\. Largest sections: Publications \d+%", result.output
    )
    assert (out / "short.pdf").exists()  # written anyway, to look at


def test_too_many_selected_publications_stop_the_build(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    replace_in(content / "variants.yaml", "caps: {A: 10, B: 10}", "caps: {A: 10, B: 5}")
    result = run_cli("pdf", "--variant", "short", "--content", str(content), "--out-dir", str(tmp_path / "out"),
                     "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code == 4
    assert "short: 8 publications selected in group B, at most 5 allowed" in result.output
    assert not (tmp_path / "out" / "short.pdf").exists()


def test_all_builds_every_variant_and_reports_the_one_that_fails(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    replace_in(content / "variants.yaml", "caps: {A: 10, B: 10}", "caps: {A: 10, B: 5}")
    out = tmp_path / "out"
    result = run_cli("pdf", "--all", "--content", str(content), "--out-dir", str(out),
                     "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code == 4
    assert "error: short: 8 publications selected in group B, at most 5 allowed" in result.output
    assert (out / "full.pdf").exists() and not (out / "short.pdf").exists()
    assert re.search(r"^full: .*full\.pdf \(\d+ pages", result.output, re.M)
