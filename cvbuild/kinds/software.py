"""The `software` section kind: software you wrote or maintain (name, description, link, DOI,
your role, licence, since when). `data` (cvbuild.kinds.data) shares its fields."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cvbuild.dates import Date
from cvbuild.document import Block, Item
from cvbuild.fields import Model, NonEmpty, SectionBase, Text, Url
from cvbuild.kinds.base import Context, Filter, ItemLabels, SectionKind, sentences, source_of
from cvbuild.richtext import EMPTY, bold, link, parse_markup, rich

Doi = Annotated[
    str, Field(pattern=r"^10\.\d{4,9}/\S+$", description="A DOI without https://doi.org/.")
]


class Artifact(Model):
    name: NonEmpty
    description: Text | None = None
    url: Url | None = None
    doi: Doi | None = None
    role: str = Field("", description="E.g. 'lead developer', 'maintainer', 'contributor'.")
    licence: str = Field("", description="E.g. 'MIT', 'CC BY 4.0'.")
    since: Date | None = Field(None, description="First release or publication, e.g. 2019.")
    selected: bool = False
    labels: ItemLabels = {}


class SoftwareSection(SectionBase):
    kind: Literal["software"]
    items: list[Artifact] = Field(min_length=1)


def _newest(item: Artifact) -> tuple[int, int, int]:
    return item.since.sort_key if item.since else (0, 0, 0)


def trim_items(items: list[Artifact], keep: Filter) -> list[Artifact]:
    """Still maintained things stay in a date window: only `selected_only` and `max_items`."""
    kept = [a for a in items if a.selected or not keep.rules.selected_only]
    return keep.cap(kept, _newest)


def trim(section: SoftwareSection, keep: Filter) -> SoftwareSection:
    return section.model_copy(update={"items": trim_items(section.items, keep)})


def compose_items(items: list[Artifact], context: Context) -> list[Block]:
    blocks: list[Block] = []
    for item in items:
        doi = link(f"https://doi.org/{item.doi}", f"doi:{item.doi}") if item.doi else EMPTY
        licence = (
            f"{context.labelled(item.labels).word('licence')}: {item.licence}"
            if item.licence
            else ""
        )
        text = sentences(
            [
                rich(link(item.url, bold(item.name))),
                parse_markup(item.description) if item.description else EMPTY,
                rich(item.role),
                rich(licence),
                doi,
            ]
        )
        label = context.date(item.since) if item.since else ""
        blocks.append(Item(label, text, source_of(item)))
    return blocks


def compose(section: SoftwareSection, context: Context) -> list[Block]:
    return compose_items(section.items, context)


KIND = SectionKind("software", SoftwareSection, lambda s: s.items, trim, compose)
