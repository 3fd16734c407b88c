"""The Markdown writer: the composed document as CommonMark, for a website or a quick diff.

Every section, entry and publication of the variant, in the PDF's order; publications with the
PDF's labels, the owner in bold, DOI and URL as links (formatted by `cvbuild.references`).
"""

from __future__ import annotations

import re

from cvbuild.document import (
    Block,
    Document,
    Entry,
    Group,
    Header,
    Item,
    PublicationList,
    Table,
)
from cvbuild.references import format_reference
from cvbuild.richtext import (
    Bold,
    Highlight,
    Italic,
    LineBreak,
    Link,
    ParagraphBreak,
    Rich,
    Text,
    rich,
)

# Characters with a meaning in CommonMark inline text; a backslash makes each literal.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!])")
_LINE_START = re.compile(r"^(\s*)([-+>]|\d+[.)])(\s)")


def escape(text: str) -> str:
    text = _SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: f"{m[1]}{m[2][:-1]}\\{m[2][-1]}{m[3]}", text)


def _url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def inline(value: Rich) -> str:
    out: list[str] = []
    for node in value:
        if isinstance(node, Text):
            out.append(escape(node.text))
        elif isinstance(node, Bold | Highlight):
            out.append(f"**{inline(node.children)}**")
        elif isinstance(node, Italic):
            out.append(f"*{inline(node.children)}*")
        elif isinstance(node, Link):
            out.append(f"[{inline(node.children)}]({_url(node.url)})")
        elif isinstance(node, LineBreak):
            out.append("<br>")
        elif isinstance(node, ParagraphBreak):
            out.append("\n\n")
    return "".join(out)


MARK = "<!-- written by cvbuild"  # first line: cvbuild may replace this file


def write(document: Document) -> str:
    lines = [f"{MARK} from the variant {document.variant}; edits are lost on the next run -->"]
    lines += ["", *_header(document.header)]
    for section in document.sections:
        lines += ["", f"## {escape(section.title)}", ""]
        for block in section.blocks:
            lines += _block(block, document)
    if document.footer:
        lines += ["", "---", "", escape(document.footer)]
    return "\n".join(_squeeze(lines)).strip() + "\n"


def _header(header: Header) -> list[str]:
    lines = [f"# {escape(header.full_name)}", ""]
    if header.title:
        lines.append(escape(header.title) + "  ")
    if header.headline:
        lines.append(f"*{escape(header.headline)}*  ")
    lines.append("")
    contact = [escape(", ".join(line for line in header.address if line))] if header.address else []
    if header.email:
        contact.append(f"[{escape(header.email)}](mailto:{_url(header.email)})")
    if header.phone:
        contact.append(escape(header.phone))
    contact += [f"[{escape(p.shown)}]({_url(p.url)})" for p in header.profiles]
    details = [escape(header.born)] if header.born else []
    details += [inline(extra) for extra in header.extras]
    for group in (contact, details):
        if group:
            lines.append(" · ".join(group) + "  ")
    return lines


def _block(block: Block, document: Document) -> list[str]:
    if isinstance(block, Entry):
        heading = [f"**{inline(block.title)}**"]
        if block.organisation:
            heading.append(inline(block.organisation))
        if block.location:
            heading.append(escape(block.location))
        if block.note:
            heading.append(f"*{escape(block.note)}*")
        lines = [f"- {escape(block.date)} · " + ", ".join(heading)]
        if block.body:
            lines.append(_indented("  " + inline(block.body)))
        return lines
    if isinstance(block, Item):
        if not block.label:  # a paragraph of its own
            return ["", inline(block.text), ""]
        return [_indented(f"- {escape(block.label)} · {inline(block.text)}")]
    if isinstance(block, Group):
        lines = ["", f"### {escape(block.title)}", ""]
        return lines + ([inline(block.note), ""] if block.note else [])
    if isinstance(block, Table) and block.kind == "fields":
        rows = [f"| {escape(label)} | {escape(text)} |" for label, text, *_ in block.rows]
        return ["", "| | |", "|---|---|", *rows, ""]
    if isinstance(block, Table):
        head = "| | " + " | ".join(escape(c) for c in block.columns) + " |"
        rule = "|---|" + "---:|" * len(block.columns)
        rows = ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in block.rows]
        return ["", head, rule, *rows, "", inline(block.caption), ""]
    if isinstance(block, PublicationList):
        lines = ["", f"### {escape(block.title)}", ""]
        for reference in block.references:
            text = format_reference(reference.publication, document.locale)
            lines.append(f"- **[{escape(reference.label)}]** {inline(rich(text))}")
        return [*lines, ""]
    raise TypeError(f"no Markdown for {type(block).__name__}")


def _indented(text: str) -> str:
    """Later paragraphs of a list item, indented so that they stay in the item."""
    return text.replace("\n\n", "\n\n  ")


def _squeeze(lines: list[str]) -> list[str]:
    """No two blank lines in a row; no blank line between the items of one list."""
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return out
