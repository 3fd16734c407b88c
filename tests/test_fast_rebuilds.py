"""Speed never costs correctness: skipped and incremental builds give the bytes of a cold build."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.conftest import copy_seed, replace_in, run_cli

pytestmark = pytest.mark.tex

NEW_ENTRY = """
@misc{newpreprint, author = {Lapuschkin, S and Doe, J}, title = {A Freshly Added Preprint},
  eprint = {2399.00001}, archivePrefix = {arXiv}, year = {2023}, keywords = {selected}}
"""


def _build(content: Path, variant: str = "short") -> tuple[str, str]:
    root = content.parent
    pdf = root / f"{variant}.pdf"
    result = run_cli("pdf", "--variant", variant, "--content", str(content), "-o", str(pdf),
                     "--build-dir", str(root / "build"))  # fmt: skip
    assert result.exit_code == 0, result.output
    return hashlib.sha256(pdf.read_bytes()).hexdigest(), result.output


def _edit(content: Path) -> None:
    replace_in(content / "sections.yaml", "Research Group Leadership", "Research Group Lead")
    bib = content.parent / "bib" / "publications.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")


def test_incremental_build_gives_the_bytes_of_a_cold_build(tmp_path: Path) -> None:
    warm = copy_seed(tmp_path / "warm")
    before, _ = _build(warm)
    _edit(warm)
    after_edit, output = _build(warm)  # reuses aux files, bbl and the preamble format
    assert after_edit != before and ", unchanged," not in output
    cold = copy_seed(tmp_path / "cold")
    _edit(cold)
    from_scratch, _ = _build(cold)
    assert after_edit == from_scratch


def test_unchanged_inputs_skip_the_build_and_changes_do_not(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    first, output = _build(content)
    assert ", unchanged," not in output
    again, output = _build(content)
    assert again == first and "short.pdf (3 pages, unchanged" in output
    assert "journal 9 · proceedings 1 · chapter 0 · preprint 8" in output  # messages repeated
    for path in content.glob("*.yaml"):  # a new time stamp alone changes nothing
        os.utime(path)
    _, output = _build(content)
    assert ", unchanged," in output
    (tmp_path / "short.pdf").unlink()  # the output is gone: build again
    _, output = _build(content)
    assert ", unchanged," not in output and (tmp_path / "short.pdf").exists()
    bib = tmp_path / "bib" / "publications.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
    changed, output = _build(content)
    assert changed != first and ", unchanged," not in output and "preprint 9" in output
    (content / "extra.yaml").write_text("# a new, empty content file\n", encoding="utf-8")
    _, output = _build(content)
    assert ", unchanged," not in output


def test_a_failed_build_is_never_skipped(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    _build(content)
    replace_in(content / "variants.yaml", "page_budget: 4", "page_budget: 1")
    args = ("pdf", "--variant", "short", "--content", str(content), "-o", str(tmp_path / "short.pdf"),
            "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert run_cli(*args).exit_code == 4
    assert run_cli(*args).exit_code == 4  # still checked, not skipped as "unchanged"
