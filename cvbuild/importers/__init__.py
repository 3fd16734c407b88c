"""Import a CV kept in another open format (RenderCV YAML, JSON Resume) into a cvbuild content
folder that validates and builds.

Each importer maps what it can into cvbuild's section kinds and records everything else as
`Unmapped`: printed by `cvbuild import`, and its text kept in a flagged `entries` section at the
end of the CV, so that nothing of the source is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from cvbuild.errors import InputError, Problem

UNMAPPED_ID = "not_imported"
UNMAPPED_TITLE = "Not imported (please review)"


@dataclass(frozen=True)
class Unmapped:
    """Something of the source that has no place in cvbuild's content: where it was (a path
    like `cv.sections.awards[2].citations`), what it held, and why it was not mapped."""

    where: str
    text: str
    why: str

    def __str__(self) -> str:
        shown = self.text if len(self.text) <= 100 else self.text[:97] + "..."
        return f"{self.where}: {shown}  ({self.why})"


@dataclass
class Imported:
    """A content folder under construction."""

    person: dict[str, Any]
    sections: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    bib: list[str] = field(default_factory=list)  # .bib entries
    owner_names: list[str] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    in_document: list[Unmapped] = field(default_factory=list)  # shown in the flagged section

    def skip(self, where: str, value: Any, why: str, *, text: bool = True) -> None:
        """Record what is not mapped; `text` values also go into the flagged section."""
        for path, leaf in leaves(where, value):
            item = Unmapped(path, leaf, why)
            self.unmapped.append(item)
            if text:
                self.in_document.append(item)

    def section(self, key: str, kind: str, title: str, **body: Any) -> None:
        self.sections.append({"id": self.unique_id(key), "kind": kind, "title": title, **body})

    def unique_id(self, key: str) -> str:
        base = slug(key)
        taken = {s["id"] for s in self.sections}
        candidate, number = base, 2
        while candidate in taken:
            candidate, number = f"{base}-{number}", number + 1
        return candidate


def leaves(where: str, value: Any) -> list[tuple[str, str]]:
    """Every scalar under `value`, with its path; empty ones left out."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in leaves(f"{where}.{k}", v)]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in leaves(f"{where}[{i}]", v)]
    if value is None or value == "":
        return []
    return [(where, str(value))]


def slug(key: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "_", str(key).lower()).strip("_")
    return text if text[:1].isalpha() else f"s_{text}" if text else "section"


def title_of(key: str) -> str:
    """RenderCV's rule: a section key like `selected_honors` is titled 'Selected Honors'."""
    if re.search(r"[A-Z ]", key):
        return key
    return " ".join(word[:1].upper() + word[1:] for word in key.split("_"))


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
_OPEN = {"present", "now", "today", "current", "ongoing"}


def date_text(value: Any) -> str | None:
    """A date of the source as cvbuild writes it ('2021', '2021-03', '2021-03-15'); None when it
    is not one (free text such as 'Fall 2021' or 'in review')."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return str(value)
    if not isinstance(value, str):
        return None
    match = _DATE.match(value.strip())
    if not match:
        return None
    year, month, day = match.groups()
    if month is None:
        return year
    if not 1 <= int(month) <= 12:
        return None
    if day is None:
        return f"{year}-{int(month):02d}"
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return f"{year}-{int(month):02d}"


def period_text(start: Any, end: Any = None, single: Any = None) -> str | None:
    """A period from a start and an end (open when the end is 'present' or missing while a
    start is given); None when the source has no date cvbuild can read."""
    if single not in (None, "") and start in (None, ""):
        return date_text(single)
    first = date_text(start)
    if first is None:
        return None
    if end in (None, "") or (isinstance(end, str) and end.strip().lower() in _OPEN):
        return f"{first} –" if end not in (None, "") else first
    last = date_text(end)
    if last is None:
        return None
    if last < first:  # an end before the start: keep the dates, in order
        first, last = last, first
    return first if first == last else f"{first} – {last}"


def paragraphs(*parts: Any) -> str | None:
    """Texts as paragraphs of one cvbuild text field (a blank line between them)."""
    texts: list[str] = []
    for part in parts:
        if isinstance(part, list):
            texts += [str(p).strip() for p in part if p not in (None, "")]
        elif part not in (None, ""):
            texts.append(str(part).strip())
    texts = [t for t in texts if t]
    return "\n\n".join(texts) if texts else None


def bib_escape(text: str) -> str:
    """Plain text as a BibTeX field value: the characters BibTeX and LaTeX would read as code
    written as their accepted escapes; braces kept balanced."""
    out = []
    for char in text:
        if char in "&%$#_{}":
            out.append("\\" + char)
        elif char == "~":
            out.append("\\~{}")
        elif char == "\\":
            out.append("/")  # TeX's \textbackslash is not allowed in a .bib cvbuild reads
        else:
            out.append(char)
    return "".join(out)


# --------------------------------------------------------------------------- writing


def write_folder(imported: Imported, directory: Path, source: Path) -> list[Path]:
    """Write the content folder (refusing a folder that already holds YAML files, so that no
    file of the user's is ever overwritten)."""
    from cvbuild.scaffold import schema_text

    if directory.exists() and any(directory.glob("*.y*ml")):
        raise InputError(
            [Problem(f"{directory} already holds YAML files; import writes only into a new folder")]
        )
    sections = list(imported.sections)
    if imported.in_document:
        sections.append(
            {
                "id": UNMAPPED_ID,
                "kind": "entries",
                "title": UNMAPPED_TITLE,
                "note": f"Text of {source.name} that cvbuild could not place in a section; "
                "move it where it belongs, or delete it.",
                "entries": [
                    {"title": verbatim(item.where), "text": verbatim(item.text)}
                    for item in imported.in_document
                ],
            }
        )
    directory.mkdir(parents=True, exist_ok=True)
    head = "# yaml-language-server: $schema=cvbuild.schema.json\n"
    person: dict[str, Any] = {"person": imported.person}
    if imported.settings:
        person["settings"] = imported.settings
    written = []
    if imported.bib:
        bib = directory / "publications.bib"
        bib.write_text("\n".join(imported.bib), encoding="utf-8")
        person["bibliography"] = {
            "files": ["publications.bib"],
            "owner_names": imported.owner_names,
        }
        written.append(bib)
    note = f"# Imported from {source.name} by `cvbuild import`.\n"
    for name, data in (("person.yaml", person), ("sections.yaml", {"sections": sections})):
        path = directory / name
        path.write_text(head + note + dump_yaml(data), encoding="utf-8")
        written.append(path)
    schema = directory / "cvbuild.schema.json"
    schema.write_text(schema_text(), encoding="utf-8")
    return [*written, schema]


def verbatim(text: str) -> str:
    r"""Text shown exactly as written: markup characters kept literal with a backslash."""
    return re.sub(r"([*\[\]\\()])", r"\\\1", text)


def dump_yaml(data: Any) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 100
    yaml.allow_unicode = True
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def load_jsonish(text: str) -> Any:
    """JSON, or JSON with // and /* */ comments and trailing commas (JSONC, as al-folio's
    resume.json is written): comments outside strings removed, then parsed."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    cleaned = re.sub(
        r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/',
        lambda m: m.group(1) or "",
        text,
        flags=re.S,
    )
    cleaned = re.sub(r",(\s*[}\]])", r"\1", cleaned)
    return json.loads(cleaned)


def run(source_format: str, source: Path, directory: Path) -> tuple[list[Path], list[Unmapped]]:
    """Import `source` into the new folder `directory`, then load the folder as `cvbuild pdf`
    would: returns the files written and what was not mapped."""
    from cvbuild.importers import jsonresume, rendercv
    from cvbuild.pipeline import load_content

    importer = {"rendercv": rendercv, "jsonresume": jsonresume}[source_format]
    if not source.is_file():
        raise InputError([Problem(f"no such file: {source}")])
    imported = importer.import_file(source)
    written = write_folder(imported, directory, source)
    try:
        load_content(directory)
    except InputError as error:
        note = Problem(
            f"the folder written to {directory} does not validate: a bug of `cvbuild import` "
            "(please report it); fix the problems below by hand to go on"
        )
        raise InputError([note, *error.problems]) from None
    return written, imported.unmapped
