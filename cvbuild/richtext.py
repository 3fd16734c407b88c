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
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import TypeVar, cast


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
T = TypeVar("T")

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


# --------------------------------------------------------------------------- typography

# The single quotation marks that go with a language's double ones (English “…” ‘…’, German
# „…“ ‚…‘, French «…» ‹…›).
_SINGLE = {("“", "”"): ("‘", "’"), ("„", "“"): ("‚", "‘"), ("«", "»"): ("‹", "›"),
           ("»", "«"): ("›", "‹"), ("„", "”"): ("‚", "’")}  # fmt: skip
# Where straight quotes are not prose: URLs, host names with a path, e-mail addresses, code
# (a word holding a backslash or a brace: \cmd{'x'}) and TeX's own quoting (``…'', '').
_VERBATIM = re.compile(r"\S*(?:://|@|\\|[{}])\S*|(?:www\.)?[\w-]+(?:\.[\w-]+)+/\S*|[`'\"]{2,}")
_OPENS_AFTER = set(" \u00a0\u202f\t\n([{–—/-‚„“‘«»‹›")


def typographic(text: str, quotes: tuple[str, str], before: str = "") -> str:
    """Straight quotes as the language writes them (`quotes`: its double quotation marks, e.g.
    “ ” or „ “): "…" and '…' become curly, an apostrophe ’ (ICML'16 → ICML’16, the '90s →
    the ’90s, don't → don’t). URLs and e-mail addresses are left as they are. `before`: the
    character printed just before `text` (the end of the previous piece of rich text)."""
    if '"' not in text and "'" not in text:
        return text
    out: list[str] = []
    position = 0
    for match in _VERBATIM.finditer(text):
        out.append(
            _curl(text[position : match.start()], quotes, (before + text[: match.start()])[-1:])
        )
        out.append(match.group())
        position = match.end()
    out.append(_curl(text[position:], quotes, (before + text[:position])[-1:]))
    return "".join(out)


def _curl(text: str, quotes: tuple[str, str], before: str) -> str:
    opening, closing = quotes
    single_open, single_close = _SINGLE.get(quotes, ("‘", "’"))
    open_single = False  # a single quotation mark opened in this text and not yet closed
    out: list[str] = []
    for index, char in enumerate(text):
        previous = text[index - 1] if index else before
        following = text[index + 1 : index + 2]
        if char == '"':
            out.append(opening if _opens(previous, following) else closing)
        elif char == "'":
            if previous.isalnum() and following.isalnum():
                out.append("’")  # ICML'16, don't
            elif re.match(r"\d\d(?!\d)", text[index + 1 : index + 4]) and _opens(previous, "0"):
                out.append("’")  # '16, the '90s: an elision, not a quotation
            elif _opens(previous, following):
                out.append(single_open)
                open_single = True
            elif open_single:
                out.append(single_close)
                open_single = False
            else:
                out.append("’")  # the students' work
        else:
            out.append(char)
    return "".join(out)


def _opens(previous: str, following: str) -> bool:
    """A quote after a space, a bracket or a dash (or at the start) opens, unless a space or
    punctuation follows it."""
    if previous and previous not in _OPENS_AFTER:
        return False
    # at the end of a text leaf, what it quotes is in the next one (`"*Title*"`)
    return not following or (not following.isspace() and following not in ".,;:!?)]}")


# The plain-string fields of composed blocks that hold prose (a group's title "Master's
# Students", a location, a note); others (ids, URLs, dates, keys) are never changed.
PROSE_FIELDS = frozenset({"title", "location", "note", "headline", "extras"})


def typographic_parts(value: T, quotes: tuple[str, str]) -> T:
    """`typographic` applied to every text leaf of rich text inside `value` (a composed
    section, block or header: dataclasses and tuples of them) and to its prose strings
    (PROSE_FIELDS); link targets and all other strings are left alone."""
    return cast(T, _typographic(value, quotes, prose=False))


def _typographic(value: object, quotes: tuple[str, str], prose: bool) -> object:
    if isinstance(value, str):
        return typographic(value, quotes) if prose else value
    if isinstance(value, tuple) and value and all(isinstance(item, Node) for item in value):
        return _typographic_rich(value, quotes)
    if isinstance(value, tuple):
        return tuple(_typographic(item, quotes, prose) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        changes = {
            item.name: _typographic(getattr(value, item.name), quotes, item.name in PROSE_FIELDS)
            for item in fields(value)
            if item.init
        }
        return replace(value, **changes)
    return value


def _typographic_rich(value: Rich, quotes: tuple[str, str], before: str = "") -> Rich:
    """Rich text, each text leaf knowing the character printed before it (a quote at the
    start of a leaf after bold text closes, "**Bob**'s" is an apostrophe)."""
    out: list[Node] = []
    for node in value:
        if isinstance(node, Text):
            out.append(Text(typographic(node.text, quotes, before)))
        elif isinstance(node, Link):
            out.append(Link(node.url, _typographic_rich(node.children, quotes, before)))
        elif isinstance(node, Bold | Italic | Highlight):
            out.append(type(node)(_typographic_rich(node.children, quotes, before)))
        else:
            out.append(node)
        before = (before + plain((node,)))[-1:]
    return tuple(out)
