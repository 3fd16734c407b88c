"""Funder rule packs: a funder's CV rules as data (YAML), each rule citing its source.

A pack says how a CV for one funder looks (layout defaults a variant naming it takes) and what
the finished PDF must satisfy (rules the preflight, cvbuild.preflight, checks). Packs ship in
cvbuild/packs/; a user writes one in YAML without code (`packs/NAME.yaml` in the content folder,
or a path). A variant names its pack (`pack: dfg-53.200@2023`) and may only tighten its rules.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from cvbuild.errors import InputError, Problem
from cvbuild.fields import ContentError, Location, Model, NonEmpty, PublicationClass
from cvbuild.kinds.publications import CategoryList
from cvbuild.models import DateStyle, PersonalRow, Variant

PACK_DIR = Path(__file__).resolve().parent / "packs"

Status = Literal["official", "secondary", "unofficial", "not found", "derived"]
Severity = Literal["error", "warning"]
Check = Literal[
    # read from the PDF (any PDF, also one made by hand)
    "max_pages",  # value: pages
    "paper",  # names: a4 / letter
    "min_font_size",  # value: pt, of the body text (sizes carrying >= 3 % of the characters)
    "font_family",  # names: accepted font name parts (TeXGyreHeros, Arial, ...)
    "min_line_spacing",  # value: baseline distance / font size of the body text
    "min_margin",  # value: cm between any text or image and the page's edge
    "fonts_embedded",  # every font embedded, none a Type 3 bitmap
    "no_images",  # no photo (no image at all)
    "no_metrics",  # no h-index, impact factor, citation counts (locale words + names)
    "orcid",  # an ORCID iD printed
    "headings",  # names: words or headings that must appear (e.g. Teaching, Supervision)
    "file_name",  # names[0]: the PDF's file name, e.g. CV_PubList_{family_name}
    # read from the content (not checked for a PDF without its content)
    "max_outputs",  # value: at most this many printed outputs of `classes` (all when empty)
    "output_links",  # every printed output of `classes` has a DOI or persistent link
    "output_notes",  # names: involvement / open_access / significance on every output
    "contract_end",  # the end of the current contract is printed
    "private_data",  # names: personal data that must not be printed (birth, phone, ...)
    "full_dates",  # experience and education dated to the day (dd/mm/yyyy)
]
NEEDS_VALUE = {"max_pages", "min_font_size", "min_line_spacing", "min_margin", "max_outputs"}
NEEDS_NAMES = {"paper", "font_family", "headings", "file_name", "output_notes", "private_data"}
# Checks whose value is an upper limit (a smaller value is stricter); the other values are lower.
UPPER_LIMITS = {"max_pages", "max_outputs"}
PERSONAL = ("academic_title", "former_name", "birth", "nationality", "address", "email",
            "phone", "profiles", "headline", "photo", "contract_end")  # fmt: skip
NOTES = ("involvement", "open_access", "significance")


class Rule(Model):
    """One rule: what is checked, the funder's words (or a paraphrase), where they stand."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")] = Field(
        description="Short id, unique in the pack (e.g. D2-A), used in reports and pack_rules."
    )
    check: Check
    value: float | None = Field(None, ge=0, description="The limit, for checks with a number.")
    names: list[NonEmpty] = Field(
        [], description="Fonts, headings, paper, personal data or notes, as the check needs."
    )
    classes: list[PublicationClass] = Field(
        [], description="Outputs counted or checked: categories, peer-reviewed, not-peer-reviewed."
    )
    text: NonEmpty = Field(description="The rule as the source states it (quoted or summarised).")
    source: NonEmpty = Field(description="Where the rule stands: URL, document, section.")
    status: Status = Field(
        description="official (the funder's own text), secondary (an NCP, a university office), "
        "unofficial, 'not found' (no text found: the rule is the issue's or a convention), or "
        "derived (follows from other rules)."
    )
    severity: Severity = Field(
        "error", description="error: a failure exits with 4; warning: reported only."
    )

    @model_validator(mode="after")
    def _parameters(self) -> Rule:
        found: list[tuple[Location, str]] = []
        if self.check in NEEDS_VALUE and self.value is None:
            found.append((("value",), f"check '{self.check}' needs a number in 'value'"))
        if self.check in NEEDS_NAMES and not self.names:
            found.append((("names",), f"check '{self.check}' needs a list in 'names'"))
        allowed = {"private_data": PERSONAL, "output_notes": NOTES, "paper": ("a4", "letter")}
        for index, name in enumerate(self.names):
            if self.check in allowed and name not in allowed[self.check]:
                expected = ", ".join(allowed[self.check])
                found.append((("names", index), f"expected one of {expected}, found {name!r}"))
        if found:
            raise ContentError(found)
        return self


class PackSection(Model):
    """A place in the funder's structure: the content's sections of this kind, under the
    funder's heading (or their own title)."""

    kind: NonEmpty = Field(description="A section kind: experience, education, awards, ...")
    title: NonEmpty | None = Field(None, description="The funder's heading for it.")

    @model_validator(mode="after")
    def _known_kind(self) -> PackSection:
        from cvbuild.kinds import KINDS

        known = [kind.name for kind in KINDS]
        if self.kind not in known:
            raise ContentError(
                [
                    (
                        ("kind",),
                        f"unknown section kind {self.kind!r}; expected one of {', '.join(known)}",
                    )
                ]
            )
        return self


class PackLayout(Model):
    """What a variant naming the pack gets unless it sets it itself."""

    sections: list[PackSection] | None = Field(
        None,
        description="The funder's structure: section kinds in order, with the funder's "
        "headings; a variant without `sections` prints the content's sections of these kinds.",
    )

    font_family: Literal["latin-modern", "arial-metric"] | None = None
    font_size: Literal[10, 11, 12] | None = None
    line_spacing: float | None = Field(None, ge=1.0, le=2.0)
    date_style: DateStyle | None = Field(None, description="As variant.date_style.")
    personal_table: list[PersonalRow] | None = Field(
        None, description="As variant.personal_table: a table of personal data after the name."
    )
    personal: list[str] | None = Field(None, description="As variant.personal.")
    metrics: bool | None = Field(None, description="false drops impact tables.")
    show: list[Literal["involvement", "open_access", "significance"]] | None = None
    lists: list[CategoryList] | None = Field(
        None, description="Publication lists in the funder's words (variant.publications.lists)."
    )

    @model_validator(mode="after")
    def _personal_names(self) -> PackLayout:
        found: list[tuple[Location, str]] = [
            (("personal", index), f"expected one of {', '.join(PERSONAL)}, found {name!r}")
            for index, name in enumerate(self.personal or [])
            if name not in PERSONAL
        ]
        if found:
            raise ContentError(found)
        return self


class Pack(Model):
    id: NonEmpty = Field(description="The name variants use, e.g. dfg-53.200@2023.")
    title: NonEmpty
    funder: NonEmpty
    source: NonEmpty = Field(description="The main document the pack follows.")
    status: Status
    note: str = Field("", description="What is known and what not, in a sentence or two.")
    layout: PackLayout = PackLayout()
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Pack:
        ids = [rule.id for rule in self.rules]
        found: list[tuple[Location, str]] = [
            (("rules", index, "id"), f"rule id '{i}' is used twice")
            for index, i in enumerate(ids)
            if i in ids[:index]
        ]
        if found:
            raise ContentError(found)
        return self


# --------------------------------------------------------------------------- finding a pack


def shipped() -> tuple[str, ...]:
    """The ids of the packs cvbuild ships."""
    return tuple(sorted(p.stem for p in PACK_DIR.glob("*.yaml")))


def pack_file(name: str, content_dir: Path | None) -> Path:
    """Where the pack `name` is: a path (ends in .yaml or holds a /, relative to the content
    folder), the content's packs/NAME.yaml, or a shipped pack."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        path = Path(name).expanduser()
        return path if path.is_absolute() or content_dir is None else content_dir / path
    if content_dir is not None:
        for suffix in (".yaml", ".yml"):
            own = content_dir / "packs" / f"{name}{suffix}"
            if own.is_file():
                return own
    path = PACK_DIR / f"{name}.yaml"
    if path.is_file():
        return path
    close = difflib.get_close_matches(name, shipped(), n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise InputError(
        [
            Problem(
                f"unknown pack '{name}'{hint} Shipped packs: {', '.join(shipped())}; or write "
                f"your own as packs/{name}.yaml in the content folder (see README, Funder formats)"
            )
        ]
    )


def load_pack(name: str, content_dir: Path | None = None, language: str = "en") -> Pack:
    """The pack, validated; every problem with its file, line and field (exit 1)."""
    from cvbuild.load import _parse, _plain

    path = pack_file(name, content_dir)
    if not path.is_file():
        raise InputError([Problem(f"pack '{name}' not found: no file {path}")])
    node, problems = _parse(path)
    if problems:
        raise InputError(problems)
    context = {"language": language, "default_language": "en", "gaps": None}
    try:
        return Pack.model_validate(_plain(node, path), context=context)
    except ValidationError as error:
        raise InputError(_problems(error, node, path)) from None


def _problems(error: ValidationError, node: Any, path: Path) -> list[Problem]:
    from cvbuild.load import _locate

    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        cause = (detail.get("ctx") or {}).get("error")
        places = cause.found if isinstance(cause, ContentError) else [((), "")]
        for where, message in places:
            located = _locate(node, (*loc, *where))
            kind = detail["type"]
            at = located.key_at if kind in ("extra_forbidden", "missing") else located.value_at
            line, column = at or (None, None)
            problems.append(
                Problem(message or _message(detail, loc), path, line, column, located.path)
            )
    return list(dict.fromkeys(problems))


def _message(detail: Any, loc: tuple[Any, ...]) -> str:
    kind = detail["type"]
    name = str(loc[-1]) if loc else "?"
    if kind == "extra_forbidden":
        known = sorted({*Pack.model_fields, *Rule.model_fields, *PackLayout.model_fields})
        close = difflib.get_close_matches(name, known, n=1)
        return f"unknown key '{name}'" + (f"; did you mean '{close[0]}'?" if close else "")
    if kind == "missing":
        return f"required key '{name}' is missing"
    if kind == "literal_error":
        return f"expected one of {detail['ctx']['expected']}, found {detail.get('input')!r}"
    message = str(detail["msg"]).removeprefix("Value error, ")
    return f"{message[0].lower()}{message[1:]}, found {detail.get('input')!r}"


# --------------------------------------------------------------------------- the file name


_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_stem(pattern: str, family_name: str) -> str:
    """The file name (without .pdf) a `file_name` rule asks for: `{family_name}` replaced
    (characters no file system takes, such as '/', become '_'); other braces are text."""
    name = _NOT_IN_FILE_NAMES.sub("_", family_name.strip())
    return pattern.replace("{family_name}", name)


def wanted_stem(rules: tuple[Rule, ...], family_name: str) -> str | None:
    """The file name of the pack's first `file_name` rule, None when it has none."""
    pattern = next((rule.names[0] for rule in rules if rule.check == "file_name"), None)
    return None if pattern is None else file_stem(pattern, family_name)


# --------------------------------------------------------------------------- a variant and its pack


def with_layout(variant: Variant, pack: Pack, kinds: Mapping[str, str] | None = None) -> Variant:
    """The variant with the pack's layout wherever the variant sets nothing itself. `kinds`:
    the content's section ids and their kinds, in the content's order."""
    layout = pack.layout
    given = variant.model_fields_set
    if layout.sections is not None and kinds:
        variant = _with_structure(variant, layout.sections, kinds)
    update: dict[str, Any] = {
        name: getattr(layout, name)
        for name in (
            "font_family",
            "font_size",
            "line_spacing",
            "date_style",
            "personal",
            "personal_table",
            "metrics",
        )
        if name not in given and getattr(layout, name) is not None
    }
    publications = variant.publications
    taken = {
        name: getattr(layout, name)
        for name in ("show", "lists")
        if name not in publications.model_fields_set and getattr(layout, name) is not None
    }
    if taken:
        update["publications"] = publications.model_copy(update=taken)
    return variant.model_copy(update=update)


def _with_structure(
    variant: Variant, structure: list[PackSection], kinds: Mapping[str, str]
) -> Variant:
    """The funder's order of sections (unless the variant picks its own) and headings (unless
    the variant titles a section itself)."""
    update: dict[str, Any] = {}
    order = variant.sections
    if not order:
        order = [i for place in structure for i, kind in kinds.items() if kind == place.kind]
        update["sections"] = order
    headings = {place.kind: place.title for place in structure if place.title}
    titles = {i: headings[kinds[i]] for i in order if kinds.get(i) in headings}
    update["titles"] = {**titles, **variant.titles}
    return variant.model_copy(update=update)


def rules_for(pack: Pack, variant: Variant, variant_name: str) -> tuple[Rule, ...]:
    """The pack's rules as the variant tightens them (`pack_rules`); loosening is an error."""
    by_id = {rule.id: rule for rule in pack.rules}
    problems = []
    changed = dict(by_id)
    for rule_id, change in variant.pack_rules.items():
        rule = by_id.get(rule_id)
        where = f"variants.{variant_name}.pack_rules.{rule_id}"
        if rule is None:
            close = difflib.get_close_matches(rule_id, list(by_id), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(
                Problem(
                    f"pack {pack.id} has no rule '{rule_id}'; {hint}its rules: {', '.join(by_id)}",
                    *_at(variant),
                    field=where,
                )
            )
            continue
        update: dict[str, Any] = {}
        if change.severity is not None:
            update["severity"] = change.severity
        if change.value is not None:
            if rule.value is None:
                problems.append(
                    Problem(
                        f"rule {rule_id} ({rule.check}) takes no value", *_at(variant), field=where
                    )
                )
                continue
            upper = rule.check in UPPER_LIMITS
            if (change.value > rule.value) if upper else (change.value < rule.value):
                problems.append(
                    Problem(
                        f"a variant may only tighten its pack: {rule.check} is "
                        f"{rule.value:g} in {pack.id}, so write a value "
                        f"{'at most' if upper else 'at least'} {rule.value:g}, found "
                        f"{change.value:g}",
                        *_at(variant),
                        field=where,
                    )
                )
                continue
            update["value"] = change.value
        changed[rule_id] = rule.model_copy(update=update)
    if problems:
        raise InputError(problems)
    return tuple(changed.values())


def _at(variant: Variant) -> tuple[Path | None, int | None]:
    return variant._source or (None, None)
