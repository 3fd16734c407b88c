"""Hostile input is inert: TeX in YAML text prints literally, TeX in .bib fields is refused,
and nothing outside the build tree is read or written."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import make_content, pdf_text, run_cli

pytestmark = pytest.mark.tex

TOKEN = "SECRET-TOKEN-4711"


def hostile_strings(tmp_path: Path) -> tuple[list[str], Path]:
    secret = tmp_path / "secret.tex"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    marker = tmp_path / "marker"
    return [
        r"\input{/etc/hostname}",
        rf"\input{{{secret}}}",
        rf"\immediate\write18{{touch {marker}}}",
        rf"\immediate\openout5={marker}\immediate\write5{{x}}\immediate\closeout5",
        rf"^^5cinput{{{secret}}}",
        r"\catcode`\{=12 \catcode`\}=12",
        r"\def\x{\x}\x",
        r"\end{document}",
        rf"\directlua{{os.execute('touch {marker}')}}",
        r"\makeatletter\@@end",
    ], marker


def _squash(text: str) -> str:
    """Without white space and hyphens: pdftotext drops a hyphen where a line breaks after it."""
    return "".join(unicodedata.normalize("NFKC", text).split()).replace("-", "")


@pytest.mark.parametrize("extra", ["", "Երևան"], ids=["pdflatex", "lualatex"])
def test_tex_in_yaml_text_prints_literally(tmp_path: Path, extra: str) -> None:
    strings, marker = hostile_strings(tmp_path)
    awards = [
        {"name": text, "year": 2000, "description": text} for text in [*strings, extra or "x"]
    ]
    sections = {"sections": [{"id": "a", "kind": "awards", "title": "Awards", "awards": awards}]}
    content = make_content(tmp_path, json.dumps(sections))
    pdf = tmp_path / "cv.pdf"
    result = run_cli("pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = _squash(pdf_text(pdf))
    for hostile in strings:
        assert text.count(_squash(hostile)) == 2, hostile  # name and description, literally
    assert TOKEN not in text
    assert Path("/etc/hostname").read_text().strip() + "Awards" not in text
    assert not marker.exists()
    log = (tmp_path / "build" / "full" / "cv.log").read_text(encoding="latin-1")
    assert ("LuaHBTeX" in log) == bool(extra)


def test_tex_in_bib_fields_is_refused_before_tex(tmp_path: Path) -> None:
    strings, marker = hostile_strings(tmp_path)
    bib = "".join(
        f"@article{{e{i}, author={{Lovelace, Ada}}, title={{{text}}}, journal={{J}}, year={{2000}}}}\n"
        for i, text in enumerate(strings)
    )
    sections = (
        "sections:\n  - {id: p, kind: publications, title: Publications,\n"
        "     lists: [{category: journal, title: Articles}]}\n"
    )
    content = make_content(tmp_path, sections, bib=bib)
    pdf = tmp_path / "cv.pdf"
    result = run_cli("pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code == 1, result.output
    for i in range(len(strings)):
        assert f"refs.bib:{i + 1}: e{i}.title:" in result.output, (i, result.output)
    assert "Traceback" not in result.output
    assert not pdf.exists() and not marker.exists()
    assert not (tmp_path / "build").exists()  # refused before any TeX ran
