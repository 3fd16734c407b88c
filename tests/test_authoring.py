"""Authoring: init, validate, schema, tex, watch, progress output, styles."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from pypdf import PdfReader
from ruamel.yaml import YAML

from tests.conftest import CONTENT, ROOT, copy_seed, pdf_text, replace_in, run_cli

pytestmark = pytest.mark.tex


def test_init_then_pdf_builds_both_variants(tmp_path: Path) -> None:
    folder = tmp_path / "my-cv"
    result = run_cli("init", str(folder), "--name", "Grace Brewster Hopper")
    assert result.exit_code == 0, result.output
    assert (folder / "cvbuild.schema.json").exists()
    for yaml_file in folder.glob("*.yaml"):
        assert yaml_file.read_text(encoding="utf-8").startswith(
            "# yaml-language-server: $schema=cvbuild.schema.json"
        )
    result = run_cli("pdf", "--all", "--content", str(folder), "--out-dir", str(tmp_path / "out"),
                     "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code == 0, result.output
    full = " ".join(pdf_text(tmp_path / "out" / "full.pdf").split())
    assert "Grace Brewster Hopper works on machine learning" in full
    assert "An Example Journal Article" in full and "Example Street 1" in full
    short = pdf_text(tmp_path / "out" / "short.pdf")
    assert "An Example Preprint" in short and "An Example Conference Paper" not in short
    again = run_cli("init", str(folder))
    assert again.exit_code == 1 and "person.yaml: it already exists" in again.output


def _starter(tmp_path: Path) -> Path:
    folder = tmp_path / "cv"
    assert run_cli("init", str(folder)).exit_code == 0
    return folder


def test_validate_reports_every_planted_problem_with_its_line(tmp_path: Path) -> None:
    folder = _starter(tmp_path)
    person, sections, bib = (
        folder / n for n in ("person.yaml", "sections.yaml", "publications.bib")
    )
    replace_in(person, "  font_size: 11", "  font_size: 13")
    replace_in(sections, "            summary: Research", "            sumary: Research")
    replace_in(sections, "period: 2019 – 2022\n            distinction", "period: 2019 – 20x2\n            distinction")  # fmt: skip
    replace_in(bib, "  year      = {2023},\n", "")

    def line_of(path: Path, needle: str) -> int:
        return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)

    result = run_cli("validate", "--content", str(folder))
    assert result.exit_code == 1
    output = result.output
    assert (
        f"person.yaml:{line_of(person, 'font_size: 13')}:14: settings.font_size: expected one of"
        in output
    )
    assert f"sections.yaml:{line_of(sections, 'sumary:')}:13: " in output and "unknown key 'sumary'; did you mean 'summary'?" in output  # fmt: skip
    assert f"sections.yaml:{line_of(sections, '20x2')}:" in output and "expected a period" in output
    # issue 15: an entry without a year is skipped with a warning, not an error
    assert f"warning: {bib}:{line_of(bib, '@inproceedings{')}: example2023conference" in output
    assert "3 problems found" in output


def test_validate_warns_but_passes(tmp_path: Path) -> None:
    folder = _starter(tmp_path)
    replace_in(folder / "sections.yaml", ", selected: true}", "}")
    replace_in(folder / "publications.bib", "  doi      = {10.1000/example.1},\n", "")
    result = run_cli("validate", "--content", str(folder))
    assert result.exit_code == 0, result.output
    assert re.search(
        r"variants\.yaml:\d+: variants\.short: section 'awards' is left out: its rules "
        r"leave nothing to print",
        result.output,
    )
    assert "example2024journal: selected publication has no doi, url or eprint" in result.output
    assert "no problems (2 warning(s))" in result.output


def _yaml_as_json(folder: Path) -> dict:
    """The content as the editor's schema check sees it (dates as the strings they are)."""
    merged: dict = {}
    for file in sorted(folder.glob("*.yaml")):
        merged.update(YAML(typ="safe").load(file.read_text(encoding="utf-8")) or {})
    return json.loads(json.dumps(merged, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v)))  # fmt: skip


def test_schema_accepts_the_shipped_content_and_rejects_a_typo() -> None:
    from cvbuild.scaffold import schema_text

    schema = json.loads((CONTENT / "cvbuild.schema.json").read_text(encoding="utf-8"))
    assert schema == json.loads(schema_text())
    data = _yaml_as_json(CONTENT)
    jsonschema.validate(data, schema)  # bilingual texts ({en: ..., de: ...}) included
    bad = json.loads(json.dumps(data))
    bad["sections"][0]["title"] = {"english": "Short Bio"}  # not a language tag
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    data["person"]["emial"] = data["person"].pop("email")
    with pytest.raises(jsonschema.ValidationError, match="emial"):
        jsonschema.validate(data, schema)


def test_tex_export_compiles_with_plain_latexmk(tmp_path: Path, short_pdf) -> None:
    project = tmp_path / "tex"
    result = run_cli("tex", "--variant", "short", "--content", str(CONTENT), "-o", str(project))
    assert result.exit_code == 0, result.output
    done = subprocess.run(["latexmk"], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
    pages = len(PdfReader(project / "cv.pdf").pages)
    assert pages == len(PdfReader(short_pdf.path).pages)


def test_watch_rebuilds_after_a_change_and_survives_a_broken_file(tmp_path: Path) -> None:
    folder = _starter(tmp_path)
    log = tmp_path / "watch.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "cvbuild", "watch", "--content", str(folder), "--out-dir",
             str(tmp_path / "out"), "--build-dir", str(tmp_path / "build"), "--interval", "0.1"],
            cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        try:
            _wait_for(log, "] ok in", 1)
            sections = folder / "sections.yaml"
            good = sections.read_text(encoding="utf-8")
            sections.write_text(good + "broken: [\n", encoding="utf-8")
            _wait_for(log, "] failed (exit 1)", 1)
            sections.write_text(good.replace("works on", "now works on"), encoding="utf-8")
            _wait_for(log, "] ok in", 2)
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert "now works on" in " ".join(pdf_text(tmp_path / "out" / "full.pdf").split())
    assert "YAML syntax error" in log.read_text()


def _wait_for(log: Path, marker: str, count: int, limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if log.read_text().count(marker) >= count:
            return
        time.sleep(0.2)
    pytest.fail(f"'{marker}' did not appear {count} time(s):\n{log.read_text()}")


def test_stage_lines_quiet_and_verbose(tmp_path: Path) -> None:
    folder = _starter(tmp_path)
    args = ("pdf", "--content", str(folder), "-o", str(tmp_path / "cv.pdf"), "--build-dir", str(tmp_path / "b"))  # fmt: skip
    result = run_cli(*args, "--verbose")
    assert result.exit_code == 0, result.output
    for stage in (
        "load",
        "select",
        "compose",
        "write",
        "preamble",
        "pdflatex 1",
        "biber 1",
        "check",
    ):
        assert f"  {stage} " in result.output, stage
    assert "--- last 20 lines of" in result.output and "Output written on cv.pdf" in result.output
    assert "\r" not in result.output  # no spinner when the output is not a terminal
    (folder / "person.yaml").write_text(
        (folder / "person.yaml").read_text() + "\n", encoding="utf-8"
    )
    quiet = run_cli(*args, "--quiet")
    assert quiet.exit_code == 0 and quiet.output == ""


@pytest.mark.parametrize(
    ("style", "paper"), [("casual", "a4"), ("banking", "letter"), ("oldstyle", "a4")]
)
def test_each_style_builds_the_shipped_cv(tmp_path: Path, style: str, paper: str) -> None:
    person = copy_seed(tmp_path) / "person.yaml"
    replace_in(person, "style: classic", f"style: {style}")
    replace_in(person, "paper: a4", f"paper: {paper}")
    pdf = tmp_path / "cv.pdf"
    result = run_cli("pdf", "--variant", "short", "--content", str(tmp_path / "content"), "-o", str(pdf),
                     "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code in (0, 4), result.output  # another style may need a 5th page
    reader = PdfReader(pdf)
    width = float(reader.pages[0].mediabox.width)
    assert width == pytest.approx(612 if paper == "letter" else 595.28, abs=0.5)
    assert "Sebastian" in pdf_text(pdf) and "Unmasking Clever Hans Predictors" in " ".join(
        pdf_text(pdf).split()
    )
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    if style == "banking":
        assert "TeXGyrePagella" in fonts
