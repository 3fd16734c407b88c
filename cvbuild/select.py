"""Stage 2: apply a variant's rules to the loaded CV, returning a new, smaller CV.

The loaded model is never changed: the selection is a copy (`model_copy`) that the renderer
can print as it is. Rules that cannot be met (too many selected publications) are errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from cvbuild.bibliography import Publication, shorten_authors
from cvbuild.dates import PartialDate
from cvbuild.errors import InputError, Problem, RuleError
from cvbuild.kinds import Filter, kind_of
from cvbuild.kinds.grants import Grant, GrantsSection
from cvbuild.kinds.publications import PublicationsSection, unlisted
from cvbuild.models import CV, SectionRules, Variant


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
        sections.append(kind_of(section).trim(section, Filter(rules, as_of, variant.metrics)))
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
        cv=cv.model_copy(update={"sections": sections, "settings": settings}),
        publications=chosen,
        as_of=as_of,
        compact=frozenset(i for i in order if variant.rules.get(i, SectionRules()).compact),
        warnings=_unlisted_warnings(lists, chosen, settings.language),
        grants=tuple(g for s in cv.sections if isinstance(s, GrantsSection) for g in s.grants),
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
        members = [p for p in chosen if p.category in rules.groups[group]]
        if len(members) > cap:
            broken.append(
                f"{variant_name}: {len(members)} publications selected in group {group}, "
                f"at most {cap} allowed; selected: {', '.join(p.key for p in members)}"
            )
    if broken:
        raise RuleError("\n".join(broken))
    return chosen
