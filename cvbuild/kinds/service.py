"""The `service` section kind: academic service (reviewing, editorial boards, programme
committees, panels, university committees, organising), with counts per kind of service."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import Field

from cvbuild.document import Block, Group, Item
from cvbuild.fields import Model, NonEmpty, Periods, SectionBase, Text, Url
from cvbuild.kinds.base import Context, Filter, SectionKind, last_year, newest, source_of
from cvbuild.richtext import EMPTY, bold, join, link, parse_markup, rich

ServiceKind = Literal["reviewing", "editorial", "committee", "pc", "panel", "organising", "other"]


class Service(Model):
    role: NonEmpty = Field(description="E.g. 'Reviewer', 'Associate Editor', 'Chair', 'Member'.")
    body: Text = Field(description="The journal, conference, panel or committee.")
    kind: ServiceKind = Field(
        "other",
        description="reviewing, editorial, committee (university, department), pc (programme "
        "committee), panel (funding review panel), organising, other: counted per kind.",
    )
    period: Periods | None = Field(None, description="When; reviewing is often undated.")
    url: Url | None = None
    note: Text | None = None
    selected: bool = False


class ServiceSection(SectionBase):
    kind: Literal["service"]
    by_kind: bool = Field(
        False, description="Print under a heading per kind of service (in the order written)."
    )
    counts: bool = Field(True, description="Print how many activities of each kind.")
    activities: list[Service] = Field(min_length=1)


def _newest(item: Service) -> tuple[int, int, int]:
    return newest(item.period) if item.period else (0, 0, 0)


def trim(section: ServiceSection, keep: Filter) -> ServiceSection:
    kept = [
        s
        for s in section.activities
        if (s.period is None or keep.recent(last_year(s.period)))
        and (s.selected or not keep.rules.selected_only)
    ]
    return section.model_copy(update={"activities": keep.cap(kept, _newest)})


def _item(activity: Service, context: Context) -> Item:
    text = join(
        [
            rich(activity.role, ", ", link(activity.url, bold(parse_markup(activity.body)))),
            parse_markup(activity.note) if activity.note else EMPTY,
        ],
        ". ",
    )
    label = context.periods(activity.period) if activity.period else ""
    return Item(label, text, source_of(activity))


def counts(activities: list[Service], context: Context) -> str:
    """'Committees: 20 · Reviewing: 12', kinds in the order they first appear."""
    found = Counter(a.kind for a in activities)
    return " · ".join(
        f"{context.word('service_' + kind)}: {context.number(found[kind])}" for kind in found
    )


def compose(section: ServiceSection, context: Context) -> list[Block]:
    compact = section.id in context.compact
    blocks: list[Block] = []
    if not compact:
        if section.by_kind:
            kinds = dict.fromkeys(a.kind for a in section.activities)
            for kind in kinds:
                blocks.append(Group(context.word(f"service_{kind}"), source=source_of(section)))
                blocks += [_item(a, context) for a in section.activities if a.kind == kind]
        else:
            blocks += [_item(a, context) for a in section.activities]
    if section.counts or compact:
        blocks.append(
            Item(
                context.word("total"), rich(counts(section.activities, context)), source_of(section)
            )
        )
    return blocks


KIND = SectionKind("service", ServiceSection, lambda s: s.activities, trim, compose)
