"""Publications as rich text, for the writers that have no biblatex (Markdown, HTML, DOCX).

The PDF's lists are printed by biblatex; everywhere else the same entries, in the same order and
with the same labels, are formatted here with pybtex's `unsrt` style. pybtex is the Python
reimplementation of BibTeX with a rich-text model and output backends: it knows every entry type
BibTeX knows and formats them the way readers expect, where a hand-written formatter would cover
a few types; CSL processors (citeproc-py) need CSL-JSON and cannot mark one author bold. cvbuild
changes three things: titles keep their case, authors are printed as in the PDF ("Family G")
with the CV's owner in bold, and pybtex's text is turned into cvbuild's rich text
(`cvbuild.richtext`), which every writer renders itself.
"""

from __future__ import annotations

import functools
from typing import Any

from pybtex.database import Entry, Person
from pybtex.richtext import BaseText, HRef, Protected, String, Symbol, Tag
from pybtex.richtext import Text as PybtexText
from pybtex.style.formatting import toplevel
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.formatting.unsrt import dashify, date
from pybtex.style.template import field as pybtex_field
from pybtex.style.template import (
    first_of,
    join,
    node,
    optional,
    optional_field,
    sentence,
    tag,
    words,
)

from cvbuild.bibliography import Name, Publication
from cvbuild.bibliography import _to_text as to_text
from cvbuild.locale import Locale
from cvbuild.richtext import Highlight, Italic, LineBreak, Link, Rich, bold, italic, link, rich
from cvbuild.richtext import join as join_rich

# pybtex reads field values as LaTeX. cvbuild hands it plain Unicode (decoded from the .bib), in
# which these characters mean themselves; they travel through pybtex as private-use stand-ins
# (which no .bib may contain: cvbuild.repertoire refuses them) and are put back afterwards.
_STAND_INS = {char: chr(0xF0000 + index) for index, char in enumerate("%{}\\~$&#_^")}
_BACK = {v: k for k, v in _STAND_INS.items()}


def _shield(text: str) -> str:
    return "".join(_STAND_INS.get(char, char) for char in text)


def _unshield(text: str) -> str:
    return "".join(_BACK.get(char, char) for char in text)


class _Entry(Entry):  # type: ignore[misc]
    """A pybtex entry that also carries cvbuild's authors, with the owner's positions."""

    publication: Publication


_OWNER_TAG = "cvbuild-owner"


@node  # type: ignore[untyped-decorator]
def _authors(children: Any, context: dict[str, Any]) -> Any:
    """The authors as the PDF prints them: 'Family G, Family G and Family G', owner bold."""
    publication: Publication = context["entry"].publication
    names: list[Any] = []
    for position, name in enumerate(publication.authors, 1):
        if not name.given and name.family == "others":  # BibTeX's "and others"
            continue
        shown = _shield(" ".join(p for p in (to_text(name.family), to_text(name.given)) if p))
        owner = position in publication.owner_positions
        names.append(Tag(_OWNER_TAG, shown) if owner else shown)
    etal = bool(publication.authors) and publication.authors[-1] == Name("others", "")
    if etal:
        etal_text = " ".join(t for t in ("et al.", getattr(context["entry"], "count", "")) if t)
        return join(sep=", ")[[*names, etal_text]].format_data(context)
    return join(sep=", ", sep2=" and ", last_sep=" and ")[names].format_data(context)


class _Style(UnsrtStyle):  # type: ignore[misc]
    def format_names(self, role: str, as_sentence: bool = True) -> Any:
        if role != "author":
            return super().format_names(role, as_sentence)
        return sentence[_authors] if as_sentence else _authors

    def get_article_template(self, e: Any) -> Any:
        """unsrt's article, which prints the volume only with pages: also "115, Art. 107899"
        (an article number, `eid`, labelled by format_reference) and a volume alone."""
        volume = join[pybtex_field("volume"), optional["(", pybtex_field("number"), ")"]]
        details = first_of[
            optional[join[volume, ":", pybtex_field("pages", apply_func=dashify)]],
            optional[join(sep=", ")[volume, pybtex_field("eid")]],
            optional[volume],
            optional[words["pages", pybtex_field("pages", apply_func=dashify)]],
            optional[pybtex_field("eid")],
        ]
        return toplevel[
            self.format_names("author"),
            self.format_title(e, "title"),
            sentence[tag("em")[pybtex_field("journal")], optional[details], date],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]

    def format_title(self, e: Any, which_field: str, as_sentence: bool = True) -> Any:
        title = pybtex_field(which_field)  # as written: no sentence case
        return sentence[title] if as_sentence else title


@functools.cache
def _style() -> _Style:
    return _Style()


def format_reference(publication: Publication, locale: Locale) -> Rich:
    """One publication as rich text: authors, title, venue, date, DOI/URL links, then
    cvbuild's own award and code lines."""
    fields = {
        name: _shield(to_text(value))
        for name, value in publication.fields.items()
        if name not in ("author", "keywords")
    }
    entry_type = (
        publication.entry_type
        if hasattr(_style(), f"get_{publication.entry_type}_template")
        else "misc"
    )
    if publication.published_at:  # an arXiv-stored paper, printed at its venue
        entry_type = "inproceedings"
        for name in ("journal", "journaltitle", "howpublished", "pubstate"):
            fields.pop(name, None)
        fields["booktitle"] = _shield(publication.published_at)
    if fields.get("eid"):  # an article number, labelled as in the PDF ("Art. 107899")
        fields["eid"] = f"{locale.word('article_number')}\u00a0{fields['eid']}"
    if publication.note:  # unsrt prints `note`, not biblatex's `addendum`
        fields["note"] = ". ".join(n for n in (fields.get("note"), _shield(publication.note)) if n)
    entry = _Entry(entry_type, fields=fields)
    entry.publication = publication
    entry.count = locale.authors_count(publication.author_count) if publication.author_count else ""
    if "editor" in publication.fields:
        for name in publication.fields["editor"].split(" and "):
            entry.add_person(Person(_shield(to_text(name))), "editor")
    try:
        formatted = _style().format_entry("", entry).text
        text = _convert(formatted)
    except Exception:  # a type's template wants a field this entry lacks: the plain essentials
        text = rich(
            ", ".join(" ".join((a.family, a.given)).strip() for a in publication.authors),
            ". ",
            to_text(publication.fields.get("title", "")),
            f". {publication.year}.",
        )
    if publication.award:
        text = rich(text, LineBreak(), bold(f"{locale.word('award')}: ", publication.award))
    if publication.code:
        links = join_rich(
            [link(url, url.removeprefix("https://")) for url in publication.code], ", "
        )
        text = rich(text, LineBreak(), f"{locale.word('code')}: ", links)
    for word, note in (
        ("involvement", publication.involvement),
        ("significance", publication.significance),
    ):
        if note:
            text = rich(text, LineBreak(), italic(f"{locale.word(word)}:"), " ", note)
    if publication.open_access:
        text = rich(text, LineBreak(), bold(locale.word("open_access")))
    return text


def _convert(text: BaseText) -> Rich:
    """pybtex rich text → cvbuild rich text."""
    if isinstance(text, String):
        return rich(_unshield(text.value))
    if isinstance(text, Symbol):
        return {"ndash": rich("–"), "newblock": rich(" "), "nbsp": rich("\u00a0")}.get(
            text.name, rich(" ")
        )
    children = rich(*(_convert(part) for part in getattr(text, "parts", ())))
    if isinstance(text, Tag):
        if text.name == _OWNER_TAG:
            return (Highlight(children),) if children else ()
        if text.name in ("b", "strong"):
            return bold(children)
        if text.name in ("em", "i"):
            return (Italic(children),) if children else ()
        return children
    if isinstance(text, HRef):
        return (Link(_unshield(text.url), children),) if children else ()
    if isinstance(text, PybtexText | Protected):
        return children
    return children
