"""`cvbuild import`: real RenderCV and JSON Resume files (tests/data/import, see its SOURCE.md)
become content folders that build, and every text of the source is in the PDF or listed as not
mapped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from cvbuild.importers import date_text, load_jsonish, period_text, title_of
from cvbuild.importers.rendercv import read as read_rendercv
from tests.conftest import read_pdf, run_cli, squash

DATA = Path(__file__).parent / "data" / "import"
DATE_KEYS = {"date", "start_date", "end_date", "startDate", "endDate", "releaseDate"}


def imported_pdf(tmp_path: Path, source_format: str, source: Path):
    folder = tmp_path / "cv"
    result = run_cli("import", source_format, str(source), str(folder))
    assert result.exit_code == 0, result.output
    built = run_cli(
        "pdf", "--content", str(folder), "--out-dir", str(tmp_path / "out"),
        "--build-dir", str(tmp_path / "build"),
    )  # fmt: skip
    assert built.exit_code == 0, built.output
    pdf_path = tmp_path / "out" / "full.pdf"
    links = {
        str(annotation.get_object()["/A"].get("/URI"))
        for page in PdfReader(pdf_path).pages
        for annotation in page.get("/Annots") or []
        if "/A" in annotation.get_object()
    }
    return result.output, read_pdf(pdf_path), links


def leaves(path: str, value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(f"{path}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(f"{path}[{index}]", item)
    elif value not in (None, ""):
        yield path, value


def visible(text: str) -> str:
    """What a reader sees of a source text: Markdown and Typst markup taken away."""
    text = re.sub(r"#underline\[([^\]]*)\]", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"\1", text)
    return text.replace("**", "").replace("*", "")


def missing(source: dict, output: str, pdf, links: set[str]) -> list[str]:
    """The source's texts that are neither in the PDF (or its links) nor listed as not mapped."""
    listed = {line.split(": ", 1)[0].strip() for line in output.splitlines()}
    text = squash(pdf.text + pdf.main + pdf.hints).lower()
    lost = []
    for path, value in leaves("", source):
        path = path.lstrip(".")
        if any(path == item or path.startswith(item + ".") or path.startswith(item + "[")
               for item in listed):  # fmt: skip
            continue
        key = re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1]
        value = str(value)
        if key == "network":  # printed as the network's link (its username or URL is checked)
            continue
        if key in DATE_KEYS:
            year = re.match(r"\d{4}", value)
            if year and year[0] in pdf.text:
                continue
            if value.lower() in ("present", "now") and "today" in pdf.text:
                continue
        elif re.match(r"^https?://", value):
            if value in links or value.rstrip("/") in {u.rstrip("/") for u in links}:
                continue
        elif pdf.has(visible(value)) or pdf.has(visible(value).upper()):
            continue
        elif all(squash(w).lower() in text for w in re.split(r"[\s/]+", visible(value)) if w):
            continue  # authors print family name first; a label the date column wraps
        lost.append(f"{path}: {value}")
    return lost


@pytest.mark.tex
def test_import_rendercv_builds_and_keeps_every_text(tmp_path: Path) -> None:
    source = DATA / "Kshitij_Dahal_CV.yaml"
    output, pdf, links = imported_pdf(tmp_path, "rendercv", source)
    data = read_rendercv(source)
    assert not missing({"cv": data["cv"]}, output, pdf, links)
    for key in data["cv"]["sections"]:
        assert pdf.has(title_of(key)), key
    assert "cv.custom_connections[0].fontawesome_icon" in output  # listed, not dropped
    assert "https://github.com/geokshitij/Watershed-Foundation-Model" in links  # Typst link kept


@pytest.mark.tex
def test_import_rendercv_publications_into_a_bib_with_the_owner(tmp_path: Path) -> None:
    """An academic's file: PublicationEntry items (from an !include beside it) go to a .bib,
    the owner (bold in the source) is bold in the PDF; missing includes and unknown keys are
    listed, and their text is in the flagged section."""
    source = DATA / "Marine_Denolle_CV.yaml"
    output, pdf, links = imported_pdf(tmp_path, "rendercv", source)
    data = read_rendercv(source)
    cv = dict(data["cv"])
    cv["sections"] = dict(cv["sections"])
    cv["sections"]["publications"] = read_rendercv(DATA / "publications_section.yaml")
    includes = [k for k, v in cv["sections"].items() if not isinstance(v, list)]
    cv["sections"] = {k: v for k, v in cv["sections"].items() if k not in includes}
    assert not missing({"cv": cv}, output, pdf, links)
    for key in includes:  # the included files that are not here: listed and printed
        assert f"cv.sections.{key}: !include" in output
    bib = (tmp_path / "cv" / "publications.bib").read_text(encoding="utf-8")
    # 8 in journals; the one "in review" without DOI is a journal article too (RenderCV has
    # no field for the state), so all 9 are @article
    assert bib.count("@article{") == 9
    person = (tmp_path / "cv" / "person.yaml").read_text(encoding="utf-8")
    assert "Denolle, Marine A." in person and "Denolle, Marine A\n" in person
    assert "media_coverage[0]" in output and pdf.has("Not imported (please review)")
    assert "as_of: '2026-01-16'" in person  # settings.current_date


@pytest.mark.tex
@pytest.mark.parametrize("name", ["stobbe_cv.json", "quessy_resume.jsonc"])
def test_import_jsonresume_builds_and_keeps_every_text(tmp_path: Path, name: str) -> None:
    source = DATA / name
    output, pdf, links = imported_pdf(tmp_path, "jsonresume", source)
    data = load_jsonish(source.read_text(encoding="utf-8"))
    assert not missing(data, output, pdf, links)
    control = {"work": [{"summary": "A sentence that is in no PDF"}]}
    assert missing(control, output, pdf, links)  # the comparison can fail


def test_jsonresume_publications_without_authors_are_said_to_be_a_plain_list(
    tmp_path: Path,
) -> None:
    result = run_cli("import", "jsonresume", str(DATA / "stobbe_cv.json"), str(tmp_path / "cv"))
    assert "publications: 3 publications" in result.output and "no authors" in result.output


# --------------------------------------------------------------------------- refusals, units


def test_import_never_writes_into_a_folder_with_yaml(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("keep: me\n")
    result = run_cli("import", "jsonresume", str(DATA / "stobbe_cv.json"), str(tmp_path))
    assert result.exit_code == 1 and "already holds YAML files" in result.output
    assert (tmp_path / "mine.yaml").read_text() == "keep: me\n"


def test_include_outside_the_source_folder_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("- bullet: SECRET-TEXT\n")
    source = tmp_path / "in" / "cv.yaml"
    source.parent.mkdir()
    source.write_text(
        "cv:\n  name: Ada Lovelace\n  sections:\n    notes: !include ../secret.yaml\n"
    )
    result = run_cli("import", "rendercv", str(source), str(tmp_path / "cv"))
    assert result.exit_code == 0, result.output
    assert "not beside the source" in result.output
    assert "SECRET-TEXT" not in (tmp_path / "cv" / "sections.yaml").read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [("cv: [1, 2]", "top-level 'cv:'"), ("cv:\n  name: Ada\n", "given and a family name"),
     ("cv: {name: 'Ada", "not a YAML file")],
)  # fmt: skip
def test_bad_rendercv_files_are_input_errors(tmp_path: Path, text: str, message: str) -> None:
    source = tmp_path / "cv.yaml"
    source.write_text(text)
    result = run_cli("import", "rendercv", str(source), str(tmp_path / "out"))
    assert result.exit_code == 1 and message in result.output, result.output


def test_bad_json_is_an_input_error(tmp_path: Path) -> None:
    source = tmp_path / "cv.json"
    source.write_text('{"basics": {"name": "Ada Lovelace",}')
    result = run_cli("import", "jsonresume", str(source), str(tmp_path / "out"))
    assert result.exit_code == 1 and "not a JSON Resume file" in result.output, result.output


def test_jsonc_comments_and_trailing_commas() -> None:
    text = '{\n  // a comment\n  "a": "http://x.org/y", /* more */ "b": [1, 2,],\n}'
    assert load_jsonish(text) == {"a": "http://x.org/y", "b": [1, 2]}


@pytest.mark.parametrize(
    ("start", "end", "single", "expected"),
    [("2023-01", "2026-05", None, "2023-01 – 2026-05"), ("2022-12", "present", None, "2022-12 –"),
     (2021, 2022, None, "2021 – 2022"), (None, None, "2020-09", "2020-09"),
     ("2019", None, None, "2019"), ("2017-06-01", "2020-01-31", None, "2017-06-01 – 2020-01-31"),
     ("Fall 2021", None, None, None), ("2024", "2023", None, "2023 – 2024")],
)  # fmt: skip
def test_periods_from_source_dates(start, end, single, expected) -> None:
    assert period_text(start, end, single) == expected


def test_dates_that_are_not_dates() -> None:
    assert [date_text(v) for v in ("2021-13", "in review", True, "2021-02-30")] == [
        None, None, None, "2021-02",
    ]  # fmt: skip
