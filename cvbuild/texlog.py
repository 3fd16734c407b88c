"""Reading what TeX, biber and latexmk wrote: pure functions of their texts.

A TeX log is thousands of lines; what a user needs is the first error in a few lines and the
place in their content behind it. The generated .tex carries markers for that (written by
`writers/latex.py`): `% cvbuild-section: ID` before each section, `% cvbuild-source: FILE:LINE`
before each item, and biblatex logs `cvbuild-entry: KEY` for each publication it prints.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cvbuild.errors import TexError
from cvbuild.prestart import JOBNAME, NEXT_DIR
from cvbuild.writers.latex import SECTION_MARKER, SOURCE_MARKER

_ERROR_LINE = re.compile(r"^(?:\./)?[^:\n]+\.(?:tex|sty|cls|bbl|def):\d+: .*$|^! .*$", re.M)
_ENTRY_MARK = re.compile(r"^cvbuild-entry: (.+)$", re.M)
_LIST_END = "\ncvbuild-entries-end"


@dataclass(frozen=True)
class Texts:
    """What a failed or finished build left: the TeX log, the generated .tex, biber's log and
    latexmk's own output; and where the logs are, for the message."""

    log: str
    tex_lines: list[str]
    blg: str = ""
    latexmk_output: str = ""
    log_path: str = "cv.log"
    blg_path: str = "cv.blg"


def failure(texts: Texts) -> TexError:
    """The first TeX error in a few lines, with the generated line and the content behind it;
    else biber's errors; else the end of latexmk's output."""
    match = _ERROR_LINE.search(texts.log)
    if match:
        after = texts.log[match.start() :].split("Here is how much")[0].splitlines()[:8]
        context = [line for line in after if line.strip()]
        excerpt = "\n".join(f"  {line}" for line in context[:5])
        number, source = _source_line(texts.tex_lines, match.group())
        where = f"\n  in the generated .tex: {source}" if source else ""
        entries = _ENTRY_MARK.findall(texts.log[: match.start()])
        in_bibliography = source.startswith("\\cvbuildpublications")
        return TexError(
            f"LaTeX failed:\n{excerpt}{where}\nFull log: {texts.log_path}",
            section=section_of_line(texts.tex_lines, number),
            entry=entries[-1] if entries and in_bibliography else None,
            source=None if in_bibliography else source_of_line(texts.tex_lines, number),
        )
    biber = biber_problems(texts.blg)
    if biber:
        listed = "\n".join(f"  {p}" for p in biber)
        return TexError(f"biber failed:\n{listed}\nFull log: {texts.blg_path}")
    tail = "\n".join(f"  {line}" for line in texts.latexmk_output.strip().splitlines()[-8:])
    return TexError(f"latexmk failed:\n{tail}\nFull log: {texts.log_path}")


def _source_line(tex_lines: list[str], error_line: str) -> tuple[int, str]:
    """The line number and text in the generated .tex that the error points at."""
    match = re.match(rf"^(?:\./)?{JOBNAME}\.tex:(\d+):", error_line)
    if not match:
        return 0, ""
    number = int(match[1])
    return (number, tex_lines[number - 1][:160]) if 0 < number <= len(tex_lines) else (0, "")


def _marker_above(tex_lines: list[str], number: int, marker: str) -> str | None:
    for line in reversed(tex_lines[:number]):
        if line.startswith(marker):
            return line.removeprefix(marker).rstrip("% \n")  # PyLaTeX ends lines with %
        if marker == SOURCE_MARKER and line.startswith(SECTION_MARKER):
            return None  # an item marker above the section belongs to another section
    return None


def section_of_line(tex_lines: list[str], number: int) -> str | None:
    """The id of the section a .tex line belongs to (the nearest marker above it)."""
    return _marker_above(tex_lines, number, SECTION_MARKER)


def source_of_line(tex_lines: list[str], number: int) -> str | None:
    """'sections.yaml:40': where the item a .tex line prints was written."""
    return _marker_above(tex_lines, number, SOURCE_MARKER)


_LOG_PROBLEMS = (
    (
        re.compile(r"^Missing character: There is no (.+?) in font (.+?)!$", re.M),
        "missing glyph {0} in font {1}",
    ),
    (re.compile(r"^LaTeX Warning: Citation `(.+?)' .*undefined", re.M), "undefined citation {0}"),
    (re.compile(r"^LaTeX Warning: Reference `(.+?)' .*undefined", re.M), "undefined reference {0}"),
    (
        re.compile(r"^Package biblatex Warning: Please \(re\)run (\w+)", re.M),
        "biblatex asks to rerun {0}",
    ),
)


def log_problems(log: str) -> list[str]:
    """What makes a finished build wrong although TeX did not stop: lost glyphs, undefined
    references, a bibliography that needs another biber run."""
    problems: list[str] = []
    for pattern, template in _LOG_PROBLEMS:
        for match in pattern.finditer(log):
            text = template.format(*match.groups())
            if text not in problems:
                problems.append(text)
    return problems


_OVERFULL = re.compile(
    r"^Overfull \\hbox \((?P<points>[\d.]+)pt too wide\) (?:in paragraph|detected) at lines? "
    r"(?P<line>\d+)",
    re.M,
)
TOLERANCE_PT = 1.0  # narrower overflows are invisible in print


def overfull_boxes(log: str, tex_lines: list[str], entries: Mapping[str, str] = {}) -> list[str]:
    """'section / item (file:line): line too wide by N pt' for each line running into the
    margin; in a publication list the item is the .bib entry being printed (`entries` maps
    its key to 'refs.bib:12')."""
    found = []
    for match in _OVERFULL.finditer(log):
        points, number = float(match["points"]), int(match["line"])
        if points <= TOLERANCE_PT:
            continue
        key = _entry_being_printed(log[: match.start()])
        if key:  # the line numbers are the .bbl's, not the .tex's
            found.append(f"publications / {key}" + (f" ({entries[key]})" if key in entries else "")
                         + f": line too wide by {points:.1f} pt")  # fmt: skip
            continue
        section = section_of_line(tex_lines, number) or "header"
        line = tex_lines[number - 1] if 0 < number <= len(tex_lines) else ""
        source = source_of_line(tex_lines, number)
        item = _readable(line) if line else "?"
        item = f"{item} ({source})" if source else item
        found.append(f"{section} / {item}: line too wide by {points:.1f} pt")
    return found


def _entry_being_printed(log_before: str) -> str | None:
    """The .bib key biblatex was printing at this point of the log, if inside a list."""
    marks = list(_ENTRY_MARK.finditer(log_before))
    if not marks or log_before.rfind(_LIST_END) > marks[-1].start():
        return None
    return marks[-1][1]


def _readable(tex_line: str) -> str:
    """A short, plain excerpt of a generated line, to recognise the item by."""
    text = re.sub(r"\\[A-Za-z]+\*?(\[[^\]]*\])?", " ", tex_line)
    text = " ".join(re.sub(r"[{}%]", " ", text).split())
    return text[:60] + ("…" if len(text) > 60 else "")


def biber_problems(blg: str) -> list[str]:
    """biber's errors and warnings, from its log (`cv.blg`)."""
    found = []
    for line in blg.splitlines():
        match = re.match(r"^\[\d+\] .*?> (ERROR|WARN) - (.*)$", line)
        if match:
            found.append(f"biber {match[1].lower()}: {match[2]}")
    return found


def entries_printed(log: str) -> list[str]:
    """The .bib keys biblatex began to print, in order."""
    return _ENTRY_MARK.findall(log)


def pages_written(log: str) -> int | None:
    """The page count TeX reported for the PDF (None: it wrote none). A pass started before
    the content was read (cvbuild.prestart) wrote it in its own folder."""
    written = re.findall(rf"Output written on (?:{NEXT_DIR}/)?{JOBNAME}\.pdf \((\d+) pages?", log)
    return int(written[-1]) if written else None
