"""The `education` section kind: Institutions with their degrees: degree, period, distinction, thesis, supervisors."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.dates import PeriodField
from cvbuild.document import Block, Entry
from cvbuild.fields import Model, NonEmpty, SectionBase, Text
from cvbuild.kinds.base import Context, Filter, ItemLabels, SectionKind, source_of
from cvbuild.richtext import EMPTY, ParagraphBreak, join, parse_links, parse_markup, rich


class Degree(Model):
    degree: NonEmpty
    period: PeriodField
    distinction: str = ""
    summary: Text | None = None
    thesis: str = ""
    thesis_label: str = Field(
        "", description="The word before the thesis title, e.g. 'Dissertation' (default: Thesis)."
    )
    supervisors: list[NonEmpty] = []
    labels: ItemLabels = {}


class Institution(Model):
    name: Text
    location: str = ""
    degrees: list[Degree] = Field(min_length=1)


class EducationSection(SectionBase):
    kind: Literal["education"]
    institutions: list[Institution] = Field(min_length=1)


def _latest(institution: Institution) -> tuple[int, int, int]:
    return max(degree.period.sort_key for degree in institution.degrees)


def trim(section: EducationSection, keep: Filter) -> EducationSection:
    institutions = []
    for institution in section.institutions:
        degrees = [d for d in institution.degrees if keep.recent(d.period.last_year)]
        if keep.rules.brief:
            degrees = [d.model_copy(update={"summary": None}) for d in degrees]
        if degrees:
            institutions.append(institution.model_copy(update={"degrees": degrees}))
    return section.model_copy(update={"institutions": keep.cap(institutions, _latest)})


def compose(section: EducationSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for institution in section.institutions:
        for degree in institution.degrees:
            words = context.labelled(degree.labels)
            thesis = (
                rich(
                    f"{degree.thesis_label or words.word('thesis')}: "
                    f"{context.locale.quoted(degree.thesis)}"
                )
                if degree.thesis
                else EMPTY
            )
            supervisors = (
                rich(f"{words.word('supervision')} {', '.join(degree.supervisors)}.")
                if degree.supervisors
                else EMPTY
            )
            summary = parse_markup(degree.summary) if degree.summary else EMPTY
            blocks.append(
                Entry(
                    date=context.period(degree.period),
                    title=parse_links(degree.degree),
                    organisation=parse_markup(institution.name),
                    location=institution.location,
                    note=degree.distinction,
                    body=join([summary, thesis, supervisors], ParagraphBreak()),
                    source=source_of(degree),
                )
            )
    return blocks


KIND = SectionKind("education", EducationSection, lambda s: s.institutions, trim, compose)
