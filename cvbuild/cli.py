"""Command line: parse options, call the pipeline, turn errors into messages and exit codes.

Exit codes: 0 ok, 1 invalid input, 2 usage, 3 TeX failed, 4 a variant's rule broken.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from cvbuild import __version__, cache
from cvbuild.errors import CvbuildError

EPILOG = "Exit codes: 0 ok, 1 invalid input, 2 usage, 3 TeX failed, 4 a variant's rule broken."


@click.group(epilog=EPILOG)
@click.version_option(__version__, prog_name="cvbuild")
def main() -> None:
    """Build academic CVs from YAML and BibTeX into PDFs."""


@main.command(epilog=EPILOG)
@click.option(
    "--variant", "variants", multiple=True, help="Variant to build (repeatable). Default: full."
)
@click.option("--all", "all_variants", is_flag=True, help="Build every variant of the content.")
@click.option(
    "--content",
    "content_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("content"),
    show_default=True,
    help="Content folder with the YAML files.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="PDF path (one variant only).",
)
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("out"),
    show_default=True,
)
@click.option(
    "--build-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("build"),
    show_default=True,
)
@click.option("--png", is_flag=True, help="Also write PNG images of the pages (NAME-1.png, ...).")
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
    png: bool,
    pdf_a: bool | None,
) -> None:
    """Build out/<variant>.pdf (several variants build side by side)."""
    started = time.monotonic()
    if all_variants:
        from cvbuild.load import variant_names

        names = tuple(_run(lambda: variant_names(content_dir)))
    else:
        names = variants or ("full",)
    if output is not None and len(names) > 1:
        raise click.UsageError("--output takes one variant; use --out-dir for several")
    pending = []
    for name in names:
        target = output or out_dir / f"{name}.pdf"
        key = cache.options_key(content_dir, name, target, pdf_a, png)
        stamp = cache.up_to_date(build_dir / name, key, content_dir, target)
        if stamp is None:
            pending.append((name, target))
            continue
        for line in stamp.report:  # nothing changed: the last build's messages, no TeX run
            click.echo(line)
        elapsed = time.monotonic() - started
        click.echo(f"{name}: {target} ({stamp.pages} pages, unchanged, {elapsed:.2f} s)")
    if not pending:
        return
    from cvbuild.pipeline import BuildOptions, build, build_variants

    all_options = [
        BuildOptions(content_dir, name, target, build_dir, png=png, pdf_a=pdf_a)
        for name, target in pending
    ]
    if len(all_options) == 1:
        result = _run(lambda: build(all_options[0], report=click.echo))
        click.echo(f"{result.variant}: {result.pdf} ({result.pages} pages, {_since(started)})")
        return
    outcomes = _run(lambda: build_variants(all_options))
    failed = None
    for outcome in outcomes:
        for line in outcome.lines:
            click.echo(line)
        if outcome.result is not None:
            result = outcome.result
            click.echo(f"{result.variant}: {result.pdf} ({result.pages} pages, {_since(started)})")
        else:
            click.echo(f"error: {outcome.options.variant}: {outcome.error}", err=True)
            failed = failed or outcome.error
    if failed is not None:
        sys.exit(failed.exit_code)


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"


@main.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write; default: print.",
)
def schema(output: Path | None) -> None:
    """Write the JSON Schema of the content (for editor completion and checks)."""
    from cvbuild.scaffold import schema_text

    text = schema_text()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"schema written to {output}")


@main.command(epilog=EPILOG)
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--name", default="Ada Lovelace", show_default=True, help="Your given and family name."
)
def init(directory: Path, name: str) -> None:
    """Start a new CV: a content folder with an example of every section kind."""
    from cvbuild.scaffold import create

    written = _run(lambda: create(directory, name))
    click.echo(f"wrote {len(written)} files to {directory}:")
    for path in written:
        click.echo(f"  {path.name}")
    click.echo(f"next: cvbuild pdf --content {directory}   (then edit the YAML and build again)")


def _run(action):  # type: ignore[no-untyped-def]
    """Run a pipeline call; user-facing errors become a message and their exit code."""
    try:
        return action()
    except CvbuildError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted; no output was changed", err=True)
        sys.exit(130)
