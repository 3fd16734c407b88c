"""Stage 3: turn a selection into a LaTeX project: the .tex (via PyLaTeX), the .bib biblatex
reads, and the list of support files from `latex/`.

One function per section kind (`SECTION_RENDERERS`). All user text goes through
`cvbuild.escape`; nothing from the content is written to TeX raw.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pylatex import Command, Document, NoEscape

from cvbuild import __version__, models
from cvbuild.bibliography import (
    CATEGORIES,
    KEY_PATTERN,
    UNPRINTED_FIELDS,
    URL_FIELDS,
    Publication,
    count_by_category,
)
from cvbuild.dates import PartialDate, Period
from cvbuild.escape import (
    PARAGRAPH_BREAK,
    escape,
    escape_bib,
    escape_url,
    escape_xmp,
    markup,
    uri,
)
from cvbuild.repertoire import Engine, engine_for
from cvbuild.select import Selection

LATEX_DIR = Path(__file__).resolve().parent.parent / "latex"
# Everything above this line of the preamble may be precompiled into a format (compile.py); a
# no-op when the .tex is compiled the ordinary way.
DUMP_MARKER = r"\csname endofdump\endcsname"
BIB_NAME = "cvbuild-publications.bib"


@dataclass(frozen=True)
class RenderedProject:
    tex: str
    bib: str
    support_files: tuple[Path, ...]
    engine: Engine  # pdflatex unless the text needs more than T1 (cvbuild.repertoire)
    xmpdata: str = ""  # PDF/A metadata for pdfx ("" when PDF/A is off)
    assets: tuple[tuple[str, Path], ...] = ()  # (name in the build dir, source file): the photo


@dataclass(frozen=True)
class View:
    """What the renderers need beyond the content itself."""

    labels: models.Labels
    as_of: PartialDate
    publications: tuple[Publication, ...]
    all_publications: tuple[Publication, ...]
    compact: frozenset[str] = frozenset()


def render(selection: Selection, all_publications: tuple[Publication, ...]) -> RenderedProject:
    cv, as_of, variant = selection.cv, selection.as_of, selection.variant
    view = View(
        cv.settings.labels, as_of, selection.publications, all_publications, selection.compact
    )
    document = _document(cv.settings)
    preamble = document.preamble
    preamble.extend(
        NoEscape(line) for line in _header(cv.person, cv.settings.labels, variant.header_note)
    )
    if variant.footer:
        footer = " · ".join(
            part
            for part in (
                cv.person.full_name,
                f"{cv.settings.labels.as_of} {as_of.display()}",
                variant.footer_note,
            )
            if part
        )
        footer = escape(footer)
        preamble.append(NoEscape(rf"\cvbuildfooter{{{footer}}}"))
    else:
        preamble.append(NoEscape(r"\nopagenumbers"))
    if selection.publications:
        preamble.append(NoEscape(rf"\addbibresource{{{BIB_NAME}}}"))
    document.append(NoEscape(r"\makecvtitle"))
    for section in cv.sections:
        document.extend(NoEscape(line) for line in render_section(section, view))
    # The LaTeX packages, and the Lua sandbox LuaLaTeX runs first (see compile.py).
    support = tuple(sorted([*LATEX_DIR.glob("*.sty"), *LATEX_DIR.glob("*.lua")]))
    lists = [
        item for s in cv.sections if isinstance(s, models.PublicationsSection) for item in s.lists
    ]
    bib = bibliography_file(selection.publications, lists)
    metadata = _metadata(selection)
    if cv.settings.pdf_a:
        xmpdata = _xmpdata(metadata)
    else:
        xmpdata = ""
        preamble.append(NoEscape(_hyperref_metadata(metadata)))
    body = document.dumps() + "\n"
    # The PDF's file identifier: fixed for the same content, so rebuilds are byte-identical.
    trailer_id = hashlib.md5((body + bib).encode("utf-8")).hexdigest().upper()
    tex = body.replace(
        r"\begin{document}", rf"\cvbuildtrailerid{{{trailer_id}}}" + "\n" + r"\begin{document}", 1
    )
    assets = ()
    if cv.person.photo:
        assets = ((f"{PHOTO_NAME}{Path(cv.person.photo).suffix.lower()}", Path(cv.person.photo)),)
    return RenderedProject(tex, bib, support, engine_for([tex, bib]), xmpdata, assets)


@dataclass(frozen=True)
class Metadata:
    """The PDF's document information, as plain text; each writer escapes it its own way."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    language: str
    creator: str


def _metadata(selection: Selection) -> Metadata:
    cv = selection.cv
    description = " ".join(selection.variant.description.split())
    return Metadata(
        title=f"Curriculum Vitae — {cv.person.full_name}",
        author=cv.person.full_name,
        subject=f"{selection.variant_name}: {description}".rstrip(": "),
        keywords=tuple(cv.settings.keywords or [section.title for section in cv.sections]),
        language=cv.settings.language,
        creator=f"cvbuild {__version__}",
    )


def _xmpdata(meta: Metadata) -> str:
    r"""pdfx's \jobname.xmpdata (PDF/A): its own escaping, keywords separated by \sep."""
    fields = {
        "Title": escape_xmp(meta.title),
        "Author": escape_xmp(meta.author),
        "Subject": escape_xmp(meta.subject),
        "Keywords": r"\sep ".join(escape_xmp(k) for k in meta.keywords),
        "Language": escape_xmp(meta.language),
        "CreatorTool": escape_xmp(meta.creator),
    }
    return "".join(rf"\{key}{{{value}}}" + "\n" for key, value in fields.items())


def _hyperref_metadata(meta: Metadata) -> str:
    """The same information for a plain PDF, through hyperref."""
    return (
        r"\AtEndPreamble{\hypersetup{"
        rf"pdftitle={{{escape(meta.title)}}}, pdfauthor={{{escape(meta.author)}}}, "
        rf"pdfsubject={{{escape(meta.subject)}}}, pdfkeywords={{{escape(', '.join(meta.keywords))}}}, "
        rf"pdflang={{{meta.language}}}, pdfcreator={{{escape(meta.creator)}}}}}}}"
    )


def _document(settings: models.Settings) -> Document:
    document = Document(
        documentclass="moderncv",
        document_options=[f"{settings.font_size}pt", f"{settings.paper}paper"],
        fontenc=None,
        inputenc=None,
        lmodern=False,
        textcomp=False,
        microtype=False,
        page_numbers=True,  # adds `lastpage`; False would empty the page style
    )
    document.preamble.append(Command("moderncvstyle", settings.style, options="nosymbols"))
    document.preamble.append(Command("moderncvcolor", settings.color))
    document.preamble.append(NoEscape(r"\usepackage{cvbuild}" + "\n" + DUMP_MARKER))
    if settings.pdf_a:
        document.preamble.append(NoEscape(r"\usepackage{cvbuild-pdfa}"))
    labels = settings.labels
    document.preamble.append(
        NoEscape(
            rf"\renewcommand*{{\cvbuildpagelabel}}{{{escape(labels.page)}}}"
            rf"\renewcommand*{{\cvbuildoflabel}}{{{escape(labels.of)}}}"
            rf"\renewcommand*{{\cvbuildawardlabel}}{{{escape(labels.award)}}}"
            rf"\renewcommand*{{\cvbuildcodelabel}}{{{escape(labels.code)}}}"
        )
    )
    return document


_SOCIAL = {
    "github": "github",
    "gitlab": "gitlab",
    "linkedin": "linkedin",
    "orcid": "orcid",
    "researchgate": "researchgate",
    "twitter": "twitter",
    "google_scholar": "googlescholar",
}
_PROFILE_URLS = {
    "github": "https://github.com/{}",
    "gitlab": "https://gitlab.com/{}",
    "linkedin": "https://www.linkedin.com/in/{}",
    "orcid": "https://orcid.org/{}",
    "researchgate": "https://www.researchgate.net/profile/{}",
    "twitter": "https://twitter.com/{}",
    "google_scholar": "https://scholar.google.com/citations?user={}",
}


def profile_url(profile: models.Profile) -> str | None:
    if profile.url:
        return profile.url
    template = _PROFILE_URLS.get(profile.network)
    return template.format(profile.username) if template and profile.username else None


def _header(person: models.Person, labels: models.Labels, note: str | None) -> list[str]:
    lines = [rf"\name{{{escape(person.given_names)}}}{{{escape(person.family_name)}}}"]
    title = person.academic_title
    if person.former_name:
        title = f"{title} ({person.former_name_prefix} {person.former_name})".strip()
    if title:
        lines.append(rf"\title{{{escape(title)}}}")
    if person.address:
        address = person.address
        city = " ".join(p for p in (address.postal_code, address.city) if p)
        country = ", ".join(p for p in (address.region, address.country) if p)
        lines.append(
            rf"\address{{{escape(address.street)}}}{{{escape(city)}}}{{{escape(country)}}}"
        )
    if person.date_of_birth or person.place_of_birth:
        born = " ".join(
            p
            for p in (
                person.date_of_birth.display() if person.date_of_birth else "",
                f"in {person.place_of_birth}" if person.place_of_birth else "",
            )
            if p
        )
        lines.append(rf"\born{{{escape(labels.born)} {escape(born)}}}")
    if person.phone:
        lines.append(rf"\phone[mobile]{{{escape(person.phone)}}}")
    if person.email:
        # moderncv uses \email's text as the mailto: target too; cvbuild.sty shows the address
        # as written (ada@müller.de) and links the ASCII form (ada@xn--mller-kva.de).
        lines.append(rf"\email{{{escape_url(person.email, email=True)}}}")
        lines.append(rf"\renewcommand*{{\cvbuildemailtext}}{{{escape(person.email)}}}")
    for profile in person.profiles:
        url = profile_url(profile)
        shown = profile.label or profile.username or profile.url or ""
        network = _SOCIAL.get(profile.network, "homepage")
        if url:
            target = escape_url(url.removeprefix("https://").removeprefix("http://"))
            lines.append(rf"\social[{network}][{target}]{{{escape(shown)}}}")
    extras = (
        [f"{escape(labels.nationality)}: {escape(person.nationality)}"]
        if person.nationality
        else []
    )
    if note:
        extras.append(markup(note))
    if extras:
        lines.append(r"\extrainfo{" + r"\newline ".join(extras) + "}")
    if person.headline:
        lines.append(rf"\quote{{{escape(person.headline)}}}")
    if person.photo:  # copied into the build dir under this name (TeX reads nothing outside)
        lines.append(rf"\photo[64pt][0.4pt]{{{PHOTO_NAME}}}")
    return lines


# --------------------------------------------------------------------------- sections


PHOTO_NAME = "cvbuild-photo"
SECTION_MARKER = "% cvbuild-section: "  # lets a TeX error be traced back to its section


def render_section(section: models.Section, view: View) -> list[str]:
    return [
        SECTION_MARKER + section.id,
        rf"\cvbuildsection{{{escape(section.title)}}}",
        *SECTION_RENDERERS[section.kind](section, view),
    ]


def _item(left: str, text: str) -> str:
    return rf"\cvitem{{{left}}}{{{text}}}"


def _period(period: Period, view: View) -> str:
    return escape(period.display(view.labels.open_end))


def _join(parts: Iterable[str], separator: str = PARAGRAPH_BREAK) -> str:
    return separator.join(p for p in parts if p)


def _bio(section: models.BioSection, view: View) -> list[str]:
    return [_item("", markup(paragraph)) for paragraph in section.paragraphs]


def _experience(section: models.ExperienceSection, view: View) -> list[str]:
    lines = []
    for employer in section.employers:
        for role in employer.roles:
            staff = ""
            if role.staff:
                counts = ", ".join(f"{s.count} {s.role}" for s in role.staff)
                staff = f"({view.labels.staff}: {counts})"
            blocks = [rf"\textit{{{escape(b.label)}:}} {markup(b.text)}" for b in role.blocks]
            body = _join([markup(role.summary) if role.summary else "", escape(staff), *blocks])
            lines.append(
                rf"\cventry{{{_period(role.period, view)}}}{{{escape(role.title)}}}"
                rf"{{{escape(employer.name)}}}{{{escape(employer.location)}}}{{}}{{{body}}}"
            )
    return lines


def _education(section: models.EducationSection, view: View) -> list[str]:
    lines = []
    labels = view.labels
    for institution in section.institutions:
        for degree in institution.degrees:
            body = _join(
                [
                    markup(degree.summary) if degree.summary else "",
                    rf"{escape(labels.thesis)}: “{escape(degree.thesis)}”" if degree.thesis else "",
                    f"{escape(labels.supervision)} {escape(', '.join(degree.supervisors))}."
                    if degree.supervisors
                    else "",
                ]
            )
            lines.append(
                rf"\cventry{{{_period(degree.period, view)}}}{{{escape(degree.degree)}}}"
                rf"{{{escape(institution.name)}}}{{{escape(institution.location)}}}"
                rf"{{{escape(degree.distinction)}}}{{{body}}}"
            )
    return lines


def _teaching(section: models.TeachingSection, view: View) -> list[str]:
    lines = [_item("", rf"\emph{{{markup(section.note)}}}")] if section.note else []
    for term in section.terms:
        for index, course in enumerate(term.courses):
            kind = f" ({escape(course.kind)})" if course.kind else ""
            role = rf"\newline [{markup(course.role)}]" if course.role else ""
            left = escape(term.term.display()) if index == 0 else ""
            lines.append(_item(left, rf"\textbf{{{escape(course.title)}}}{kind}.{role}"))
    return lines


def _supervision(section: models.SupervisionSection, view: View) -> list[str]:
    if section.id in view.compact:
        return _supervision_compact(section, view)
    lines = []
    for group in section.groups:
        lines.append(rf"\subsection{{{escape(group.title)}}}")
        for person in group.people:
            periods = ", ".join(p.display(view.labels.open_end) for p in person.period)
            where = ", ".join(
                p
                for p in (
                    person.institution,
                    view.labels.co_supervision if person.co_supervision else "",
                )
                if p
            )
            lines.append(
                _item(
                    escape(periods),
                    rf"\textbf{{{escape(person.name)}}} ({escape(where)}). {escape(person.topic)}",
                )
            )
    return lines


def _supervision_compact(section: models.SupervisionSection, view: View) -> list[str]:
    """Counts per group (current ones in brackets), then the current PhD students by name."""
    lines = []
    for group in section.groups:
        current = sum(1 for person in group.people if person.is_current)
        count = (
            f"{len(group.people)} ({current} {escape(view.labels.open_end)})"
            if current
            else str(len(group.people))
        )
        names = ""
        if group.level == "phd" and current:
            names = ": " + escape(", ".join(p.name for p in group.people if p.is_current))
        lines.append(_item(escape(group.title), f"{count}{names}"))
    return lines


def _projects(section: models.ProjectsSection, view: View) -> list[str]:
    lines = []
    for project in section.projects:
        title = escape(project.title)
        if project.url:
            title = rf"\href{{{escape_url(project.url)}}}{{{title}}}"
        role = f" ({escape(project.role)})" if project.role else ""
        lines.append(
            _item(
                _period(project.period, view),
                rf"\textbf{{{escape(project.acronym)}}}{role}: {title}",
            )
        )
    return lines


def _skills(section: models.SkillsSection, view: View) -> list[str]:
    return [_item(escape(skill.label), markup(skill.text)) for skill in section.skills]


def _awards(section: models.AwardsSection, view: View) -> list[str]:
    lines = []
    for award in section.awards:
        rank = f" ({escape(award.rank)})" if award.rank else ""
        description = f". {markup(award.description)}" if award.description else ""
        lines.append(_item(str(award.year), rf"\textbf{{{escape(award.name)}}}{rank}{description}"))
    return lines


def _patents(section: models.PatentsSection, view: View) -> list[str]:
    lines = []
    labels = {"published": view.labels.published, "granted": view.labels.granted}
    for family in section.families:
        lines.append(_item("", rf"\textbf{{{escape(family.title)}}}"))
        for doc in family.documents:
            number = " ".join(p for p in (doc.office, doc.number, doc.kind_code) if p)
            lines.append(
                _item(
                    escape(doc.date.display()),
                    f"{escape(number)} “{escape(doc.title)}” ({escape(labels[doc.status])} {escape(doc.date.iso())})",
                )
            )
    return lines


def _talks(section: models.TalksSection, view: View) -> list[str]:
    lines = []
    for group in section.groups:
        lines.append(rf"\subsection{{{escape(group.title)}}}")
        if group.note:
            lines.append(_item("", rf"\emph{{{markup(group.note)}}}"))
        for talk in group.talks:
            title = f"“{escape(talk.title)}”"
            if talk.url:
                title = rf"\href{{{escape_url(talk.url)}}}{{{title}}}"
            kind = f" ({escape(talk.kind)})" if talk.kind else ""
            lines.append(
                _item(escape(talk.date.display()), f"{title}.\\newline {markup(talk.event)}{kind}")
            )
    return lines


def _publications(section: models.PublicationsSection, view: View) -> list[str]:
    lines = []
    if section.impact:
        lines += _impact(section.impact, view)
    present = {p.category for p in view.publications}
    # The .bib cvbuild writes holds exactly the entries to print, so \nocite{*} cites them all.
    # Unlike a list of keys, it stays the same when an entry is added, so biber runs only once.
    lines.append(r"\nocite{*}")
    for spec in section.lists:
        if spec.category not in present:
            continue
        # The list is chosen by a keyword cvbuild writes into each entry of its .bib: no .bib
        # key appears in the .tex (and 5,000 of them in one \addtocategory overflowed TeX).
        lines.append(
            rf"\printbibliography[keyword={_category_keyword(spec.category)},heading=cvbuild,"
            rf"env=cvbuild,title={{{escape(spec.title)}}}]"
        )
    return lines


def _impact(impact: models.Impact, view: View) -> list[str]:
    columns = impact.columns
    rows = []
    for row in impact.rows:
        if row.values == "publications":
            values = [
                str(
                    sum(
                        1
                        for p in view.all_publications
                        if column.since is None or p.year >= column.since
                    )
                )
                for column in columns
            ]
        else:
            values = [escape(str(v)) for v in row.values]
        rows.append(" & ".join([escape(row.label), *values]) + r" \\")
    head = " & ".join(["", *(rf"\textbf{{{escape(c.label)}}}" for c in columns)]) + r" \\"
    table = "\n".join(
        [rf"\begin{{cvbuildmetrics}}{{{len(columns)}}}", head, *rows, r"\end{cvbuildmetrics}"]
    )
    source = f"{escape(impact.source)}, {escape(view.labels.retrieved)} {escape(impact.retrieved.display())}."
    return [
        rf"\subsection{{{escape(impact.title)}}}",
        _item("", table),
        _item("", rf"\small\emph{{{source}}}"),
    ]


SECTION_RENDERERS: dict[str, Callable[..., list[str]]] = {
    "bio": _bio,
    "experience": _experience,
    "education": _education,
    "teaching": _teaching,
    "supervision": _supervision,
    "projects": _projects,
    "skills": _skills,
    "awards": _awards,
    "patents": _patents,
    "talks": _talks,
    "publications": _publications,
}


# --------------------------------------------------------------------------- the .bib for biber


def _breakable_url(url: str) -> str:
    """A URL as visible text (in the .bib) that may break after each slash."""
    shown = escape_bib(url.removeprefix("https://").removeprefix("http://"))
    return shown.replace("/", r"/\allowbreak{}")


def _category_keyword(category: str) -> str:
    return f"cvbuild{category}"


def bibliography_file(
    publications: tuple[Publication, ...], lists: Iterable[models.CategoryList] = ()
) -> str:
    """The .bib biber reads: checked fields only, plus cvbuild's labels, awards, code links and
    owner annotations. Entries stay newest first (`sorting=none` keeps this order).

    Everything written is made safe here again, whatever the checks before let through: keys,
    entry types and field names must be plain words (else this is a bug, not bad input), text
    fields get their raw % # & _ ^ escaped, links are percent-encoded URIs."""
    specs = {spec.category: spec for spec in lists}
    counts = count_by_category(publications)
    seen: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    chunks = []
    for publication in publications:
        seen[publication.category] += 1
        spec = specs.get(publication.category)
        number = seen[publication.category]
        if spec and spec.numbering == "descending":
            number = counts[publication.category] + 1 - number
        label = f"{spec.prefix if spec else ''}{number}"
        fields = {
            name: _bib_value(name, value)
            for name, value in publication.fields.items()
            if name not in UNPRINTED_FIELDS
        }
        # The date as cvbuild read it (biber warns, and the build stops, on both `date` and
        # `year`, or on a `year` like '2020a' beside a `date`).
        for name in ("date", "year", "month", "day"):
            fields.pop(name, None)
        fields["date"] = "-".join(
            f"{part:02d}" for part in (publication.year, publication.month, publication.day) if part
        )
        fields["keywords"] = _category_keyword(publication.category)
        fields["usera"] = escape_bib(label)
        if publication.award:
            fields["userb"] = escape_bib(publication.award)
        if publication.code:
            fields["userc"] = ", ".join(
                rf"\href{{{escape_url(url)}}}{{{_breakable_url(url)}}}" for url in publication.code
            )
        if publication.owner_positions:
            fields["author+an"] = ";".join(f"{i}=highlight" for i in publication.owner_positions)
        _require_plain(publication.key, publication.entry_type, fields)
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
        chunks.append(f"@{publication.entry_type}{{{publication.key},\n{body}\n}}\n")
    return "\n".join(chunks)


def _require_plain(key: str, entry_type: str, fields: dict[str, str]) -> None:
    """Defense in depth: bibliography.py refuses anything else with a file:line message."""
    names_ok = all(re.fullmatch(r"[a-z_][a-z0-9_-]*(\+an)?", name) for name in fields)
    if not (KEY_PATTERN.fullmatch(key) and re.fullmatch(r"[a-z]+", entry_type) and names_ok):
        raise ValueError(f"unchecked .bib entry reached the renderer: {key!r}")


def _bib_value(name: str, value: str) -> str:
    """A checked .bib value as biber should pass it to TeX."""
    if name in URL_FIELDS:
        return uri(value.removeprefix("{").removesuffix("}") if _braced(value) else value)
    return tex_text(value)


def _braced(value: str) -> bool:
    return value.startswith("{") and value.endswith("}")


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
        else:
            out.append(token)
    return "".join(out)
