"""Publication lists defined by rules (issue 15): `where:` with categories, types, pubstate,
keywords, venue and peer_reviewed; first list wins; entries no list takes are warned about;
old category lists keep their output. Each rule at its boundary (matches / does not), no TeX."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from cvbuild import models
from cvbuild.bibliography import Name, Publication, load_publications
from cvbuild.compose import compose
from cvbuild.dates import PartialDate
from cvbuild.document import PublicationList, Reference
from cvbuild.errors import InputError
from cvbuild.kinds.publications import (
    CategoryList,
    ListRule,
    assign,
    lists_with_defaults,
    peer_reviewed,
    publication_labels,
    rule_matches,
)
from cvbuild.load import load_cv
from cvbuild.pipeline import validate
from cvbuild.select import select
from cvbuild.writers.latex import bibliography_file
from tests.conftest import make_content


def pub(
    key: str = "k",
    category: str = "journal",
    entry_type: str = "article",
    year: int = 2020,
    **fields: str,
) -> Publication:
    keywords = tuple(k.strip().lower() for k in fields.pop("keywords", "").split(",") if k)
    published_at = fields.pop("published_at", "")
    return Publication(
        key=key,
        entry_type=entry_type,
        category=typing.cast(models.PublicationCategory, category),
        fields={"title": key, **fields},
        authors=(Name("Lovelace", "Ada"),),
        owner_positions=(1,),
        year=year,
        keywords=keywords,
        published_at=published_at,
    )


def rule(**where: typing.Any) -> ListRule:
    return ListRule.model_validate(where)


# ---------------------------------------------------------------- each condition, both sides


def test_pubstate_matches_its_forms_and_published_means_none() -> None:
    assert rule_matches(rule(pubstate=["in press"]), pub(pubstate="inpress"))
    assert rule_matches(rule(pubstate=["inpress"]), pub(pubstate="In Press"))
    assert not rule_matches(rule(pubstate=["inpress"]), pub(pubstate="submitted"))
    assert not rule_matches(rule(pubstate=["submitted"]), pub())
    assert rule_matches(rule(pubstate=["published"]), pub())
    assert not rule_matches(rule(pubstate=["published"]), pub(pubstate="forthcoming"))


@pytest.mark.parametrize(
    ("written", "state"),
    [  # the first three as in a real hand-written .bib (/work/material/bib/handwritten-pubstate.bib)
        ("accepted with minor revision", "submitted"),
        ("in revision", "submitted"),
        ("under review", "submitted"),
        ("Accepted", "forthcoming"),
        ("to appear", "forthcoming"),
        ("in press", "inpress"),
        ("working paper", "inpreparation"),
    ],
)
def test_free_text_pubstates_count_by_meaning(written: str, state: str) -> None:
    assert rule_matches(rule(pubstate=[state]), pub(pubstate=written))
    others = [s for s in ("submitted", "forthcoming", "inpress", "inpreparation") if s != state]
    assert not rule_matches(rule(pubstate=others), pub(pubstate=written))
    assert peer_reviewed(pub(pubstate=written)) == (state in ("forthcoming", "inpress"))


def test_types_categories_keywords() -> None:
    assert rule_matches(rule(types=["@Article"]), pub())
    assert not rule_matches(rule(types=["inproceedings"]), pub())
    assert rule_matches(rule(categories=["journal", "book"]), pub())
    assert not rule_matches(rule(categories=["book"]), pub())
    assert rule_matches(rule(keywords=["Invited", "x"]), pub(keywords="selected, invited"))
    assert not rule_matches(rule(keywords=["invited"]), pub(keywords="selected"))
    assert not rule_matches(rule(keywords=["invited"]), pub())


def test_venue_is_a_case_blind_search_in_every_venue_field() -> None:
    where = rule(venue="neurips|icml")
    assert rule_matches(where, pub(booktitle="Advances in NeurIPS 2021"))
    assert rule_matches(where, pub(journal="Proc. ICML"))
    assert rule_matches(where, pub(category="preprint", published_at="ICML 2023"))
    assert not rule_matches(where, pub(journal="Nature"))
    assert not rule_matches(where, pub())


def test_every_condition_must_hold() -> None:
    where = rule(types=["article"], pubstate=["submitted"])
    assert rule_matches(where, pub(pubstate="submitted"))
    assert not rule_matches(where, pub(entry_type="misc", pubstate="submitted"))
    assert not rule_matches(where, pub())


def test_peer_reviewed_by_category_and_pubstate() -> None:
    assert peer_reviewed(pub())
    assert peer_reviewed(pub(category="book", entry_type="book"))
    assert not peer_reviewed(pub(pubstate="submitted"))
    assert peer_reviewed(pub(pubstate="inpress"))
    assert not peer_reviewed(pub(category="preprint", entry_type="misc"))
    assert rule_matches(rule(peer_reviewed=False), pub(category="thesis", entry_type="phdthesis"))
    assert not rule_matches(rule(peer_reviewed=True), pub(pubstate="in preparation"))


def test_an_own_peer_reviewed_value_wins() -> None:
    class Reviewed(typing.NamedTuple):  # what h18's Publication.peer_reviewed will hold
        category: str
        fields: dict[str, str]
        peer_reviewed: bool

    assert not peer_reviewed(Reviewed("journal", {}, False))  # type: ignore[arg-type]
    assert peer_reviewed(Reviewed("preprint", {}, True))  # type: ignore[arg-type]


# ---------------------------------------------------------------- list model


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ({"venue": "(unclosed"}, "not a regular expression"),
        ({"pubstate": ["accepted"]}, "unknown pubstate 'accepted'"),
        ({"types": ["article!"]}, "is not a word"),
        ({"peer": True}, "Extra inputs"),
    ],
)
def test_bad_rules_are_named(where: dict[str, typing.Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CategoryList.model_validate({"title": "T", "where": where})


def test_a_list_needs_a_category_or_rules() -> None:
    with pytest.raises(ValueError, match="needs a `category` or `where`"):
        CategoryList.model_validate({"title": "T"})
    assert CategoryList.model_validate({"title": "T", "where": {}}).where == ListRule()


def test_a_category_with_rules_may_repeat_a_plain_category(tmp_path: Path) -> None:
    sections = SECTIONS.format(
        lists="""
      - {category: journal, title: Invited, where: {keywords: [invited]}}
      - {category: journal, title: Journals}
"""
    )
    load_cv(make_content(tmp_path, sections, BIB))
    twice = SECTIONS.format(
        lists="""
      - {category: journal, title: A}
      - {category: journal, title: B}
"""
    )
    with pytest.raises(InputError, match="category listed twice"):
        load_cv(make_content(tmp_path / "twice", twice, BIB))


def test_an_error_in_a_rule_names_file_and_line(tmp_path: Path) -> None:
    sections = SECTIONS.format(
        lists="""
      - {category: journal, title: J}
      - title: Bad
        where: {venue: "(x"}
"""
    )
    with pytest.raises(InputError) as caught:
        load_cv(make_content(tmp_path, sections, BIB))
    shown = [str(p) for p in caught.value.problems]
    assert any("sections.yaml:8:24" in s and "regular expression" in s for s in shown), shown


# ---------------------------------------------------------------- assignment


def test_first_list_wins_and_labels_count_per_list() -> None:
    lists = [
        CategoryList(title="Submitted", prefix="S", where=rule(pubstate=["submitted"])),
        CategoryList(category="journal", title="Journal", prefix="J"),
        CategoryList(category="preprint", title="Preprints", prefix="P"),
    ]
    entries = (pub("a"), pub("b", pubstate="submitted", category="preprint"), pub("c"))
    members, rest = assign(lists, entries)
    assert [[p.key for p in m] for m in members] == [["b"], ["a", "c"], []]
    assert rest == []
    assert publication_labels(entries, lists) == {"a": "J1", "b": "S1", "c": "J2"}


def test_descending_numbering_counts_the_list_not_the_category() -> None:
    lists = [
        CategoryList(title="Invited", prefix="I", where=rule(keywords=["invited"])),
        CategoryList(category="journal", title="J", numbering="descending"),
    ]
    entries = (pub("a"), pub("b", keywords="invited"), pub("c"), pub("d"))
    assert publication_labels(entries, lists) == {"b": "I1", "a": "3", "c": "2", "d": "1"}


def test_default_lists_only_for_entries_no_list_takes() -> None:
    lists = [CategoryList(title="Dissertation", where=rule(types=["phdthesis"]))]
    entries = (
        pub("phd", "thesis", "phdthesis"),
        pub("msc", "thesis", "mastersthesis"),
        pub("j"),
    )
    found = lists_with_defaults(lists, entries)
    assert [s.title for s in found] == ["Dissertation", "Theses"]
    members, rest = assign(found, entries)
    assert [[p.key for p in m] for m in members] == [["phd"], ["msc"]]
    assert [p.key for p in rest] == ["j"]  # journals: a classic category, no default list


def test_the_latex_keyword_is_the_list_so_each_prints_once() -> None:
    publication = pub("a", pubstate="submitted")
    text = bibliography_file((Reference("S1", publication, "list1"),))
    assert "keywords = {cvbuildlist1}" in text
    assert "keywords = {cvbuildjournal}" in bibliography_file((Reference("J1", publication),))


# ---------------------------------------------------------------- through select and compose

BIB = """\
@article{pub2021, author = {Lovelace, Ada}, title = {Published}, journal = {Nature}, year = {2021}}
@article{sub2023, author = {Lovelace, Ada}, title = {Submitted}, journal = {Nature},
  year = {2023}, pubstate = {submitted}}
@article{press2022, author = {Lovelace, Ada}, title = {In press}, journal = {Science},
  year = {2022}, pubstate = {inpress}}
@misc{prep2024, author = {Lovelace, Ada}, title = {Draft}, year = {2024},
  pubstate = {in preparation}}
@inproceedings{icml2020, author = {Lovelace, Ada}, title = {Conf}, booktitle = {Proc. ICML},
  year = {2020}, keywords = {invited}}
"""

SECTIONS = """\
sections:
  - id: pubs
    kind: publications
    title: Publications
    lists:{lists}"""


def composed(tmp_path: Path, lists: str) -> tuple[list[PublicationList], list[str]]:
    content = make_content(tmp_path, SECTIONS.format(lists=lists), BIB)
    cv = load_cv(content)
    assert cv.bibliography is not None
    publications = load_publications(cv.bibliography, content, True)
    selection = select(cv, publications, "full", PartialDate(2024, 6, 1))
    blocks = [b for s in compose(selection, publications).sections for b in s.blocks]
    return [b for b in blocks if isinstance(b, PublicationList)], [
        str(w) for w in selection.warnings
    ]


def test_pubstate_lists_of_their_own(tmp_path: Path) -> None:
    lists, warnings = composed(
        tmp_path,
        """
      - {title: In press, prefix: IP, where: {pubstate: [inpress, forthcoming]}}
      - {title: Submitted, where: {pubstate: [submitted]}}
      - {title: In preparation, where: {pubstate: [inpreparation]}}
      - {title: Peer-reviewed, prefix: R, where: {peer_reviewed: true}}
""",
    )
    assert [(b.title, [r.publication.key for r in b.references]) for b in lists] == [
        ("In press", ["press2022"]),
        ("Submitted", ["sub2023"]),
        ("In preparation", ["prep2024"]),
        ("Peer-reviewed", ["pub2021", "icml2020"]),
    ]
    assert [r.label for r in lists[3].references] == ["R1", "R2"]
    assert warnings == []


def test_an_entry_no_list_takes_is_warned_with_file_and_line(tmp_path: Path) -> None:
    lists, warnings = composed(
        tmp_path,
        """
      - {category: journal, title: Journal Articles}
""",
    )
    printed = {r.publication.key for b in lists for r in b.references}
    assert printed == {"pub2021", "press2022"}  # the submitted article is a preprint
    assert len(warnings) == 3
    joined = "\n".join(warnings)
    for key, line in (("sub2023", 2), ("prep2024", 6), ("icml2020", 8)):
        assert f"refs.bib:{line}" in joined and key in joined
    assert "no list of section 'pubs' takes this preprint entry" in joined


def test_keywords_and_venue_lists_with_category_fallback(tmp_path: Path) -> None:
    lists, warnings = composed(
        tmp_path,
        """
      - {title: Invited, where: {keywords: [invited]}}
      - {title: Top venues, where: {venue: "nature|science", pubstate: [published, inpress]}}
      - {category: preprint, title: Preprints}
""",
    )
    assert [[r.publication.key for r in b.references] for b in lists] == [
        ["icml2020"],
        ["press2022", "pub2021"],
        ["prep2024", "sub2023"],
    ]
    assert [b.category for b in lists] == ["list1", "list2", "preprint"]
    assert warnings == []


def test_validate_reports_unlisted_entries(tmp_path: Path) -> None:
    content = make_content(
        tmp_path, SECTIONS.format(lists="\n      - {category: journal, title: J}\n"), BIB
    )
    result = validate(content)
    assert not result.errors
    assert sum("no list of section 'pubs'" in w for w in result.warnings) == 3
