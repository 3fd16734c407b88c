"""The `skills` section kind: Labelled texts (languages, programming, methods)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.document import Block, Item
from cvbuild.fields import LabeledText, SectionBase
from cvbuild.kinds.base import Context, SectionKind, source_of, unchanged
from cvbuild.richtext import parse_markup


class SkillsSection(SectionBase):
    kind: Literal["skills"]
    skills: list[LabeledText] = Field(min_length=1)


def compose(section: SkillsSection, context: Context) -> list[Block]:
    return [
        Item(skill.label, parse_markup(skill.text), source_of(skill)) for skill in section.skills
    ]


KIND = SectionKind("skills", SkillsSection, lambda s: s.skills, unchanged, compose)
