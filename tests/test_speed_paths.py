"""The fast paths of issue 20 give the bytes a cold build gives: one TeX pass after an edit that
moves nothing, more when the page count changes, biber's output reused by its input hash, on
both engines. Timing is bench/'s business; these tests count passes and compare bytes."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pypdf
import pytest

from cvbuild.bibliography import _latex_text, _to_text
from cvbuild.compile import CONTROL_TEX, compile_project
from cvbuild.prestart import tex_command
from cvbuild.progress import Progress
from cvbuild.repertoire import engine_for, unprintable
from cvbuild.resources import LATEX_DIR
from cvbuild.writers.latex import BIB_NAME, RenderedProject
from tests.conftest import copy_seed, make_content, pdf_text, replace_in, run_cli

_PASS = re.compile(r"^\s+(pdflatex|lualatex) (\d+)\s", re.M)
_BIBER = re.compile(r"^\s+biber \d+( \(cached\))?\s", re.M)

BIB = (
    "@article{a1, author={Lovelace, Ada and Babbage, Charles}, title={On Engines},"
    " journal={J}, year={1843}}\n"
    "@article{a2, author={Lovelace, Ada}, title={Notes on the Analytical Engine},"
    " journal={Scientific Memoirs}, year={1843}}\n"
)
PARAGRAPH = "Text that fills the page with words about engines and numbers, again and again. " * 6


def _sections(paragraphs: int, extra: str = "") -> str:
    listed = ", ".join(f'"{PARAGRAPH}{n}{extra}"' for n in range(paragraphs))
    return (
        "sections:\n  - id: about\n    kind: bio\n    title: About\n"
        f"    paragraphs: [{listed}]\n"
        "  - id: pubs\n    kind: publications\n    title: Publications\n"
        "    lists: [{category: journal, title: Articles}]\n"
    )


def _build(content: Path, build: Path, pdf: Path) -> tuple[str, int]:
    """Build; the stage lines and the number of TeX passes they report."""
    result = run_cli("pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(build))
    assert result.exit_code == 0, result.output
    return result.output, len(_PASS.findall(result.output))


def _prestarted(build: Path) -> bool:
    """The last build's first pass was the one cvbuild.prestart started (it read the FIFO)."""
    return "cvbuild-next/cv.tex" in (build / "full" / "cv.log").read_text(encoding="latin-1")


def _cold_bytes(content: Path, work: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The PDF of a cold build: fresh build dir and no caches (format, biber output)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(work / "cold-cache"))
    output, _ = _build(content, work / "cold-build", work / "cold.pdf")
    assert _BIBER.search(output) and "(cached)" not in output
    return (work / "cold.pdf").read_bytes()


@pytest.mark.tex
@pytest.mark.parametrize("greek", ["", " Երևան"], ids=["pdflatex", "lualatex"])
def test_fast_paths_give_the_bytes_of_a_cold_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, greek: str
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    content = make_content(tmp_path, _sections(3, greek), bib=BIB)
    build, pdf = tmp_path / "build", tmp_path / "cv.pdf"
    output, passes = _build(content, build, pdf)
    engine = "lualatex" if greek else "pdflatex"
    first = "pdflatex 1 (for biber)" if greek else "pdflatex 1"  # only writes biber's .bcf
    assert f"  {first} " in output and f"  {engine} 2 " in output and passes == 2, output

    # an edit that moves no page break and no number: one pass, the bytes of a cold build
    replace_in(content / "sections.yaml", "again and again. 0", "again and AGAIN. 0")
    output, passes = _build(content, build, pdf)
    assert passes == 1 and not _BIBER.search(output), output
    assert "again and AGAIN" in pdf_text(pdf)
    assert _prestarted(build), "the pass began before the content was read (cvbuild.prestart)"
    assert pdf.read_bytes() == _cold_bytes(content, tmp_path / "c1", monkeypatch)

    # an edit that adds pages: "page x of y" is written at the end of the pass, still one pass
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pages_before = pdf_text(pdf).count("\f")
    (content / "sections.yaml").write_text(_sections(14, greek), encoding="utf-8")
    output, passes = _build(content, build, pdf)
    pages = pdf_text(pdf).count("\f")
    assert pages > pages_before and passes == 1, output
    assert f"Page {pages} of {pages}" in pdf_text(pdf)
    assert pdf.read_bytes() == _cold_bytes(content, tmp_path / "c2", monkeypatch)

    # and back: a page count that shrinks
    (content / "sections.yaml").write_text(_sections(3, greek), encoding="utf-8")
    _build(content, build, pdf)
    assert pdf.read_bytes() == _cold_bytes(content, tmp_path / "c3", monkeypatch)


@pytest.mark.tex
def test_a_new_entry_reruns_biber_and_a_fresh_build_dir_reuses_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    content = make_content(tmp_path, _sections(1), bib=BIB)
    build, pdf = tmp_path / "build", tmp_path / "cv.pdf"
    _build(content, build, pdf)
    bib = tmp_path / "refs.bib"
    bib.write_text(
        bib.read_text() + "@article{a3, author={Lovelace, Ada}, title={Third Paper},"
        " journal={K}, year={1844}}\n",
        encoding="utf-8",
    )
    output, passes = _build(content, build, pdf)
    assert _BIBER.search(output) and "(cached)" not in output  # new input: biber runs,
    assert output.index("biber 1") < output.index("pdflatex 1")  # before a pass on the old list
    # and one pass: the .aux lines a new entry changes (biblatex's .bbl hash, the entry's
    # refcontext) are not read into the page
    assert passes == 1, output
    assert "Third Paper" in pdf_text(pdf)
    # another build dir, same bibliography: biber's output comes from the cache, same bytes
    output, _ = _build(content, tmp_path / "other-build", tmp_path / "other.pdf")
    assert "biber 1 (cached)" in output
    assert (tmp_path / "other.pdf").read_bytes() == pdf.read_bytes()
    assert pdf.read_bytes() == _cold_bytes(content, tmp_path / "cold", monkeypatch)


@pytest.mark.tex
def test_the_shipped_cv_takes_two_passes_cold_and_one_after_an_edit(
    tmp_path: Path,
) -> None:
    content = copy_seed(tmp_path)
    build, pdf = tmp_path / "build", tmp_path / "full.pdf"
    _, cold = _build(content, build, pdf)
    assert cold == 2  # the first without the bibliography (it writes biber's control file)
    replace_in(content / "sections.yaml", "Research Group Leadership", "Research Group Lead")
    output, passes = _build(content, build, pdf)
    assert passes == 1, output


@pytest.mark.tex
def test_a_new_entry_in_the_shipped_cv_costs_one_pass_and_gives_a_cold_builds_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """biber, then one pass: the entry moves no page break, and the .aux lines it changes
    (the .bbl's hash, its refcontext, the contents lines of the headings after it) print
    nothing."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    content = copy_seed(tmp_path)
    build, pdf = tmp_path / "build", tmp_path / "full.pdf"
    _build(content, build, pdf)
    bib = tmp_path / "bib" / "publications.bib"
    bib.write_text(
        bib.read_text(encoding="utf-8") + "\n@article{bench1, author = {Lapuschkin, S and Doe, J},"
        " title = {Benchmark Entry}, journal = {Journal of Tests}, year = {2023}}\n",
        encoding="utf-8",
    )
    output, passes = _build(content, build, pdf)
    assert _BIBER.search(output) and passes == 1, output
    assert "Benchmark Entry" in pdf_text(pdf)
    assert pdf.read_bytes() == _cold_bytes(content, tmp_path / "cold", monkeypatch)


def test_tex_runs_with_the_format_and_the_lua_sandbox() -> None:
    pdf = tex_command("pdflatex", "cvbuild-abc")
    assert pdf[:2] == ["pdflatex", "-fmt=cvbuild-abc"] and pdf[-1] == "cv.tex"
    assert "-no-shell-escape" in pdf and "-halt-on-error" in pdf and "-recorder" in pdf
    assert not any(word.startswith("-fmt") for word in tex_command("pdflatex", None))
    lua = tex_command("lualatex", None)
    assert lua[:3] == ["lualatex", "--lua=cvbuild-sandbox.lua", "--nosocket"]
    assert "%O" not in lua and "%S" not in lua


@pytest.mark.parametrize(
    "value",
    ["Plain Name", "  padded  ", "O'Neil", "pages 4--27", "``quoted''", "a~b", "\\'e",
     "{Braced}", "100\\%", "$x^2$", "line\nbreak", "tab\there", "?`Que?", "<<guillemets>>",
     ",,low''", "a---b", "Ñandú", "Ωmega"],
)  # fmt: skip
def test_plain_values_skip_latex_decoding_with_the_same_result(value: str) -> None:
    assert _to_text(value) == _latex_text().latex_to_text(value).strip()


def test_character_checks_answer_as_before_for_ascii_and_beyond() -> None:
    assert unprintable("plain ascii\twith\nwhitespace") == []
    assert [i for i, _ in unprintable("ab\x0bc日")] == [2, 4]  # a control character, CJK
    assert engine_for(["plain", "Müller"]) == "pdflatex"
    assert engine_for(["plain", "Ωmega"]) == "pdflatex"  # Greek: LGR
    assert engine_for(["plain", "Երևան"]) == "lualatex"  # Armenian


def _tex_pass(build: Path, engine: str, epoch: int) -> str:
    """One TeX pass in a build dir as cvbuild runs it (format, environment, time stamps)."""
    env = {**os.environ, "openin_any": "p", "openout_any": "p", "FORCE_SOURCE_DATE": "1",
           "SOURCE_DATE_EPOCH": str(epoch), "max_print_line": "1000"}  # fmt: skip
    (fmt,) = build.glob("cvbuild-*.fmt")
    done = subprocess.run(tex_command(engine, fmt.stem), cwd=build, env=env, capture_output=True)
    assert done.returncode == 0, done.stdout[-2000:]
    return done.stdout.decode("utf-8", errors="replace")


def _epoch(pdf: Path) -> int:
    created = pypdf.PdfReader(pdf).metadata.creation_date  # type: ignore[union-attr]
    assert created is not None
    return int(created.timestamp())


def _one_more_pass(build: Path, engine: str) -> tuple[bytes, bytes]:
    """The PDF cvbuild left in a build dir, and the PDF one more TeX pass makes there: the same
    bytes when the build had settled."""
    built = (build / "cv.pdf").read_bytes()
    _tex_pass(build, engine, _epoch(build / "cv.pdf"))
    return built, (build / "cv.pdf").read_bytes()


@pytest.mark.tex
@pytest.mark.parametrize("armenian", ["", " Երևան"], ids=["pdflatex", "lualatex"])
def test_two_passes_cold_and_one_after_a_new_page_leave_nothing_for_a_third(
    tmp_path: Path, armenian: str
) -> None:
    """Page x of y (written at the end of the pass), bookmarks (the bookmark package) and the
    .aux lines no pass prints from: a pass more would change no byte."""
    content = make_content(tmp_path, _sections(3, armenian), bib=BIB)
    build, pdf = tmp_path / "build", tmp_path / "cv.pdf"
    engine = "lualatex" if armenian else "pdflatex"
    output, passes = _build(content, build, pdf)
    assert passes == 2, output
    built, again = _one_more_pass(build / "full", engine)
    assert built == again
    text = pdf_text(pdf)
    assert "Page 1 of 1" in text and "Articles" in text  # one page, bibliography printed

    (content / "sections.yaml").write_text(_sections(9, armenian), encoding="utf-8")
    output, passes = _build(content, build, pdf)
    assert passes == 1, output
    built, again = _one_more_pass(build / "full", engine)
    assert built == again
    assert _titles(pypdf.PdfReader(pdf).outline) == ["About", "Publications", "Articles"]


@pytest.mark.tex
def test_the_shipped_cv_cold_leaves_nothing_for_a_third_pass(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    build, pdf = tmp_path / "build", tmp_path / "full.pdf"
    _, passes = _build(content, build, pdf)
    assert passes == 2
    built, again = _one_more_pass(build / "full", "pdflatex")
    assert built == again
    text = pdf_text(pdf)
    pages = text.count("\f")
    assert all(f"Page {n} of {pages}" in text for n in range(1, pages + 1))
    titles = _titles(pypdf.PdfReader(pdf).outline)
    assert "Preprints" in titles and "Journal Articles" in titles  # from the bibliography pass


def _titles(outline: Sequence[object]) -> list[str]:
    return [t for item in outline for t in (_titles(item) if isinstance(item, list) else
                                            [str(getattr(item, "title", ""))])]  # fmt: skip


@pytest.mark.tex
@pytest.mark.parametrize("armenian", ["", " Երևան"], ids=["pdflatex", "lualatex"])
def test_a_pass_without_a_bbl_writes_bibers_control_file_and_no_pages(
    tmp_path: Path, armenian: str
) -> None:
    """A cold build's first pass (\\cvbuildcontrolpass): the .bcf the whole body writes, and
    nothing typeset."""
    content = make_content(tmp_path, _sections(2, armenian), bib=BIB)
    engine = "lualatex" if armenian else "pdflatex"
    _build(content, tmp_path / "build", tmp_path / "cv.pdf")
    work = tmp_path / "build" / "full"
    epoch, bcf = _epoch(work / "cv.pdf"), (work / "cv.bcf").read_bytes()
    for suffix in ("bbl", "aux", "bcf", "pdf"):
        (work / f"cv.{suffix}").unlink()
    _tex_pass(work, engine, epoch)
    pdf = work / "cv.pdf"  # none (pdfTeX), or one empty page (LuaTeX needs a page)
    assert not pdf.exists() or (len(pypdf.PdfReader(pdf).pages) == 1 and not pdf_text(pdf).strip())
    assert (work / "cv.bcf").read_bytes() == bcf


def _tex_of(content: Path, project: Path) -> list[str]:
    result = run_cli("tex", "--content", str(content), "-o", str(project))
    assert result.exit_code == 0, result.output
    return (project / "cv.tex").read_text(encoding="utf-8").splitlines()


def test_the_control_pass_runs_the_bodys_citations_and_lists_in_their_order(
    tmp_path: Path,
) -> None:
    sections = (
        _sections(1)
        + "  - id: more\n    kind: publications\n    title: More\n"
        + "    lists: [{category: preprint, title: Drafts}, {category: journal, title: Again}]\n"
    )
    lines = _tex_of(make_content(tmp_path, sections, bib=BIB), tmp_path / "project")
    (control,) = [line for line in lines if line.startswith(r"\cvbuildcontrolpass{")]
    feeding = [line.rstrip("%") for line in lines if line.startswith((r"\nocite", r"\cvbuildpub"))]
    assert feeding == [  # two sections: a \nocite each, and their lists with entries
        r"\nocite{*}", r"\cvbuildpublications{journal}{Articles}",
        r"\nocite{*}", r"\cvbuildpublications{journal}{Again}",
    ]  # fmt: skip
    assert control.rstrip("%") == r"\cvbuildcontrolpass{" + "".join(feeding) + "}"
    begin, title = lines.index(r"\begin{document}%"), lines.index(r"\cvbuildmaketitle%")
    assert begin < lines.index(control) == title - 1  # before anything is typeset


def test_no_control_pass_without_publications(tmp_path: Path) -> None:
    sections = "sections:\n  - id: about\n    kind: bio\n    title: About\n    paragraphs: [Hi]\n"
    lines = _tex_of(make_content(tmp_path, sections, bib=BIB), tmp_path / "project")
    assert not [line for line in lines if "cvbuildcontrolpass" in line]


@pytest.mark.tex
def test_a_control_document_that_fails_leaves_the_pass_to_the_document(
    tmp_path: Path,
) -> None:
    """The first pass of a cold build runs the small control document (pdflatex); when it
    fails, the document itself runs that pass (here LuaLaTeX, stopping after its citations):
    the build goes through."""
    tex = (
        "\\documentclass{article}\n\\usepackage[backend=biber]{biblatex}\n"
        f"\\addbibresource{{{BIB_NAME}}}\n"
        "\\newcommand{\\cvbuildcontrolpass}[1]{\\IfFileExists{\\jobname.bbl}{}"
        "{#1\\shipout\\hbox{}\\end{document}}}\n"
        "\\begin{document}\n\\cvbuildcontrolpass{\\nocite{*}\\printbibliography}\n"
        "Text.\\nocite{*}\\printbibliography\n\\end{document}\n"
    )
    control = "\\documentclass{article}\n\\errmessage{cannot}\n"
    steps: list[str] = []
    sandbox = (LATEX_DIR / "cvbuild-sandbox.lua",)  # LuaLaTeX runs it first
    project = RenderedProject(tex, BIB, sandbox, "lualatex", control_tex=control)
    result = compile_project(project, tmp_path, source_date_epoch=0, progress=Progress(started=steps.append))  # fmt: skip
    assert steps[1:5] == ["pdflatex 1 (for biber)", "lualatex 1", "biber 1", "lualatex 2"], steps
    assert "Notes on the Analytical Engine" in pdf_text(result.pdf)


@pytest.mark.tex
@pytest.mark.parametrize(
    ("language", "armenian"), [("en", ""), ("de", ""), ("de", " Երևան")],
    ids=["en", "de", "de-lualatex"],
)  # fmt: skip
def test_the_control_document_writes_the_documents_bcf(
    tmp_path: Path, language: str, armenian: str
) -> None:
    """A cold build: the control document's pass (pdflatex, whatever the document's engine),
    biber, one pass of the document, which writes the same .bcf (else biber would run again)
    and an .aux that reads as the control pass's (else TeX would)."""
    content = make_content(tmp_path, _sections(2, armenian), bib=BIB)
    replace_in(content / "person.yaml", "  as_of: 2024-01-31\n",
               f"  as_of: 2024-01-31\n  language: {language}\n")  # fmt: skip
    output, passes = _build(content, tmp_path / "build", tmp_path / "cv.pdf")
    assert "  pdflatex 1 (for biber) " in output and passes == 2, output
    assert "biber 2" not in output
    work = tmp_path / "build" / "full"
    bcf = (work / "cv.bcf").read_bytes()
    command = [*tex_command("pdflatex", None)[:-1], "-jobname=cv", CONTROL_TEX]
    env = {**os.environ, "openin_any": "p", "openout_any": "p"}
    subprocess.run(command, cwd=work, env=env, check=True, capture_output=True)
    assert (work / "cv.bcf").read_bytes() == bcf
