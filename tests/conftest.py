"""Shared fixtures. PDFs are compiled once per session (real latexmk + biber) and shared."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from cvbuild.cli import main

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


# cvbuild prints straight quotes typographically (“…”, ’): presence checks compare them plain.
_PLAIN_QUOTES = str.maketrans({"’": "'", "‘": "'", "‚": "'", "“": '"', "”": '"', "„": '"'})


def squash(text: str) -> str:
    """Text with all whitespace and hyphens removed, for presence checks that must survive line
    breaks and hyphenation."""
    text = text.translate(_PLAIN_QUOTES).replace("ﬁ", "fi").replace("ﬂ", "fl")
    return re.sub(r"[\s\-‐]+", "", text)


@dataclass(frozen=True)
class BuiltPdf:
    path: Path
    text: str  # pdftotext output
    main: str  # text of the main column (right of moderncv's date column), reading order
    hints: str  # text of the date/label column
    output: str = ""  # what cvbuild printed while building it
    log: str = ""  # the TeX log

    def has(self, phrase: str) -> bool:
        needle = squash(phrase)
        return any(needle in squash(text) for text in (self.main, self.hints, self.text))


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def read_pdf(pdf: Path) -> BuiltPdf:
    """Split each page's text into moderncv's two columns, keeping reading order in each."""
    import pdfplumber

    main_lines: list[str] = []
    hint_lines: list[str] = []
    with pdfplumber.open(pdf) as document:
        # Footers are left out, so that text running over a page break stays in one piece.
        pages = [_lines(page.extract_words()) for page in document.pages]
    pages = [lines[:-1] if lines and _is_footer(lines[-1]) else lines for lines in pages]
    # The main column's left edge is where most lines start, on every page alike.
    starts = Counter(round(line[0]["x0"]) for lines in pages for line in lines if len(line) > 3)
    split = starts.most_common(1)[0][0] - 3
    for lines in pages:
        for row in lines:
            main_lines.append(" ".join(w["text"] for w in row if w["x0"] >= split))
            hint_lines.append(" ".join(w["text"] for w in row if w["x0"] < split))
    return BuiltPdf(pdf, pdf_text(pdf), "\n".join(main_lines), "\n".join(hint_lines))


def _is_footer(line: list[dict]) -> bool:
    return bool(re.search(r"Page \d+ of \d+$", " ".join(w["text"] for w in line)))


def _lines(words: list[dict]) -> list[list[dict]]:
    """Group words into lines by their baseline (bold and italic words sit a little apart)."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["bottom"]), w["x0"])):
        if lines and abs(lines[-1][0]["bottom"] - word["bottom"]) < 2.5:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def run_cli(*args: str, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args), catch_exceptions=False)
    with _chdir(cwd):
        return runner.invoke(main, list(args), catch_exceptions=False)


class _chdir:
    def __init__(self, path: Path):
        self.path, self.old = path, Path.cwd()

    def __enter__(self):
        import os

        os.chdir(self.path)

    def __exit__(self, *exc):
        import os

        os.chdir(self.old)


def pytest_configure(config: pytest.Config) -> None:
    """Under `-m "not tex"` (make test-fast), TeX and the test clients are replaced by stubs
    that fail loudly, so a test that compiles without its `tex` mark is found at once."""
    import os
    import tempfile

    if not config.getoption("markexpr", "").startswith("not tex"):
        return
    stubs = Path(tempfile.mkdtemp(prefix="cvbuild-no-tex-"))
    for tool in ("latexmk", "pdflatex", "lualatex", "biber", "soffice", "chromium", "pdftoppm"):
        stub = stubs / tool
        stub.write_text(
            f"#!/bin/sh\necho 'make test-fast: {tool} called; mark this test @pytest.mark.tex' >&2\n"
            "exit 99\n",
            encoding="utf-8",
        )
        stub.chmod(0o755)
    os.environ["PATH"] = f"{stubs}{os.pathsep}{os.environ['PATH']}"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Precompiled preambles go to a cache of the test session, not the user's ~/.cache."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


def copy_seed(root: Path) -> Path:
    """A copy of the shipped content and .bib under `root`, for tests that edit them; returns
    the content folder."""
    shutil.copytree(CONTENT, root / "content")
    shutil.copytree(ROOT / "bib", root / "bib")
    return root / "content"


def build_seed_variant(variant: str, work: Path) -> BuiltPdf:
    """Compile one variant of the shipped content into `work` and read the PDF back."""
    result = run_cli(
        "pdf", "--variant", variant, "--content", str(CONTENT),
        "--out-dir", str(work / "out"), "--build-dir", str(work / "build"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    log = (work / "build" / variant / "cv.log").read_text(encoding="latin-1")
    pdf = read_pdf(work / "out" / f"{variant}.pdf")
    return dataclasses.replace(pdf, output=result.output, log=log)


@pytest.fixture(scope="session")
def short_pdf(tmp_path_factory: pytest.TempPathFactory) -> BuiltPdf:
    return build_seed_variant("short", tmp_path_factory.mktemp("short"))


@pytest.fixture(scope="session")
def full_pdf(tmp_path_factory: pytest.TempPathFactory) -> BuiltPdf:
    return build_seed_variant("full", tmp_path_factory.mktemp("full"))


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a test's copy of a file; an `old` that is not there fails the test (an edit that
    silently missed would make the test pass for the wrong reason)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def make_content(root: Path, sections_yaml: str, bib: str | None = None, extra: str = "") -> Path:
    """A small content folder for tests: one person, the given sections, optionally a .bib."""
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    person = (
        "person:\n  given_names: Ada\n  family_name: Lovelace\n  email: ada@example.org\n"
        "settings:\n  as_of: 2024-01-31\n"
    )
    if bib is not None:
        (root / "refs.bib").write_text(bib, encoding="utf-8")
        person += "  allow_outside_paths: true  # refs.bib lies beside the content folder\n"
        person += "bibliography:\n  files: [../refs.bib]\n  owner_names: ['Lovelace, Ada']\n"
    (content / "person.yaml").write_text(person + extra, encoding="utf-8")
    (content / "sections.yaml").write_text(sections_yaml, encoding="utf-8")
    return content
