"""The content model: the single source of truth for validation, defaults and the JSON Schema.

Every model is frozen and forbids unknown keys, so a typo in the YAML is an error, not a
silently ignored field. Text fields accept the small inline markup documented in
`cvbuild.markup` (**bold**, *italic*, [text](url)).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from cvbuild.dates import Date, PeriodField, TermField


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


Location = tuple[str | int, ...]


class ContentError(ValueError):
    """Problems a model finds across its fields, each with the location of the value at fault
    (relative to the model, as pydantic writes locations), so the loader can name its line."""

    def __init__(self, found: list[tuple[Location, str]]):
        super().__init__("; ".join(message for _, message in found))
        self.found = tuple(found)


NonEmpty = Annotated[str, Field(min_length=1)]
Text = Annotated[str, Field(min_length=1, description="Text with **bold**, *italic*, [link](url).")]
Url = Annotated[str, Field(pattern=r"^(https?|mailto)://?\S+$", description="An absolute URL.")]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", description="A short lowercase id.")]


def _split_commas(value: Any) -> Any:
    if isinstance(value, str) and "," in value:
        return [part.strip() for part in value.split(",")]
    if isinstance(value, str | int):
        return [value]
    return value


Periods = Annotated[
    list[PeriodField],
    BeforeValidator(_split_commas),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": ["string", "integer"], "pattern": r"^\d{4}"},
                {"type": "array", "items": {"type": ["string", "integer"], "pattern": r"^\d{4}"}},
            ],
            "description": "One period or several, comma-separated: '2019 – 2021, 2023-'.",
            "examples": ["2023-", "2014-03 – 2014-08, 2016-04 – 2016-10"],
        }
    ),
]


# --------------------------------------------------------------------------- person


class Address(Model):
    street: NonEmpty
    postal_code: str = ""
    city: NonEmpty
    region: str = ""
    country: str = ""


ProfileNetwork = Literal[
    "google_scholar", "github", "gitlab", "linkedin", "orcid", "researchgate", "twitter", "homepage"
]


class Profile(Model):
    """An online profile. `username` for networks with a fixed URL scheme, else `url`."""

    network: ProfileNetwork
    username: str | None = None
    url: Url | None = None
    label: str | None = Field(None, description="Shown instead of the username or URL.")

    @model_validator(mode="after")
    def _needs_target(self) -> Profile:
        if self.username is None and self.url is None:
            raise ValueError("a profile needs a 'username' or a 'url'")
        return self


class Person(Model):
    given_names: NonEmpty
    family_name: NonEmpty
    academic_title: str = Field("", description="E.g. 'Dr. rer. nat.', printed before the name.")
    former_name: str = Field("", description="Birth or former family name, e.g. 'Bach'.")
    former_name_prefix: str = Field("né", description="Word before the former name: né, née.")
    date_of_birth: Date | None = None
    place_of_birth: str = ""
    nationality: str = ""
    address: Address | None = None
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    phone: str = ""
    profiles: list[Profile] = []
    headline: str = Field("", description="Line under the name, e.g. a current position.")
    photo: Annotated[str, Field(pattern=r"(?i)\.(jpe?g|png|pdf)$")] | None = Field(
        None,
        description="A photo (JPEG, PNG or PDF), relative to the content folder and inside it "
        "(see settings.allow_outside_paths).",
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


# --------------------------------------------------------------------------- sections


class SectionBase(Model):
    id: Slug = Field(description="Used by variants to pick and order sections.")
    title: NonEmpty


class LabeledText(Model):
    label: NonEmpty
    text: Text


class BioSection(SectionBase):
    kind: Literal["bio"]
    paragraphs: list[Text] = Field(min_length=1)


class StaffCount(Model):
    count: int = Field(ge=0)
    role: NonEmpty


class Role(Model):
    title: NonEmpty
    period: PeriodField
    summary: Text | None = None
    staff: list[StaffCount] = []
    blocks: list[LabeledText] = Field([], description="E.g. 'Research', 'Teaching'.")
    selected: bool = False


class Employer(Model):
    name: NonEmpty
    location: str = ""
    roles: list[Role] = Field(min_length=1)


class ExperienceSection(SectionBase):
    kind: Literal["experience"]
    employers: list[Employer] = Field(min_length=1)


class Degree(Model):
    degree: NonEmpty
    period: PeriodField
    distinction: str = ""
    summary: Text | None = None
    thesis: str = ""
    supervisors: list[NonEmpty] = []


class Institution(Model):
    name: NonEmpty
    location: str = ""
    degrees: list[Degree] = Field(min_length=1)


class EducationSection(SectionBase):
    kind: Literal["education"]
    institutions: list[Institution] = Field(min_length=1)


class Course(Model):
    title: NonEmpty
    kind: str = Field("", description="E.g. 'block seminar', 'integrated lecture'.")
    role: Text | None = Field(None, description="What you did, e.g. 'Co-Teaching, Grading'.")


class TeachingTerm(Model):
    term: TermField
    courses: list[Course] = Field(min_length=1)


class TeachingSection(SectionBase):
    kind: Literal["teaching"]
    note: Text | None = None
    terms: list[TeachingTerm] = Field(min_length=1)


SupervisionLevel = Literal["postdoc", "phd", "master", "bachelor", "guest"]


class Supervisee(Model):
    name: NonEmpty
    institution: NonEmpty
    period: Periods
    topic: NonEmpty
    co_supervision: bool = False

    @property
    def is_current(self) -> bool:
        return any(p.open_end for p in self.period)


class SupervisionGroup(Model):
    title: NonEmpty
    level: SupervisionLevel
    people: list[Supervisee] = Field(min_length=1)


class SupervisionSection(SectionBase):
    kind: Literal["supervision"]
    groups: list[SupervisionGroup] = Field(min_length=1)


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


class SkillsSection(SectionBase):
    kind: Literal["skills"]
    skills: list[LabeledText] = Field(min_length=1)


class Award(Model):
    name: NonEmpty
    year: int = Field(ge=1900, le=2200)
    rank: str = Field("", description="E.g. '1st place', 'finalist'.")
    description: Text | None = None
    selected: bool = False


class AwardsSection(SectionBase):
    kind: Literal["awards"]
    awards: list[Award] = Field(min_length=1)


class PatentDocument(Model):
    office: Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="WO, EP, US, CN, ...")]
    number: NonEmpty
    kind_code: str = Field("", description="E.g. 'A1'.")
    title: NonEmpty
    status: Literal["published", "granted"]
    date: Date


class PatentFamily(Model):
    title: NonEmpty
    documents: list[PatentDocument] = Field(min_length=1)


class PatentsSection(SectionBase):
    kind: Literal["patents"]
    families: list[PatentFamily] = Field(min_length=1)


class Talk(Model):
    title: NonEmpty
    date: Date
    event: Text
    kind: str = Field("", description="E.g. 'invited talk', 'keynote'.")
    url: Url | None = None


class TalkGroup(Model):
    title: NonEmpty
    note: Text | None = None
    talks: list[Talk] = Field(min_length=1)


class TalksSection(SectionBase):
    kind: Literal["talks"]
    groups: list[TalkGroup] = Field(min_length=1)


PublicationCategory = Literal["journal", "proceedings", "chapter", "preprint"]


class CategoryList(Model):
    category: PublicationCategory
    title: NonEmpty
    numbering: Literal["ascending", "descending"] = Field(
        "ascending", description="ascending: newest is 1; descending: newest is N."
    )
    prefix: str = Field("", description="Label prefix, e.g. 'J' for J1, J2, ...")


class MetricColumn(Model):
    label: NonEmpty
    since: int | None = Field(None, description="Counts publications from this year on.")


class MetricRow(Model):
    label: NonEmpty
    values: list[int | str] | Literal["publications"] = Field(
        description="One value per column, or 'publications' to count the .bib entries."
    )


class Impact(Model):
    title: NonEmpty
    columns: list[MetricColumn] = Field(min_length=1)
    rows: list[MetricRow] = Field(min_length=1)
    source: NonEmpty
    retrieved: Date

    @model_validator(mode="after")
    def _row_widths(self) -> Impact:
        found: list[tuple[Location, str]] = [
            (
                ("rows", index, "values"),
                f"row {row.label!r} has {len(row.values)} values for {len(self.columns)} columns",
            )
            for index, row in enumerate(self.rows)
            if row.values != "publications" and len(row.values) != len(self.columns)
        ]
        if found:
            raise ContentError(found)
        return self


class PublicationsSection(SectionBase):
    kind: Literal["publications"]
    impact: Impact | None = None
    lists: list[CategoryList] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_category_once(self) -> PublicationsSection:
        seen = [item.category for item in self.lists]
        found: list[tuple[Location, str]] = [
            (("lists", index, "category"), f"category listed twice: {category}")
            for index, category in enumerate(seen)
            if category in seen[:index]
        ]
        if found:
            raise ContentError(found)
        return self


Section = Annotated[
    BioSection
    | ExperienceSection
    | EducationSection
    | TeachingSection
    | SupervisionSection
    | ProjectsSection
    | SkillsSection
    | AwardsSection
    | PatentsSection
    | TalksSection
    | PublicationsSection,
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------------- bibliography


class PublicationOverride(Model):
    category: PublicationCategory | None = None
    highlight_owner: bool | None = Field(
        None, description="false for an entry whose author is a namesake of the owner."
    )
    selected: bool | None = None


class Bibliography(Model):
    files: list[NonEmpty] = Field(
        min_length=1,
        description=".bib paths, relative to the content folder and inside it "
        "(see settings.allow_outside_paths).",
    )
    owner_names: list[NonEmpty] = Field(
        min_length=1,
        description="The owner's name forms as 'Family, Given' (e.g. 'Lapuschkin, Sebastian').",
    )
    overrides: dict[str, PublicationOverride] = {}


# --------------------------------------------------------------------------- settings


class Labels(Model):
    """Words cvbuild prints around the content; change them for another language."""

    thesis: str = "Thesis"
    supervision: str = "Supervision headed by"
    staff: str = "current number of staff"
    co_supervision: str = "co-supervision"
    open_end: str = "today"
    published: str = "published"
    granted: str = "granted"
    born: str = "born"
    nationality: str = "nationality"
    retrieved: str = "retrieved on"
    page: str = "Page"
    of: str = "of"
    as_of: str = "As of"
    code: str = "Code"
    award: str = "Award"


class Settings(Model):
    style: Literal["classic", "casual", "banking", "oldstyle"] = "classic"
    color: Literal["blue", "orange", "green", "red", "purple", "grey", "black", "burgundy"] = "blue"
    font_size: Literal[10, 11, 12] = 11
    paper: Literal["a4", "letter"] = "a4"
    as_of: Date | None = Field(
        None,
        description="Date of the CV, printed in footers and used as the PDF's time stamp; "
        "default: the build date (then the PDF's time stamp is the newest content file's).",
    )
    labels: Labels = Labels()
    pdf_a: bool = Field(True, description="Write PDF/A-2b (archival) files.")
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = Field(
        "en", description="Language of the CV (BCP 47, e.g. 'en', 'de'), for the PDF metadata."
    )
    keywords: list[NonEmpty] = Field(
        [], description="PDF metadata keywords, e.g. your research areas; default: section titles."
    )
    allow_outside_paths: bool = Field(
        False,
        description="Let person.photo and bibliography.files name files outside the content "
        "folder (absolute paths, '..', symbolic links leading out). Off by default, so that a "
        "path or link in a CV folder never makes cvbuild read another file of yours unasked. "
        "Devices, pipes and system folders (/proc, /sys, /dev) are never read.",
    )


# --------------------------------------------------------------------------- variants


class SectionRules(Model):
    """How a variant trims one section."""

    selected_only: bool = Field(False, description="Only items flagged `selected: true`.")
    leading_only: bool = Field(False, description="Projects: only those with `leading: true`.")
    max_items: int | None = Field(None, ge=1, description="At most this many items, newest first.")
    since_years: int | None = Field(
        None,
        ge=0,
        description="Only items that ended (or still run) in the last N years before the "
        "as-of date; 0 means this year only.",
    )
    compact: bool = Field(
        False, description="Supervision: counts per group plus the current PhD students."
    )
    brief: bool = Field(False, description="Experience, education: titles and dates, no texts.")


PublicationGroup = Literal["A", "B"]
# DFG's groups: A peer-reviewed (journal, proceedings, chapters), B other (preprints).
PUBLICATION_GROUPS: dict[PublicationCategory, PublicationGroup] = {
    "journal": "A",
    "proceedings": "A",
    "chapter": "A",
    "preprint": "B",
}


class PublicationRules(Model):
    selected_only: bool = Field(False, description="Only entries marked selected.")
    caps: dict[PublicationGroup, int] = Field(
        {}, description="At most this many per group (A peer-reviewed, B preprints)."
    )
    since_years: int | None = Field(
        None, ge=0, description="Only entries from the last N years before the as-of date."
    )


class Variant(Model):
    """What one output shows. Section ids in `sections` pick and order; empty means all."""

    description: str = ""
    sections: list[Slug] = []
    rules: dict[Slug, SectionRules] = Field({}, description="Per section id.")
    publications: PublicationRules = PublicationRules()
    metrics: bool = Field(True, description="False drops impact tables (h-index, citations).")
    page_budget: int | None = Field(None, ge=1)
    font_size: Literal[10, 11, 12] | None = Field(None, description="Overrides settings.font_size.")
    footer: bool = Field(True, description="Name, 'page x of y' and the as-of date on each page.")
    header_note: Text | None = Field(
        None, description="An extra line in the header, e.g. 'Appendix to DFG proposal LA 12/3'."
    )
    footer_note: str = Field("", description="Extra text in the footer, after the as-of date.")


# --------------------------------------------------------------------------- the whole CV


# Top-level keys the loader leaves out: a place for YAML anchors to reuse with `<<: *name`.
TEMPLATE_PREFIX = "x-"


class CV(Model):
    """The whole CV. Top-level keys starting with `x-` are ignored, so that blocks meant only
    to be merged elsewhere (`x-course: &course {...}`, then `<<: *course`) have a place."""

    model_config = ConfigDict(json_schema_extra={"patternProperties": {f"^{TEMPLATE_PREFIX}": {}}})

    person: Person
    settings: Settings = Settings()
    bibliography: Bibliography | None = None
    sections: list[Section] = Field(min_length=1)
    variants: dict[Slug, Variant] = {"full": Variant()}

    @model_validator(mode="after")
    def _cross_checks(self) -> CV:
        """Checks across sections and variants, each pointing at the value at fault."""
        ids = [s.id for s in self.sections]
        found: list[tuple[Location, str]] = [
            (
                ("sections", index, "id"),
                f"section id '{i}' is used twice (first by sections[{ids.index(i)}])",
            )
            for index, i in enumerate(ids)
            if i in ids[:index]
        ]
        known = ", ".join(dict.fromkeys(ids))
        for name, variant in self.variants.items():
            found += [
                (
                    ("variants", name, "sections", index),
                    f"variant {name!r} names unknown section {s!r}; known: {known}",
                )
                for index, s in enumerate(variant.sections)
                if s not in ids
            ]
            found += [
                (
                    ("variants", name, "rules", s),
                    f"variant {name!r} has rules for unknown section {s!r}; known: {known}",
                )
                for s in variant.rules
                if s not in ids
            ]
        if self.bibliography is None:
            found += [
                (
                    ("sections", index, "kind"),
                    "a 'publications' section needs a 'bibliography' with .bib files",
                )
                for index, s in enumerate(self.sections)
                if s.kind == "publications"
            ]
        if found:
            raise ContentError(found)
        return self
