"""Field types shared by the content models (cvbuild.models) and the section kinds
(cvbuild.kinds): every model is frozen and forbids unknown keys, so a typo in the YAML is an
error, not a silently ignored field. Text fields take the inline markup of `cvbuild.richtext`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, WithJsonSchema

from cvbuild.dates import PeriodField


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    # Where the loader found it (file, 1-based line); kept through model_copy, so a section or
    # an item can be named in messages of later stages without searching the YAML again.
    _source: tuple[Path, int] | None = PrivateAttr(None)


Location = tuple[str | int, ...]


class ContentError(ValueError):
    """Problems a model finds across its fields, each with the location of the value at fault
    (relative to the model, as pydantic writes locations), so the loader can name its line."""

    def __init__(self, found: list[tuple[Location, str]]):
        super().__init__("; ".join(message for _, message in found))
        self.found = tuple(found)


NonEmpty = Annotated[str, Field(min_length=1)]
Text = Annotated[str, Field(min_length=1, description="Text with **bold**, *italic*, [link](url).")]
Url = Annotated[
    str,
    Field(
        pattern=r"^(https?://[^/\s]\S*|mailto:[^/\s]\S*)$",
        description="An absolute URL: https://..., http://... or mailto:name@host.",
    ),
]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", description="A short lowercase id.")]


def _split_commas(value: Any) -> Any:
    if isinstance(value, str) and "," in value:
        return [part.strip() for part in value.split(",")]
    if isinstance(value, str | int):
        return [value]
    return value


Periods = Annotated[
    list[PeriodField],
    BeforeValidator(_split_commas),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": ["string", "integer"], "pattern": r"^\d{4}"},
                {"type": "array", "items": {"type": ["string", "integer"], "pattern": r"^\d{4}"}},
            ],
            "description": "One period or several, comma-separated: '2019 – 2021, 2023-'.",
            "examples": ["2023-", "2014-03 – 2014-08, 2016-04 – 2016-10"],
        }
    ),
]


class SectionBase(Model):
    kind: str  # each kind narrows it to its own name (cvbuild.kinds)
    id: Slug = Field(description="Used by variants to pick and order sections.")
    title: NonEmpty


class LabeledText(Model):
    label: NonEmpty
    text: Text


PublicationCategory = Literal[
    "journal", "proceedings", "chapter", "preprint", "book", "thesis", "report", "patent",
    "software", "other",
]  # fmt: skip
