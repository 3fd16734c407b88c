"""The `publications` section kind: Publication lists printed from the .bib files, with an optional metrics table."""

from __future__ import annotations

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
    PublicationClass,
    SectionBase,
)
from cvbuild.kinds.base import Context, Filter, SectionKind, source_of
from cvbuild.richtext import italic

if TYPE_CHECKING:
    from cvbuild.bibliography import Publication


class CategoryList(Model):
    category: PublicationClass = Field(
        description="A category (journal, proceedings, ...), or peer-reviewed / "
        "not-peer-reviewed: every entry that is (not) peer-reviewed, whatever its category. An "
        "entry is printed in the first list that takes it."
    )
    title: NonEmpty
    numbering: Literal["ascending", "descending"] = Field(
        "ascending", description="ascending: newest is 1; descending: newest is N."
    )
    prefix: str = Field("", description="Label prefix, e.g. 'J' for J1, J2, ...")


class MetricColumn(Model):
    label: NonEmpty
    since: int | None = Field(None, description="Counts publications from this year on.")


class MetricRow(Model):
    label: NonEmpty
    values: list[int | str] | Literal["publications"] = Field(
        description="One value per column, or 'publications' to count the .bib entries."
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
            if row.values != "publications" and len(row.values) != len(self.columns)
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
        seen = [item.category for item in self.lists]
        found: list[tuple[Location, str]] = [
            (("lists", index, "category"), f"category listed twice: {category}")
            for index, category in enumerate(seen)
            if category in seen[:index]
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


def lists_with_defaults(
    lists: list[CategoryList], publications: tuple[Publication, ...], language: str = "en"
) -> list[CategoryList]:
    """The section's lists, then a default list for each further category that has entries
    no list takes."""
    from cvbuild.bibliography import in_class

    titles = DEFAULT_TITLES.get(language, DEFAULT_TITLES["en"])
    named = {spec.category for spec in lists}
    present = {p.category for p in publications if not any(in_class(p, s.category) for s in lists)}
    extra = [
        CategoryList(category=category, title=title)
        for category, title in titles.items()
        if category in present and category not in named
    ]
    return [*lists, *extra]


def list_of(publication: Publication, lists: list[CategoryList]) -> CategoryList | None:
    """The first list that takes the entry (each entry is printed once)."""
    from cvbuild.bibliography import in_class

    return next((spec for spec in lists if in_class(publication, spec.category)), None)


def compose(section: PublicationsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    if section.impact:
        blocks += _impact(section.impact, context)
    lists = lists_with_defaults(section.lists, context.publications, context.locale.language)
    labels = publication_labels(context.publications, lists)
    for spec in lists:
        references = tuple(
            Reference(labels[p.key], p, spec.category)
            for p in context.publications
            if list_of(p, lists) is spec
        )
        if references:
            blocks.append(PublicationList(spec.category, spec.title, references, source_of(spec)))
    return blocks


def publication_labels(
    publications: tuple[Publication, ...], lists: list[CategoryList]
) -> dict[str, str]:
    """Each entry's printed label: the list's prefix and its number within its list
    (newest is 1, or newest is N for descending lists)."""
    homes = {p.key: list_of(p, lists) for p in publications}
    place = {key: home.category for key, home in homes.items() if home}
    place.update({p.key: p.category for p in publications if homes[p.key] is None})
    counts = Counter(place.values())
    seen: dict[str, int] = {}
    labels = {}
    for publication in publications:
        where = place[publication.key]
        seen[where] = seen.get(where, 0) + 1
        spec = homes[publication.key]
        number = seen[where]
        if spec and spec.numbering == "descending":
            number = counts[where] + 1 - number
        labels[publication.key] = f"{spec.prefix if spec else ''}{number}"
    return labels


def _impact(impact: Impact, context: Context) -> list[Block]:
    rows = []
    for row in impact.rows:
        if row.values == "publications":
            values = [
                str(
                    sum(
                        1
                        for p in context.all_publications
                        if column.since is None or p.year >= column.since
                    )
                )
                for column in impact.columns
            ]
        else:
            values = [str(v) for v in row.values]
        rows.append((row.label, *values))
    source = f"{impact.source}, {context.word('retrieved')} {context.date(impact.retrieved)}."
    return [
        Group(impact.title, source=source_of(impact)),
        Table(
            tuple(c.label for c in impact.columns), tuple(rows), italic(source), source_of(impact)
        ),
    ]


KIND = SectionKind("publications", PublicationsSection, lambda s: s.lists, trim, compose)
