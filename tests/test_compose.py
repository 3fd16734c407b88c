"""Fast tests (no TeX) of the format-neutral stages: rich text, locale, compose, references and
the Markdown writer, on the shipped CV and on small inputs."""

from __future__ import annotations

import re
from functools import cache

import pytest

from cvbuild import richtext as rt
from cvbuild.compose import compose, locale_of
from cvbuild.dates import PartialDate
from cvbuild.document import Document, Entry, Group, Item, PublicationList
from cvbuild.locale import available, locale_for
from cvbuild.models import Labels, Settings
from cvbuild.pipeline import load_content
from cvbuild.references import format_reference
from cvbuild.select import select
from cvbuild.writers import markdown
from tests.conftest import CONTENT

TODAY = PartialDate(2026, 11, 26)


@cache
def shipped(variant: str) -> Document:
    cv, publications = load_content(CONTENT)
    return compose(select(cv, publications, variant, today=TODAY), publications)


# --------------------------------------------------------------------------- rich text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", (rt.Text("plain"),)),
        ("a **b** c", (rt.Text("a "), rt.Bold((rt.Text("b"),)), rt.Text(" c"))),
        ("*it*", (rt.Italic((rt.Text("it"),)),)),
        ("2*3*4", (rt.Text("2*3*4"),)),
        ("a * b * c", (rt.Text("a * b * c"),)),
        (r"\*not\*", (rt.Text("*not*"),)),
        ("[x](https://e.org/a_b)", (rt.Link("https://e.org/a_b", (rt.Text("x"),)),)),
        ("[x](ftp://e.org)", (rt.Text("[x](ftp://e.org)"),)),
        ("one\n\ntwo", (rt.Text("one"), rt.ParagraphBreak(), rt.Text("two"))),
        ("a  \n b", (rt.Text("a b"),)),
        (r"\input{x} 100% & $", (rt.Text(r"\input{x} 100% & $"),)),
    ],
)
def test_markup_parses_to_nodes(text: str, expected: rt.Rich) -> None:
    assert rt.parse_markup(text) == expected


def test_plain_drops_formatting_not_text() -> None:
    assert rt.plain(rt.parse_markup("**A** *b* [c](https://x.org)\n\nd")) == "A b c d"


def test_link_without_url_is_its_text() -> None:
    assert rt.link(None, "x") == (rt.Text("x"),)
    assert rt.link("https://x.org", "") == ()


# --------------------------------------------------------------------------- locale


def test_locale_falls_back_to_primary_language_then_english() -> None:
    assert locale_for("en-GB").language == "en"
    assert locale_for("xx").language == "en"


def test_labels_in_the_content_override_locale_words() -> None:
    settings = Settings.model_validate({"labels": {"thesis": "Dissertation"}})
    locale = locale_of(settings)
    assert locale.word("thesis") == "Dissertation"
    assert locale.word("award") == "Award"


@pytest.mark.parametrize("language", available())
def test_every_locale_word_can_be_overridden_in_the_content(language: str) -> None:
    assert set(locale_for(language).words) == set(Labels.model_fields)


def test_content_labels_default_to_the_locale() -> None:
    assert locale_of(Settings()).words == locale_for("en").words


def test_unknown_locale_word_is_an_error() -> None:
    with pytest.raises(KeyError, match="no such word"):
        locale_for("en").with_words({"nonsense": "x"})


# --------------------------------------------------------------------------- compose


def test_full_variant_keeps_every_section_in_order() -> None:
    cv, _ = load_content(CONTENT)
    assert [s.id for s in shipped("full").sections] == [s.id for s in cv.sections]


def test_publication_labels_are_numbered_per_list_newest_first() -> None:
    lists = [
        b for s in shipped("full").sections for b in s.blocks if isinstance(b, PublicationList)
    ]
    assert sum(len(lst.references) for lst in lists) == 58
    for lst in lists:
        numbers = [int(re.sub(r"^\D*", "", r.label)) for r in lst.references]
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), lst.category
        years = [r.publication.year for r in lst.references]
        assert years == sorted(years, reverse=True), lst.category


def test_compact_supervision_counts_and_names_current_phd_students() -> None:
    section = next(s for s in shipped("short").sections if s.id == "supervision")
    assert all(isinstance(b, Item) for b in section.blocks)
    phd = next(b for b in section.blocks if isinstance(b, Item) and "PhD" in b.label)
    assert re.fullmatch(r"\d+ completed, \d+ ongoing: [\w ,.-]+", rt.plain(phd.text))


def test_brief_experience_has_no_texts() -> None:
    section = next(s for s in shipped("short").sections if s.id == "experience")
    entries = [b for b in section.blocks if isinstance(b, Entry)]
    assert entries
    assert all("Research:" not in rt.plain(e.body) for e in entries)


def test_footer_and_metadata_use_locale_words() -> None:
    document = shipped("full")
    assert document.footer == "Sebastian Lapuschkin · As of 13 Oct 2023"
    assert document.metadata.title == "Curriculum Vitae — Sebastian Lapuschkin"


def test_groups_precede_their_items() -> None:
    section = next(s for s in shipped("full").sections if s.id == "talks")
    assert isinstance(section.blocks[0], Group)


# --------------------------------------------------------------------------- references


def test_every_reference_has_the_owner_bold() -> None:
    for reference in shipped("full").references:
        text = format_reference(reference.publication, shipped("full").locale)
        bold = [rt.plain(n.children) for n in text if isinstance(n, rt.Highlight)]
        if reference.publication.owner_positions:
            assert any(re.match(r"(Lapuschkin|Bach) S", b) for b in bold), reference.label


def test_reference_keeps_characters_that_mean_something_in_latex() -> None:
    reference = shipped("full").references[0]
    fields = {**reference.publication.fields, "title": r"100\% of R\&D {X} a\_b"}
    publication = type(reference.publication)(
        **{**reference.publication.__dict__, "fields": fields}
    )
    text = rt.plain(format_reference(publication, shipped("full").locale))
    assert "100% of R&D X a_b" in text


def test_reference_links_the_doi() -> None:
    document = shipped("full")
    with_doi = next(r for r in document.references if "doi" in r.publication.fields)
    links = [
        n for n in format_reference(with_doi.publication, document.locale) if isinstance(n, rt.Link)
    ]
    assert any(
        link.url == "https://doi.org/" + with_doi.publication.fields["doi"] for link in links
    )


# --------------------------------------------------------------------------- Markdown


def test_markdown_holds_every_publication_with_its_label() -> None:
    text = markdown.write(shipped("full"))
    for reference in shipped("full").references:
        assert f"- **\\[{reference.label}\\]**" in text or f"- **[{reference.label}]**" in text


def test_markdown_holds_every_item_text() -> None:
    document = shipped("full")
    text = markdown.write(document)
    flat = re.sub(r"[\\*\s]+|<br>", "", text)
    for section in document.sections:
        assert f"## {section.title}" in text
        for block in section.blocks:
            if isinstance(block, Entry | Item):
                words = rt.plain(block.text if isinstance(block, Item) else block.title)
                assert re.sub(r"[\\*\s]+", "", words) in flat, words


@pytest.mark.parametrize(
    "text", ["a*b*c", "[x](y)", "# no heading", "1. no list", "<b>", "a|b", "x_y_z"]
)
def test_markdown_escapes_what_would_be_markup(text: str) -> None:
    escaped = markdown.escape(text)
    assert re.sub(r"\\(.)", r"\1", escaped) == text
    assert escaped != text
