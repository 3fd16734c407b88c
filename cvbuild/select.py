"""Stage 2: apply a variant's rules to the loaded CV, returning a new, smaller CV.

The loaded model is never changed: the selection is a copy (`model_copy`) that the renderer
can print as it is. Rules that cannot be met (too many selected publications) are errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from cvbuild import models
from cvbuild.bibliography import Publication
from cvbuild.errors import InputError, Problem, RuleError
from cvbuild.models import CV, PUBLICATION_GROUPS, SectionRules, Variant


@dataclass(frozen=True)
class Selection:
    variant_name: str
    variant: Variant
    cv: CV
    publications: tuple[Publication, ...]  # newest first, only those the variant prints
    compact: frozenset[str] = frozenset()  # ids of sections to print in compact form


def select(cv: CV, publications: tuple[Publication, ...], variant_name: str) -> Selection:
    variant = cv.variants.get(variant_name)
    if variant is None:
        known = ", ".join(sorted(cv.variants)) or "none"
        raise InputError(
            [Problem(f"unknown variant '{variant_name}' (the content defines: {known})")]
        )
    by_id = {section.id: section for section in cv.sections}
    order = variant.sections or [section.id for section in cv.sections]
    sections = [_apply(by_id[i], variant.rules.get(i, SectionRules()), variant) for i in order]
    settings = cv.settings
    if variant.font_size is not None:
        settings = settings.model_copy(update={"font_size": variant.font_size})
    return Selection(
        variant_name=variant_name,
        variant=variant,
        cv=cv.model_copy(update={"sections": sections, "settings": settings}),
        publications=_publications(publications, variant, variant_name)
        if any(isinstance(section, models.PublicationsSection) for section in sections)
        else (),
        compact=frozenset(i for i in order if variant.rules.get(i, SectionRules()).compact),
    )


def _apply(section: models.Section, rules: SectionRules, variant: Variant) -> models.Section:
    if isinstance(section, models.AwardsSection):
        awards = [a for a in section.awards if a.selected or not rules.selected_only]
        return section.model_copy(update={"awards": awards[: rules.max_items]})
    if isinstance(section, models.ExperienceSection):
        employers = []
        for employer in section.employers:
            roles = [r for r in employer.roles if r.selected or not rules.selected_only]
            if rules.brief:
                roles = [r.model_copy(update={"blocks": [], "staff": []}) for r in roles]
            if roles:
                employers.append(employer.model_copy(update={"roles": roles}))
        return section.model_copy(update={"employers": employers})
    if isinstance(section, models.EducationSection) and rules.brief:
        institutions = [
            i.model_copy(
                update={"degrees": [d.model_copy(update={"summary": None}) for d in i.degrees]}
            )
            for i in section.institutions
        ]
        return section.model_copy(update={"institutions": institutions})
    if isinstance(section, models.ProjectsSection):
        projects = [p for p in section.projects if p.leading or not rules.leading_only]
        return section.model_copy(update={"projects": projects[: rules.max_items]})
    if isinstance(section, models.TeachingSection):
        return section.model_copy(update={"terms": section.terms[: rules.max_items]})
    if isinstance(section, models.TalksSection):
        groups = [
            g.model_copy(update={"talks": g.talks[: rules.max_items]}) for g in section.groups
        ]
        return section.model_copy(update={"groups": groups})
    if isinstance(section, models.PublicationsSection) and not variant.metrics:
        return section.model_copy(update={"impact": None})
    return section


def _publications(
    publications: tuple[Publication, ...], variant: Variant, variant_name: str
) -> tuple[Publication, ...]:
    rules = variant.publications
    chosen = tuple(p for p in publications if p.selected or not rules.selected_only)
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
