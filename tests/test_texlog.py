"""Reading TeX's logs (cvbuild.texlog), on logs saved from real builds (tests/data/logs/):
overfull.* from a CV with a too-long award name and an unbreakable .bib title, undefined.* from
a hand-written .tex with cvbuild's markers and an undefined command."""

from __future__ import annotations

from pathlib import Path

from cvbuild import texlog

LOGS = Path(__file__).parent / "data" / "logs"


def saved(name: str, **extra: str) -> texlog.Texts:
    return texlog.Texts(
        log=(LOGS / f"{name}.log").read_text(encoding="latin-1"),
        tex_lines=(LOGS / f"{name}.tex").read_text(encoding="utf-8").splitlines(),
        **extra,
    )


def test_overfull_lines_name_the_item_and_its_yaml_line() -> None:
    texts = saved("overfull")
    found = texlog.overfull_boxes(texts.log, texts.tex_lines, {"wide2": "refs.bib:3"})
    assert found == [
        "awards / 2021 Supercalifragilisticexpialidociousprizeforunbreakablewo… (sections.yaml:7):"
        " line too wide by 197.4 pt",
        "publications / wide2 (refs.bib:3): line too wide by 137.1 pt",
    ]


def test_overfull_lines_within_the_tolerance_are_not_reported() -> None:
    texts = saved("overfull")
    log = texts.log.replace("197.39583pt too wide", "1.0pt too wide")
    assert len(texlog.overfull_boxes(log, texts.tex_lines)) == 1
    log = texts.log.replace("197.39583pt too wide", "1.01pt too wide")
    assert len(texlog.overfull_boxes(log, texts.tex_lines)) == 2


def test_an_overfull_line_after_a_list_is_no_entry_of_it() -> None:
    texts = saved("overfull")
    log = (
        texts.log
        + "\ncvbuild-entries-end\nOverfull \\hbox (5.0pt too wide) in paragraph at lines 25--25\n"
    )
    assert texlog.overfull_boxes(log, texts.tex_lines)[-1].startswith("awards / ")


def test_an_error_names_section_item_and_line_in_a_few_lines() -> None:
    error = texlog.failure(saved("undefined", log_path="/b/cv.log"))
    message = str(error)
    assert error.section == "awards" and error.source == "sections.yaml:7"
    assert "cv.tex:8: Undefined control sequence" in message
    assert "in the generated .tex: \\undefinedcommand" in message
    assert "strings out of" not in message and message.endswith("Full log: /b/cv.log")
    assert len(message.splitlines()) <= 8


def test_without_a_tex_error_biber_speaks_then_latexmk() -> None:
    blg = "[12] Biber.pm:131> ERROR - BibTeX subsystem: cv.bib, line 3, syntax error\n"
    error = texlog.failure(texlog.Texts("no error here", [], blg=blg, blg_path="/b/cv.blg"))
    assert str(error).startswith("biber failed:\n  biber error: BibTeX subsystem")
    error = texlog.failure(texlog.Texts("", [], latexmk_output="a\nb\nLatexmk: gave an error"))
    assert str(error).startswith("latexmk failed:") and "gave an error" in str(error)


def test_log_problems_and_pages() -> None:
    texts = saved("overfull")
    assert texlog.log_problems(texts.log) == []
    assert texlog.pages_written(texts.log) == 1
    assert texlog.pages_written("nothing") is None
    log = "Missing character: There is no ж in font lmr10!\nMissing character: There is no ж in font lmr10!"
    assert texlog.log_problems(log) == ["missing glyph ж in font lmr10"]
