"""Field types shared by the content models (cvbuild.models) and the section kinds
(cvbuild.kinds): every model is frozen and forbids unknown keys, so a typo in the YAML is an
error, not a silently ignored field. Text fields take the inline markup of `cvbuild.richtext`.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from cvbuild.dates import PeriodField, PeriodList


class Model(BaseModel):
    # defer_build: a model's validator is made when first used, not at import; `cvbuild pdf`
    # uses the models its content has (40 ms less at start-up with the shipped content).
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )

    # Where the loader found it (file, 1-based line); kept through model_copy, so a section or
    # an item can be named in messages of later stages without searching the YAML again.
    _source: tuple[Path, int] | None = PrivateAttr(None)

    @model_validator(mode="before")
    @classmethod
    def _one_language(cls, data: Any, info: ValidationInfo) -> Any:
        """Any text may be written in several languages, `{en: ..., de: ...}`: the one the
        build is for (the validation context's `language`) is kept."""
        if not isinstance(data, dict):
            return data
        picked: dict[str, Any] = {}
        for name, value in data.items():
            field = cls.model_fields.get(name)
            if field is None or not _takes_text(field.annotation):
                continue
            if is_translations(value):
                picked[name] = pick_language(value, info.context)
            elif isinstance(value, list) and any(is_translations(v) for v in value):
                picked[name] = [
                    pick_language(v, info.context) if is_translations(v) else v for v in value
                ]
        return {**data, **picked} if picked else data


# --------------------------------------------------------------------------- languages

LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class Located(dict[str, Any]):
    """A mapping read from a file, knowing where: `at` is (file, 1-based line)."""

    at: tuple[Path, int] | None = None


def is_translations(value: Any) -> bool:
    """`{en: ..., de: ...}`: a mapping from language tags to texts."""
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) and LANGUAGE_TAG.match(k) for k in value)
        and all(isinstance(v, str) for v in value.values())
    )


@dataclass(frozen=True)
class Gap:
    """A text without the language a build asked for: where, which language, what was used."""

    at: tuple[Path, int] | None
    language: str
    used: str


def pick_language(value: dict[str, str], context: Any) -> str:
    """The text in the context's language; else in its primary language (`de` for `de-AT`),
    else in the content's default language, else the first given. Each fallback is recorded
    in the context's `gaps` (validate reports them)."""
    context = context if isinstance(context, dict) else {}
    wanted = context.get("language") or context.get("default_language") or next(iter(value))
    candidates = [wanted, wanted.split("-")[0], context.get("default_language"), *value]
    chosen = next(c for c in candidates if c in value)
    if chosen != wanted and isinstance(context.get("gaps"), list):
        context["gaps"].append(Gap(getattr(value, "at", None), wanted, chosen))
    return value[chosen]


def _takes_text(annotation: Any) -> bool:
    """The field holds text (str, str | None, list[str], with constraints): not a date, a
    number, a literal, a mapping or a model."""
    if annotation is str:
        return True
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _takes_text(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_takes_text(a) for a in typing.get_args(annotation) if a is not type(None))
    if origin is list:
        return _takes_text(typing.get_args(annotation)[0])
    return False


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
    if isinstance(value, PeriodList):
        return list(value)
    if isinstance(value, str) and "," in value:
        return [part.strip() for part in value.split(",")]
    if isinstance(value, str | int):
        return [value]
    return value


Periods = Annotated[
    list[PeriodField],
    BeforeValidator(_split_commas),
    AfterValidator(PeriodList),
    PlainSerializer(str, return_type=str),
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
    note: Text | None = Field(
        None, description="A line under the title, e.g. a legend ('* co-supervised')."
    )


class LabeledText(Model):
    label: NonEmpty
    text: Text


PublicationCategory = Literal[
    "journal", "proceedings", "chapter", "preprint", "book", "thesis", "report", "patent",
    "software", "other",
]  # fmt: skip
# What a publication list or group holds: one category, or every entry that is (or is not)
# peer-reviewed, whatever its type (DFG's A and B; see Publication.peer_reviewed).
PublicationClass = PublicationCategory | Literal["peer-reviewed", "not-peer-reviewed"]
