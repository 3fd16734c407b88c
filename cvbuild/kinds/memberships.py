"""The `memberships` section kind: professional societies and academies, with role and period."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.document import Block, Item
from cvbuild.fields import Model, Periods, SectionBase, Text, Url
from cvbuild.kinds.base import Context, Filter, SectionKind, last_year, newest, source_of
from cvbuild.richtext import EMPTY, bold, join, link, parse_markup, rich


class Membership(Model):
    organisation: Text
    role: str = Field("", description="E.g. 'Fellow', 'Member', 'Board member'.")
    period: Periods | None = None
    url: Url | None = None
    note: Text | None = None
    selected: bool = False


class MembershipsSection(SectionBase):
    kind: Literal["memberships"]
    memberships: list[Membership] = Field(min_length=1)


def _newest(item: Membership) -> tuple[int, int, int]:
    return newest(item.period) if item.period else (0, 0, 0)


def trim(section: MembershipsSection, keep: Filter) -> MembershipsSection:
    kept = [
        m
        for m in section.memberships
        if (m.period is None or keep.recent(last_year(m.period)))
        and (m.selected or not keep.rules.selected_only)
    ]
    return section.model_copy(update={"memberships": keep.cap(kept, _newest)})


def compose(section: MembershipsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for item in section.memberships:
        text = join(
            [
                rich(link(item.url, bold(parse_markup(item.organisation)))),
                rich(item.role),
                parse_markup(item.note) if item.note else EMPTY,
            ],
            ", ",
        )
        label = context.periods(item.period) if item.period else ""
        blocks.append(Item(label, text, source_of(item)))
    return blocks


KIND = SectionKind("memberships", MembershipsSection, lambda s: s.memberships, trim, compose)
