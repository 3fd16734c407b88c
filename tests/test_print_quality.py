"""Archival PDF/A-2b, metadata, embedded fonts, page size, links, clean lines, same bytes on
every build, PNG previews."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from cvbuild import __version__
from tests.conftest import BuiltPdf, copy_seed, make_content, replace_in, run_cli

pytestmark = pytest.mark.tex

A4 = (595.28, 841.89)


@pytest.fixture(params=["full", "short"])
def shipped(request: pytest.FixtureRequest) -> BuiltPdf:
    return request.getfixturevalue(f"{request.param}_pdf")


def _xmp(pdf: Path) -> str:
    data = pdf.read_bytes()
    match = re.search(rb"<x:xmpmeta.*?</x:xmpmeta>", data, re.S)
    assert match, "no XMP packet"
    return match.group().decode("utf-8")


def test_pdfa_2b_markers_and_metadata(shipped: BuiltPdf) -> None:
    xmp = _xmp(shipped.path)
    assert "<pdfaid:part>2</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    reader = PdfReader(shipped.path)
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert intents and intents[0].get_object()["/S"] == "/GTS_PDFA1"
    assert intents[0].get_object()["/DestOutputProfile"]  # the ICC profile is embedded
    meta = reader.xmp_metadata
    assert meta.dc_title == {"x-default": "Curriculum Vitae — Sebastian Lapuschkin"}
    assert meta.dc_creator == ["Sebastian Lapuschkin"]
    variant = shipped.path.stem
    assert meta.dc_description["x-default"].startswith(f"{variant}: ")
    assert "Explainable Artificial Intelligence" in meta.dc_subject
    assert meta.dc_language == ["en"]
    assert meta.xmp_creator_tool == f"cvbuild {__version__}"
    assert reader.metadata.title == "Curriculum Vitae — Sebastian Lapuschkin"


def test_fonts_embedded_no_type3(shipped: BuiltPdf) -> None:
    rows = subprocess.run(["pdffonts", str(shipped.path)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]  # fmt: skip
    assert rows
    for row in rows:
        assert "Type 3" not in row, row
        name, embedded, subset = row.split()[0], row.split()[-5], row.split()[-4]
        assert (embedded, subset) == ("yes", "yes"), row
        assert re.match(r"^[A-Z]{6}\+", name), row


def test_a4_pages_and_live_links(shipped: BuiltPdf) -> None:
    reader = PdfReader(shipped.path)
    targets = []
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            A4, abs=0.5
        )
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            uri = annotation.get("/A", {}).get("/URI")
            if uri:
                targets.append(str(uri))
                assert annotation.get("/Border", [0, 0, 0])[-1] == 0  # coloured text, no box
    assert "mailto:sebastian@lapuschkin.com" in targets
    assert "tel:+491774832754" in targets
    assert any(t.startswith("https://doi.org/") for t in targets)
    assert any(t.startswith("https://github.com/") for t in targets)


def test_no_line_runs_into_the_margin(shipped: BuiltPdf) -> None:
    widths = [
        float(w) for w in re.findall(r"^Overfull \\hbox \(([\d.]+)pt too wide", shipped.log, re.M)
    ]
    assert all(w <= 1.0 for w in widths), widths
    assert "too wide" not in shipped.output


def test_overfull_lines_are_reported_with_their_item(tmp_path: Path) -> None:
    long_number = "1234567890" * 9  # digits: TeX cannot break or hyphenate them
    sections = {"sections": [{"id": "prizes", "kind": "awards", "title": "Prizes",
                              "awards": [{"name": f"Prize {long_number}", "year": 2020}]}]}  # fmt: skip
    content = make_content(tmp_path, json.dumps(sections))
    result = run_cli("pdf", "--content", str(content), "-o", str(tmp_path / "cv.pdf"), "--build-dir", str(tmp_path / "b"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert re.search(
        r"warning: prizes / 2020 Prize 1234567890.*: line too wide by \d+\.\d pt", result.output
    ), result.output


@pytest.mark.parametrize("extra", ["", "Երևան"], ids=["pdflatex", "lualatex"])
def test_same_content_same_bytes(tmp_path: Path, extra: str) -> None:
    digests = []
    for name in ("first", "second"):
        content = copy_seed(tmp_path / name)
        if extra:
            replace_in(
                content / "person.yaml",
                "nationality: {en: german,",
                f"nationality: {{en: german ({extra}),",
            )
        pdf = tmp_path / name / "cv.pdf"
        result = run_cli("pdf", "--variant", "short", "--content", str(content), "-o", str(pdf),
                         "--build-dir", str(tmp_path / name / "build"))  # fmt: skip
        assert result.exit_code == 0, result.output
        digests.append(hashlib.sha256(pdf.read_bytes()).hexdigest())
        time.sleep(1.5)  # time stamps must come from the content, not the clock
    assert digests[0] == digests[1]


def test_without_pdfa_the_metadata_stays(tmp_path: Path) -> None:
    content = make_content(
        tmp_path, "sections:\n  - {id: b, kind: bio, title: Bio, paragraphs: [Hi.]}\n"
    )
    pdf = tmp_path / "cv.pdf"
    result = run_cli("pdf", "--no-pdfa", "--content", str(content), "-o", str(pdf), "--build-dir", str(tmp_path / "b"))  # fmt: skip
    assert result.exit_code == 0, result.output
    reader = PdfReader(pdf)
    assert "pdfaid" not in pdf.read_bytes().decode("latin-1")
    assert reader.metadata.title == "Curriculum Vitae — Ada Lovelace"
    assert reader.metadata.author == "Ada Lovelace"


def test_png_pages(tmp_path: Path) -> None:
    from cvbuild.png import with_mark

    content = make_content(
        tmp_path, "sections:\n  - {id: b, kind: bio, title: Bio, paragraphs: [Hi.]}\n"
    )
    # a stale page of a longer, older version (cvbuild marks the pages it writes; issue 12)
    (tmp_path / "cv-7.png").write_bytes(with_mark(b"\x89PNG\r\n\x1a\n" + bytes(25) + b"old"))
    result = run_cli("pdf", "--png", "--content", str(content), "-o", str(tmp_path / "cv.pdf"), "--build-dir", str(tmp_path / "b"))  # fmt: skip
    assert result.exit_code == 0, result.output
    pngs = sorted(tmp_path.glob("cv-*.png"))
    assert [p.name for p in pngs] == ["cv-1.png"]
    assert pngs[0].read_bytes().startswith(b"\x89PNG")
