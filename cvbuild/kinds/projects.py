"""The `projects` section kind: Research projects: acronym, title, period, role, whether led, link."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cvbuild.dates import PeriodField
from cvbuild.document import Block, Item
from cvbuild.fields import Model, NonEmpty, SectionBase, Url
from cvbuild.kinds.base import Context, Filter, SectionKind, source_of
from cvbuild.richtext import Rich, bold, link, parse_links, rich


class Project(Model):
    acronym: NonEmpty
    title: NonEmpty
    period: PeriodField
    role: str = Field("", description="E.g. 'leading role'.")
    leading: bool = Field(False, description="True where you lead the project (or its part).")
    url: Url | None = None


class ProjectsSection(SectionBase):
    kind: Literal["projects"]
    projects: list[Project] = Field(min_length=1)


def trim(section: ProjectsSection, keep: Filter) -> ProjectsSection:
    projects = [
        p
        for p in section.projects
        if keep.recent(p.period.last_year) and (p.leading or not keep.rules.leading_only)
    ]
    return section.model_copy(update={"projects": keep.cap(projects, lambda p: p.period.sort_key)})


def _title(project: Project) -> Rich:
    """The title, linked to the project's `url`; without one, links written in the title."""
    return link(project.url, project.title) if project.url else parse_links(project.title)


def compose(section: ProjectsSection, context: Context) -> list[Block]:
    blocks: list[Block] = []
    for project in section.projects:
        role = f" ({project.role})" if project.role else ""
        blocks.append(
            Item(
                context.period(project.period),
                rich(bold(project.acronym), f"{role}: ", _title(project)),
                source_of(project),
            )
        )
    return blocks


KIND = SectionKind("projects", ProjectsSection, lambda s: s.projects, trim, compose)
