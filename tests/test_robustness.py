"""Errors point at their source; concurrent, repeated and changed builds stay correct."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from cvbuild.compile import compile_project
from cvbuild.errors import TexError
from cvbuild.writers.latex import SECTION_MARKER, RenderedProject
from tests.conftest import ROOT, make_content, pdf_text, run_cli

pytestmark = pytest.mark.tex

SECTIONS = """\
sections:
  - id: about
    kind: bio
    title: About
    paragraphs: [Plain text.]
  - id: pubs
    kind: publications
    title: Publications
    lists: [{category: journal, title: Articles}]
"""
BIB = "@article{a1, author={Lovelace, Ada}, title={On Engines}, journal={J}, year={1843}}\n"


def test_a_tex_error_names_the_section_it_happened_in(tmp_path: Path) -> None:
    tex = (
        "\\documentclass{article}\n\\begin{document}\n"
        f"{SECTION_MARKER}awards\n\\section{{Awards}}\nfine\n\\undefinedcommand\n\\end{{document}}\n"
    )
    project = RenderedProject(tex, "", (), "pdflatex")
    with pytest.raises(TexError) as caught:
        compile_project(project, tmp_path / "build", source_date_epoch=0)
    assert caught.value.section == "awards"
    assert "cv.tex:6: Undefined control sequence" in str(caught.value)


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cvbuild", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_concurrent_builds_do_not_corrupt_each_other(tmp_path: Path) -> None:
    content = make_content(
        tmp_path, SECTIONS, bib=BIB, extra="variants:\n  full: {}\n  bare: {sections: [about]}\n"
    )
    common = ["--content", str(content), "--out-dir", str(tmp_path / "out"),
              "--build-dir", str(tmp_path / "build")]  # fmt: skip
    processes = [
        _cli("pdf", "--variant", "full", *common),
        _cli("pdf", "--variant", "full", *common),
        _cli("pdf", "--variant", "bare", *common),
    ]
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    full = pdf_text(tmp_path / "out" / "full.pdf")
    assert "On Engines" in full and "Plain text." in full
    bare = pdf_text(tmp_path / "out" / "bare.pdf")
    assert "Plain text." in bare and "On Engines" not in bare
    assert len(PdfReader(tmp_path / "out" / "full.pdf").pages) == 1
    assert not list((tmp_path / "out").glob(".*.tmp"))  # no half-written files left


def test_changed_bib_and_content_are_never_stale(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    pdf, build = tmp_path / "cv.pdf", tmp_path / "build"

    def text() -> str:
        result = run_cli("pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(build))  # fmt: skip
        assert result.exit_code == 0, result.output
        return " ".join(pdf_text(pdf).split())

    assert "On Engines" in text()
    (tmp_path / "refs.bib").write_text(BIB.replace("On Engines", "On Looms"), encoding="utf-8")
    assert "On Looms" in text() and "On Engines" not in text()
    sections = (content / "sections.yaml").read_text(encoding="utf-8")
    (content / "sections.yaml").write_text(sections.replace("Plain", "Edited"), encoding="utf-8")
    after = text()
    assert "Edited text." in after and "Plain text." not in after and "On Looms" in after


def test_interrupted_build_leaves_the_old_pdf(tmp_path: Path) -> None:
    content = ROOT / "content"  # the seed CV: its cold build takes several seconds
    pdf = tmp_path / "cv.pdf"
    pdf.write_bytes(b"%PDF-1.5 previous build\n")
    build = tmp_path / "b"
    process = _cli("pdf", "--content", str(content), "-o", str(pdf), "--force", "--build-dir", str(build))  # fmt: skip
    deadline = time.monotonic() + 30
    while not _processes_in(build / "full") and time.monotonic() < deadline:
        time.sleep(0.02)  # until TeX runs (the first pass of a cold build, beside the format)
    assert process.poll() is None, process.communicate()[0]
    process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 130, output
    assert "interrupted; no output was changed" in output and "Traceback" not in output
    assert pdf.read_bytes() == b"%PDF-1.5 previous build\n"
    assert not list(tmp_path.glob(".cv.pdf.*.tmp"))


def test_an_endless_loop_becomes_an_error(tmp_path: Path) -> None:
    tex = "\\documentclass{article}\n\\begin{document}\n\\def\\x{\\x}\\x\n\\end{document}\n"
    started = time.monotonic()
    with pytest.raises(TexError, match=r"did not finish within 3 s and was stopped"):
        compile_project(RenderedProject(tex, "", (), "pdflatex"), tmp_path, source_date_epoch=0, timeout=3)  # fmt: skip
    assert time.monotonic() - started < 30
    assert not _processes_in(tmp_path)  # pdflatex was killed, not left running


def _processes_in(directory: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")) == directory:
                found.append((proc / "comm").read_text().strip())
        except OSError:
            continue
    return found
