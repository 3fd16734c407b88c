"""The `data` section kind: data sets you published; the fields of `software`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.document import Block
from cvbuild.fields import SectionBase
from cvbuild.kinds.base import Context, Filter, SectionKind
from cvbuild.kinds.software import Artifact, compose_items, trim_items


class DataSection(SectionBase):
    kind: Literal["data"]
    items: list[Artifact] = Field(min_length=1)


def trim(section: DataSection, keep: Filter) -> DataSection:
    return section.model_copy(update={"items": trim_items(section.items, keep)})


def compose(section: DataSection, context: Context) -> list[Block]:
    return compose_items(section.items, context)


KIND = SectionKind("data", DataSection, lambda s: s.items, trim, compose)
