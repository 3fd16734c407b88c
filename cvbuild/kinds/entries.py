"""The `entries` section kind: a plain dated list for anything no other kind fits
(certificates, field work, outreach, ...), optionally in groups with a note each."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from cvbuild.document import Block, Entry, Group, Item
from cvbuild.fields import ContentError, Model, NonEmpty, Periods, SectionBase, Text, Url
from cvbuild.kinds.base import Context, Filter, SectionKind, last_year, newest, source_of
from cvbuild.richtext import EMPTY, ParagraphBreak, join, link, parse_markup


class EntryLink(Model):
    label: NonEmpty
    url: Url


class GenericEntry(Model):
    title: Text | None = Field(None, description="Leave out for a plain line of `text`.")
    date: Periods | None = Field(
        None, description="A date or period ('2021', '2019 – 2022', '2023-'), or several."
    )
    subtitle: Text | None = Field(None, description="E.g. the organisation or the place of issue.")
    location: str = ""
    text: Text | None = None
    links: list[EntryLink] = []
    selected: bool = False

    @model_validator(mode="after")
    def _something_to_print(self) -> GenericEntry:
        if self.title is None and self.text is None:
            raise ValueError("an entry needs a 'title' or a 'text'")
        return self


class EntryGroup(Model):
    title: NonEmpty
    note: Text | None = None
    entries: list[GenericEntry] = Field(min_length=1)


class EntriesSection(SectionBase):
    kind: Literal["entries"]
    entries: list[GenericEntry] = []
    groups: list[EntryGroup] = []

    @model_validator(mode="after")
    def _entries_or_groups(self) -> EntriesSection:
        if not self.entries and not self.groups:
            raise ContentError([(("entries",), "write `entries:` (a list) or `groups:`")])
        return self


def _newest(entry: GenericEntry) -> tuple[int, int, int]:
    return newest(entry.date) if entry.date else (0, 0, 0)


def _trim(entries: list[GenericEntry], keep: Filter) -> list[GenericEntry]:
    kept = [
        e
        for e in entries
        if (e.date is None or keep.recent(last_year(e.date)))
        and (e.selected or not keep.rules.selected_only)
    ]
    return keep.cap(kept, _newest)


def trim(section: EntriesSection, keep: Filter) -> EntriesSection:
    groups = []
    for group in section.groups:
        entries = _trim(group.entries, keep)
        if entries:
            groups.append(group.model_copy(update={"entries": entries}))
    return section.model_copy(update={"entries": _trim(section.entries, keep), "groups": groups})


def _entry(entry: GenericEntry, context: Context) -> Block:
    links = join([link(x.url, x.label) for x in entry.links], " · ")
    text = parse_markup(entry.text) if entry.text else EMPTY
    date = context.periods(entry.date) if entry.date else ""
    if entry.title is None:  # a plain line: the text beside its date
        return Item(date, join([text, links], " · "), source_of(entry))
    body = join([text, links], ParagraphBreak())
    return Entry(
        date=date,
        title=parse_markup(entry.title),
        organisation=parse_markup(entry.subtitle) if entry.subtitle else EMPTY,
        location=entry.location,
        body=body,
        source=source_of(entry),
    )


def compose(section: EntriesSection, context: Context) -> list[Block]:
    if not section.entries and not section.groups:  # all trimmed away: no lone note
        return []
    blocks: list[Block] = [_entry(e, context) for e in section.entries]
    for group in section.groups:
        note = parse_markup(group.note) if group.note else EMPTY
        blocks.append(Group(group.title, note, source_of(group)))
        blocks += [_entry(e, context) for e in group.entries]
    return blocks


def _items(section: EntriesSection) -> list[object]:
    return [*section.entries, *section.groups]


KIND = SectionKind("entries", EntriesSection, _items, trim, compose)
