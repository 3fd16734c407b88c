"""Funder variants, second round (issue 18), built with real TeX: the msca variant, the DFG
personal-data table, the file name the pack asks for, the right margin measured on the PDF."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import copy_seed, pdf_text, run_cli

pytestmark = pytest.mark.tex


def _build(content: Path, variant: str, work: Path, *extra: str) -> tuple[int, str]:
    result = run_cli(
        "pdf", "--variant", variant, "--content", str(content),
        "--out-dir", str(work / "out"), "--build-dir", str(work / "build"), *extra,
    )  # fmt: skip
    return result.exit_code, result.output


def _report(work: Path, variant: str) -> dict[str, dict[str, str]]:
    data = json.loads((work / "out" / f"{variant}.preflight.json").read_text(encoding="utf-8"))
    return {rule["id"]: rule for rule in data["rules"]}


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
