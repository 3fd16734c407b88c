"""The `supervision` section kind: Supervised people in groups (postdocs, PhD students, ...), with institution, period, topic."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.document import Block, Group, Item
from cvbuild.fields import Model, NonEmpty, Periods, SectionBase
from cvbuild.kinds.base import Context, Filter, SectionKind, source_of
from cvbuild.richtext import bold, rich

SupervisionLevel = Literal["postdoc", "phd", "master", "bachelor", "guest"]


class Supervisee(Model):
    name: NonEmpty
    institution: NonEmpty
    period: Periods
    topic: NonEmpty
    co_supervision: bool = False

    @property
    def is_current(self) -> bool:
        return any(p.open_end for p in self.period)


class SupervisionGroup(Model):
    title: NonEmpty
    level: SupervisionLevel
    people: list[Supervisee] = Field(min_length=1)


class SupervisionSection(SectionBase):
    kind: Literal["supervision"]
    groups: list[SupervisionGroup] = Field(min_length=1)


def _latest(person: Supervisee) -> tuple[int, int, int]:
    return max(period.sort_key for period in person.period)


def trim(section: SupervisionSection, keep: Filter) -> SupervisionSection:
    groups = []
    for group in section.groups:
        people = [p for p in group.people if keep.recent(max(x.last_year for x in p.period))]
        if people:
            groups.append(group.model_copy(update={"people": keep.cap(people, _latest)}))
    return section.model_copy(update={"groups": groups})


def compose(section: SupervisionSection, context: Context) -> list[Block]:
    if section.id in context.compact:
        return _compact(section, context)
    blocks: list[Block] = []
    for group in section.groups:
        blocks.append(Group(group.title, source=source_of(group)))
        for person in group.people:
            periods = ", ".join(context.period(p) for p in person.period)
            where = ", ".join(
                p
                for p in (
                    person.institution,
                    context.word("co_supervision") if person.co_supervision else "",
                )
                if p
            )
            text = rich(bold(person.name), f" ({where}). {person.topic}")
            blocks.append(Item(periods, text, source_of(person)))
    return blocks


def _compact(section: SupervisionSection, context: Context) -> list[Block]:
    """Per group how many were supervised to the end and how many still are, in words; the
    current PhD students by name."""
    blocks: list[Block] = []
    for group in section.groups:
        current = [person.name for person in group.people if person.is_current]
        done = len(group.people) - len(current)
        counts = ", ".join(
            f"{number} {context.word(word)}"
            for number, word in ((done, "completed"), (len(current), "ongoing"))
            if number
        )
        names = f": {', '.join(current)}" if group.level == "phd" and current else ""
        blocks.append(Item(group.title, rich(counts + names), source_of(group)))
    return blocks


KIND = SectionKind("supervision", SupervisionSection, lambda s: s.groups, trim, compose)
