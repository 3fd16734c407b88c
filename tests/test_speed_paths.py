"""The fast paths of issue 20 give the bytes a cold build gives: one TeX pass after an edit that
moves nothing, more when the page count changes, biber's output reused by its input hash, on
both engines. Timing is bench/'s business; these tests count passes and compare bytes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cvbuild.bibliography import _TEXT, _to_text
from cvbuild.compile import tex_command
from cvbuild.repertoire import engine_for, unprintable
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
    assert f"  {engine} 1 " in output and passes <= 3

    # an edit that moves no page break and no number: one pass, the bytes of a cold build
    replace_in(content / "sections.yaml", "again and again. 0", "again and AGAIN. 0")
    output, passes = _build(content, build, pdf)
    assert passes == 1 and not _BIBER.search(output), output
    assert "again and AGAIN" in pdf_text(pdf)
    assert pdf.read_bytes() == _cold_bytes(content, tmp_path / "c1", monkeypatch)

    # an edit that adds pages: "page x of y" changes, so TeX runs until it has settled
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pages_before = pdf_text(pdf).count("\f")
    (content / "sections.yaml").write_text(_sections(14, greek), encoding="utf-8")
    output, passes = _build(content, build, pdf)
    assert pdf_text(pdf).count("\f") > pages_before and passes >= 2
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
def test_the_shipped_cv_takes_three_passes_cold_and_one_after_an_edit(
    tmp_path: Path,
) -> None:
    content = copy_seed(tmp_path)
    build, pdf = tmp_path / "build", tmp_path / "full.pdf"
    _, cold = _build(content, build, pdf)
    assert cold <= 3
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
    assert _to_text(value) == _TEXT.latex_to_text(value).strip()


def test_character_checks_answer_as_before_for_ascii_and_beyond() -> None:
    assert unprintable("plain ascii\twith\nwhitespace") == []
    assert [i for i, _ in unprintable("ab\x0bc日")] == [2, 4]  # a control character, CJK
    assert engine_for(["plain", "Müller"]) == "pdflatex"
    assert engine_for(["plain", "Ωmega"]) == "pdflatex"  # Greek: LGR
    assert engine_for(["plain", "Երևան"]) == "lualatex"  # Armenian
