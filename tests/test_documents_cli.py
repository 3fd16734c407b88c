"""`cvbuild md|html|docx`: the files, the output rule, and the same entries in the same order
as the PDF of the variant."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest

from cvbuild.document import Entry, Item, PublicationList
from cvbuild.richtext import plain
from tests.conftest import CONTENT, BuiltPdf, copy_seed, run_cli
from tests.test_compose import shipped

FORMATS = ("md", "html", "docx")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("documents")
    for suffix in FORMATS:
        result = run_cli(suffix, "--all", "--content", str(CONTENT), "--out-dir", str(out))
        assert result.exit_code == 0, result.output
        assert f"full: {out / f'full.{suffix}'}" in result.output
    return out


@pytest.mark.slow
def test_every_variant_in_every_format(written: Path) -> None:
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted(
        f"{v}.{s}"
        for v in ("berufung", "dfg", "erc", "full", "full-de", "msca", "short")
        for s in FORMATS
    )


@pytest.mark.slow
@pytest.mark.parametrize("suffix", FORMATS)
def test_own_files_are_replaced_others_need_force_inputs_never(suffix: str, tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    target = tmp_path / f"cv.{suffix}"
    args = [suffix, "--content", str(content), "-o", str(target)]
    assert run_cli(*args).exit_code == 0
    assert run_cli(*args).exit_code == 0  # its own file: replaced without asking
    target.write_bytes(b"my own notes")
    refused = run_cli(*args)
    assert refused.exit_code == 1 and "will not replace" in refused.output
    assert "--force" in refused.output and target.read_bytes() == b"my own notes"
    assert run_cli(*args, "--force").exit_code == 0 and target.read_bytes() != b"my own notes"
    person = content / "person.yaml"
    before = person.read_bytes()
    result = run_cli(suffix, "--content", str(content), "-o", str(person), "--force")
    assert result.exit_code == 1 and "input of the build" in result.output
    assert person.read_bytes() == before


def test_an_unknown_variant_is_invalid_input(tmp_path: Path) -> None:
    result = run_cli(
        "md", "--variant", "nsf", "--content", str(CONTENT), "--out-dir", str(tmp_path)
    )
    assert result.exit_code == 1 and "unknown variant 'nsf'" in result.output
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------- same entries


def _milestones() -> list[str]:
    """A few words from every entry, item and publication of the full CV, in document order."""
    found = []
    for section in shipped("full").sections:
        found.append(section.title)
        for block in section.blocks:
            if isinstance(block, Entry):
                found.append(plain(block.title))
            elif isinstance(block, Item):
                found.append(" ".join(re.findall(r"\w+", plain(block.text))[:3]))
            elif isinstance(block, PublicationList):
                found += [r.publication.fields["title"][:40] for r in block.references]
    return [m for m in (_letters(m) for m in found) if m]


def _letters(text: str) -> str:
    """Letters and digits only: what every format keeps of a text, whatever its markup."""
    return "".join(re.findall(r"\w", re.sub(r"\\\w+|[{}]", "", text))).casefold()


def _in_order(text: str, milestones: list[str]) -> list[str]:
    """The milestones that are missing or out of order in `text`."""
    flat, position, wrong = _letters(text), 0, []
    for milestone in milestones:
        found = flat.find(milestone, position)
        if found < 0:
            wrong.append(milestone)
        else:
            position = found
    return wrong


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.skip = tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def _texts(written: Path, full_pdf: BuiltPdf) -> dict[str, str]:
    parser = _Text()
    parser.feed((written / "full.html").read_text(encoding="utf-8"))
    word = docx.Document(str(written / "full.docx"))
    return {
        "pdf": full_pdf.main,
        # link targets are not text a reader sees
        "md": re.sub(r"\]\([^)]*\)|<br>", "", (written / "full.md").read_text(encoding="utf-8")),
        "html": "".join(parser.parts),
        "docx": "\n".join(p.text for p in word.paragraphs),
    }


@pytest.mark.tex
def test_pdf_docx_html_and_markdown_list_the_same_entries_in_the_same_order(
    written: Path, full_pdf: BuiltPdf
) -> None:
    milestones = _milestones()
    assert len(milestones) > 150
    for name, text in _texts(written, full_pdf).items():
        if name == "pdf":  # two columns: order holds within the main column's text
            milestones_here = [m for m in milestones if m in _letters(full_pdf.main)]
            assert len(milestones_here) > 0.8 * len(milestones)
            assert not _in_order(text, milestones_here), name
        else:
            assert not _in_order(text, milestones), name
