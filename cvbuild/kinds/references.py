"""The `references` section kind: referees with position, institution, contact and relation."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cvbuild.document import Block, Item
from cvbuild.fields import Model, NonEmpty, SectionBase, Text, Url
from cvbuild.kinds.base import Context, Filter, SectionKind, source_of
from cvbuild.richtext import EMPTY, LineBreak, bold, join, link, parse_markup, rich


class Referee(Model):
    name: NonEmpty
    title: str = Field("", description="Position, e.g. 'Professor of Geophysics'.")
    institution: Text | None = None
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    phone: str = ""
    url: Url | None = None
    contact: Text | None = Field(None, description="Any other contact line (an address).")
    relation: Text | None = Field(None, description="E.g. 'PhD advisor', 'postdoc host'.")
    selected: bool = False


class ReferencesSection(SectionBase):
    kind: Literal["references"]
    referees: list[Referee] = Field(min_length=1)


def trim(section: ReferencesSection, keep: Filter) -> ReferencesSection:
    kept = [r for r in section.referees if r.selected or not keep.rules.selected_only]
    limit = keep.rules.max_items  # referees have no date: the first ones written
    return section.model_copy(update={"referees": kept[:limit] if limit else kept})


def compose(section: ReferencesSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for referee in section.referees:
        who = join(
            [
                rich(link(referee.url, bold(referee.name))),
                rich(referee.title),
                parse_markup(referee.institution) if referee.institution else EMPTY,
            ],
            ", ",
        )
        contact = join(
            [
                link(f"mailto:{referee.email}", referee.email) if referee.email else EMPTY,
                rich(referee.phone),
                parse_markup(referee.contact) if referee.contact else EMPTY,
            ],
            " · ",
        )
        relation = parse_markup(referee.relation) if referee.relation else EMPTY
        text = join([who, join([relation, contact], LineBreak())], LineBreak())
        blocks.append(Item("", text, source_of(referee)))
    return blocks


KIND = SectionKind("references", ReferencesSection, lambda s: s.referees, trim, compose)
