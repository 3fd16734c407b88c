"""The LaTeX writer: the composed document as a moderncv + biblatex project.

Python decides only what is printed; how it looks is in `latex/cvbuild.sty`, which defines one
macro per kind of block (`\\cvbuildentry`, `\\cvbuilditem`, `\\cvbuildgroup`, ...). PyLaTeX
assembles the document. Every piece of user text passes through `cvbuild.escape`; the
publication lists are printed by biblatex from a .bib written here with exactly the entries to
print, in order, with their labels.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pylatex import Command, NoEscape
from pylatex import Document as LatexDocument

from cvbuild import document as doc
from cvbuild.bibliography import KEY_PATTERN, PRINTED_FIELDS, URL_FIELDS
from cvbuild.escape import (
    PARAGRAPH_BREAK,
    escape,
    escape_bib,
    escape_inline,
    escape_url,
    escape_xmp,
    uri,
)
from cvbuild.repertoire import Engine, Script, engine_for, fallback_characters
from cvbuild.resources import LATEX_DIR
from cvbuild.richtext import Bold, Highlight, Italic, LineBreak, Link, ParagraphBreak, Rich, Text

# Everything above this line of the preamble may be precompiled into a format (compile.py); a
# no-op when the .tex is compiled the ordinary way.
DUMP_MARKER = r"\csname endofdump\endcsname"
BIB_NAME = "cvbuild-publications.bib"
# Where the body's citations and lists are run alone by a pass without a .bbl (cvbuild.sty).
CONTROL_PASS = r"\cvbuildcontrolpass{"
PHOTO_NAME = "cvbuild-photo"
# Comments that let a TeX error be traced back to the section and the item (file:line) behind it;
# the file's name only, so that the .tex is the same wherever the content folder is.
SECTION_MARKER = "% cvbuild-section: "
SOURCE_MARKER = "% cvbuild-source: "


@dataclass(frozen=True)
class RenderedProject:
    tex: str
    bib: str
    support_files: tuple[Path, ...]
    engine: Engine  # pdflatex unless the text needs more than T1 (cvbuild.repertoire)
    xmpdata: str = ""  # PDF/A metadata for pdfx ("" when PDF/A is off)
    assets: tuple[tuple[str, Path], ...] = ()  # (name in the build dir, source file): the photo
    entries: dict[str, str] = field(default_factory=dict)  # .bib key → 'refs.bib:12', for messages
    # The small document a cold build's first pass runs (it only writes biber's .bcf): "" when
    # there is no bibliography (cvbuild-control.sty).
    control_tex: str = ""


def latex(value: Rich) -> str:
    """Rich text → LaTeX; the only way composed text reaches TeX."""
    out: list[str] = []
    for node in value:
        if isinstance(node, Text):
            out.append(escape_inline(node.text))
        elif isinstance(node, Bold | Highlight):
            out.append(rf"\textbf{{{latex(node.children)}}}")
        elif isinstance(node, Italic):
            out.append(rf"\emph{{{latex(node.children)}}}")
        elif isinstance(node, Link):
            out.append(rf"\href{{{escape_url(node.url)}}}{{{latex(node.children)}}}")
        elif isinstance(node, LineBreak):
            out.append(r"\newline ")
        elif isinstance(node, ParagraphBreak):
            out.append(PARAGRAPH_BREAK)
    return "".join(out)


def write(document: doc.Document) -> RenderedProject:
    latex_document = _document(document)
    preamble = latex_document.preamble
    preamble.extend(NoEscape(line) for line in _header(document.header))
    if document.footer is not None:
        preamble.append(NoEscape(rf"\cvbuildfooter{{{escape(document.footer)}}}"))
    else:
        preamble.append(NoEscape(r"\nopagenumbers"))
    references = document.references
    if references:
        preamble.append(NoEscape(rf"\addbibresource{{{BIB_NAME}}}"))
    sections = [_section(section) for section in document.sections]
    for_biber = [line for lines in sections for line in lines if line.startswith(_FOR_BIBER)]
    if for_biber:
        latex_document.append(NoEscape(CONTROL_PASS + "".join(for_biber) + "}"))
    latex_document.append(NoEscape(r"\cvbuildmaketitle"))
    for lines in sections:
        latex_document.extend(NoEscape(line) for line in lines)
    # The LaTeX packages, and the Lua sandbox LuaLaTeX runs first (see compile.py).
    support = tuple(sorted([*LATEX_DIR.glob("*.sty"), *LATEX_DIR.glob("*.lua")]))
    bib = bibliography_file(references, document.locale.number)
    if document.layout.pdf_a:
        xmpdata = _xmpdata(document.metadata)
    else:
        xmpdata = ""
        preamble.append(NoEscape(_hyperref_metadata(document.metadata)))
    body = latex_document.dumps() + "\n"
    # The PDF's file identifier: fixed for the same content, so rebuilds are byte-identical.
    # Set at the end (TeX reads it when it writes the trailer), so that the preamble stays as
    # it was after an edit: a rebuild's first pass reads it before the content is known.
    trailer_id = hashlib.md5((body + bib).encode("utf-8")).hexdigest().upper()
    head, end = body.rsplit(r"\end{document}", 1)
    tex = f"{head}\\cvbuildtrailerid{{{trailer_id}}}%\n\\end{{document}}{end}"
    photo = document.header.photo
    assets = ((f"{PHOTO_NAME}{photo.suffix.lower()}", photo),) if photo else ()
    places = {
        r.publication.key: f"{r.publication.file.name}:{r.publication.line}"
        for r in references
        if r.publication.file is not None
    }
    control = _control_document(document, for_biber) if for_biber else ""
    engine = engine_for([tex, bib])
    if engine == "lualatex":
        tex = with_fallbacks(tex, bib)
    return RenderedProject(tex, bib, support, engine, xmpdata, assets, places, control)


def with_fallbacks(tex: str, bib: str, missing: tuple[Script, ...] = ()) -> str:
    """The document for LuaLaTeX: after the precompiled preamble, which fallback font each
    character pdflatex's fonts lack comes from (latex/cvbuild-lua.sty, \\cvbuildfallback), and
    each character of `missing`, scripts whose TeX packages are not installed."""
    lines = "".join(
        rf"\cvbuildfallback{{{family}}}{{{','.join(codes[start : start + 16])}}}%" + "\n"
        for family, codes in fallback_characters([tex, bib], missing).items()
        for start in range(0, len(codes), 16)
    )
    return tex.replace(DUMP_MARKER + "\n", DUMP_MARKER + "\n" + lines, 1)


def _control_document(document: doc.Document, for_biber: list[str]) -> str:
    """What biber's control file is made of, alone: the language, cvbuild's biblatex set-up, the
    .bib and the body's citations and lists (cvbuild-control.sty)."""
    control = LatexDocument(documentclass="article", fontenc=None, inputenc=None, lmodern=False,
                            textcomp=False, microtype=False, page_numbers=False)  # fmt: skip
    control.preamble.append(Command("usepackage", "babel", options=document.locale.babel))
    control.preamble.append(NoEscape(r"\usepackage{cvbuild-control}"))
    control.preamble.append(NoEscape(rf"\addbibresource{{{BIB_NAME}}}"))
    control.extend(NoEscape(line) for line in for_biber)
    return str(control.dumps()) + "\n"


def _document(document: doc.Document) -> LatexDocument:
    layout = document.layout
    latex_document = LatexDocument(
        documentclass="moderncv",
        document_options=[f"{layout.font_size}pt", f"{layout.paper}paper"],
        fontenc=None,
        inputenc=None,
        lmodern=False,
        textcomp=False,
        microtype=False,
        page_numbers=True,  # adds `lastpage`; False would empty the page style
    )
    preamble = latex_document.preamble
    preamble.append(Command("moderncvstyle", layout.style, options="nosymbols"))
    preamble.append(Command("moderncvcolor", layout.color))
    # The language: hyphenation patterns, and biblatex's words ("In:", "pp."/"S.", "eds."/"Hrsg.").
    preamble.append(Command("usepackage", "babel", options=document.locale.babel))
    cvbuild = r"\usepackage[pdfa]{cvbuild}" if layout.pdf_a else r"\usepackage{cvbuild}"
    # The marker's line has no "%": loaded from the format, mylatexformat skips the preamble
    # line by line up to it and runs the rest of that "line" as one token list, which would
    # run on through every line ending in "%" (all of them): the body then lost its line
    # numbers and its end-of-line catcode (a tabular's last \\ made an empty row).
    preamble.append(NoEscape(cvbuild + "\n" + DUMP_MARKER + "\n"))
    if layout.pdf_a:
        preamble.append(NoEscape(r"\usepackage{cvbuild-pdfa}"))
        subject = pdf_string(document.metadata.subject)
        preamble.append(NoEscape(rf"\cvbuildpdfsubject{{{subject}}}"))
        if document.metadata.keywords:
            keywords = pdf_string(KEYWORD_SEPARATOR.join(document.metadata.keywords))
            preamble.append(NoEscape(rf"\cvbuildpdfkeywords{{{keywords}}}"))
    preamble.append(NoEscape(rf"\cvbuildmargins{{{layout.margins}}}"))
    if layout.accent:
        preamble.append(NoEscape(rf"\cvbuildaccent{{{ACCENTS[layout.accent]}}}"))
    preamble.extend(NoEscape(rf"\cvbuildhint{{{escape(label)}}}") for label in _hints(document))
    word = document.locale.word
    preamble.append(
        NoEscape(
            rf"\renewcommand*{{\cvbuildpagelabel}}{{{escape(word('page'))}}}"
            rf"\renewcommand*{{\cvbuildoflabel}}{{{escape(word('of'))}}}"
            rf"\renewcommand*{{\cvbuildawardlabel}}{{{escape(word('award'))}}}"
            rf"\renewcommand*{{\cvbuildcodelabel}}{{{escape(word('code'))}}}"
            rf"\renewcommand*{{\cvbuildauthorcount}}[1]{{{_count_pattern(word('authors_count'))}}}"
            rf"\renewcommand*{{\cvbuildarticlelabel}}{{{escape(word('article_number'))}}}"
            rf"\renewcommand*{{\cvbuildinvolvementlabel}}{{{escape(word('involvement'))}}}"
            rf"\renewcommand*{{\cvbuildsignificancelabel}}{{{escape(word('significance'))}}}"
            rf"\renewcommand*{{\cvbuildopenaccesslabel}}{{{escape(word('open_access'))}}}"
        )
    )
    if layout.font_family == "arial-metric":
        preamble.append(NoEscape(rf"\cvbuildarialmetric{{{layout.font_size}}}"))
    if layout.line_spacing != 1.0:
        preamble.append(NoEscape(rf"\linespread{{{layout.line_spacing:g}}}"))
    return latex_document


# moderncv's main colour (color1) of each of its colour themes, as RGB: settings.accent.
ACCENTS = {
    "blue": "0.22,0.45,0.70", "orange": "0.95,0.55,0.15", "green": "0.35,0.70,0.30",
    "red": "0.95,0.20,0.20", "purple": "0.50,0.33,0.80", "grey": "0.55,0.55,0.55",
    "black": "0,0,0", "burgundy": "0.596078,0,0",
}  # fmt: skip


def _count_pattern(pattern: str) -> str:
    """'({count} authors)' as a macro body: the text escaped, the count its argument."""
    marker = "cvbuildCOUNTmarker"  # letters: escaping leaves it, and the spaces around it, alone
    return escape(pattern.replace("{count}", marker)).replace(marker, "#1")


def _hints(document: doc.Document) -> list[str]:
    """The labels that size the date column: every date and dated label, the widest first few
    (by length) so the preamble stays short; skill names and other words do not widen it."""
    labels = set()
    for section in document.sections:
        for block in section.blocks:
            if isinstance(block, doc.Entry) and block.date:
                labels.add(block.date)
            elif isinstance(block, doc.Item) and any(c.isdigit() for c in block.label):
                labels.add(block.label)
    return sorted(labels, key=lambda label: (-len(label), label))[:12]


# moderncv's names for the profile networks it has an entry for; others are 'homepage'.
_SOCIAL = {
    "github": "github",
    "gitlab": "gitlab",
    "linkedin": "linkedin",
    "orcid": "orcid",
    "researchgate": "researchgate",
    "twitter": "twitter",
    "google_scholar": "googlescholar",
}


# How a network names itself: a user name alone does not say where it lives (GitHub and
# LinkedIn were both just "sebastian-lapuschkin" behind cryptic letters).
_NETWORK_NAMES = {
    "github": "GitHub",
    "gitlab": "GitLab",
    "linkedin": "LinkedIn",
    "orcid": "ORCID",
    "researchgate": "ResearchGate",
    "twitter": "Twitter",
    "google_scholar": "Google Scholar",
}


def _profile_text(profile: doc.ProfileLink) -> str:
    """'GitHub: name' for a user name; a label that already says it (Google Scholar) alone."""
    name = _NETWORK_NAMES.get(profile.network)
    if name is None or name.casefold() in profile.shown.casefold():
        return profile.shown
    return f"{name}: {profile.shown}"


def _header(header: doc.Header) -> list[str]:
    lines = [rf"\name{{{escape(header.given_names)}}}{{{escape(header.family_name)}}}"]
    if header.title:
        lines.append(rf"\title{{{escape(header.title)}}}")
    if header.address:
        lines.append(r"\address" + "".join(f"{{{escape(line)}}}" for line in header.address))
    if header.born:
        lines.append(rf"\born{{{escape(header.born)}}}")
    if header.phone:
        lines.append(rf"\phone[mobile]{{{escape(header.phone)}}}")
    if header.email:
        # moderncv uses \email's text as the mailto: target too; cvbuild.sty shows the address
        # as written (ada@müller.de) and links the ASCII form (ada@xn--mller-kva.de).
        lines.append(rf"\email{{{escape_url(header.email, email=True)}}}")
        lines.append(rf"\renewcommand*{{\cvbuildemailtext}}{{{escape(header.email)}}}")
    for profile in header.profiles:
        network = _SOCIAL.get(profile.network, "homepage")
        target = escape_url(profile.url.removeprefix("https://").removeprefix("http://"))
        lines.append(rf"\social[{network}][{target}]{{{escape(_profile_text(profile))}}}")
    if header.extras:
        lines.append(r"\extrainfo{" + r"\newline ".join(latex(e) for e in header.extras) + "}")
    if header.headline:
        lines.append(rf"\quote{{{escape(header.headline)}}}")
    if header.photo:  # copied into the build dir under this name (TeX reads nothing outside)
        lines.append(rf"\photo[64pt][0.4pt]{{{PHOTO_NAME}}}")
    return lines


# The body's lines that biber's control file (.bcf) is made of, in their order: the citations and
# each list's \printbibliography. A pass without a .bbl runs them alone (\cvbuildcontrolpass).
_FOR_BIBER = (r"\nocite{", r"\cvbuildpublications{")


def _section(section: doc.Section) -> list[str]:
    lines = [SECTION_MARKER + section.id]
    if section.source.file is not None and section.source.line:
        lines.append(f"{SOURCE_MARKER}{section.source.file.name}:{section.source.line}")
    lines.append(rf"\cvbuildsection{{{escape(section.title)}}}")
    cited = False
    for block in section.blocks:
        if isinstance(block, doc.PublicationList) and not cited:
            # The .bib cvbuild writes holds exactly the entries to print, so \nocite{*} cites
            # them all; unlike a list of keys it stays the same when an entry is added, so
            # biber runs once.
            lines.append(r"\nocite{*}")
            cited = True
        if block.source.file is not None and block.source.line:
            lines.append(f"{SOURCE_MARKER}{block.source.file.name}:{block.source.line}")
        lines += _block(block)
    return lines


def _block(block: doc.Block) -> list[str]:
    if isinstance(block, doc.Entry):
        return [
            rf"\cvbuildentry{{{escape(block.date)}}}{{{latex(block.title)}}}"
            rf"{{{latex(block.organisation)}}}{{{escape(block.location)}}}"
            rf"{{{escape(block.note)}}}{{{latex(block.body)}}}"
        ]
    if isinstance(block, doc.Item):
        return [rf"\cvbuilditem{{{escape(block.label)}}}{{{latex(block.text)}}}"]
    if isinstance(block, doc.Group):
        lines = [rf"\cvbuildgroup{{{escape(block.title)}}}"]
        return lines + ([rf"\cvbuilditem{{}}{{{latex(block.note)}}}"] if block.note else [])
    if isinstance(block, doc.Table):
        return _table(block)
    if isinstance(block, doc.PublicationList):
        return [
            rf"\cvbuildpublications{{{_list_keyword(block.category)}}}{{{escape(block.title)}}}"
        ]
    raise TypeError(f"no LaTeX for {type(block).__name__}")


def _table(table: doc.Table) -> list[str]:
    if table.kind == "fields":
        rows = [" & ".join(escape(cell) for cell in row[:2]) + r" \\" for row in table.rows]
        body = "\n".join([r"\begin{cvbuildfields}", *rows, r"\end{cvbuildfields}"])
        return [rf"\cvbuilditem{{}}{{{body}}}"]
    head = " & ".join(["", *(rf"\textbf{{{escape(c)}}}" for c in table.columns)]) + r" \\"
    rows = [" & ".join(escape(cell) for cell in row) + r" \\" for row in table.rows]
    body = "\n".join(
        [rf"\begin{{cvbuildmetrics}}{{{len(table.columns)}}}", head, *rows, r"\end{cvbuildmetrics}"]
    )
    lines = [rf"\cvbuilditem{{}}{{{body}}}"]
    if table.caption:
        lines.append(rf"\cvbuilditem{{}}{{{latex(table.caption)}}}")
    return lines


# --------------------------------------------------------------------------- metadata


def pdf_string(text: str) -> str:
    """Text as the inside of a PDF literal string: UTF-16 with a byte-order mark, every byte an
    octal escape (so that no character means anything to TeX or to the PDF)."""
    return "".join(
        f"\\{byte:03o}" for byte in "\ufeff".encode("utf-16-be") + text.encode("utf-16-be")
    )


# Keywords as one string (Info /Keywords, XMP pdf:Keywords); dc:subject keeps them one by one.
KEYWORD_SEPARATOR = ", "


def _xmpdata(meta: doc.Metadata) -> str:
    r"""pdfx's \jobname.xmpdata (PDF/A): its own escaping, keywords separated by \sep."""
    fields = {
        "Title": escape_xmp(meta.title),
        "Author": escape_xmp(meta.author),
        "Subject": escape_xmp(meta.subject),
        "Keywords": r"\sep ".join(escape_xmp(k) for k in meta.keywords),
        "Language": escape_xmp(meta.language),
        "CreatorTool": escape_xmp(meta.creator),
    }
    lines = [rf"\{key}{{{value}}}" for key, value in fields.items()]
    if meta.keywords:  # pdf:Keywords: the Info dictionary's /Keywords text (cvbuild-pdfa.sty)
        joined = escape_xmp(KEYWORD_SEPARATOR.join(meta.keywords))
        lines.append(rf"\cvbuildxmpkeywords{{{joined}}}")
    return "".join(line + "\n" for line in lines)


def _hyperref_metadata(meta: doc.Metadata) -> str:
    """The same information for a plain PDF, through hyperref."""
    return (
        r"\AtEndPreamble{\hypersetup{"
        rf"pdftitle={{{escape(meta.title)}}}, pdfauthor={{{escape(meta.author)}}}, "
        rf"pdfsubject={{{escape(meta.subject)}}}, "
        rf"pdfkeywords={{{escape(KEYWORD_SEPARATOR.join(meta.keywords))}}}, "
        rf"pdflang={{{meta.language}}}, pdfcreator={{{escape(meta.creator)}}}}}}}"
    )


# --------------------------------------------------------------------------- the .bib for biber


def _breakable_url(url: str) -> str:
    """A URL as visible text (in the .bib) that may break after each slash of its path, but not
    between the host and the path's first part ("github.com/" alone at a line's end)."""
    host, slash, path = url.removeprefix("https://").removeprefix("http://").partition("/")
    first, more, rest = path.partition("/")
    head = escape_bib(host + slash + first).replace(r"/\cvbuildbreak{}", "/")
    return head + escape_bib(more + rest).replace("/", r"/\allowbreak{}")


def _list_keyword(name: str) -> str:
    """A list's name as the keyword \\cvbuildpublications selects by (letters and digits only:
    'peer-reviewed' -> 'peerreviewed'), the same in the .tex and the .bib."""
    return re.sub(r"[^A-Za-z0-9]", "", name)


def bibliography_file(
    references: tuple[doc.Reference, ...], number: Callable[[float], str] = str
) -> str:
    """The .bib biber reads: the entries to print, in printed order (`sorting=none` keeps it),
    with their checked, printed fields only, plus cvbuild's labels, awards, code links, owner
    annotations and the keyword that puts each into its list.

    Everything written is made safe here again, whatever the checks before let through: keys,
    entry types and field names must be plain words (else this is a bug, not bad input), text
    fields get their raw % # & _ ^ escaped, links are percent-encoded URIs."""
    chunks = []
    for reference in references:
        publication = reference.publication
        fields = {
            name: _bib_value(name, value)
            for name, value in publication.fields.items()
            if name in PRINTED_FIELDS and value
        }
        entry_type = publication.entry_type
        if publication.published_at:  # an arXiv-stored paper, printed at its venue
            entry_type = "inproceedings"
            for name in ("journal", "journaltitle", "howpublished", "booktitle", "pubstate"):
                fields.pop(name, None)
            fields["booktitle"] = escape_bib(publication.published_at)
        if publication.note:
            fields["addendum"] = escape_bib(publication.note)
        # The date as cvbuild read it (biber warns, and the build stops, on both `date` and
        # `year`, or on a `year` like '2020a' beside a `date`).
        for name in ("date", "year", "month", "day"):
            fields.pop(name, None)
        fields["date"] = "-".join(
            f"{part:02d}" for part in (publication.year, publication.month, publication.day) if part
        )
        fields["keywords"] = "cvbuild" + _list_keyword(reference.list_key or publication.category)
        fields["usera"] = escape_bib(reference.label)
        if publication.award:
            fields["userb"] = escape_bib(publication.award)
        if publication.involvement:
            fields["userd"] = escape_bib(publication.involvement)
        if publication.significance:
            fields["usere"] = escape_bib(publication.significance)
        if publication.open_access:
            fields["userf"] = "1"
        if publication.code:
            fields["userc"] = ", ".join(
                rf"\href{{{escape_url(url)}}}{{{_breakable_url(url)}}}" for url in publication.code
            )
        if publication.author_count:  # "et al. (150 authors)"
            fields["verba"] = escape_bib(number(publication.author_count))
        if publication.owner_positions:
            fields[f"{publication.owner_field}+an"] = ";".join(
                f"{i}=highlight" for i in publication.owner_positions
            )
        key = publication.bib_key or publication.key
        _require_plain(key, entry_type, fields)
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
        chunks.append(f"@{entry_type}{{{key},\n{body}\n}}\n")
    return "\n".join(chunks)


def _require_plain(key: str, entry_type: str, fields: dict[str, str]) -> None:
    """Defense in depth: bibliography.py refuses anything else with a file:line message."""
    names_ok = all(re.fullmatch(r"[a-z_][a-z0-9_-]*(\+an)?", name) for name in fields)
    if not (KEY_PATTERN.fullmatch(key) and re.fullmatch(r"[a-z]+", entry_type) and names_ok):
        raise ValueError(f"unchecked .bib entry reached the LaTeX writer: {key!r}")


def _bib_value(name: str, value: str) -> str:
    """A checked .bib value as biber should pass it to TeX."""
    if name in URL_FIELDS:
        braced = value.startswith("{") and value.endswith("}")
        return uri(value[1:-1] if braced else value)
    return tex_text(value)


def tex_text(value: str) -> str:
    r"""A .bib text field with the characters TeX would misread escaped: a raw % (a comment to
    TeX), # (a macro parameter), & (a table column) print as themselves; outside $...$ also
    _ and ^. Commands (checked before: accents, \emph, ...) and their escapes stay as they are."""
    out: list[str] = []
    math = False
    for match in re.finditer(r"\\(?:[A-Za-z]+|.)|.", value, re.DOTALL):
        token = match.group()
        if token == "$":
            math = not math
            out.append(token)
        elif token in "%#&":
            out.append("\\" + token)
        elif token in (r"\{", r"\}"):  # BibTeX would count these braces
            out.append(r"\textbraceleft{}" if token == r"\{" else r"\textbraceright{}")
        elif token == "_" and not math:
            out.append(r"\_")
        elif token == "^" and not math:
            out.append(r"\textasciicircum{}")
        elif token in ("\u0133", "\u0132"):  # as in escape.CHARACTER_TABLE: ĳ6 is no \char1886
            out.append(token + "{}")
        else:
            out.append(token)
    return "".join(out)
