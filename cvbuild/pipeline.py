"""The whole build, top to bottom: load → select → render → compile → check.

Each stage is one call; this module only wires them together and puts the PDF in place
atomically, so a failed or interrupted build never replaces a good PDF. Entry points:
`build` (one variant), `build_variants` (several, side by side), `validate` (load and select
every variant, no TeX) and `export_tex` (render only, for `cvbuild tex`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from cvbuild import cache
from cvbuild.bibliography import (
    Publication,
    count_by_category,
    link_warnings,
    load_publications,
)
from cvbuild.check import check_pdf
from cvbuild.compile import (
    build_lock,
    compile_project,
    stop_all,
    write_png_pages,
    write_standalone,
)
from cvbuild.compose import compose
from cvbuild.dates import PartialDate
from cvbuild.errors import (
    CvbuildError,
    InputError,
    OutputError,
    Problem,
    RuleError,
    TexError,
)
from cvbuild.load import bibliography_spec, content_files, load_cv, section_position
from cvbuild.models import CV
from cvbuild.progress import SILENT, Progress, stage_line
from cvbuild.select import section_is_empty, select
from cvbuild.writers import latex


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
    inputs: tuple[Path, ...] = ()  # files read besides the content YAML (the .bib files)


def load_content(content_dir: Path) -> tuple[CV, tuple[Publication, ...]]:
    cv = load_cv(content_dir)
    publications = load_publications(cv.bibliography, content_dir) if cv.bibliography else ()
    return cv, publications


@dataclass(frozen=True)
class Validation:
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


def validate(content_dir: Path) -> Validation:
    """Every problem of the content and its .bib files at once, without TeX; then each
    variant's selection (caps, sections its rules leave empty)."""
    errors: list[str] = []
    warnings: list[str] = []
    cv = None
    try:
        cv = load_cv(content_dir)
    except InputError as error:
        errors += [str(p) for p in error.problems]
    spec = cv.bibliography if cv else bibliography_spec(content_dir)
    publications: tuple[Publication, ...] = ()
    if spec is not None:
        try:
            publications = load_publications(spec, content_dir)
        except InputError as error:
            errors += [str(p) for p in error.problems]
    if cv is None or errors:
        return Validation(tuple(errors), tuple(warnings))
    warnings += [str(p) for p in link_warnings(publications)]
    for name in cv.variants:
        try:
            selection = select(cv, publications, name, today=_today())
        except CvbuildError as error:
            errors.append(str(error))
            continue
        for section in selection.cv.sections:
            if section_is_empty(section):
                warnings.append(f"variant {name}: section '{section.id}' is empty after its rules")
    return Validation(tuple(errors), tuple(warnings))


def export_tex(content_dir: Path, variant: str, directory: Path) -> Path:
    """Write a variant as a self-contained LaTeX project for hand-tuning (no TeX run)."""
    cv, publications = load_content(content_dir)
    selection = select(cv, publications, variant, today=_today())
    return write_standalone(latex.write(compose(selection, publications)), directory)


def cache_key(options: BuildOptions) -> str:
    return cache.options_key(
        options.content_dir, options.variant, options.output, options.pdf_a, options.png
    )


Content = tuple[CV, tuple[Publication, ...]]
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """One variant of a multi-variant build: what it printed, and its result or its error."""

    options: BuildOptions
    lines: tuple[str, ...]
    result: BuildResult | None
    error: CvbuildError | None


def build_variants(
    all_options: list[BuildOptions], content: Content | None = None
) -> list[Outcome]:
    """Several variants at once: the content is loaded once, the TeX runs go side by side on
    the available cores (each variant has its own build directory)."""
    began = time.monotonic()
    content = content or load_content(all_options[0].content_dir)
    loaded = stage_line("load", time.monotonic() - began)

    def one(options: BuildOptions) -> Outcome:
        lines: list[str] = [loaded]
        progress = Progress(
            message=lines.append,
            finished=lambda stage, seconds: lines.append(stage_line(stage, seconds)),
        )
        try:
            result = build(options, progress, content)
        except CvbuildError as error:
            return Outcome(options, tuple(lines), None, error)
        return Outcome(options, tuple(lines), result, None)

    workers = max(1, min(len(all_options), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one, options) for options in all_options]
        try:
            return [future.result() for future in futures]
        except BaseException:  # Ctrl-C: stop every TeX run, not only this thread's
            stop_all()
            raise


def build(
    options: BuildOptions, progress: Progress = SILENT, content: Content | None = None
) -> BuildResult:
    """Build one variant; on success, stamp its inputs so that an unchanged rebuild is skipped
    (`cache.up_to_date`). `content` saves loading it again for each variant."""
    build_dir = options.build_root / options.variant
    cache.forget(build_dir)
    printed: list[str] = []
    tell = progress.message

    def say(line: str) -> None:
        printed.append(line)
        tell(line)

    progress = replace(progress, message=say)
    if content is None:
        content = _stage(progress, "load", lambda: load_content(options.content_dir))
    result = _build(options, progress, content)
    inputs = cache.fixed_inputs(options.content_dir) + list(result.inputs)
    cache.record(
        build_dir,
        cache_key(options),
        inputs,
        options.output,
        cache.Stamp(result.pages, tuple(printed)),
    )
    return result


def _stage(progress: Progress, name: str, action: Callable[[], T]) -> T:
    progress.started(name)
    started = time.monotonic()
    result = action()
    progress.finished(name, time.monotonic() - started)
    return result


def _build(options: BuildOptions, progress: Progress, content: Content) -> BuildResult:
    cv, publications = content
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
    for problem in link_warnings(selection.publications):
        report(f"warning: {problem}")
    document = _stage(progress, "compose", lambda: compose(selection, publications))
    project = _stage(progress, "write", lambda: latex.write(document))
    build_dir = options.build_root / options.variant
    epoch = _epoch(cv.settings.as_of) if cv.settings.as_of else _newest_input(cv, options)
    with build_lock(build_dir):
        try:
            result = compile_project(project, build_dir, source_date_epoch=epoch, progress=progress)
        except TexError as error:
            raise _pointing_at_content(error, publications, options.content_dir) from None
        for warning in result.warnings:
            report(f"warning: {warning}")
        pdf_report = _stage(
            progress, "check", lambda: check_pdf(result.pdf, result.pages, selection)
        )
        _publish(result.pdf, options.output)
        if options.png:
            pages = _stage(
                progress,
                "png",
                lambda: write_png_pages(options.output, options.output.with_suffix("")),
            )
            report(f"PNG: {pages[0]} ... ({len(pages)} pages)")
    if pdf_report.problems:
        raise RuleError(
            "\n".join(pdf_report.problems) + f"\n(the PDF was written to {options.output})"
        )
    return BuildResult(
        options.variant,
        options.output,
        pdf_report.pages,
        counts,
        _bib_files(cv, options.content_dir),
    )


def _pointing_at_content(
    error: TexError, publications: tuple[Publication, ...], content_dir: Path
) -> TexError:
    """The same error, with a line naming the .bib entry or section behind it (before the
    pointer to the log, which matters less)."""
    message, culprit = str(error), _culprit(error, publications, content_dir)
    head, separator, log_line = message.rpartition("\nFull log:")
    message = f"{head}{culprit}{separator}{log_line}" if separator else message + culprit
    return TexError(message, error.section, error.entry)


def _culprit(error: TexError, publications: tuple[Publication, ...], content_dir: Path) -> str:
    if error.entry:
        entry = next((p for p in publications if p.key == error.entry), None)
        where = _where(entry.file, entry.line) if entry else ""
        return f"\nCaused by the .bib entry '{error.entry}'{where}: check its fields."
    if error.section:
        where = _where(*section_position(content_dir, error.section))
        return f"\nIn the section '{error.section}'{where}."
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


def _newest_input(cv: CV, options: BuildOptions) -> int:
    """Without an as-of date, the PDF's time stamp is that of the newest content or .bib file,
    so the same files give the same PDF whenever they are built."""
    files = [*content_files(options.content_dir), *_bib_files(cv, options.content_dir)]
    return max(int(f.stat().st_mtime) for f in files if f.exists())


def _bib_files(cv: CV, content_dir: Path) -> tuple[Path, ...]:
    return tuple(content_dir / name for name in cv.bibliography.files) if cv.bibliography else ()


def _publish(pdf: Path, output: Path) -> None:
    """Copy to a temporary file beside the target, then rename: readers see old or new, never half."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"cannot write the PDF to {output}: its folder {output.parent} cannot be made "
            f"({error.strerror})"
        ) from None
    handle, temporary = tempfile.mkstemp(
        prefix=f".{output.name}.", suffix=".tmp", dir=output.parent
    )
    os.close(handle)
    try:
        shutil.copyfile(pdf, temporary)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
