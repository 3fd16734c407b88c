"""The whole build, top to bottom: load → select → render → compile → check.

Each stage is one call; `build` only wires them together and puts the PDF in place atomically,
so a failed or interrupted build never replaces a good PDF.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cvbuild import cache
from cvbuild.bibliography import (
    Publication,
    count_by_category,
    link_warnings,
    load_publications,
)
from cvbuild.check import check_pdf
from cvbuild.compile import build_lock, compile_project, stop_all, write_png_pages
from cvbuild.dates import PartialDate
from cvbuild.errors import CvbuildError, Problem, RuleError, TexError
from cvbuild.load import load_cv, section_position
from cvbuild.models import CV
from cvbuild.render import render
from cvbuild.select import select


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


Report = Callable[[str], None]


def load_content(content_dir: Path) -> tuple[CV, tuple[Publication, ...]]:
    cv = load_cv(content_dir)
    publications = load_publications(cv.bibliography, content_dir) if cv.bibliography else ()
    return cv, publications


def cache_key(options: BuildOptions) -> str:
    return cache.options_key(
        options.content_dir, options.variant, options.output, options.pdf_a, options.png
    )


Content = tuple[CV, tuple[Publication, ...]]


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
    content = content or load_content(all_options[0].content_dir)

    def one(options: BuildOptions) -> Outcome:
        lines: list[str] = []
        try:
            result = build(options, lines.append, content)
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
    options: BuildOptions, report: Report = lambda line: None, content: Content | None = None
) -> BuildResult:
    """Build one variant; on success, stamp its inputs so that an unchanged rebuild is skipped
    (`cache.up_to_date`). `content` saves loading it again for each variant."""
    build_dir = options.build_root / options.variant
    cache.forget(build_dir)
    printed: list[str] = []

    def say(line: str) -> None:
        printed.append(line)
        report(line)

    result = _build(options, say, content or load_content(options.content_dir))
    inputs = cache.fixed_inputs(options.content_dir) + list(result.inputs)
    cache.record(
        build_dir,
        cache_key(options),
        inputs,
        options.output,
        cache.Stamp(result.pages, tuple(printed)),
    )
    return result


def _build(options: BuildOptions, report: Report, content: Content) -> BuildResult:
    cv, publications = content
    if options.pdf_a is not None:
        cv = cv.model_copy(
            update={"settings": cv.settings.model_copy(update={"pdf_a": options.pdf_a})}
        )
    selection = select(cv, publications, options.variant, today=_today())
    counts = count_by_category(selection.publications)
    if selection.publications:
        report(" · ".join(f"{category} {count}" for category, count in counts.items()))
    for problem in link_warnings(selection.publications):
        report(f"warning: {problem}")
    project = render(selection, publications)
    build_dir = options.build_root / options.variant
    epoch = _epoch(cv.settings.as_of) if cv.settings.as_of else _newest_input(cv, options)
    with build_lock(build_dir):
        try:
            result = compile_project(project, build_dir, source_date_epoch=epoch)
        except TexError as error:
            raise _pointing_at_content(error, publications, options.content_dir) from None
        for warning in result.warnings:
            report(f"warning: {warning}")
        pdf_report = check_pdf(result.pdf, result.pages, selection)
        _publish(result.pdf, options.output)
        if options.png:
            pages = write_png_pages(options.output, options.output.with_suffix(""))
            report(f"PNG: {pages[0]} ... ({len(pages)} pages)")
    if pdf_report.problems:
        raise RuleError(
            "\n".join(pdf_report.problems) + f"\n(the PDF was written to {options.output})"
        )
    bib_files = (
        tuple(options.content_dir / name for name in cv.bibliography.files)
        if cv.bibliography
        else ()
    )
    return BuildResult(options.variant, options.output, pdf_report.pages, counts, bib_files)


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
        where = f" ({Problem('', entry.file, entry.line)}".rstrip(": ") + ")" if entry else ""
        return f"\nCaused by the .bib entry '{error.entry}'{where}: check its fields."
    if error.section:
        file, line = section_position(content_dir, error.section)
        where = f" ({Problem('', file, line)}".rstrip(": ") + ")" if file else ""
        return f"\nIn the section '{error.section}'{where}."
    return ""


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
    files = list(options.content_dir.glob("*.y*ml"))
    if cv.bibliography:
        files += [options.content_dir / name for name in cv.bibliography.files]
    return max(int(f.stat().st_mtime) for f in files if f.exists())


def _publish(pdf: Path, output: Path) -> None:
    """Copy to a temporary file beside the target, then rename: readers see old or new, never half."""
    output.parent.mkdir(parents=True, exist_ok=True)
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
