"""The LuaLaTeX fast path (a precompiled preamble, issue 20) never costs correctness: a pass that
loads cvbuild's LuaLaTeX format writes the bytes a pass without it writes, after an edit too,
and a format that cannot be made or loaded only costs speed."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from cvbuild import compile as compile_
from cvbuild import prestart
from tests.conftest import copy_seed, replace_in, run_cli

# U+0535 ARMENIAN CAPITAL LETTER ECH: no font encoding of pdflatex's has Armenian, LuaLaTeX's
# fallback fonts do, so the text goes to LuaLaTeX (cvbuild/repertoire.py).
LUA_ONLY = "\u0535"


def _lua_content(root: Path) -> Path:
    """The shipped content with one letter only LuaLaTeX prints, in text every variant prints."""
    content = copy_seed(root)
    replace_in(content / "sections.yaml", "Fraunhofer", f"Fraunhofe{LUA_ONLY}")
    return content


def _build(content: Path, build: Path, variant: str = "full") -> tuple[Path, str]:
    pdf = build.parent / f"{build.name}-{variant}.pdf"
    result = run_cli("pdf", "--variant", variant, "--content", str(content), "-o", str(pdf),
                     "--build-dir", str(build))  # fmt: skip
    assert result.exit_code == 0, result.output
    return pdf, result.output


def _format_of_last_pass(build_dir: Path) -> str | None:
    """The format TeX's log names on its first line (lualatex.fmt's name when none was loaded)."""
    first = (build_dir / "cv.log").read_text(encoding="latin-1").splitlines()[0]
    return first.partition("(format=")[2].split()[0] if "(format=" in first else None


def _pass_without_format(build_dir: Path, copy: Path) -> bytes:
    """One more TeX pass in a copy of a settled build dir, the ordinary way (no format): the
    bytes the last pass would have written without cvbuild's format."""
    shutil.copytree(build_dir, copy)
    for made in copy.glob("cvbuild-lua-*"):
        made.unlink()
    env = {**os.environ, "openin_any": "p", "openout_any": "p", "max_print_line": "1000",
           "SOURCE_DATE_EPOCH": _source_date_epoch(build_dir), "FORCE_SOURCE_DATE": "1"}  # fmt: skip
    done = compile_.run_tool(prestart.tex_command("lualatex", None), copy, env=env, timeout=240)
    assert done.returncode == 0, done.output[-3000:]
    return (copy / "cv.pdf").read_bytes()


def _source_date_epoch(build_dir: Path) -> str:
    """The time stamp cvbuild gave TeX, read back from the PDF's creation date, so that the pass
    made here writes the same dates."""
    from pypdf import PdfReader

    metadata = PdfReader(build_dir / "cv.pdf").metadata
    created = metadata.creation_date if metadata else None
    assert created is not None
    return str(int(created.timestamp()))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.tex
@pytest.mark.parametrize(
    ("variant", "setting"),
    [
        ("full", None),  # English, PDF/A, classic
        ("full-de", None),  # German: babel's Lua side is in the format
        ("short", ("style: classic", "style: banking")),
        ("short", ("pdf_a: true", "pdf_a: false")),
        ("short", ("style: classic", "style: casual")),
        ("short", ("style: classic", "style: oldstyle")),
        ("dfg", None),  # Arial metrics: the sans font is set after the main fonts
    ],
    ids=["full", "full-de", "banking", "no-pdfa", "casual", "oldstyle", "dfg"],
)
def test_a_pass_with_the_format_writes_the_bytes_of_a_pass_without(
    tmp_path: Path, variant: str, setting: tuple[str, str] | None
) -> None:
    content = _lua_content(tmp_path)
    if setting:
        replace_in(content / "person.yaml", *setting)
    build = tmp_path / "build"
    pdf, output = _build(content, build, variant)
    assert "pdflatex 1 (for biber)" in output and "lualatex 2" in output  # a cold build
    cold = pdf.read_bytes()
    pdf.unlink()  # built again: one pass, with the format made during the cold build
    pdf, output = _build(content, build, variant)
    assert _sha(pdf.read_bytes()) == _sha(cold)
    here = build / variant
    name = _format_of_last_pass(here)
    assert name is not None and name.startswith("cvbuild-lua-"), name
    assert (here / f"{name}.fmt.sum").exists()
    assert _sha(pdf.read_bytes()) == _sha((here / "cv.pdf").read_bytes())
    assert _sha(_pass_without_format(here, tmp_path / "plain")) == _sha(pdf.read_bytes())


@pytest.mark.tex
def test_after_edits_that_change_the_page_count_the_fast_path_gives_the_cold_bytes(
    tmp_path: Path,
) -> None:
    """A warm build dir (format, aux, bbl of the old text) and an edit that adds a page, then
    one that takes it away again: each gives the bytes of a build from nothing."""
    warm = _lua_content(tmp_path / "warm")
    build = tmp_path / "warm" / "build"
    replace_in(warm / "variants.yaml", "page_budget: 4", "page_budget: 6")
    first = _build(warm, build, "short")[0].read_bytes()
    long_text = " ".join(["A sentence that adds lines to the summary of this role."] * 60)
    replace_in(warm / "sections.yaml", "Research Group Leadership", long_text)
    pdf, output = _build(warm, build, "short")
    longer = pdf.read_bytes()
    assert "preamble" in output and _format_of_last_pass(build / "short") is not None
    assert _pages(longer) == _pages(first) + 1
    cold = _lua_content(tmp_path / "cold")
    replace_in(cold / "variants.yaml", "page_budget: 4", "page_budget: 6")
    replace_in(cold / "sections.yaml", "Research Group Leadership", long_text)
    os.environ["XDG_CACHE_HOME"], cache = str(tmp_path / "no-cache"), os.environ["XDG_CACHE_HOME"]
    try:
        from_nothing = _build(cold, tmp_path / "cold" / "build", "short")[0].read_bytes()
    finally:
        os.environ["XDG_CACHE_HOME"] = cache
    assert _sha(longer) == _sha(from_nothing)
    replace_in(warm / "sections.yaml", long_text, "Research Group Leadership")
    shorter = _build(warm, build, "short")[0].read_bytes()
    assert _pages(shorter) == _pages(first)
    assert _sha(shorter) == _sha(first)


def _pages(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.tex
def test_a_format_that_fails_to_load_costs_a_rebuild_not_the_build(tmp_path: Path) -> None:
    """A format that passes its seal but is not one LuaTeX can load (here: another file's bytes)
    is dropped and the build runs the ordinary way."""
    content = _lua_content(tmp_path)
    build = tmp_path / "build"
    good, _ = _build(content, build, "short")
    here = build / "short"
    (fmt,) = here.glob("cvbuild-lua-*.fmt")
    fmt.write_bytes(b"not a format")
    from cvbuild import fmtcache

    fmtcache.seal(fmt)
    cached = fmtcache.format_cache() / fmt.name
    shutil.copyfile(fmt, cached)
    fmtcache.seal(cached)
    good_bytes = good.read_bytes()
    good.unlink()  # the output is gone: cvbuild builds again (with the broken format)
    again, output = _build(content, build, "short")
    assert "lualatex 1" in output
    assert _sha(again.read_bytes()) == _sha(good_bytes)
    assert not fmtcache.sealed(cached) and not fmtcache.sealed(fmt)


@pytest.mark.tex
def test_a_format_that_loads_but_breaks_the_pass_costs_a_rebuild_not_the_build(
    tmp_path: Path,
) -> None:
    """A LuaLaTeX format that loads and then fails the pass (as one missing a package's Lua
    state would): the build runs again without it, gives the same bytes, and drops it."""
    from cvbuild import fmtcache

    content = _lua_content(tmp_path)
    build = tmp_path / "build"
    good = _build(content, build, "short")[0]
    good_bytes = good.read_bytes()
    here = build / "short"
    (fmt,) = here.glob("cvbuild-lua-*.fmt")
    (here / "other.tex").write_text(
        "\\documentclass{article}\n\\csname endofdump\\endcsname\n", encoding="utf-8"
    )
    command = ["lualatex", "-ini", "-interaction=nonstopmode", f"-jobname={fmt.stem}",
               "&lualatex", "mylatexformat.ltx", "other.tex"]  # fmt: skip
    assert compile_.run_tool(command, here, timeout=120).returncode == 0
    fmtcache.seal(fmt)
    cached = fmtcache.format_cache() / fmt.name
    shutil.copyfile(fmt, cached)
    fmtcache.seal(cached)
    good.unlink()  # the output is gone: cvbuild builds again (with the wrong format)
    again, output = _build(content, build, "short")
    assert "lualatex 1" in output
    assert _sha(again.read_bytes()) == _sha(good_bytes)
    assert not fmtcache.sealed(cached) and not fmtcache.sealed(fmt)


def test_lua_formats_are_named_apart_from_pdflatex_formats() -> None:
    """The same preamble goes to either engine (the text decides): their formats never mix."""
    from cvbuild.writers.latex import DUMP_MARKER, RenderedProject

    tex = "\\documentclass{moderncv}\n" + DUMP_MARKER + "\n\\begin{document}\\end{document}\n"
    lua = compile_._format_name(RenderedProject(tex, "", (), "lualatex"))
    pdf = compile_._format_name(RenderedProject(tex, "", (), "pdflatex"))
    assert lua is not None and pdf is not None
    assert lua.startswith("cvbuild-lua-") and not pdf.startswith("cvbuild-lua-")
    assert compile_._format_name(RenderedProject("\\begin{document}", "", (), "lualatex")) is None
