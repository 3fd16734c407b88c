"""What a section kind is: its model, how a variant's rules trim it, how it composes.

Each kind lives in one module of `cvbuild.kinds` and ends with a `KIND = SectionKind(...)`; the
content model's union of sections, the JSON Schema, selection and composition all follow from
the list in `cvbuild/kinds/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, Field

from cvbuild.dates import PartialDate, Period
from cvbuild.document import NOWHERE, Source
from cvbuild.fields import Model, NonEmpty, SectionBase
from cvbuild.richtext import EMPTY, Highlight, Node, Rich, Text, join, plain, rich

if TYPE_CHECKING:
    from cvbuild.bibliography import Publication
    from cvbuild.document import Block
    from cvbuild.kinds.grants import Grant
    from cvbuild.locale import Locale
    from cvbuild.models import SectionRules

S = TypeVar("S", bound=SectionBase)
T = TypeVar("T")
DateKey = tuple[int, int, int]


@dataclass(frozen=True)
class Filter:
    """One section's rules in a variant, with the questions the trimmers ask of them."""

    rules: SectionRules
    as_of: PartialDate
    metrics: bool = True  # the variant prints metrics (h-index, citations)

    def recent(self, last_year: int) -> bool:
        """Inside the date window (`since_years`), counting back from the as-of year."""
        window = self.rules.since_years
        return window is None or last_year >= self.as_of.year - window

    def wanted(self, last_year: int, selected: bool = True) -> bool:
        return self.recent(last_year) and (selected or not self.rules.selected_only)

    def cap(self, items: list[T], newest: Callable[[T], DateKey]) -> list[T]:
        """At most `max_items` items: the newest ones (by `newest`), in the order written."""
        limit = self.rules.max_items
        if limit is None or len(items) <= limit:
            return items
        ranked = sorted(range(len(items)), key=lambda i: newest(items[i]), reverse=True)
        keep = set(ranked[:limit])  # a stable sort: of equally new items, the first written
        return [item for index, item in enumerate(items) if index in keep]


def _locale_words(value: dict[str, str]) -> dict[str, str]:
    """An item's `labels` may replace only words cvbuild prints (a typo would be ignored)."""
    from cvbuild.locale import locale_for

    unknown = sorted(set(value) - set(locale_for("en").words))
    if unknown:
        raise ValueError(
            f"no such word: {', '.join(unknown)}; an item's labels replace the words cvbuild "
            "prints for it (thesis, supervision, staff, own_share, number, licence, "
            "together_with, co_supervision, published, granted, ...: the keys of settings.labels)"
        )
    return value


ItemLabels = Annotated[
    dict[str, NonEmpty],
    AfterValidator(_locale_words),
    Field(
        description="Words printed for this item only, replacing the language's (the keys of "
        "settings.labels), e.g. {thesis: Dissertation, supervision: 'Advisors:'}."
    ),
]


@dataclass(frozen=True)
class Context:
    """What composing a section needs besides the section itself."""

    locale: Locale
    as_of: PartialDate
    publications: tuple[Publication, ...]  # those the variant prints, newest first
    all_publications: tuple[Publication, ...]  # every entry of the .bib files (for counts)
    compact: frozenset[str] = frozenset()  # ids of sections in compact form
    owner_names: tuple[str, ...] = ()  # the bibliography's 'Family, Given' forms (co-author lists)
    all_grants: tuple[Grant, ...] = ()  # every grant of the content (metrics-table totals)

    def word(self, key: str) -> str:
        return self.locale.word(key)

    def labelled(self, labels: Mapping[str, str]) -> Context:
        """This context with an item's own words (its `labels`) in place of the locale's."""
        return replace(self, locale=self.locale.with_words(dict(labels))) if labels else self

    def period(self, period: Period) -> str:
        return self.locale.period(period)

    def date(self, date: PartialDate) -> str:
        return self.locale.date(date)

    def periods(self, periods: Sequence[Period]) -> str:
        """Several periods of one item ('2014 – 2016, 2019 – today')."""
        return ", ".join(self.locale.period(p) for p in periods)

    def number(self, value: float) -> str:
        """A count or figure with the locale's separators ('1,000' / '1.000'): every number a
        section prints goes through here."""
        return self.locale.number(value)

    def amount(self, value: float, currency: str = "") -> str:
        """A sum of money with the locale's thousands separator: 'USD 1,250,000', '€1.250.000'
        (cents as '1,250.50': two decimals whenever there are any)."""
        number = self.locale.number(value)
        if not float(value).is_integer():
            decimal = self.word("decimal_separator")
            whole, _, cents = number.partition(decimal)
            number = f"{whole}{decimal}{cents.ljust(2, '0')}"
        if not currency:
            return number
        return f"{currency} {number}" if currency.isalpha() else f"{currency}{number}"

    def owner_marked(self, names: Sequence[str]) -> Rich:
        """A list of people ('Ada Lovelace', 'Babbage, C.'), the CV's owner highlighted as in
        publication lists."""
        from cvbuild.bibliography import _parse_name, same_person  # (imports the models)

        owners = [_parse_name(name) for name in self.owner_names]
        parts: list[Rich] = []
        for name in names:
            mine = any(same_person(_parse_name(name), owner) for owner in owners)
            parts.append((Highlight(rich(name)),) if mine else rich(name))
        return join(parts, ", ")


def tidy(value: Rich) -> Rich:
    """Adjacent plain texts as one (the same document whether a field held markup or not)."""
    out: list[Node] = []
    for node in value:
        if isinstance(node, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + node.text)
        else:
            out.append(node)
    return tuple(out)


def sentences(parts: Sequence[Rich]) -> Rich:
    """The non-empty parts as sentences: '. ' between them, unless a part ends in its own
    full stop (a description written as a sentence) or the next begins in lower case (it
    continues the sentence: "Medal for the paper ...", never "Medal. for the paper")."""
    out: Rich = EMPTY
    for part in parts:
        if not part:
            continue
        if out:
            ended = plain(out).rstrip().endswith((".", "!", "?"))
            out = rich(out, " " if ended or plain(part)[:1].islower() else ". ")
        out = rich(out, part)
    return tidy(out)


def last_year(periods: Sequence[Period]) -> int:
    return max(period.last_year for period in periods)


def newest(periods: Sequence[Period]) -> DateKey:
    return max(period.sort_key for period in periods)


def source_of(model: Model) -> Source:
    """Where the loader found a section or an item (NOWHERE for models made in code)."""
    found = model._source
    return Source(*found) if found else NOWHERE


def unchanged(section: S, keep: Filter) -> S:
    """The trimmer of kinds without items to pick."""
    return section


@dataclass(frozen=True)
class SectionKind(Generic[S]):
    name: str  # the `kind:` written in the YAML
    model: type[S]
    items: Callable[[S], Sequence[Any]]  # no items left: the section is empty
    trim: Callable[[S, Filter], S]  # a variant's rules applied (a copy, never in place)
    compose: Callable[[S, Context], list[Block]]
