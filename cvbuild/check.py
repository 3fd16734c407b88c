"""Stage 5: read the finished PDF back and hold it against the variant's rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    pdf: Path, headings: list[str], margin_pt: float, bottom_pt: float | None = None
) -> list[str]:
    """Read the PDF back and name layout defects a reader would see: a heading as the last line
    of a page (its first entry on the next), a page before the last that is nearly empty.
    `headings` are the section, group and publication-list titles as printed."""
    bottom = margin_pt if bottom_pt is None else bottom_pt
    return page_warnings(_page_lines(pdf, bottom), headings, margin_pt, bottom)


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


def _page_lines(pdf: Path, bottom_pt: float) -> list[tuple[float, list[Line]]]:
    """Each page's height and its lines of text inside the text block (the footer, which
    sits in the bottom margin, left out), top to bottom."""
    from pypdf import PdfReader  # imported here: only builds that check the layout need it

    result = []
    for index, page in enumerate(PdfReader(pdf).pages):
        height = float(page.mediabox.height)
        fragments = _fragments(page, height)
        lines: list[Line] = []
        for top, _x, text in sorted(fragments):
            if top > height - bottom_pt + 2:  # the footer
                continue
            if lines and abs(lines[-1].top - top) < 3:
                lines[-1] = Line(index + 1, lines[-1].top, lines[-1].text + " " + text)
            else:
                lines.append(Line(index + 1, top, text))
        result.append((height, lines))
    return result


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


def _fragments(page: Any, height: float) -> list[tuple[float, float, str]]:
    """(distance from the top, x, text) of each piece of text pypdf reports on a page."""
    fragments: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            y = tm[5] * cm[3] + tm[4] * cm[2] + cm[5]
            x = tm[4] * cm[0] + tm[5] * cm[1] + cm[4]
            fragments.append((round(height - y, 1), x, text))

    page.extract_text(visitor_text=visit)
    return fragments
