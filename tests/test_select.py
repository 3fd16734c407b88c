"""Selection rules on the seed CV, without TeX: date windows, caps, every kind handled."""

from __future__ import annotations

import typing

import pytest

from cvbuild import models, select
from cvbuild.bibliography import load_publications
from cvbuild.dates import PartialDate
from cvbuild.errors import InputError
from cvbuild.load import load_cv
from tests.conftest import CONTENT

TODAY = PartialDate(2026, 11, 26)


@pytest.fixture(scope="module")
def seed() -> tuple[models.CV, tuple]:
    cv = load_cv(CONTENT)
    return cv, load_publications(cv.bibliography, CONTENT)


def _with_variant(cv: models.CV, **variant: typing.Any) -> models.CV:
    return cv.model_copy(update={"variants": {"v": models.Variant.model_validate(variant)}})


def _section(selection: select.Selection, section_id: str) -> typing.Any:
    return next(s for s in selection.cv.sections if s.id == section_id)


def test_date_window_counts_back_from_the_as_of_date(seed) -> None:
    cv, publications = seed
    assert cv.settings.as_of == PartialDate(2023, 10, 13)
    cv = _with_variant(
        cv,
        sections=["experience", "awards", "talks", "supervision"],
        rules={
            "experience": {"since_years": 5},
            "awards": {"since_years": 1},
            "talks": {"since_years": 0},
            "supervision": {"since_years": 0},
        },
    )
    selection = select.select(cv, publications, "v", TODAY)
    roles = [r for e in _section(selection, "experience").employers for r in e.roles]
    assert roles and all(r.period.last_year >= 2018 for r in roles)
    assert any(r.period.open_end for r in roles)
    all_roles = [
        r for s in cv.sections if s.id == "experience" for e in s.employers for r in e.roles
    ]
    assert len(roles) < len(all_roles)
    assert {a.year.last_year for a in _section(selection, "awards").awards} <= {2022, 2023}
    talks = [t for g in _section(selection, "talks").groups for t in g.talks]
    assert talks and all(t.date.year == 2023 for t in talks)
    people = [p for g in _section(selection, "supervision").groups for p in g.people]
    assert people and all(max(x.last_year for x in p.period) >= 2023 for p in people)


def test_without_as_of_the_window_counts_from_the_build_date(seed) -> None:
    cv, publications = seed
    cv = _with_variant(cv, sections=["publications"], publications={"since_years": 1})
    cv = cv.model_copy(update={"settings": cv.settings.model_copy(update={"as_of": None})})
    selection = select.select(cv, publications, "v", PartialDate(2024, 1, 1))
    assert selection.as_of == PartialDate(2024, 1, 1)
    assert selection.publications and {p.year for p in selection.publications} == {2023}


def test_publication_window_and_selection_combine(seed) -> None:
    cv, publications = seed
    cv = _with_variant(
        cv, sections=["publications"], publications={"selected_only": True, "since_years": 2}
    )
    chosen = select.select(cv, publications, "v", TODAY).publications
    expected = [p for p in publications if p.selected and p.year >= 2021]
    assert list(chosen) == expected and 0 < len(expected) < 18


def test_no_publications_section_selects_no_entries(seed) -> None:
    cv, publications = seed
    cv = _with_variant(cv, sections=["awards"])
    assert select.select(cv, publications, "v", TODAY).publications == ()


def test_unknown_variant_names_the_known_ones(seed) -> None:
    cv, publications = seed
    with pytest.raises(
        InputError,
        match=r"unknown variant 'nsf' \(the content defines: berufung, dfg, erc, full, full-de, "
        r"msca, short\)",
    ):
        select.select(cv, publications, "nsf", TODAY)
