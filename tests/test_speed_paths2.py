"""Issue 20, second round: the one-field edit path does each piece of work once. The content is
loaded once per `cvbuild pdf`, the layout check reads the PDF once with one library (PDFium),
a build imports neither pypdf nor the writers it does not use, and `--help` imports none of the
pipeline. Timing is bench/'s business: these tests count calls and imports, and compare what
the one-pass reader finds with what the PDF shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cvbuild import check, load, outputs
from tests.conftest import ROOT, make_content, pdf_text, replace_in, run_cli

SECTIONS = (
    "sections:\n  - id: about\n    kind: bio\n    title: About Me\n    paragraphs: ['{text}']\n"
)
WORDS = ("characteristically", "incomprehensibilities", "internationalization",
         "electroencephalography", "counterrevolutionaries", "interdisciplinarity")  # fmt: skip
LONG = " ".join(WORDS * 12)  # long words: some lines end in a hyphen TeX adds


def _imported_by(code: str, *args: str) -> tuple[set[str], str]:
    """The modules a fresh interpreter holds after `code` (run with `args`), and what `code`
    printed before them."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,
                          env=env, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed, _, modules = done.stdout.rstrip("\n").rpartition("\n")
    return set(modules.split()), printed


def test_help_imports_no_pipeline() -> None:
    """`cvbuild --help` stays cheap: click and the CLI, not pydantic, the loader or PDF code."""
    code = "from cvbuild.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    modules, _ = _imported_by(code)
    assert "cvbuild.cli" in modules and "click" in modules
    for heavy in ("pydantic", "cvbuild.models", "cvbuild.pipeline", "ruamel", "pypdf",
                  "pypdfium2", "bibtexparser", "docx", "pylatex"):  # fmt: skip
        assert heavy not in modules, heavy


@pytest.mark.tex
def test_edit_rebuild_loads_once_and_imports_no_pypdf(tmp_path: Path) -> None:
    """A rebuild over an existing PDF (the refusal check must know the build's inputs) parses
    the content once, and never imports pypdf or the other writers."""
    content = make_content(tmp_path, SECTIONS.format(text="First words."))
    pdf, build = tmp_path / "cv.pdf", tmp_path / "build"
    args = ["pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(build)]
    assert run_cli(*args).exit_code == 0
    replace_in(content / "sections.yaml", "First words.", "Second words.")
    code = (
        "import sys\nfrom cvbuild import load\nfrom cvbuild.cli import main\n"
        "calls = []\noriginal = load.load_cv\n"
        "def counted(*a, **k):\n    calls.append(1)\n    return original(*a, **k)\n"
        "load.load_cv = counted\n"
        "import cvbuild.pipeline, cvbuild.outputs\ncvbuild.pipeline.load_cv = counted\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(f'loads={len(calls)}')"
    )
    modules, printed = _imported_by(code, *args)
    assert "Second words" in pdf_text(pdf)
    assert "loads=1" in printed, "the content was parsed more than once"
    assert "pypdfium2" in modules  # the layout check ran
    for unused in ("pypdf", "docx", "cvbuild.writers.html", "cvbuild.writers.docx"):
        assert unused not in modules, unused


@pytest.mark.tex
def test_one_pass_reader_lines_and_boxes(tmp_path: Path) -> None:
    """The lines the page rules get: inside the text block, top to bottom, left to right, a
    hyphen TeX adds at a line break read as '-', the footer left out; the boxes of the same
    pass are those `text_boxes` gives."""
    content = make_content(tmp_path, SECTIONS.format(text=LONG))
    pdf = tmp_path / "cv.pdf"
    result = run_cli("pdf", "--content", str(content), "-o", str(pdf), "--build-dir",
                     str(tmp_path / "b"))  # fmt: skip
    assert result.exit_code == 0, result.output
    margin = check.length_pt("2cm")
    pages = check.read_pages(pdf, margin)
    height, lines = pages[0].lines
    tops = [line.top for line in lines]
    assert tops == sorted(tops) and all(margin - 15 < top < height - margin + 2 for top in tops)
    assert any(line.text == "About Me" for line in lines)
    joined = " ".join(line.text for line in lines)
    assert "characteristically incomprehensibilities internationalization" in joined
    assert "\ufffe" not in joined and "\x02" not in joined
    broken = [line.text for line in lines if line.text.endswith("-")]
    assert broken, "no word was hyphenated at a line break"
    assert [p.boxes for p in pages] == check.text_boxes(pdf)
    assert check.layout_warnings(pdf, ["About Me"], margin) == []
    # the footer (page x of y) sits below the text block: only a zero bottom margin reads it
    footer = [p.lines for p in check.read_pages(pdf, 0.0)]
    assert len(footer[0][1]) > len(lines)


@pytest.mark.tex
def test_creator_read_with_pdfium(tmp_path: Path) -> None:
    """cvbuild's own PDF is recognised without pypdf; another PDF, a damaged one, a non-PDF are
    not cvbuild's."""
    content = make_content(tmp_path, SECTIONS.format(text="Words."))
    pdf = tmp_path / "cv.pdf"
    run_cli("pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(tmp_path / "b"))
    assert outputs.is_cvbuild_pdf(pdf)
    data = pdf.read_bytes()
    (tmp_path / "other.pdf").write_bytes(data.replace(b"(cvbuild", b"(someone"))
    assert not outputs.is_cvbuild_pdf(tmp_path / "other.pdf")
    (tmp_path / "cut.pdf").write_bytes(data[:200])
    assert not outputs.is_cvbuild_pdf(tmp_path / "cut.pdf")
    (tmp_path / "text.pdf").write_text("not a PDF", encoding="utf-8")
    assert not outputs.is_cvbuild_pdf(tmp_path / "text.pdf")


def test_build_inputs_uses_the_loaded_cv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the CV the command loaded, the inputs are listed without loading it again."""
    bib = "@article{a, author={Doe, J}, title={T}, journal={J}, year={2020}}\n"
    content = make_content(tmp_path, SECTIONS.format(text="Words."), bib=bib)
    cv = load.load_cv(content)
    found = outputs.build_inputs(content)

    def forbidden(*_: object, **__: object) -> None:
        raise AssertionError("loaded again")

    monkeypatch.setattr(load, "load_cv", forbidden)
    assert outputs.build_inputs(content, cv) == found
    assert any(path.suffix == ".bib" for path in found)
