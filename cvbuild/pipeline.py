"""The whole build, top to bottom: load → select → render → compile → check.

Each stage is one call; this module only wires them together and puts the PDF (and its PNG
pages) in place atomically and all together, so a failed or interrupted build never replaces a
good PDF, and Ctrl-C leaves a variant's outputs all old or all new. Entry points:
`build` (one variant), `build_variants` (several, side by side), `validate` (load and select
every variant, no TeX) and `export_tex` (render only, for `cvbuild tex`).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from cvbuild import cache
from cvbuild.bibliography import (
    Publication,
    bibliography_notes,
    bibliography_warnings,
    count_by_category,
    link_warnings,
    load_publications,
    owner_summary,
)
from cvbuild.check import check_pdf, document_headings, layout_warnings, length_pt
from cvbuild.compile import (
    compile_project,
    signals_held,
    stop_all,
    stop_on_signals,
    stopped,
    write_standalone,
)
from cvbuild.compose import compose
from cvbuild.dates import PartialDate
from cvbuild.document import Document
from cvbuild.errors import (
    CvbuildError,
    InputError,
    OutputError,
    Problem,
    RuleError,
    TexError,
)
from cvbuild.fields import Gap
from cvbuild.files import commit, discard, staged_copy, sweep
from cvbuild.load import bibliography_spec, content_files, load_cv
from cvbuild.models import CV
from cvbuild.png import Pages, render_pages
from cvbuild.prestart import Prestart, build_lock, newest_time
from cvbuild.progress import SILENT, Progress, clear_replaced, record_replaced, stage_line
from cvbuild.select import Selection, select
from cvbuild.writers import latex

if TYPE_CHECKING:
    from cvbuild.packs import Pack, Rule


@dataclass(frozen=True)
class BuildOptions:
    content_dir: Path
    variant: str
    output: Path
    build_root: Path
    png: bool = False  # also write <output stem>-<page>.png
    pdf_a: bool | None = None  # None: as the content's settings say


@dataclass(frozen=True)
class BuildResult:
    variant: str
    pdf: Path
    pages: int
    counts: dict[str, int]
    inputs: tuple[Path, ...] = ()  # files read besides the content YAML (.bib files, photo)
    images: tuple[Path, ...] = ()  # the PNG pages written beside the PDF (--png)


@dataclass(frozen=True)
class Loaded:
    """The content, and its input files as they were before they were read (for the stamp)."""

    cv: CV
    publications: tuple[Publication, ...]
    seen: cache.Seen


def load_content(content_dir: Path) -> tuple[CV, tuple[Publication, ...]]:
    loaded = _load(content_dir, [])
    return loaded.cv, loaded.publications


def load_for_build(content_dir: Path, build_dirs: list[Path]) -> Loaded:
    """The content as `build` and `build_variants` take it: loaded once by the command, which
    also needs it to know which files the build reads (before any output is replaced)."""
    return _load(content_dir, build_dirs)


def _load(content_dir: Path, build_dirs: list[Path]) -> Loaded:
    """Load, looking at each input file just before it is read: the YAML (and latex/, code, the
    files the last builds read) first, then the .bib files and photo the YAML names."""
    seen = cache.before_reading(content_dir, build_dirs)
    cv = load_cv(content_dir)
    seen = seen.and_also(list(_other_inputs(cv, content_dir)))
    allow = cv.settings.allow_outside_paths
    publications = load_publications(cv.bibliography, content_dir, allow) if cv.bibliography else ()
    return Loaded(cv, publications, seen)


@dataclass(frozen=True)
class Validation:
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


def validate(content_dir: Path) -> Validation:
    """Every problem of the content and its .bib files at once, without TeX; then each
    variant's selection (caps, sections its rules leave empty)."""
    errors: list[str] = []
    warnings: list[str] = []
    gaps: list[Gap] = []  # texts lacking a language a variant is built in
    cv = None
    try:
        cv = load_cv(content_dir, gaps=gaps)
    except InputError as error:
        errors += [str(p) for p in error.problems]
    spec = cv.bibliography if cv else bibliography_spec(content_dir)
    publications: tuple[Publication, ...] = ()
    if spec is not None:
        try:
            publications = load_publications(spec, content_dir)
        except InputError as error:
            errors += [str(p) for p in error.problems]
        warnings += [str(p) for p in bibliography_warnings(publications)]
    if cv is None or errors:
        return Validation(tuple(errors), tuple(warnings))
    warnings += [str(p) for p in link_warnings(publications)]
    in_language = {cv.settings.language: cv}  # the content read once per language
    left_out: list[str] = []
    for name, variant in cv.variants.items():
        language = variant.language or cv.settings.language
        if language not in in_language:
            in_language[language] = load_cv(content_dir, language=language, gaps=gaps)
        try:
            packed, _ = with_pack(in_language[language], content_dir, name)
            selection = select(packed, publications, name, today=_today())
        except CvbuildError as error:
            errors.append(str(error))
            continue
        left_out += [str(p) for p in selection.warnings if str(p) not in left_out]
        printed = {section.id for section in compose(selection, publications).sections}
        file, line = variant._source or (None, None)
        for section in selection.cv.sections:
            if section.id not in printed:
                hint = _EMPTY_HINTS.get(section.kind, "")
                message = f"section '{section.id}' is left out: its rules leave nothing to print"
                left_out.append(str(Problem(message + hint, file, line, field=f"variants.{name}")))
    return Validation(tuple(errors), tuple(warnings + _gap_warnings(gaps) + left_out))


def _gap_warnings(gaps: list[Gap]) -> list[str]:
    """A warning for each text written in several languages that lacks one a variant uses."""
    found = []
    for gap in gaps:
        file, line = gap.at or (None, None)
        message = f"no '{gap.language}' text; the '{gap.used}' one is printed instead"
        found.append(str(Problem(message, file, line)))
    return list(dict.fromkeys(found))


_EMPTY_HINTS = {
    "publications": " (no entry is selected: mark entries with keywords = {selected}, or drop "
    "selected_only from the variant's publications rules)"
}


def in_variant_language(cv: CV, content_dir: Path, variant: str) -> CV:
    """The content read in the variant's language, when it has one of its own (texts written
    as `{en: ..., de: ...}` are chosen when the YAML is read)."""
    chosen = cv.variants.get(variant)
    if chosen is None or chosen.language in (None, cv.settings.language):
        return cv
    return load_cv(content_dir, language=chosen.language)


def export_tex(content_dir: Path, variant: str, directory: Path) -> Path:
    """Write a variant as a self-contained LaTeX project for hand-tuning (no TeX run)."""
    cv, publications = load_content(content_dir)
    cv = in_variant_language(cv, content_dir, variant)
    cv, _ = with_pack(cv, content_dir, variant)
    selection = select(cv, publications, variant, today=_today())
    return write_standalone(latex.write(compose(selection, publications)), directory)


def write_document(
    content: tuple[CV, tuple[Publication, ...]], content_dir: Path, variant: str, suffix: str
) -> bytes:
    """One variant as Markdown, HTML or DOCX: the same selection and composition as its PDF."""
    from cvbuild.writers import docx, html, markdown

    cv, publications = content
    cv = in_variant_language(cv, content_dir, variant)
    cv, _ = with_pack(cv, content_dir, variant)
    document = compose(select(cv, publications, variant, today=_today()), publications)
    if suffix == "docx":
        return docx.write(document)
    writer = {"md": markdown.write, "html": html.write}[suffix]
    return writer(document).encode("utf-8")


def cache_key(options: BuildOptions) -> str:
    return cache.options_key(
        options.content_dir, options.variant, options.output, options.pdf_a, options.png
    )


T = TypeVar("T")
# What the layout check read of each page of the last build (check.read_pages_remembered).
LAYOUT_MEMORY = "cv.pages.json"
_PUBLISHING = threading.Lock()  # held while a variant's outputs are put in place


@dataclass(frozen=True)
class Outcome:
    """One variant of a multi-variant build: what it printed, and its result or its error."""

    options: BuildOptions
    lines: tuple[str, ...]
    result: BuildResult | None
    error: CvbuildError | None


def build_variants(
    all_options: list[BuildOptions], loaded: Loaded | None = None, load_seconds: float = 0.0
) -> list[Outcome]:
    """Several variants at once: the content is loaded once (or was, in `load_seconds`), the TeX
    runs go side by side on the available cores (each variant has its own build directory).

    Ctrl-C (or SIGTERM, SIGHUP) stops every TeX run at once; a variant whose outputs are being
    put in place finishes that, no other variant's outputs are touched after the interrupt."""
    clear_replaced()
    with stop_on_signals():
        began = time.monotonic()
        build_dirs = [options.build_root / options.variant for options in all_options]
        loaded = loaded or _load(all_options[0].content_dir, build_dirs)
        line = stage_line("load", load_seconds + time.monotonic() - began)
        return _side_by_side([partial(_one, options, loaded, line) for options in all_options])


def _one(options: BuildOptions, loaded: Loaded, loaded_line: str) -> Outcome:
    lines: list[str] = [loaded_line]
    progress = Progress(
        message=lines.append,
        finished=lambda stage, seconds: lines.append(stage_line(stage, seconds)),
    )
    try:
        result = _build_variant(options, progress, loaded)
    except CvbuildError as error:
        return Outcome(options, tuple(lines), None, error)
    return Outcome(options, tuple(lines), result, None)


def _side_by_side(jobs: list[Callable[[], Outcome]]) -> list[Outcome]:
    from concurrent.futures import ThreadPoolExecutor, wait  # (imports logging: not for one)

    pool = ThreadPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1)))
    try:
        futures = [pool.submit(job) for job in jobs]
        while wait(futures, timeout=0.1).not_done:  # awake for Ctrl-C, whichever thread the
            pass  # kernel hands the signal to
        return [future.result() for future in futures]
    except BaseException:  # Ctrl-C: stop every TeX run, not only this thread's
        with _PUBLISHING:  # (a publication in progress ends first; none starts after)
            stop_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def build(
    options: BuildOptions,
    progress: Progress = SILENT,
    loaded: Loaded | None = None,
    prestarted: Prestart | None = None,
) -> BuildResult:
    """Build one variant; on success, stamp its inputs so that an unchanged rebuild is skipped
    (`cache.up_to_date`). SIGTERM and SIGHUP stop it as Ctrl-C does. `prestarted`: its first
    TeX pass, started by the caller before the content was read (cvbuild.prestart)."""
    clear_replaced()
    with stop_on_signals():
        return _build_variant(options, progress, loaded, prestarted)


def _build_variant(
    options: BuildOptions,
    progress: Progress,
    loaded: Loaded | None,
    prestarted: Prestart | None = None,
) -> BuildResult:
    build_dir = options.build_root / options.variant
    cache.forget(build_dir)
    printed: list[str] = []
    tell = progress.message

    def say(line: str) -> None:
        printed.append(line)
        tell(line)

    progress = replace(progress, message=say)
    if loaded is None:
        loaded = _stage(progress, "load", lambda: _load(options.content_dir, [build_dir]))
    result = _build(options, progress, loaded, prestarted)
    changed = cache.record(
        build_dir,
        cache_key(options),
        loaded.seen,
        cache.fixed_inputs(options.content_dir) + list(result.inputs),
        options.output,
        cache.Stamp(result.pages, tuple(printed)),
        result.images,
    )
    if changed:
        names = ", ".join(_shown(path) for path in changed[:3])
        say(
            f"note: {names} changed while this build ran, so the PDF may not show that change; "
            "the next build will (watch starts it by itself)"
        )
    return result


def _shown(path: Path) -> str:
    return str(Problem("", path)).rstrip(": ")


def _stage(progress: Progress, name: str, action: Callable[[], T]) -> T:
    progress.started(name)
    started = time.monotonic()
    result = action()
    progress.finished(name, time.monotonic() - started)
    return result


def with_pack(cv: CV, content_dir: Path, variant: str) -> tuple[CV, Packed | None]:
    """The CV with the variant's pack layout filled in, and the pack with the variant's rules
    (None for a variant without a pack)."""
    chosen = cv.variants.get(variant)
    if chosen is None or chosen.pack is None:
        return cv, None
    from cvbuild.packs import load_pack, rules_for, with_layout

    pack = load_pack(chosen.pack, content_dir, chosen.language or cv.settings.language)
    rules = rules_for(pack, chosen, variant)
    kinds = {section.id: section.kind for section in cv.sections}
    variants = {**cv.variants, variant: with_layout(chosen, pack, kinds)}
    return cv.model_copy(update={"variants": variants}), Packed(pack, rules)


def default_stems(content_dir: Path, variants: list[str], cv: CV | None = None) -> dict[str, str]:
    """Each variant's PDF file name (without .pdf) when no -o names it: the one its pack asks
    for (`file_name` rule, e.g. CV_PubList_Lapuschkin), else the variant's name. Needs the
    content (the loaded `cv`, else it is read), so `cvbuild pdf` asks only for builds that are
    not unchanged."""
    cv = cv if cv is not None else load_cv(content_dir)
    stems = {}
    for variant in variants:
        chosen = cv.variants.get(variant)
        stem = None
        if chosen is not None and chosen.pack is not None:
            from cvbuild.packs import wanted_stem

            _, packed = with_pack(cv, content_dir, variant)
            stem = wanted_stem(packed.rules, cv.person.family_name) if packed else None
        stems[variant] = stem or variant
    return stems


@dataclass(frozen=True)
class Packed:
    pack: Pack
    rules: tuple[Rule, ...]


def _build(
    options: BuildOptions, progress: Progress, loaded: Loaded, prestarted: Prestart | None
) -> BuildResult:
    cv, publications = loaded.cv, loaded.publications
    cv = in_variant_language(cv, options.content_dir, options.variant)
    cv, packed = with_pack(cv, options.content_dir, options.variant)
    report = progress.message
    if options.pdf_a is not None:
        cv = cv.model_copy(
            update={"settings": cv.settings.model_copy(update={"pdf_a": options.pdf_a})}
        )
    selection = _stage(
        progress, "select", lambda: select(cv, publications, options.variant, today=_today())
    )
    counts = count_by_category(selection.publications)
    if selection.publications:
        report(" · ".join(f"{category} {count}" for category, count in counts.items()))
        report(owner_summary(selection.publications))
    for note in bibliography_notes(publications):
        report(note)
    for problem in (
        *bibliography_warnings(publications),
        *selection.warnings,
        *link_warnings(selection.publications),
    ):
        report(f"warning: {problem}")
    document = _stage(progress, "compose", lambda: compose(selection, publications))
    project = _stage(progress, "write", lambda: latex.write(document))
    build_dir = options.build_root / options.variant
    epoch_from = () if cv.settings.as_of else _epoch_inputs(cv, options)
    epoch = _epoch(cv.settings.as_of) if cv.settings.as_of else newest_time(epoch_from)
    with build_lock(build_dir) if prestarted is None else prestarted.held():
        try:
            result = compile_project(project, build_dir, source_date_epoch=epoch,
                                     epoch_from=epoch_from, progress=progress,
                                     prestarted=prestarted)  # fmt: skip
        except TexError as error:
            raise _pointing_at_content(error, publications, options.content_dir) from None
        for warning in result.warnings:
            report(f"warning: {warning}")
        pdf_report = _stage(
            progress, "check", lambda: check_pdf(result.pdf, result.pages, selection)
        )
        margin = length_pt(document.layout.margins)
        # casual's contact footer takes 1 cm more of the bottom margin (latex/cvbuild.sty)
        bottom = margin + (length_pt("1cm") if document.layout.style == "casual" else 0)
        headings = document_headings(document)
        memory = build_dir / LAYOUT_MEMORY
        for warning in layout_warnings(
            result.pdf, headings, margin, bottom, memory=memory, pages_written=result.pages
        ):
            report(f"warning: {options.variant}: {warning}")
        pages = None
        if options.png:
            pages = _stage(
                progress, "png", lambda: render_pages(result.pdf, build_dir, options.output)
            )
        _publish(result.pdf, options.output, pages)
        if pages is not None:
            report(f"PNG: {pages.targets[0]} ... ({len(pages.targets)} pages)")
    problems = list(pdf_report.problems)
    if packed is not None:
        problems += _preflight(options, packed, selection, document, progress)
    if problems:
        raise RuleError("\n".join(problems) + f"\n(the PDF was written to {options.output})")
    return BuildResult(
        options.variant,
        options.output,
        pdf_report.pages,
        counts,
        _other_inputs(cv, options.content_dir),
        pages.targets if pages else (),
    )


def _preflight(
    options: BuildOptions,
    packed: Packed,
    selection: Selection,
    document: Document,
    progress: Progress,
) -> list[str]:
    """Check the written PDF against the pack; write out/<variant>.preflight.txt and .json.
    Warnings are printed; the failed error-level rules are returned (exit 4)."""
    from cvbuild import preflight as check

    printed = tuple(reference.publication for reference in document.references)
    content = check.Content(selection, printed)
    found = _stage(
        progress,
        "preflight",
        lambda: check.preflight(
            options.output, packed.pack, packed.rules, content, locale=document.locale
        ),
    )
    stem = options.output.parent / options.variant
    written = check.write_reports(found, document.locale, stem)
    for finding in found.findings:
        if finding.outcome == "warn":
            progress.message(
                f"warning: {options.variant}: {packed.pack.id} {finding.rule.id}: "
                f"{finding.measured} ({finding.rule.text})"
            )
    progress.message(f"preflight: {check.summary(found, document.locale)} ({written})")
    return [check.failure_message(found, document.locale)] if found.failed else []


def _pointing_at_content(
    error: TexError, publications: tuple[Publication, ...], content_dir: Path
) -> TexError:
    """The same error, with a line naming the .bib entry or section behind it (before the
    pointer to the log, which matters less)."""
    message, culprit = str(error), _culprit(error, publications, content_dir)
    head, separator, log_line = message.rpartition("\nFull log:")
    message = f"{head}{culprit}{separator}{log_line}" if separator else message + culprit
    return TexError(message, error.section, error.entry, error.source)


def _culprit(error: TexError, publications: tuple[Publication, ...], content_dir: Path) -> str:
    if error.entry:
        entry = next((p for p in publications if error.entry in (p.key, p.bib_key)), None)
        where = _where(entry.file, entry.line) if entry else ""
        return f"\nCaused by the .bib entry '{error.entry}'{where}: check its fields."
    if error.source:
        name, _, line = error.source.rpartition(":")
        section = f" of the section '{error.section}'" if error.section else ""
        return f"\nIn the item{section} at {content_dir / name}:{line}."
    if error.section:
        return f"\nIn the section '{error.section}'."
    return ""


def _where(file: Path | None, line: int | None) -> str:
    """' (sections.yaml:40)', written as problems are; '' when the place is unknown."""
    return f" ({str(Problem('', file, line)).rstrip(': ')})" if file else ""


def _today() -> PartialDate:
    today = dt.date.today()
    return PartialDate(today.year, today.month, today.day)


def _epoch(date: PartialDate) -> int:
    """A fixed time stamp for the PDF, from the CV's as-of date (noon UTC)."""
    moment = dt.datetime(date.year, date.month or 1, date.day or 1, 12, tzinfo=dt.UTC)
    return int(moment.timestamp())


def _epoch_inputs(cv: CV, options: BuildOptions) -> tuple[Path, ...]:
    """Without an as-of date, the PDF's time stamp is that of the newest content or .bib file,
    so the same files give the same PDF whenever they are built."""
    files = [*content_files(options.content_dir), *_bib_files(cv, options.content_dir)]
    return tuple(f.absolute() for f in files if f.exists())


def _bib_files(cv: CV, content_dir: Path) -> tuple[Path, ...]:
    return tuple(content_dir / name for name in cv.bibliography.files) if cv.bibliography else ()


def _other_inputs(cv: CV, content_dir: Path) -> tuple[Path, ...]:
    """What the build reads besides the YAML, latex/ and code: the .bib files, the photo and
    the content's own rule packs."""
    photo = (content_dir / cv.person.photo,) if cv.person.photo else ()
    return _bib_files(cv, content_dir) + photo + _own_packs(cv, content_dir)


def _own_packs(cv: CV, content_dir: Path) -> tuple[Path, ...]:
    """The pack files the variants name that are not cvbuild's (those count as its code)."""
    found = []
    for variant in cv.variants.values():
        if variant.pack is None:
            continue
        from cvbuild.packs import PACK_DIR, pack_file  # (only for content that uses packs)

        try:
            path = pack_file(variant.pack, content_dir)
        except InputError:
            continue  # the build says so when it loads the pack
        if path.parent != PACK_DIR:
            found.append(path)
    return tuple(dict.fromkeys(found))


def _publish(pdf: Path, output: Path, pages: Pages | None = None) -> None:
    """Put the PDF and its PNG pages in place together. Each is first copied beside its target
    (a full disk or Ctrl-C stops there, with nothing replaced), then all are renamed at once
    with signals held: an interrupt leaves the variant's outputs all old or all new."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"cannot write the PDF to {output}: its folder {output.parent} cannot be made "
            f"({error.strerror})"
        ) from None
    images = list(zip(pages.images, pages.targets, strict=True)) if pages else []
    staged: list[tuple[Path, Path]] = []
    try:
        for source, target in [(pdf, output), *images]:
            staged.append((staged_copy(source, target), target))
    except OSError as error:
        for temporary, _ in staged:
            discard(temporary)
        raise OutputError(
            f"cannot write {target}: {error.strerror or error}. No output was changed."
        ) from None
    except BaseException:
        for temporary, _ in staged:
            discard(temporary)
        raise
    with signals_held(), _PUBLISHING:
        if stopped():  # another variant was interrupted: leave everything as it was
            for temporary, _ in staged:
                discard(temporary)
            raise KeyboardInterrupt
        try:
            for temporary, target in staged:
                commit(temporary, target)
            for old in pages.stale if pages else ():
                old.unlink(missing_ok=True)
        except OSError as error:
            for temporary, _ in staged:
                discard(temporary)
            raise OutputError(
                f"cannot put {target} in place: {error.strerror or error}. The PDF and its "
                "PNG pages may now be from different builds: build again."
            ) from None
        record_replaced(f"{output}" + (f" and its {len(images)} PNG pages" if images else ""))
    for _, target in staged:
        sweep(target)
