"""Stage 5: read the finished PDF back and hold it against the variant's rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from cvbuild.select import Selection


@dataclass(frozen=True)
class PdfReport:
    pages: int
    problems: tuple[str, ...]  # broken rules, each a full sentence


def check_pdf(pdf: Path, selection: Selection) -> PdfReport:
    pages = len(PdfReader(pdf).pages)
    problems = []
    budget = selection.variant.page_budget
    if budget is not None and pages > budget:
        problems.append(f"{selection.variant_name}: {pages} pages, budget {budget}")
    return PdfReport(pages, tuple(problems))
