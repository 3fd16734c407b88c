"""Issue 15 leftovers and #17 numbers, without TeX: `bibliography.exclude_keywords`, the author
count after "et al.", `xdata`, ADS `eid` equal to `pages`, and every printed number through
`Locale.number` (1,000 / 1.000). Each rule at N and N+1 where it has a boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from cvbuild import richtext as rt
from cvbuild.bibliography import (
    bibliography_notes,
    bibliography_warnings,
    load_publications,
    shorten_authors,
)
from cvbuild.compose import compose
from cvbuild.dates import PartialDate
from cvbuild.document import Item, Reference, Table
from cvbuild.errors import InputError
from cvbuild.kinds.base import Context
from cvbuild.kinds.supervision import compose as supervision
from cvbuild.load import load_cv
from cvbuild.locale import locale_for
from cvbuild.models import Bibliography
from cvbuild.references import format_reference
from cvbuild.select import select
from cvbuild.writers.latex import bibliography_file
from tests.conftest import make_content, run_cli

DATA = Path(__file__).parent / "data" / "bib"


def load(tmp_path: Path, bib: str, **spec: object):  # type: ignore[no-untyped-def]
    (tmp_path / "refs.bib").write_text(bib, encoding="utf-8")
    data = {"files": ["refs.bib"], "owner_names": ["Lovelace, Ada"], **spec}
    return load_publications(Bibliography.model_validate(data), tmp_path)


def article(key: str, extra: str = "") -> str:
    return (
        f"@article{{{key}, author = {{Lovelace, Ada}}, title = {{T {key}}}, journal = {{J}}, "
        f"year = {{2020}}{extra}}}\n"
    )


# ---------------------------------------------------------------- exclude_keywords


def test_excluded_keywords_never_print_and_are_counted_once(tmp_path: Path) -> None:
    bib = (
        article("a", ", keywords = {nocv}")
        + article("b", ", keywords = {Selected; NoCV}")
        + article("c", ", keywords = {private, other}")
        + article("d", ", keywords = {nocvx}")  # a longer word is not the keyword
        + "@article{e, title = {no author, no year}, keywords = {nocv}}\n"  # no skip warning
    )
    loaded = load(tmp_path, bib, exclude_keywords=["nocv", "private"])
    assert [p.key for p in loaded] == ["d"]
    assert not bibliography_warnings(loaded)
    assert bibliography_notes(loaded) == (
        "4 entries not printed by bibliography.exclude_keywords (nocv 3, private 1)",
    )


def test_without_exclude_keywords_nothing_is_excluded(tmp_path: Path) -> None:
    loaded = load(tmp_path, article("a", ", keywords = {nocv}"))
    assert [p.key for p in loaded] == ["a"] and not bibliography_notes(loaded)
    one = load(tmp_path, article("a", ", keywords = {nocv}"), exclude_keywords=["NOCV"])
    assert bibliography_notes(one) == (
        "1 entry not printed by bibliography.exclude_keywords (NOCV 1)",  # as the user wrote it
    )


def test_excluded_entries_still_cannot_run_tex(tmp_path: Path) -> None:
    bib = article("a", ", keywords = {nocv}, note = {\\input{/etc/passwd}}")
    with pytest.raises(InputError, match="input"):
        load(tmp_path, bib, exclude_keywords=["nocv"])


def test_excluded_entries_are_not_in_the_markdown(tmp_path: Path) -> None:
    sections = (
        "sections:\n  - id: pubs\n    kind: publications\n    title: P\n"
        "    lists: [{category: journal, title: J}]\n"
    )
    content = make_content(tmp_path, sections, article("a") + article("b", ", keywords={nocv}"))
    person = content / "person.yaml"
    person.write_text(
        person.read_text(encoding="utf-8") + "  exclude_keywords: [nocv]\n", encoding="utf-8"
    )
    result = run_cli("md", "--content", str(content), "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "out" / "full.md").read_text(encoding="utf-8")
    assert "T a" in markdown and "T b" not in markdown


# ---------------------------------------------------------------- author count


def _many(tmp_path: Path, total: int, owner_at: int = 1, others: bool = False):  # type: ignore[no-untyped-def]
    names = [f"Author{i}, A." for i in range(1, total + 1)]
    names[owner_at - 1] = "Lovelace, Ada"
    people = " and ".join(names) + (" and others" if others else "")
    (publication,) = load(tmp_path, article("k").replace("{Lovelace, Ada}", "{" + people + "}"))
    return publication


def test_the_count_is_the_full_list_at_n_plus_1_only(tmp_path: Path) -> None:
    assert shorten_authors(_many(tmp_path, 3), 3).author_count == 0  # N: not shortened
    assert shorten_authors(_many(tmp_path, 4), 3).author_count == 4  # N+1
    assert shorten_authors(_many(tmp_path, 150, owner_at=90), 3).author_count == 150
    # "and others" already: the number is not known, so none is printed
    assert shorten_authors(_many(tmp_path, 5, others=True), 3).author_count == 0


def test_the_count_in_every_writer_and_language(tmp_path: Path) -> None:
    short = shorten_authors(_many(tmp_path, 1500, owner_at=700), 3)
    markdown = rt.plain(format_reference(short, locale_for("en")))
    assert "Lovelace Ada, et al. (1,500 authors)" in markdown
    german = rt.plain(format_reference(short, locale_for("de")))
    assert "(1.500 Autoren)" in german
    bib = bibliography_file((Reference("1", short),), locale_for("de").number)
    assert "verba = {1.500}" in bib
    plain = _many(tmp_path, 2)
    assert "verba" not in bibliography_file((Reference("1", plain),))
    assert "authors)" not in rt.plain(format_reference(plain, locale_for("en")))


def test_a_label_override_without_count_is_safe() -> None:
    locale = locale_for("en").with_words({"authors_count": "[{count} people] {other}"})
    assert locale.authors_count(12) == "[12 people] {other}"


# ---------------------------------------------------------------- xdata


XDATA = """\
@xdata{nips21, booktitle = {Advances in Neural Information Processing Systems},
  publisher = {Curran}, year = {2021}}
@xdata{vol34, xdata = {nips21}, volume = {34}}
@inproceedings{a, author = {Lovelace, Ada}, title = {A}, xdata = {vol34}, pages = {1--9}}
@inproceedings{b, author = {Lovelace, Ada}, title = {B}, xdata = {nips21}, year = {2020}}
"""


def test_xdata_fields_are_inherited_own_fields_first(tmp_path: Path) -> None:
    loaded = {p.key: p for p in load(tmp_path, XDATA)}
    assert set(loaded) == {"a", "b"}  # @xdata entries are data, not publications
    assert not bibliography_warnings(tuple(loaded.values()))
    a, b = loaded["a"], loaded["b"]
    assert a.fields["booktitle"].startswith("Advances") and a.fields["volume"] == "34"
    assert a.year == 2021 and a.fields["publisher"] == "Curran"
    assert b.year == 2020  # its own year wins
    assert "xdata" not in a.fields
    assert "xdata" not in bibliography_file((Reference("1", a),))


def test_xdata_to_nowhere_is_a_named_skip(tmp_path: Path) -> None:
    bib = XDATA.replace("xdata = {nips21}, year", "xdata = {nips22}, year")
    loaded = load(tmp_path, bib)
    assert [p.key for p in loaded] == ["a"]
    warning, lacks = [str(w) for w in bibliography_warnings(loaded)]
    assert "refs.bib:5: b.xdata: names 'nips22', which is no entry" in warning
    assert "not printed" in warning and "lacks booktitle" in lacks


def test_xdata_cycles_end_and_unsafe_xdata_is_refused(tmp_path: Path) -> None:
    cycle = "@xdata{x, xdata = {y}, year = {2020}}\n@xdata{y, xdata = {x}, journal = {J}}\n"
    (found,) = load(tmp_path, cycle + "@article{a, author = {L, A}, title = {T}, xdata = {x}}\n")
    assert found.fields["journal"] == "J" and found.year == 2020
    unsafe = "@xdata{x, note = {\\write18{rm}}, year = {2020}}\n"
    with pytest.raises(
        InputError, match=r"refs.bib:1: x.note: TeX command\(s\) \\write not allowed"
    ):
        load(tmp_path, unsafe + "@misc{a, title = {T}, xdata = {x}}\n")


# ---------------------------------------------------------------- ADS eid and pages


@pytest.mark.parametrize(
    ("pages", "kept"),
    [("145", False), (" 145 ", False), ("p. 145", False), ("145--150", True), ("146", True)],
)
def test_pages_equal_to_eid_are_dropped(tmp_path: Path, pages: str, kept: bool) -> None:
    (found,) = load(tmp_path, article("a", f", eid = {{145}}, pages = {{{pages}}}"))
    assert found.fields["eid"] == "145"
    assert ("pages" in found.fields) == kept


def test_the_ads_export_prints_each_article_number_once(tmp_path: Path) -> None:
    loaded = load_publications(
        Bibliography.model_validate({"files": ["ads-etal.bib"], "owner_names": ["Atek, Hakim"]}),
        DATA,
    )
    with_eid = [p for p in loaded if p.fields.get("eid")]
    assert with_eid and all(p.fields.get("pages") != p.fields["eid"] for p in with_eid)


# ---------------------------------------------------------------- numbers (#17)


@pytest.mark.parametrize(
    ("value", "en", "de"),
    [
        (999, "999", "999"),
        (1000, "1,000", "1.000"),
        (1250000, "1,250,000", "1.250.000"),
        (3.5, "3.5", "3,5"),
        (12.25, "12.25", "12,25"),
        (0, "0", "0"),
    ],
)
def test_locale_number(value: float, en: str, de: str) -> None:
    assert locale_for("en").number(value) == en
    assert locale_for("de").number(value) == de


IMPACT = """\
sections:
  - id: pubs
    kind: publications
    title: P
    lists: [{category: journal, title: J}]
    impact:
      title: Metrics
      columns: [{label: All}]
      rows:
        - {label: Citations, values: [12117]}
        - {label: Impact factor, values: [4.5]}
        - {label: Rank, values: ["top 1,000"]}
      source: Scholar
      retrieved: 2024-01-01
  - id: sup
    kind: supervision
    title: Supervision
    groups:
      - title: PhD
        level: phd
        people:
{people}
"""


def _document(tmp_path: Path, language: str):  # type: ignore[no-untyped-def]
    people = "".join(
        f"          - {{name: P{i}, institution: U, period: '2010 – 2014'}}\n" for i in range(1000)
    )
    content = make_content(tmp_path, IMPACT.replace("{people}", people), article("a"))
    person = content / "person.yaml"
    text = person.read_text(encoding="utf-8").replace(
        "settings:\n", f"settings:\n  language: {language}\n"
    )
    person.write_text(text, encoding="utf-8")
    cv = load_cv(content)
    assert cv.bibliography is not None
    publications = load_publications(cv.bibliography, content, True)
    selection = select(cv, publications, "full", PartialDate(2024, 1, 31))
    return compose(selection, publications)


@pytest.mark.parametrize(
    ("language", "citations", "factor", "done"),
    [("en", "12,117", "4.5", "1,000 completed"), ("de", "12.117", "4,5", "1.000 abgeschlossen")],
)
def test_every_printed_number_follows_the_language(
    tmp_path: Path, language: str, citations: str, factor: str, done: str
) -> None:
    document = _document(tmp_path, language)
    blocks = [b for s in document.sections for b in s.blocks]
    (table,) = [b for b in blocks if isinstance(b, Table)]
    assert [row[1] for row in table.rows] == [citations, factor, "top 1,000"]  # text as written
    section = next(s for s in load_cv(tmp_path / "content").sections if s.id == "sup")
    context = Context(document.locale, PartialDate(2024, 1, 31), (), (), frozenset(["sup"]))
    (item,) = supervision(section, context)  # type: ignore[arg-type]
    assert isinstance(item, Item) and rt.plain(item.text) == done
