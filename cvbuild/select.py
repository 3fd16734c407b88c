"""Stage 2: apply a variant's rules to the loaded CV, returning a new, smaller CV.

The loaded model is never changed: the selection is a copy (`model_copy`) that the renderer
can print as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from cvbuild.bibliography import Publication
from cvbuild.errors import InputError, Problem
from cvbuild.models import CV, Variant


@dataclass(frozen=True)
class Selection:
    variant_name: str
    variant: Variant
    cv: CV
    publications: tuple[Publication, ...]  # newest first, only those the variant prints


def select(cv: CV, publications: tuple[Publication, ...], variant_name: str) -> Selection:
    variant = cv.variants.get(variant_name)
    if variant is None:
        known = ", ".join(sorted(cv.variants)) or "none"
        raise InputError(
            [Problem(f"unknown variant '{variant_name}' (the content defines: {known})")]
        )
    by_id = {section.id: section for section in cv.sections}
    order = variant.sections or [section.id for section in cv.sections]
    sections = [by_id[section_id] for section_id in order]
    return Selection(
        variant_name=variant_name,
        variant=variant,
        cv=cv.model_copy(update={"sections": sections}),
        publications=publications,
    )
