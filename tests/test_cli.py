"""The command line end to end: exit codes, short error messages, the old PDF kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_content, pdf_text, run_cli

pytestmark = pytest.mark.tex

SECTIONS = """\
sections:
  - id: bio
    kind: bio
    title: About
    paragraphs: ["Ada's notes: 100% of R&D, #1 in _math_ ~ {braces} \\\\ back -- slash."]
  - id: pubs
    kind: publications
    title: Publications
    lists:
      - {category: journal, title: Articles}
"""
BIB = "@article{a1, author={Lovelace, Ada}, title={On Engines}, journal={J}, year={1843}}\n"


def build(content: Path, out: Path) -> tuple[int, str]:
    result = run_cli(
        "pdf",
        "--content",
        str(content),
        "--output",
        str(out),
        "--build-dir",
        str(out.parent / "build"),
    )
    return result.exit_code, result.output


def test_build_error_keeps_the_previous_pdf(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    out = tmp_path / "out" / "cv.pdf"
    code, output = build(content, out)
    assert code == 0, output
    text = " ".join(pdf_text(out).split())
    assert "Ada’s notes: 100% of R&D, #1 in _math_ ~ {braces} \\ back -- slash." in text
    assert "journal 1 · proceedings 0 · chapter 0 · preprint 0" in output
    before = out.read_bytes()

    # A .bib field that passes the checks but breaks TeX: \textbf without its argument.
    (tmp_path / "refs.bib").write_text(BIB.replace("On Engines", "On \\textbf"), encoding="utf-8")
    code, output = build(content, out)
    assert code == 3
    assert "LaTeX failed" in output and "Full log:" in output
    assert (
        "Caused by the .bib entry 'a1' (" in output and "refs.bib:1): check its fields." in output
    )
    error = output[output.index("error:") :]
    assert len(error.splitlines()) < 12, error
    assert "Traceback" not in output
    assert out.read_bytes() == before


def test_invalid_content_exits_1_and_names_the_place(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS.replace("title: About", "tittle: About"), bib=BIB)
    code, output = build(content, tmp_path / "cv.pdf")
    assert code == 1
    assert "sections.yaml:4:5: sections[0].tittle: unknown key 'tittle'" in output
    assert not (tmp_path / "cv.pdf").exists()


def test_unknown_variant(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    result = run_cli(
        "pdf", "--content", str(content), "--variant", "nope", "--out-dir", str(tmp_path)
    )
    assert result.exit_code == 1
    assert "unknown variant 'nope' (the content defines: full)" in result.output


def test_help_lists_exit_codes() -> None:
    result = run_cli("pdf", "--help")
    assert result.exit_code == 0
    assert "3 TeX failed" in result.output


def test_broken_bib_exits_1_one_message_each_and_keeps_the_pdf(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    out = tmp_path / "out" / "cv.pdf"
    assert build(content, out)[0] == 0
    before = out.read_bytes()
    broken = (
        "@article{a1, author={Lovelace, Ada}, title={T}, journal={J}, year={1843}}\n"
        "@article{a1, author={Lovelace, Ada}, title={Dup}, journal={J}, year={1844}}\n"
        "@article{noyear, author={Lovelace, Ada}, title={T}, journal={J}}\n"
        "@article{open, author={Lovelace, Ada}, title={T, journal={J}, year={1845}}\n"
        "@article{evil, author={Lovelace, Ada}, title={\\input{x}}, journal={J}, year={1845}}\n"
        "@article{worse, author={Lovelace, Ada}, title={\\write{x}}, journal={J}, year={1845}}\n"
    )
    (tmp_path / "refs.bib").write_text(broken, encoding="utf-8")
    code, output = build(content, out)
    assert code == 1
    assert "refs.bib:5: evil.title: TeX command(s) \\input not allowed" in output
    assert "refs.bib:6: worse.title: TeX command(s) \\write not allowed" in output
    assert out.read_bytes() == before
    # issue 15: what is merely unprintable is skipped with a warning each, and the rest builds
    (tmp_path / "refs.bib").write_text(broken.split("@article{evil")[0], encoding="utf-8")
    checked = run_cli("validate", "--content", str(content))
    assert checked.exit_code == 0, checked.output
    assert "refs.bib:2: entry skipped: duplicate key 'a1'" in checked.output
    assert "refs.bib:3: noyear: @article lacks year" in checked.output
    assert "refs.bib:4: entry skipped: cannot parse" in checked.output


def test_an_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    result = run_cli("pdf", "--content", str(content), "-o", str(tmp_path / "file" / "cv.pdf"),
                     "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code == 1
    assert (
        f"error: cannot write the PDF to {tmp_path / 'file' / 'cv.pdf'}: its folder"
        in result.output
    )
    assert "Traceback" not in result.output
