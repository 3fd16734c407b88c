"""Issue 21: small confirmed bugs, one test each (each failed before its fix)."""

from __future__ import annotations

import pytest

from tests.conftest import BuiltPdf


@pytest.mark.tex
@pytest.mark.parametrize("fixture", ["full_pdf", "short_pdf"])
def test_shipped_cvs_build_without_warnings(fixture: str, request: pytest.FixtureRequest) -> None:
    """pahde2023r2r had no DOI (MICCAI 2023, LNCS 14221, pp. 596-606): the DOI
    10.1007/978-3-031-43895-0_56 was found in public reference lists (a Springer chapter link and
    the proceedings ISBN 978-3-031-43895-0 with the same pages) and added."""
    built: BuiltPdf = request.getfixturevalue(fixture)
    assert "warning" not in built.output.lower(), built.output


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("mailto:ada@example.org", True),
        ("mailto://ada@example.org", False),
        ("https://www.uni.edu/~ada/", True),
        ("http:/typo.org", False),
        ("https:///x", False),
    ],
)
def test_url_field_takes_mailto_without_slashes(url: str, valid: bool) -> None:
    """Issue 21.2: `mailto:` was refused and `mailto://` accepted."""
    from pydantic import ValidationError

    from cvbuild.kinds.projects import Project

    make = lambda: Project(acronym="A", title="T", period="2020", url=url)  # noqa: E731
    if valid:
        assert make().url == url
    else:
        with pytest.raises(ValidationError, match="url"):
            make()


@pytest.mark.parametrize(
    ("people", "expected"),
    [
        (["2015 – 2019", "2016 – 2020"], "2 completed"),
        (["2022-", "2023-"], "2 ongoing: P0, P1"),
        (["2015 – 2019", "2022-"], "1 completed, 1 ongoing: P1"),
    ],
)
def test_compact_supervision_says_what_its_numbers_mean(people: list[str], expected: str) -> None:
    """Issue 21.5: compact supervision printed "2 (2 today)"."""
    from cvbuild.compose import compose
    from cvbuild.richtext import plain
    from tests.test_select_rules import choose, cv_with

    supervision = {
        "id": "sup",
        "kind": "supervision",
        "title": "Supervision",
        "groups": [
            {
                "title": "PhD students",
                "level": "phd",
                "people": [
                    {"name": f"P{i}", "institution": "U", "period": period, "topic": "t"}
                    for i, period in enumerate(people)
                ],
            }
        ],
    }
    cv = cv_with([supervision], rules={"sup": {"compact": True}})
    (item,) = compose(choose(cv), ()).sections[0].blocks
    assert item.label == "PhD students" and plain(item.text) == expected


def test_section_emptied_by_the_rules_is_left_out() -> None:
    """Issue 21.4 (part): a publications section with no selected entry prints no bare heading."""
    from cvbuild.compose import compose
    from tests.test_select_rules import PUBLICATIONS_SECTION, choose, cv_with, publication

    section = {k: v for k, v in PUBLICATIONS_SECTION.items() if k != "impact"}
    cv = cv_with([section], publications={"selected_only": True})
    entries = (publication("j1", "journal", 2020, selected=False),)
    assert compose(choose(cv, entries), entries).sections == ()


@pytest.mark.tex
def test_a_variant_without_selected_publications_builds_and_validate_warns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 21.4: no selected entry made the build fail (exit 3, "rerun Biber") silently."""
    import re

    from tests.conftest import make_content, pdf_text, run_cli

    bib = "@article{a1, author={Lovelace, Ada}, title={On Engines}, journal={J}, year={1843}}\n"
    sections = (
        "sections:\n  - {id: about, kind: bio, title: About, paragraphs: [Text.]}\n"
        "  - {id: pubs, kind: publications, title: Publications,\n"
        "     lists: [{category: journal, title: Articles}]}\n"
    )
    content = make_content(tmp_path, sections, bib=bib)
    (content / "variants.yaml").write_text(
        "variants:\n  short:\n    publications: {selected_only: true}\n", encoding="utf-8"
    )
    checked = run_cli("validate", "--content", str(content))
    assert checked.exit_code == 0, checked.output
    assert re.search(
        r"variants\.yaml:[23]: variants\.short: section 'pubs' is left out.*keywords = \{selected\}",
        checked.output,
    )
    built = run_cli("pdf", "--variant", "short", "--content", str(content),
                    "--out-dir", str(tmp_path / "out"), "--build-dir", str(tmp_path / "b"))  # fmt: skip
    assert built.exit_code == 0, built.output
    text = pdf_text(tmp_path / "out" / "short.pdf")
    assert "About" in text and "Publications" not in text


@pytest.mark.tex
def test_pdf_a_info_subject_is_the_plain_text_of_the_xmp(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 21.3: under PDF/A the Info dictionary's /Subject read "R\\&D" (the XMP "R&D")."""
    import re

    from pypdf import PdfReader

    from tests.conftest import copy_seed, replace_in, run_cli

    content = copy_seed(tmp_path)
    replace_in(
        content / "variants.yaml",
        "description: Everything, for HR offices and appointment committees.",
        "description: Für R&D-Büros {100%} \\\\ committees.",
    )
    result = run_cli("pdf", "--content", str(content), "--out-dir", str(tmp_path / "out"),
                     "--build-dir", str(tmp_path / "b"))  # fmt: skip
    assert result.exit_code == 0, result.output
    reader = PdfReader(tmp_path / "out" / "full.pdf")
    expected = "full: Für R&D-Büros {100%} \\\\ committees."  # the YAML has two backslashes
    assert reader.metadata["/Subject"] == expected
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    description = re.search(r"<dc:description>.*?<rdf:li[^>]*>(.*?)</rdf:li>", xmp, re.S)[1]
    assert re.sub(r"&#x([0-9A-Fa-f]+);", lambda m: chr(int(m[1], 16)), description) == expected


@pytest.mark.tex
@pytest.mark.parametrize("pdf_a", [True, False], ids=["pdfa", "plain"])
def test_pdf_keywords_in_info_and_xmp_alike(tmp_path, pdf_a: bool) -> None:  # type: ignore[no-untyped-def]
    """Issue 21.3: under PDF/A, settings.keywords reached only the XMP's dc:subject: no Info
    /Keywords and no pdf:Keywords, so viewers showed none. Both now hold the same plain text."""
    import re

    from pypdf import PdfReader

    from tests.conftest import copy_seed, replace_in, run_cli

    content = copy_seed(tmp_path)
    person = (content / "person.yaml").read_text(encoding="utf-8")
    start = person.index("  keywords: [")
    end = person.index("]", start) + 1
    keywords = '  keywords: ["R&D {100%}", Erklärbarkeit, "a\\\\b"]'
    (content / "person.yaml").write_text(person[:start] + keywords + person[end:], "utf-8")
    if not pdf_a:
        replace_in(content / "person.yaml", "pdf_a: true", "pdf_a: false")
    result = run_cli("pdf", "--content", str(content), "--out-dir", str(tmp_path / "out"),
                     "--build-dir", str(tmp_path / "b"))  # fmt: skip
    assert result.exit_code == 0, result.output
    reader = PdfReader(tmp_path / "out" / "full.pdf")
    expected = ["R&D {100%}", "Erklärbarkeit", "a\\b"]
    assert reader.metadata["/Keywords"] == ", ".join(expected)
    if not pdf_a:
        return
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")

    def plain(text: str) -> str:
        text = re.sub(r"&#x([0-9A-Fa-f]+);", lambda m: chr(int(m[1], 16)), text)
        return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")

    pdf_keywords = re.search(r"<pdf:Keywords>(.*?)</pdf:Keywords>", xmp, re.S)
    assert pdf_keywords is not None, xmp
    assert plain(pdf_keywords[1]) == ", ".join(expected)
    subject = re.search(r"<dc:subject>(.*?)</dc:subject>", xmp, re.S)
    assert subject is not None
    assert [
        plain(item) for item in re.findall(r"<rdf:li[^>]*>(.*?)</rdf:li>", subject[1])
    ] == expected
