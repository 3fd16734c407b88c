"""Stage 3: turn a selection into the format-neutral document every writer prints.

Here are the decisions that used to hide in the LaTeX writer: the typography of each item
(what is bold, what is quoted, what goes on its own line), the words in the CV's language,
dates as printed, publication labels and counts. One function per section kind
(`COMPOSERS`); the writers know nothing about section kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cvbuild import __version__, models
from cvbuild.bibliography import CATEGORIES, Publication, count_by_category
from cvbuild.dates import PartialDate, Period
from cvbuild.document import (
    Block,
    Document,
    Entry,
    Group,
    Header,
    Item,
    Layout,
    Metadata,
    ProfileLink,
    PublicationList,
    Reference,
    Section,
    Table,
)
from cvbuild.locale import Locale, locale_for
from cvbuild.richtext import (
    EMPTY,
    LineBreak,
    ParagraphBreak,
    Rich,
    bold,
    italic,
    join,
    link,
    parse_markup,
    rich,
)
from cvbuild.select import Selection


@dataclass(frozen=True)
class Context:
    """What composing a section needs besides the section itself."""

    locale: Locale
    as_of: PartialDate
    publications: tuple[Publication, ...]  # those the variant prints, newest first
    all_publications: tuple[Publication, ...]  # every entry of the .bib files (for counts)
    compact: frozenset[str] = frozenset()  # ids of sections in compact form

    def word(self, key: str) -> str:
        return self.locale.word(key)

    def period(self, period: Period) -> str:
        return period.display(self.word("open_end"))


def locale_of(settings: models.Settings) -> Locale:
    """The content's language, with the words `settings.labels` overrides."""
    locale = locale_for(settings.language)
    overrides = {
        key: value
        for key, value in settings.labels.model_dump().items()
        if value is not None and key in locale.words
    }
    return locale.with_words(overrides)


def compose(selection: Selection, all_publications: tuple[Publication, ...]) -> Document:
    cv = selection.cv
    locale = locale_of(cv.settings)
    context = Context(
        locale, selection.as_of, selection.publications, all_publications, selection.compact
    )
    composed = (
        Section(section.id, section.title, tuple(COMPOSERS[section.kind](section, context)))
        for section in cv.sections
    )
    # A section the variant's rules left empty is left out, heading and all (`validate` warns).
    sections = tuple(section for section in composed if section.blocks)
    variant = selection.variant
    footer = None
    if variant.footer:
        footer = " · ".join(
            part
            for part in (
                cv.person.full_name,
                f"{locale.word('as_of')} {selection.as_of.display()}",
                variant.footer_note,
            )
            if part
        )
    settings = cv.settings
    return Document(
        variant=selection.variant_name,
        header=_header(cv.person, context, variant.header_note),
        sections=sections,
        metadata=_metadata(selection, locale),
        locale=locale,
        layout=Layout(
            settings.style, settings.color, settings.font_size, settings.paper, settings.pdf_a
        ),
        footer=footer,
    )


def _metadata(selection: Selection, locale: Locale) -> Metadata:
    cv = selection.cv
    description = " ".join(selection.variant.description.split())
    return Metadata(
        title=f"{locale.word('document_title')} — {cv.person.full_name}",
        author=cv.person.full_name,
        subject=f"{selection.variant_name}: {description}".rstrip(": "),
        keywords=tuple(cv.settings.keywords or [section.title for section in cv.sections]),
        language=cv.settings.language,
        creator=f"cvbuild {__version__}",
    )


# --------------------------------------------------------------------------- header

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


def _header(person: models.Person, context: Context, note: str | None) -> Header:
    title = person.academic_title
    if person.former_name:
        title = f"{title} ({person.former_name_prefix} {person.former_name})".strip()
    address: tuple[str, ...] = ()
    if person.address:
        where = person.address
        address = (
            where.street,
            " ".join(p for p in (where.postal_code, where.city) if p),
            ", ".join(p for p in (where.region, where.country) if p),
        )
    born = ""
    if person.date_of_birth or person.place_of_birth:
        born = " ".join(
            p
            for p in (
                context.word("born"),
                person.date_of_birth.display() if person.date_of_birth else "",
                f"{context.word('born_in')} {person.place_of_birth}"
                if person.place_of_birth
                else "",
            )
            if p
        )
    profiles = []
    for profile in person.profiles:
        url = profile_url(profile)
        if url:
            shown = profile.label or profile.username or profile.url or ""
            profiles.append(ProfileLink(profile.network, url, shown))
    extras: list[Rich] = []
    if person.nationality:
        extras.append(rich(f"{context.word('nationality')}: {person.nationality}"))
    if note:
        extras.append(parse_markup(note))
    return Header(
        given_names=person.given_names,
        family_name=person.family_name,
        title=title,
        address=address,
        born=born,
        phone=person.phone,
        email=person.email or "",
        profiles=tuple(profiles),
        extras=tuple(extras),
        headline=person.headline,
        photo=None if person.photo is None else Path(person.photo),
    )


# --------------------------------------------------------------------------- sections


def _markup(text: str | None) -> Rich:
    return parse_markup(text) if text else EMPTY


def _paragraphs(parts: list[Rich]) -> Rich:
    return join(parts, ParagraphBreak())


def _bio(section: models.BioSection, context: Context) -> list[Block]:
    return [Item("", parse_markup(paragraph)) for paragraph in section.paragraphs]


def _experience(section: models.ExperienceSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for employer in section.employers:
        for role in employer.roles:
            staff: Rich = EMPTY
            if role.staff:
                counts = ", ".join(f"{s.count} {s.role}" for s in role.staff)
                staff = rich(f"({context.word('staff')}: {counts})")
            labelled = [rich(italic(f"{b.label}:"), " ", parse_markup(b.text)) for b in role.blocks]
            blocks.append(
                Entry(
                    date=context.period(role.period),
                    title=rich(role.title),
                    organisation=rich(employer.name),
                    location=employer.location,
                    body=_paragraphs([_markup(role.summary), staff, *labelled]),
                )
            )
    return blocks


def _education(section: models.EducationSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for institution in section.institutions:
        for degree in institution.degrees:
            thesis = (
                rich(f"{context.word('thesis')}: {context.locale.quoted(degree.thesis)}")
                if degree.thesis
                else EMPTY
            )
            supervisors = (
                rich(f"{context.word('supervision')} {', '.join(degree.supervisors)}.")
                if degree.supervisors
                else EMPTY
            )
            blocks.append(
                Entry(
                    date=context.period(degree.period),
                    title=rich(degree.degree),
                    organisation=rich(institution.name),
                    location=institution.location,
                    note=degree.distinction,
                    body=_paragraphs([_markup(degree.summary), thesis, supervisors]),
                )
            )
    return blocks


def _teaching(section: models.TeachingSection, context: Context) -> list[Block]:
    blocks: list[Block] = [Item("", italic(parse_markup(section.note)))] if section.note else []
    for term in section.terms:
        for index, course in enumerate(term.courses):
            kind = f" ({course.kind})" if course.kind else ""
            role = rich(LineBreak(), "[", parse_markup(course.role), "]") if course.role else EMPTY
            label = term.term.display() if index == 0 else ""
            blocks.append(Item(label, rich(bold(course.title), f"{kind}.", role)))
    return blocks


def _supervision(section: models.SupervisionSection, context: Context) -> list[Block]:
    if section.id in context.compact:
        return _supervision_compact(section, context)
    blocks: list[Block] = []
    for group in section.groups:
        blocks.append(Group(group.title))
        for person in group.people:
            periods = ", ".join(context.period(p) for p in person.period)
            where = ", ".join(
                p
                for p in (
                    person.institution,
                    context.word("co_supervision") if person.co_supervision else "",
                )
                if p
            )
            blocks.append(Item(periods, rich(bold(person.name), f" ({where}). {person.topic}")))
    return blocks


def _supervision_compact(section: models.SupervisionSection, context: Context) -> list[Block]:
    """Per group how many were supervised to the end and how many still are, in words; the
    current PhD students by name."""
    blocks: list[Block] = []
    for group in section.groups:
        current = [person.name for person in group.people if person.is_current]
        done = len(group.people) - len(current)
        counts = ", ".join(
            f"{number} {context.word(word)}"
            for number, word in ((done, "completed"), (len(current), "ongoing"))
            if number
        )
        names = f": {', '.join(current)}" if group.level == "phd" and current else ""
        blocks.append(Item(group.title, rich(counts + names)))
    return blocks


def _projects(section: models.ProjectsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for project in section.projects:
        role = f" ({project.role})" if project.role else ""
        blocks.append(
            Item(
                context.period(project.period),
                rich(bold(project.acronym), f"{role}: ", link(project.url, project.title)),
            )
        )
    return blocks


def _skills(section: models.SkillsSection, context: Context) -> list[Block]:
    return [Item(skill.label, parse_markup(skill.text)) for skill in section.skills]


def _awards(section: models.AwardsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for award in section.awards:
        rank = f" ({award.rank})" if award.rank else ""
        description = rich(". ", parse_markup(award.description)) if award.description else EMPTY
        blocks.append(Item(str(award.year), rich(bold(award.name), rank, description)))
    return blocks


def _patents(section: models.PatentsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    status = {"published": context.word("published"), "granted": context.word("granted")}
    for family in section.families:
        blocks.append(Item("", bold(family.title)))
        for doc in family.documents:
            number = " ".join(p for p in (doc.office, doc.number, doc.kind_code) if p)
            text = (
                f"{number} {context.locale.quoted(doc.title)} "
                f"({status[doc.status]} {doc.date.iso()})"
            )
            blocks.append(Item(doc.date.display(), rich(text)))
    return blocks


def _talks(section: models.TalksSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for group in section.groups:
        blocks.append(Group(group.title))
        if group.note:
            blocks.append(Item("", italic(parse_markup(group.note))))
        for talk in group.talks:
            kind = f" ({talk.kind})" if talk.kind else ""
            title = link(talk.url, context.locale.quoted(talk.title))
            text = rich(title, ".", LineBreak(), parse_markup(talk.event), kind)
            blocks.append(Item(talk.date.display(), text))
    return blocks


def _publications(section: models.PublicationsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    if section.impact:
        blocks += _impact(section.impact, context)
    labels = publication_labels(context.publications, section.lists)
    for spec in section.lists:
        references = tuple(
            Reference(labels[p.key], p) for p in context.publications if p.category == spec.category
        )
        if references:
            blocks.append(PublicationList(spec.category, spec.title, references))
    return blocks


def publication_labels(
    publications: tuple[Publication, ...], lists: list[models.CategoryList]
) -> dict[str, str]:
    """Each entry's printed label: the list's prefix and its number within its category
    (newest is 1, or newest is N for descending lists)."""
    specs = {spec.category: spec for spec in lists}
    counts = count_by_category(publications)
    seen: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    labels = {}
    for publication in publications:
        seen[publication.category] += 1
        spec = specs.get(publication.category)
        number = seen[publication.category]
        if spec and spec.numbering == "descending":
            number = counts[publication.category] + 1 - number
        labels[publication.key] = f"{spec.prefix if spec else ''}{number}"
    return labels


def _impact(impact: models.Impact, context: Context) -> list[Block]:
    rows = []
    for row in impact.rows:
        if row.values == "publications":
            values = [
                str(
                    sum(
                        1
                        for p in context.all_publications
                        if column.since is None or p.year >= column.since
                    )
                )
                for column in impact.columns
            ]
        else:
            values = [str(v) for v in row.values]
        rows.append((row.label, *values))
    source = f"{impact.source}, {context.word('retrieved')} {impact.retrieved.display()}."
    return [
        Group(impact.title),
        Table(tuple(c.label for c in impact.columns), tuple(rows), italic(source)),
    ]


COMPOSERS: dict[str, Callable[[Any, Context], list[Block]]] = {
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
