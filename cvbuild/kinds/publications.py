"""The `publications` section kind: Publication lists printed from the .bib files, with an optional metrics table."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from cvbuild.dates import Date
from cvbuild.document import Block, Group, PublicationList, Reference, Table
from cvbuild.fields import (
    ContentError,
    Location,
    Model,
    NonEmpty,
    PublicationCategory,
    PublicationClass,
    SectionBase,
)
from cvbuild.kinds.base import Context, Filter, SectionKind, source_of
from cvbuild.kinds.grants import metric as grant_metric
from cvbuild.richtext import italic

if TYPE_CHECKING:
    from cvbuild.bibliography import Publication


# biblatex's publication states, and what users write for them ("in press", "In Preparation").
PUBSTATES = ("inpreparation", "submitted", "forthcoming", "inpress", "prepublished")


def pubstate_word(text: str) -> str:
    """A pubstate as one lower-case word ('In press' → 'inpress'), so the forms compare equal."""
    return re.sub(r"[\s_-]+", "", text.strip().lower())


# What people write into `pubstate` by hand ("under review", "accepted with minor revision",
# "to appear"), as biblatex's state it means; the first pattern that matches wins.
_FREE_STATES = (
    (re.compile(r"revis|review|submit|resubmi|r\s*&\s*r", re.I), "submitted"),
    (re.compile(r"accept|to appear|forthcoming", re.I), "forthcoming"),
    (re.compile(r"in\s*press|in\s*print", re.I), "inpress"),
    (re.compile(r"prep|draft|working paper|manuscript", re.I), "inpreparation"),
    (re.compile(r"preprint|prepublished|online first|early access|ahead of print", re.I),
     "prepublished"),
)  # fmt: skip


def entry_state(text: str) -> str:
    """An entry's pubstate as biblatex's word ('' for none; free text mapped by meaning, else
    kept as one word)."""
    word = pubstate_word(text)
    if not word or word in PUBSTATES:
        return word
    return next((state for pattern, state in _FREE_STATES if pattern.search(text)), word)


class ListRule(Model):
    """Which entries a list takes. Every condition given must hold; within one condition, any
    of its values may (`types: [article, inproceedings]` takes either)."""

    categories: list[PublicationCategory] = Field(
        [], description="Categories cvbuild gives entries (journal, proceedings, preprint, ...)."
    )
    types: list[NonEmpty] = Field(
        [], description="Entry types as in the .bib, without '@' (article, phdthesis, misc, ...)."
    )
    pubstate: list[NonEmpty] = Field(
        [],
        description="Publication states (the .bib field `pubstate`): submitted, inpress, "
        "forthcoming, inpreparation, prepublished (spaces and case ignored: 'in press'); "
        "'published' takes entries without a pubstate. Free text in the .bib counts by "
        "meaning: 'under review', 'in revision' as submitted, 'accepted', 'to appear' as "
        "forthcoming, 'working paper' as inpreparation.",
    )
    keywords: list[NonEmpty] = Field(
        [], description="Entries whose .bib `keywords` hold any of these (case ignored)."
    )
    venue: NonEmpty | None = Field(
        None,
        description="A regular expression searched (case ignored) in the journal, booktitle, "
        "howpublished or published_at of the entry, e.g. 'NeurIPS|ICML'.",
    )
    peer_reviewed: bool | None = Field(
        None,
        description="true: only peer-reviewed entries (journal, proceedings, chapter, book and "
        "not submitted or in preparation, unless overridden); false: only the others.",
    )

    @model_validator(mode="after")
    def _valid_values(self) -> ListRule:
        found: list[tuple[Location, str]] = []
        if self.venue is not None:
            try:
                re.compile(self.venue)
            except re.error as error:
                found.append(
                    (("venue",), f"not a regular expression ({error}); e.g. 'NeurIPS|ICML'")
                )
        for index, name in enumerate(self.types):
            if not re.fullmatch(r"@?[A-Za-z]+", name):
                found.append((("types", index), f"entry type {name!r} is not a word (article)"))
        known = (*PUBSTATES, "published")
        for index, state in enumerate(self.pubstate):
            if pubstate_word(state) not in known:
                found.append(
                    (("pubstate", index), f"unknown pubstate {state!r}; use {', '.join(known)}")
                )
        if found:
            raise ContentError(found)
        return self


class CategoryList(Model):
    """One printed list: the entries of a `category`, or those `where` selects, or both."""

    category: PublicationClass | None = Field(
        None,
        description="A category (journal, proceedings, ...), or peer-reviewed / "
        "not-peer-reviewed: every entry that is (not) peer-reviewed, whatever its category.",
    )
    where: ListRule | None = Field(
        None,
        description="Rules choosing the entries (types, pubstate, keywords, venue, "
        "peer_reviewed). An entry several lists take is printed in the first one only.",
    )
    title: NonEmpty
    numbering: Literal["ascending", "descending"] = Field(
        "ascending", description="ascending: newest is 1; descending: newest is N."
    )
    prefix: str = Field("", description="Label prefix, e.g. 'J' for J1, J2, ...")

    @model_validator(mode="after")
    def _chooses_something(self) -> CategoryList:
        if self.category is None and self.where is None:
            raise ContentError(
                [(("category",), "a list needs a `category` or `where` rules (or both)")]
            )
        return self


class MetricColumn(Model):
    label: NonEmpty
    since: int | None = Field(None, description="Counts publications from this year on.")


class MetricRow(Model):
    label: NonEmpty
    values: list[int | float | str] | Literal["publications", "grants", "grant_shares"] = Field(
        description="One value per column; or 'publications' to count the .bib entries, "
        "'grants' for the sums of the awarded grants (per currency, those starting in the "
        "column's `since` year or later), 'grant_shares' for your own shares of them. "
        "Numbers print with the language's separators (12,000 / 12.000), text as written."
    )


class Impact(Model):
    title: NonEmpty
    columns: list[MetricColumn] = Field(min_length=1)
    rows: list[MetricRow] = Field(min_length=1)
    source: NonEmpty
    retrieved: Date

    @model_validator(mode="after")
    def _row_widths(self) -> Impact:
        found: list[tuple[Location, str]] = [
            (
                ("rows", index, "values"),
                f"row {row.label!r} has {len(row.values)} values for {len(self.columns)} columns",
            )
            for index, row in enumerate(self.rows)
            if isinstance(row.values, list) and len(row.values) != len(self.columns)
        ]
        if found:
            raise ContentError(found)
        return self


class PublicationsSection(SectionBase):
    kind: Literal["publications"]
    impact: Impact | None = None
    lists: list[CategoryList] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_category_once(self) -> PublicationsSection:
        # A second list of the same category alone would stay empty (the first takes all).
        seen = [item.category if item.where is None else None for item in self.lists]
        found: list[tuple[Location, str]] = [
            (("lists", index, "category"), f"category listed twice: {category}")
            for index, category in enumerate(seen)
            if category is not None and category in seen[:index]
        ]
        if found:
            raise ContentError(found)
        return self


def trim(section: PublicationsSection, keep: Filter) -> PublicationsSection:
    """The entries are chosen by the variant's `publications` rules (cvbuild.select); a section
    rule can only drop the metrics table."""
    return section if keep.metrics else section.model_copy(update={"impact": None})


# Lists added after the section's own when entries of these categories exist and the section
# names no list for them (a PhD thesis, a patent, software), so that no entry is lost. The
# four classic categories are not added: leaving one out of `lists` is how a CV omits it.
DEFAULT_TITLES: dict[str, dict[str, str]] = {
    "en": {"book": "Books and Edited Volumes", "thesis": "Theses", "report": "Reports",
           "patent": "Patents", "software": "Software and Data", "other": "Other Publications"},
    "de": {"book": "Bücher und Herausgeberschaften", "thesis": "Abschlussarbeiten",
           "report": "Berichte", "patent": "Patente", "software": "Software und Daten",
           "other": "Weitere Veröffentlichungen"},
}  # fmt: skip


def peer_reviewed(publication: Publication) -> bool:
    """Whether an entry counts as peer-reviewed: its override, else by category and pubstate
    (cvbuild.bibliography.peer_reviewed_by_default)."""
    return bool(publication.peer_reviewed)


def _venue(publication: Publication) -> str:
    names = ("journal", "journaltitle", "booktitle", "howpublished", "eventtitle")
    texts = [publication.fields.get(name, "") for name in names]
    return " | ".join(t for t in [*texts, publication.published_at] if t)


def rule_matches(rule: ListRule, publication: Publication) -> bool:
    """True if the entry meets every condition the rule gives."""
    if rule.categories and publication.category not in rule.categories:
        return False
    if rule.types and publication.entry_type not in {t.lower().lstrip("@") for t in rule.types}:
        return False
    if rule.pubstate:
        state = entry_state(publication.fields.get("pubstate", "")) or "published"
        if state not in {pubstate_word(s) for s in rule.pubstate}:
            return False
    if rule.keywords:
        wanted = {k.strip().lower() for k in rule.keywords}
        if not wanted & set(getattr(publication, "keywords", ())):
            return False
    if rule.venue is not None and not re.search(rule.venue, _venue(publication), re.I):
        return False
    return rule.peer_reviewed is None or rule.peer_reviewed == peer_reviewed(publication)


def in_class(publication: Publication, name: str) -> bool:
    """Whether an entry belongs to a list or group: a category, or 'peer-reviewed' /
    'not-peer-reviewed' (whatever its category)."""
    if name == "peer-reviewed":
        return bool(publication.peer_reviewed)
    if name == "not-peer-reviewed":
        return not publication.peer_reviewed
    return publication.category == name


def takes(spec: CategoryList, publication: Publication) -> bool:
    """True if the list takes the entry (ignoring lists before it)."""
    if spec.category is not None and not in_class(publication, spec.category):
        return False
    return spec.where is None or rule_matches(spec.where, publication)


def list_key(spec: CategoryList, index: int) -> str:
    """A list's name in the output (the LaTeX keyword, the HTML anchor): its category when it
    lists a category alone, else its position ('list3')."""
    return spec.category if spec.category and spec.where is None else f"list{index + 1}"


def assign(
    lists: list[CategoryList], publications: tuple[Publication, ...]
) -> tuple[list[list[Publication]], list[Publication]]:
    """The entries of each list, first list wins, and the entries no list takes."""
    members: list[list[Publication]] = [[] for _ in lists]
    unlisted = []
    for publication in publications:
        for index, spec in enumerate(lists):
            if takes(spec, publication):
                members[index].append(publication)
                break
        else:
            unlisted.append(publication)
    return members, unlisted


def lists_with_defaults(
    lists: list[CategoryList], publications: tuple[Publication, ...], language: str = "en"
) -> list[CategoryList]:
    """The section's lists, then a default list for each further category that has entries
    none of them takes."""
    titles = DEFAULT_TITLES.get(language, DEFAULT_TITLES["en"])
    _, unlisted = assign(lists, publications)
    present = {p.category for p in unlisted}
    extra = [
        CategoryList(category=category, title=title)
        for category, title in titles.items()
        if category in present
    ]
    return [*lists, *extra]


def unlisted(
    section: PublicationsSection, publications: tuple[Publication, ...], language: str = "en"
) -> list[Publication]:
    """The entries none of the section's lists (nor a default one) takes: not printed."""
    return assign(lists_with_defaults(section.lists, publications, language), publications)[1]


def compose(section: PublicationsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    if section.impact:
        blocks += _impact(section.impact, context)
    lists = lists_with_defaults(section.lists, context.publications, context.locale.language)
    labels = publication_labels(context.publications, lists)
    members, _ = assign(lists, context.publications)
    for index, (spec, chosen) in enumerate(zip(lists, members, strict=True)):
        if chosen:
            key = list_key(spec, index)
            references = tuple(  # (no key when it is the entry's category: the LaTeX default)
                Reference(labels[p.key], p, "" if key == p.category else key) for p in chosen
            )
            blocks.append(PublicationList(key, spec.title, references, source_of(spec)))
    return blocks


def publication_labels(
    publications: tuple[Publication, ...], lists: list[CategoryList]
) -> dict[str, str]:
    """Each entry's printed label: its list's prefix and its number within the list (newest is
    1, or newest is N for descending lists); an entry no list takes is numbered within its
    category."""
    members, rest = assign(lists, publications)
    labels = {}
    for spec, chosen in zip(lists, members, strict=True):
        for position, publication in enumerate(chosen, 1):
            number = len(chosen) + 1 - position if spec.numbering == "descending" else position
            labels[publication.key] = f"{spec.prefix}{number}"
    seen: Counter[str] = Counter()
    for publication in rest:
        seen[publication.category] += 1
        labels[publication.key] = str(seen[publication.category])
    return labels


def _impact(impact: Impact, context: Context) -> list[Block]:
    rows = []
    for row in impact.rows:
        if row.values == "publications":
            values = [
                context.number(
                    sum(
                        1
                        for p in context.all_publications
                        if column.since is None or p.year >= column.since
                    )
                )
                for column in impact.columns
            ]
        elif row.values in ("grants", "grant_shares"):
            own = row.values == "grant_shares"
            values = [
                grant_metric(context.all_grants, context, c.since, own) for c in impact.columns
            ]
        else:
            values = [v if isinstance(v, str) else context.number(v) for v in row.values]
        rows.append((row.label, *values))
    source = f"{impact.source}, {context.word('retrieved')} {context.date(impact.retrieved)}."
    return [
        Group(impact.title, source=source_of(impact)),
        Table(
            tuple(c.label for c in impact.columns), tuple(rows), italic(source), source_of(impact)
        ),
    ]


KIND = SectionKind("publications", PublicationsSection, lambda s: s.lists, trim, compose)
