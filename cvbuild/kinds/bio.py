"""The `bio` section kind: A few paragraphs about the person."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.document import Block, Item
from cvbuild.fields import SectionBase, Text
from cvbuild.kinds.base import Context, SectionKind, unchanged
from cvbuild.richtext import parse_markup


class BioSection(SectionBase):
    kind: Literal["bio"]
    paragraphs: list[Text] = Field(min_length=1)


def compose(section: BioSection, context: Context) -> list[Block]:
    return [Item("", parse_markup(paragraph)) for paragraph in section.paragraphs]


KIND = SectionKind("bio", BioSection, lambda s: s.paragraphs, unchanged, compose)
