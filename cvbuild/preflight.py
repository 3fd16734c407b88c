"""Stage 6: preflight. Hold a finished PDF against a funder's rule pack (cvbuild.packs).

What the PDF shows is read back from the PDF itself (pypdf): pages, paper, fonts and whether they
are embedded, the body text's size and line spacing, margins, images, metric-looking words,
headings, an ORCID iD. What only the content knows (outputs per group, DOIs, notes on each
output, contract end, private data printed) is checked on the variant's selection; a PDF checked
without its content (`cvbuild preflight PDF --pack ...`) reports those rules as not checked.
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from cvbuild import __version__
from cvbuild.bibliography import Publication
from cvbuild.dates import PartialDate, Period
from cvbuild.locale import Locale, available, locale_for
from cvbuild.packs import Pack, Rule, file_stem
from cvbuild.select import Selection, group_members

Outcome = Literal["pass", "fail", "warn", "unchecked"]

# Sizes carrying less than this share of the characters are not "body text" (superscripts,
# a footer line, the small print of a header); the body's minimum size ignores them.
BODY_SHARE = 0.03
# Text may end this far past the right margin (microtype's protrusion of punctuation) and pass.
RIGHT_HANG = 2.0
_PAPER = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}
_ORCID = re.compile(r"\b\d{4}-\d{4}-\d{4}-\d{3}[\dX]\b")


@dataclass(frozen=True)
class Finding:
    rule: Rule
    outcome: Outcome
    measured: str


@dataclass(frozen=True)
class Report:
    pdf: Path
    pack: Pack
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.outcome == "fail")


@dataclass(frozen=True)
class Glyphs:
    """A run of text as the PDF draws it."""

    page: int
    x: float  # left edge, pt from the page's left
    baseline: float  # pt from the page's top
    size: float  # pt, as drawn (font size times the text matrix's scale)
    font: str  # base font name without the subset prefix
    text: str


@dataclass(frozen=True)
class PdfFacts:
    pages: tuple[tuple[float, float], ...]  # width, height of each page in pt
    runs: tuple[Glyphs, ...]
    images: int
    unembedded: tuple[str, ...]  # fonts not embedded, or Type 3 bitmaps
    text: str
    # The right edge (pt from the left) of each page's rightmost text, from PDFium's text boxes:
    # pypdf gives no glyph widths. Empty: not measured (then the right margin is not checked).
    right_edges: tuple[float, ...] = ()

    def sizes(self) -> Counter[float]:
        """Characters drawn at each size (rounded to 0.1 pt)."""
        counts: Counter[float] = Counter()
        for run in self.runs:
            counts[round(run.size, 1)] += len(run.text.strip())
        return counts

    def body_size(self) -> float:
        sizes = self.sizes()
        return sizes.most_common(1)[0][0] if sizes else 0.0


def read_pdf(pdf: Path) -> PdfFacts:
    """Everything the PDF rules look at, read once."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    pages, runs, texts, images, unembedded = [], [], [], 0, set()
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        pages.append((width, height))

        def visit(
            text: str,
            cm: list[float],
            tm: list[float],
            font: Any,
            size: float,
            n: int = number,
            height: float = height,
        ) -> None:
            if not text.strip():
                return
            scale = abs(tm[3] * cm[3]) or abs(tm[1] * cm[1]) or 1.0
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            name = str(font.get("/BaseFont", "")) if font else ""
            runs.append(
                Glyphs(n, x, height - y, size * scale, name.lstrip("/").split("+")[-1], text)
            )

        texts.append(page.extract_text(visitor_text=visit) or "")
        images += len(_images(page))
        unembedded |= _unembedded(page)
    return PdfFacts(
        tuple(pages), tuple(runs), images, tuple(sorted(unembedded)), "\n".join(texts),
        _right_edges(pdf),
    )  # fmt: skip


def _right_edges(pdf: Path) -> tuple[float, ...]:
    """Each page's rightmost text edge, read as the layout check reads it (one place)."""
    from cvbuild.check import text_boxes

    pages = text_boxes(pdf, overprinting=False)
    return tuple(max((box.x1 for box in page.boxes), default=0.0) for page in pages)


def _images(page: Any) -> list[Any]:
    """The page's image objects, also inside forms (a photo included from a PDF), counted
    without decoding them."""
    found: list[Any] = []

    def visit(resources: Any, depth: int) -> None:
        objects = resources.get_object().get("/XObject") if resources else None
        for item in (objects.get_object() if objects else {}).values():
            item = item.get_object()
            if item.get("/Subtype") == "/Image":
                found.append(item)
            elif item.get("/Subtype") == "/Form" and depth < 8:
                visit(item.get("/Resources"), depth + 1)

    visit(page.get("/Resources"), 0)
    return found


def _unembedded(page: Any) -> set[str]:
    found: set[str] = set()
    resources = page.get("/Resources")
    fonts = resources.get_object().get("/Font") if resources else None
    for font in (fonts.get_object() if fonts else {}).values():
        font = font.get_object()
        name = str(font.get("/BaseFont", "?")).lstrip("/").split("+")[-1]
        if font.get("/Subtype") == "/Type3":
            found.add(f"{name} (Type 3 bitmap)")
            continue
        if font.get("/Subtype") == "/Type0":
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor else {}
        if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            found.add(name)
    return found


# --------------------------------------------------------------------------- the rules


def preflight(
    pdf: Path,
    pack: Pack,
    rules: tuple[Rule, ...],
    content: Content | None,
    family_name: str = "",
    locale: Locale | None = None,
) -> Report:
    """Each rule's outcome on this PDF (and, when given, the content it was built from)."""
    facts = read_pdf(pdf)
    words = (locale or locale_for("en")).preflight
    findings = []
    for rule in rules:
        passed, measured = _measure(rule, facts, content, pdf, family_name, Say(words))
        if passed is None:
            outcome: Outcome = "unchecked"
        elif passed:
            outcome = "pass"
        else:
            outcome = "fail" if rule.severity == "error" else "warn"
        findings.append(Finding(rule, outcome, measured))
    return Report(pdf, pack, tuple(findings))


Measured = tuple[bool | None, str]


@dataclass(frozen=True)
class Say:
    """The measured values in the report's language (the locale's `preflight` words)."""

    words: Mapping[str, str]

    def __call__(self, key: str, **values: object) -> str:
        return self.words[key].format(**values)


@dataclass(frozen=True)
class Content:
    """What the PDF was built from: the variant's selection and the publications as printed
    (in the document's lists, with only the notes the variant shows)."""

    selection: Selection
    printed: tuple[Publication, ...]


def _measure(
    rule: Rule,
    facts: PdfFacts,
    content: Content | None,
    pdf: Path,
    family: str,
    say: Say | None = None,
) -> Measured:
    say = say or Say(locale_for("en").preflight)
    check = rule.check
    if check in _PDF_CHECKS:
        return _PDF_CHECKS[check](rule, facts, say)
    if check == "file_name":
        owner = content.selection.cv.person.family_name if content else ""
        return _file_name(rule, pdf, family or owner, say)
    if content is None:
        return None, ""
    return _CONTENT_CHECKS[check](rule, content, say)


def _max_pages(rule: Rule, facts: PdfFacts, say: Say) -> Measured:
    pages = len(facts.pages)
    return pages <= (rule.value or 0), say("pages", count=pages)


def _paper(rule: Rule, facts: PdfFacts, say: Say) -> Measured:
    wanted = [_PAPER[name] for name in rule.names if name in _PAPER]
    odd = [
        i
        for i, (w, h) in enumerate(facts.pages, start=1)
        if not any(abs(w - a) < 3 and abs(h - b) < 3 for a, b in wanted)
    ]
    first = facts.pages[0] if facts.pages else (0.0, 0.0)
    size = f"{first[0] / 72 * 25.4:.0f} × {first[1] / 72 * 25.4:.0f} mm"
    return not odd, size + (say("other_size", pages=_list(odd, say)) if odd else "")


def _body_sizes(facts: PdfFacts) -> list[float]:
    sizes = facts.sizes()
    total = sum(sizes.values()) or 1
    return sorted(size for size, count in sizes.items() if count / total >= BODY_SHARE)


def _min_font_size(rule: Rule, facts: PdfFacts, say: Say) -> Measured:
    sizes = _body_sizes(facts)
    if not sizes:
        return False, say("no_text")
    smallest = sizes[0]
    share = facts.sizes()[smallest] / (sum(facts.sizes().values()) or 1)
    return smallest >= (rule.value or 0) - 0.05, say(
        "size", size=f"{smallest:g}", share=f"{share:.0%}"
    )


def _font_family(rule: Rule, facts: PdfFacts, say: Say) -> Measured:
    chars: Counter[str] = Counter()
    for run in facts.runs:
        chars[run.font] += len(run.text.strip())
    total = sum(chars.values()) or 1
    body = [font for font, count in chars.most_common() if count / total >= BODY_SHARE]
    wanted = [re.sub(r"[\s-]", "", name).lower() for name in rule.names]
    other = [f for f in body if not any(w in re.sub(r"[\s-]", "", f).lower() for w in wanted)]
    shown = ", ".join(body[:4])
    return not other and bool(body), shown + (
        say("not_allowed", names=", ".join(other)) if other else ""
    )


def _min_line_spacing(rule: Rule, facts: PdfFacts, say: Say) -> Measured:
    body = facts.body_size()
    gaps = []
    for page in range(1, len(facts.pages) + 1):
        baselines = sorted(
            {
                round(r.baseline, 1)
                for r in facts.runs
                if r.page == page and abs(r.size - body) < 0.2
            }
        )
        gaps += [b - a for a, b in itertools.pairwise(baselines) if 0.5 * body < b - a < 2 * body]
    if not gaps:
        return None, say("few_lines")
    spacing = statistics.quantiles(gaps, n=4)[0] if len(gaps) > 1 else gaps[0]
    ratio = spacing / body
    return ratio >= (rule.value or 0) - 0.005, f"{ratio:.2f} ({spacing:.1f} pt / {body:g} pt)"


def _min_margin(rule: Rule, facts: PdfFacts, say: Say) -> Measured:
    if not facts.runs:
        return None, say("no_text")
    limit = (rule.value or 0) * 72 / 2.54
    left = min(r.x for r in facts.runs)
    top = min(r.baseline - r.size for r in facts.runs)
    bottom = min(facts.pages[r.page - 1][1] - r.baseline for r in facts.runs)
    pairs = zip(facts.pages, facts.right_edges, strict=False)  # no edges: not measured
    right = min((width - edge for (width, _), edge in pairs if edge > 0), default=None)
    passed = min(left, top, bottom) >= limit - 0.5
    if right is not None:
        passed = passed and right >= limit - RIGHT_HANG
    shown = say(
        "margins",
        left=_cm(left),
        right=say("not_measured") if right is None else _cm(right),
        top=_cm(top),
        bottom=_cm(bottom),
    )
    return passed, shown


def _cm(points: float) -> str:
    return f"{points / 72 * 2.54:.2f}"


def _fonts_embedded(rule: Rule, facts: PdfFacts, say: Say) -> Measured:
    bad = facts.unembedded
    return not bad, say("all_embedded") if not bad else say("not_embedded", names=", ".join(bad))


def _no_images(rule: Rule, facts: PdfFacts, say: Say) -> Measured:
    return facts.images == 0, say("images" if facts.images != 1 else "image", count=facts.images)


def metric_terms(extra: list[str]) -> tuple[str, ...]:
    """Every language's metric words (a German CV may quote an English h-index), and the rule's."""
    terms = [term for language in available() for term in locale_for(language).metric_terms]
    return tuple(dict.fromkeys([*terms, *extra]))


def _no_metrics(rule: Rule, facts: PdfFacts, say: Say) -> Measured:
    # a word broken at a line's end: "im-/pact" is one word, "h-/index" keeps its hyphen
    texts = [re.sub(r"\s+", " ", re.sub(r"-\s*\n\s*", join, facts.text)) for join in ("-", "")]
    found: list[str] = []
    for term in metric_terms(rule.names):
        words = r"[\s-]*".join(map(re.escape, re.split(r"[\s-]+", term)))
        pattern = r"(?<!\w)" + words + r"(?!\w)"
        for text in texts:
            for match in re.finditer(pattern, text, re.IGNORECASE):
                start = max(0, match.start() - 20)
                quoted = f"'…{text[start : match.end() + 20].strip()}…'"
                if quoted not in found:
                    found.append(quoted)
    return not found, say("found", count=len(found), quotes="; ".join(found[:3])) if found else say(
        "none_found"
    )


def _orcid(rule: Rule, facts: PdfFacts, say: Say) -> Measured:
    match = _ORCID.search(facts.text)
    return bool(match), match.group() if match else say("no_orcid")


def _headings(rule: Rule, facts: PdfFacts, say: Say) -> Measured:
    squashed = re.sub(r"\s+", "", facts.text).lower()
    missing = [name for name in rule.names if re.sub(r"\s+", "", name).lower() not in squashed]
    return not missing, say("all_found") if not missing else say(
        "missing", names=", ".join(missing)
    )


def _file_name(rule: Rule, pdf: Path, family: str, say: Say) -> Measured:
    pattern = rule.names[0]  # "{family_name}" is the one placeholder; other braces are text
    if family:
        wanted = re.escape(file_stem(pattern, family))
    else:
        wanted = ".+".join(map(re.escape, pattern.split("{family_name}")))
    ok = re.fullmatch(wanted, pdf.stem, re.IGNORECASE) is not None
    expected = (
        file_stem(pattern, family) if family else pattern.replace("{family_name}", "<lastname>")
    ) + ".pdf"
    return ok, pdf.name + ("" if ok else say("expected", name=expected))


_PDF_CHECKS = {
    "max_pages": _max_pages,
    "paper": _paper,
    "min_font_size": _min_font_size,
    "font_family": _font_family,
    "min_line_spacing": _min_line_spacing,
    "min_margin": _min_margin,
    "fonts_embedded": _fonts_embedded,
    "no_images": _no_images,
    "no_metrics": _no_metrics,
    "orcid": _orcid,
    "headings": _headings,
}


def _outputs(rule: Rule, content: Content) -> list[Publication]:
    printed = content.printed
    return group_members(printed, rule.classes) if rule.classes else list(printed)


def _max_outputs(rule: Rule, content: Content, say: Say) -> Measured:
    outputs = _outputs(rule, content)
    shown = say("outputs", count=len(outputs))
    if len(outputs) > (rule.value or 0):
        shown += f": {', '.join(p.key for p in outputs)}"
    return len(outputs) <= (rule.value or 0), shown


def _lacking(rule: Rule, content: Content, has: Any, say: Say) -> Measured:
    outputs = _outputs(rule, content)
    if not outputs:
        return True, say("no_outputs")
    missing = [p.key for p in outputs if not has(p)]
    shown = say("of", part=len(outputs) - len(missing), total=len(outputs))
    return not missing, shown + (say("missing_after", names=_list(missing, say)) if missing else "")


def _output_links(rule: Rule, content: Content, say: Say) -> Measured:
    return _lacking(
        rule, content, lambda p: any(p.fields.get(k) for k in ("doi", "url", "eprint")), say
    )


def _output_notes(rule: Rule, content: Content, say: Say) -> Measured:
    return _lacking(rule, content, lambda p: all(getattr(p, n) for n in rule.names), say)


def _contract_end(rule: Rule, content: Content, say: Say) -> Measured:
    end = content.selection.cv.person.contract_end
    return end is not None, str(end) if end else say("no_contract_end")


def _private_data(rule: Rule, content: Content, say: Say) -> Measured:
    person = content.selection.cv.person
    held = {
        "birth": person.date_of_birth or person.place_of_birth,
        "nationality": person.nationality,
        "address": person.address,
        "phone": person.phone,
        "photo": person.photo,
        "email": person.email,
        "profiles": person.profiles,
        "headline": person.headline,
        "academic_title": person.academic_title,
        "former_name": person.former_name,
        "contract_end": person.contract_end,
    }
    printed = [name for name in rule.names if held.get(name)]
    return not printed, say("printed", names=", ".join(printed)) if printed else say("none_printed")


def _full_dates(rule: Rule, content: Content, say: Say) -> Measured:
    dates = [
        date
        for section in content.selection.cv.sections
        if section.kind in ("experience", "education")
        for date in _dates(section)
    ]
    if not dates:
        return True, say("no_dates")
    partial = sum(1 for date in dates if date.day is None)
    return partial == 0, say("full_dates", part=len(dates) - partial, total=len(dates))


def _dates(value: Any) -> Iterator[PartialDate]:
    """Every date in a section (its items' periods, at any depth)."""
    if isinstance(value, PartialDate):
        yield value
    elif isinstance(value, Period):
        yield value.start
        if value.end is not None and value.end != value.start:
            yield value.end
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _dates(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _dates(item)


_CONTENT_CHECKS = {
    "max_outputs": _max_outputs,
    "output_links": _output_links,
    "output_notes": _output_notes,
    "contract_end": _contract_end,
    "private_data": _private_data,
    "full_dates": _full_dates,
}


def _list(items: list[Any], say: Say, limit: int = 8) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (say("more", count=len(items) - limit) if len(items) > limit else "")


# --------------------------------------------------------------------------- the reports


def report_text(report: Report, locale: Locale, checked_content: bool = True) -> str:
    """One line per rule: outcome, id, measured value, the rule's text, source and status."""
    words = locale.preflight
    title = words["title"].format(
        pdf=report.pdf.name, pack=f"{report.pack.id} ({report.pack.title})"
    )
    lines = [f"cvbuild {__version__} · {title}"]
    width = max(len(words[o]) for o in ("pass", "fail", "warn", "unchecked"))
    for finding in report.findings:
        rule = finding.rule
        measured = f"{words['measured']} {finding.measured}"
        if finding.outcome == "unchecked":
            measured = finding.measured or words["no_content"]
        lines.append(
            f"{words[finding.outcome]:<{width}}  {rule.id}: {measured} | "
            f"{rule.text} | {words['source']}: {rule.source} ({rule.status})"
        )
    lines.append(summary(report, locale))
    return "\n".join(lines) + "\n"


def summary(report: Report, locale: Locale) -> str:
    count = Counter(f.outcome for f in report.findings)
    return locale.preflight["summary"].format(
        failed=count["fail"], total=len(report.findings), warned=count["warn"],
        unchecked=count["unchecked"],
    )  # fmt: skip


def report_json(report: Report) -> str:
    data = {
        "generator": f"cvbuild {__version__}",
        "pdf": report.pdf.name,
        "pack": {"id": report.pack.id, "title": report.pack.title, "source": report.pack.source},
        "rules": [
            {
                "id": f.rule.id,
                "check": f.rule.check,
                "severity": f.rule.severity,
                "outcome": f.outcome,
                "measured": f.measured,
                "text": f.rule.text,
                "source": f.rule.source,
                "status": f.rule.status,
            }
            for f in report.findings
        ],
        "failed": [f.rule.id for f in report.failed],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def is_preflight_report(path: Path) -> bool:
    """A report cvbuild wrote (so a later preflight may replace it)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(400).decode("utf-8", errors="replace")
    except OSError:
        return False
    return head.startswith("cvbuild ") or '"generator": "cvbuild ' in head


def write_reports(report: Report, locale: Locale, stem: Path, content: bool = True) -> Path:
    """Write STEM.preflight.txt and .json (only over reports cvbuild wrote); the .txt's path."""
    from cvbuild import outputs

    targets = [stem.with_name(stem.name + ".preflight" + suffix) for suffix in (".txt", ".json")]
    refusals = [
        outputs.refusal(t, inputs=lambda: (), ours=is_preflight_report, force=False)
        for t in targets
    ]
    outputs.refuse([r for r in refusals if r], "remove it or use another --out-dir")
    targets[0].parent.mkdir(parents=True, exist_ok=True)
    outputs.write_file(targets[0], report_text(report, locale, content).encode("utf-8"))
    outputs.write_file(targets[1], report_json(report).encode("utf-8"))
    return targets[0]


def failure_message(report: Report, locale: Locale) -> str:
    """The failed error-level rules, one line each, for the exit-4 message."""
    lines = [
        f"{f.rule.id} ({f.rule.check}): {f.measured} | {f.rule.text} | {f.rule.source}"
        for f in report.failed
    ]
    return "\n".join([f"{report.pack.id}: {summary(report, locale)}", *lines])
