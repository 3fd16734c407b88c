"""Funder variants, second round (issue 18), built with real TeX: the msca variant, the DFG
personal-data table, the file name the pack asks for, the right margin measured on the PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import copy_seed, pdf_text, replace_in
from tests.test_preflight_pdf import _build, _report

pytestmark = pytest.mark.tex


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_seed(tmp_path_factory.mktemp("funders2"))


def test_msca_passes_and_says_honestly_that_days_are_missing(seed: Path, tmp_path: Path) -> None:
    code, output = _build(seed, "msca", tmp_path)
    assert code == 0, output
    rules = _report(tmp_path, "msca")
    assert not [r for r in rules.values() if r["outcome"] == "fail"], rules
    # his content dates positions to the month: a warning that counts them, no day invented
    assert rules["M3-dates"]["outcome"] == "warn"
    assert re.match(r"0 of \d+ dates given to the day", rules["M3-dates"]["measured"])
    text = pdf_text(tmp_path / "out" / "msca.pdf")
    assert "01/2021 – today" in text and "Professional experience" in text
    assert not re.search(r"\b\d\d/\d\d/\d{4} –", text)  # no dd/mm/yyyy period: no day made up
    assert rules["M1-pages"]["outcome"] == "pass"


_ORCID = "0000-0002-1825-0097"


def test_the_dfg_pdf_opens_with_the_personal_data_table(tmp_path: Path) -> None:
    content = copy_seed(tmp_path / "content")
    replace_in(
        content / "person.yaml",
        "  profiles:\n",
        f"  contract_end: 2026-09-30\n  profiles:\n    - network: orcid\n      username: {_ORCID}\n",
    )
    code, output = _build(content, "dfg", tmp_path)
    assert code == 0, output
    pdf = next((tmp_path / "out").glob("*.pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    table = text[text.index("Personal data") : text.index("Qualifications and career")]
    for label, value in (
        ("Academic title", "Dr. rer. nat."),
        ("Current position", "Head of Explainable Artificial Intelligence"),
        ("Institution", "Fraunhofer Heinrich-Hertz-Institute"),
        ("Contract until", "30 Sep 2026"),
        ("ORCID iD", _ORCID),
    ):  # each label and its value on one line, in this order
        assert re.search(rf"{re.escape(label)} +{re.escape(value)}\n", table), (label, table)
    assert table.index("Academic title") < table.index("ORCID iD")
    whole = pdf_text(pdf)
    assert whole.count(_ORCID) == 1 and whole.count("30 Sep 2026") == 1  # not also in the header
    rules = _report(tmp_path, "dfg")
    assert rules["S-orcid"]["outcome"] == rules["S-contract"]["outcome"] == "pass"


def test_the_dfg_pdf_takes_the_name_the_pack_asks_for(tmp_path: Path) -> None:
    content = copy_seed(tmp_path / "content")
    out = tmp_path / "out"
    out.mkdir()
    (out / "dfg.pdf").write_bytes(b"%PDF-1.4 an older build's file\n")  # never deleted
    code, output = _build(content, "dfg", tmp_path)
    assert code == 0, output
    pdf = out / "CV_PubList_Lapuschkin.pdf"
    assert f"dfg: {pdf} (" in output and pdf.is_file()
    assert _report(tmp_path, "dfg")["F-name"]["outcome"] == "pass"
    assert "F-name" not in output  # no warning about the name
    assert (out / "dfg.pdf").read_bytes() == b"%PDF-1.4 an older build's file\n"
    # unchanged: found again under that name without building
    code, output = _build(content, "dfg", tmp_path)
    assert code == 0 and f"dfg: {pdf} (5 pages, unchanged" in output, output
    # -o wins; the next build without it writes the pack's name again (a real build)
    code, output = _build(content, "dfg", tmp_path, "-o", str(tmp_path / "mine.pdf"))
    assert code == 0 and (tmp_path / "mine.pdf").is_file(), output
    code, output = _build(content, "dfg", tmp_path)  # the stamp is mine.pdf's: builds
    assert code == 0 and pdf.is_file() and "unchanged" not in output, output


def test_a_file_cvbuild_did_not_write_is_not_replaced_under_the_pack_name(tmp_path: Path) -> None:
    content = copy_seed(tmp_path / "content")
    out = tmp_path / "out"
    out.mkdir()
    (out / "CV_PubList_Lapuschkin.pdf").write_bytes(b"the applicant's own file")
    code, output = _build(content, "dfg", tmp_path)
    assert code != 0 and "CV_PubList_Lapuschkin.pdf" in output and "-o FILE" in output, output
    assert (out / "CV_PubList_Lapuschkin.pdf").read_bytes() == b"the applicant's own file"


_MARGIN_PACK = """id: margins
title: margins only
funder: a test
source: a test
status: derived
rules:
  - {id: R-margin, check: min_margin, value: 1.9, text: margins of 1.9 cm, source: t, status: derived}
"""


def test_the_right_margin_is_measured_on_a_real_pdf(tmp_path: Path) -> None:
    """A line TeX cannot break runs into the right margin: only the right edge shows it."""
    content = copy_seed(tmp_path / "content")
    (content / "packs").mkdir()
    (content / "packs" / "margins.yaml").write_text(_MARGIN_PACK, encoding="utf-8")
    replace_in(
        content / "variants.yaml",
        "  berufung:",
        "  tight:\n    pack: margins\n    footer: false\n    sections: [experience]\n\n  berufung:",
    )
    code, output = _build(content, "tight", tmp_path)
    assert code == 0, output
    measured = _report(tmp_path, "tight")["R-margin"]["measured"]
    right = float(re.search(r"right (\d+\.\d+) cm", measured)[1])  # type: ignore[index]
    assert 1.9 <= right <= 2.05, measured  # 2 cm, less what microtype lets hang
    replace_in(
        content / "sections.yaml",
        "summary: Research Group Leadership and direction of XAI research",
        "summary: Research Group Leadership and " + "1234567890" * 12,
    )
    code, output = _build(content, "tight", tmp_path)
    assert code == 4 and "R-margin (" in output, output
    measured = _report(tmp_path, "tight")["R-margin"]["measured"]
    sides = {side: float(cm) for side, cm in re.findall(r"(\w+) (-?\d+\.\d+) cm", measured)}
    assert sides["right"] < 1.5, measured  # (past the page's edge: negative)
    assert min(sides["left"], sides["top"], sides["bottom"]) >= 1.9, measured  # the rest is fine
