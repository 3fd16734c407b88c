"""The `awards` section kind: Awards and prizes: name, year, rank, description."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.dates import PeriodField
from cvbuild.document import Block, Item
from cvbuild.fields import Model, SectionBase, Text
from cvbuild.kinds.base import Context, Filter, SectionKind, sentences, source_of
from cvbuild.richtext import EMPTY, bold, parse_markup, rich


class Award(Model):
    name: Text
    year: PeriodField = Field(
        description="The year, or the years of a fellowship: 2021, '2021 – 2023', '2022-'."
    )
    rank: str = Field("", description="E.g. '1st place', 'finalist'.")
    description: Text | None = None
    selected: bool = False


class AwardsSection(SectionBase):
    kind: Literal["awards"]
    awards: list[Award] = Field(min_length=1)


def trim(section: AwardsSection, keep: Filter) -> AwardsSection:
    awards = [a for a in section.awards if keep.wanted(a.year.last_year, a.selected)]
    return section.model_copy(update={"awards": keep.cap(awards, lambda a: a.year.sort_key)})


def compose(section: AwardsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for award in section.awards:
        rank = f" ({award.rank})" if award.rank else ""
        description = parse_markup(award.description) if award.description else EMPTY
        text = sentences([rich(bold(parse_markup(award.name)), rank), description])
        blocks.append(Item(context.period(award.year), text, source_of(award)))
    return blocks


KIND = SectionKind("awards", AwardsSection, lambda s: s.awards, trim, compose)
