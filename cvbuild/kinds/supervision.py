"""The `supervision` section kind: Supervised people in groups (postdocs, PhD students, ...), with institution, period, topic."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from cvbuild.document import Block, Group, Item
from cvbuild.fields import Model, NonEmpty, Periods, SectionBase, Text
from cvbuild.kinds.base import Context, Filter, ItemLabels, SectionKind, source_of, tidy
from cvbuild.richtext import EMPTY, bold, join, parse_markup, rich

SupervisionLevel = Literal["postdoc", "phd", "master", "bachelor", "guest"]
SupervisionRole = Literal[
    "supervisor", "co-supervisor", "chair", "member", "external examiner", "committee"
]
# The roles in which you supervised the person; the others are committee work (`compact`
# counts them apart).
SUPERVISING = ("supervisor", "co-supervisor")
_ROLE_WORDS = {
    "co-supervisor": "co_supervision",
    "chair": "role_chair",
    "member": "role_member",
    "committee": "role_member",
    "external examiner": "role_examiner",
}


class Supervisee(Model):
    name: NonEmpty
    institution: Text
    period: Periods
    topic: Text | None = None
    role: SupervisionRole = Field(
        "supervisor",
        description="supervisor, co-supervisor, or a committee role: chair, member, external "
        "examiner, committee (not counted as supervised by `compact`).",
    )
    co_supervision: bool = Field(False, description="The same as role: co-supervisor.")
    outcome: Text | None = Field(
        None, description="Where they went, e.g. 'now Assistant Professor at X'."
    )
    labels: ItemLabels = {}

    @model_validator(mode="after")
    def _one_role(self) -> Supervisee:
        if self.co_supervision and self.role != "supervisor":
            raise ValueError(
                f"co_supervision: true means role: co-supervisor, but role is {self.role!r}; "
                "write only `role:`"
            )
        return self

    @property
    def supervised(self) -> bool:
        return self.role in SUPERVISING

    @property
    def is_current(self) -> bool:
        return any(p.open_end for p in self.period)


class SupervisionGroup(Model):
    title: NonEmpty
    level: SupervisionLevel
    note: Text | None = None
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
        note = parse_markup(group.note) if group.note else EMPTY
        blocks.append(Group(group.title, note, source=source_of(group)))
        for person in group.people:
            role = "co-supervisor" if person.co_supervision else person.role
            where = join(
                [
                    parse_markup(person.institution),
                    rich(context.labelled(person.labels).word(_ROLE_WORDS[role]))
                    if role in _ROLE_WORDS
                    else EMPTY,
                ],
                ", ",
            )
            text = tidy(
                rich(
                    bold(person.name),
                    " (",
                    where,
                    ")",
                    rich(". ", parse_markup(person.topic)) if person.topic else EMPTY,
                    rich(". ", parse_markup(person.outcome)) if person.outcome else EMPTY,
                )
            )
            blocks.append(Item(context.periods(person.period), text, source_of(person)))
    return blocks


def _compact(section: SupervisionSection, context: Context) -> list[Block]:
    """Per group how many were supervised to the end and how many still are, in words; the
    current PhD students by name. Committee roles (chair, member, examiner) are not
    supervision and are not counted."""
    blocks: list[Block] = []
    for group in section.groups:
        people = [p for p in group.people if p.supervised]
        if not people:
            continue
        current = [person.name for person in people if person.is_current]
        done = len(people) - len(current)
        counts = ", ".join(
            f"{context.number(number)} {context.word(word)}"
            for number, word in ((done, "completed"), (len(current), "ongoing"))
            if number
        )
        names = f": {', '.join(current)}" if group.level == "phd" and current else ""
        blocks.append(Item(group.title, rich(counts + names), source_of(group)))
    return blocks


KIND = SectionKind("supervision", SupervisionSection, lambda s: s.groups, trim, compose)
