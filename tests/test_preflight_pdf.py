"""Funder variants built with real TeX and checked by the preflight on the PDF they produce:
the shipped ones pass, each deliberate violation exits with 4 and names its rule."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import copy_seed, pdf_text, replace_in, run_cli

pytestmark = pytest.mark.tex


def _build(content: Path, variant: str, work: Path, *extra: str) -> tuple[int, str]:
    result = run_cli(
        "pdf", "--variant", variant, "--content", str(content),
        "--out-dir", str(work / "out"), "--build-dir", str(work / "build"), *extra,
    )  # fmt: skip
    return result.exit_code, result.output


def _report(work: Path, variant: str) -> dict[str, dict[str, str]]:
    data = json.loads((work / "out" / f"{variant}.preflight.json").read_text(encoding="utf-8"))
    return {rule["id"]: rule for rule in data["rules"]}


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_seed(tmp_path_factory.mktemp("funders"))


@pytest.mark.parametrize("variant", ["dfg", "erc", "berufung", "msca"])
def test_each_shipped_funder_variant_passes_its_preflight(
    variant: str, seed: Path, tmp_path: Path
) -> None:
    code, output = _build(seed, variant, tmp_path)
    assert code == 0, output
    rules = _report(tmp_path, variant)
    assert not [r for r in rules.values() if r["outcome"] == "fail"]
    text = (tmp_path / "out" / f"{variant}.preflight.txt").read_text(encoding="utf-8")
    assert len(text.splitlines()) == len(rules) + 2  # title, one line per rule, summary
    assert "preflight: 0 " in output


def test_the_dfg_variant_looks_as_the_form_asks(seed: Path, tmp_path: Path) -> None:
    code, output = _build(seed, "dfg", tmp_path)
    assert code == 0, output
    rules = _report(tmp_path, "dfg")
    pdf = tmp_path / "out" / "CV_PubList_Lapuschkin.pdf"  # the name the pack asks for
    fonts = set()
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert {"TeXGyreHeros-Regular", "TeXGyreHeros-Bold"} <= fonts
    assert not any(f.startswith("LM") for f in fonts)
    size = float(rules["T-size"]["measured"].split(" pt")[0])
    spacing = float(rules["T-spacing"]["measured"].split()[0])
    assert size >= 11 and spacing >= 1.2
    text = " ".join(pdf_text(pdf).split())
    assert "A: Peer-reviewed publications" in text and "B: Other publications" in text
    b_list = text.split("B: Other publications")[1]
    assert "arXiv:" in b_list  # the preprints are in B
    assert "Involvement: First author; developed Spectral Relevance Analysis" in text
    assert text.count("Open Access") >= 12  # 12 marked (one .bib note says so too)
    for private in ("1986", "Kaiserin-Augusta", "483-2754", "german"):
        assert private not in text


# --------------------------------------------------------------------------- violations


def _variant(content: Path, name: str, body: str) -> None:
    path = content / "variants.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"\n  {name}:\n{body}", encoding="utf-8")


DFG_LIKE = """\
    pack: dfg-53.200@2023
    sections: [experience, education, publications]
    rules:
      experience: {selected_only: true, brief: true}
      education: {brief: true}
    publications: {selected_only: true}
"""


def _violates(content: Path, variant: str, work: Path, rule_id: str) -> dict[str, str]:
    code, output = _build(content, variant, work)
    assert code == 4, output
    assert f"{rule_id} (" in output  # the message names the rule
    written = re.search(r"the PDF was written to (.+\.pdf)\)", output)
    assert written and Path(written[1]).is_file(), output  # the PDF is still written
    rule = _report(work, variant)[rule_id]
    assert rule["outcome"] == "fail"
    return rule


def test_eleven_peer_reviewed_outputs_break_the_dfg_cap(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    replace_in(
        content / "person.yaml",
        "  overrides:\n",
        "  overrides:\n    binder2016architectures: {selected: true}\n",
    )
    _variant(content, "eleven", DFG_LIKE)
    rule = _violates(content, "eleven", tmp_path, "D2-A")
    assert rule["measured"].startswith("11 outputs")


def test_a_10pt_font_breaks_the_dfg_minimum(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    _variant(content, "small", DFG_LIKE + "    font_size: 10\n")
    rule = _violates(content, "small", tmp_path, "T-size")
    assert rule["measured"].startswith("10 pt")


def _png(size: int = 8) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\0" + bytes((0, 0, 200)) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + (chunk(b"IEND", b""))
    )


def test_a_photo_breaks_the_dfg_form(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    (content / "face.png").write_bytes(_png())
    replace_in(content / "person.yaml", "  family_name: Lapuschkin\n",
               "  family_name: Lapuschkin\n  photo: face.png\n")  # fmt: skip
    _variant(content, "photo", DFG_LIKE + "    personal: [academic_title, photo]\n")
    rule = _violates(content, "photo", tmp_path, "S-photo")
    assert rule["measured"] == "1 image"


def test_an_h_index_line_fails_where_the_variant_makes_metrics_an_error(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    body = DFG_LIKE + "    header_note: 'h-index: 42 (Google Scholar)'\n"
    _variant(content, "metrics", body + "    pack_rules: {D6-metrics: {severity: error}}\n")
    rule = _violates(content, "metrics", tmp_path, "D6-metrics")
    assert "h-index: 42" in rule["measured"]
    # the DFG's own wording ("not required") makes it a warning: reported, exit 0
    _variant(content, "metrics-warned", body)
    code, output = _build(content, "metrics-warned", tmp_path)
    assert code == 0 and "D6-metrics: 1 found" in output


def test_a_missing_orcid_fails_where_the_variant_requires_it(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    _variant(content, "orcid", DFG_LIKE + "    pack_rules: {S-orcid: {severity: error}}\n")
    _violates(content, "orcid", tmp_path, "S-orcid")
    # with an ORCID iD in the person data, the same variant passes
    replace_in(
        content / "person.yaml",
        "    - network: github\n",
        "    - network: orcid\n      username: 0000-0002-1825-0097\n    - network: github\n",
    )
    code, output = _build(content, "orcid", tmp_path)
    assert code == 0, output
    assert _report(tmp_path, "orcid")["S-orcid"]["measured"] == "0000-0002-1825-0097"


def test_five_pages_break_the_erc_limit(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    _variant(content, "long", "    pack: erc-2026\n    sections: [bio, experience, education, "
             "teaching, talks, publications]\n")  # fmt: skip
    rule = _violates(content, "long", tmp_path, "E1-pages")
    assert int(rule["measured"].split()[0]) >= 5


# --------------------------------------------------------------------------- any PDF


def test_preflight_checks_a_pdf_made_by_hand(tmp_path: Path) -> None:
    (tmp_path / "cv.tex").write_text(
        "\\documentclass[10pt]{article}\\usepackage[T1]{fontenc}\\usepackage{lmodern}"
        "\\begin{document}\\section*{CV}" + "Some text of a CV made by hand. " * 200
        + "\\end{document}\n",
        encoding="utf-8",
    )  # fmt: skip
    subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "cv.tex"],
        cwd=tmp_path, capture_output=True, check=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    out = tmp_path / "reports"
    result = run_cli(
        "preflight", str(tmp_path / "cv.pdf"), "--pack", "dfg-53.200@2023", "--out-dir", str(out)
    )
    assert result.exit_code == 4, result.output
    lines = {line.split(":")[0].split()[-1]: line for line in result.output.splitlines()[1:-2]}
    assert lines["T-size"].startswith("FAIL") and "10 pt" in lines["T-size"]
    assert lines["T-font"].startswith("FAIL") and "LMRoman10-Regular" in lines["T-font"]
    assert lines["D2-A"].startswith("not checked") and lines["P-oa"].startswith("not checked")
    assert lines["S-photo"].startswith("pass")
    assert (out / "cv.preflight.txt").is_file() and (out / "cv.preflight.json").is_file()


def test_preflight_of_a_shipped_pdf_against_another_pack(tmp_path: Path, seed: Path) -> None:
    code, output = _build(seed, "dfg", tmp_path)
    assert code == 0, output
    pdf = tmp_path / "out" / "CV_PubList_Lapuschkin.pdf"  # the name the pack asks for
    shutil.copy(pdf, tmp_path / "CV_PubList_Lapuschkin.pdf")
    result = run_cli("preflight", str(tmp_path / "CV_PubList_Lapuschkin.pdf"), "--pack",
                     "dfg-53.200@2023", "--out-dir", str(tmp_path / "r"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "pass         F-name: measured CV_PubList_Lapuschkin.pdf" in result.output
