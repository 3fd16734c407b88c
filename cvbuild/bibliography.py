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

import dataclasses
import datetime
import difflib
import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cvbuild import cache
from cvbuild.errors import InputError, Problem
from cvbuild.fields import PublicationCategory
from cvbuild.load import bib_paths, place_problems
from cvbuild.repertoire import unprintable
from cvbuild.texmacros import clean, commands

if TYPE_CHECKING:
    import bibtexparser
    from pylatexenc.latex2text import LatexNodes2Text

    from cvbuild.models import Bibliography

CATEGORIES: tuple[PublicationCategory, ...] = (
    "journal", "proceedings", "chapter", "preprint", "book", "thesis", "report", "patent",
    "software", "other",
)  # fmt: skip

# Field names cvbuild reads itself; they are not passed on to biblatex.
CVBUILD_FIELDS = ("award", "code")

# Every BibTeX and biblatex entry type (and alias) has a category; a type not listed is "other".
_TYPE_CATEGORY: dict[str, PublicationCategory] = {
    "article": "journal", "periodical": "book", "suppperiodical": "journal",
    "inproceedings": "proceedings", "conference": "proceedings",
    "incollection": "chapter", "inbook": "chapter", "bookinbook": "chapter",
    "suppbook": "chapter", "suppcollection": "chapter", "inreference": "chapter",
    "book": "book", "mvbook": "book", "collection": "book", "mvcollection": "book",
    "proceedings": "book", "mvproceedings": "book", "reference": "book", "mvreference": "book",
    "set": "book",
    "online": "preprint", "electronic": "preprint", "www": "preprint", "misc": "preprint",
    "unpublished": "preprint",
    "report": "report", "techreport": "report",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
    "patent": "patent",
    "software": "software", "dataset": "software", "data": "software", "code": "software",
    "manual": "other", "booklet": "other", "video": "other", "audio": "other",
    "movie": "other", "music": "other", "performance": "other", "standard": "other",
    "letter": "other", "artwork": "other", "image": "other", "legislation": "other",
    "jurisdiction": "other", "legal": "other", "review": "other",
}  # fmt: skip
# Types whose people may be editors only (an edited volume "lacks author" otherwise).
_EDITED_TYPES = frozenset(["book", "mvbook", "collection", "mvcollection", "proceedings",
                           "mvproceedings", "reference", "mvreference", "periodical", "set"])  # fmt: skip
# Types printed without any author (software, data, manuals are often institutional).
_AUTHORLESS_TYPES = frozenset(["software", "dataset", "data", "code", "manual", "online",
                               "electronic", "www", "misc", "patent", "booklet", "standard"])  # fmt: skip

_VENUE_FIELDS = {
    "article": ("journal", "journaltitle"),
    "inproceedings": ("booktitle",),
    "conference": ("booktitle",),
    "incollection": ("booktitle",),
    "inbook": ("booktitle", "title"),
}
_PREPRINT_VENUE = re.compile(
    r"arxiv|\bcorr\b|biorxiv|medrxiv|chemrxiv|ssrn|preprint|techrxiv|research square|psyarxiv|"
    r"electron(ic|\.)? colloquium|\beccc\b|cryptology e-?print|\biacr\b|\bosf\b|e-prints",
    re.I,
)
# A pubstate that means "not (yet) accepted": such an entry is not peer-reviewed yet.
_UNPUBLISHED_STATE = re.compile(
    r"submitted|in ?prep|prepublished|preprint|under review|in revision|revis", re.I
)
_PATENT_HINT = re.compile(r"patent|intellectual property", re.I)
# A title that names a patent ("US Patent 10,885,679: ...", "Patent No. ...").
_PATENT_TITLE = re.compile(r"\b[A-Z]{2}\s+Patent\b|\bPatent\s+(App|No\b|[A-Z]{0,2}\d)")

# TeX commands allowed inside .bib fields: accents, special letters, escaped characters and a
# few text-formatting commands. Anything else (\input, \def, \catcode, \write18, ...) is refused.
SAFE_MACROS = frozenset(
    [
        *"\"'`^~=.uvHcdbrkt",  # accents
        *("i", "j", "o", "O", "l", "L", "ss", "ae", "AE", "oe", "OE", "aa", "AA"),
        *"&%$#_{} ,-/@",  # escaped characters and spacing
        *("emph", "textit", "textbf", "textsc", "textsuperscript", "textsubscript"),
        *("mkbibquote", "textendash", "textemdash", "textquoteright", "textquoteleft"),
        *("ldots", "dots", "url", "texttt", "textrm", "textsf", "textsl", "textup", "textmd"),
        *("textnormal", "textasciitilde", "textbackslash", "textasciicircum", "mbox"),
    ]
)

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
# The fields passed on to biber: what the numeric style prints. Everything else an exporter
# writes (abstract, file, language, urldate, timestamp, biburl, adsurl, isbn, options, ...) never
# reaches TeX, is not checked, and so can neither stop a build nor switch the engine.
PRINTED_FIELDS = frozenset(
    ["author", "editor", "translator", "editortype", "holder", "title", "subtitle", "titleaddon",
     "journal", "journaltitle", "journalsubtitle", "issuetitle", "booktitle", "booksubtitle",
     "booktitleaddon", "maintitle", "mainsubtitle", "series", "volume", "volumes", "number",
     "issue", "part", "pages", "eid", "publisher", "organization", "institution", "school",
     "address", "location", "edition", "chapter", "type", "howpublished", "note", "addendum",
     "pubstate", "eprint", "eprinttype", "eprintclass", "archiveprefix", "primaryclass", "doi",
     "url", "version", "venue", "eventtitle", "year", "month", "day", "date"]
)  # fmt: skip
# Fields biblatex gives a meaning beyond text; refused with the reason.
REFUSED_FIELDS = {
    "execute": "biblatex runs this field as TeX code; delete it",
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


def _bibtexparser() -> Any:
    """bibtexparser, imported when a .bib is read (not when its publications are cached)."""
    import logging

    import bibtexparser

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    return bibtexparser


@dataclass(frozen=True)
class Name:
    family: str
    given: str


@dataclass(frozen=True)
class Publication:
    key: str
    entry_type: str
    category: PublicationCategory
    fields: dict[str, str]  # printed BibTeX values (cleaned), lower-case names
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
    owner_field: str = "author"  # "editor" for an edited volume without authors
    published_at: str = ""  # plain text from the content (overrides), not TeX
    note: str = ""  # plain text from the content (overrides), not TeX
    bib_key: str = ""  # the key written for biber ('' = `key`; set when `key` is not plain)
    keywords: tuple[str, ...] = ()  # the .bib `keywords`, lower case (lists may select by them)
    author_count: int = 0  # the authors before `max_authors` shortened the list (0: not shortened)
    peer_reviewed: bool | None = None  # None: by category and pubstate (set after init)
    open_access: bool | None = None  # None: not stated
    involvement: str = ""  # plain text from the content (overrides): the owner's part in it
    significance: str = ""  # plain text from the content (overrides): why it matters

    def __post_init__(self) -> None:
        if self.peer_reviewed is None:
            default = peer_reviewed_by_default(self.category, self.fields)
            object.__setattr__(self, "peer_reviewed", default)

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month, self.day)


class Publications(tuple[Publication, ...]):
    """The loaded entries, newest first, and the warnings about entries not printed (skipped
    with a reason) or about the owner's name: `validate` and every build show them."""

    warnings: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()  # information for every build ("3 entries excluded by keyword")


def make_publications(
    items: Iterable[Publication], warnings: Iterable[Problem], notes: Iterable[str] = ()
) -> Publications:
    result = Publications(items)
    result.warnings = tuple(warnings)
    result.notes = tuple(notes)
    return result


def bibliography_warnings(publications: tuple[Publication, ...]) -> tuple[Problem, ...]:
    return getattr(publications, "warnings", ())


def bibliography_notes(publications: tuple[Publication, ...]) -> tuple[str, ...]:
    return getattr(publications, "notes", ())


def entry_keywords(fields: dict[str, str]) -> tuple[str, ...]:
    """The entry's `keywords` (comma- or semicolon-separated, as exporters write them), lower
    case, in order, without empties or repeats."""
    words = (w.strip().lower() for w in re.split(r"[,;]", fields.get("keywords", "")))
    return tuple(dict.fromkeys(w for w in words if w))


def excluded_by_keyword(fields: dict[str, str], exclude: Iterable[str]) -> str:
    """The first of `exclude` the entry's keywords hold ('' if none): such an entry is never
    printed (bibliography.exclude_keywords)."""
    mine = set(entry_keywords(fields))
    return next((word for word in exclude if word.strip().lower() in mine), "")


def load_publications(
    spec: Bibliography, content_dir: Path, allow_outside: bool | None = None
) -> Publications:
    """All entries of the bibliography's files, checked and categorised, newest first.

    Problems that could let TeX run code (a TeX command outside the safe set, an `execute`
    field, a field name that is not a word) stop the build. An entry that merely cannot be
    printed (no title, no year, a syntax error, a character no font has) is skipped with a
    warning naming it, so a downloaded .bib builds as it is."""
    # inside the content folder, regular files
    paths, problems = bib_paths(spec, content_dir, allow_outside)
    if problems:
        return _read_publications(spec, content_dir, paths, problems)
    place, key = _cache_key(spec, content_dir, paths)
    cached = cache.remembered(place, key) if key else None
    if isinstance(cached, Publications) and all(isinstance(p, Publication) for p in cached):
        return cached
    publications = _read_publications(spec, content_dir, paths, [])
    if key:
        cache.remember(place, key, publications)
    return publications


def _cache_key(spec: Bibliography, content_dir: Path, paths: list[Path]) -> tuple[str, str]:
    """Where the publications of these files are kept in the cache, and what they are made of:
    cvbuild's code, the bibliography settings and the bytes of each file ('' when a file
    cannot be read: then it is read for real, and says what is wrong)."""
    place = "\0".join(["publications", str(content_dir.resolve()), *map(str, paths)])
    digest = hashlib.sha256(cache.code_digest().encode())
    digest.update(spec.model_dump_json().encode())
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            return place, ""
        digest.update(f"\0{path}\0{len(data)}\0".encode() + hashlib.sha256(data).digest())
    return place, digest.hexdigest()


def _read_publications(
    spec: Bibliography, content_dir: Path, paths: list[Path], problems: list[Problem]
) -> Publications:
    warnings: list[Problem] = []
    publications: list[Publication] = []
    seen: dict[str, tuple[str, Path, int]] = {}  # folded key -> (key, file, line)
    owners = [_parse_name(n) for n in spec.owner_names]
    entries: list[tuple[str, str, dict[str, str], Path, int]] = []
    for path in paths:
        text, decode_problems = _read_bib(path)
        problems += decode_problems
        if text is None:
            continue
        library = _bibtexparser().parse_string(text)
        library_warnings, repaired = _library_problems(library, path)
        warnings += library_warnings
        raw_entries = [(e, _fields(e)) for e in library.entries] + repaired
        for entry, fields in sorted(raw_entries, key=lambda item: _line(item[0]) or 0):
            line = _line(entry) or 1
            if not entry.key.strip():
                title = _to_text(fields.get("title", ""))[:60]
                warnings.append(
                    Problem(
                        f"entry '{title}' skipped: it has no key; write one after the '{{', "
                        "e.g. @article{lovelace1843,",
                        path,
                        line,
                    )
                )
                continue
            folded = entry.key.casefold()
            if folded in seen:
                key, where, at = seen[folded]
                same = "" if key == entry.key else f" (differs only in case from '{key}')"
                warnings.append(
                    Problem(
                        f"entry skipped: duplicate key '{entry.key}'{same}, the first is at "
                        f"{where.name}:{at}; give each entry its own key",
                        path,
                        line,
                    )
                )
                continue
            seen[folded] = (entry.key, path, line)
            entries.append((entry.key, entry.entry_type, fields, path, line))
    known = {key: fields for key, _, fields, _, _ in entries}
    parents = _crossref_parents(known)
    exclude = getattr(spec, "exclude_keywords", [])
    excluded: dict[str, int] = {}  # keyword -> entries it kept out
    for key, entry_type, fields, path, line in entries:
        if entry_type.lower() == "xdata":  # data for the entries naming it in `xdata`
            problems += [
                Problem(message, path, line, field=f"{key}.{name}")
                for name, message, fatal in _field_problems(fields, set(known))
                if fatal
            ]
            continue
        errors, skips, publication = _publication(
            key, entry_type, fields, path, line, spec, owners, known
        )
        problems += errors
        if errors:
            continue
        keyword = excluded_by_keyword(fields, exclude)
        if keyword:
            excluded[keyword] = excluded.get(keyword, 0) + 1
            continue
        if skips:
            warnings += skips
            continue
        if publication is None:
            continue
        if key in parents and not publication.owner_positions:
            warnings.append(
                Problem(
                    f"not printed: the volume that {', '.join(parents[key])} cite(s) with "
                    "crossref (its data is printed with them)",
                    path,
                    line,
                    field=key,
                )
            )
            continue
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
    warnings += owner_warnings(publications, owners)
    notes = []
    if excluded:
        total = sum(excluded.values())
        counts = ", ".join(f"{word} {count}" for word, count in excluded.items())
        entries_word = "entry" if total == 1 else "entries"
        notes.append(
            f"{total} {entries_word} not printed by bibliography.exclude_keywords ({counts})"
        )
    newest_first = sorted(publications, key=lambda p: p.sort_key, reverse=True)
    return make_publications(newest_first, warnings, notes)


def _crossref_parents(known: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Each entry that others name in `crossref`, with the keys of those children."""
    parents: dict[str, list[str]] = {}
    for key, fields in known.items():
        parent = fields.get("crossref", "")
        if parent in known:
            parents.setdefault(parent, []).append(key)
    return parents


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


def safe_key(key: str) -> str:
    """The key written for biber: the key itself when plain, else a stable ASCII stand-in
    (Cyrillic or `$` keys from Mendeley and JabRef; keys never reach the .tex either way)."""
    if KEY_PATTERN.fullmatch(key):
        return key
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_:./+-]+", "-", ascii_key).strip("-")
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    return f"{stem}-{digest}" if stem else f"key-{digest}"


def _line(block: bibtexparser.model.Block) -> int | None:
    """The 1-based line a block starts on (bibtexparser counts from 0; None when unknown)."""
    return None if block.start_line is None else block.start_line + 1


def _unwrap(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] + value[-1] in ("{}", '""'):
        return value[1:-1].strip()
    return value


def _library_problems(
    library: bibtexparser.library.Library, path: Path
) -> tuple[list[Problem], list[tuple[bibtexparser.model.Entry, dict[str, str]]]]:
    """Warnings for the blocks bibtexparser could not take as they are, and the entries that
    repeat a field, repaired (the first value kept, as BibTeX does)."""
    from bibtexparser.model import (
        DuplicateBlockKeyBlock,
        DuplicateFieldKeyBlock,
        Entry,
        ParsingFailedBlock,
    )

    warnings = []
    repaired = []
    for block in library.failed_blocks:
        line = _line(block)
        if isinstance(block, DuplicateBlockKeyBlock):
            warnings.append(
                Problem(
                    f"entry skipped: duplicate key '{block.key}'; give each entry its own key",
                    path,
                    line,
                )
            )
        elif isinstance(block, DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            if not isinstance(entry, Entry):
                continue
            names = ", ".join(sorted(block.duplicate_keys))
            warnings.append(
                Problem(
                    f"repeats field(s) {names}; the first value is used (delete the others)",
                    path,
                    line,
                    field=entry.key,
                )
            )
            fields: dict[str, str] = {}
            for item in entry.fields:
                fields.setdefault(item.key.lower(), _unwrap(str(item.value)))
            repaired.append((entry, _clean_fields(fields)))
        elif isinstance(block, ParsingFailedBlock):
            raw = (block.raw or "").strip()
            first = raw.splitlines()[0][:60] if raw else ""
            reason = (str(block.error).strip().splitlines() or ["syntax error"])[-1].strip()
            warnings.append(
                Problem(
                    f"entry skipped: cannot parse the entry starting '{first}': {reason} "
                    "(a missing comma between fields, or an unclosed brace?)",
                    path,
                    line,
                )
            )
    for preamble in library.preambles:
        warnings.append(
            Problem("@preamble ignored (cvbuild never passes TeX code on)", path, _line(preamble))
        )
    return warnings, repaired


def _publication(
    key: str,
    entry_type: str,
    fields: dict[str, str],
    path: Path,
    line: int,
    spec: Bibliography,
    owners: list[Name],
    known: dict[str, dict[str, str]] | None = None,
) -> tuple[list[Problem], list[Problem], Publication | None]:
    """(errors, reasons to skip the entry, the publication)."""
    entry_type = _TYPE_ALIASES.get(entry_type.lower(), entry_type.lower())
    known = known or {}
    errors: list[Problem] = []
    skips: list[Problem] = []
    for name, message, fatal in _field_problems(fields, set(known)):
        text = message if fatal else f"{message} (the entry is not printed)"
        problem = Problem(text, path, line, field=f"{key}.{name}")
        (errors if fatal else skips).append(problem)
    own = set(fields)
    fields = _inherit(fields, known, entry_type)
    for name, message, fatal in _field_problems(
        {k: v for k, v in fields.items() if k not in own and "xdata" in own}, set(known)
    ):  # what @xdata passed on could still stop TeX (what could run code stops at its source)
        if not fatal:
            text = f"{message}, from xdata (the entry is not printed)"
            skips.append(Problem(text, path, line, field=f"{key}.{name}"))
    entry_type, fields = _arxiv_and_article_numbers(entry_type, fields)
    if not _ENTRY_TYPE.fullmatch(entry_type):
        errors.append(
            Problem(f"entry type @{entry_type} is not a word (e.g. @article)", path, line)
        )
    override = spec.overrides.get(key)
    people = "author"
    if not fields.get("author") and fields.get("editor") and entry_type in _EDITED_TYPES:
        people = "editor"
    missing = [] if fields.get(people) or entry_type in _AUTHORLESS_TYPES else ["author"]
    if not fields.get("title"):
        missing.append("title")
    if not (fields.get("year") or fields.get("date")):
        missing.append("year")
    venues = _VENUE_FIELDS.get(entry_type, ())
    if venues and not any(fields.get(v) for v in venues):
        missing.append(" or ".join(venues))
    if missing:
        skips.append(
            Problem(
                f"@{entry_type} lacks {', '.join(missing)}, so it is not printed; add "
                f"{'it' if len(missing) == 1 else 'them'}, or set "
                f"bibliography.overrides.{key}.exclude: true to silence this",
                path,
                line,
                field=key,
            )
        )
    category = (override.category if override else None) or (
        "proceedings" if override and override.published_at else _category(entry_type, fields)
    )
    year, month, day, date_problem = _date(fields)
    if date_problem and "year" not in missing:
        name = "date" if fields.get("date") else ("month" if "month" in date_problem else "year")
        text = f"{date_problem} (the entry is not printed)"
        skips.append(Problem(text, path, line, field=f"{key}.{name}"))
    if override is not None and getattr(override, "exclude", False):
        return errors, [], None
    if errors or skips:
        return errors, skips, None
    authors = tuple(_parse_name(n) for n in split_names(fields.get(people, "")))
    highlight = (
        override.highlight_owner if override and override.highlight_owner is not None else True
    )
    positions = (
        tuple(i for i, a in enumerate(authors, 1) if any(same_person(a, o) for o in owners))
        if highlight
        else ()
    )
    keywords = set(entry_keywords(fields))
    selected = (
        override.selected if override and override.selected is not None else "selected" in keywords
    )
    return (
        [],
        [],
        Publication(
            key=key,
            entry_type=entry_type,
            category=category,
            fields=_links(
                {k: v for k, v in fields.items() if k in PRINTED_FIELDS},
                getattr(spec, "links", "doi"),
            ),
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
            owner_field=people,
            bib_key=safe_key(key),
            published_at=(override.published_at or "") if override else "",
            note=(override.note or "") if override else "",
            keywords=entry_keywords(fields),
            peer_reviewed=override.peer_reviewed if override else None,
            open_access=override.open_access if override else None,
            involvement=(override.involvement or "") if override else "",
            significance=(override.significance or "") if override else "",
        ),
    )


# Categories whose entries are peer-reviewed unless the entry says otherwise (funders such as
# the DFG list these in category A); preprints, reports, theses, software, data and patents
# are not. A `pubstate` such as "submitted" means not (yet) reviewed.
PEER_REVIEWED_CATEGORIES = frozenset({"journal", "proceedings", "chapter", "book"})
# Publication states (cvbuild.kinds.publications.entry_state) of work not (yet) reviewed.
_NOT_YET_REVIEWED = frozenset({"submitted", "inpreparation", "prepublished"})


def peer_reviewed_by_default(category: str, fields: dict[str, str]) -> bool:
    """Journal articles, proceedings, chapters and books are peer-reviewed unless their pubstate
    says they are not yet ('submitted', 'under review', 'in preparation', 'preprint')."""
    from cvbuild.kinds.publications import entry_state  # (the kinds import this module's models)

    if category not in PEER_REVIEWED_CATEGORIES:
        return False
    return entry_state(fields.get("pubstate", "")) not in _NOT_YET_REVIEWED


_TYPE_ALIASES = {"conference": "inproceedings", "electronic": "online", "www": "online"}


def _fields(entry: bibtexparser.model.Entry) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in entry.fields:
        fields.setdefault(item.key.lower(), str(item.value).strip())
    return _clean_fields(fields)


def _clean_fields(fields: dict[str, str]) -> dict[str, str]:
    """Printed fields with exporters' TeX translated (cvbuild.texmacros), names tidied, links in
    canonical form and exporter notes dropped; other fields as they are (never printed)."""
    out = dict(fields)
    for name, value in fields.items():
        if name in URL_FIELDS or name == "code":
            out[name] = _clean_link(name, value)
        elif name in PRINTED_FIELDS or name in NAME_FIELDS or name in CVBUILD_FIELDS:
            text = clean(value, ligatures=name not in ("pages", "year", "date"))
            if name in NAME_FIELDS:
                text = _clean_names(text)
            if name == "note":
                text = _clean_note(text)
            if name == "year":
                text = _clean_year(text)
            out[name] = text
    if not out.get("note"):
        out.pop("note", None)
    return out


_OTHER_LINKS = ("url", "eprint", "eprinttype", "archiveprefix", "eprintclass", "primaryclass")


def _links(fields: dict[str, str], links: str) -> dict[str, str]:
    """With `links: doi` (the default), an entry with a DOI keeps only that link: a URL and an
    arXiv id beside it lead to the same paper and make three links of one."""
    if links != "doi" or not fields.get("doi"):
        return fields
    return {k: v for k, v in fields.items() if k not in _OTHER_LINKS}


def _clean_link(name: str, value: str) -> str:
    r"""Escapes exporters put into links (`\_`, `{\_}`, `$\sim$`) removed; a DOI without its
    resolver prefix (`https://doi.org/10.1/x` → `10.1/x`), so that it is printed as one link."""
    text = re.sub(r"\{\\(.)\}|\\([_%&#~$])", lambda m: m[1] or m[2], value)
    text = text.replace("$\\sim$", "~").strip()
    if name == "doi":
        text = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", text, flags=re.I)
    return text


def _clean_names(value: str) -> str:
    r"""`and et al.` (NASA ADS) as BibTeX's `and others`; a self-bolded `\textbf{Name}` and
    hyphenation hints (`Fing\-scheidt`) as plain names (cvbuild sets the owner in bold)."""
    text = re.sub(r"\s+and\s+\{?et\.?\s*al\.?\}?\s*$", " and others", value, flags=re.I)
    text = re.sub(r"\\textbf\s*\{((?:[^{}]|\{[^{}]*\})*)\}", r"\1", text)
    return text.replace("\\-", "")


# Lines Zotero writes into `note` from its "Extra" field: never meant for print.
_EXPORTER_NOTE = re.compile(
    r"^\s*(Publisher|Place|Type|Number|Medium|Genre|PMID|PMCID|ISBN|ISSN|DOI|Citation Key|"
    r"arXiv|tex\.[\w-]+|_eprint|original-date|Library Catalog|Event Place)\s*:.*$",
    re.I,
)


def _clean_note(value: str) -> str:
    lines = [line for line in value.splitlines() if not _EXPORTER_NOTE.match(line)]
    return "\n".join(lines).strip()


def _clean_year(value: str) -> str:
    """`1991,`, `2006. -- 1102 с.` (JabRef), `{2020}`: the four-digit year they start with."""
    match = re.match(r"\s*\{?(\d{4})\}?(?:[\s.,;:]|$)", value)
    return match[1] if match else value


# Fields a crossref'd parent does not pass on as they are (biblatex's default inheritance).
_NOT_INHERITED = frozenset(["crossref", "xref", "ids", "keywords", "title", "subtitle",
                            "shorttitle", "award", "code", *UNPRINTED_FIELDS])  # fmt: skip


def _xdata_keys(value: str) -> list[str]:
    return [k.strip() for k in value.split(",") if k.strip()]


def _with_xdata(
    fields: dict[str, str], known: dict[str, dict[str, str]], seen: frozenset[str] = frozenset()
) -> dict[str, str]:
    """The entry with the fields of its `xdata` entries filled in, as biber does (every field,
    the entry's own first; @xdata may name further @xdata; a cycle stops)."""
    merged = {k: v for k, v in fields.items() if k != "xdata"}
    for target in _xdata_keys(fields.get("xdata", "")):
        if target in seen or target not in known:
            continue
        for name, value in _with_xdata(known[target], known, seen | {target}).items():
            merged.setdefault(name, value)
    return merged


def _bare_page(text: str) -> str:
    return re.sub(r"\s+|^p+\.\s*", "", text.strip().lower())


_ARXIV_ID = r"\s*(?:arXiv:\s*)?(\S+?)\s*"
_ARXIV_JOURNAL = re.compile(r"\s*arXiv\s+preprint\s+arXiv:" + _ARXIV_ID, re.I)
_ARXIV_IN_FIELD = re.compile(r"\s*arXiv:\s*(\S+?)\s*", re.I)
_ARXIV_LINK = re.compile(r"\s*https?://(www\.)?(arxiv\.org/(abs|pdf)/|doi\.org/10\.48550/)", re.I)
# A single "page" that is an article number: 6 digits or more, or letters then digits
# (00220345221106086, e0130140, dyac078, A66).
_ARTICLE_NUMBER = re.compile(r"\s*(\d{6,}|[A-Za-z]+\d+)\s*")


def _arxiv_and_article_numbers(
    entry_type: str, fields: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """What exporters write, as what it is, for every writer. An arXiv paper arrives as a journal
    article in several disguises (Google Scholar's journal "arXiv preprint arXiv:ID", DBLP's
    journal "CoRR" with volume "abs/ID", ADS's "arXiv e-prints" with eid or pages "arXiv:ID"):
    each becomes an eprint (printed "arXiv: ID") of a @misc without a journal, and a URL or DOI
    that only repeats the arXiv number is dropped. An article number written as `pages` moves
    to `eid` (printed "Art. N"); `pages` that only repeat `eid` (NASA ADS writes both for
    one-page article numbers) are dropped, so that it is not printed as "145, p. 145"."""
    out = dict(fields)
    if out.get("pages") and out.get("eid") and _bare_page(out["pages"]) == _bare_page(out["eid"]):
        out.pop("pages")
    journal = out.get("journal", "")
    arxiv = ""
    if match := _ARXIV_JOURNAL.fullmatch(journal):
        arxiv = match[1]
    elif re.fullmatch(r"\s*CoRR\s*", journal) and (
        match := re.fullmatch(r"\s*abs/(\S+?)\s*", out.get("volume", ""))
    ):
        arxiv = match[1]
        out.pop("volume")
    if arxiv or re.fullmatch(r"\s*arXiv\s+e-prints\s*", journal, re.I):
        out.pop("journal", None)
        entry_type = "misc" if entry_type == "article" else entry_type
    for name in ("eid", "pages"):
        if match := _ARXIV_IN_FIELD.fullmatch(out.get(name, "")):
            arxiv = arxiv or match[1]
            out.pop(name)
    if arxiv and not out.get("eprint"):
        out["eprint"], out["eprinttype"] = arxiv, "arxiv"
    if (match := _ARTICLE_NUMBER.fullmatch(out.get("pages", ""))) and not out.get("eid"):
        out["eid"] = match[1]
        out.pop("pages")
    is_arxiv = "arxiv" in (out.get("eprinttype", "") + out.get("archiveprefix", "")).lower()
    if is_arxiv and _ARXIV_LINK.match(out.get("url", "")):
        out.pop("url")
    if is_arxiv and out.get("doi", "").startswith("10.48550/"):
        out.pop("doi")
    return entry_type, out


def _inherit(
    fields: dict[str, str], known: dict[str, dict[str, str]], entry_type: str
) -> dict[str, str]:
    """The entry with the fields of its `xdata` entries and its `crossref` parent filled in
    (the parent's title becomes the booktitle), and without `crossref`/`xref`/`xdata`: cvbuild
    writes only the entries it prints, so biber could not follow the reference itself."""
    fields = _with_xdata(fields, known)
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


def _category(entry_type: str, fields: dict[str, str]) -> PublicationCategory:
    """The list an entry belongs to by default: its type, corrected by what real exports do
    (a preprint server as journal, arXiv ids on published papers, patents stored as @misc)."""
    venue = fields.get("journal") or fields.get("journaltitle") or ""
    unpublished = bool(_UNPUBLISHED_STATE.search(fields.get("pubstate", "")))
    if _PREPRINT_VENUE.search(venue) or unpublished:
        return "preprint"
    if entry_type == "misc":
        names = ("publisher", "note", "howpublished", "type", "url", "organization")
        hints = " ".join(fields.get(n, "") for n in names)
        if _PATENT_HINT.search(hints + " " + venue) or _PATENT_TITLE.search(fields["title"]):
            return "patent"
        if fields.get("eprint") or fields.get("archiveprefix") or fields.get("eprinttype"):
            return "preprint"
        if fields.get("howpublished") and not fields.get("pubstate"):
            return "other"
    if entry_type in ("article", "inproceedings", "incollection") and fields.get("eprint"):
        # A published paper that also names its arXiv version stays where it was published.
        has_venue = bool(venue or fields.get("booktitle"))
        return _TYPE_CATEGORY[entry_type] if has_venue else "preprint"
    return _TYPE_CATEGORY.get(entry_type, "other")


def _date(fields: dict[str, str]) -> tuple[int, int, int, str]:
    """(year, month, day, problem): cvbuild writes the date for biber itself, so any form it
    can read is fine; `date` may be YYYY, YYYY-MM, YYYY-MM-DD (00 for an unknown part, a
    range's start, an ISO time after it are allowed); `year` starts with four digits; `month`
    is 1-12 or a month's name."""
    name = "date" if fields.get("date") else "year"
    raw = fields.get(name, "").strip()
    pattern = (
        r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?(?:/.*)?"
        if name == "date"
        else r"(\d{4})()()"
    )
    match = re.fullmatch(pattern, raw)
    if not match:
        example = "2021, 2021-03 or 2021-03-15" if name == "date" else "2021"
        return 0, 0, 0, f"{name} must be like {example}, found {raw!r}"
    year, month, day = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    if month and not 1 <= month <= 12:
        return 0, 0, 0, f"{name} {raw!r} has no month {month}"
    if month and day:
        try:
            datetime.date(year, month, day)
        except ValueError:
            return 0, 0, 0, f"{name} {raw!r} is not a day of the calendar"
    day = day if month else 0
    if not month and fields.get("month"):
        text = re.sub(r"[^a-z0-9]+.*$", "", fields["month"].strip().lower())
        month = int(text) if text.isdigit() else _MONTH_NAMES.get(text, 0)
        if not 1 <= month <= 12:
            text = fields["month"].strip()
            return 0, 0, 0, f"month must be 1-12 or a month's name (jan, February), found {text!r}"
    return year, month, day, ""


def _field_problems(fields: dict[str, str], keys: set[str]) -> Iterable[tuple[str, str, bool]]:
    """(field, message, fatal): fatal problems could make TeX run code and stop the build; the
    others only make the entry unprintable, so it is skipped with a warning."""
    for name, value in fields.items():
        if not _FIELD_NAME.fullmatch(name):
            message = (
                "field name may hold only letters, digits, '_' and '-' (starting with a "
                "letter); rename or delete the field"
            )
            yield name, message, True
            continue
        if name in REFUSED_FIELDS:
            yield name, REFUSED_FIELDS[name], True
            continue
        if name in ("crossref", "xref"):
            if value not in keys:
                yield name, f"names '{value}', which is no entry of the .bib files", False
            continue
        if name == "xdata":
            for target in _xdata_keys(value):
                if target not in keys:
                    message = (
                        f"names '{target}', which is no entry of the .bib files (write the key "
                        "of an @xdata entry, or delete the field)"
                    )
                    yield name, message, False
            continue
        if name not in PRINTED_FIELDS and name not in NAME_FIELDS and name not in CVBUILD_FIELDS:
            continue  # never passed on to TeX
        if len(value) > MAX_FIELD_LENGTH and name not in NAME_FIELDS:  # biber splits names
            message = (
                f"{len(value):,} characters; TeX takes at most {MAX_FIELD_LENGTH:,} per field "
                "(shorten it, or move the text to 'abstract', which is not printed)"
            )
            yield name, message, False
            continue
        if name in URL_FIELDS or name == "code":
            continue  # written percent-encoded (cvbuild.escape.uri): any character is safe
        if name in NAME_FIELDS:
            for person in split_names(value):
                if len(_top_level_commas(person)) > 3 and "=" not in person:
                    yield (
                        name,
                        f"name '{person}' has too many commas (biber stops on it); write "
                        "'Family, Given' or 'Family, Jr, Given', and ' and ' between names",
                        False,
                    )
        if "^^" in value:
            yield name, "'^^' character codes are not allowed", True
        bad = sorted({description for _, description in unprintable(value)})
        if bad:
            shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
            yield name, f"no font cvbuild uses has the character(s) {shown}", False
        unsafe = commands(value, SAFE_MACROS)
        if unsafe:
            listed = ", ".join("\\" + m for m in unsafe)
            yield (
                name,
                f"TeX command(s) {listed} not allowed: write the text itself in Unicode "
                "(e.g. é, α, ≤), math as $...$ with common symbols, or delete the command",
                True,
            )
        if _brace_depth_broken(value):
            yield name, "unbalanced braces", False
        if len(re.findall(r"(?<!\\)\$", value)) % 2:
            yield name, "unbalanced '$' (math); write \\$ for a dollar sign", False


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


@functools.cache
def _latex_text() -> LatexNodes2Text:
    """pylatexenc's converter, made when a TeX text is first read as plain text."""
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


# Anything pylatexenc would change: markup, ligatures (-- ``), line breaks. A value without any
# (most names) comes out as it went in, and pylatexenc costs a millisecond per call.
_LATEX_TEXT = re.compile(r"[\\{}$%~&#^_`'\n\r\t]|--|!`|\?`|,,|<<|>>")


@functools.lru_cache(maxsize=1 << 16)
def _to_text(value: str) -> str:
    """Plain text of a LaTeX value (names repeat across a list: cached)."""
    if not _LATEX_TEXT.search(value):
        return value.strip()
    text: str = _latex_text().latex_to_text(value)
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
    """A BibTeX name as (family, given): `Family, Given`, `Given Family` (lower-case particles
    such as "de", "van der" stay with the family), Better BibTeX's `family=..., given=...` form,
    or a `{Corporate Author}` kept whole."""
    text = raw.strip()
    if text.startswith("{") and text.endswith("}") and not _brace_depth_broken(text[1:-1]):
        return Name(_to_text(text[1:-1]), "")  # a corporate author, kept whole
    if re.match(r"\s*(family|given|prefix|suffix)\s*=", text):
        named = {
            k.strip().lower(): _to_text(v.strip())
            for k, _, v in (p.partition("=") for p in _top_level_commas(text))
        }
        family = " ".join(x for x in (named.get("prefix", ""), named.get("family", "")) if x)
        return Name(family, named.get("given", ""))
    if "," in text:
        family, _, given = text.partition(",")
        given = given.split(",")[-1] if given.count(",") else given  # "von Last, Jr, First"
        return Name(_to_text(family), _to_text(given))
    parts = text.split()
    if not parts:
        return Name("", "")
    start = len(parts) - 1
    for index, part in enumerate(parts[:-1]):
        if part[:1].islower():  # the first particle starts the family name
            start = index
            break
    return Name(_to_text(" ".join(parts[start:])), _to_text(" ".join(parts[:start])))


def _top_level_commas(text: str) -> list[str]:
    """`text` split at the commas outside braces."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


_SPECIAL_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe",
                               "ı": "i", "ð": "d", "þ": "th"})  # fmt: skip


@functools.lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    """Lower case, no accents, braces, hyphens or punctuation: letters of any script stay
    (Cyrillic and Greek names compare as themselves)."""
    text = text.replace("{", "").replace("}", "").replace("\\-", "").replace("\u00ad", "").lower()
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\W_\d]+", " ", text).strip()


def _family_core(family: str) -> str:
    """The family name without its lower-case particles ("van der Walt" → "walt")."""
    words = family.split()
    kept = [w for w in words if not w[:1].islower()] or words
    return _fold(" ".join(kept))


def same_person(candidate: Name, owner: Name) -> bool:
    """True if `candidate` is a form of `owner`: same family name (ignoring case, accents,
    braces, particles) and compatible given names ('S.', 'S', 'Sebastian' all fit 'Sebastian');
    or, for compound names that exporters split differently ("Valdez, André Calero" for
    "Calero Valdez, André"), the same full words."""
    if not owner.given:
        return False
    if not candidate.given:  # Zotero's `{Botha Hugo}`: a person written as one braced name
        words, family = _fold(candidate.family).split(), _family_core(owner.family).split()
        if not family or len(words) > len(family) + 3:
            return False
        if words[: len(family)] == family:
            rest = words[len(family) :]
        elif words[-len(family) :] == family:
            rest = words[: -len(family)]
        else:
            return False
        return bool(rest) and same_person(Name(owner.family, " ".join(rest)), owner)
    mine, theirs = _fold(candidate.given).split(), _fold(owner.given).split()
    if not mine or not theirs:
        return False
    if _family_core(candidate.family) == _family_core(owner.family) and _family_core(owner.family):
        first_mine, first_theirs = mine[0], theirs[0]
        if len(first_mine) > 1 and len(first_theirs) > 1:
            return first_mine == first_theirs
        return first_mine[0] == first_theirs[0]
    words_mine = sorted(_fold(candidate.family).split() + mine)
    words_theirs = sorted(_fold(owner.family).split() + theirs)
    return len(words_theirs) >= 3 and words_mine == words_theirs


def owner_warnings(publications: Iterable[Publication], owners: list[Name]) -> list[Problem]:
    """Names that look like the owner's but match none of `owner_names` (a typo, a missed
    accent, another transliteration): one warning per name form, naming its first entry."""
    if not owners:
        return []
    found: dict[str, Problem] = {}
    checked: set[str] = set()  # each name form once: a long list repeats its co-authors
    for publication in publications:
        for position, author in enumerate(publication.authors, 1):
            if position in publication.owner_positions or not author.given:
                continue
            label = f"{author.family}, {author.given}"
            if label in checked:
                continue
            checked.add(label)
            for owner in owners:
                if _near(author, owner):
                    found[label] = Problem(
                        f"'{label}' looks like the owner's name but matches none of "
                        "bibliography.owner_names; if it is you, add it there (it is not "
                        "printed in bold)",
                        publication.file,
                        publication.line,
                        field=publication.key,
                    )
                    break
    return list(found.values())


def _near(candidate: Name, owner: Name) -> bool:
    if _fold(candidate.given)[:1] != _fold(owner.given)[:1]:  # the cheap test first
        return False
    family, target = _family_core(candidate.family), _family_core(owner.family)
    if not family or not target:
        return False
    if family == target:
        return not same_person(candidate, owner)
    matcher = difflib.SequenceMatcher(None, family, target)  # ratio() only when it can reach 0.8
    return (
        matcher.real_quick_ratio() >= 0.8
        and matcher.quick_ratio() >= 0.8
        and matcher.ratio() >= 0.8
    )


def owner_summary(publications: tuple[Publication, ...]) -> str:
    """'owner in bold in 12 of 14 entries': how many printed entries name the owner."""
    bold = sum(1 for p in publications if p.owner_positions)
    return f"owner in bold in {bold} of {len(publications)} entries"


def shorten_authors(publication: Publication, max_authors: int) -> Publication:
    """The entry with at most `max_authors` authors, then "et al." (BibTeX's `others`) and the
    number of authors; an owner further down the list stays visible: the first N-1 authors,
    "…", the owner."""
    people = publication.owner_field
    names = split_names(publication.fields.get(people, ""))
    known_count = True
    if names and names[-1].strip().lower() == "others":
        names = names[:-1]
        known_count = False  # "and others": how many there are is not known
    if len(names) <= max_authors:
        return publication
    owners = [i for i in publication.owner_positions if i <= len(names)]
    late = [i for i in owners if i > max_authors]
    keep = [*range(1, max_authors), late[0]] if late else list(range(1, max_authors + 1))
    shown: list[str] = []
    positions: list[int] = []
    previous = 0
    for index in keep:
        if index != previous + 1:
            shown.append("{…}")
        shown.append(names[index - 1])
        if index in owners:
            positions.append(len(shown))
        previous = index
    shown.append("others")
    fields = {**publication.fields, people: " and ".join(shown)}
    return dataclasses.replace(
        publication,
        fields=fields,
        authors=tuple(_parse_name(n) for n in shown),
        owner_positions=tuple(positions),
        author_count=len(names) if known_count else 0,
    )


def count_by_category(publications: Iterable[Publication]) -> dict[str, int]:
    """Entries per category: the four classic lists always, the others when they have any."""
    counts: dict[str, int] = dict.fromkeys(CATEGORIES[:4], 0)
    for publication in publications:
        counts[publication.category] = counts.get(publication.category, 0) + 1
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
