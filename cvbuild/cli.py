"""Command line: parse options, call the pipeline, turn errors into messages and exit codes
(listed in EPILOG, shown by --help).
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from cvbuild import __version__, cache, outputs
from cvbuild.errors import (
    EXIT_INVALID_INPUT,
    EXIT_RULE_BROKEN,
    CvbuildError,
    InputError,
    Problem,
)
from cvbuild.resources import LATEX_DIR, PACKAGE_DIR

if TYPE_CHECKING:
    from cvbuild.locale import Locale
    from cvbuild.models import CV
    from cvbuild.packs import Pack
    from cvbuild.pipeline import Loaded
    from cvbuild.preflight import Report
    from cvbuild.prestart import Prestart

T = TypeVar("T")
FC = TypeVar("FC", bound=Callable[..., object])

EPILOG = (
    "Exit codes: 0 ok, 1 invalid input (or a file that cannot be read, written or safely "
    "replaced), 2 usage, 3 TeX failed, 4 a variant's rule broken, 70 internal error."
)
EXIT_INTERNAL = 70


# Options several commands share.
variants_option = click.option(
    "--variant", "variants", multiple=True, help="Variant to build (repeatable). Default: full."
)
content_option = click.option(
    "--content",
    "content_dir",
    type=click.Path(path_type=Path, file_okay=False, readable=False),
    default=Path("content"),
    show_default=True,
    help="Content folder with the YAML files.",
)
out_dir_option = click.option(
    "--out-dir", type=click.Path(path_type=Path, file_okay=False, readable=False),
    default=Path("out"),
    show_default=True, help="Folder for the PDFs.",
)  # fmt: skip
build_dir_option = click.option(
    "--build-dir", type=click.Path(path_type=Path, file_okay=False, readable=False),
    default=Path("build"),
    show_default=True, help="Folder for intermediate files, one subfolder per variant.",
)  # fmt: skip


def force_option(what: str) -> Callable[[FC], FC]:
    return click.option(
        "--force",
        is_flag=True,
        help=f"Replace {what} although cvbuild did not write it (or it was edited since). "
        "Never an input of the build, a folder, a link or a device.",
    )


class FiniteFloatRange(click.FloatRange):
    """A number of seconds: within the range, and neither nan nor infinite (usage error)."""

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return number


class _Group(click.Group):
    """Turns an unexpected exception (a bug in cvbuild, not the user's mistake) into a short
    message and exit code 70; CVBUILD_DEBUG=1 shows the traceback."""

    def main(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _tolerant_streams()
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except OSError as error:  # a folder or file that cannot be read or written
            where = f": {error.filename}" if error.filename else ""
            click.echo(f"error: {error.strerror or error}{where}", err=True)
            sys.exit(EXIT_INVALID_INPUT)
        except Exception as error:
            if os.environ.get("CVBUILD_DEBUG"):
                raise
            click.echo(
                f"internal error (a bug in cvbuild, please report it): "
                f"{type(error).__name__}: {error}\nRun with CVBUILD_DEBUG=1 for the traceback.",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)


def _tolerant_streams() -> None:
    """A terminal or pipe that cannot encode a character (PYTHONIOENCODING=ascii, a Latin-1
    console) shows an escape such as \\u03a9 instead of stopping cvbuild with a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


def _check_content_dir(content_dir: Path) -> None:
    """A content folder that exists but cannot be listed is an input problem (exit 1), not
    "no YAML files" or a usage error."""
    if not content_dir.is_dir():
        return  # the loader says "not found"
    try:
        with os.scandir(content_dir):
            pass
    except OSError as error:
        raise InputError(
            [Problem(f"cannot read the content folder {content_dir} ({error.strerror}); "
                     "check its permissions")]
        ) from None  # fmt: skip


@click.group(cls=_Group, epilog=EPILOG)
@click.version_option(__version__, prog_name="cvbuild")
def main() -> None:
    """Build academic CVs from YAML and BibTeX into PDFs."""


@main.command(epilog=EPILOG)
@variants_option
@click.option("--all", "all_variants", is_flag=True, help="Build every variant of the content.")
@content_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, readable=False),
    help="PDF path (one variant only).",
)
@out_dir_option
@build_dir_option
@force_option("an existing PDF")
@click.option("--png", is_flag=True, help="Also write PNG images of the pages (NAME-1.png, ...).")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@click.option("--verbose", "-v", is_flag=True, help="Also print the end of the TeX log.")
@click.option(
    "--pdfa/--no-pdfa",
    "pdf_a",
    default=None,
    help="PDF/A-2b archival output (default: settings.pdf_a in the content, which is on).",
)
def pdf(
    variants: tuple[str, ...],
    all_variants: bool,
    content_dir: Path,
    output: Path | None,
    out_dir: Path,
    build_dir: Path,
    force: bool,
    png: bool,
    pdf_a: bool | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Build out/<variant>.pdf, or the file name its pack asks for (several variants build
    side by side)."""
    _run(lambda: _check_content_dir(content_dir))
    if all_variants:
        from cvbuild.load import variant_names

        names = tuple(_run(lambda: variant_names(content_dir)))
    else:
        names = variants or ("full",)
    if output is not None and len(names) > 1:
        raise click.UsageError("--output takes one variant; use --out-dir for several")
    request = Request(
        names, content_dir, output, out_dir, build_dir, png, pdf_a, quiet, verbose, force
    )
    code = _run(lambda: build_request(request))
    if code:
        sys.exit(code)


@dataclass(frozen=True)
class Request:
    """One `cvbuild pdf` (or one round of `cvbuild watch`)."""

    names: tuple[str, ...]
    content_dir: Path
    output: Path | None
    out_dir: Path
    build_dir: Path
    png: bool = False
    pdf_a: bool | None = None
    quiet: bool = False
    verbose: bool = False
    force: bool = False  # replace an existing PDF cvbuild did not write


def build_request(request: Request) -> int:
    """Build the requested variants, printing progress and results; returns the exit code."""
    started = time.monotonic()
    say = _Say(request.quiet)
    targets = {name: _last_target(request, name) for name in request.names}
    # a link, folder or FIFO is refused before the unchanged-check reads it
    refused = _refused(lambda: [outputs.not_a_file(target) for target in targets.values()])
    if refused:
        return refused
    pending = []
    for name, target in targets.items():
        key = cache.options_key(request.content_dir, name, target, request.pdf_a, request.png)
        stamp = cache.up_to_date(request.build_dir / name, key, request.content_dir, target)
        if stamp is None:
            pending.append((name, target))
            continue
        for line in stamp.report:  # nothing changed: the last build's messages, no TeX run
            say(line)
        say(f"{name}: {target} ({stamp.pages} pages, unchanged, {_since(started, 2)})")
    if not pending:
        return 0
    from cvbuild import prestart

    # One variant to build: its first TeX pass starts now, on the other core, while the
    # content is read (a rebuild's; several variants keep both cores busy anyway).
    with prestart.terminations_interrupt():  # (a started pass is stopped on the way out)
        first = prestart.start(request.build_dir / pending[0][0]) if len(pending) == 1 else None
        try:
            return _build_pending(request, pending, targets, started, first)
        finally:
            if first is not None:
                first.release()


def _build_pending(
    request: Request,
    pending: list[tuple[str, Path]],
    targets: dict[str, Path],
    started: float,
    first: Prestart | None,
) -> int:
    say = _Say(request.quiet)
    from cvbuild.pipeline import BuildOptions, build, build_variants
    from cvbuild.progress import Display

    load_started = time.monotonic()
    loaded = _loaded(request.content_dir, [request.build_dir / name for name, _ in pending])
    load_seconds = time.monotonic() - load_started
    cv = loaded.cv if loaded is not None else None
    if request.output is None:  # the content may name the files (a pack's file-name rule)
        pending = _default_targets(request, [name for name, _ in pending], targets, say, cv)
    refused = _refused(lambda: _target_refusals(request, [target for _, target in pending], cv))
    if refused:
        return refused

    all_options = [
        BuildOptions(request.content_dir, name, target, request.build_dir, png=request.png,
                     pdf_a=request.pdf_a)
        for name, target in pending
    ]  # fmt: skip
    if len(all_options) == 1:
        display = Display(quiet=request.quiet)
        try:
            progress = display.progress()
            if loaded is not None:
                progress.finished("load", load_seconds)
            result = build(all_options[0], progress, loaded, first)
        except CvbuildError as error:
            display.close()  # before the message, so the spinner cannot write into it
            return _failed(error, request, all_options[0].variant)
        finally:
            display.close()
        _tail_of_log(request, result.variant)
        _remember_target(request, result.variant, result.pdf)
        say(f"{result.variant}: {result.pdf} ({result.pages} pages, {_since(started)})")
        return 0
    outcomes = build_variants(all_options, loaded, load_seconds)
    code = 0
    for outcome in outcomes:
        for line in outcome.lines:
            say(line)
        if outcome.result is not None:
            result = outcome.result
            _tail_of_log(request, result.variant)
            _remember_target(request, result.variant, result.pdf)
            say(f"{result.variant}: {result.pdf} ({result.pages} pages, {_since(started)})")
        else:
            assert outcome.error is not None
            code = code or _failed(outcome.error, request, outcome.options.variant)
    return code


def _last_target(request: Request, name: str) -> Path:
    """-o, else the file the last build without -o wrote (checked by its stamp), else
    out/<variant>.pdf."""
    if request.output is not None:
        return request.output
    stem = outputs.last_default_stem(request.build_dir / name) or name
    return request.out_dir / f"{stem}.pdf"


def _default_targets(
    request: Request,
    names: list[str],
    targets: dict[str, Path],
    say: Callable[[str], None],
    cv: CV | None = None,
) -> list[tuple[str, Path]]:
    """The PDFs of variants to build without -o: the file name each one's pack asks for
    (CV_PubList_<lastname>), else the variant's name. Content that cannot be read keeps the
    variant's names (the build says what is wrong); two variants asking for one file both
    keep their own names, so that neither overwrites the other."""
    from cvbuild.pipeline import default_stems

    try:
        stems = default_stems(request.content_dir, names, cv)
    except CvbuildError:
        stems = {name: name for name in names}
    chosen = {**targets, **{name: request.out_dir / f"{stems[name]}.pdf" for name in names}}
    found = []
    for name in names:
        target = chosen[name]
        others = [other for other, path in chosen.items() if other != name and path == target]
        if others and stems[name] != name:
            say(
                f"note: {name}: {target.name} is also the file of {', '.join(others)}; "
                f"writing {name}.pdf instead (-o FILE names it)"
            )
            target = request.out_dir / f"{name}.pdf"
        found.append((name, target))
    return found


def _remember_target(request: Request, name: str, pdf: Path) -> None:
    outputs.remember_default_stem(
        request.build_dir / name, pdf.stem if request.output is None else None
    )


ELSEWHERE = "write the PDF elsewhere with -o FILE or --out-dir DIR"


def _loaded(content_dir: Path, build_dirs: list[Path]) -> Loaded | None:
    """The content, loaded once for the whole command; None when it does not load (the build
    then reports why, after the outputs it must not replace)."""
    from cvbuild.pipeline import load_for_build

    try:
        return load_for_build(content_dir, build_dirs)
    except (CvbuildError, OSError):
        return None


def _target_refusals(
    request: Request, targets: list[Path], cv: CV | None = None
) -> list[outputs.Refusal | None]:
    """Before any TeX runs: every PDF this build would replace is one cvbuild wrote (or
    --force names it), and none is an input, folder, link or device."""
    inputs = functools.cache(lambda: outputs.build_inputs(request.content_dir, cv))
    return [
        outputs.refusal(target, inputs=inputs, ours=outputs.is_cvbuild_pdf, force=request.force)
        for target in targets
    ]


def _refused(check: Callable[[], list[outputs.Refusal | None]]) -> int:
    """Print the targets that must not be replaced; their exit code, or 0 when there are none."""
    try:
        outputs.refuse([r for r in check() if r], ELSEWHERE)
    except CvbuildError as error:
        click.echo(f"error: {error}", err=True)
        return error.exit_code
    return 0


class _Say:
    def __init__(self, quiet: bool):
        self.quiet = quiet

    def __call__(self, line: str) -> None:
        if not self.quiet:
            click.echo(line)


def _failed(error: CvbuildError, request: Request, variant: str) -> int:
    several = len(request.names) > 1 and not str(error).startswith(f"{variant}:")
    prefix = f"{variant}: " if several else ""
    click.echo(f"error: {prefix}{error}", err=True)
    _tail_of_log(request, variant, err=True)
    return error.exit_code


def _tail_of_log(request: Request, variant: str, *, err: bool = False, lines: int = 20) -> None:
    """--verbose: the end of the TeX log, where TeX says what it did last."""
    log = request.build_dir / variant / "cv.log"
    if request.verbose and log.exists():
        tail = log.read_text(encoding="latin-1").splitlines()[-lines:]
        click.echo(f"--- last {len(tail)} lines of {log}", err=err)
        click.echo("\n".join(tail), err=err)


def _since(started: float, digits: int = 1) -> str:
    return f"{time.monotonic() - started:.{digits}f} s"


@main.command(epilog=EPILOG)
@variants_option
@content_option
@out_dir_option
@build_dir_option
@force_option("an existing PDF")
@click.option(
    "--interval",
    type=FiniteFloatRange(0.05, 3600),
    default=0.3,
    show_default=True,
    help="Seconds between looks (0.05 to 3600).",
)
def watch(
    variants: tuple[str, ...],
    content_dir: Path,
    out_dir: Path,
    build_dir: Path,
    force: bool,
    interval: float,
) -> None:
    """Rebuild whenever the content, .bib or latex/ files change; Ctrl-C stops.

    A failed build prints its error and watching goes on; the last good PDF stays. Hidden
    files (editor locks such as .#cv.yaml) and folders are not content."""
    _run(lambda: _check_content_dir(content_dir))
    request = Request(variants or ("full",), content_dir, None, out_dir, build_dir, force=force)
    seen: dict[Path, tuple[int, int]] | None = None
    files = _watched_files(content_dir)
    try:
        while True:
            current = _stat(files | _watched_files(content_dir))
            if current != seen:
                started = time.monotonic()
                code = build_request(request)
                outcome = "ok" if code == 0 else f"failed (exit {code})"
                # (the .bib files of the last good read stay watched while the YAML is broken)
                found = _watched_files(content_dir, with_bib=True) - files
                found |= {f for n in request.names for f in cache.recorded_inputs(build_dir / n)
                          if f.suffix not in (".py", ".yaml", ".yml", ".sty")} - files  # photo  # fmt: skip
                files = files | found
                # the state the build started from: a save during the build triggers another
                seen = {**_stat(found), **current}
                click.echo(
                    f"[{time.strftime('%H:%M:%S')}] {outcome} in {_since(started)}; "
                    f"watching {len(files)} files (Ctrl-C stops)"
                )
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("stopped watching")


def _watched_files(content_dir: Path, *, with_bib: bool = False) -> set[Path]:
    """The content's YAML and, after a build, the .bib files it names; cvbuild's latex/ files."""
    from cvbuild.load import bibliography_spec, content_files

    files = {*LATEX_DIR.glob("*.sty"), *LATEX_DIR.glob("*.lua")}
    with contextlib.suppress(CvbuildError, OSError):  # no content yet: the build says so
        files |= set(content_files(content_dir))
    if with_bib:
        try:
            spec = bibliography_spec(content_dir)
        except (CvbuildError, OSError):
            spec = None
        if spec is not None:
            files |= {(content_dir / name).resolve() for name in spec.files}
    return files


def _stat(files: set[Path]) -> dict[Path, tuple[int, int]]:
    found = {}
    for path in files:
        try:
            info = path.stat()
        except OSError:
            continue
        found[path] = (info.st_mtime_ns, info.st_size)
    return found


def _document_command(suffix: str, what: str) -> None:
    """`cvbuild md`, `cvbuild html`, `cvbuild docx`: one command per format, alike."""

    @main.command(name=suffix, epilog=EPILOG, help=f"Write out/<variant>.{suffix}: {what}.")
    @variants_option
    @click.option("--all", "all_variants", is_flag=True, help="Every variant of the content.")
    @content_option
    @click.option(
        "--output", "-o", type=click.Path(path_type=Path, readable=False),
        help=f"The .{suffix} file (one variant only).",
    )  # fmt: skip
    @out_dir_option
    @force_option(f"an existing .{suffix} file")
    def command(
        variants: tuple[str, ...], all_variants: bool, content_dir: Path, output: Path | None,
        out_dir: Path, force: bool,
    ) -> None:  # fmt: skip
        from cvbuild.load import variant_names

        _run(lambda: _check_content_dir(content_dir))
        names = tuple(_run(lambda: variant_names(content_dir))) if all_variants else variants
        names = names or ("full",)
        if output is not None and len(names) > 1:
            raise click.UsageError("--output takes one variant; use --out-dir for several")
        targets = [output or out_dir / f"{name}.{suffix}" for name in names]
        inputs = functools.partial(outputs.build_inputs, content_dir)
        refused = [outputs.refusal(t, inputs=inputs, ours=outputs.is_cvbuild_document, force=force)
                   for t in targets]  # fmt: skip
        elsewhere = "write elsewhere with -o FILE or --out-dir DIR"
        _run(lambda: outputs.refuse([r for r in refused if r], elsewhere))
        for name, target in _run(lambda: _write_documents(content_dir, names, targets, suffix)):
            click.echo(f"{name}: {target}")


def _write_documents(
    content_dir: Path, names: tuple[str, ...], targets: list[Path], suffix: str
) -> list[tuple[str, Path]]:
    from cvbuild.pipeline import load_content, write_document

    content = load_content(content_dir)
    for name, target in zip(names, targets, strict=True):
        data = write_document(content, content_dir, name, suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        outputs.write_file(target, data)
    return list(zip(names, targets, strict=True))


_document_command("md", "the CV as Markdown")
_document_command("html", "the CV as one self-contained web page")
_document_command("docx", "the CV as a Word document with named styles")


@main.command(epilog=EPILOG)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, readable=False),
    help="File to write; default: print.",
)
@force_option("an existing file")
def schema(output: Path | None, force: bool) -> None:
    """Write the JSON Schema of the content (for editor completion and checks)."""
    from cvbuild.scaffold import schema_text

    text = schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    found = outputs.refusal(output, inputs=list, ours=outputs.is_cvbuild_schema, force=force)
    _run(lambda: outputs.refuse([found] if found else [], "choose another file with -o"))
    _run(lambda: outputs.write_file(output, text.encode("utf-8")))
    click.echo(f"schema written to {output}")


@main.command(epilog=EPILOG)
@content_option
def validate(content_dir: Path) -> None:
    """Check the content and .bib files without building: every problem at once."""
    from cvbuild.pipeline import validate as check

    _run(lambda: _check_content_dir(content_dir))
    result = _run(lambda: check(content_dir))
    for warning in result.warnings:
        click.echo(f"warning: {warning}")
    for error in result.errors:
        click.echo(error, err=True)
    if result.errors:
        count = len(result.errors)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
        sys.exit(1)
    click.echo(f"{content_dir}: no problems ({len(result.warnings)} warning(s))")


@main.command(epilog=EPILOG)
@click.option("--variant", default="full", show_default=True)
@content_option
@click.option(
    "--output",
    "-o",
    "directory",
    type=click.Path(path_type=Path, file_okay=False, readable=False),
    required=True,
    help="Folder to write the LaTeX project to.",
)
@force_option("a file in the folder")
def tex(variant: str, content_dir: Path, directory: Path, force: bool) -> None:
    """Write a variant as a LaTeX project that compiles with plain latexmk (to hand-tune).

    Writing again replaces only the files cvbuild wrote there and nobody edited since."""
    _run(lambda: _check_content_dir(content_dir))
    written = _run(lambda: outputs.export_tex(content_dir, variant, directory, force=force))
    click.echo(f"{variant}: {written} and its .bib, styles and .latexmkrc")
    click.echo(f"next: cd {directory} && latexmk")


def available_languages() -> list[str]:
    """The languages with a locale file (read from the folder: importing the locale module
    would slow down every command's start)."""
    return sorted(path.stem for path in (PACKAGE_DIR / "locales").glob("*.yaml"))


@main.command(epilog=EPILOG)
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, readable=False))
@click.option(
    "--name", default="Ada Lovelace", show_default=True, help="Your given and family name."
)
@click.option(
    "--language", default="en", show_default=True, type=click.Choice(available_languages()),
    help="The CV's language: its settings.language and the starter's titles.",
)  # fmt: skip
@force_option("an existing starter file")
def init(directory: Path, name: str, language: str, force: bool) -> None:
    """Start a new CV: a content folder with an example of every section kind.

    Existing files are never replaced without --force."""
    from cvbuild.scaffold import create

    written = _run(lambda: create(directory, name, force=force, language=language))
    click.echo(f"wrote {len(written)} files to {directory}:")
    for path in written:
        click.echo(f"  {path.name}")
    click.echo(f"next: cvbuild pdf --content {directory}   (then edit the YAML and build again)")


@main.command(epilog=EPILOG)
@click.argument("pdf_file", metavar="PDF", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--pack",
    "pack_name",
    required=True,
    help="A shipped pack (dfg-53.200@2023, erc-2026, msca-pf-2026, berufung), a YAML file, "
    "or NAME for --content's packs/NAME.yaml.",
)
@click.option(
    "--content",
    "content_dir",
    type=click.Path(path_type=Path, file_okay=False, readable=False),
    default=None,
    help="Content folder whose packs/ holds your own packs (paths are relative to it).",
)
@click.option("--language", default="en", show_default=True, help="Language of the report.")
@out_dir_option
def preflight(
    pdf_file: Path, pack_name: str, content_dir: Path | None, language: str, out_dir: Path
) -> None:
    """Check any PDF (also one made by hand) against a funder's rule pack. Rules that need
    the CV's content are reported as not checked. Writes OUT/<name>.preflight.txt and .json;
    exit 4 when an error-level rule fails."""
    from cvbuild import preflight as check
    from cvbuild.locale import locale_for
    from cvbuild.packs import load_pack

    if not pdf_file.is_file():
        click.echo(f"error: {pdf_file}: no such PDF file", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    locale = locale_for(language)
    pack = _run(lambda: load_pack(pack_name, content_dir, language))
    report = _run(lambda: _checked(pdf_file, pack, locale))
    written = _run(lambda: check.write_reports(report, locale, out_dir / pdf_file.stem, False))
    click.echo(check.report_text(report, locale, checked_content=False), nl=False)
    click.echo(f"({written})")
    if report.failed:
        sys.exit(EXIT_RULE_BROKEN)


def _checked(pdf_file: Path, pack: Pack, locale: Locale) -> Report:
    """The preflight of a PDF without its content; a file that is no PDF is bad input."""
    from pypdf.errors import PyPdfError

    from cvbuild import preflight as check

    try:
        return check.preflight(pdf_file, pack, tuple(pack.rules), None, locale=locale)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        raise InputError([Problem(f"cannot read it as a PDF ({error})", pdf_file)]) from None


def _run(action: Callable[[], T]) -> T:
    """Run a pipeline call; user-facing errors become a message and their exit code."""
    try:
        return action()
    except CvbuildError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        from cvbuild.progress import interrupted_note

        click.echo(f"interrupted; {interrupted_note()}", err=True)
        sys.exit(130)


@main.group(name="import", epilog=EPILOG)
def import_() -> None:
    """Make a content folder from a CV in another format (RenderCV, JSON Resume)."""


def _import(source_format: str, source: Path, directory: Path) -> None:
    from cvbuild.importers import UNMAPPED_TITLE, run

    written, unmapped = _run(lambda: run(source_format, source, directory))
    click.echo(f"wrote {len(written)} files to {directory}:")
    for path in written:
        click.echo(f"  {path.name}")
    if unmapped:
        click.echo(f"not mapped ({len(unmapped)}; the text is in the section '{UNMAPPED_TITLE}'):")
        for item in unmapped:
            click.echo(f"  {item}")
    click.echo(f"next: cvbuild pdf --content {directory}")


@import_.command(epilog=EPILOG)
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
def rendercv(source: Path, directory: Path) -> None:
    """Import a RenderCV YAML file into a new content folder DIRECTORY."""
    _import("rendercv", source, directory)


@import_.command(epilog=EPILOG)
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
def jsonresume(source: Path, directory: Path) -> None:
    """Import a JSON Resume file (.json, comments allowed) into a new content folder DIRECTORY."""
    _import("jsonresume", source, directory)
