"""Issue 21: small confirmed bugs, one test each (each failed before its fix)."""

from __future__ import annotations

import pytest

from tests.conftest import BuiltPdf


@pytest.mark.tex
@pytest.mark.parametrize("fixture", ["full_pdf", "short_pdf"])
def test_shipped_cvs_build_without_warnings(fixture: str, request: pytest.FixtureRequest) -> None:
    """pahde2023r2r had no DOI (MICCAI 2023, LNCS 14221, pp. 596-606): the DOI
    10.1007/978-3-031-43895-0_56 was found in public reference lists (a Springer chapter link and
    the proceedings ISBN 978-3-031-43895-0 with the same pages) and added."""
    built: BuiltPdf = request.getfixturevalue(fixture)
    assert "warning" not in built.output.lower(), built.output
