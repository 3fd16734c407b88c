"""The `teaching` section kind: Courses by term (semester), with their kind and the role taken."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.dates import TermField
from cvbuild.document import Block, Item
from cvbuild.fields import Model, NonEmpty, SectionBase, Text
from cvbuild.kinds.base import Context, Filter, SectionKind, source_of
from cvbuild.richtext import EMPTY, LineBreak, bold, parse_links, parse_markup, rich


class Course(Model):
    title: NonEmpty
    kind: str = Field("", description="E.g. 'block seminar', 'integrated lecture'.")
    role: Text | None = Field(None, description="What you did, e.g. 'Co-Teaching, Grading'.")


class TeachingTerm(Model):
    term: TermField
    courses: list[Course] = Field(min_length=1)


class TeachingSection(SectionBase):
    kind: Literal["teaching"]
    terms: list[TeachingTerm] = Field(min_length=1)


def trim(section: TeachingSection, keep: Filter) -> TeachingSection:
    terms = [t for t in section.terms if keep.recent(t.term.year)]
    return section.model_copy(update={"terms": keep.cap(terms, lambda t: t.term.sort_key)})


def compose(section: TeachingSection, context: Context) -> list[Block]:
    blocks: list[Block] = []  # (the section's note is printed by cvbuild.compose)
    for term in section.terms:
        for index, course in enumerate(term.courses):
            kind = f" ({course.kind})" if course.kind else ""
            role = rich(LineBreak(), "[", parse_markup(course.role), "]") if course.role else EMPTY
            label = term.term.display() if index == 0 else ""
            text = rich(bold(parse_links(course.title)), f"{kind}.", role)
            blocks.append(Item(label, text, source_of(course)))
    return blocks


KIND = SectionKind("teaching", TeachingSection, lambda s: s.terms, trim, compose)
