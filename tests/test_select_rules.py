"""Every selection rule at its boundaries (N and N+1), on small CVs written for the rule, without
TeX: publication caps, date windows, max_items (newest first), leading_only, selected_only,
compact, brief, metrics off."""

from __future__ import annotations

import typing

import pytest

from cvbuild import models, select
from cvbuild.bibliography import Name, Publication
from cvbuild.compose import compose
from cvbuild.dates import PartialDate
from cvbuild.document import Item
from cvbuild.errors import RuleError
from cvbuild.richtext import plain

AS_OF = PartialDate(2024, 6, 1)


def cv_with(sections: list[dict[str, typing.Any]], **variant: typing.Any) -> models.CV:
    return models.CV.model_validate(
        {
            "person": {"given_names": "Ada", "family_name": "Lovelace"},
            "settings": {"as_of": "2024-06-01"},
            "bibliography": {"files": ["x.bib"], "owner_names": ["Lovelace, Ada"]},
            "sections": sections,
            "variants": {"v": variant},
        }
    )


def publication(key: str, category: str, year: int, selected: bool = True) -> Publication:
    return Publication(
        key=key,
        entry_type="article",
        category=typing.cast(models.PublicationCategory, category),
        fields={"title": key},
        authors=(Name("Lovelace", "Ada"),),
        owner_positions=(1,),
        year=year,
        selected=selected,
    )


PUBLICATIONS_SECTION = {
    "id": "pubs",
    "kind": "publications",
    "title": "Publications",
    "lists": [{"category": "journal", "title": "J"}, {"category": "preprint", "title": "P"}],
    "impact": {
        "title": "Metrics",
        "columns": [{"label": "All"}],
        "rows": [{"label": "h-index", "values": [10]}],
        "source": "Scholar",
        "retrieved": "2024-01-01",
    },
}


def choose(cv: models.CV, publications: tuple[Publication, ...] = ()) -> select.Selection:
    return select.select(cv, publications, "v", AS_OF)


def section(selection: select.Selection, section_id: str) -> typing.Any:
    return next(s for s in selection.cv.sections if s.id == section_id)


# --------------------------------------------------------------------------- publication caps


@pytest.mark.parametrize(("count", "allowed"), [(3, True), (4, False)])
def test_cap_of_a_group_allows_n_refuses_n_plus_one(count: int, allowed: bool) -> None:
    cv = cv_with([PUBLICATIONS_SECTION], publications={"selected_only": True, "caps": {"A": 3}})
    entries = tuple(publication(f"j{i}", "journal", 2020) for i in range(count))
    if allowed:
        assert len(choose(cv, entries).publications) == count
    else:
        with pytest.raises(RuleError, match="4 publications selected in group A, at most 3"):
            choose(cv, entries)


def test_caps_count_only_their_group_and_only_selected_entries() -> None:
    cv = cv_with([PUBLICATIONS_SECTION], publications={"selected_only": True, "caps": {"A": 1}})
    entries = (
        publication("j1", "journal", 2020),
        publication("j2", "journal", 2020, selected=False),
        publication("p1", "preprint", 2020),
        publication("p2", "preprint", 2021),
    )
    assert [p.key for p in choose(cv, entries).publications] == ["j1", "p1", "p2"]


@pytest.mark.parametrize(("year", "kept"), [(2021, True), (2020, False)])
def test_publication_window_keeps_exactly_n_years(year: int, kept: bool) -> None:
    cv = cv_with([PUBLICATIONS_SECTION], publications={"since_years": 3})
    assert bool(choose(cv, (publication("x", "journal", year),)).publications) is kept


def test_metrics_off_drops_the_impact_table_only() -> None:
    on = section(choose(cv_with([PUBLICATIONS_SECTION])), "pubs")
    off = section(choose(cv_with([PUBLICATIONS_SECTION], metrics=False)), "pubs")
    assert on.impact is not None and off.impact is None and off.lists == on.lists


# --------------------------------------------------------------------------- section rules

AWARDS = {
    "id": "awards",
    "kind": "awards",
    "title": "Awards",
    "awards": [
        {"name": "Old", "year": 2001},
        {"name": "Newest", "year": 2023, "selected": True},
        {"name": "Middle", "year": 2010, "selected": True},
        {"name": "New", "year": 2020},
    ],
}


@pytest.mark.parametrize(
    ("max_items", "names"),
    [(1, ["Newest"]), (2, ["Newest", "New"]), (3, ["Newest", "Middle", "New"]), (4, None)],
)
def test_max_items_keeps_the_newest_in_written_order(max_items: int, names: list | None) -> None:
    cv = cv_with([AWARDS], rules={"awards": {"max_items": max_items}})
    kept = [a.name for a in section(choose(cv), "awards").awards]
    assert kept == (names or ["Old", "Newest", "Middle", "New"])


@pytest.mark.parametrize(
    ("since", "names"),
    [(0, []), (1, ["Newest"]), (3, ["Newest"]), (4, ["Newest", "New"])],
)
def test_date_window_boundary(since: int, names: list[str]) -> None:
    cv = cv_with([AWARDS], rules={"awards": {"since_years": since}})
    assert [a.name for a in section(choose(cv), "awards").awards] == names


def test_selected_only() -> None:
    cv = cv_with([AWARDS], rules={"awards": {"selected_only": True}})
    assert [a.name for a in section(choose(cv), "awards").awards] == ["Newest", "Middle"]


def test_leading_only_keeps_led_projects() -> None:
    projects = {
        "id": "projects",
        "kind": "projects",
        "title": "Projects",
        "projects": [
            {"acronym": "A", "title": "a", "period": "2020 – 2022", "leading": True},
            {"acronym": "B", "title": "b", "period": "2020 – 2022"},
        ],
    }
    cv = cv_with([projects], rules={"projects": {"leading_only": True}})
    assert [p.acronym for p in section(choose(cv), "projects").projects] == ["A"]


EXPERIENCE = {
    "id": "experience",
    "kind": "experience",
    "title": "Experience",
    "employers": [
        {
            "name": "Uni",
            "roles": [
                {
                    "title": "Professor",
                    "period": "2020-",
                    "summary": "Leads a group.",
                    "blocks": [{"label": "Research", "text": "XAI"}],
                    "staff": [{"count": 3, "role": "PhD students"}],
                }
            ],
        }
    ],
}


def test_brief_removes_texts_keeps_titles_and_dates() -> None:
    cv = cv_with([EXPERIENCE], rules={"experience": {"brief": True}})
    role = section(choose(cv), "experience").employers[0].roles[0]
    assert role.title == "Professor" and role.blocks == [] and role.staff == []


SUPERVISION = {
    "id": "supervision",
    "kind": "supervision",
    "title": "Supervision",
    "groups": [
        {
            "title": "PhD students",
            "level": "phd",
            "people": [
                {"name": "Current One", "institution": "U", "period": "2022-", "topic": "t"},
                {"name": "Done One", "institution": "U", "period": "2015 – 2019", "topic": "t"},
            ],
        }
    ],
}


def test_compact_supervision_prints_counts_and_current_phd_names() -> None:
    cv = cv_with([SUPERVISION], rules={"supervision": {"compact": True}})
    selection = choose(cv)
    assert selection.compact == frozenset({"supervision"})
    document = compose(selection, ())
    (item,) = document.sections[0].blocks
    assert isinstance(item, Item)
    assert plain(item.text).endswith(": Current One")
    assert "Done One" not in plain(item.text)


def test_without_compact_every_person_is_listed() -> None:
    document = compose(choose(cv_with([SUPERVISION])), ())
    text = " ".join(plain(b.text) for b in document.sections[0].blocks if isinstance(b, Item))
    assert "Current One" in text and "Done One" in text


def test_publication_groups_are_data() -> None:
    groups = {"peer": ["journal"], "other": ["preprint", "proceedings"]}
    cv = cv_with([PUBLICATIONS_SECTION], publications={"groups": groups, "caps": {"other": 1}})
    entries = (
        publication("j1", "journal", 2020),
        publication("j2", "journal", 2021),
        publication("p1", "preprint", 2020),
    )
    assert len(choose(cv, entries).publications) == 3
    with pytest.raises(RuleError, match="2 publications selected in group other, at most 1"):
        choose(cv, (*entries, publication("c1", "proceedings", 2022)))


def test_a_cap_on_an_undefined_group_is_an_input_error() -> None:
    with pytest.raises(ValueError, match="caps name unknown groups C; the groups are A, B"):
        cv_with([PUBLICATIONS_SECTION], publications={"caps": {"C": 3}})
