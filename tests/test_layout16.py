"""Issue 16 leftovers, compiled with real latexmk/biber and read back: publication details,
typographic quotes, banking's title line, cvbuild's own layout check, rebuilds after a .sty
edit. The rules themselves are pinned fast in tests/test_layout16_rules.py."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from cvbuild import check
from cvbuild.compile import compile_project
from cvbuild.resources import LATEX_DIR
from cvbuild.writers.latex import RenderedProject
from tests.conftest import BuiltPdf, pdf_text, run_cli

pytestmark = pytest.mark.tex

# One entry per exporter habit issue 16 saw printed wrongly (field layouts as the exporters write
# them: Google Scholar, DBLP, NASA ADS, Zotero).
EXPORTS_BIB = r"""
@article{volno, author = {Lovelace, Ada and Hill, A. B.}, title = {Volume and issue},
  journal = {Nature Machine Intelligence}, volume = {5}, number = {9}, pages = {1006--1019},
  year = {2023}}
@article{artno, author = {Lovelace, Ada}, title = {An article number as pages},
  journal = {Journal of Dental Research}, pages = {00220345221106086}, year = {2022}}
@article{plos, author = {Lovelace, Ada}, title = {A letter and digits},
  journal = {PLoS ONE}, volume = {10}, number = {7}, pages = {e0130140}, year = {2015}}
@article{page, author = {Lovelace, Ada}, title = {One real page},
  journal = {Scientific Reports}, volume = {10}, pages = {6423}, year = {2020}}
@ARTICLE{ads, author = {{Lovelace}, Ada}, title = "{ADS eid and pages}", journal = {ApJ},
  year = 2024, volume = {974}, number = {1}, eid = {145}, pages = {145}}
@ARTICLE{adsarxiv, author = {{Lovelace}, Ada}, title = "{ADS e-print}",
  journal = {arXiv e-prints}, year = 2024, eid = {arXiv:2407.17110},
  pages = {arXiv:2407.17110}, doi = {10.48550/arXiv.2407.17110}, archivePrefix = {arXiv},
  eprint = {2407.17110}}
@article{scholar, title = {The winter dilemma}, author = {Lovelace, Ada},
  journal = {arXiv preprint arXiv:2110.01554}, year = {2021}}
@article{dblp, author = {Ada Lovelace}, title = {DBLP export}, journal = {CoRR},
  volume = {abs/2308.12053}, year = {2023}, url = {https://arxiv.org/abs/2308.12053}}
@online{zotero, author = {Lovelace, Ada}, title = {Zotero preprint}, eprinttype = {arxiv},
  eprint = {2001.00001}, pubstate = {preprint}, date = {2020},
  url = {http://arxiv.org/abs/2001.00001}}
"""

SECTIONS = """\
sections:
  - id: publications
    kind: publications
    title: Publications
    lists:
      - {category: journal, title: Journal Articles}
      - {category: preprint, title: Preprints}
"""


def _content(root: Path, sections: str, settings: str = "", person: str = "") -> Path:
    content = root / "content"
    content.mkdir(parents=True)
    (root / "refs.bib").write_text(EXPORTS_BIB, encoding="utf-8")
    (content / "person.yaml").write_text(
        "person:\n  given_names: Ada\n  family_name: Lovelace\n  email: ada@example.org\n"
        + person
        + "settings:\n  as_of: 2024-01-31\n  allow_outside_paths: true\n"
        + settings
        + "bibliography:\n  files: [../refs.bib]\n  owner_names: ['Lovelace, Ada']\n",
        encoding="utf-8",
    )
    (content / "sections.yaml").write_text(sections, encoding="utf-8")
    return content


def _pdf(root: Path, content: Path) -> tuple[str, str]:
    """The PDF's text (one line per printed line) and what cvbuild printed."""
    out = root / "cv.pdf"
    result = run_cli(
        "pdf", "--content", str(content), "-o", str(out), "--no-pdfa",
        "--build-dir", str(root / "build"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return pdf_text(out), result.output


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("exports")
    return _pdf(root, _content(root, SECTIONS))[0]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_volume_and_issue_as_vol_parenthesis_no(exports: str) -> None:
    text = _one_line(exports)
    assert "5(9)" in text and "974(1)" in text and "10(7)" in text
    assert not re.search(r"\b\d+\.\d+ \(\d{4}\)", text)  # "5.9 (2023)", read as a decimal


def test_article_numbers_are_printed_as_such(exports: str) -> None:
    text = _one_line(exports)
    assert "Art. 00220345221106086" in text
    assert "Art. e0130140" in text
    assert "p. 00220345221106086" not in text and "e0130140 (2015)" not in text.replace(
        "Art. e0130140 (2015)", ""
    )
    assert "p. 6423" in text  # a single short page is a page


def test_ads_eid_equal_to_pages_is_printed_once(exports: str) -> None:
    text = _one_line(exports)
    assert "Art. 145" in text
    assert "p. 145" not in text and text.count("145") == 1


@pytest.mark.parametrize("number", ["2407.17110", "2110.01554", "2308.12053", "2001.00001"])
def test_an_arxiv_number_is_printed_once(exports: str, number: str) -> None:
    text = _one_line(exports)
    assert text.count(number) == 1, text
    assert f"arXiv: {number}" in text


def test_arxiv_disguises_leave_no_journal_behind(exports: str) -> None:
    text = _one_line(exports)
    for disguise in ("arXiv preprint", "CoRR", "abs/", "arXiv e-prints", "In: (20"):
        assert disguise not in text


def test_one_link_label_style(exports: str) -> None:
    text = _one_line(exports)
    assert "doi:" not in text and "url:" not in text


def test_the_article_number_word_follows_the_language(tmp_path: Path) -> None:
    text = _pdf(tmp_path, _content(tmp_path, SECTIONS, settings="  language: de\n"))[0]
    assert "Art.-Nr. 00220345221106086" in _one_line(text)


# --------------------------------------------------------------------------- the shipped CV


def test_shipped_cv_has_curly_quotes_and_no_straight_ones(full_pdf: BuiltPdf) -> None:
    assert "ICML’16" in full_pdf.text
    assert '"' not in full_pdf.text
    assert "“Explaining NonLinear" in full_pdf.text


def test_shipped_award_reads_as_one_sentence(full_pdf: BuiltPdf) -> None:
    assert full_pdf.has("Pattern Recognition Medal for the paper")
    assert "Medal. for" not in " ".join(full_pdf.text.split())


def test_a_line_never_ends_with_a_host_name(tmp_path: Path) -> None:
    """Links written out in the text, each after a few more words than the one before, so
    that some fall where a line ends: the break comes after the host's first path part or
    before the link, never right after "github.com/"."""
    link = "github.com/understandable-machine-intelligence-lab/quantus"
    items = "".join(
        f"      - label: L{n}\n        text: {'word ' * n}{link}\n" for n in range(1, 25)
    )
    sections = "sections:\n  - id: skills\n    kind: skills\n    title: Links\n    skills:\n"
    text, _ = _pdf(tmp_path, _content(tmp_path, sections + items))
    lines = [line.strip() for line in text.splitlines()]
    assert not [line for line in lines if line.endswith("github.com/")]
    assert any(line.endswith("understandable-machine-intelligence-lab/") for line in lines)


def test_shipped_cv_prints_article_numbers_and_issues(full_pdf: BuiltPdf) -> None:
    text = _one_line(full_pdf.text)
    assert "Art. 00220345221106086" in text and "5(9)" in text
    assert "p. 00220345221106086" not in text and "5.9 (2023)" not in text


# --------------------------------------------------------------------------- banking's title


@pytest.mark.parametrize(
    ("title", "bar"),
    [("Dr.", True), ("Dr. rer. nat. habil. (née Byron), Fellow of the Royal Society", False)],
)
def test_banking_title_line_never_starts_with_the_bar(
    tmp_path: Path, title: str, bar: bool
) -> None:
    """A title that fits stands after "Name |"; one that wraps starts its own line, no "|"."""
    content = _content(
        tmp_path, SECTIONS, settings="  style: banking\n", person=f"  academic_title: {title}\n"
    )
    text, _ = _pdf(tmp_path, content)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert not any(line.startswith("|") for line in lines), lines[:3]
    assert any("Lovelace |" in line for line in lines[:3]) is bar, lines[:3]


# --------------------------------------------------------------------------- the layout check


def test_a_long_unbreakable_token_is_reported_with_section_and_item(tmp_path: Path) -> None:
    token = "0123456789" * 12
    sections = (
        SECTIONS
        + "  - id: skills\n    kind: skills\n    title: Toolbox\n    skills:\n"
        + f"      - label: Numbers\n        text: Grid {token}\n"
    )
    _, output = _pdf(tmp_path, _content(tmp_path, sections))
    warnings = [line for line in output.splitlines() if "into the right margin" in line]
    assert len(warnings) == 1, output
    assert "in 'Toolbox'" in warnings[0] and f"the line '{token[:60]}" in warnings[0]


def test_overprinted_text_is_reported(tmp_path: Path) -> None:
    """A PDF with text set over other text (\\llap), compiled by pdflatex and read back."""
    (tmp_path / "over.tex").write_text(
        r"\documentclass{article}\usepackage[margin=2cm]{geometry}\pagestyle{empty}"
        r"\begin{document}\section*{Teaching}Lecture on machine learning\llap{Overprint}"
        r"\par Another line\end{document}",
        encoding="utf-8",
    )
    subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "over.tex"],
        cwd=tmp_path, capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    margin = check.length_pt("2cm")
    warnings = check.layout_warnings(tmp_path / "over.pdf", ["Teaching"], margin)
    assert len(warnings) == 1, warnings
    assert warnings[0] == "page 1 in 'Teaching': 'Overprint' is printed over 'on machine learning'"


def test_the_exports_cv_has_no_layout_warning(tmp_path: Path) -> None:
    _, output = _pdf(tmp_path, _content(tmp_path, SECTIONS))
    assert "margin" not in output and "over each other" not in output, output


# --------------------------------------------------------------------------- stale rebuilds


def test_an_edited_sty_is_used_by_the_next_build(tmp_path: Path) -> None:
    """With the preamble in a precompiled format, pdflatex reads the format, not cvbuild.sty,
    and latexmk saw nothing to redo after a .sty edit: the old PDF stayed."""
    root = tmp_path / "cv"
    root.mkdir()
    _pdf(root, _content(root, SECTIONS))
    build = root / "build" / "full"
    original = RenderedProject(
        tex=(build / "cv.tex").read_text(encoding="utf-8"),
        bib=(build / "cvbuild-publications.bib").read_text(encoding="utf-8"),
        support_files=tuple(sorted(p for p in LATEX_DIR.iterdir() if p.suffix in (".sty", ".lua"))),
        engine="pdflatex",
    )
    first = compile_project(original, build, source_date_epoch=1706702400)
    assert "Edited layout" not in pdf_text(first.pdf)
    edited_dir = tmp_path / "edited"
    edited_dir.mkdir()
    edited = edited_dir / "cvbuild.sty"
    sty = (LATEX_DIR / "cvbuild.sty").read_text(encoding="utf-8")
    edited.write_text(
        sty.replace("\\endinput", "\\AtEndDocument{\\par Edited layout}\n\\endinput"),
        encoding="utf-8",
    )
    files = tuple(edited if p.name == "cvbuild.sty" else p for p in original.support_files)
    second = compile_project(
        replace(original, support_files=files), build, source_date_epoch=1706702400
    )
    assert "Edited layout" in pdf_text(second.pdf)


# --------------------------------------------------------------------------- hold-out CVs

HOLD_OUTS = Path(__file__).parent / "data" / "import"


@pytest.mark.parametrize("style", ["banking", "oldstyle"])
@pytest.mark.parametrize("cv", ["Marine_Denolle_CV", "Kshitij_Dahal_CV"])
def test_hold_out_cvs_build_without_layout_warnings(tmp_path: Path, cv: str, style: str) -> None:
    """Other people's RenderCV files, imported, in the two styles with the narrowest text:
    cvbuild's own check finds nothing (Marine's 300-character tracking link ran 251 pt into
    the margin), and "Seattle, WA" stays on one line."""
    imported = run_cli("import", "rendercv", str(HOLD_OUTS / f"{cv}.yaml"), str(tmp_path / "cv"))
    assert imported.exit_code == 0, imported.output
    person = tmp_path / "cv" / "person.yaml"
    person.write_text(
        person.read_text(encoding="utf-8").replace("settings:\n", f"settings:\n  style: {style}\n"),
        encoding="utf-8",
    )
    text, output = _pdf(tmp_path, tmp_path / "cv")
    for defect in ("margin", "over each other", "too wide", "is the last line"):
        assert defect not in output, output
    if cv == "Marine_Denolle_CV":
        assert any("Seattle, WA" in line for line in text.splitlines())
