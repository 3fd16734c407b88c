"""The `languages` section kind: spoken languages with a level in words and, optionally, the
CEFR level (A1 ... C2) that European forms ask for."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.document import Block, Item
from cvbuild.fields import Model, NonEmpty, SectionBase, Text
from cvbuild.kinds.base import Context, SectionKind, source_of, unchanged
from cvbuild.richtext import EMPTY, join, parse_markup, rich

Cefr = Literal["A1", "A2", "B1", "B2", "C1", "C2"]


class Language(Model):
    name: NonEmpty
    level: str = Field("", description="In words, e.g. 'native', 'fluent', 'basic'.")
    cefr: Cefr | None = Field(None, description="Common European Framework level, A1 ... C2.")
    note: Text | None = None


class LanguagesSection(SectionBase):
    kind: Literal["languages"]
    languages: list[Language] = Field(min_length=1)


def compose(section: LanguagesSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for language in section.languages:
        level = " ".join(
            p for p in (language.level, f"({language.cefr})" if language.cefr else "") if p
        )
        note = parse_markup(language.note) if language.note else EMPTY
        blocks.append(Item(language.name, join([rich(level), note], ". "), source_of(language)))
    return blocks


KIND = SectionKind("languages", LanguagesSection, lambda s: s.languages, unchanged, compose)
