"""Format-neutral rich text: what a text field means, before any writer decides how it looks.

Text fields take a small markup (**bold**, *italic*, [text](url); a backslash keeps `* [ ] ( ) \\`
literal; a blank line starts a new paragraph). `parse_markup` turns it into a tuple of nodes;
each writer (LaTeX, Markdown, ...) renders the nodes its own way, escaping the `Text` leaves with
its own escaper. Nothing in here knows about any output format.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Bold:
    children: Rich


@dataclass(frozen=True)
class Highlight:
    """The CV owner's name among other names (an author list): bold in every writer, and a
    style of its own where the format has styles (DOCX)."""

    children: Rich


@dataclass(frozen=True)
class Italic:
    children: Rich


@dataclass(frozen=True)
class Link:
    url: str
    children: Rich


@dataclass(frozen=True)
class LineBreak:
    """A new line inside the same paragraph."""


@dataclass(frozen=True)
class ParagraphBreak:
    """A new paragraph inside the same field."""


Node = Text | Bold | Highlight | Italic | Link | LineBreak | ParagraphBreak
Rich = tuple[Node, ...]
Part = str | Node | Rich | None

EMPTY: Rich = ()


def rich(*parts: Part) -> Rich:
    """Concatenate strings (as plain text), nodes and rich texts; None and '' are skipped."""
    nodes: list[Node] = []
    for part in parts:
        if part is None or part == "":
            continue
        if isinstance(part, str):
            nodes.append(Text(part))
        elif isinstance(part, tuple):
            nodes.extend(part)
        else:
            nodes.append(part)
    return tuple(nodes)


def bold(*parts: Part) -> Rich:
    inner = rich(*parts)
    return (Bold(inner),) if inner else EMPTY


def italic(*parts: Part) -> Rich:
    inner = rich(*parts)
    return (Italic(inner),) if inner else EMPTY


def link(url: str | None, *parts: Part) -> Rich:
    """The text as a link to `url`; just the text when there is no URL."""
    inner = rich(*parts)
    return (Link(url, inner),) if url and inner else inner


def join(parts: Iterable[Rich], separator: Part) -> Rich:
    """The non-empty parts with `separator` between them."""
    out: list[Node] = []
    for part in parts:
        if not part:
            continue
        if out:
            out.extend(rich(separator))
        out.extend(part)
    return tuple(out)


def plain(value: Rich) -> str:
    """What a reader sees: the text without formatting (breaks become spaces)."""
    out: list[str] = []
    for node in value:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, LineBreak | ParagraphBreak):
            out.append(" ")
        else:
            out.append(plain(node.children))
    return "".join(out)


# --------------------------------------------------------------------------- markup

# *italic*: stars that hug a word, not a lone '2*3*4' or 'a * b'.
_ITALIC = r"(?<![*\w])\*(?P<italic>[^*\s](?:[^*]*?[^*\s])?)\*(?![*\w])"
_MARKUP = re.compile(
    r"(?P<esc>\\[*\[\]\\()])"
    r"|\*\*(?P<bold>.+?)\*\*"
    rf"|{_ITALIC}"
    r"|\[(?P<text>[^\]]+)\]\((?P<url>(?:https?://|mailto:)[^)\s]+)\)",
    re.DOTALL,
)


def parse_markup(text: str) -> Rich:
    """Marked-up text → nodes. White space folds to single spaces (no-break and thin spaces
    stay), blank lines separate paragraphs, text is NFC-normalised."""
    text = unicodedata.normalize("NFC", text)
    paragraphs = [_fold_spaces(p) for p in re.split(r"\n\s*\n", text.strip())]
    return join((_parse_run(p) for p in paragraphs), ParagraphBreak())


def parse_plain(text: str) -> Rich:
    """Text without markup (names, titles): every character literal, same white space rules."""
    text = unicodedata.normalize("NFC", text)
    paragraphs = [_fold_spaces(p) for p in re.split(r"\n\s*\n", text.strip())]
    return join((rich(p) for p in paragraphs), ParagraphBreak())


def _fold_spaces(text: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", text).strip(" ")


def _parse_run(text: str) -> Rich:
    out: list[Node] = []
    literal: list[str] = []
    position = 0

    def flush() -> None:
        if literal:
            out.append(Text("".join(literal)))
            literal.clear()

    for match in _MARKUP.finditer(text):
        literal.append(text[position : match.start()])
        position = match.end()
        if match["esc"]:
            literal.append(match["esc"][1])
            continue
        flush()
        if match["bold"] is not None:
            out.extend(bold(_parse_run(match["bold"])))
        elif match["italic"] is not None:
            out.extend(italic(_parse_run(match["italic"])))
        else:
            out.extend(link(match["url"], _parse_run(match["text"])))
    literal.append(text[position:])
    flush()
    return tuple(node for node in out if not (isinstance(node, Text) and not node.text))


# --------------------------------------------------------------------------- links only

_LINK = re.compile(
    r"(?P<esc>\\[\[\]\\()])|\[(?P<text>[^\]]+)\]\((?P<url>(?:https?://|mailto:)[^)\s]+)\)"
)


def parse_links(text: str) -> Rich:
    """A title with Markdown links (`[ACME](https://acme.org) Fellow`) and nothing else:
    stars and underscores stay literal, as titles ('C* algebras') need. The same white space
    rules as parse_plain."""
    out: list[Part] = []
    position = 0
    folded = _fold_spaces(unicodedata.normalize("NFC", text))
    for match in _LINK.finditer(folded):
        out.append(folded[position : match.start()])
        position = match.end()
        if match["esc"]:
            out.append(match["esc"][1])
        else:
            out.append(link(match["url"], match["text"]))
    out.append(folded[position:])
    return rich(*(part for part in out if part))
