"""Error families of cvbuild, each with its own exit code.

The CLI catches `CvbuildError` in one place and prints `str(error)`; nothing below it prints
tracebacks for a user's mistake.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_INVALID_INPUT = 1
EXIT_USAGE = 2
EXIT_TEX_FAILED = 3
EXIT_RULE_BROKEN = 4


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    message: str
    file: Path | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    field: str = ""

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = _display_path(self.file)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return printable(f"{where}{field}{self.message}")


# Characters that would act on the terminal instead of being shown, or not be seen: controls
# (ANSI escapes start with ESC), format characters (bidi overrides reorder text, zero-width
# characters hide), line separators, lone surrogates (which no terminal encoding can print)
# and private-use characters.
_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}


def printable(text: str) -> str:
    r"""`text` with such characters written as escapes (`\x1b`, `\u202e`): a key or value
    from a YAML file reaches the terminal as characters to read, never as commands to it."""
    if text.isprintable() and text.isascii():
        return text
    return "".join(
        _escape(character) if unicodedata.category(character) in _HIDDEN else character
        for character in text
    )


def shown(value: object, limit: int = 60) -> str:
    """A value as a message quotes it: `repr` (quoted, escaped), cut short when long, so that a
    5,000-character value does not bury the message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 10]}... ({len(text):,} characters)"


def _escape(character: str) -> str:
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class CvbuildError(Exception):
    exit_code = EXIT_INVALID_INPUT


class InputError(CvbuildError):
    """Content, .bib or options are wrong; lists every problem found, not only the first."""

    exit_code = EXIT_INVALID_INPUT

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the input:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class OutputError(CvbuildError):
    """The PDF (or a PNG) cannot be written where it should go."""

    exit_code = EXIT_INVALID_INPUT


class TexError(CvbuildError):
    """LaTeX, biber or latexmk failed; the message is a short excerpt, the log path says more.

    `section` (the id of the CV section being typeset), `source` (where its item was written,
    'sections.yaml:40') and `entry` (the .bib key being printed) let the pipeline point at the
    content behind the error.
    """

    exit_code = EXIT_TEX_FAILED

    def __init__(
        self,
        message: str,
        section: str | None = None,
        entry: str | None = None,
        source: str | None = None,
    ):
        super().__init__(message)
        self.section = section
        self.entry = entry
        self.source = source


class RuleError(CvbuildError):
    """A variant's rule (page budget, publication caps) is broken."""

    exit_code = EXIT_RULE_BROKEN
