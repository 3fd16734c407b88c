"""Publication details as exporters write them, normalised once in Python (issue 16) so that the
PDF (biblatex), Markdown, HTML and Word print the same: an arXiv paper disguised as a journal
article (Google Scholar, DBLP, NASA ADS) becomes an eprint printed once; an article number
written as `pages` becomes one ("Art. N"), with the volume kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from cvbuild import richtext as rt
from cvbuild.bibliography import load_publications
from cvbuild.locale import locale_for
from cvbuild.models import Bibliography
from cvbuild.references import format_reference

ENTRY = "@article{{k, author = {{Lovelace, Ada}}, title = {{T}}, year = {{2020}}, {fields}}}\n"


def load_one(tmp_path: Path, fields: str):  # type: ignore[no-untyped-def]
    (tmp_path / "refs.bib").write_text(ENTRY.format(fields=fields), encoding="utf-8")
    spec = Bibliography.model_validate({"files": ["refs.bib"], "owner_names": ["Lovelace, Ada"]})
    (publication,) = load_publications(spec, tmp_path)
    return publication


@pytest.mark.parametrize(
    ("fields", "arxiv"),
    [
        ("journal = {arXiv preprint arXiv:2106.13200}", "2106.13200"),  # Google Scholar
        ("journal = {CoRR}, volume = {abs/2106.13200}", "2106.13200"),  # DBLP
        (
            "journal = {arXiv e-prints}, eid = {arXiv:2106.13200}, pages = {arXiv:2106.13200}",
            "2106.13200",
        ),  # NASA ADS
    ],
    ids=["scholar", "dblp", "ads"],
)
def test_arxiv_disguises_become_one_eprint(tmp_path: Path, fields: str, arxiv: str) -> None:
    publication = load_one(tmp_path, fields + ", url = {https://arxiv.org/abs/" + arxiv + "}")
    assert publication.entry_type == "misc" and publication.category == "preprint"
    assert publication.fields["eprint"] == arxiv
    for gone in ("journal", "volume", "eid", "pages", "url"):
        assert gone not in publication.fields
    text = rt.plain(format_reference(publication, locale_for("en")))
    assert text.count(arxiv) == 1 and "CoRR" not in text and "e-prints" not in text


@pytest.mark.parametrize(
    ("pages", "eid"),
    [("00220345221106086", "00220345221106086"), ("107899", "107899"), ("e0130140", "e0130140"),
     ("dyac078", "dyac078"), ("12345", None), ("261--270", None), ("A66", "A66")],
)  # fmt: skip
def test_article_numbers_written_as_pages(tmp_path: Path, pages: str, eid: str | None) -> None:
    """6 digits or more, or letters then digits, is an article number; 5 digits or a range are
    pages."""
    fields = f"journal = {{J}}, volume = {{115}}, pages = {{{pages}}}"
    publication = load_one(tmp_path, fields)
    text = rt.plain(format_reference(publication, locale_for("en")))
    if eid is None:
        assert "eid" not in publication.fields and publication.fields["pages"] == pages
        assert "Art." not in text
    else:
        assert publication.fields["eid"] == eid and "pages" not in publication.fields
        assert f"J, 115, Art.\u00a0{eid}, 2020" in text


def test_volume_without_pages_is_printed(tmp_path: Path) -> None:
    """pybtex's unsrt dropped the volume of an article without pages."""
    publication = load_one(tmp_path, "journal = {J}, volume = {7}, number = {2}")
    assert "J, 7(2), 2020" in rt.plain(format_reference(publication, locale_for("en")))


def test_german_article_number_word(tmp_path: Path) -> None:
    publication = load_one(tmp_path, "journal = {J}, pages = {e0130140}")
    assert "Art.-Nr.\u00a0e0130140" in rt.plain(format_reference(publication, locale_for("de")))
