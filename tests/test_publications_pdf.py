"""Publications in real PDFs: owner in bold (and nobody else), hard .bib cases, live links."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from cvbuild.bibliography import load_publications
from cvbuild.load import load_cv
from tests.conftest import CONTENT, BuiltPdf, make_content, pdf_text, run_cli, squash

pytestmark = pytest.mark.tex


def publication_words(pdf: Path, first_heading: str = "Journal") -> list[dict]:
    """Words with their font, from the first publication list heading to the end (footers,
    which repeat the owner's name, left out)."""
    words: list[dict] = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            page_words = page.extract_words(extra_attrs=["fontname"])
            footer = [w["top"] for w in page_words if w["text"] == "Page"]
            limit = max(footer) - 2 if footer else float(page.height)
            words += [w for w in page_words if w["top"] < limit]
    start = next(i for i, w in enumerate(words) if w["text"] == first_heading)
    return words[start:]


def is_bold(word: dict) -> bool:
    return "Bold" in word["fontname"] or "bx" in word["fontname"].lower()


def test_owner_is_bold_and_nobody_else(full_pdf: BuiltPdf) -> None:
    words = publication_words(full_pdf.path)
    cv = load_cv(CONTENT)
    publications = load_publications(cv.bibliography, CONTENT)
    others = {
        a.family
        for p in publications
        for i, a in enumerate(p.authors, 1)
        if i not in p.owner_positions and " " not in a.family
    } - {"Lapuschkin", "Bach"}
    owner_words = [w for w in words if w["text"].rstrip(",.") in ("Lapuschkin", "Bach")]
    # 58 entries, each with the owner once; a name broken across lines is two words.
    assert len(owner_words) >= 58
    assert all(is_bold(w) for w in owner_words), [w["text"] for w in owner_words if not is_bold(w)]
    bold_others = [w["text"] for w in words if w["text"].rstrip(",.") in others and is_bold(w)]
    assert not bold_others


HARD_BIB = r"""
@article{accents, author = {M{\"u}ller, Kl{\'a}ra and Lovelace, Ada and {\v{S}}koda, {\O}ystein},
  title = {{DNA} of {\"O}sterreich and Ærø — raw Unicode: Dvořák, Łódź}, journal = {Journal of Tests},
  volume = {3}, pages = {1--2}, year = {2020}, doi = {10.1000/xyz_123}}
@inproceedings{corporate, author = {{The Lovelace Consortium} and Lovelace, A.},
  title = {Corporate Authors}, booktitle = {Proc. of Things}, year = {2019}}
@article{others, author = {Lovelace, Ada and Babbage, Charles and others}, title = {Many Hands},
  journal = {Letters}, year = {2018}}
@misc{arxivmisc, author = {Lovelace, Ada}, title = {A Misc Preprint}, eprint = {2101.00001},
  archivePrefix = {arXiv}, primaryClass = {cs.LG}, year = {2021}}
@online{arxivonline, author = {Lovelace, Ada}, title = {An Online Preprint}, eprint = {2102.00002},
  eprinttype = {arxiv}, year = {2021}}
@unpublished{draft, author = {Lovelace, Ada}, title = {An Unpublished Draft}, note = {under review},
  year = {2022}, url = {https://example.org/a%20b_c?x=1&y=2#sec}}
@incollection{chapter, author = {Lovelace, Ada}, title = {A Chapter}, booktitle = {The Book},
  publisher = {Pub}, year = {2017}}
"""
HARD_SECTIONS = """\
sections:
  - id: pubs
    kind: publications
    title: Publications
    lists:
      - {category: journal, title: Journal Articles, prefix: J, numbering: descending}
      - {category: proceedings, title: Proceedings, prefix: C}
      - {category: chapter, title: Chapters}
      - {category: preprint, title: Preprints, prefix: P}
"""


@pytest.fixture(scope="module")
def hard_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hard")
    content = make_content(root, HARD_SECTIONS, bib=HARD_BIB)
    out = root / "hard.pdf"
    result = run_cli(
        "pdf", "--content", str(content), "-o", str(out), "--build-dir", str(root / "build")
    )
    assert result.exit_code == 0, result.output
    assert "journal 2 · proceedings 1 · chapter 1 · preprint 3" in result.output
    return out


def section_of(text: str, heading: str, headings: list[str]) -> str:
    start = text.index(heading)
    ends = [
        text.index(h, start + 1) for h in headings if h != heading and text.find(h, start + 1) > 0
    ]
    return text[start : min(ends, default=len(text))]


def test_hard_cases_land_in_their_categories(hard_pdf: Path) -> None:
    text = pdf_text(hard_pdf)
    headings = ["Journal Articles", "Proceedings", "Chapters", "Preprints"]
    expected = {
        "Journal Articles": ["Österreich", "Many Hands"],
        "Proceedings": ["Corporate Authors", "The Lovelace Consortium"],
        "Chapters": ["A Chapter"],
        "Preprints": ["A Misc Preprint", "An Online Preprint", "An Unpublished Draft"],
    }
    for heading, titles in expected.items():
        part = squash(section_of(text, heading, headings))
        assert all(squash(t) in part for t in titles), (heading, part)


def test_hard_cases_characters_and_labels(hard_pdf: Path) -> None:
    text = " ".join(pdf_text(hard_pdf).split())
    for phrase in ["Müller Klára", "Škoda Øystein", "DNA of Österreich and Ærø — raw Unicode: Dvořák, Łódź",
                   "et al.", "J2", "J1", "C1", "P1", "P3"]:  # fmt: skip
        assert phrase in text, phrase
    # Descending journal numbers: the newest (2020) is J2, the older (2018) J1.
    assert text.index("J2") < text.index("J1")


def test_hard_cases_links_are_live(hard_pdf: Path) -> None:
    uris = set()
    for page in PdfReader(hard_pdf).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and "/URI" in action:
                uris.add(str(action["/URI"]))
    assert "https://doi.org/10.1000/xyz_123" in uris
    assert "https://example.org/a%20b_c?x=1&y=2#sec" in uris
    assert any("2101.00001" in uri for uri in uris)
    assert "mailto:ada@example.org" in uris


def test_owner_bold_in_hard_cases(hard_pdf: Path) -> None:
    words = publication_words(hard_pdf)
    lovelace = [w for w in words if w["text"].rstrip(",.") == "Lovelace"]
    # Bold everywhere except inside the corporate author's name.
    assert sum(is_bold(w) for w in lovelace) == 7
    assert not any(
        is_bold(w) for w in words if re.sub(r"\W", "", w["text"]) in ("Babbage", "Müller")
    )
