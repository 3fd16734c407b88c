"""The HTML writer: the composed document as one self-contained, accessible web page.

Semantic HTML (header, main, one section per CV section, ordered publication lists with
anchors), a small embedded stylesheet that reflows on phones and prints cleanly, the photo
embedded as a data URI, schema.org `Person` data for search engines: no external request of
any kind, so the file works offline and leaks nothing when opened.
"""

from __future__ import annotations

import base64
import json
import re
from html import escape as html_escape
from importlib import resources

from cvbuild.document import (
    Block,
    Document,
    Entry,
    Group,
    Header,
    Item,
    PublicationList,
    Section,
    Table,
)
from cvbuild.references import format_reference
from cvbuild.richtext import Bold, Highlight, Italic, LineBreak, Link, ParagraphBreak, Rich, Text

_SAFE_URL = re.compile(r"^(https?:|mailto:|tel:|#)", re.I)


def escape(text: str) -> str:
    return html_escape(text, quote=True)


def _href(url: str) -> str:
    """Only web, mail and phone links become links: a `javascript:` URL never reaches a page."""
    return escape(url) if _SAFE_URL.match(url) else "#"


def inline(value: Rich) -> str:
    out: list[str] = []
    for node in value:
        if isinstance(node, Text):
            out.append(escape(node.text))
        elif isinstance(node, Bold):
            out.append(f"<strong>{inline(node.children)}</strong>")
        elif isinstance(node, Highlight):
            out.append(f'<strong class="owner">{inline(node.children)}</strong>')
        elif isinstance(node, Italic):
            out.append(f"<em>{inline(node.children)}</em>")
        elif isinstance(node, Link):
            out.append(f'<a href="{_href(node.url)}">{inline(node.children)}</a>')
        elif isinstance(node, LineBreak):
            out.append("<br>")
        elif isinstance(node, ParagraphBreak):
            out.append("</p><p>")
    return "".join(out)


def _paragraphs(value: Rich, css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return f"<p{attribute}>{inline(value)}</p>" if value else ""


def write(document: Document) -> str:
    meta = document.metadata
    stylesheet = (resources.files("cvbuild") / "writers" / "cv.css").read_text(encoding="utf-8")
    head = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # The page loads nothing: no script runs, no style, font or image comes from elsewhere.
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{escape(meta.title)}</title>",
        f'<meta name="author" content="{escape(meta.author)}">',
        f'<meta name="description" content="{escape(meta.subject)}">',
        f'<meta name="keywords" content="{escape(", ".join(meta.keywords))}">',
        f'<meta name="generator" content="{escape(meta.creator)}">',
        f"<style>\n{stylesheet}</style>",
        '<script type="application/ld+json">' + _person_data(document) + "</script>",
    ]
    body = [_header(document.header), "<main>"]
    body += [_section(section, document) for section in document.sections]
    body.append("</main>")
    if document.footer:
        body.append(f'<footer class="cv-footer"><p>{escape(document.footer)}</p></footer>')
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(meta.language)}">\n<head>\n'
        + "\n".join(head)
        + "\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _person_data(document: Document) -> str:
    """schema.org Person (JSON-LD): name, title, contact and profiles."""
    header = document.header
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": header.full_name,
        "givenName": header.given_names,
        "familyName": header.family_name,
    }
    if header.title:
        data["honorificPrefix"] = header.title
    if header.headline:
        data["jobTitle"] = header.headline
    if header.email:
        data["email"] = f"mailto:{header.email}"
    if header.phone:
        data["telephone"] = header.phone
    if header.profiles:
        data["sameAs"] = [profile.url for profile in header.profiles]
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("</", "<\\/")  # a name cannot close the script element


def _header(header: Header) -> str:
    parts = ['<header class="cv-header">']
    if header.photo and header.photo.suffix.lower() in (".jpg", ".jpeg", ".png"):
        kind = "png" if header.photo.suffix.lower() == ".png" else "jpeg"
        data = base64.b64encode(header.photo.read_bytes()).decode("ascii")
        parts.append(f'<img class="photo" src="data:image/{kind};base64,{data}" alt="">')
    parts.append(f"<h1>{escape(header.full_name)}</h1>")
    if header.title:
        parts.append(f'<p class="academic-title">{escape(header.title)}</p>')
    if header.headline:
        parts.append(f'<p class="headline">{escape(header.headline)}</p>')
    contact = []
    if header.address:
        contact.append(
            "<li><address>" + "<br>".join(escape(line) for line in header.address if line)
            + "</address></li>"
        )  # fmt: skip
    if header.born:
        contact.append(f"<li>{escape(header.born)}</li>")
    if header.phone:
        tel = re.sub(r"[^\d+]", "", header.phone)
        contact.append(f'<li><a href="tel:{escape(tel)}">{escape(header.phone)}</a></li>')
    if header.email:
        contact.append(
            f'<li><a href="mailto:{escape(header.email)}">{escape(header.email)}</a></li>'
        )
    for profile in header.profiles:
        contact.append(f'<li><a href="{_href(profile.url)}">{escape(profile.shown)}</a></li>')
    contact += [f"<li>{inline(extra)}</li>" for extra in header.extras]
    if contact:
        parts.append('<ul class="contact">' + "".join(contact) + "</ul>")
    parts.append("</header>")
    return "\n".join(parts)


def _section(section: Section, document: Document) -> str:
    anchor = escape(section.id)
    parts = [
        f'<section id="{anchor}" aria-labelledby="{anchor}-title">',
        f'<h2 id="{anchor}-title">{escape(section.title)}</h2>',
    ]
    parts += [_block(block, document, section.id) for block in section.blocks]
    parts.append("</section>")
    return "\n".join(parts)


def _row(label: str, content: str) -> str:
    return (
        f'<div class="row"><div class="label">{escape(label)}</div>'
        f'<div class="content">{content}</div></div>'
    )


def _block(block: Block, document: Document, section_id: str) -> str:
    if isinstance(block, Entry):
        heading = [f"<strong>{inline(block.title)}</strong>"]
        if block.organisation:
            heading.append(inline(block.organisation))
        if block.location:
            heading.append(escape(block.location))
        if block.note:
            heading.append(f"<em>{escape(block.note)}</em>")
        content = f'<p class="heading">{", ".join(heading)}</p>' + _paragraphs(block.body)
        return _row(block.date, content)
    if isinstance(block, Item):
        return _row(block.label, _paragraphs(block.text))
    if isinstance(block, Group):
        return f"<h3>{escape(block.title)}</h3>" + _paragraphs(block.note, "note")
    if isinstance(block, Table) and block.kind == "fields":
        rows = "".join(
            f'<tr><th scope="row">{escape(label)}</th><td>{escape(text)}</td></tr>'
            for label, text, *_ in block.rows
        )
        return f'<table class="fields"><tbody>{rows}</tbody></table>'
    if isinstance(block, Table):
        head = "".join(f'<th scope="col">{escape(c)}</th>' for c in block.columns)
        rows = "".join(
            f'<tr><th scope="row">{escape(row[0])}</th>'
            + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
            + "</tr>"
            for row in block.rows
        )
        caption = f"<caption>{inline(block.caption)}</caption>" if block.caption else ""
        return (
            f'<table class="metrics">{caption}<thead><tr><td></td>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    if isinstance(block, PublicationList):
        anchor = escape(f"{section_id}-{block.category}")
        items = []
        for reference in block.references:
            text = inline(format_reference(reference.publication, document.locale))
            label = escape(reference.label)
            items.append(
                f'<li id="{escape(reference.publication.key)}" value="{_number(label)}">'
                f'<span class="ref-label">{label}</span> {text}</li>'
            )
        return (
            f'<h3 id="{anchor}">{escape(block.title)}</h3>\n<ol class="publications">'
            + "\n".join(items)
            + "</ol>"
        )
    raise TypeError(f"no HTML for {type(block).__name__}")


def _number(label: str) -> int:
    digits = re.sub(r"\D", "", label)
    return int(digits) if digits else 0
