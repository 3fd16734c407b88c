"""The DOCX writer: the composed document as a Word file an HR office can restyle.

Made with python-docx. Every paragraph and run carries a named style ("CV Entry", "CV Date",
"CV Reference", "CV Owner", ...), so changing the look is changing a style in Word or
LibreOffice; section and group headings are Word's own "Heading 1"/"Heading 2" (the navigation
pane works); the date column is a tab stop with a hanging indent (text reflows, no tables to
break); links are real hyperlinks; the footer has the name, the as-of date and "Page x of y"
as fields; the document properties hold title, author, subject, keywords and language.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document as new_docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

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

ACCENT = RGBColor(0x1F, 0x4E, 0x8C)
LABEL_WIDTH = Cm(4.0)
PARAGRAPH_STYLES = ("CV Name", "CV Title", "CV Contact", "CV Entry", "CV Text", "CV Reference")
CHARACTER_STYLES = ("CV Date", "CV Label", "CV Owner", "CV Hyperlink")


def write(document: Document) -> bytes:
    word = new_docx()
    _styles(word)
    _properties(word, document)
    _page(word, document)
    _header(word, document.header)
    for section in document.sections:
        word.add_paragraph(section.title, style="Heading 1")
        for block in section.blocks:
            _block(word, block, document)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- styles


def _styles(word: Any) -> None:
    styles = word.styles
    normal = styles["Normal"]
    normal.font.name = "Liberation Sans"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(3)
    for name, size in (("Heading 1", 13), ("Heading 2", 11)):
        heading = styles[name]
        heading.font.name = "Liberation Sans"
        heading.font.size = Pt(size)
        heading.font.color.rgb = ACCENT
        heading.paragraph_format.keep_with_next = True
        heading.paragraph_format.space_before = Pt(12 if name == "Heading 1" else 8)
    for name in PARAGRAPH_STYLES:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
    styles["CV Name"].font.size = Pt(22)
    styles["CV Name"].font.color.rgb = ACCENT
    styles["CV Title"].font.size = Pt(11)
    styles["CV Contact"].font.size = Pt(9.5)
    for name in ("CV Entry", "CV Text", "CV Reference"):
        layout = styles[name].paragraph_format
        layout.left_indent = LABEL_WIDTH
        layout.first_line_indent = -LABEL_WIDTH
        layout.tab_stops.add_tab_stop(LABEL_WIDTH, WD_TAB_ALIGNMENT.LEFT)
    styles["CV Entry"].paragraph_format.keep_with_next = False
    styles["CV Reference"].paragraph_format.keep_together = True
    for name in CHARACTER_STYLES:
        styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    styles["CV Date"].font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    styles["CV Label"].font.color.rgb = ACCENT
    styles["CV Owner"].font.bold = True
    styles["CV Hyperlink"].font.color.rgb = ACCENT
    styles["CV Hyperlink"].font.underline = True


# python-docx refuses a core property longer than this (a long variant description, many
# keywords); the full text stays in the document, the property is cut with an ellipsis.
PROPERTY_LIMIT = 255


def _property(text: str) -> str:
    return text if len(text) <= PROPERTY_LIMIT else text[: PROPERTY_LIMIT - 1].rstrip() + "…"


def _properties(word: Any, document: Document) -> None:
    meta = document.metadata
    properties = word.core_properties
    properties.title = _property(meta.title)
    properties.author = _property(meta.author)
    properties.subject = _property(meta.subject)
    properties.keywords = _property(", ".join(meta.keywords))
    properties.language = meta.language
    properties.comments = meta.creator
    properties.last_modified_by = meta.creator
    # Word spell-checks and hyphenates in the document's language.
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), meta.language)
    run_defaults = word.styles.element.find(qn("w:docDefaults"))
    if run_defaults is not None:
        properties_element = run_defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if properties_element is not None:
            properties_element.append(language)


def _page(word: Any, document: Document) -> None:
    section = word.sections[0]
    a4 = document.layout.paper == "a4"
    section.page_width, section.page_height = (Cm(21.0), Cm(29.7)) if a4 else (Cm(21.59), Cm(27.94))
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    if document.footer is None:
        return
    footer = section.footer.paragraphs[0]
    footer.style = word.styles["CV Contact"]
    footer.add_run(document.footer + "\t")
    footer.paragraph_format.tab_stops.add_tab_stop(Cm(17.0), WD_TAB_ALIGNMENT.RIGHT)
    words = document.locale
    footer.add_run(f"{words.word('page')} ")
    _field(footer, "PAGE")
    footer.add_run(f" {words.word('of')} ")
    _field(footer, "NUMPAGES")


def _field(paragraph: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in when they lay out."""
    run = paragraph.add_run()
    begin, code, separate, end = (OxmlElement("w:fldChar"), OxmlElement("w:instrText"),
                                  OxmlElement("w:fldChar"), OxmlElement("w:fldChar"))  # fmt: skip
    begin.set(qn("w:fldCharType"), "begin")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    separate.set(qn("w:fldCharType"), "separate")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(code)
    run._r.append(separate)
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    run._r.append(placeholder)
    run._r.append(end)


# --------------------------------------------------------------------------- content


def _header(word: Any, header: Header) -> None:
    word.add_paragraph(header.full_name, style="CV Name")
    for line in (header.title, header.headline):
        if line:
            word.add_paragraph(line, style="CV Title")
    contact = [", ".join(line for line in header.address if line)] if header.address else []
    contact += [header.born, header.phone]
    paragraph = word.add_paragraph(style="CV Contact")
    _runs(paragraph, rich(" · ".join(part for part in contact if part)), word)
    links: list[Rich] = []
    if header.email:
        links.append((Link(f"mailto:{header.email}", (Text(header.email),)),))
    links += [(Link(p.url, (Text(p.shown),)),) for p in header.profiles]
    if links:
        paragraph = word.add_paragraph(style="CV Contact")
        for index, part in enumerate(links):
            _runs(paragraph, rich(" · " if index else "", part), word)
    for extra in header.extras:
        _runs(word.add_paragraph(style="CV Contact"), extra, word)


def _block(word: Any, block: Block, document: Document) -> None:
    if isinstance(block, Entry):
        heading = rich(
            (Bold(block.title),),
            ", " if block.organisation else "",
            block.organisation,
            f", {block.location}" if block.location else "",
            (Italic((Text(f", {block.note}"),)),) if block.note else (),
        )
        _labelled(word, "CV Entry", block.date, heading)
        if block.body:
            _labelled(word, "CV Text", "", block.body)
    elif isinstance(block, Item):
        _labelled(word, "CV Text", block.label, block.text)
    elif isinstance(block, Group):
        word.add_paragraph(block.title, style="Heading 2")
        if block.note:
            _labelled(word, "CV Text", "", block.note)
    elif isinstance(block, Table) and block.kind == "fields":
        table = word.add_table(rows=len(block.rows), cols=2)
        for row_index, (label, value, *_) in enumerate(block.rows):
            table.cell(row_index, 0).text = label
            table.cell(row_index, 1).text = value
    elif isinstance(block, Table):
        table = word.add_table(rows=1 + len(block.rows), cols=1 + len(block.columns))
        for column, title in enumerate(block.columns, 1):
            table.cell(0, column).text = title
        for row_index, row in enumerate(block.rows, 1):
            for column, value in enumerate(row):
                table.cell(row_index, column).text = value
        if block.caption:
            _labelled(word, "CV Text", "", block.caption)
    elif isinstance(block, PublicationList):
        word.add_paragraph(block.title, style="Heading 2")
        for reference in block.references:
            text = format_reference(reference.publication, document.locale)
            paragraph = word.add_paragraph(style="CV Reference")
            paragraph.add_run(reference.label, style="CV Label")
            paragraph.add_run("\t")
            _runs(paragraph, text, word)
    else:
        raise TypeError(f"no DOCX for {type(block).__name__}")


def _labelled(word: Any, style: str, label: str, text: Rich) -> None:
    """A paragraph with its label in the date column (a tab stop), continued paragraphs of
    the same field as further paragraphs in the text column."""
    paragraphs = _split_paragraphs(text)
    paragraph = word.add_paragraph(style=style)
    if label:
        paragraph.add_run(label, style="CV Date")
    paragraph.add_run("\t")
    _runs(paragraph, paragraphs[0], word)
    for more in paragraphs[1:]:
        follow = word.add_paragraph(style="CV Text")
        follow.add_run("\t")
        _runs(follow, more, word)


def _split_paragraphs(text: Rich) -> list[Rich]:
    parts: list[list[Any]] = [[]]
    for node in text:
        if isinstance(node, ParagraphBreak):
            parts.append([])
        else:
            parts[-1].append(node)
    return [tuple(part) for part in parts]


def _runs(
    paragraph: Any, text: Rich, word: Any, bold: bool = False, italic: bool = False,
    owner: bool = False,
) -> None:  # fmt: skip
    """Rich text as runs; the owner's name in an author list gets the style "CV Owner"."""
    for node in text:
        if isinstance(node, Text):
            run = paragraph.add_run(node.text)
            if owner:
                run.style = word.styles["CV Owner"]
            run.bold = bold or None
            run.italic = italic or None
        elif isinstance(node, Bold):
            _runs(paragraph, node.children, word, True, italic, owner)
        elif isinstance(node, Highlight):
            _runs(paragraph, node.children, word, bold, italic, True)
        elif isinstance(node, Italic):
            _runs(paragraph, node.children, word, bold, True, owner)
        elif isinstance(node, Link):
            _hyperlink(paragraph, node, word)
        elif isinstance(node, LineBreak | ParagraphBreak):
            paragraph.add_run().add_break()


def _hyperlink(paragraph: Any, link: Link, word: Any) -> None:
    """A real hyperlink (python-docx has no API for it: w:hyperlink with a relationship)."""
    relation = paragraph.part.relate_to(link.url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    element = OxmlElement("w:hyperlink")
    element.set(qn("r:id"), relation)
    text = "".join(n.text for n in _leaves(link.children))
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), word.styles["CV Hyperlink"].style_id)
    properties.append(style)
    run.append(properties)
    content = OxmlElement("w:t")
    content.text = text
    content.set(qn("xml:space"), "preserve")
    run.append(content)
    element.append(run)
    paragraph._p.append(element)


def _leaves(text: Rich) -> list[Text]:
    out: list[Text] = []
    for node in text:
        if isinstance(node, Text):
            out.append(node)
        elif isinstance(node, Bold | Highlight | Italic | Link):
            out += _leaves(node.children)
    return out
