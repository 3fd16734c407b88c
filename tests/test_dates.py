from __future__ import annotations

import pytest

from cvbuild.dates import PartialDate, parse_date, parse_period, parse_term


@pytest.mark.parametrize(
    ("text", "expected", "shown"),
    [
        ("2018", PartialDate(2018), "2018"),
        (2018, PartialDate(2018), "2018"),
        ("2021-01", PartialDate(2021, 1), "Jan 2021"),
        ("2023-10-06", PartialDate(2023, 10, 6), "2023-10-06"),
        ("2021-12-13/14/16", PartialDate(2021, 12, 13, (14, 16)), "2021-12-13/14/16"),
    ],
)
def test_date_forms(text, expected, shown) -> None:
    assert parse_date(text) == expected
    assert parse_date(text).display() == shown


@pytest.mark.parametrize("bad", ["18", "2021-13", "2023-02-30", "Jan 2021", "", None, "2021-1"])
def test_bad_dates_are_refused(bad) -> None:
    with pytest.raises(ValueError, match=r"2018|date"):
        parse_date(bad)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2013 – 2018", "2013 – 2018"),
        ("2020-2021", "2020 – 2021"),
        ("2022-12 – 2026-11", "Dec 2022 – Nov 2026"),
        ("2021-01 – today", "Jan 2021 – today"),
        ("2023-", "2023 – today"),
        ("2023-*", "2023 – today"),
        ("2023 - present", "2023 – today"),
        ("2019", "2019"),
    ],
)
def test_period_forms(text, shown) -> None:
    assert parse_period(text).display("today") == shown


def test_open_period_sorts_before_closed_ones() -> None:
    assert parse_period("2019-").sort_key > parse_period("2019 – 2024").sort_key
    assert parse_period("2019-").open_end


@pytest.mark.parametrize("bad", ["2018 – 2013", "soon", "2013 – 2018 – 2020", "2013 – 2018-13"])
def test_bad_periods(bad) -> None:
    with pytest.raises(ValueError):
        parse_period(bad)


@pytest.mark.parametrize(
    ("text", "shown", "year"),
    [("WS 21/22", "WS 21/22", 2021), ("SS 17", "SS 17", 2017), ("SS13", "SS 13", 2013),
     ("WS 09/10", "WS 09/10", 2009), ("WS 2021/22", "WS 21/22", 2021)],
)  # fmt: skip
def test_terms(text, shown, year) -> None:
    term = parse_term(text)
    assert (term.display(), term.year) == (shown, year)


@pytest.mark.parametrize("bad", ["WS 21/23", "SS 17/18", "XS 12", "Winterly 2021", "WS"])
def test_bad_terms(bad) -> None:
    with pytest.raises(ValueError, match="term"):
        parse_term(bad)


def test_terms_sort_chronologically() -> None:
    order = ["SS 10", "WS 10/11", "SS 11"]
    assert sorted(order, key=lambda t: parse_term(t).sort_key) == order
