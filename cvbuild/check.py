"""Stage 5: read the finished PDF back and hold it against the variant's rules."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from cvbuild import document as doc
from cvbuild.select import Selection


@dataclass(frozen=True)
class PdfReport:
    pages: int
    problems: tuple[str, ...]  # broken rules, each a full sentence


def check_pdf(pdf: Path, pages: int, selection: Selection) -> PdfReport:
    """`pages` as pdfTeX reported writing them; the text is read from the PDF only when the
    budget is exceeded (to say which sections take the space)."""
    problems = []
    budget = selection.variant.page_budget
    if budget is not None and pages > budget:
        from pypdf import PdfReader  # imported here: most builds never need it

        reader = PdfReader(pdf)
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        shares = section_shares(text, [s.title for s in selection.cv.sections])
        largest = ", ".join(f"{title} {share:.0%}" for title, share in shares[:3])
        problems.append(
            f"{selection.variant_name}: {pages} pages, budget {budget}. "
            f"Largest sections: {largest} of the text."
        )
    return PdfReport(pages, tuple(problems))


def section_shares(text: str, titles: list[str]) -> list[tuple[str, float]]:
    """Each section's share of the PDF's text, largest first (titles found in order)."""
    squashed = re.sub(r"\s+", "", text)
    starts = []
    position = 0
    for title in titles:
        found = squashed.find(re.sub(r"\s+", "", title), position)
        if found >= 0:
            starts.append((title, found))
            position = found
    shares = []
    for index, (title, start) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else len(squashed)
        shares.append((title, (end - start) / max(len(squashed), 1)))
    return sorted(shares, key=lambda item: item[1], reverse=True)


# --------------------------------------------------------------------------- layout

# A page before the last that is less full than this is reported (a rule may force it, e.g. a
# table that does not fit; the warning lets the author look).
MIN_FILL = 0.8


@dataclass(frozen=True)
class Line:
    page: int
    top: float  # distance from the page's top edge, pt
    text: str


def layout_warnings(
    pdf: Path,
    headings: list[str],
    margin_pt: float,
    bottom_pt: float | None = None,
    *,
    memory: Path | None = None,
    pages_written: int = 0,
) -> list[str]:
    """Read the PDF back and name layout defects a reader would see: a heading as the last line
    of a page (its first entry on the next), a page before the last that is nearly empty, a
    line running into the left or right margin, text printed over other text.
    `headings` are the section, group and publication-list titles as printed. With a
    `memory` file (in the build dir) and the number of pages TeX wrote, pages the last build
    drew alike are not read again (see `read_pages_remembered`)."""
    bottom = margin_pt if bottom_pt is None else bottom_pt
    if memory is None:
        pages = read_pages(pdf, bottom)
    else:
        pages = read_pages_remembered(pdf, bottom, pages_written, memory)
    return page_warnings([p.lines for p in pages], headings, margin_pt, bottom) + box_warnings(
        [p.boxes for p in pages], headings, margin_pt, margin_pt
    )


# --------------------------------------------------------------------------- text boxes

# Less than this (pt) into another box is invisible in print (kerning, italic corrections).
TOLERANCE = 1.0
# The boxes are the glyphs' outlines, which reach up to about 1.5 pt past the advance widths TeX
# sets (a closing quote, an italic letter): a line is reported from 2 pt over the margin.
MARGIN_TOLERANCE = 2.0


@dataclass(frozen=True)
class Box:
    """A run of text on one line as the PDF draws it, in pt from the page's top-left corner."""

    x0: float
    x1: float
    top: float
    bottom: float
    text: str


class Glyph(NamedTuple):
    """One character as drawn (its advance box), in drawing order (a tuple: a page has
    thousands)."""

    char: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Overprint:
    """Text drawn over text drawn before it on the same line."""

    top: float
    earlier: str  # the words it covers
    later: str  # the word drawn over them


@dataclass(frozen=True)
class PageBoxes:
    width: float
    height: float
    boxes: tuple[Box, ...]
    overprints: tuple[Overprint, ...] = ()


@dataclass(frozen=True)
class PageText:
    """What the layout rules need of one page, read in one pass over its characters."""

    lines: tuple[float, list[Line]]  # page height; lines of the text block, top to bottom
    boxes: PageBoxes


# What PDFium reports for a hyphen TeX added at a line break (pypdf gave "-").
_BREAK_HYPHENS = str.maketrans({"\ufffe": "-", "\x02": "-"})


def text_boxes(pdf: Path, overprinting: bool = True) -> list[PageBoxes]:
    """Every page's runs of text with their boxes (PDFium's text rectangles) and the text drawn
    over other text (see `read_pages`; `overprinting=False` skips the characters, the most of
    the time, for a reader that needs only the boxes)."""
    return [page.boxes for page in read_pages(pdf, 0.0, characters=overprinting)]


def read_pages(pdf: Path, bottom_pt: float, *, characters: bool = True) -> list[PageText]:
    """Each page's lines of text inside the text block (by the characters' baselines; the footer,
    in the bottom `bottom_pt`, left out) and its runs of text with their boxes (PDFium's text
    rectangles) and the text drawn over other text (from each character's box: PDFium joins
    such text into one rectangle; `characters=False`: boxes only, no lines or overprints).
    One library, one pass: about 15 ms a page."""
    read = _read_pages(pdf, bottom_pt, characters, None)
    return [read[index] for index in sorted(read)]


def read_pages_remembered(pdf: Path, bottom_pt: float, pages: int, memory: Path) -> list[PageText]:
    """`read_pages`, reading again only the pages whose drawing changed since the last build.

    A one-field edit changes a page or two of fourteen; the reading costs about 15 ms a page
    (most of a fast rebuild's check). A page is known by its number and the SHA-256 of its
    content stream, which holds every glyph and position it draws; `memory` keeps what the
    last build read of each page. When the PDF's content streams cannot be told apart (their
    number differs from the `pages` TeX wrote), every page is read."""
    keys = _page_keys(pdf.read_bytes(), bottom_pt)
    if keys is None or len(keys) != pages:
        memory.unlink(missing_ok=True)
        return read_pages(pdf, bottom_pt)
    known = _recall(memory)
    missing = [index for index, key in enumerate(keys) if key not in known]
    read = _read_pages(pdf, bottom_pt, True, set(missing)) if missing else {}
    if len(read) != len(missing):
        memory.unlink(missing_ok=True)
        return read_pages(pdf, bottom_pt)
    found = [read[index] if index in read else known[key] for index, key in enumerate(keys)]
    _remember(memory, dict(zip(keys, found, strict=True)))
    return found


def _read_pages(
    pdf: Path, bottom_pt: float, characters: bool, wanted: set[int] | None
) -> dict[int, PageText]:
    """The pages numbered (from 0) in `wanted` (all when None), read as `read_pages` says."""
    import ctypes

    import pypdfium2  # imported here: only builds that check the layout need it
    import pypdfium2.raw as pdfium

    origin_x, origin_y, box = ctypes.c_double(), ctypes.c_double(), pdfium.FS_RECTF()
    x_ref, y_ref, box_ref = ctypes.byref(origin_x), ctypes.byref(origin_y), ctypes.byref(box)
    loose_box, origin = pdfium.FPDFText_GetLooseCharBox, pdfium.FPDFText_GetCharOrigin
    pages = {}
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            if wanted is not None and index not in wanted:
                continue
            page = document[index]
            width, height = page.get_size()
            text = page.get_textpage()
            boxes = []
            for number in range(text.count_rects()):
                left, low, right, high = text.get_rect(number)
                shown = " ".join(text.get_text_bounded(left, low, right, high).split())
                if shown:
                    boxes.append(Box(left, right, height - high, height - low, shown))
            glyphs = []
            placed = []  # (baseline from the top, x, character) of each character drawn
            handle = text.raw  # raw calls: a page has thousands of characters
            for number, char in enumerate(text.get_text_range() if characters else ""):
                loose_box(handle, number, box_ref)
                glyphs.append(
                    Glyph(char, box.left, box.right, height - box.top, height - box.bottom)
                )
                if char not in "\r\n" and origin(handle, number, x_ref, y_ref):
                    placed.append((round(height - origin_y.value, 1), origin_x.value, char))
            lines = _lines(placed, index + 1, height - bottom_pt + 2)
            page_boxes = PageBoxes(width, height, tuple(boxes), tuple(overprints(glyphs)))
            pages[index] = PageText((height, lines), page_boxes)
    finally:
        document.close()
    return pages


# The end of a compressed stream's dictionary: its length and filter, in pdfTeX's order or in
# LuaTeX's (the length is the first group that matched).
_LENGTH_AND_FILTER = (
    rb"(?:/Length (\d+)\s*/Filter\s*/FlateDecode|/Filter\s*/FlateDecode\s*/Length (\d+))"
    rb"\s*>>\s*stream\r?\n"
)
# A page's content stream as pdfTeX and LuaTeX write it: a dictionary of its length and filter
# only (ToUnicode maps look alike and are told apart by their text).
_PLAIN_STREAM = re.compile(rb"\d+ 0 obj\s*<<\s*" + _LENGTH_AND_FILTER)
# A page dictionary written plainly (LuaTeX), and the object number of its content stream.
_PAGE_CONTENTS = re.compile(
    rb"/Type\s*/Page\b(?:(?!endobj).){0,800}?/Contents\s+(\d+)\s+0\s+R", re.S
)
# A form XObject's stream: what every page may draw besides its own stream (cvbuild's "Page x
# of y" is one, written at the end of the document).
_FORM_STREAM = re.compile(
    rb"/Subtype\s*/Form(?:(?!stream|endobj).){0,600}?" + _LENGTH_AND_FILTER, re.S
)
_MEMORY_FORMAT = 2


def _page_keys(data: bytes, bottom_pt: float) -> list[str] | None:
    """Each page's key for `read_pages_remembered` (number, what the footer bound is, content
    hash, the hash of all forms the pages may draw), in the order TeX wrote the pages; None if
    a stream cannot be read."""
    import hashlib
    import zlib

    forms = hashlib.sha256()
    for match in _FORM_STREAM.finditer(data):
        start = match.end()
        try:
            forms.update(zlib.decompress(data[start : start + _length(match)]))
        except zlib.error:
            return None
    drawn_by_all = forms.hexdigest()[:16]
    keys: list[str] = []
    for match in _content_streams(data):
        start = match.end()
        try:
            drawn = zlib.decompress(data[start : start + _length(match)])
        except zlib.error:
            return None
        if drawn.lstrip().startswith((b"/CIDInit", b"%!PS-Adobe-3.0 Resource-CMap")):
            continue
        digest = hashlib.sha256(drawn).hexdigest()[:32]
        keys.append(f"{_MEMORY_FORMAT}:{len(keys)}:{bottom_pt!r}:{digest}:{drawn_by_all}")
    return keys


def _content_streams(data: bytes) -> list[re.Match[bytes]]:
    """The pages' content streams, in the order TeX wrote the pages. LuaTeX writes the page
    dictionaries plainly: their /Contents name the streams. pdfTeX puts them into compressed
    object streams: then every plain stream counts (its CID sets and font files are in object
    streams too; the ToUnicode maps are left out by the caller)."""
    plain = list(_PLAIN_STREAM.finditer(data))
    contents = _PAGE_CONTENTS.findall(data)
    if not contents:
        return plain
    by_number = {match.group(0).split(maxsplit=1)[0]: match for match in plain}
    return [by_number[number] for number in contents if number in by_number]


def _length(match: re.Match[bytes]) -> int:
    return int(match.group(1) or match.group(2))


def _recall(memory: Path) -> dict[str, PageText]:
    """What the last build read, by page key (nothing when the file is missing or damaged)."""
    import json

    try:
        stored = json.loads(memory.read_text(encoding="utf-8"))
        if not isinstance(stored, dict):
            return {}
        return {key: _page_from_json(value) for key, value in stored.items()}
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        return {}


def _remember(memory: Path, pages: dict[str, PageText]) -> None:
    import json

    from cvbuild.files import replace_with_bytes

    stored = {key: _page_to_json(page) for key, page in pages.items()}
    replace_with_bytes(json.dumps(stored).encode("utf-8"), memory, durable=False)


def _page_to_json(page: PageText) -> dict[str, object]:
    height, lines = page.lines
    boxes = page.boxes
    return {
        "height": height,
        "lines": [[line.page, line.top, line.text] for line in lines],
        "size": [boxes.width, boxes.height],
        "boxes": [[b.x0, b.x1, b.top, b.bottom, b.text] for b in boxes.boxes],
        "overprints": [[o.top, o.earlier, o.later] for o in boxes.overprints],
    }


def _page_from_json(value: Any) -> PageText:
    """A page as `_page_to_json` stored it (a damaged file raises ValueError, TypeError, ...)."""
    lines = [Line(int(page), float(top), str(text)) for page, top, text in value["lines"]]
    width, height = (float(number) for number in value["size"])
    boxes = tuple(
        Box(float(x0), float(x1), float(top), float(bottom), str(text))
        for x0, x1, top, bottom, text in value["boxes"]
    )
    overprints = tuple(
        Overprint(float(top), str(earlier), str(later))
        for top, earlier, later in value["overprints"]
    )
    return PageText((float(value["height"]), lines), PageBoxes(width, height, boxes, overprints))


def _lines(placed: list[tuple[float, float, str]], page: int, footer: float) -> list[Line]:
    """Characters on baselines less than 3 pt apart make a line, read left to right; those
    below `footer` (from the top) are left out."""
    rows: list[tuple[float, list[tuple[float, str]]]] = []
    for top, x, char in sorted(placed, key=lambda item: item[0]):
        if top > footer:
            continue
        if rows and abs(rows[-1][0] - top) < 3:
            rows[-1][1].append((x, char))
        else:
            rows.append((top, [(x, char)]))
    lines = []
    for top, chars in rows:
        joined = "".join(char for _, char in sorted(chars, key=lambda item: item[0]))
        shown = " ".join(joined.translate(_BREAK_HYPHENS).split())
        if shown:
            lines.append(Line(page, top, shown))
    return lines


@functools.lru_cache(maxsize=4096)
def _not_drawn_over(char: str) -> bool:
    """Punctuation (kerned under a quote: ”.), spaces and combining accents: never reported."""
    return (
        unicodedata.category(char).startswith("P")
        or char.isspace()
        or bool(unicodedata.combining(char))
    )


def overprints(glyphs: list[Glyph]) -> list[Overprint]:
    """Characters drawn, in drawing order, over characters drawn earlier on the same line (by
    more than TOLERANCE and half their width: kerned pairs such as an italic "Wa" overlap by
    a third; accents, punctuation and a ligature's second letter do not count); one report
    per word."""
    found = []
    # each line: its bottom, the spans its characters cover so far, its text so far
    lines: list[tuple[float, list[list[float]], list[str]]] = []
    reported = False
    previous: Glyph | None = None
    for glyph in glyphs:
        ligature = previous is not None and (previous.x0, previous.x1) == (glyph.x0, glyph.x1)
        previous = glyph
        if lines and abs(lines[-1][0] - glyph.bottom) < 2.5:  # most often: the line before
            line = lines[-1]
        else:
            found_line = next(
                (ln for ln in reversed(lines) if abs(ln[0] - glyph.bottom) < 2.5), None
            )
            if found_line is None:
                found_line = (glyph.bottom, [], [])
                lines.append(found_line)
            line = found_line
        _, spans, text = line
        if ligature or glyph.x1 - glyph.x0 < 0.1 or _not_drawn_over(glyph.char):
            text.append(" " if glyph.char.isspace() else glyph.char)
            reported = reported and not glyph.char.isspace()
            continue
        reach = max(TOLERANCE, (glyph.x1 - glyph.x0) / 2)
        if spans and glyph.x0 < spans[-1][1] - reach and not reported:
            covered = [
                span for span in spans if min(span[1], glyph.x1) - max(span[0], glyph.x0) > reach
            ]
            if covered:
                earlier = " ".join("".join(text).split()[-3:])
                found.append(Overprint(glyph.top, earlier, glyph.char))
                reported = True
        elif reported and found:
            found[-1] = replace(found[-1], later=found[-1].later + glyph.char)
        if spans and spans[-1][0] - 0.5 <= glyph.x0 <= spans[-1][1] + 0.5:
            spans[-1][1] = max(spans[-1][1], glyph.x1)
        else:
            spans.append([glyph.x0, glyph.x1])
            spans.sort()
        text.append(glyph.char)
    return found


def box_warnings(
    pages: list[PageBoxes], headings: list[str], left: float, right: float
) -> list[str]:
    """Lines that run more than MARGIN_TOLERANCE into the left or right margin, text boxes that
    overlap by more than TOLERANCE both ways and text drawn over other text (overprinted),
    each named by page, section (the last heading above it) and the line's first words."""
    wanted = {_squash(h): h for h in headings if h.strip()}
    warnings = []
    section = ""
    for number, page in enumerate(pages, start=1):
        sections: dict[Box, str] = {}
        tops: list[tuple[float, str]] = []
        for line in _box_lines(page.boxes):
            text = " ".join(box.text for box in line)
            section = wanted.get(_squash(text), section)
            where = f" in '{section}'" if section else ""
            sections.update((box, where) for box in line)
            tops.append((min(box.top for box in line), where))
            over_right = max(box.x1 for box in line) - (page.width - right)
            over_left = left - min(box.x0 for box in line)
            for over, side in ((over_right, "right"), (over_left, "left")):
                if over > MARGIN_TOLERANCE:
                    warnings.append(
                        f"page {number}{where}: the line '{_first_words(text)}' runs "
                        f"{over:.1f} pt into the {side} margin"
                    )
        for first, second in _overlaps(page.boxes):
            warnings.append(
                f"page {number}{sections.get(first, '')}: '{_first_words(first.text)}' and "
                f"'{_first_words(second.text)}' are printed over each other"
            )
        for overprint in page.overprints:
            where = next((w for top, w in reversed(tops) if top <= overprint.top + 2), "")
            warnings.append(
                f"page {number}{where}: '{overprint.later}' is printed over '{overprint.earlier}'"
            )
    return warnings


def _box_lines(boxes: tuple[Box, ...]) -> list[list[Box]]:
    """Boxes grouped into lines (bottoms within 3 pt), top to bottom, left to right."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (round(b.bottom), b.x0)):
        if lines and abs(lines[-1][0].bottom - box.bottom) < 3:
            lines[-1].append(box)
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def _overlaps(boxes: tuple[Box, ...]) -> list[tuple[Box, Box]]:
    """Pairs of boxes whose areas overlap by more than TOLERANCE in both directions."""
    ordered = sorted(boxes, key=lambda b: b.top)
    pairs = []
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if second.top >= first.bottom - TOLERANCE:
                break
            across = min(first.x1, second.x1) - max(first.x0, second.x0)
            down = min(first.bottom, second.bottom) - max(first.top, second.top)
            if across > TOLERANCE and down > TOLERANCE:
                pairs.append((first, second))
    return pairs


def page_warnings(
    pages: list[tuple[float, list[Line]]],
    headings: list[str],
    margin_pt: float,
    bottom_pt: float | None = None,
) -> list[str]:
    """The rules of `layout_warnings` on pages already read: (height, lines top to bottom)."""
    bottom = margin_pt if bottom_pt is None else bottom_pt
    warnings = []
    wanted = {_squash(h): h for h in headings if h.strip()}
    section = ""  # the heading the text at a page's end belongs to
    for number, (height, lines) in enumerate(pages, start=1):
        if not lines:
            continue
        for line in lines:
            section = wanted.get(_squash(line.text), section)
        where = f" in '{section}'" if section else ""
        last = lines[-1]
        if _squash(last.text) in wanted:
            warnings.append(
                f"page {number}: heading '{wanted[_squash(last.text)]}' is the last line of the "
                "page; its first entry starts on the next page"
            )
        if number < len(pages):
            area = height - margin_pt - bottom
            fill = (last.top - margin_pt) / area if area > 0 else 1.0
            if round(fill, 3) < MIN_FILL:
                warnings.append(
                    f"page {number}: only {fill:.0%} filled{where} (it ends with "
                    f"'{_first_words(last.text)}'; what follows did not fit)"
                )
    return warnings


def _squash(text: str) -> str:
    return re.sub(r"[\s\-‐]+", "", text).lower()


def _first_words(text: str) -> str:
    words = text.split()
    return " ".join(words[:6]) + (" ..." if len(words) > 6 else "")


def length_pt(length: str) -> float:
    """'2cm', '25mm', '1in' (settings.margins) in PDF points."""
    match = re.fullmatch(r"([0-9.]+)(cm|mm|in)", length)
    if not match:
        raise ValueError(f"not a length: {length!r}")
    per_unit = {"cm": 72 / 2.54, "mm": 72 / 25.4, "in": 72.0}[match.group(2)]
    return float(match.group(1)) * per_unit


def document_headings(document: doc.Document) -> list[str]:
    """Every heading the PDF prints: sections, groups, publication lists."""
    headings = []
    for section in document.sections:
        headings.append(section.title)
        for block in section.blocks:
            if isinstance(block, doc.Group | doc.PublicationList):
                headings.append(block.title)
    return headings
