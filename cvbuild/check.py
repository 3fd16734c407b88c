"""Stage 5: read the finished PDF back and hold it against the variant's rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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
