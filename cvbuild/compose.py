"""Stage 3: turn a selection into the format-neutral document every writer prints.

Here are the decisions that used to hide in the LaTeX writer: the typography of each item
(what is bold, what is quoted, what goes on its own line), the words in the CV's language,
dates as printed, publication labels and counts. Each section kind composes itself
(`cvbuild.kinds`); this module adds the header, footer and metadata. The writers know nothing
about section kinds.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cvbuild import __version__, models
from cvbuild.bibliography import Publication
from cvbuild.document import (
    Block,
    Document,
    Header,
    Item,
    Layout,
    Metadata,
    ProfileLink,
    Section,
    Table,
)
from cvbuild.kinds import Context, kind_of
from cvbuild.kinds.base import source_of
from cvbuild.locale import Locale, locale_for
from cvbuild.richtext import (
    Rich,
    italic,
    parse_markup,
    rich,
    typographic,
    typographic_parts,
)
from cvbuild.select import Selection, notes_shown


def locale_of(settings: models.Settings, date_style: str | None = None) -> Locale:
    """The content's language, with the words `settings.labels` overrides, writing dates in
    `date_style` (a variant's) or else the settings' style."""
    locale = locale_for(settings.language).with_date_style(date_style or settings.date_style)
    return locale.with_words(settings.labels.model_dump(exclude_none=True))


def _typographic_notes(publication: Publication, quotes: tuple[str, str]) -> Publication:
    """The notes the content adds to an entry (plain text from YAML) with curly quotes, as all
    other content text; the .bib's own fields are printed as the .bib has them."""
    return dataclasses.replace(
        publication,
        note=typographic(publication.note, quotes),
        published_at=typographic(publication.published_at, quotes),
        involvement=typographic(publication.involvement, quotes),
        significance=typographic(publication.significance, quotes),
    )


def compose(selection: Selection, all_publications: tuple[Publication, ...]) -> Document:
    cv = selection.cv
    locale = locale_of(cv.settings, selection.variant.date_style)
    owners = tuple(cv.bibliography.owner_names) if cv.bibliography else ()
    show = selection.variant.publications.show
    printed = tuple(
        _typographic_notes(notes_shown(p, show), locale.quotes) for p in selection.publications
    )
    context = Context(
        locale, selection.as_of, printed, all_publications, selection.compact, owners,
        selection.grants,
    )  # fmt: skip
    composed = (
        Section(section.id, section.title, _blocks(section, context), source_of(section))
        for section in cv.sections
    )
    # A section the variant's rules left empty is left out, heading and all (`validate` warns).
    # Straight quotes in the text become the language's curly ones (every writer prints these).
    table = _personal_table(selection, context)
    sections = typographic_parts(
        (*table, *(section for section in composed if section.blocks)), locale.quotes
    )
    variant = selection.variant
    footer = None
    if variant.footer:
        footer = " · ".join(
            part
            for part in (
                cv.person.full_name,
                f"{locale.word('as_of')} {locale.date(selection.as_of)}",
                variant.footer_note,
            )
            if part
        )
    settings = cv.settings
    return Document(
        variant=selection.variant_name,
        header=typographic_parts(
            _header(cv.person, context, variant.header_note, set(variant.personal_table or ())),
            locale.quotes,
        ),
        sections=sections,
        metadata=_metadata(selection, locale),
        locale=locale,
        layout=Layout(
            settings.style,
            settings.color,
            settings.font_size,
            settings.paper,
            settings.pdf_a,
            settings.margins,
            settings.accent or "",
            variant.font_family or "latin-modern",
            variant.line_spacing or 1.0,
        ),
        footer=footer,
    )


def _personal_table(selection: Selection, context: Context) -> tuple[Section, ...]:
    """The personal-data table a variant (or its pack) asks for, as the first section: rows in
    the order asked, those without a value left out (the preflight warns about the missing)."""
    wanted = selection.variant.personal_table
    if not wanted:
        return ()
    person = selection.cv.person
    title, institution = selection.position or ("", "")
    orcid = next(
        (
            profile.username or profile.url or ""
            for profile in person.profiles
            if models.network_key(profile.network) == "orcid"
        ),
        "",
    )
    contract_end = context.date(person.contract_end) if person.contract_end else ""
    values = {
        "academic_title": ("academic_title", person.academic_title),
        "position": ("current_position", title),
        "institution": ("institution", institution),
        "contract_end": ("contract_end", contract_end),
        "orcid": ("orcid", orcid),
    }
    rows = tuple(
        (context.word(values[name][0]), values[name][1]) for name in wanted if values[name][1]
    )
    if not rows:
        return ()
    table = Table((), rows, kind="fields", source=source_of(selection.variant))
    return (Section(PERSONAL_TABLE_ID, context.word("personal_data"), (table,), table.source),)


# The personal-data table's section id (a content section may not start with an underscore).
PERSONAL_TABLE_ID = "personal-data"


def _blocks(section: models.Section, context: Context) -> tuple[Block, ...]:
    """The kind's blocks, under the section's note (none when the rules left nothing)."""
    blocks = tuple(kind_of(section).compose(section, context))
    if blocks and section.note:
        return (Item("", italic(parse_markup(section.note))), *blocks)
    return blocks


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
    "x": "https://x.com/{}",
    "youtube": "https://www.youtube.com/@{}",
    "bluesky": "https://bsky.app/profile/{}",
    "osf": "https://osf.io/{}",
    "dblp": "https://dblp.org/pid/{}",
    "scopus": "https://www.scopus.com/authid/detail.uri?authorId={}",
    "web_of_science": "https://www.webofscience.com/wos/author/record/{}",
    "semantic_scholar": "https://www.semanticscholar.org/author/{}",
}


def profile_url(profile: models.Profile) -> str | None:
    if profile.url:
        return profile.url
    template = _PROFILE_URLS.get(models.network_key(profile.network))
    return template.format(profile.username) if template and profile.username else None


# Countries that write 'City, Region Postcode' (then the country) and 'City Postcode'; the rest
# of the world mostly writes 'Postcode City' with the region beside the country.
_CITY_REGION_POSTCODE = {"us", "usa", "united states", "united states of america", "ca", "canada",
                         "au", "australia"}  # fmt: skip
_CITY_POSTCODE = {"uk", "gb", "united kingdom", "great britain", "england", "scotland", "wales",
                  "ie", "ireland"}  # fmt: skip


def address_lines(where: models.Address) -> tuple[str, ...]:
    """The address in the order its country writes it ('Seattle, WA 98195' in the US,
    '10115 Berlin' in Germany, 'London SW1A 1AA' in the UK), then the one-line `location`."""
    country = where.country.strip().lower().rstrip(".")
    if country in _CITY_REGION_POSTCODE:
        place = ", ".join(
            p for p in (where.city, " ".join(filter(None, (where.region, where.postal_code)))) if p
        )
        return (where.street, place, where.country, where.location)
    if country in _CITY_POSTCODE:
        place = " ".join(p for p in (where.city, where.postal_code) if p)
        return (
            where.street,
            place,
            ", ".join(p for p in (where.region, where.country) if p),
            where.location,
        )
    return (
        where.street,
        " ".join(p for p in (where.postal_code, where.city) if p),
        ", ".join(p for p in (where.region, where.country) if p),
        where.location,
    )


def _header(
    person: models.Person, context: Context, note: str | None, in_table: set[str]
) -> Header:
    """The header, without what the personal-data table (`in_table`) prints."""
    title = "" if "academic_title" in in_table else person.academic_title
    if person.former_name:
        title = f"{title} ({person.former_name_prefix} {person.former_name})".strip()
    address: tuple[str, ...] = ()
    if person.address:
        kept = [line for line in address_lines(person.address) if line]
        address = (*kept[:2], ", ".join(kept[2:])) if len(kept) > 3 else tuple(kept)
    born = ""
    if person.date_of_birth or person.place_of_birth:
        born = " ".join(
            p
            for p in (
                context.word("born"),
                context.date(person.date_of_birth) if person.date_of_birth else "",
                f"{context.word('born_in')} {person.place_of_birth}"
                if person.place_of_birth
                else "",
            )
            if p
        )
    profiles = []
    for profile in person.profiles:
        url = profile_url(profile)
        if "orcid" in in_table and models.network_key(profile.network) == "orcid":
            continue
        if url:
            shown = profile.label or profile.username or profile.url or ""
            profiles.append(ProfileLink(models.network_key(profile.network), url, shown))
    extras: list[Rich] = []
    if person.nationality:
        extras.append(rich(f"{context.word('nationality')}: {person.nationality}"))
    if person.contract_end and "contract_end" not in in_table:
        extras.append(rich(f"{context.word('contract_end')} {context.date(person.contract_end)}"))
    if note:
        extras.append(parse_markup(note))
    return Header(
        given_names=person.given_names,
        # 'Casillas, Ph.D.': letters after the name belong to the family name in every writer
        family_name=", ".join(p for p in (person.family_name, person.post_nominal) if p),
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
