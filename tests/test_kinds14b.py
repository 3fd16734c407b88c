"""Issue 14 leftovers: seasons at either end of a period, Markdown links in role, degree,
project and course titles (every writer), per-item `labels`, a second accent colour, grant sums
as metrics-table rows. Fast, plus one real build reading the links and words from the PDF."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from cvbuild.compose import compose
from cvbuild.dates import PartialDate, parse_period
from cvbuild.document import Document, Entry, Table
from cvbuild.pipeline import load_content
from cvbuild.richtext import Link, parse_links, plain
from cvbuild.select import select
from cvbuild.writers import docx, html, markdown
from cvbuild.writers.latex import write as write_latex
from tests.conftest import make_content, read_pdf, run_cli, squash

TODAY = PartialDate(2026, 11, 26)


def content_with(root: Path, sections: str, settings: str = "") -> Path:
    content = make_content(root, sections)
    path = content / "person.yaml"
    text = path.read_text(encoding="utf-8").replace("settings:\n", "settings:\n" + settings)
    path.write_text(text, encoding="utf-8")
    return content


def composed(root: Path, sections: str, settings: str = "") -> Document:
    cv, publications = load_content(content_with(root, sections, settings))
    return compose(select(cv, publications, "full", today=TODAY), publications)


def validate_output(root: Path, sections: str) -> str:
    result = run_cli("validate", "--content", str(make_content(root, sections)))
    assert result.exit_code == 1, result.output
    return result.output


# --------------------------------------------------------------------------- seasons


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Fall 2022 – Spring 2024", "Fall 2022 – Spring 2024"),
        ("fall 2022 - today", "Fall 2022 – today"),
        ("2021 – Spring 2024", "2021 – Spring 2024"),
        ("Fall 2022 – 2023-05", "Fall 2022 – May 2023"),
        ("Spring 2022 – Fall 2022", "Spring 2022 – Fall 2022"),
        ("Winter 2021", "Winter 2021"),
    ],
)
def test_seasons_at_either_end_of_a_period(text: str, shown: str) -> None:
    assert parse_period(text).display() == shown


def test_a_season_period_ends_after_it_starts() -> None:
    parse_period("Spring 2022 – Summer 2022")  # N: later season, same year
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_period("Summer 2022 – Spring 2022")
    with pytest.raises(ValueError, match="'Fall 2022 – Spring 2024'"):
        parse_period("Fall 2022 – Sprung 2024")  # the message shows the season form


def test_season_periods_print_and_sort(tmp_path: Path) -> None:
    sections = """sections:
  - id: x
    kind: experience
    title: Experience
    employers:
      - name: U
        roles:
          - {title: Lecturer, period: "Fall 2022 – Spring 2024"}
          - {title: Tutor, period: "Spring 2021 – Fall 2021, Fall 2024 – today"}
"""
    document = composed(tmp_path, sections)
    dates = [b.date for s in document.sections for b in s.blocks if isinstance(b, Entry)]
    assert dates == ["Fall 2022 – Spring 2024", "Spring 2021 – Fall 2021, Fall 2024 – today"]
    fall, spring = parse_period("Fall 2022 – Fall 2022"), parse_period("Spring 2023")
    assert fall.sort_key < spring.sort_key < parse_period("2023-04").sort_key


# --------------------------------------------------------------------------- links in titles


def test_parse_links_keeps_everything_but_links_literal() -> None:
    text = parse_links("Fellow of [ACME](https://acme.org), *C* algebras_x")
    assert plain(text) == "Fellow of ACME, *C* algebras_x"
    assert [n.url for n in text if isinstance(n, Link)] == ["https://acme.org"]
    assert plain(parse_links(r"\[not](https://a.org)")) == "[not](https://a.org)"
    assert plain(parse_links("[no scheme](acme.org)")) == "[no scheme](acme.org)"


LINKED = """sections:
  - id: experience
    kind: experience
    title: Experience
    employers:
      - name: U
        roles:
          - {title: "Fellow of the [Turing Institute](https://turing.example.org)", period: 2020}
  - id: education
    kind: education
    title: Education
    institutions:
      - name: U
        degrees:
          - {degree: "PhD ([thesis online](https://thesis.example.org))", period: 2014}
  - id: projects
    kind: projects
    title: Projects
    projects:
      - {acronym: EN, title: "Engines with [partners](https://partners.example.org)", role: PI, period: 2019 – 2021}
  - id: teaching
    kind: teaching
    title: Teaching
    terms:
      - {term: Fall 2022, courses: [{title: "[Seismology 101](https://course.example.org)"}]}
"""
URLS = [
    "https://turing.example.org",
    "https://thesis.example.org",
    "https://partners.example.org",
    "https://course.example.org",
]


def test_links_in_titles_reach_every_writer(tmp_path: Path) -> None:
    document = composed(tmp_path, LINKED)
    md = markdown.write(document)
    for url, text in zip(
        URLS, ["Turing Institute", "thesis online", "partners", "Seismology 101"], strict=True
    ):
        assert f"[{text}]({url})" in md, (url, md)
    page = html.write(document)
    tex = write_latex(document).tex
    for url in URLS:
        assert f'href="{url}"' in page and rf"\href{{{url}}}" in tex, url
    assert "](" not in tex
    word = docx.write(document)  # a .docx is a zip: the links are relationships to the URLs
    with zipfile.ZipFile(io.BytesIO(word)) as archive:
        relations = archive.read("word/_rels/document.xml.rels").decode("utf-8")
        body = archive.read("word/document.xml").decode("utf-8")
    for url in URLS:
        assert f'Target="{url}"' in relations, url
    assert "Turing Institute" in body and "](" not in body


# --------------------------------------------------------------------------- per-item labels


LABELLED = """sections:
  - id: education
    kind: education
    title: Education
    institutions:
      - name: U
        degrees:
          - {degree: PhD, period: 2014, thesis: Engines, supervisors: [C. Babbage],
             labels: {thesis: Dissertation, supervision: "Advisor:"}}
          - {degree: MSc, period: 2010, thesis: Looms, supervisors: [J. Jacquard]}
  - id: grants
    kind: grants
    title: Grants
    grants:
      - {title: G, funder: F, number: "7", period: 2020, amount: 10, currency: USD, share: 5,
         labels: {number: "grant", own_share: mine}}
      - {title: H, funder: F, number: "8", period: 2021, amount: 10, currency: USD, share: 5}
"""


def test_item_labels_replace_words_for_that_item_only(tmp_path: Path) -> None:
    document = composed(tmp_path, LABELLED)
    md = markdown.write(document)
    assert "Dissertation: “Engines”" in md and "Advisor: C. Babbage" in md
    assert "Thesis: “Looms”" in md and "Supervision headed by J. Jacquard" in md
    assert "F, grant 7" in md and "USD 10 (mine USD 5)" in md
    assert "F, no. 8" in md and "USD 10 (own share USD 5)" in md
    # the section total is the section's, in the language's words
    assert "USD 20 (own share USD 10)" in md


def test_item_labels_name_unknown_words(tmp_path: Path) -> None:
    sections = LABELLED.replace('supervision: "Advisor:"', 'supervisor: "Advisor:"')
    output = validate_output(tmp_path, sections)
    assert "sections.yaml:9" in output and "no such word: supervisor" in output


# --------------------------------------------------------------------------- accent colour


def test_accent_colour_is_set_only_when_given(tmp_path: Path) -> None:
    plain_tex = write_latex(composed(tmp_path / "a", LINKED)).tex
    assert r"\cvbuildaccent" not in plain_tex
    tex = write_latex(composed(tmp_path / "b", LINKED, "  accent: burgundy\n")).tex
    assert r"\cvbuildaccent{0.596078,0,0}" in tex
    output = run_cli(
        "validate", "--content", str(content_with(tmp_path / "c", LINKED, "  accent: pink\n"))
    ).output
    assert "settings.accent" in output and "burgundy" in output


# --------------------------------------------------------------------------- grant metrics


METRICS = """sections:
  - id: pubs
    kind: publications
    title: Publications
    lists: [{category: journal, title: J}]
    impact:
      title: Funding
      columns: [{label: All}, {label: Since 2021, since: 2021}, {label: Since 2022, since: 2022}]
      rows:
        - {label: Grants, values: grants}
        - {label: Own share, values: grant_shares}
      source: own records
      retrieved: 2024-01-01
  - id: grants
    kind: grants
    title: Grants
    grants:
      - {title: A, funder: F, period: 2020 – 2022, amount: 1000000, currency: USD, share: 250000}
      - {title: B, funder: F, period: 2021 – 2023, amount: 2000, currency: EUR}
      - {title: C, funder: F, period: 2021, amount: 999, currency: USD, status: pending}
"""


def _metrics(tmp_path: Path, settings: str = "") -> list[tuple[str, ...]]:
    content = content_with(tmp_path, METRICS, settings)
    bib = "@article{a, author = {Lovelace, Ada}, title = {T}, journal = {J}, year = {2020}}\n"
    (tmp_path / "refs.bib").write_text(bib, encoding="utf-8")
    person = content / "person.yaml"
    person.write_text(
        person.read_text(encoding="utf-8")
        + "  allow_outside_paths: true\nbibliography:\n  files: [../refs.bib]\n"
        "  owner_names: ['Lovelace, Ada']\n",
        encoding="utf-8",
    )
    cv, publications = load_content(content)
    document = compose(select(cv, publications, "full", today=TODAY), publications)
    (table,) = [b for s in document.sections for b in s.blocks if isinstance(b, Table)]
    return list(table.rows)


def test_grant_sums_as_metric_rows_with_since_boundary(tmp_path: Path) -> None:
    rows = _metrics(tmp_path)
    # since 2021: a grant starting in 2021 counts (N), one from 2020 not (N-1); pending never
    assert rows[0] == ("Grants", "USD 1,000,000; EUR 2,000", "EUR 2,000", "0")
    assert rows[1] == ("Own share", "USD 250,000; EUR 2,000", "EUR 2,000", "0")


def test_grant_metric_rows_in_german(tmp_path: Path) -> None:
    rows = _metrics(tmp_path, "  language: de\n")
    assert rows[0][1] == "USD 1.000.000; EUR 2.000"


# --------------------------------------------------------------------------- in the PDF


@pytest.mark.tex
def test_links_labels_and_accent_in_the_pdf(tmp_path: Path) -> None:
    labelled = LABELLED.replace("id: education", "id: education2").replace("id: grants", "id: g")
    sections = LINKED + "\n".join(labelled.splitlines()[1:]) + "\n"
    content = content_with(tmp_path, sections, "  accent: burgundy\n")
    result = run_cli(
        "pdf", "--content", str(content), "--out-dir", str(tmp_path / "out"),
        "--build-dir", str(tmp_path / "build"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pdf = read_pdf(tmp_path / "out" / "full.pdf")
    assert pdf.has("Fellow of the Turing Institute") and pdf.has("Seismology 101")
    assert pdf.has("Dissertation: “Engines”") and pdf.has("grant 7")
    assert "[" not in pdf.text and "](" not in squash(pdf.text)
    import pypdf

    reader = pypdf.PdfReader(tmp_path / "out" / "full.pdf")
    uris = {
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    }
    assert set(URLS) <= uris
