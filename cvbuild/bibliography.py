"""Stage 1b: read the .bib files, check them, and sort every entry into one category.

Nothing from a .bib goes to TeX unchecked: a file that is not UTF-8, parse errors, keys outside
a small character set, duplicate keys (also ones differing only in case), odd entry types and
field names, missing fields, dates biber cannot read, `crossref`s to nowhere, overlong fields,
`@preamble` blocks, fields biblatex would run (`execute`) and TeX macros outside a small safe set
are all reported (with file, line and key) before TeX runs. Whatever passes builds
(render.bibliography_file writes it for biber). The owner's name forms are matched here in Python, so highlighting
does not depend on biblatex's fragile name hashes.
"""

from __future__ import annotations

import datetime
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

# Entry keys: what Google Scholar (smith2020deep), Zotero/Better BibTeX (smithDeepLearning2020),
# DBLP (DBLP:conf/cvpr/SmithJ20), DOI-style keys (10.1145/3292500.3330701) and arXiv/INSPIRE
# (Aad:2012tfa) produce. Nothing with a meaning to TeX or biber (\ { } % # ^ ~ & , space) can
# pass, so a key can never turn into a command, whatever TeX does to it.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_:./+-]+")
KEY_CHARACTERS = "ASCII letters, digits and - _ : . / +"
_ENTRY_TYPE = re.compile(r"[a-z]+")
_FIELD_NAME = re.compile(r"[a-z_][a-z0-9_-]*")
# Fields no list prints; they are not passed on (an abstract can be longer than TeX's line buffer).
UNPRINTED_FIELDS = frozenset(
    ["abstract", "annote", "annotation", "file", "review", "comment", "comments", "timestamp",
     "owner", "groups", "library", "mendeley-tags", "ranking", "readstatus", "priority",
     "__markedentry", "keywords", "date-added", "date-modified", "bdsk-url-1", "bdsk-url-2",
     "abstractnote", "shorttitle", "ids", "relatedtype", "relatedstring", "relatedoptions"]
)  # fmt: skip
# Fields biblatex gives a meaning beyond text; refused with the reason.
REFUSED_FIELDS = {
    "execute": "biblatex runs this field as TeX code; delete it",
    "options": "per-entry biblatex options are not supported (they can hide an entry); delete it",
    "related": "cvbuild does not print related entries; delete the field",
    "entryset": "entry sets are not supported; list the entries one by one",
}
# TeX reads a .bbl line at a time into a buffer of 200,000 bytes; long before that, no CV entry.
MAX_FIELD_LENGTH = 20_000
URL_FIELDS = ("url", "doi", "eprint")
# A date biber reads (a range's start and end each like this); used for the other date fields.
_ISO_DATE = re.compile(
    r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?(/(\d{4}(-\d\d(-\d\d)?)?)?)?"
)
NAME_FIELDS = frozenset(["author", "editor", "translator", "bookauthor", "editora", "editorb",
                         "editorc", "foreword", "afterword", "introduction", "commentator",
                         "annotator", "holder"])  # fmt: skip

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
)}  # fmt: skip

_MONTH_NAMES = {
    **_MONTHS,
    **{name: i for i, name in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september",
         "october", "november", "december"], 1
    )},
    "sept": 9,
}  # fmt: skip

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


def load_publications(
    spec: Bibliography, content_dir: Path, allow_outside: bool | None = None
) -> tuple[Publication, ...]:
    """All entries of the bibliography's files, checked and categorised, newest first."""
    paths, problems = bib_paths(
        spec, content_dir, allow_outside
    )  # inside the content folder, regular files
    publications: list[Publication] = []
    seen: dict[str, tuple[str, Path, int]] = {}  # folded key -> (key, file, line)
    owners = [_parse_name(n) for n in spec.owner_names]
    entries: list[tuple[bibtexparser.model.Entry, Path, int]] = []
    for path in paths:
        text, decode_problems = _read_bib(path)
        problems += decode_problems
        if text is None:
            continue
        library = bibtexparser.parse_string(text)  # type: ignore[attr-defined]
        problems += _library_problems(library, path)
        for entry in library.entries:
            line = _line(entry) or 1
            key_problem = _key_problem(entry.key)
            if key_problem:
                problems.append(Problem(key_problem, path, line, field=entry.key or "key"))
                continue
            folded = entry.key.casefold()
            if folded in seen:
                key, where, at = seen[folded]
                same = "" if key == entry.key else f" (differs only in case from '{key}')"
                problems.append(
                    Problem(
                        f"duplicate key '{entry.key}'{same}, also at {where.name}:{at}; "
                        "give each entry its own key",
                        path,
                        line,
                    )
                )
                continue
            seen[folded] = (entry.key, path, line)
            entries.append((entry, path, line))
    known = {entry.key: _fields(entry) for entry, _, _ in entries}
    for entry, path, line in entries:
        publication, entry_problems = _publication(entry, path, line, spec, owners, known)
        problems += entry_problems
        if publication is not None:
            publications.append(publication)
    if len(paths) == len(spec.files):  # with a .bib missing, every key would seem unknown
        problems += place_problems(
            content_dir,
            [
                (("bibliography", "overrides", key), f"override names unknown .bib key '{key}'")
                for key in spec.overrides
                if key not in known
            ],
        )
    if problems:
        raise InputError(problems)
    return tuple(sorted(publications, key=lambda p: p.sort_key, reverse=True))


def _read_bib(path: Path) -> tuple[str | None, list[Problem]]:
    """The file's text; a file that is not UTF-8 (a Latin-1 export, say) is reported with the
    lines that are not, rather than read with replacement characters."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    problems = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            byte = raw[error.start]
            problems.append(
                Problem(
                    f"not UTF-8 (byte 0x{byte:02X} in column {error.start + 1}); save the file "
                    "as UTF-8 (most editors: 'Save with encoding'; iconv -f latin1 -t utf-8)",
                    path,
                    number,
                )
            )
            if len(problems) == 5:
                break
    return None, problems


def _key_problem(key: str) -> str:
    """Why an entry key cannot be used ('' when it can), with a key to write instead."""
    if not key.strip():
        return "entry has no key; write one after the '{', e.g. @article{lovelace1843,"
    if KEY_PATTERN.fullmatch(key):
        return ""
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    suggestion = re.sub(r"[^A-Za-z0-9_:./+-]+", "-", ascii_key).strip("-") or "entry1"
    bad = sorted({c for c in key if not KEY_PATTERN.fullmatch(c)})
    shown = " ".join("space" if c == " " else repr(c) for c in bad)
    return (
        f"key {key!r} has character(s) {shown}; keys may hold only {KEY_CHARACTERS}. "
        f"Write e.g. '{suggestion}' (and use that key in bibliography.overrides)"
    )


def _line(block: bibtexparser.model.Block) -> int | None:
    """The 1-based line a block starts on (bibtexparser counts from 0; None when unknown)."""
    return None if block.start_line is None else block.start_line + 1


def _library_problems(library: bibtexparser.library.Library, path: Path) -> list[Problem]:
    problems = []
    for block in library.failed_blocks:
        line = _line(block)
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(Problem(f"duplicate key '{block.key}'", path, line))
        elif isinstance(block, DuplicateFieldKeyBlock):
            names = ", ".join(sorted(block.duplicate_keys))
            entry = block.ignore_error_block
            key = entry.key if isinstance(entry, bibtexparser.model.Entry) else "?"
            problems.append(Problem(f"entry '{key}' repeats field(s) {names}", path, line))
        elif isinstance(block, ParsingFailedBlock):
            raw = (block.raw or "").strip()
            first = raw.splitlines()[0][:60] if raw else ""
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
                _line(preamble),
            )
        )
    return problems


def _publication(
    entry: bibtexparser.model.Entry,
    path: Path,
    line: int,
    spec: Bibliography,
    owners: list[Name],
    known: dict[str, dict[str, str]] | None = None,
) -> tuple[Publication | None, list[Problem]]:
    key = entry.key
    entry_type = entry.entry_type.lower()
    known = known or {}
    fields = _fields(entry)
    problems = [
        Problem(message, path, line, field=f"{key}.{name}")
        for name, message in _field_problems(fields, set(known))
    ]
    fields = _inherit(fields, known, entry_type)
    if not _ENTRY_TYPE.fullmatch(entry_type):
        problems.append(
            Problem(f"entry type @{entry.entry_type} is not a word (e.g. @article)", path, line)
        )
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
        name = "date" if fields.get("date") else ("month" if "month" in date_problem else "year")
        problems.append(Problem(date_problem, path, line, field=f"{key}.{name}"))
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
            award=_to_text(re.sub(r"(?<!\\)%", r"\\%", fields.get("award", ""))),
            code=tuple(fields.get("code", "").split()),
            selected=selected,
            file=path,
            line=line,
        ),
        [],
    )


def _fields(entry: bibtexparser.model.Entry) -> dict[str, str]:
    return {f.key.lower(): str(f.value).strip() for f in entry.fields}


# Fields a crossref'd parent does not pass on as they are (biblatex's default inheritance).
_NOT_INHERITED = frozenset(["crossref", "xref", "ids", "keywords", "title", "subtitle",
                            "shorttitle", "award", "code", *UNPRINTED_FIELDS])  # fmt: skip


def _inherit(
    fields: dict[str, str], known: dict[str, dict[str, str]], entry_type: str
) -> dict[str, str]:
    """The entry with the fields of its `crossref` parent filled in (the parent's title becomes
    the booktitle), and without `crossref`/`xref`: cvbuild writes only the entries it prints,
    so biber could not follow the reference itself."""
    parent = known.get(fields.get("crossref", ""), {})
    merged = {k: v for k, v in fields.items() if k not in ("crossref", "xref")}
    for name, value in parent.items():
        if name not in _NOT_INHERITED:
            merged.setdefault(name, value)
    if parent.get("title") and entry_type not in ("article", "book", "online", "misc"):
        merged.setdefault("booktitle", parent["title"])
        if parent.get("subtitle"):
            merged.setdefault("booksubtitle", parent["subtitle"])
    return merged


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
    """(year, month, day, problem): biber stops on a date it cannot read, so every form it
    would refuse is reported here. `date` may be YYYY, YYYY-MM or YYYY-MM-DD (a range's start
    counts); `year` four digits; `month` 1-12 or a month's name."""
    name = "date" if fields.get("date") else "year"
    raw = fields.get(name, "").strip()
    pattern = r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:/.*)?" if name == "date" else r"(\d{4})()()"
    match = re.fullmatch(pattern, raw)
    if not match:
        example = "2021, 2021-03 or 2021-03-15" if name == "date" else "2021"
        return 0, 0, 0, f"{name} must be like {example}, found {raw!r}"
    year, month, day = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    if match[2] and not 1 <= month <= 12:
        return 0, 0, 0, f"{name} {raw!r} has no month {month}"
    if match[3]:
        try:
            datetime.date(year, month, day)
        except ValueError:
            return 0, 0, 0, f"{name} {raw!r} is not a day of the calendar"
    if not month and fields.get("month"):
        text = fields["month"].strip().lower()
        month = int(text) if text.isdigit() else _MONTH_NAMES.get(text.rstrip("."), 0)
        if not 1 <= month <= 12:
            return 0, 0, 0, f"month must be 1-12 or a month's name (jan, February), found {text!r}"
    return year, month, day, ""


def _field_problems(fields: dict[str, str], keys: set[str]) -> Iterable[tuple[str, str]]:
    for name, value in fields.items():
        if not _FIELD_NAME.fullmatch(name):
            yield (
                name,
                (
                    "field name may hold only letters, digits, '_' and '-' (starting with a "
                    "letter); rename or delete the field"
                ),
            )
            continue
        if name in REFUSED_FIELDS:
            yield name, REFUSED_FIELDS[name]
            continue
        if name in UNPRINTED_FIELDS:
            continue  # not passed on to TeX
        if len(value) > MAX_FIELD_LENGTH and name not in NAME_FIELDS:  # biber splits names
            yield (
                name,
                (
                    f"{len(value):,} characters; TeX takes at most {MAX_FIELD_LENGTH:,} per field "
                    "(shorten it, or move the text to 'abstract', which is not printed)"
                ),
            )
            continue
        if name in ("crossref", "xref"):
            if value not in keys:
                yield name, f"names '{value}', which is no entry of the .bib files"
            continue
        if name in ("urldate", "eventdate", "origdate") and not _ISO_DATE.fullmatch(value):
            yield name, f"must be like 2021, 2021-03 or 2021-03-15, found {value!r}"
            continue
        if name in URL_FIELDS or name == "code":
            continue  # written percent-encoded (cvbuild.escape.uri): any character is safe
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
        if len(re.findall(r"(?<!\\)\$", value)) % 2:
            yield name, "unbalanced '$' (math); write \\$ for a dollar sign"


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
    text: str = _TEXT.latex_to_text(value)
    return text.strip()


def split_names(value: str) -> list[str]:
    """Split a BibTeX name list on ' and ' outside braces."""
    names: list[str] = []
    current: list[str] = []
    depth = 0
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
    counts: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
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
