"""The composed CV: what every writer prints, decided once and independent of the format.

`compose` builds it from a selection: sections of blocks, each block with its date column
already formatted in the CV's language, its texts as rich text (`cvbuild.richtext`), numbers
and counts computed, and the place in the content it came from. Writers (LaTeX, Markdown, ...)
only decide how each kind of block looks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cvbuild.richtext import EMPTY, Rich

if TYPE_CHECKING:  # (bibliography imports the models, which import the section kinds)
    from cvbuild.bibliography import Publication
    from cvbuild.locale import Locale


@dataclass(frozen=True)
class Source:
    """Where a piece of the CV was written, for error messages ('sections.yaml:40')."""

    file: Path | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file.name}:{self.line}" if self.line else self.file.name


NOWHERE = Source()


@dataclass(frozen=True)
class Entry:
    """A dated entry with a heading: a role at an employer, a degree at an institution."""

    date: str
    title: Rich
    organisation: Rich = EMPTY
    location: str = ""
    note: str = ""  # e.g. a distinction, printed beside the heading
    body: Rich = EMPTY
    source: Source = NOWHERE


@dataclass(frozen=True)
class Item:
    """One line (or paragraph) of text with a label column: a date, a term, a skill's name."""

    label: str
    text: Rich
    source: Source = NOWHERE


@dataclass(frozen=True)
class Group:
    """A heading inside a section (PhD students, invited talks, a publication list)."""

    title: str
    note: Rich = EMPTY
    source: Source = NOWHERE


@dataclass(frozen=True)
class Table:
    """A small table: of figures (publication metrics: a header row, numbers aligned right) or
    of fields (personal data: label and text, no header row, text left-aligned and wrapped)."""

    columns: tuple[str, ...]  # the header of each column after the labels (none for fields)
    rows: tuple[tuple[str, ...], ...]  # the first cell of each row is its label
    caption: Rich = EMPTY
    source: Source = NOWHERE
    kind: Literal["figures", "fields"] = "figures"


@dataclass(frozen=True)
class Reference:
    """One publication as listed: its printed label (J1, C12, ...) and its data."""

    label: str
    publication: Publication
    list_key: str = ""  # the list printing it (LaTeX keyword); '' = the entry's category


@dataclass(frozen=True)
class PublicationList:
    category: str
    title: str
    references: tuple[Reference, ...]
    source: Source = NOWHERE


Block = Entry | Item | Group | Table | PublicationList


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]
    source: Source = NOWHERE


@dataclass(frozen=True)
class ProfileLink:
    network: str  # github, orcid, ... or homepage
    url: str
    shown: str


@dataclass(frozen=True)
class Header:
    given_names: str
    family_name: str
    title: str = ""  # academic title, former name
    address: tuple[str, ...] = ()  # lines as printed
    born: str = ""
    phone: str = ""
    email: str = ""
    profiles: tuple[ProfileLink, ...] = ()
    extras: tuple[Rich, ...] = ()  # nationality, a variant's header note
    headline: str = ""
    photo: Path | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


@dataclass(frozen=True)
class Metadata:
    """The document's information (PDF Info/XMP, DOCX properties, HTML head), as plain text."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    language: str
    creator: str


@dataclass(frozen=True)
class Layout:
    """What the LaTeX writer needs of the content's look; other writers may ignore it."""

    style: str = "classic"
    color: str = "blue"
    font_size: int = 11
    paper: str = "a4"
    pdf_a: bool = True
    margins: str = "2cm"
    accent: str = ""  # a second colour (labels, award marks, links); '' = `color`
    font_family: str = "latin-modern"  # or "arial-metric"
    line_spacing: float = 1.0  # \linespread


@dataclass(frozen=True)
class Document:
    variant: str
    header: Header
    sections: tuple[Section, ...]
    metadata: Metadata
    locale: Locale
    layout: Layout = field(default_factory=Layout)
    footer: str | None = None  # None: no footer; else its text (page numbers are the writer's)

    @property
    def references(self) -> tuple[Reference, ...]:
        """Every publication printed, in printed order."""
        return tuple(
            reference
            for section in self.sections
            for block in section.blocks
            if isinstance(block, PublicationList)
            for reference in block.references
        )
