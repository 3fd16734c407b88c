"""The one way user text enters LaTeX.

`escape(text)` makes any supported string print literally; `markup(text)` additionally turns the
small inline markup of text fields (**bold**, *italic*, [text](url)) into LaTeX, escaping
everything else. Characters outside what pdflatex with T1/TS1 fonts can print are refused by
`unsupported_characters` before TeX runs, never dropped silently.
"""

from __future__ import annotations

import re
import unicodedata

# Characters with a meaning in TeX, or that T1 fonts turn into something else (ligatures,
# quotes), mapped to commands that print them as themselves.
CHARACTER_TABLE: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\textquotedbl{}",
    "'": r"\textquotesingle{}",
    "`": r"\textasciigrave{}",
    "\u00a0": "~",  # no-break space
    "\u202f": r"\,",  # narrow no-break space
    "\u2009": r"\,",  # thin space
    "\u2013": r"\textendash{}",
    "\u2014": r"\textemdash{}",
    "\u2026": r"\textellipsis{}",
    "\u2212": r"\textminus{}",
    "\u2018": r"\textquoteleft{}",
    "\u2019": r"\textquoteright{}",
    "\u201c": r"\textquotedblleft{}",
    "\u201d": r"\textquotedblright{}",
    "\u00ad": r"\-{}",  # soft hyphen
}

# A paragraph break that may stand inside moderncv's (non-\long) macro arguments; defined in
# latex/cvbuild.sty as \par.
PARAGRAPH_BREAK = r"\cvbuildpar{}"

# Pairs that T1 fonts would merge into another glyph: '--' (dash), ',,' („), '!`' and '?`'.
_LIGATURE_BREAKS = {"-": "-", ",": ","}

# Code points pdflatex prints with fontenc T1 + TS1 + OMS and inputenc utf8 (TeX Live 2022):
# the union of the characters declared in t1enc.dfu, ts1enc.dfu and omsenc.dfu.
_PRINTABLE_RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x00B7), (0x00B9, 0x0125), (0x0128, 0x0137), (0x0139, 0x013E),
    (0x0141, 0x0148), (0x014A, 0x0165), (0x0168, 0x017E), (0x0192, 0x0192), (0x01C4, 0x01D4),
    (0x01E2, 0x01E3), (0x01E6, 0x01EB), (0x01F0, 0x01F0), (0x01F4, 0x01F5), (0x0218, 0x021B),
    (0x0232, 0x0233), (0x0237, 0x0237), (0x02C7, 0x02C7), (0x02D8, 0x02D9), (0x02DB, 0x02DB),
    (0x02DD, 0x02DD), (0x1E02, 0x1E03), (0x1E0D, 0x1E0D), (0x1E1E, 0x1E21), (0x1E25, 0x1E25),
    (0x1E30, 0x1E31), (0x1E37, 0x1E37), (0x1E43, 0x1E43), (0x1E45, 0x1E45), (0x1E47, 0x1E47),
    (0x1E5B, 0x1E5B), (0x1E63, 0x1E63), (0x1E6D, 0x1E6D), (0x1E8E, 0x1E91), (0x1E9E, 0x1E9E),
    (0x1EF2, 0x1EF3), (0x2009, 0x2009), (0x2010, 0x2016), (0x2018, 0x201A), (0x201C, 0x201E),
    (0x2020, 0x2022), (0x2026, 0x2026), (0x2030, 0x2031), (0x2039, 0x203A), (0x2044, 0x2044),
    (0x202F, 0x202F), (0x20AC, 0x20AC), (0x2103, 0x2103), (0x2116, 0x2116), (0x2122, 0x2122),
    (0x2126, 0x2126), (0x2190, 0x2193), (0x2212, 0x2212), (0xFB00, 0xFB04),
)  # fmt: skip


def is_printable(char: str) -> bool:
    if char in "\n\t":
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _PRINTABLE_RANGES)


def unsupported_characters(text: str) -> list[str]:
    """Characters of `text` that the TeX set-up cannot print, as 'U+03B1 GREEK SMALL LETTER ALPHA'."""
    text = unicodedata.normalize("NFC", text)
    found: list[str] = []
    for char in text:
        if not is_printable(char):
            name = unicodedata.name(char, "unnamed character")
            label = f"U+{ord(char):04X} {name} ({char!r})"
            if label not in found:
                found.append(label)
    return found


def escape(text: str) -> str:
    """Plain text → LaTeX that prints exactly `text` (whitespace folded, blank lines → \\par)."""
    text = unicodedata.normalize("NFC", text)
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return PARAGRAPH_BREAK.join(_escape_run(_fold_spaces(p)) for p in paragraphs)


def _fold_spaces(text: str) -> str:
    """Runs of ordinary white space become one space; no-break and thin spaces stay."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip(" ")


def _escape_run(text: str) -> str:
    out: list[str] = []
    for index, char in enumerate(text):
        if char in CHARACTER_TABLE:
            out.append(CHARACTER_TABLE[char])
        elif (char in _LIGATURE_BREAKS and text[index + 1 : index + 2] == char) or (
            (char == "!" or char == "?") and text[index + 1 : index + 2] == "`"
        ):
            out.append(char + "{}")
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            out.append(" ")  # control characters: never meaningful in a CV
        else:
            out.append(char)
    return "".join(out)


def escape_url(url: str) -> str:
    r"""A URL as the argument of \href: TeX-special characters that URLs use literally are
    backslash-escaped (hyperref reads them back), the rest percent-encoded (same URL)."""
    out = []
    for char in url.strip():
        if char in "#%&_$":
            out.append("\\" + char)
        elif char in '\\{}^~ "<>|`' or ord(char) < 0x21 or ord(char) > 0x7E:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
    return "".join(out)


# --------------------------------------------------------------------------- inline markup

# *italic*: stars that hug a word, not a lone '2*3*4' or 'a * b'.
_ITALIC = r"(?<![*\w])\*(?P<italic>[^*\s](?:[^*]*?[^*\s])?)\*(?![*\w])"

_MARKUP = re.compile(
    r"(?P<esc>\\[*\[\]\\()])"
    r"|\*\*(?P<bold>.+?)\*\*"
    rf"|{_ITALIC}"
    r"|\[(?P<text>[^\]]+)\]\((?P<url>(?:https?://|mailto:)[^)\s]+)\)",
    re.DOTALL,
)


def markup(text: str) -> str:
    """Text with **bold**, *italic* and [text](url) → LaTeX; anything else escaped.

    A backslash before * [ ] ( ) \\ keeps that character literal.
    """
    text = unicodedata.normalize("NFC", text)
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return PARAGRAPH_BREAK.join(_markup_run(_fold_spaces(p)) for p in paragraphs)


def _markup_run(text: str) -> str:
    out: list[str] = []
    position = 0
    for match in _MARKUP.finditer(text):
        out.append(_escape_run(text[position : match.start()]))
        position = match.end()
        if match["esc"]:
            out.append(_escape_run(match["esc"][1]))
        elif match["bold"] is not None:
            out.append(r"\textbf{" + _markup_run(match["bold"]) + "}")
        elif match["italic"] is not None:
            out.append(r"\emph{" + _markup_run(match["italic"]) + "}")
        else:
            out.append(
                r"\href{" + escape_url(match["url"]) + "}{" + _markup_run(match["text"]) + "}"
            )
    out.append(_escape_run(text[position:]))
    return "".join(out)


def plain(text: str) -> str:
    """The text a reader sees from marked-up text (for checks and PDF metadata)."""
    text = re.sub(r"\[([^\]]+)\]\([^)\s]+\)", r"\1", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(_ITALIC, r"\g<italic>", text)
    return re.sub(r"\\([*\[\]\\()])", r"\1", text)
