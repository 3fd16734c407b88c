"""The `talks` section kind: Talks in groups (talks, invited lectures): date, title, event, kind, link."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.dates import Date
from cvbuild.document import Block, Group, Item
from cvbuild.fields import Model, NonEmpty, SectionBase, Text, Url
from cvbuild.kinds.base import Context, Filter, ItemLabels, SectionKind, source_of
from cvbuild.richtext import EMPTY, LineBreak, italic, link, parse_markup, rich


class Talk(Model):
    title: str = Field("", description="Leave out for talks listed by event only.")
    date: Date
    event: Text
    kind: str = Field("", description="E.g. 'invited talk', 'keynote', 'poster'.")
    url: Url | None = None
    co_authors: list[NonEmpty] = Field(
        [],
        description="Everyone who gave or wrote it, in order, you included ('Ada Lovelace' or "
        "'Lovelace, A.'); your name is highlighted by the bibliography's owner_names.",
    )
    selected: bool = False
    labels: ItemLabels = {}


class TalkGroup(Model):
    title: NonEmpty
    note: Text | None = None
    talks: list[Talk] = Field(min_length=1)


class TalksSection(SectionBase):
    kind: Literal["talks"]
    groups: list[TalkGroup] = Field(min_length=1)


def trim(section: TalksSection, keep: Filter) -> TalksSection:
    groups = []
    for group in section.groups:
        recent = [t for t in group.talks if keep.wanted(t.date.year, t.selected)]
        talks = keep.cap(recent, lambda t: t.date.sort_key)
        if talks:
            groups.append(group.model_copy(update={"talks": talks}))
    return section.model_copy(update={"groups": groups})


def compose(section: TalksSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for group in section.groups:
        blocks.append(Group(group.title, source=source_of(group)))
        if group.note:
            blocks.append(Item("", italic(parse_markup(group.note)), source_of(group)))
        for talk in group.talks:
            kind = f" ({talk.kind})" if talk.kind else ""
            authors = (
                rich(
                    f" {context.labelled(talk.labels).word('together_with')} ",
                    context.owner_marked(talk.co_authors),
                )
                if talk.co_authors
                else EMPTY
            )
            if talk.title:
                title = link(talk.url, context.locale.quoted(talk.title))
                text = rich(title, authors, ".", LineBreak(), parse_markup(talk.event), kind)
            else:
                text = rich(link(talk.url, parse_markup(talk.event)), kind, authors)
            blocks.append(Item(context.date(talk.date), text, source_of(talk)))
    return blocks


KIND = SectionKind("talks", TalksSection, lambda s: s.groups, trim, compose)
