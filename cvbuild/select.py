"""Stage 2: apply a variant's rules to the loaded CV, returning a new, smaller CV.

The loaded model is never changed: the selection is a copy (`model_copy`) that the renderer
can print as it is. Rules that cannot be met (too many selected publications) are errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from cvbuild import models
from cvbuild.bibliography import Publication
from cvbuild.dates import PartialDate
from cvbuild.errors import InputError, Problem, RuleError
from cvbuild.models import CV, PUBLICATION_GROUPS, SectionRules, Variant


@dataclass(frozen=True)
class Selection:
    variant_name: str
    variant: Variant
    cv: CV
    publications: tuple[Publication, ...]  # newest first, only those the variant prints
    as_of: PartialDate  # the CV's date: date windows count back from it, the footer shows it
    compact: frozenset[str] = frozenset()  # ids of sections to print in compact form


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
        trimmed = _TRIMMERS[by_id[section_id].kind](by_id[section_id], _Filter(rules, as_of))
        if isinstance(trimmed, models.PublicationsSection) and not variant.metrics:
            trimmed = trimmed.model_copy(update={"impact": None})
        sections.append(trimmed)
    settings = cv.settings
    if variant.font_size is not None:
        settings = settings.model_copy(update={"font_size": variant.font_size})
    prints_publications = any(isinstance(s, models.PublicationsSection) for s in sections)
    return Selection(
        variant_name=variant_name,
        variant=variant,
        cv=cv.model_copy(update={"sections": sections, "settings": settings}),
        publications=_publications(publications, variant, variant_name, as_of)
        if prints_publications
        else (),
        as_of=as_of,
        compact=frozenset(i for i in order if variant.rules.get(i, SectionRules()).compact),
    )


@dataclass(frozen=True)
class _Filter:
    """One section's rules, with the questions the trimmers ask of them."""

    rules: SectionRules
    as_of: PartialDate

    def recent(self, last_year: int) -> bool:
        """Inside the date window (`since_years`), counting back from the as-of year."""
        window = self.rules.since_years
        return window is None or last_year >= self.as_of.year - window

    def wanted(self, last_year: int, selected: bool = True) -> bool:
        return self.recent(last_year) and (selected or not self.rules.selected_only)

    def cap(self, items: list[T], newest: Callable[[T], tuple[int, int, int]]) -> list[T]:
        """At most `max_items` items: the newest ones (by `newest`), in the order written."""
        limit = self.rules.max_items
        if limit is None or len(items) <= limit:
            return items
        ranked = sorted(range(len(items)), key=lambda i: newest(items[i]), reverse=True)
        keep = set(ranked[:limit])  # a stable sort: of equally new items, the first written
        return [item for index, item in enumerate(items) if index in keep]


T = TypeVar("T")
S = TypeVar("S", bound=models.Section)


def _unchanged(section: S, keep: _Filter) -> S:
    return section


def _experience(section: models.ExperienceSection, keep: _Filter) -> models.ExperienceSection:
    employers = []
    for employer in section.employers:
        roles = [r for r in employer.roles if keep.wanted(r.period.last_year, r.selected)]
        if keep.rules.brief:
            roles = [r.model_copy(update={"blocks": [], "staff": []}) for r in roles]
        if roles:
            employers.append(employer.model_copy(update={"roles": roles}))
    latest = lambda employer: max(role.period.sort_key for role in employer.roles)  # noqa: E731
    return section.model_copy(update={"employers": keep.cap(employers, latest)})


def _education(section: models.EducationSection, keep: _Filter) -> models.EducationSection:
    institutions = []
    for institution in section.institutions:
        degrees = [d for d in institution.degrees if keep.recent(d.period.last_year)]
        if keep.rules.brief:
            degrees = [d.model_copy(update={"summary": None}) for d in degrees]
        if degrees:
            institutions.append(institution.model_copy(update={"degrees": degrees}))
    latest = lambda institution: max(d.period.sort_key for d in institution.degrees)  # noqa: E731
    return section.model_copy(update={"institutions": keep.cap(institutions, latest)})


def _teaching(section: models.TeachingSection, keep: _Filter) -> models.TeachingSection:
    terms = [t for t in section.terms if keep.recent(t.term.year)]
    return section.model_copy(update={"terms": keep.cap(terms, lambda t: t.term.sort_key)})


def _supervision(section: models.SupervisionSection, keep: _Filter) -> models.SupervisionSection:
    groups = []
    for group in section.groups:
        people = [p for p in group.people if keep.recent(max(x.last_year for x in p.period))]
        if people:
            latest = lambda person: max(p.sort_key for p in person.period)  # noqa: E731
            groups.append(group.model_copy(update={"people": keep.cap(people, latest)}))
    return section.model_copy(update={"groups": groups})


def _projects(section: models.ProjectsSection, keep: _Filter) -> models.ProjectsSection:
    projects = [
        p
        for p in section.projects
        if keep.recent(p.period.last_year) and (p.leading or not keep.rules.leading_only)
    ]
    return section.model_copy(update={"projects": keep.cap(projects, lambda p: p.period.sort_key)})


def _awards(section: models.AwardsSection, keep: _Filter) -> models.AwardsSection:
    awards = [a for a in section.awards if keep.wanted(a.year, a.selected)]
    return section.model_copy(update={"awards": keep.cap(awards, lambda a: (a.year, 0, 0))})


def _patents(section: models.PatentsSection, keep: _Filter) -> models.PatentsSection:
    families = [f for f in section.families if keep.recent(max(d.date.year for d in f.documents))]
    latest = lambda family: max(d.date.sort_key for d in family.documents)  # noqa: E731
    return section.model_copy(update={"families": keep.cap(families, latest)})


def _talks(section: models.TalksSection, keep: _Filter) -> models.TalksSection:
    groups = []
    for group in section.groups:
        talks = keep.cap(
            [t for t in group.talks if keep.recent(t.date.year)], lambda t: t.date.sort_key
        )
        if talks:
            groups.append(group.model_copy(update={"talks": talks}))
    return section.model_copy(update={"groups": groups})


# Each kind's list of items, to tell when a variant's rules leave a section empty.
_ITEMS: dict[str, Callable[[Any], list[Any]]] = {
    "bio": lambda s: s.paragraphs,
    "experience": lambda s: s.employers,
    "education": lambda s: s.institutions,
    "teaching": lambda s: s.terms,
    "supervision": lambda s: s.groups,
    "projects": lambda s: s.projects,
    "skills": lambda s: s.skills,
    "awards": lambda s: s.awards,
    "patents": lambda s: s.families,
    "talks": lambda s: s.groups,
    "publications": lambda s: s.lists,
}


def section_is_empty(section: models.Section) -> bool:
    return not _ITEMS[section.kind](section)


# How each section kind is trimmed; kinds without items to pick (bio, skills) pass unchanged.
_TRIMMERS: dict[str, Callable[[Any, _Filter], models.Section]] = {
    "bio": _unchanged,
    "experience": _experience,
    "education": _education,
    "teaching": _teaching,
    "supervision": _supervision,
    "projects": _projects,
    "skills": _unchanged,
    "awards": _awards,
    "patents": _patents,
    "talks": _talks,
    "publications": _unchanged,
}


def _publications(
    publications: tuple[Publication, ...], variant: Variant, variant_name: str, as_of: PartialDate
) -> tuple[Publication, ...]:
    rules = variant.publications
    oldest = as_of.year - rules.since_years if rules.since_years is not None else 0
    chosen = tuple(
        p for p in publications if (p.selected or not rules.selected_only) and p.year >= oldest
    )
    broken = []
    for group, cap in sorted(rules.caps.items()):
        members = [p for p in chosen if PUBLICATION_GROUPS[p.category] == group]
        if len(members) > cap:
            broken.append(
                f"{variant_name}: {len(members)} publications selected in group {group}, "
                f"at most {cap} allowed; selected: {', '.join(p.key for p in members)}"
            )
    if broken:
        raise RuleError("\n".join(broken))
    return chosen
