"""The date forms a CV uses: years, months, days, open-ended periods and semester terms.

Each type parses from the plain string written in the YAML (so content stays readable) and
knows how to sort and how to print itself. They are immutable values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from cvbuild.errors import shown

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_DATE = r"(?P<{p}y>\d{{4}})(?:-(?P<{p}m>\d{{2}})(?:-(?P<{p}d>\d{{2}})(?P<{p}x>(?:/\d{{2}})*))?)?"
_DATE_RE = re.compile("^" + _DATE.format(p="") + "$")
_OPEN_WORDS = ("today", "present", "now", "*", "")
# Either end of a period may be a season ('Fall 2022 – Spring 2024'), as a single date may.
_SEASON_SIDE = r"(?P<{p}season>spring|summer|fall|autumn|winter)\s+(?P<{p}sy>\d{{4}})"
_PERIOD_RE = re.compile(
    "^(?:"
    + _SEASON_SIDE.format(p="s")
    + "|"
    + _DATE.format(p="s")
    + r")\s*(?:(?P<sep>–|—|--|-|to)\s*(?:(?P<open>today|present|now|\*)|"
    + _SEASON_SIDE.format(p="e")
    + "|"
    + _DATE.format(p="e")
    + r")?)?$",
    re.IGNORECASE,
)
# A season where a date is expected ('Fall 2022' for a talk), sorted by the month it starts in.
_SEASON_MONTHS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}
_SEASON_DATE_RE = re.compile(r"^(?P<season>spring|summer|fall|autumn|winter)\s+(?P<y>\d{4})$", re.I)
_TERM_RE = re.compile(r"^(?P<season>WS|SS)\s*(?P<y1>\d{2}|\d{4})(?:\s*/\s*(?P<y2>\d{2}|\d{4}))?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A year, a year and month, or a full date; `extra_days` for '2021-12-13/14/16'."""

    year: int
    month: int | None = None
    day: int | None = None
    extra_days: tuple[int, ...] = ()
    season: str = ""  # 'Fall 2022': a season of the year, printed as written

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or _SEASON_MONTHS.get(self.season.lower(), 0), self.day or 0)

    def iso(self) -> str:
        if self.season:
            return f"{self.season} {self.year:04d}"
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}" + "".join(f"/{d:02d}" for d in self.extra_days)
        return text

    def display(self) -> str:
        """Year → '2018', month → 'Jan 2021', day → '2023-10-06' (ISO, unambiguous)."""
        if self.season:
            return self.iso()
        if self.month is not None and self.day is None:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return self.iso()

    def __str__(self) -> str:
        return self.iso()


def _date_from_match(match: re.Match[str], prefix: str) -> PartialDate:
    season = match.groupdict().get(f"{prefix}season")
    if season:
        return PartialDate(int(match[f"{prefix}sy"]), season=season[0].upper() + season[1:].lower())
    year = int(match[f"{prefix}y"])
    month = match[f"{prefix}m"]
    day = match[f"{prefix}d"]
    extra = match[f"{prefix}x"] or ""
    if month is None:
        return PartialDate(year)
    if not 1 <= int(month) <= 12:
        raise ValueError(f"month {month} is not between 01 and 12")
    if day is None:
        return PartialDate(year, int(month))
    days = [int(day), *(int(d) for d in extra.split("/") if d)]
    for d in days:
        dt.date(year, int(month), d)  # raises ValueError for 2023-02-30
    return PartialDate(year, int(month), days[0], tuple(days[1:]))


def parse_date(value: Any) -> PartialDate:
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a date like 2018, 2021-01 or 2023-10-06, found {shown(value)}")
    match = _DATE_RE.match(value.strip())
    season = _SEASON_DATE_RE.match(" ".join(value.split()))
    if season:
        word = season["season"]
        return PartialDate(int(season["y"]), season=word[0].upper() + word[1:].lower())
    if not match:
        raise ValueError(
            f"expected a date like 2018, 2021-01, 2023-10-06 or Fall 2022, found {shown(value)}"
        )
    try:
        return _date_from_match(match, "")
    except ValueError as exc:
        raise ValueError(f"{shown(value)} is not a real date ({exc})") from None


@dataclass(frozen=True)
class Period:
    """A span of time. `end is None` with `open_end` means 'until today'; a single date has
    `end == start`."""

    start: PartialDate
    end: PartialDate | None
    open_end: bool = False

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """Newest first sorts by the end (open ends first), then by the start."""
        end = (9999, 0, 0) if self.open_end else (self.end or self.start).sort_key
        return end

    @property
    def last_year(self) -> int:
        """The year the period ends in; far in the future while it is still running."""
        return 9999 if self.open_end else (self.end or self.start).year

    def contains_year(self, year: int) -> bool:
        return self.start.year <= year <= self.last_year

    def display(self, open_label: str = "today") -> str:
        if self.open_end:
            return f"{self.start.display()} – {open_label}"
        if self.end is None or self.end == self.start:
            return self.start.display()
        return f"{self.start.display()} – {self.end.display()}"

    def __str__(self) -> str:
        if self.open_end:
            return f"{self.start.iso()} – today"
        if self.end is None or self.end == self.start:
            return self.start.iso()
        return f"{self.start.iso()} – {self.end.iso()}"


class PeriodList(tuple[Period, ...]):
    """Several periods of one item ('2014 – 2016, 2019 – today'), answering the questions a
    single period answers, so that code written for one period reads several alike."""

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return max(period.sort_key for period in self)

    @property
    def last_year(self) -> int:
        return max(period.last_year for period in self)

    @property
    def open_end(self) -> bool:
        return any(period.open_end for period in self)

    def __str__(self) -> str:
        return ", ".join(str(period) for period in self)


def parse_period(value: Any) -> Period:
    if isinstance(value, Period):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    expected = (
        "expected a period like '2013 – 2018', '2021-01 – today', '2023-', '2019' or "
        "'Fall 2022 – Spring 2024'"
    )
    if not isinstance(value, str):
        raise ValueError(f"{expected}, found {shown(value)}")
    match = _PERIOD_RE.match(value.strip())
    if not match:
        raise ValueError(f"{expected}, found {shown(value)}")
    try:
        start = _date_from_match(match, "s")
        if match["sep"] is None:
            return Period(start, start)
        if match["ey"] is None and match["esy"] is None:
            return Period(start, None, open_end=True)
        end = _date_from_match(match, "e")
    except ValueError as exc:
        raise ValueError(f"{shown(value)} is not a real period ({exc})") from None
    if end.sort_key < start.sort_key:
        raise ValueError(f"period {shown(value)} ends before it starts")
    return Period(start, end)


# Terms other than German semesters: (word → month the term starts in), for sorting only.
_SEASONS = {
    "spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 1,
    "michaelmas": 10, "hilary": 1, "lent": 1, "trinity": 4, "easter": 4,
    "hs": 9, "fs": 2,  # Swiss: Herbstsemester, Frühjahrssemester
}  # fmt: skip
_TERM_OTHER_RE = re.compile(
    r"^(?:(?P<season>[A-Za-z]+)(?:\s+(?:semester|quarter|term|session))?\s+"
    r"|(?P<quarter>Q[1-4])\s+)?"
    r"(?P<y1>\d{4})(?:\s*(?:/|–|-)\s*(?P<y2>\d{2}|\d{4}))?$",
    re.IGNORECASE,
)
_TERM_EXPECTED = (
    "expected a semester term like 'WS 21/22', 'SS 17', 'Fall 2022', 'Spring Quarter 2023', "
    "'Michaelmas 2021', 'Q3 2021', '2022' or '2022/23'"
)


@dataclass(frozen=True)
class Term:
    """A teaching term: a German semester ('WS 21/22' starts in the autumn of 2021, 'SS 17'),
    a US semester or quarter ('Fall 2022', 'Winter Quarter 2023'), another season word, a
    quarter ('Q3 2021'), or a plain (academic) year ('2022', '2022/23'). Printed as written;
    sorted by when it starts."""

    season: str  # "WS", "SS", a season word in lower case, "q1".."q4", or "" for a year
    year: int  # the calendar year the term starts in
    shown: str = ""  # as written, for the forms other than WS/SS
    month: int = 0  # the month it starts in (0: unknown, a plain year)

    @property
    def sort_key(self) -> tuple[int, int, int]:
        if self.season in ("WS", "SS"):
            return (self.year, 10 if self.season == "WS" else 4, 0)
        return (self.year, self.month, 0)

    def display(self) -> str:
        if self.shown:
            return self.shown
        short = self.year % 100
        if self.season == "WS":
            return f"WS {short:02d}/{(short + 1) % 100:02d}"
        return f"SS {short:02d}"

    def __str__(self) -> str:
        return self.display()


def parse_term(value: Any) -> Term:
    if isinstance(value, Term):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{_TERM_EXPECTED}, found {shown(value)}")
    text = " ".join(value.split())
    match = _TERM_RE.match(text)
    if match:
        return _german_term(match, value)
    other = _TERM_OTHER_RE.match(text)
    if not other:
        raise ValueError(f"{_TERM_EXPECTED}, found {shown(value)}")
    year = int(other["y1"])
    if other["y2"]:
        second = int(other["y2"])
        if (second if second >= 100 else second + year // 100 * 100) != year + 1:
            raise ValueError(
                f"a term spans two consecutive years ('2022/23'), found {shown(value)}"
            )
    if other["quarter"]:
        quarter = other["quarter"].lower()
        return Term(quarter, year, text, 3 * int(quarter[1]) - 2)
    season = (other["season"] or "").lower()
    if season and season not in _SEASONS:
        raise ValueError(f"{_TERM_EXPECTED}, found {shown(value)} (unknown season {season!r})")
    if not season:
        return Term("", year, text, 9 if other["y2"] else 0)  # an academic year starts in autumn
    month = _SEASONS[season]
    if other["y2"] and month < 6:  # 'Winter 2021/22' begins at the end of 2021
        month = 12
    return Term(season, year, text, month)


def _german_term(match: re.Match[str], value: str) -> Term:
    year = int(match["y1"])
    year = year + 2000 if year < 100 else year
    if match["season"] == "SS" and match["y2"]:
        raise ValueError(f"a summer term has one year ('SS 17'), found {shown(value)}")
    if match["season"] == "WS" and match["y2"]:
        second = int(match["y2"]) % 100
        if second != (year + 1) % 100:
            raise ValueError(f"a winter term spans two consecutive years, found {shown(value)}")
    return Term(match["season"], year)


def _string_schema(pattern: str, examples: list[str]) -> WithJsonSchema:
    return WithJsonSchema({"type": ["string", "integer"], "pattern": pattern, "examples": examples})


Date = Annotated[
    PartialDate,
    BeforeValidator(parse_date),
    PlainSerializer(str, return_type=str),
    _string_schema(
        r"^(\d{4}(-\d{2}(-\d{2}(/\d{2})*)?)?|([Ss]pring|[Ss]ummer|[Ff]all|[Aa]utumn|[Ww]inter) \d{4})$",
        ["2018", "2021-01", "2023-10-06", "Fall 2022"],
    ),
]
PeriodField = Annotated[
    Period,
    BeforeValidator(parse_period),
    PlainSerializer(str, return_type=str),
    _string_schema(
        r"^(\d{4}|([Ss]pring|[Ss]ummer|[Ff]all|[Aa]utumn|[Ww]inter) \d{4})",
        ["2013 – 2018", "2021-01 – today", "2023-", "Fall 2022 – Spring 2024"],
    ),
]
TermField = Annotated[
    Term,
    BeforeValidator(parse_term),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": ["string", "integer"],
            "examples": ["WS 21/22", "SS 17", "Fall 2022", "Spring Quarter 2023", "2022/23"],
        }
    ),
]
