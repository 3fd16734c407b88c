"""The words cvbuild prints by itself, per language, from `cvbuild/locales/<language>.yaml`.

The content picks the language (`settings.language`, e.g. `en`, `de-AT` → `de` → `en`); single
words can be overridden in the content (`settings.labels`). Writers never spell out a word.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from importlib import resources
from types import MappingProxyType
from typing import Any

from cvbuild.dates import PartialDate, Period

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Locale:
    language: str
    babel: str
    quotes: tuple[str, str]
    months: tuple[str, ...]
    words: MappingProxyType[str, str]
    dates: MappingProxyType[str, str]
    # `cvbuild init --language`: English starter title → this language's
    starter: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # settings.date_style → the `dates` patterns that style replaces ("Jan 2021", "ISO", ...)
    date_styles: MappingProxyType[str, MappingProxyType[str, str]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    month_names: tuple[str, ...] = ()  # full names, for the "January 2021" style
    # the preflight's own words (cvbuild.preflight), and words that mark bibliometric text
    preflight: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    metric_terms: tuple[str, ...] = ()

    def word(self, key: str) -> str:
        return self.words[key]

    def number(self, value: float, decimals: int = 2) -> str:
        """A number as this language writes it, the one place numbers get their separators
        (sums, counts, metrics): '1,250,000.5' (en), '1.250.000,5' (de); whole numbers have no
        decimals, others at most `decimals` (trailing zeros dropped)."""
        text = f"{value:,.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        thousands = self.words.get("thousands_separator", ",")
        decimal = self.words.get("decimal_separator", ".")
        return "".join(thousands if c == "," else decimal if c == "." else c for c in text)

    def authors_count(self, count: int) -> str:
        """'(150 authors)': printed after "et al." when a list was shortened."""
        return self.word("authors_count").replace("{count}", self.number(count))

    def quoted(self, text: str) -> str:
        return f"{self.quotes[0]}{text}{self.quotes[1]}"

    def date(self, date: PartialDate) -> str:
        """A date as this language writes it: a year, a month and year, or a day (or several
        days of one month); a season ('Fall 2022') as written."""
        if date.season:
            return date.display()
        if date.month is None:
            return self.dates["year"].format(year=date.year)
        fields = {
            "year": date.year,
            "month": date.month,
            "month_name": self.months[date.month - 1],
            "month_long": (self.month_names or self.months)[date.month - 1],
        }
        if date.day is None:
            return self.dates["month"].format(**fields)
        all_days = (date.day, *date.extra_days)
        join = self.dates["day_join"]
        return self.dates["day"].format(
            day=join.join(f"{d:02d}" for d in all_days),
            day_n=join.join(str(d) for d in all_days),
            **fields,
        )

    def period(self, period: Period) -> str:
        start = self.date(period.start)
        if period.open_end:
            return self.dates["open_range"].format(start=start, open_end=self.word("open_end"))
        if period.end is None or period.end == period.start:
            return start
        return self.dates["range"].format(start=start, end=self.date(period.end))

    def with_date_style(self, style: str) -> Locale:
        """The same locale writing every date in one style (settings.date_style), so that a
        CV never mixes "Jan 2021" with "2023-10-06"."""
        if style not in self.date_styles:
            raise KeyError(f"no date style {style!r} in the {self.language} locale")
        return replace(self, dates=MappingProxyType({**self.dates, **self.date_styles[style]}))

    def with_words(self, overrides: dict[str, str]) -> Locale:
        """The same locale with some words replaced (the content's `settings.labels`)."""
        unknown = sorted(set(overrides) - set(self.words))
        if unknown:
            raise KeyError(f"no such word in the locale: {', '.join(unknown)}")
        return replace(self, words=MappingProxyType({**self.words, **overrides}))


def available() -> tuple[str, ...]:
    """The languages with a locale file."""
    folder = resources.files("cvbuild") / "locales"
    return tuple(
        sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))
    )


def locale_for(language: str) -> Locale:
    """The locale for a BCP 47 tag: the tag itself, else its primary language, else English."""
    known = available()
    primary = language.split("-")[0].lower()
    for candidate in (language, primary, DEFAULT_LANGUAGE):
        if candidate in known:
            return _load(candidate)
    return _load(DEFAULT_LANGUAGE)


@functools.cache
def _load(language: str) -> Locale:
    path = resources.files("cvbuild") / "locales" / f"{language}.yaml"
    from cvbuild.load import read_yaml  # (libyaml's parser: 2 ms, not 10)

    data: dict[str, Any] = read_yaml(path.read_text(encoding="utf-8"))
    fallback = _load(DEFAULT_LANGUAGE) if language != DEFAULT_LANGUAGE else None
    words = dict(fallback.words) if fallback else {}
    words.update({str(k): str(v) for k, v in data["words"].items()})
    dates = dict(fallback.dates) if fallback else {}
    dates.update({str(k): str(v) for k, v in data.get("dates", {}).items()})
    styles = dict(fallback.date_styles) if fallback else {}
    for name, patterns in data.get("date_styles", {}).items():
        styles[str(name)] = MappingProxyType({str(k): str(v) for k, v in patterns.items()})
    preflight = dict(fallback.preflight) if fallback else {}
    preflight.update({str(k): str(v) for k, v in data.get("preflight", {}).items()})
    return Locale(
        preflight=MappingProxyType(preflight),
        metric_terms=tuple(str(t) for t in data.get("metric_terms", [])),
        date_styles=MappingProxyType(styles),
        month_names=tuple(str(m) for m in data.get("month_names", [])),
        language=str(data["language"]),
        babel=str(data["babel"]),
        quotes=(str(data["quotes"][0]), str(data["quotes"][1])),
        months=tuple(str(m) for m in data["months"]),
        words=MappingProxyType(words),
        dates=MappingProxyType(dates),
        starter=MappingProxyType({str(k): str(v) for k, v in data.get("starter", {}).items()}),
    )
