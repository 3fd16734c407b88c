"""Funder packs, the second round (issue 18): the right margin measured from PDFium's text boxes,
the personal-data table, the output file name from the pack, the msca variant. No TeX."""

from __future__ import annotations

from pathlib import Path

import pytest

from cvbuild import preflight
from cvbuild.dates import PartialDate
from cvbuild.document import Document, Table
from cvbuild.packs import Rule
from tests.conftest import CONTENT, copy_seed, replace_in

TODAY = PartialDate(2023, 10, 13)


def _rule(**fields: object) -> Rule:
    base = {"id": "R1", "text": "a rule", "source": "a test", "status": "derived"}
    return Rule.model_validate({**base, **fields})


def _facts(right_edge: float | None) -> preflight.PdfFacts:
    """One line of text 2 cm from the left, top and bottom; its right edge where given."""
    two_cm = 2 * 72 / 2.54
    runs = (
        preflight.Glyphs(1, two_cm, two_cm + 11, 11.0, "Arial", "first line"),
        preflight.Glyphs(1, two_cm, 841.89 - two_cm, 11.0, "Arial", "last line"),
    )
    edges = () if right_edge is None else (right_edge,)
    return preflight.PdfFacts(((595.28, 841.89),), runs, 0, (), "", edges)


def _margin(facts: preflight.PdfFacts) -> tuple[bool | None, str]:
    return preflight._measure(_rule(check="min_margin", value=2), facts, None, Path("cv.pdf"), "")


# 2 cm = 56.69 pt; text may hang RIGHT_HANG (2 pt) into the margin (microtype's protrusion)
@pytest.mark.parametrize(
    ("margin_pt", "passed"),
    [(56.7, True), (54.7, True), (54.6, False), (40.0, False)],
)
def test_the_right_margin_counts_at_the_boundary(margin_pt: float, passed: bool) -> None:
    found, shown = _margin(_facts(595.28 - margin_pt))
    assert found is passed, shown
    assert f"right {margin_pt / 72 * 2.54:.2f} cm" in shown


def test_a_right_margin_not_measured_is_said_and_not_failed() -> None:
    found, shown = _margin(_facts(None))
    assert found is True and "right not measured" in shown


def _one_line_pdf(path: Path, x: float, text: str) -> None:
    """A one-page A4 PDF drawing `text` in Helvetica 11 pt from `x` (written by hand: no TeX)."""
    stream = f"BT /F1 11 Tf {x} 700 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    data = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(data))
        data += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    data += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    data += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("words", "passed"), [(4, True), (12, False)])
def test_the_right_edge_is_read_from_a_real_pdf(tmp_path: Path, words: int, passed: bool) -> None:
    """PDFium's text boxes (check.text_boxes, the layout check's reading) give the edge."""
    pdf = tmp_path / "line.pdf"
    _one_line_pdf(pdf, 56.7, " ".join(["Margins"] * words))
    facts = preflight.read_pdf(pdf)
    assert len(facts.right_edges) == 1 and facts.right_edges[0] > 100
    # the left margin is fine either way; only the right edge decides
    rule = _rule(check="min_margin", value=1.9)
    found, shown = preflight._measure(rule, facts, None, pdf, "")
    assert found is passed, shown


# --------------------------------------------------------------------------- the msca variant


def _msca_dates(content: Path) -> list[str]:
    from cvbuild.compose import compose
    from cvbuild.document import Entry
    from cvbuild.pipeline import load_content, with_pack
    from cvbuild.select import select

    cv, publications = load_content(content)
    cv, packed = with_pack(cv, content, "msca")
    assert packed is not None and packed.pack.id == "msca-pf-2026"
    document = compose(select(cv, publications, "msca", TODAY), publications)
    section = next(s for s in document.sections if s.id == "experience")
    assert section.title == "Professional experience"  # the template's words
    return [block.date for block in section.blocks if isinstance(block, Entry)]


def test_msca_prints_dates_as_numbers_and_invents_no_day() -> None:
    dates = _msca_dates(CONTENT)
    assert dates[0] == "01/2021 – today" and dates[1] == "01/2019 – 12/2020"


def test_msca_prints_the_day_where_the_content_has_it(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    replace_in(content / "sections.yaml", "period: 2021-01 – today", "period: 2021-01-15 – today")
    assert _msca_dates(content)[0] == "15/01/2021 – today"


def test_a_variant_date_style_wins_over_the_pack() -> None:
    from cvbuild.models import Variant
    from cvbuild.packs import load_pack, with_layout

    pack = load_pack("msca-pf-2026")
    assert with_layout(Variant(pack="msca-pf-2026"), pack).date_style == "01/2021"
    own = Variant(pack="msca-pf-2026", date_style="ISO")
    assert with_layout(own, pack).date_style == "ISO"


# --------------------------------------------------------------------------- personal-data table

_ORCID = "0000-0002-1825-0097"


def _dfg_document(content: Path, variant: str = "dfg") -> Document:
    from cvbuild.compose import compose
    from cvbuild.pipeline import load_content, with_pack
    from cvbuild.select import select

    cv, publications = load_content(content)
    cv, _ = with_pack(cv, content, variant)
    return compose(select(cv, publications, variant, TODAY), publications)


def _with_orcid_and_contract(tmp_path: Path) -> Path:
    content = copy_seed(tmp_path)
    replace_in(
        content / "person.yaml",
        "  profiles:\n",
        f"  contract_end: 2026-09-30\n  profiles:\n    - network: orcid\n      username: {_ORCID}\n",
    )
    return content


def _table(document: Document) -> Table:
    first = document.sections[0]
    assert first.id == "personal-data"
    (table,) = first.blocks
    assert isinstance(table, Table) and table.kind == "fields"
    return table


def test_dfg_opens_with_the_personal_data_it_has() -> None:
    document = _dfg_document(CONTENT)
    assert document.sections[0].title == "Personal data"
    # no contract end and no ORCID iD in his content: those rows are left out, not left blank
    assert _table(document).rows == (
        ("Academic title", "Dr. rer. nat."),
        ("Current position", "Head of Explainable Artificial Intelligence"),
        ("Institution", "Fraunhofer Heinrich-Hertz-Institute"),
    )
    assert document.header.title == "" and document.header.headline == ""  # not twice
    assert document.sections[1].title == "Qualifications and career"


def test_every_row_in_the_order_asked_and_not_repeated_in_the_header(tmp_path: Path) -> None:
    document = _dfg_document(_with_orcid_and_contract(tmp_path))
    assert [label for label, _ in _table(document).rows] == [
        "Academic title", "Current position", "Institution", "Contract until", "ORCID iD",
    ]  # fmt: skip
    assert _table(document).rows[3][1] == "30 Sep 2026" and _table(document).rows[4][1] == _ORCID
    assert not any("Contract" in str(extra) for extra in document.header.extras)
    assert "orcid" not in [profile.network for profile in document.header.profiles]


def test_the_table_speaks_the_variant_language(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    replace_in(
        content / "variants.yaml",
        "    pack: dfg-53.200@2023",
        "    language: de\n    pack: dfg-53.200@2023",
    )
    document = _dfg_document(content)
    assert document.sections[0].title == "Persönliche Daten"
    assert _table(document).rows[0] == ("Akademischer Grad", "Dr. rer. nat.")


def test_the_current_position_is_the_newest_running_role() -> None:
    from cvbuild.kinds.experience import ExperienceSection, current_position

    def section(*roles: tuple[str, str, str]) -> ExperienceSection:
        employers = [
            {"name": employer, "roles": [{"title": title, "period": period}]}
            for title, employer, period in roles
        ]
        return ExperienceSection.model_validate(
            {"id": "x", "kind": "experience", "title": "X", "employers": employers}
        )

    done = ("Postdoc", "Uni A", "2015-01 – 2019-12")
    old = ("Lecturer", "[Uni B](https://b.example)", "2018-01 – today")
    new = ("Group leader", "Institute C", "2021-04 – today")
    assert current_position([section(done)]) is None
    assert current_position([section(done, old)]) == ("Lecturer", "Uni B")  # link text only
    assert current_position([section(done, old), section(new)]) == ("Group leader", "Institute C")


def test_no_table_unless_asked_and_none_without_values(tmp_path: Path) -> None:
    assert _dfg_document(CONTENT, "erc").sections[0].id != "personal-data"
    content = copy_seed(tmp_path)
    replace_in(
        content / "variants.yaml",
        "    pack: dfg-53.200@2023",
        "    pack: dfg-53.200@2023\n    personal_table: [contract_end, orcid]",
    )
    assert _dfg_document(content).sections[0].id != "personal-data"


def test_every_writer_prints_the_table(tmp_path: Path) -> None:
    import io

    from docx import Document as Word

    from cvbuild.writers import docx, html, latex, markdown

    document = _dfg_document(_with_orcid_and_contract(tmp_path))
    tex = latex.write(document).tex
    assert r"\begin{cvbuildfields}" in tex and rf"ORCID iD & {_ORCID} \\" in tex
    text = markdown.write(document)
    assert f"| ORCID iD | {_ORCID} |" in text and "| Institution | Fraunhofer" in text
    page = html.write(document)
    assert f'<tr><th scope="row">ORCID iD</th><td>{_ORCID}</td></tr>' in page
    word = Word(io.BytesIO(docx.write(document)))
    cells = [[cell.text for cell in row.cells] for row in word.tables[0].rows]
    assert cells[0] == ["Academic title", "Dr. rer. nat."] and cells[-1] == ["ORCID iD", _ORCID]


# --------------------------------------------------------------------------- the file name


@pytest.mark.parametrize(
    ("family", "stem"),
    [("Lapuschkin", "CV_PubList_Lapuschkin"), ("van der Berg", "CV_PubList_van der Berg"),
     ("Smith/Jones", "CV_PubList_Smith_Jones"), ("A:B*?", "CV_PubList_A_B_")],
)  # fmt: skip
def test_the_file_name_a_pack_asks_for_is_a_file_name(family: str, stem: str) -> None:
    from cvbuild.packs import file_stem

    assert file_stem("CV_PubList_{family_name}", family) == stem


def test_the_default_file_name_comes_from_the_pack(tmp_path: Path) -> None:
    from cvbuild.pipeline import default_stems

    names = ["full", "dfg", "erc", "msca"]
    assert default_stems(CONTENT, names) == {
        "full": "full", "dfg": "CV_PubList_Lapuschkin", "erc": "erc", "msca": "msca",
    }  # fmt: skip
    content = copy_seed(tmp_path)
    replace_in(content / "person.yaml", "family_name: Lapuschkin", "family_name: Lapuschkin-Bach")
    assert default_stems(content, ["dfg"]) == {"dfg": "CV_PubList_Lapuschkin-Bach"}


def test_the_remembered_name_is_a_plain_file_name_only(tmp_path: Path) -> None:
    from cvbuild import outputs

    assert outputs.last_default_stem(tmp_path) is None
    outputs.remember_default_stem(tmp_path, "CV_PubList_Lapuschkin")
    assert outputs.last_default_stem(tmp_path) == "CV_PubList_Lapuschkin"
    for bad in ("../elsewhere", "a/b", "..", ""):
        (tmp_path / outputs.NAME_HINT).write_text(bad, encoding="utf-8")
        assert outputs.last_default_stem(tmp_path) is None, bad
    outputs.remember_default_stem(tmp_path, None)  # a build with -o forgets it
    assert not (tmp_path / outputs.NAME_HINT).exists()


def test_two_variants_asking_for_one_file_keep_their_own_names(tmp_path: Path) -> None:
    from cvbuild.cli import Request, _default_targets

    content = copy_seed(tmp_path)
    replace_in(
        content / "variants.yaml",
        "  berufung:",
        "  dfg2:\n    pack: dfg-53.200@2023\n    sections: [experience]\n\n  berufung:",
    )
    out = tmp_path / "out"
    request = Request(("dfg", "dfg2", "full"), content, None, out, tmp_path / "build")
    said: list[str] = []
    targets = {name: out / f"{name}.pdf" for name in request.names}
    found = dict(_default_targets(request, ["dfg", "dfg2", "full"], targets, said.append))
    assert found == {"dfg": out / "dfg.pdf", "dfg2": out / "dfg2.pdf", "full": out / "full.pdf"}
    assert len(said) == 2 and "CV_PubList_Lapuschkin.pdf is also the file of dfg2" in said[0]
    alone = dict(_default_targets(request, ["dfg"], targets, said.append))
    assert alone == {"dfg": out / "CV_PubList_Lapuschkin.pdf"}


def test_content_that_cannot_be_read_keeps_the_variant_names(tmp_path: Path) -> None:
    from cvbuild.cli import Request, _default_targets

    content = copy_seed(tmp_path)
    replace_in(content / "person.yaml", "family_name: Lapuschkin", "family_name: [oops]")
    out = tmp_path / "out"
    request = Request(("dfg",), content, None, out, tmp_path / "build")
    found = _default_targets(request, ["dfg"], {"dfg": out / "dfg.pdf"}, lambda _: None)
    assert found == [("dfg", out / "dfg.pdf")]


@pytest.mark.parametrize(("length", "cut"), [(255, False), (256, True)])
def test_a_long_variant_description_fits_the_word_properties(length: int, cut: bool) -> None:
    """python-docx refused a subject over 255 characters (exit 70 for a long description)."""
    import dataclasses
    import io

    from docx import Document as Word

    from cvbuild.writers import docx

    document = _dfg_document(CONTENT)
    subject = "x" * length
    long = dataclasses.replace(
        document, metadata=dataclasses.replace(document.metadata, subject=subject)
    )
    written = Word(io.BytesIO(docx.write(long))).core_properties.subject
    assert len(written) == min(length, 255) and written.endswith("…") is cut
