"""The `media` section kind: media coverage and outreach (outlet, title, date, link, kind)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.dates import Date
from cvbuild.document import Block, Item
from cvbuild.fields import Model, SectionBase, Text, Url
from cvbuild.kinds.base import Context, Filter, SectionKind, sentences, source_of
from cvbuild.richtext import EMPTY, bold, join, link, parse_markup, rich


class MediaItem(Model):
    outlet: Text = Field(description="E.g. 'The New York Times', 'BBC Radio 4'.")
    title: str = ""
    date: Date
    url: Url | None = None
    kind: str = Field("", description="E.g. 'interview', 'article', 'podcast', 'public lecture'.")
    note: Text | None = None
    selected: bool = False


class MediaSection(SectionBase):
    kind: Literal["media"]
    items: list[MediaItem] = Field(min_length=1)


def trim(section: MediaSection, keep: Filter) -> MediaSection:
    kept = [m for m in section.items if keep.wanted(m.date.year, m.selected)]
    return section.model_copy(update={"items": keep.cap(kept, lambda m: m.date.sort_key)})


def compose(section: MediaSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for item in section.items:
        title = link(item.url, context.locale.quoted(item.title)) if item.title else EMPTY
        outlet = bold(parse_markup(item.outlet))
        if not item.title:
            outlet = link(item.url, outlet)
        kind = f"({item.kind})" if item.kind else ""
        text = sentences(
            [
                join([outlet, title, rich(kind)], " "),
                parse_markup(item.note) if item.note else EMPTY,
            ]
        )
        blocks.append(Item(context.date(item.date), text, source_of(item)))
    return blocks


KIND = SectionKind("media", MediaSection, lambda s: s.items, trim, compose)
