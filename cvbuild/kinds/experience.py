"""The `experience` section kind: Employers with their roles: title, period, summary, staff, labelled text blocks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.document import Block, Entry
from cvbuild.fields import LabeledText, Model, NonEmpty, Periods, SectionBase, Text
from cvbuild.kinds.base import (
    Context,
    Filter,
    ItemLabels,
    SectionKind,
    last_year,
    newest,
    source_of,
)
from cvbuild.richtext import (
    EMPTY,
    ParagraphBreak,
    Rich,
    italic,
    join,
    parse_links,
    parse_markup,
    plain,
    rich,
)


class StaffCount(Model):
    count: int = Field(ge=0)
    role: NonEmpty


class Role(Model):
    title: NonEmpty
    period: Periods
    summary: Text | None = None
    staff: list[StaffCount] = []
    blocks: list[LabeledText] = Field([], description="E.g. 'Research', 'Teaching'.")
    selected: bool = False
    labels: ItemLabels = {}


class Employer(Model):
    name: Text
    location: str = ""
    roles: list[Role] = Field(min_length=1)


class ExperienceSection(SectionBase):
    kind: Literal["experience"]
    employers: list[Employer] = Field(min_length=1)


def _latest(employer: Employer) -> tuple[int, int, int]:
    return max(newest(role.period) for role in employer.roles)


def trim(section: ExperienceSection, keep: Filter) -> ExperienceSection:
    employers = []
    for employer in section.employers:
        roles = [r for r in employer.roles if keep.wanted(last_year(r.period), r.selected)]
        if keep.rules.brief:
            roles = [r.model_copy(update={"blocks": [], "staff": []}) for r in roles]
        if roles:
            employers.append(employer.model_copy(update={"roles": roles}))
    return section.model_copy(update={"employers": keep.cap(employers, _latest)})


def compose(section: ExperienceSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for employer in section.employers:
        for role in employer.roles:
            staff: Rich = EMPTY
            if role.staff:
                counts = ", ".join(f"{context.number(s.count)} {s.role}" for s in role.staff)
                staff = rich(f"({context.labelled(role.labels).word('staff')}: {counts})")
            labelled = [rich(italic(f"{b.label}:"), " ", parse_markup(b.text)) for b in role.blocks]
            summary = parse_markup(role.summary) if role.summary else EMPTY
            blocks.append(
                Entry(
                    date=context.periods(role.period),
                    title=parse_links(role.title),
                    organisation=parse_markup(employer.name),
                    location=employer.location,
                    body=join([summary, staff, *labelled], ParagraphBreak()),
                    source=source_of(role),
                )
            )
    return blocks


def current_position(sections: list[ExperienceSection]) -> tuple[str, str] | None:
    """The role that is still running and started last, with its employer, as plain text (the
    personal-data table of a funder's CV); None when no role runs without an end."""
    running = [
        (max(p.start.sort_key for p in role.period if p.open_end), role, employer)
        for section in sections
        for employer in section.employers
        for role in employer.roles
        if any(period.open_end for period in role.period)
    ]
    if not running:
        return None
    _, role, employer = max(running, key=lambda found: found[0])
    return plain(parse_links(role.title)), plain(parse_markup(employer.name))


KIND = SectionKind("experience", ExperienceSection, lambda s: s.employers, trim, compose)
