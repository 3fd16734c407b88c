"""The section kinds, one module each: its models, how a variant's rules trim it, how it
composes into the document every writer prints.

To add a kind: write `cvbuild/kinds/NAME.py` ending in `KIND = SectionKind(...)` (copy the
nearest existing kind) and add it to `KINDS` below. The content model's union of sections, the
JSON Schema, `validate`, selection, composition and every writer follow from this list.
"""

from __future__ import annotations

from typing import Any

from cvbuild.kinds import (
    awards,
    bio,
    data,
    education,
    entries,
    experience,
    grants,
    languages,
    media,
    memberships,
    patents,
    projects,
    publications,
    references,
    service,
    skills,
    software,
    supervision,
    talks,
    teaching,
)
from cvbuild.kinds.base import Context, Filter, SectionKind

KINDS: tuple[SectionKind[Any], ...] = (
    bio.KIND,
    experience.KIND,
    education.KIND,
    teaching.KIND,
    supervision.KIND,
    projects.KIND,
    skills.KIND,
    awards.KIND,
    patents.KIND,
    talks.KIND,
    publications.KIND,
    grants.KIND,
    service.KIND,
    memberships.KIND,
    languages.KIND,
    references.KIND,
    software.KIND,
    data.KIND,
    media.KIND,
    entries.KIND,
)
BY_NAME: dict[str, SectionKind[Any]] = {kind.name: kind for kind in KINDS}


def kind_of(section: Any) -> SectionKind[Any]:
    return BY_NAME[section.kind]


__all__ = ["BY_NAME", "KINDS", "Context", "Filter", "SectionKind", "kind_of"]
