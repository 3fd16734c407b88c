"""The `awards` section kind: Awards and prizes: name, year, rank, description."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.document import Block, Item
from cvbuild.fields import Model, NonEmpty, SectionBase, Text
from cvbuild.kinds.base import Context, Filter, SectionKind, source_of
from cvbuild.richtext import EMPTY, bold, parse_markup, rich


class Award(Model):
    name: NonEmpty
    year: int = Field(ge=1900, le=2200)
    rank: str = Field("", description="E.g. '1st place', 'finalist'.")
    description: Text | None = None
    selected: bool = False


class AwardsSection(SectionBase):
    kind: Literal["awards"]
    awards: list[Award] = Field(min_length=1)


def trim(section: AwardsSection, keep: Filter) -> AwardsSection:
    awards = [a for a in section.awards if keep.wanted(a.year, a.selected)]
    return section.model_copy(update={"awards": keep.cap(awards, lambda a: (a.year, 0, 0))})


def compose(section: AwardsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for award in section.awards:
        rank = f" ({award.rank})" if award.rank else ""
        description = rich(". ", parse_markup(award.description)) if award.description else EMPTY
        text = rich(bold(award.name), rank, description)
        blocks.append(Item(str(award.year), text, source_of(award)))
    return blocks


KIND = SectionKind("awards", AwardsSection, lambda s: s.awards, trim, compose)
