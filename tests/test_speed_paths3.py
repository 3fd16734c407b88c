"""Issue 20, third round: the layout check of a rebuild reads only the pages whose drawing
changed (`check.read_pages_remembered`), and what it finds is what a full reading finds.
Timing is bench/'s business: these tests count the pages read and compare the readings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cvbuild import check
from cvbuild.pipeline import LAYOUT_MEMORY
from tests.conftest import copy_seed, replace_in, run_cli

MARGIN = check.length_pt("2cm")


def _build(content: Path, work: Path) -> Path:
    result = run_cli("pdf", "--variant", "full", "--content", str(content),
                     "--out-dir", str(work / "out"), "--build-dir", str(work / "build"))  # fmt: skip
    assert result.exit_code == 0, result.output
    return work / "build" / "full" / "cv.pdf"


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[set[int] | None]:
    """The pages each reading of the PDF asks for, from now on (None: all)."""
    read: list[set[int] | None] = []
    reader = check._read_pages

    def counting(pdf: Path, bottom: float, characters: bool, wanted: set[int] | None):  # type: ignore[no-untyped-def]
        read.append(wanted)
        return reader(pdf, bottom, characters, wanted)

    monkeypatch.setattr(check, "_read_pages", counting)
    return read


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, Path, int]:
    """The full CV built, then rebuilt after an edit of the quote on its first page: the first
    PDF's bytes, the second PDF, the memory the second build left and its page count."""
    work = tmp_path_factory.mktemp("remembered")
    content = copy_seed(work)
    first = _build(content, work).read_bytes()
    replace_in(content / "person.yaml", "Fraunhofer Heinrich Hertz Institute\n",
               "Fraunhofer Heinrich Hertz Institute, Berlin\n")  # fmt: skip
    second = _build(content, work)
    pages = len(check.read_pages(second, MARGIN))
    return work, first, second, pages


@pytest.mark.tex
def test_rebuild_reads_only_the_changed_page(
    two_builds: tuple[Path, bytes, Path, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _work, first_bytes, second, pages = two_builds
    first = tmp_path / "first.pdf"
    first.write_bytes(first_bytes)
    memory = tmp_path / LAYOUT_MEMORY
    read = _count_reads(monkeypatch)
    assert check.read_pages_remembered(first, MARGIN, pages, memory) == check.read_pages(
        first, MARGIN
    )
    assert read[0] == set(range(pages))  # nothing remembered: every page
    read.clear()
    remembered = check.read_pages_remembered(second, MARGIN, pages, memory)
    assert read == [{0}]  # the quote is on page 1; the other pages are drawn alike
    assert remembered == check.read_pages(second, MARGIN)
    read.clear()
    assert check.read_pages_remembered(second, MARGIN, pages, memory) == remembered
    assert read == []  # the same PDF again: nothing read
    # the build itself kept its memory beside the PDF: one entry a page
    assert len(json.loads((second.parent / LAYOUT_MEMORY).read_text())) == pages


@pytest.mark.tex
def test_remembered_warnings_are_a_full_readings(
    two_builds: tuple[Path, bytes, Path, int], tmp_path: Path
) -> None:
    """The footer bound is part of a page's key: a memory made with another bound is not used;
    the warnings equal those of a full reading (the fill rule looks at the lines' positions)."""
    _, _first_bytes, second, pages = two_builds
    memory = tmp_path / LAYOUT_MEMORY
    headings = ["Publications", "Teaching", "Talks"]
    for bottom in (MARGIN, -300.0, MARGIN):  # a bound 300 pt under the page: pages look empty
        full = check.layout_warnings(second, headings, MARGIN, bottom)
        assert full == check.layout_warnings(
            second, headings, MARGIN, bottom, memory=memory, pages_written=pages
        )
    assert check.layout_warnings(second, headings, MARGIN, -300.0)  # the fill rule fired


@pytest.mark.tex
@pytest.mark.parametrize(
    "damage", ["not json", "[]", '{"1:0:1.0:abc": {"lines": 3}}', '{"x": null}', ""]
)
def test_damaged_memory_is_read_as_nothing(
    two_builds: tuple[Path, bytes, Path, int], tmp_path: Path, damage: str
) -> None:
    _, _, second, pages = two_builds
    memory = tmp_path / LAYOUT_MEMORY
    memory.write_text(damage)
    assert check.read_pages_remembered(second, MARGIN, pages, memory) == check.read_pages(
        second, MARGIN
    )


@pytest.mark.tex
def test_a_memory_of_other_pages_under_the_same_key_is_not_there(
    two_builds: tuple[Path, bytes, Path, int], tmp_path: Path
) -> None:
    """Pages are known by their content: a memory whose keys are another PDF's pages gives
    nothing for this one (read in full, and the same)."""
    work, _first_bytes, second, pages = two_builds
    other = tmp_path / "other.pdf"
    short = run_cli("pdf", "--variant", "short", "--content", str(work / "content"),
                    "-o", str(other), "--build-dir", str(tmp_path / "b"))  # fmt: skip
    assert short.exit_code == 0, short.output
    memory = tmp_path / LAYOUT_MEMORY
    short_pages = len(check.read_pages(other, MARGIN))
    check.read_pages_remembered(other, MARGIN, short_pages, memory)
    assert check.read_pages_remembered(second, MARGIN, pages, memory) == check.read_pages(
        second, MARGIN
    )


@pytest.mark.tex
@pytest.mark.parametrize("offset", [-1, 1])
def test_a_page_count_other_than_texs_reads_everything(
    two_builds: tuple[Path, bytes, Path, int], tmp_path: Path, offset: int
) -> None:
    """When the content streams found are not one a page (pages - 1 or + 1: a PDF written
    another way), every page is read and the memory is dropped; N itself uses it."""
    _, _, second, pages = two_builds
    memory = tmp_path / LAYOUT_MEMORY
    check.read_pages_remembered(second, MARGIN, pages, memory)
    assert memory.exists()
    found = check.read_pages_remembered(second, MARGIN, pages + offset, memory)
    assert found == check.read_pages(second, MARGIN)
    assert not memory.exists()


def _fake_pdf(pages: list[bytes], forms: list[bytes]) -> bytes:
    """Stream objects as pdfTeX writes them: page content streams and form XObjects."""
    import zlib

    objects = []
    for number, drawn in enumerate(pages, 1):
        packed = zlib.compress(drawn)
        objects.append(b"%d 0 obj\n<<\n/Length %d\n/Filter /FlateDecode\n>>\nstream\n%s\nendstream"
                       % (number, len(packed), packed))  # fmt: skip
    for number, drawn in enumerate(forms, 100):
        packed = zlib.compress(drawn)
        objects.append(b"%d 0 obj\n<<\n/Type/XObject/Subtype/Form/BBox[0 0 9 9]/Resources<<>>\n"
                       b"/Length %d        \n/Filter /FlateDecode\n>>\nstream\n%s\nendstream"
                       % (number, len(packed), packed))  # fmt: skip
    return b"%PDF-1.5\n" + b"\nendobj\n".join(objects) + b"\nendobj\n"


def test_a_page_is_known_by_its_stream_and_the_forms_pages_draw() -> None:
    """Page x of y is a form written at the end: a new page count changes no page's own
    stream, yet every page then reads otherwise, so the forms are part of every key."""
    pages = [b"BT (one) Tj ET", b"BT (two) Tj ET"]
    of_two = check._page_keys(_fake_pdf(pages, [b"BT (Page 1 of 2) Tj ET"]), MARGIN)
    of_three = check._page_keys(_fake_pdf(pages, [b"BT (Page 1 of 3) Tj ET"]), MARGIN)
    assert of_two is not None and of_three is not None and len(of_two) == len(of_three) == 2
    assert not set(of_two) & set(of_three)
    assert of_two == check._page_keys(_fake_pdf(pages, [b"BT (Page 1 of 2) Tj ET"]), MARGIN)
    other_page = check._page_keys(_fake_pdf([pages[0], b"BT (2) Tj ET"], [b"BT (Page 1 of 2) Tj ET"]), MARGIN)  # fmt: skip
    assert other_page is not None and other_page[0] == of_two[0] and other_page[1] != of_two[1]


@pytest.mark.tex
def test_a_lualatex_rebuild_reads_only_the_changed_page_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LuaTeX writes its stream dictionaries in another order and its CID sets and font files
    as plain streams beside the pages': the pages are found by their dictionaries' /Contents."""
    content = copy_seed(tmp_path)
    replace_in(
        content / "sections.yaml", "Research Group Leadership", "Research Group Leadership Ա"
    )
    pdf = _build(content, tmp_path)
    assert "LuaHBTeX" in (pdf.parent / "cv.log").read_text(encoding="latin-1")
    keys = check._page_keys(pdf.read_bytes(), MARGIN)
    assert keys is not None and len(keys) == len(check.read_pages(pdf, MARGIN))
    read = _count_reads(monkeypatch)
    replace_in(content / "person.yaml", "Fraunhofer Heinrich Hertz Institute\n",
               "Fraunhofer Heinrich Hertz Institute, Berlin\n")  # fmt: skip
    _build(content, tmp_path)
    assert read == [{0}]
