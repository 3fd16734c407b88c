"""The PDFs of the shipped variants hold the same text as before the document-model change
(tests/golden/*.pdf.txt is pdftotext of the PDFs the old renderer made). A deliberate change of
the printed text rewrites those files in the same commit, named in its message:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_writer_equivalence.py
"""

from __future__ import annotations

import pytest

from tests.conftest import BuiltPdf, pdf_text
from tests.test_golden import check_golden


@pytest.mark.tex
def test_full_pdf_text_is_unchanged(full_pdf: BuiltPdf) -> None:
    check_golden("full.pdf.txt", pdf_text(full_pdf.path))


@pytest.mark.tex
def test_short_pdf_text_is_unchanged(short_pdf: BuiltPdf) -> None:
    check_golden("short.pdf.txt", pdf_text(short_pdf.path))
