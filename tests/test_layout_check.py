"""Issue 16: cvbuild's own layout check (cvbuild/check.py) on pages as read from a PDF, and
the settings behind the layout (margins, date style); no TeX."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cvbuild.check import Line, length_pt, page_warnings
from cvbuild.dates import PartialDate, parse_period
from cvbuild.locale import locale_for
from cvbuild.models import Settings

HEIGHT = 842.0
MARGIN = 56.7
AREA = HEIGHT - 2 * MARGIN


def _page(number: int, fill: float, last: str = "text") -> tuple[float, list[Line]]:
    """A page whose last line sits at `fill` of the text block."""
    lines = [Line(number, MARGIN + 10, "first line"), Line(number, MARGIN + fill * AREA, last)]
    return HEIGHT, lines


def test_a_page_filled_80_percent_passes_and_79_percent_is_reported() -> None:
    assert page_warnings([_page(1, 0.80), _page(2, 0.1)], [], MARGIN) == []
    warnings = page_warnings([_page(1, 0.79), _page(2, 0.1)], [], MARGIN)
    assert len(warnings) == 1 and "page 1: only 79% filled" in warnings[0]


def test_the_last_page_may_be_short() -> None:
    assert page_warnings([_page(1, 0.95), _page(2, 0.05)], [], MARGIN) == []


def test_a_heading_as_the_last_line_is_named() -> None:
    pages = [_page(1, 0.97, last="Professional Experience"), _page(2, 0.5)]
    warnings = page_warnings(pages, ["Short Bio", "Professional Experience"], MARGIN)
    assert warnings == [
        "page 1: heading 'Professional Experience' is the last line of the page; its first "
        "entry starts on the next page"
    ]


def test_a_heading_followed_by_its_entry_is_fine() -> None:
    height, lines = _page(1, 0.97, last="Jan 2021 – today Head of XAI")
    lines.insert(1, Line(1, MARGIN + 0.9 * AREA, "Professional Experience"))
    assert (
        page_warnings([(height, lines), _page(2, 0.5)], ["Professional Experience"], MARGIN) == []
    )


def test_margins_in_points() -> None:
    assert length_pt("2cm") == pytest.approx(56.69, abs=0.01)
    assert length_pt("25mm") == pytest.approx(70.87, abs=0.01)
    assert length_pt("1in") == 72.0


def test_margins_setting_refuses_a_length_without_unit() -> None:
    assert Settings(margins="1.5cm").margins == "1.5cm"
    with pytest.raises(ValidationError):
        Settings(margins="2")


@pytest.mark.parametrize(
    ("style", "month", "day", "days"),
    [
        ("Jan 2021", "Jan 2021", "13 Oct 2023", "13/14/16 Dec 2021"),
        ("January 2021", "January 2021", "13 October 2023", "13/14/16 December 2021"),
        ("01/2021", "01/2021", "13/10/2023", "13,14,16/12/2021"),
        ("ISO", "2021-01", "2023-10-13", "2021-12-13/14/16"),
    ],
)
def test_one_date_style_for_months_and_days(style: str, month: str, day: str, days: str) -> None:
    locale = locale_for("en").with_date_style(style)
    assert locale.date(PartialDate(2021, 1)) == month
    assert locale.date(PartialDate(2023, 10, 13)) == day
    assert locale.date(PartialDate(2021, 12, 13, (14, 16))) == days
    assert locale.date(PartialDate(2018)) == "2018"


def test_periods_follow_the_date_style() -> None:
    locale = locale_for("en").with_date_style("01/2021")
    assert locale.period(parse_period("2021-01 – today")) == "01/2021 – today"


def test_german_date_styles() -> None:
    locale = locale_for("de").with_date_style("Jan 2021")
    assert locale.date(PartialDate(2023, 10, 13)) == "13. Okt. 2023"
    assert (
        locale_for("de").with_date_style("01/2021").date(PartialDate(2023, 10, 3)) == "03.10.2023"
    )


def test_every_locale_has_every_date_style() -> None:
    styles = Settings.model_fields["date_style"].annotation.__args__  # type: ignore[union-attr]
    for language in ("en", "de"):
        locale = locale_for(language)
        for style in styles:
            assert locale.with_date_style(style).date(PartialDate(2020, 2, 3))


def test_a_nearly_empty_page_names_its_section() -> None:
    height, lines = _page(1, 0.5, last="Oct 2014 Research Associate")
    lines.insert(0, Line(1, MARGIN, "Professional Experience"))
    warnings = page_warnings([(height, lines), _page(2, 0.5)], ["Professional Experience"], MARGIN)
    assert warnings == [
        "page 1: only 50% filled in 'Professional Experience' (it ends with 'Oct 2014 Research "
        "Associate'; what follows did not fit)"
    ]


def test_a_larger_bottom_margin_counts_in_the_fill() -> None:
    """casual: the text block ends 1 cm higher; a page 78 % full against the ordinary block is
    81 % of casual's."""
    height, lines = _page(1, 0.78)
    assert page_warnings([(height, lines), _page(2, 0.5)], [], MARGIN, MARGIN + 28.35) == []
    assert page_warnings([(height, lines), _page(2, 0.5)], [], MARGIN)
