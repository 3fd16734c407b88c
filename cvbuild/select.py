"""Stage 2: apply a variant's rules to the loaded CV, returning a new, smaller CV.

The loaded model is never changed: the selection is a copy (`model_copy`) that the renderer
can print as it is. Rules that cannot be met (too many selected publications) are errors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from cvbuild.bibliography import Publication, shorten_authors
from cvbuild.dates import PartialDate
from cvbuild.errors import InputError, Problem, RuleError
from cvbuild.kinds import Filter, kind_of
from cvbuild.kinds.bio import BioSection
from cvbuild.kinds.experience import ExperienceSection, current_position
from cvbuild.kinds.grants import Grant, GrantsSection
from cvbuild.kinds.publications import PublicationsSection, in_class, unlisted
from cvbuild.models import CV, Person, Section, SectionRules, Variant


@dataclass(frozen=True)
class Selection:
    variant_name: str
    variant: Variant
    cv: CV
    publications: tuple[Publication, ...]  # newest first, only those the variant prints
    as_of: PartialDate  # the CV's date: date windows count back from it, the footer shows it
    compact: frozenset[str] = frozenset()  # ids of sections to print in compact form
    warnings: tuple[Problem, ...] = ()  # entries to print that no publication list takes
    grants: tuple[Grant, ...] = ()  # every grant of the content, for totals in metrics tables
    # the newest running role and its employer, from all the content (not only what the
    # variant prints): the personal-data table's current position and institution
    position: tuple[str, str] | None = None


def select(
    cv: CV, publications: tuple[Publication, ...], variant_name: str, today: PartialDate
) -> Selection:
    """`today` is the build date, used when the content sets no `settings.as_of`."""
    variant = cv.variants.get(variant_name)
    if variant is None:
        known = ", ".join(sorted(cv.variants)) or "none"
        raise InputError(
            [Problem(f"unknown variant '{variant_name}' (the content defines: {known})")]
        )
    as_of = cv.settings.as_of or today
    by_id = {section.id: section for section in cv.sections}
    order = variant.sections or [section.id for section in cv.sections]
    sections = []
    for section_id in order:
        rules = variant.rules.get(section_id, SectionRules())
        section = by_id[section_id]
        section = kind_of(section).trim(section, Filter(rules, as_of, variant.metrics))
        if section_id in variant.titles:
            section = section.model_copy(update={"title": variant.titles[section_id]})
        if section.kind == "publications" and variant.publications.lists is not None:
            section = section.model_copy(update={"lists": variant.publications.lists})
        sections.append(section)
    sections = _with_narratives(sections, variant)
    settings = cv.settings
    if variant.font_size is not None:
        settings = settings.model_copy(update={"font_size": variant.font_size})
    if variant.language is not None:
        settings = settings.model_copy(update={"language": variant.language})
    lists = [section for section in sections if isinstance(section, PublicationsSection)]
    chosen = _publications(publications, variant, variant_name, as_of) if lists else ()
    return Selection(
        variant_name=variant_name,
        variant=variant,
        cv=cv.model_copy(
            update={
                "sections": sections,
                "settings": settings,
                "person": _personal(cv.person, variant.personal),
            }
        ),
        publications=chosen,
        as_of=as_of,
        compact=frozenset(i for i in order if variant.rules.get(i, SectionRules()).compact),
        warnings=_unlisted_warnings(lists, chosen, settings.language),
        grants=tuple(g for s in cv.sections if isinstance(s, GrantsSection) for g in s.grants),
        position=current_position([s for s in cv.sections if isinstance(s, ExperienceSection)]),
    )


def _unlisted_warnings(
    sections: list[PublicationsSection], publications: tuple[Publication, ...], language: str
) -> tuple[Problem, ...]:
    """One warning per entry that no list of any publications section takes (it would be lost
    silently otherwise)."""
    left = {p.key: p for p in publications}
    for section in sections:
        taken = {p.key for p in unlisted(section, publications, language.split("-")[0])}
        left = {key: p for key, p in left.items() if key in taken}
    ids = ", ".join(f"'{section.id}'" for section in sections)
    return tuple(
        Problem(
            f"not printed: no list of section {ids} takes this {p.category} entry; add a list "
            f"for it (`category: {p.category}` or `where:` rules), or leave it out on purpose "
            f"with bibliography.overrides.{p.key}.exclude: true or a keyword in "
            "bibliography.exclude_keywords",
            p.file,
            p.line,
            field=p.key,
        )
        for p in left.values()
    )


def _publications(
    publications: tuple[Publication, ...], variant: Variant, variant_name: str, as_of: PartialDate
) -> tuple[Publication, ...]:
    rules = variant.publications
    oldest = as_of.year - rules.since_years if rules.since_years is not None else 0
    chosen = tuple(
        p for p in publications if (p.selected or not rules.selected_only) and p.year >= oldest
    )
    if rules.max_authors is not None:
        chosen = tuple(shorten_authors(p, rules.max_authors) for p in chosen)
    broken = []
    for group, cap in sorted(rules.caps.items()):
        members = group_members(chosen, rules.groups[group])
        if len(members) > cap:
            broken.append(
                f"{variant_name}: {len(members)} publications selected in group {group}, "
                f"at most {cap} allowed; selected: {', '.join(p.key for p in members)}"
            )
    if broken:
        raise RuleError("\n".join(broken))
    return chosen


def _with_narratives(sections: list[Section], variant: Variant) -> list[Section]:
    """The variant's narratives as bio sections, each after the section it names (or last)."""
    result = list(sections)
    for narrative in variant.narratives:
        section = BioSection(
            kind="bio", id=narrative.id, title=narrative.title, paragraphs=narrative.paragraphs
        )
        section._source = narrative._source
        ids = [s.id for s in result]
        place = ids.index(narrative.after) + 1 if narrative.after in ids else len(result)
        result.insert(place, section)
    return result


def group_members(
    publications: tuple[Publication, ...], classes: Sequence[str]
) -> list[Publication]:
    """The entries of a publication group (categories, or 'peer-reviewed' and the like)."""
    return [p for p in publications if any(in_class(p, name) for name in classes)]


def notes_shown(publication: Publication, show: Sequence[str]) -> Publication:
    """The entry with only the notes the variant shows (involvement, significance, OA mark)."""
    return dataclasses.replace(
        publication,
        involvement=publication.involvement if "involvement" in show else "",
        significance=publication.significance if "significance" in show else "",
        open_access=publication.open_access if "open_access" in show else None,
    )


# Person fields behind each name of `variant.personal`.
_PERSONAL_FIELDS = {
    "academic_title": ("academic_title", "post_nominal"),
    "former_name": ("former_name",),
    "birth": ("date_of_birth", "place_of_birth"),
    "nationality": ("nationality",),
    "address": ("address",),
    "email": ("email",),
    "phone": ("phone",),
    "profiles": ("profiles",),
    "headline": ("headline",),
    "photo": ("photo",),
    "contract_end": ("contract_end",),
}


def _personal(person: Person, shown: Sequence[str] | None) -> Person:
    """The person with only the data the variant prints (None: everything)."""
    if shown is None:
        return person
    dropped = {
        name: Person.model_fields[name].get_default()
        for key, names in _PERSONAL_FIELDS.items()
        if key not in shown
        for name in names
    }
    return person.model_copy(update=dropped)
