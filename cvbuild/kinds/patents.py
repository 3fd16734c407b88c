"""The `patents` section kind: Patent families with their documents (office, number, kind code, status, date)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cvbuild.dates import Date
from cvbuild.document import Block, Item
from cvbuild.fields import Model, NonEmpty, SectionBase
from cvbuild.kinds.base import Context, Filter, ItemLabels, SectionKind, source_of
from cvbuild.richtext import bold, rich


class PatentDocument(Model):
    office: Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="WO, EP, US, CN, ...")]
    number: NonEmpty
    kind_code: str = Field("", description="E.g. 'A1'.")
    title: NonEmpty
    status: Literal["published", "granted"]
    date: Date
    labels: ItemLabels = {}


class PatentFamily(Model):
    title: NonEmpty
    documents: list[PatentDocument] = Field(min_length=1)


class PatentsSection(SectionBase):
    kind: Literal["patents"]
    families: list[PatentFamily] = Field(min_length=1)


def _latest(family: PatentFamily) -> tuple[int, int, int]:
    return max(document.date.sort_key for document in family.documents)


def trim(section: PatentsSection, keep: Filter) -> PatentsSection:
    families = [f for f in section.families if keep.recent(max(d.date.year for d in f.documents))]
    return section.model_copy(update={"families": keep.cap(families, _latest)})


def compose(section: PatentsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    status = {"published": context.word("published"), "granted": context.word("granted")}
    for family in section.families:
        blocks.append(Item("", bold(family.title), source_of(family)))
        for doc in family.documents:
            number = " ".join(p for p in (doc.office, doc.number, doc.kind_code) if p)
            # The date stands in the label column; the title only where it differs from the
            # family's (a translation, another wording), so nothing is printed twice.
            same = (
                " ".join(doc.title.split()).casefold() == " ".join(family.title.split()).casefold()
            )
            title = "" if same else f" {context.locale.quoted(doc.title)}"
            shown = doc.labels.get(doc.status, status[doc.status])
            text = f"{number}{title} ({shown})"
            blocks.append(Item(context.date(doc.date), rich(text), source_of(doc)))
    return blocks


KIND = SectionKind("patents", PatentsSection, lambda s: s.families, trim, compose)
