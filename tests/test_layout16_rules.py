"""Issue 16, the rules that are Python: typographic quotes, sentence joining, where a URL may
break, the layout check's reading of a PDF's lines (fast; no TeX)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cvbuild import check
from cvbuild.escape import escape
from cvbuild.kinds.base import sentences
from cvbuild.richtext import Bold, Link, Text, bold, plain, rich, typographic, typographic_parts

EN = ("“", "”")
DE = ("„", "“")


@pytest.mark.parametrize(
    ("text", "english", "german"),
    [
        ('the paper "Explaining"', "the paper “Explaining”", "the paper „Explaining“"),
        ("ICML'16 Workshop", "ICML’16 Workshop", "ICML’16 Workshop"),
        ("the '90s", "the ’90s", "the ’90s"),
        ("don't", "don’t", "don’t"),
        ("'single' words", "‘single’ words", "‚single‘ words"),
        ("the students' work", "the students’ work", "the students’ work"),
        ('("x")', "(“x”)", "(„x“)"),
        ('say "hi."', "say “hi.”", "say „hi.“"),
        ("no quotes", "no quotes", "no quotes"),
    ],
)
def test_straight_quotes_become_the_languages_curly_ones(
    text: str, english: str, german: str
) -> None:
    assert typographic(text, EN) == english
    assert typographic(text, DE) == german


@pytest.mark.parametrize(
    "verbatim",
    ['https://example.org/a"b', "github.com/o'neil/repo", "o'neil@example.org"],
)
def test_urls_and_addresses_keep_their_straight_quotes(verbatim: str) -> None:
    assert typographic(f'see {verbatim} and "x"', EN) == f"see {verbatim} and “x”"


def test_quotes_split_by_markup_still_open_and_close() -> None:
    """`"*Title*"`: the closing quote starts a text leaf of its own."""
    value = (Text('for "'), Bold((Text("Title"),)), Text('".'))
    assert plain(typographic_parts(value, EN)) == "for “Title”."


def test_link_targets_are_left_alone_and_prose_strings_converted() -> None:
    from cvbuild.document import Item, Section

    link = Link("https://example.org/it's", (Text("it's"),))
    assert typographic_parts((link,), EN) == (Link("https://example.org/it's", (Text("it’s"),)),)
    section = Section("students", "Master's Students", (Item("2020's", rich("a 'b' c")),))
    converted = typographic_parts(section, EN)
    assert converted.id == "students"
    assert converted.title == "Master’s Students"
    item = converted.blocks[0]
    assert isinstance(item, Item)
    assert item.label == "2020's"  # labels (dates, terms) are not prose
    assert plain(item.text) == "a ‘b’ c"


def test_a_lower_case_part_continues_the_sentence() -> None:
    """ "Medal. for the paper" came from joining an award's name and description with '. '."""
    name = rich(bold("Pattern Recognition Medal"))
    assert plain(sentences([name, rich("for the paper")])) == (
        "Pattern Recognition Medal for the paper"
    )
    assert plain(sentences([name, rich("For the paper")])) == (
        "Pattern Recognition Medal. For the paper"
    )
    assert plain(sentences([rich("Prize."), rich("for X")])) == "Prize. for X"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("github.com/user/repo", r"github.com/user/\cvbuildbreak{}repo"),
        ("https://arxiv.org/abs/1", r"https://arxiv.org/abs/\cvbuildbreak{}1"),
        ("and/or", r"and/\cvbuildbreak{}or"),
        ("see www.x.de/a", "see www.x.de/a"),
    ],
)
def test_no_line_break_after_a_host_names_slash(text: str, expected: str) -> None:
    assert escape(text) == expected


def test_a_written_out_url_may_break_in_its_path_and_query() -> None:
    """A 300-character tracking link in the text ran 250 pt into the margin."""
    assert escape("https://x.org/a-b?k=v&w=1") == (
        r"https://x.org/a-\cvbuildbreak{}b?\cvbuildbreak{}k=\cvbuildbreak{}v"
        r"\&\cvbuildbreak{}w=\cvbuildbreak{}1"
    )
    assert escape("well-known a=b & c?") == r"well-known a=b \& c?"  # prose is left alone


def test_code_links_in_the_bib_keep_host_and_first_part_together() -> None:
    from cvbuild.writers.latex import _breakable_url

    shown = _breakable_url("https://github.com/seulkiyeom/LRP_pruning")
    assert shown.startswith("github.com/seulkiyeom/")
    assert r"\allowbreak" not in shown.split("seulkiyeom")[0]
    assert r"seulkiyeom/\allowbreak" in shown


# --------------------------------------------------------------------------- layout check

A4 = (595.0, 842.0)
MARGIN = 56.7  # 2 cm
RIGHT_EDGE = A4[0] - MARGIN


def _box(x0: float, x1: float, top: float, text: str) -> check.Box:
    return check.Box(x0, x1, top, top + 8.0, text)


def _page(*boxes: check.Box) -> check.PageBoxes:
    return check.PageBoxes(*A4, boxes)


def test_a_line_past_the_right_margin_is_named_with_its_section_and_item() -> None:
    page = _page(
        _box(100, 160, 100, "Software"),
        _box(80, 120, 130, "2020"),
        _box(130, 300, 130, "Frobnicator"),
        _box(305, RIGHT_EDGE + 12.3, 130, "averyveryverylongtoken"),
        _box(130, 300, 150, "Next item"),
    )
    warnings = check.box_warnings([page], ["Software"], MARGIN, MARGIN)
    assert warnings == [
        "page 1 in 'Software': the line '2020 Frobnicator averyveryverylongtoken' runs 12.3 pt "
        "into the right margin"
    ]


def test_a_line_into_the_left_margin_is_named() -> None:
    page = _page(_box(MARGIN - 5, 200, 100, "Outdented"))
    assert check.box_warnings([page], [], MARGIN, MARGIN) == [
        "page 1: the line 'Outdented' runs 5.0 pt into the left margin"
    ]


@pytest.mark.parametrize(("over", "warned"), [(2.0, False), (2.1, True)])
def test_the_margin_tolerance_is_two_points(over: float, warned: bool) -> None:
    page = _page(_box(100, RIGHT_EDGE + over, 100, "word"))
    assert bool(check.box_warnings([page], [], MARGIN, MARGIN)) is warned


def test_overlapping_text_is_named_with_its_section() -> None:
    page = _page(
        _box(100, 160, 100, "Teaching"),
        _box(100, 200, 140, "Lecture on things"),
        _box(150, 250, 143, "Overprint"),
    )
    assert check.box_warnings([page], ["Teaching"], MARGIN, MARGIN) == [
        "page 1 in 'Teaching': 'Lecture on things' and 'Overprint' are printed over each other"
    ]


@pytest.mark.parametrize(("overlap", "warned"), [(0.0, False), (1.0, False), (1.1, True)])
def test_touching_boxes_are_not_an_overlap(overlap: float, warned: bool) -> None:
    """Kerning and italic corrections make neighbours touch; an overlap is over 1 pt."""
    page = _page(_box(100, 150, 100, "a"), _box(150 - overlap, 200, 100, "b"))
    assert bool(check.box_warnings([page], [], MARGIN, MARGIN)) is warned


def test_lines_one_above_the_other_do_not_overlap() -> None:
    page = _page(_box(100, 300, 100, "upper"), _box(100, 300, 107.5, "lower"))
    assert check.box_warnings([page], [], MARGIN, MARGIN) == []


def test_an_apostrophe_after_bold_text_stays_an_apostrophe() -> None:
    value = (Bold((Text("Bob"),)), Text("'s 'idea'"))
    assert plain(typographic_parts(value, EN)) == "Bob’s ‘idea’"


def _glyphs(text: str, x: float, bottom: float = 100.0, width: float = 5.0) -> list[check.Glyph]:
    return [
        check.Glyph(char, x + i * width, x + (i + 1) * width, bottom - 8, bottom)
        for i, char in enumerate(text)
    ]


def test_text_drawn_back_over_its_line_is_an_overprint() -> None:
    glyphs = _glyphs("on machine learning", 100) + _glyphs("Over", 157)
    assert check.overprints(glyphs) == [check.Overprint(92.0, "on machine learning", "Over")]


@pytest.mark.parametrize(("back", "found"), [(2.5, False), (2.6, True)])
def test_kerning_is_no_overprint(back: float, found: bool) -> None:
    """A glyph set back by half its width or less is a kerned pair (italic "Wa")."""
    glyphs = _glyphs("W", 100) + _glyphs("a", 105 - back)
    assert bool(check.overprints(glyphs)) is found


def test_ligatures_punctuation_and_the_next_line_are_no_overprint() -> None:
    fi = [check.Glyph("f", 100, 106, 92, 100), check.Glyph("i", 100, 106, 92, 100)]
    quote = _glyphs("”", 110) + _glyphs(".", 112)
    next_line = _glyphs("upper", 100) + _glyphs("lower", 100, bottom=112)
    assert check.overprints(fi + quote) == []
    assert check.overprints(next_line) == []


@pytest.mark.parametrize(
    ("text", "tied"),
    [
        ("A Hill, TU Berlin", "A~Hill, TU Berlin"),
        ("A. B. Hill", "A.~B.~Hill"),
        ("K.-R. Müller", "K.-R.~Müller"),
        ("Ö Ünal", "Ö~Ünal"),
        ("a B c", "a B c"),  # not an initial before a name
        ("see x.org/A Hill", "see x.org/A Hill"),
        ("Anders CJ and", "Anders CJ and"),
    ],
)
def test_an_initial_stays_with_the_name_after_it(text: str, tied: str) -> None:
    """ "A / Hill" was split across two lines of the PDF."""
    assert escape(text) == tied


def test_a_long_code_in_a_url_may_break_after_sixteen_letters() -> None:
    code = "MTMxLUFRTy0yMjUAAAGgcXIpQXzGs0WlB22XUVMoYKPipJCRo8S4n33LPNaU"  # 60 letters, digits
    pieces = escape(f"https://x.org/?{code}").split(r"\cvbuildbreak{}")
    assert len(pieces) >= 4 and max(len(piece) for piece in pieces) <= 31
    assert escape(code) == code  # outside a URL, nothing changes


@pytest.mark.parametrize(
    "code", ["\\directlua{os.execute('touch x')}", "``h''", "it''s", "{'a': 1}"]
)
def test_code_and_tex_quoting_keep_their_straight_quotes(code: str) -> None:
    assert typographic(code, EN) == code


def test_notes_from_the_content_get_curly_quotes(tmp_path: Path) -> None:
    """Involvement, significance, note and published_at come from YAML, like all other content
    text, and print with the language's quotes (the .bib's own fields are printed as written)."""
    from tests.conftest import CONTENT, run_cli

    result = run_cli(
        "md", "--variant", "dfg", "--content", str(CONTENT), "--out-dir", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "dfg.md").read_text(encoding="utf-8")
    assert "detection of “Clever Hans” behaviour" in text
    assert '"Clever Hans"' not in text
