"""Stage 1b: read the .bib files, check them, and sort every entry into one category.

Nothing from a .bib goes to TeX unchecked: parse errors, duplicate keys, missing fields,
`@preamble` blocks and TeX macros outside a small safe set are all reported (with file, line
and key) before TeX runs. The owner's name forms are matched here in Python, so highlighting
does not depend on biblatex's fragile name hashes.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text

from cvbuild.errors import InputError, Problem
from cvbuild.fields import PublicationCategory
from cvbuild.load import bib_paths, place_problems
from cvbuild.repertoire import unprintable

if TYPE_CHECKING:
    from cvbuild.models import Bibliography

CATEGORIES: tuple[PublicationCategory, ...] = ("journal", "proceedings", "chapter", "preprint")

# Field names cvbuild reads itself; they are not passed on to biblatex.
CVBUILD_FIELDS = ("award", "code")

_TYPE_CATEGORY: dict[str, PublicationCategory] = {
    "article": "journal",
    "inproceedings": "proceedings",
    "conference": "proceedings",
    "proceedings": "proceedings",
    "incollection": "chapter",
    "inbook": "chapter",
    "book": "chapter",
    "online": "preprint",
    "misc": "preprint",
    "unpublished": "preprint",
    "report": "preprint",
    "techreport": "preprint",
}
_VENUE_FIELDS = {
    "article": ("journal", "journaltitle"),
    "inproceedings": ("booktitle",),
    "conference": ("booktitle",),
    "incollection": ("booktitle",),
    "inbook": ("booktitle", "title"),
}
_PREPRINT_VENUE = re.compile(r"arxiv|corr\b|biorxiv|medrxiv|chemrxiv|ssrn|preprint", re.I)

# TeX commands allowed inside .bib fields: accents, special letters, escaped characters and a
# few text-formatting commands. Anything else (\input, \def, \catcode, \write18, ...) is refused.
SAFE_MACROS = frozenset(
    [
        *"\"'`^~=.uvHcdbrkt",  # accents
        *("i", "j", "o", "O", "l", "L", "ss", "ae", "AE", "oe", "OE", "aa", "AA"),
        *"&%$#_{} ,-/@",  # escaped characters and spacing
        *("emph", "textit", "textbf", "textsc", "textsuperscript", "textsubscript"),
        *("mkbibquote", "textendash", "textemdash", "textquoteright", "textquoteleft"),
        *("ldots", "dots", "url"),
    ]
)
_MACRO = re.compile(r"\\([A-Za-z]+|.)")

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
)}  # fmt: skip

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class Name:
    family: str
    given: str


@dataclass(frozen=True)
class Publication:
    key: str
    entry_type: str
    category: PublicationCategory
    fields: dict[str, str]  # raw BibTeX values, lower-case names, cvbuild's own fields removed
    authors: tuple[Name, ...]
    owner_positions: tuple[int, ...]  # 1-based positions of the owner in the author list
    year: int
    month: int = 0
    day: int = 0
    award: str = ""
    code: tuple[str, ...] = ()
    selected: bool = False
    file: Path | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month, self.day)


def load_publications(spec: Bibliography, content_dir: Path) -> tuple[Publication, ...]:
    """All entries of the bibliography's files, checked and categorised, newest first."""
    paths, problems = bib_paths(spec, content_dir)  # inside the content folder, regular files
    publications: list[Publication] = []
    seen: dict[str, Path] = {}
    owners = [_parse_name(n) for n in spec.owner_names]
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        library = bibtexparser.parse_string(text)
        problems += _library_problems(library, path)
        for entry in library.entries:
            line = entry.start_line + 1
            if entry.key in seen:
                problems.append(
                    Problem(
                        f"duplicate key '{entry.key}' (also in {seen[entry.key].name})", path, line
                    )
                )
                continue
            seen[entry.key] = path
            publication, entry_problems = _publication(entry, path, line, spec, owners)
            problems += entry_problems
            if publication is not None:
                publications.append(publication)
    if len(paths) == len(spec.files):  # with a .bib missing, every key would seem unknown
        problems += place_problems(
            content_dir,
            [
                (("bibliography", "overrides", key), f"override names unknown .bib key '{key}'")
                for key in spec.overrides
                if key not in seen
            ],
        )
    if problems:
        raise InputError(problems)
    return tuple(sorted(publications, key=lambda p: p.sort_key, reverse=True))


def _library_problems(library: bibtexparser.Library, path: Path) -> list[Problem]:
    problems = []
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(Problem(f"duplicate key '{block.key}'", path, line))
        elif isinstance(block, DuplicateFieldKeyBlock):
            names = ", ".join(sorted(block.duplicate_keys))
            problems.append(Problem(f"entry '{block.key}' repeats field(s) {names}", path, line))
        elif isinstance(block, ParsingFailedBlock):
            first = block.raw.strip().splitlines()[0][:60] if block.raw.strip() else ""
            reason = (str(block.error).strip().splitlines() or ["syntax error"])[-1].strip()
            problems.append(
                Problem(
                    f"cannot parse entry starting '{first}': {reason} (unclosed brace?)", path, line
                )
            )
    for preamble in library.preambles:
        problems.append(
            Problem(
                "@preamble blocks are not allowed (TeX code would run)",
                path,
                preamble.start_line + 1,
            )
        )
    return problems


def _publication(
    entry: bibtexparser.model.Entry,
    path: Path,
    line: int,
    spec: Bibliography,
    owners: list[Name],
) -> tuple[Publication | None, list[Problem]]:
    key = entry.key
    entry_type = entry.entry_type.lower()
    fields = {f.key.lower(): str(f.value).strip() for f in entry.fields}
    problems = [
        Problem(message, path, line, field=f"{key}.{name}")
        for name, message in _field_problems(fields)
    ]
    missing = [name for name in ("author", "title") if not fields.get(name)]
    if not (fields.get("year") or fields.get("date")):
        missing.append("year")
    venues = _VENUE_FIELDS.get(entry_type, ())
    if venues and not any(fields.get(v) for v in venues):
        missing.append(" or ".join(venues))
    if missing:
        problems.append(
            Problem(f"@{entry_type} entry lacks {', '.join(missing)}", path, line, field=key)
        )
    override = spec.overrides.get(key)
    category = (override.category if override else None) or _category(entry_type, fields)
    if category is None:
        problems.append(
            Problem(
                f"cannot tell the category of @{entry_type}; set one with "
                f"bibliography.overrides.{key}.category",
                path,
                line,
                field=key,
            )
        )
    year, month, day, date_problem = _date(fields)
    if date_problem and "year" not in missing:
        problems.append(Problem(date_problem, path, line, field=f"{key}.year"))
    if problems or category is None:
        return None, problems
    authors = tuple(_parse_name(n) for n in split_names(fields["author"]))
    highlight = (
        override.highlight_owner if override and override.highlight_owner is not None else True
    )
    positions = (
        tuple(i for i, a in enumerate(authors, 1) if any(same_person(a, o) for o in owners))
        if highlight
        else ()
    )
    keywords = {k.strip().lower() for k in fields.get("keywords", "").split(",")}
    selected = (
        override.selected if override and override.selected is not None else "selected" in keywords
    )
    return (
        Publication(
            key=key,
            entry_type=entry_type,
            category=category,
            fields={k: v for k, v in fields.items() if k not in CVBUILD_FIELDS},
            authors=authors,
            owner_positions=positions,
            year=year,
            month=month,
            day=day,
            award=_to_text(fields.get("award", "")),
            code=tuple(fields.get("code", "").split()),
            selected=selected,
            file=path,
            line=line,
        ),
        [],
    )


def _category(entry_type: str, fields: dict[str, str]) -> PublicationCategory | None:
    venue = fields.get("journal") or fields.get("journaltitle") or ""
    is_eprint = bool(fields.get("eprint")) or bool(fields.get("pubstate"))
    if _PREPRINT_VENUE.search(venue):
        return "preprint"
    if entry_type in ("article", "inproceedings", "incollection") and is_eprint:
        # A published paper that also names its arXiv version stays where it was published.
        has_venue = bool(venue or fields.get("booktitle"))
        return _TYPE_CATEGORY[entry_type] if has_venue else "preprint"
    return _TYPE_CATEGORY.get(entry_type)


def _date(fields: dict[str, str]) -> tuple[int, int, int, str]:
    raw = fields.get("date") or fields.get("year") or ""
    match = re.match(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", raw)
    if not match:
        return 0, 0, 0, f"expected a four-digit year, found {raw!r}"
    month = int(match[2] or 0)
    if not month and fields.get("month"):
        text = fields["month"].strip().lower()[:3]
        month = int(text) if text.isdigit() else _MONTHS.get(text, 0)
    return int(match[1]), month, int(match[3] or 0), ""


def _field_problems(fields: dict[str, str]) -> Iterable[tuple[str, str]]:
    for name, value in fields.items():
        if name in ("url", "doi", "eprint") or name == "code":
            if "\\" in value or "{" in value.strip("{}"):
                yield name, "a URL or identifier must not contain TeX commands or braces"
            continue
        if "^^" in value:
            yield name, "'^^' character codes are not allowed"
        for _, description in unprintable(value):
            yield name, f"character {description} cannot be printed"
        unsafe = sorted({m for m in _MACRO.findall(value) if m not in SAFE_MACROS})
        if unsafe:
            listed = ", ".join("\\" + m for m in unsafe)
            yield name, f"TeX command(s) {listed} not allowed (only accents and text formatting)"
        if _brace_depth_broken(value):
            yield name, "unbalanced braces"


def _brace_depth_broken(value: str) -> bool:
    depth = 0
    for match in re.finditer(r"\\.|[{}]", value):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return True
    return depth != 0


# --------------------------------------------------------------------------- names

_TEXT = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def _to_text(value: str) -> str:
    return _TEXT.latex_to_text(value).strip()


def split_names(value: str) -> list[str]:
    """Split a BibTeX name list on ' and ' outside braces."""
    names, depth, current = [], 0, []
    tokens = re.split(r"(\{|\}|\s+and\s+)", value)
    for token in tokens:
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        if depth == 0 and re.fullmatch(r"\s+and\s+", token or ""):
            names.append("".join(current).strip())
            current = []
        else:
            current.append(token)
    names.append("".join(current).strip())
    return [n for n in names if n]


def _parse_name(raw: str) -> Name:
    text = raw.strip()
    if text.startswith("{") and text.endswith("}") and not _brace_depth_broken(text[1:-1]):
        return Name(_to_text(text[1:-1]), "")  # a corporate author, kept whole
    if "," in text:
        family, _, given = text.partition(",")
        return Name(_to_text(family), _to_text(given))
    parts = text.split()
    return Name(_to_text(parts[-1]), _to_text(" ".join(parts[:-1])))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("{", "").replace("}", ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z]+", " ", text.lower().replace("ß", "ss")).strip()


def same_person(candidate: Name, owner: Name) -> bool:
    """True if `candidate` is a form of `owner`: same family name (ignoring case, accents and
    braces) and compatible given names ('S.', 'S', 'Sebastian' all fit 'Sebastian')."""
    if _fold(candidate.family) != _fold(owner.family) or not candidate.given:
        return False
    mine, theirs = _fold(candidate.given).split(), _fold(owner.given).split()
    if not mine or not theirs:
        return False
    first_mine, first_theirs = mine[0], theirs[0]
    if len(first_mine) > 1 and len(first_theirs) > 1:
        return first_mine == first_theirs
    return first_mine[0] == first_theirs[0]


def count_by_category(publications: Iterable[Publication]) -> dict[str, int]:
    counts = dict.fromkeys(CATEGORIES, 0)
    for publication in publications:
        counts[publication.category] += 1
    return counts


def link_warnings(publications: Iterable[Publication]) -> list[Problem]:
    """Selected entries without a DOI, URL or eprint: funders (DFG, ERC) ask for a link."""
    return [
        Problem(
            "selected publication has no doi, url or eprint; funders ask for one",
            p.file,
            p.line,
            field=p.key,
        )
        for p in publications
        if p.selected and not any(p.fields.get(name) for name in ("doi", "url", "eprint"))
    ]
