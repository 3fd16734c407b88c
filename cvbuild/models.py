"""The content model: the single source of truth for validation, defaults and the JSON Schema.

Every model is frozen and forbids unknown keys, so a typo in the YAML is an error, not a
silently ignored field. Text fields accept the small inline markup documented in
`cvbuild.markup` (**bold**, *italic*, [text](url)).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import ConfigDict, Field, model_validator

from cvbuild.dates import Date
from cvbuild.fields import (
    ContentError,
    Location,
    Model,
    NonEmpty,
    PublicationCategory,
    PublicationClass,
    SectionBase,
    Slug,
    Text,
    Url,
)
from cvbuild.kinds import KINDS
from cvbuild.kinds.publications import CategoryList

# --------------------------------------------------------------------------- person


class Address(Model):
    """A postal address, or a free one-line `location` ('Seattle, WA') printed as written."""

    street: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    location: str = Field("", description="One line printed as written, e.g. 'Seattle, WA, USA'.")

    @model_validator(mode="after")
    def _somewhere(self) -> Address:
        if not (self.city or self.location):
            raise ValueError(
                "an address needs a 'city' (with street, postal_code, region, country as you "
                "like) or a one-line 'location', e.g. location: Seattle, WA"
            )
        return self


# Networks whose profile URL follows from the username (cvbuild.compose); any other network is
# written by name with its `url` (YouTube, Mastodon, a lab site, ...).
KNOWN_NETWORKS = (
    "google_scholar", "github", "gitlab", "linkedin", "orcid", "researchgate", "twitter",
    "homepage", "x", "youtube", "bluesky", "osf", "dblp", "scopus", "web_of_science",
    "semantic_scholar", "mastodon",
)  # fmt: skip


class Profile(Model):
    """An online profile. `username` for networks with a fixed URL scheme, else `url`."""

    network: NonEmpty = Field(
        description="github, gitlab, linkedin, orcid, google_scholar, researchgate, twitter, x, "
        "youtube, bluesky, osf, dblp, scopus, web_of_science, semantic_scholar, homepage; or "
        "any other name (e.g. 'Lab website', 'Mastodon') with a `url`.",
        examples=list(KNOWN_NETWORKS),
    )
    username: str | None = None
    url: Url | None = None
    label: str | None = Field(None, description="Shown instead of the username or URL.")

    @model_validator(mode="after")
    def _needs_target(self) -> Profile:
        if self.username is None and self.url is None:
            raise ValueError("a profile needs a 'username' or a 'url'")
        if self.url is None and network_key(self.network) not in USERNAME_NETWORKS:
            known = ", ".join(sorted(USERNAME_NETWORKS))
            raise ValueError(
                f"network {self.network!r} needs a 'url' (a username alone makes a link only "
                f"for {known})"
            )
        return self


def network_key(name: str) -> str:
    """'Google Scholar', 'google-scholar' → 'google_scholar': how a network's name is looked up."""
    return "_".join(name.lower().replace("-", " ").split())


# The networks a username alone links to (see cvbuild.compose.profile_url).
USERNAME_NETWORKS = frozenset(
    {"google_scholar", "github", "gitlab", "linkedin", "orcid", "researchgate", "twitter", "x",
     "youtube", "bluesky", "osf", "dblp", "scopus", "web_of_science", "semantic_scholar"}
)  # fmt: skip


class Person(Model):
    given_names: NonEmpty
    family_name: NonEmpty
    academic_title: str = Field("", description="E.g. 'Dr. rer. nat.', printed before the name.")
    post_nominal: str = Field(
        "", description="Letters after the name, e.g. 'Ph.D.', 'FRS': 'Joseph V. Casillas, Ph.D.'."
    )
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
    contract_end: Date | None = Field(
        None,
        description="End of the current (fixed-term) contract, printed in the header; funders "
        "such as the DFG ask for it.",
    )
    photo: Annotated[str, Field(pattern=r"(?i)\.(jpe?g|png|pdf)$")] | None = Field(
        None,
        description="A photo (JPEG, PNG or PDF), relative to the content folder and inside it "
        "(see settings.allow_outside_paths).",
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


# --------------------------------------------------------------------------- sections


if TYPE_CHECKING:
    Section = SectionBase
else:
    # One member per registered kind, told apart by `kind:`.
    Section = Annotated[
        Union[tuple(kind.model for kind in KINDS)],  # noqa: UP007  (a union built from a list)
        Field(discriminator="kind"),
    ]


# --------------------------------------------------------------------------- bibliography


class PublicationOverride(Model):
    category: PublicationCategory | None = None
    highlight_owner: bool | None = Field(
        None, description="false for an entry whose author is a namesake of the owner."
    )
    selected: bool | None = None
    exclude: bool = Field(False, description="true: never print this entry, and no warning.")
    published_at: NonEmpty | None = Field(
        None,
        description="Where an entry stored as a preprint (arXiv @misc) was published, e.g. "
        "'ICML 2023': printed as its venue, and the entry counts as proceedings.",
    )
    note: NonEmpty | None = Field(None, description="A line of text printed after the entry.")
    peer_reviewed: bool | None = Field(
        None,
        description="Default: true for journal articles, proceedings, chapters and books (unless "
        "a pubstate such as 'submitted' says otherwise), false for everything else.",
    )
    open_access: bool | None = Field(
        None, description="true: marked 'Open Access' where a variant's pack asks for it."
    )
    involvement: NonEmpty | None = Field(
        None, description="Your part in it, printed under the entry (DFG, ERC: 'role')."
    )
    significance: NonEmpty | None = Field(
        None,
        description="Why it matters, printed under the entry by variants that show it (ERC, MSCA).",
    )


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
    links: Literal["doi", "all"] = Field(
        "doi",
        description="doi: an entry with a DOI prints only that link (not its URL or eprint "
        "too); all: every link of the entry.",
    )
    exclude_keywords: list[NonEmpty] = Field(
        [],
        description="Entries whose .bib `keywords` hold any of these (e.g. nocv) are never "
        "printed; each build says how many (case ignored).",
    )


# --------------------------------------------------------------------------- settings


class Labels(Model):
    """Single words cvbuild prints around the content, replacing the locale's word (the
    language is `settings.language`; each locale file lists its words)."""

    thesis: str | None = None  # en: "Thesis"
    supervision: str | None = None  # en: "Supervision headed by"
    staff: str | None = None  # en: "current number of staff"
    co_supervision: str | None = None  # en: "co-supervision"
    open_end: str | None = None  # en: "today"
    published: str | None = None  # en: "published"
    granted: str | None = None  # en: "granted"
    born: str | None = None  # en: "born"
    nationality: str | None = None  # en: "nationality"
    retrieved: str | None = None  # en: "retrieved on"
    page: str | None = None  # en: "Page"
    of: str | None = None  # en: "of"
    as_of: str | None = None  # en: "As of"
    code: str | None = None  # en: "Code"
    award: str | None = None  # en: "Award"
    article_number: str | None = None  # en: "Art." (a journal article's number: "Art. e0130140")
    document_title: str | None = None  # en: "Curriculum Vitae"
    born_in: str | None = None  # en: "in"
    completed: str | None = None  # en: "completed"
    ongoing: str | None = None  # en: "ongoing"
    total: str | None = None  # en: "Total"
    own_share: str | None = None  # en: "own share"
    number: str | None = None  # en: "no."
    pending: str | None = None  # en: "pending"
    declined: str | None = None  # en: "not funded"
    thousands_separator: str | None = None  # en: ","
    decimal_separator: str | None = None  # en: "."
    authors_count: str | None = None  # en: "({count} authors)"
    licence: str | None = None  # en: "Licence"
    service_reviewing: str | None = None  # en: "Reviewing"
    service_editorial: str | None = None  # en: "Editorial boards"
    service_committee: str | None = None  # en: "Committees"
    service_pc: str | None = None  # en: "Programme committees"
    service_panel: str | None = None  # en: "Review panels"
    service_organising: str | None = None  # en: "Organising"
    service_other: str | None = None  # en: "Other service"
    together_with: str | None = None  # en: "with"
    role_chair: str | None = None  # en: "committee chair"
    role_member: str | None = None  # en: "committee member"
    role_examiner: str | None = None  # en: "external examiner"
    involvement: str | None = None  # en: "Involvement"
    significance: str | None = None  # en: "Significance"
    open_access: str | None = None  # en: "Open Access"
    contract_end: str | None = None  # en: "Contract until"
    personal_data: str | None = None  # en: "Personal data" (the personal-data table)
    academic_title: str | None = None  # en: "Academic title"
    current_position: str | None = None  # en: "Current position"
    institution: str | None = None  # en: "Institution"
    orcid: str | None = None  # en: "ORCID iD"


DateStyle = Literal["Jan 2021", "January 2021", "01/2021", "ISO"]
# The rows a personal-data table can have (DFG form 53.200), in the order given.
PersonalRow = Literal["academic_title", "position", "institution", "contract_end", "orcid"]


class Settings(Model):
    style: Literal["classic", "casual", "banking", "oldstyle"] = "classic"
    color: Literal["blue", "orange", "green", "red", "purple", "grey", "black", "burgundy"] = "blue"
    accent: (
        Literal["blue", "orange", "green", "red", "purple", "grey", "black", "burgundy"] | None
    ) = Field(
        None,
        description="A second colour for publication labels (J1, C2), award marks and links; "
        "default: `color`. Headings, rules and the name keep `color`.",
    )
    font_size: Literal[10, 11, 12] = 11
    paper: Literal["a4", "letter"] = "a4"
    margins: Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?(cm|mm|in)$")] = Field(
        "2cm",
        description="Page margins, e.g. '2cm', '25mm', '1in' (the footer sits in the bottom one).",
    )
    date_style: DateStyle = Field(
        "Jan 2021",
        description="How every date of the CV is written (sections, header, footer, as-of "
        "line); days follow the same style ('13 Oct 2023', '13/10/2023', '2023-10-13').",
    )
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


# DFG's groups (form 53.200, FAQ): A peer-reviewed (articles, conference and anthology
# contributions, books), B everything else (preprints, data, software, patents, ...).
DFG_GROUPS: dict[str, list[PublicationClass]] = {
    "A": ["peer-reviewed"],
    "B": ["not-peer-reviewed"],
}


class PublicationRules(Model):
    selected_only: bool = Field(False, description="Only entries marked selected.")
    groups: dict[NonEmpty, list[PublicationClass]] = Field(
        DFG_GROUPS,
        description="Named groups that `caps` count, of categories or 'peer-reviewed' / "
        "'not-peer-reviewed'; default DFG's A (peer-reviewed) and B (the rest).",
    )
    caps: dict[NonEmpty, int] = Field(
        {}, description="At most this many publications per group of `groups`, e.g. {A: 10}."
    )
    since_years: int | None = Field(
        None, ge=0, description="Only entries from the last N years before the as-of date."
    )
    max_authors: int | None = Field(
        None,
        ge=1,
        description="At most this many authors per entry, then 'et al.'; the owner is always "
        "shown (first N-1 authors, '…', the owner).",
    )
    lists: list[CategoryList] | None = Field(
        None,
        description="Replace the publications section's lists in this variant, e.g. DFG's "
        "[{category: peer-reviewed, title: ..., prefix: A}, {category: not-peer-reviewed, ...}].",
    )
    show: list[Literal["involvement", "open_access", "significance"]] = Field(
        [],
        description="Notes printed under each entry: involvement (your part), open_access (an "
        "'Open Access' mark), significance.",
    )

    @model_validator(mode="after")
    def _caps_name_groups(self) -> PublicationRules:
        unknown = sorted(set(self.caps) - set(self.groups))
        if unknown:
            raise ValueError(
                f"caps name unknown groups {', '.join(unknown)}; the groups are "
                f"{', '.join(self.groups)} (define more under `groups`)"
            )
        return self


class Narrative(Model):
    """A text written for one variant (ERC's 'additional information', DFG's supplementary
    career information: career breaks, family), printed as a section of its own."""

    id: Slug = Field(description="Section id, unique among the content's sections.")
    title: Text
    paragraphs: list[Text] = Field(min_length=1)
    max_chars: int | None = Field(
        None, ge=1, description="Character budget of the printed text (markup not counted)."
    )
    after: Slug | None = Field(
        None, description="The section it follows; default: after the variant's sections."
    )

    @model_validator(mode="after")
    def _within_budget(self) -> Narrative:
        from cvbuild.richtext import parse_markup, plain

        count = sum(len(plain(parse_markup(p))) for p in self.paragraphs)
        if self.max_chars is not None and count > self.max_chars:
            raise ContentError(
                [
                    (
                        ("paragraphs",),
                        f"{count} characters, at most {self.max_chars} allowed (max_chars): "
                        f"shorten it by {count - self.max_chars}",
                    )
                ]
            )
        return self


class PackRuleChange(Model):
    """A variant's change to one rule of its pack: only ever stricter."""

    value: float | None = None
    severity: Literal["error"] | None = None


class Variant(Model):
    """What one output shows. Section ids in `sections` pick and order; empty means all."""

    description: str = ""
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] | None = Field(
        None,
        description="The variant's language (e.g. 'de'): its words, dates and hyphenation, and "
        "of texts written as {en: ..., de: ...} the one in this language; default: "
        "settings.language.",
    )
    sections: list[Slug] = []
    rules: dict[Slug, SectionRules] = Field({}, description="Per section id.")
    narratives: list[Narrative] = Field(
        [], description="Texts for this variant only, each printed as a section of its own."
    )
    titles: dict[Slug, NonEmpty] = Field(
        {},
        description="Section titles in this variant, per section id (e.g. a funder's "
        "headings: {experience: Qualifications and career}).",
    )
    publications: PublicationRules = PublicationRules()
    metrics: bool = Field(True, description="False drops impact tables (h-index, citations).")
    page_budget: int | None = Field(None, ge=1)
    font_size: Literal[10, 11, 12] | None = Field(None, description="Overrides settings.font_size.")
    footer: bool = Field(True, description="Name, 'page x of y' and the as-of date on each page.")
    header_note: Text | None = Field(
        None, description="An extra line in the header, e.g. 'Appendix to DFG proposal LA 12/3'."
    )
    footer_note: str = Field("", description="Extra text in the footer, after the as-of date.")
    pack: NonEmpty | None = Field(
        None,
        description="A funder's rule pack the PDF is checked against after building (preflight; "
        "exit 4 when an error-level rule fails), and whose layout defaults the variant takes: a "
        "shipped pack ('dfg-53.200@2023', 'erc-2026', 'msca-pf-2026', 'berufung'), a file "
        "packs/NAME.yaml in the content folder, or a path to a YAML file.",
    )
    pack_rules: dict[NonEmpty, PackRuleChange] = Field(
        {},
        description="Tighten the pack's rules by id: a stricter `value`, or `severity: error`.",
    )
    font_family: Literal["latin-modern", "arial-metric"] | None = Field(
        None,
        description="arial-metric: TeX Gyre Heros, with Arial's metrics; default Latin Modern "
        "(banking: Pagella).",
    )
    line_spacing: float | None = Field(
        None, ge=1.0, le=2.0, description="Multiplies the font's line distance (\\linespread)."
    )
    personal_table: list[PersonalRow] | None = Field(
        None,
        description="A table of personal data right after the name, rows in this order: "
        "academic_title, position (the newest role without an end), institution (its "
        "employer), contract_end (person.contract_end), orcid (the ORCID profile); rows without "
        "a value are left out, and what the table prints is not repeated in the header.",
    )
    date_style: DateStyle | None = Field(
        None,
        description="Overrides settings.date_style for this variant (e.g. '01/2021' where a "
        "funder asks for numeric dates; days are printed only where the content has them).",
    )
    personal: (
        list[Literal["academic_title", "former_name", "birth", "nationality", "address",
                     "email", "phone", "profiles", "headline", "photo", "contract_end"]]
        | None
    ) = Field(
        None,
        description="The personal data printed (default: everything person holds); e.g. "
        "[academic_title, headline, contract_end, email, profiles] leaves out private data.",
    )  # fmt: skip


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
            found += [
                (
                    ("variants", name, "narratives", index, "id"),
                    f"narrative id {n.id!r} is also a section id; choose another",
                )
                for index, n in enumerate(variant.narratives)
                if n.id in ids
            ]
            found += [
                (
                    ("variants", name, "narratives", index, "after"),
                    f"narrative {n.id!r} follows unknown section {n.after!r}; known: {known}",
                )
                for index, n in enumerate(variant.narratives)
                if n.after is not None and n.after not in ids
            ]
            found += [
                (
                    ("variants", name, "titles", s),
                    f"variant {name!r} has a title for unknown section {s!r}; known: {known}",
                )
                for s in variant.titles
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
