"""Which existing files cvbuild may replace, and replacing them safely.

The rule (one for every command that writes): cvbuild replaces only files it wrote itself, or
that the user names with an explicit --force; never an input of the build (a content file, a
.bib, the photo, a latex/ style, under whatever path or hard link), and never a folder, a
symbolic link, a device, a FIFO or a socket: replacing those with a regular file loses them.
A missing target is always fine.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cvbuild import files
from cvbuild.errors import CvbuildError, OutputError
from cvbuild.files import file_kind
from cvbuild.resources import LATEX_DIR, PACKAGE_DIR

if TYPE_CHECKING:
    from cvbuild.models import CV

TEX_MANIFEST = ".cvbuild-tex.json"  # what `cvbuild tex` wrote into a folder, with hashes
_RC_HEADER = "# Written by `cvbuild tex`"  # first line of the .latexmkrc it writes


@dataclass(frozen=True)
class Refusal:
    """A file cvbuild will not replace, and why."""

    path: Path
    reason: str
    forceable: bool  # True: --force lets cvbuild replace it; False: nothing does


def refusal(
    target: Path,
    *,
    inputs: Callable[[], Iterable[Path]],
    ours: Callable[[Path], bool],
    force: bool,
    exists: str = "it exists and was not written by cvbuild",
) -> Refusal | None:
    """Why `target` must not be replaced, or None when it may be (missing, cvbuild's own, or
    named with --force). `inputs` is called only when the target exists; `exists` is the
    reason given for a file --force may replace."""
    special = not_a_file(target)
    if special:
        return special
    try:
        info = os.stat(target)  # a regular file by now
    except OSError:  # missing (or its folder is): nothing to lose; writing says what fails
        return None
    same = _identities(inputs()).get((info.st_dev, info.st_ino))
    if same is not None:
        alias = "" if same.absolute() == target.absolute() else f" (the same file as {same})"
        return Refusal(
            target, f"it is an input of the build{alias}; cvbuild never replaces its inputs", False
        )
    if force or ours(target):
        return None
    return Refusal(target, exists, True)


def not_a_file(target: Path) -> Refusal | None:
    """The cheap half of `refusal` (one lstat, nothing read): a link, folder, device, FIFO or
    socket is never replaced, and is never read either (reading a FIFO waits forever)."""
    try:
        info = os.lstat(target)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return Refusal(
            target,
            f"it is a symbolic link (to {os.readlink(target)}); cvbuild does not write through "
            "links, name the file itself",
            False,
        )
    kind = file_kind(info.st_mode)
    return Refusal(target, f"it is {kind}, not a regular file", False) if kind else None


def _identities(paths: Iterable[Path]) -> dict[tuple[int, int], Path]:
    """Device and inode of each path: the same file under another name or hard link matches."""
    found: dict[tuple[int, int], Path] = {}
    for path in paths:
        with contextlib.suppress(OSError):
            info = os.stat(path)
            found.setdefault((info.st_dev, info.st_ino), Path(os.path.normpath(path)))
    return found


def refuse(refusals: list[Refusal], elsewhere: str) -> None:
    """Raise one error naming every file refused; `elsewhere` says how to write somewhere else."""
    if not refusals:
        return
    lines = [f"will not replace {r.path}: {r.reason}" for r in refusals]
    them = "it" if len(refusals) == 1 else "them"
    if all(r.forceable for r in refusals):
        lines.append(f"Nothing was written. Add --force to replace {them}, or {elsewhere}.")
    else:
        lines.append(f"Nothing was written; {elsewhere}.")
    raise OutputError("\n".join(lines))


# ---------------------------------------------------------------- what cvbuild wrote


def is_cvbuild_pdf(path: Path) -> bool:
    """A PDF whose Info /Creator says cvbuild (every PDF cvbuild builds has one)."""
    try:
        with open(path, "rb") as handle:
            if handle.read(5) != b"%PDF-":
                return False
        import pypdfium2  # (the build's layout check reads the new PDF with it too)

        document = pypdfium2.PdfDocument(path)
        try:
            creator = document.get_metadata_dict().get("Creator")
        finally:
            document.close()
        return isinstance(creator, str) and creator.startswith("cvbuild")
    except Exception:  # any PDF PDFium cannot read is not one cvbuild can vouch for
        return False


def is_cvbuild_document(path: Path) -> bool:
    """A Markdown, HTML or DOCX file cvbuild wrote: its first line (Markdown), its generator
    meta tag (HTML) or its document properties (DOCX) say so."""
    try:
        if path.stat().st_size > 50_000_000:
            return False
        data = path.read_bytes()
    except OSError:
        return False
    if path.suffix == ".md":
        return data.startswith(b"<!-- written by cvbuild")
    if path.suffix == ".html":
        return b'<meta name="generator" content="cvbuild' in data[:4000]
    if path.suffix == ".docx":
        import zipfile
        from io import BytesIO

        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                core = archive.read("docProps/core.xml")
        except (zipfile.BadZipFile, KeyError):
            return False
        return b"<cp:lastModifiedBy>cvbuild" in core
    return False


def is_cvbuild_schema(path: Path) -> bool:
    """A JSON Schema of cvbuild's content (`cvbuild schema` or `cvbuild init` wrote it)."""
    try:
        if path.stat().st_size > 5_000_000:
            return False
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(data, dict)
        and data.get("title") == "CV"
        and isinstance(data.get("properties"), dict)
        and "person" in data["properties"]
    )


def build_inputs(content_dir: Path, cv: CV | None = None) -> list[Path]:
    """The files a build of `content_dir` reads: content YAML, .bib files, photo, cvbuild's
    styles and code. When the content does not load, its YAML files only (such a build stops
    before it writes anything). `cv`: the content, when the caller has loaded it already."""
    from cvbuild.load import content_files, load_cv

    found = [*LATEX_DIR.glob("*"), *PACKAGE_DIR.rglob("*")]
    try:
        found += content_files(content_dir)
        cv = cv or load_cv(content_dir)
    except (CvbuildError, OSError):
        return found
    if cv.person.photo:
        found.append(Path(cv.person.photo))
    if cv.bibliography:
        found += [content_dir / name for name in cv.bibliography.files]
    return found


# ---------------------------------------------------------------- writing


# In a variant's build directory: the file name (stem) its last build without -o wrote, so
# that an unchanged rebuild finds its PDF without reading the content (a pack may name it).
NAME_HINT = ".cvbuild-output-name"


def last_default_stem(build_dir: Path) -> str | None:
    """The stem the last build without -o used; only a hint: the build's stamp decides whether
    that PDF is still current (None when there is none or it is not a plain name)."""
    try:
        stem = (build_dir / NAME_HINT).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return stem if stem and Path(stem).name == stem and stem not in (".", "..") else None


def remember_default_stem(build_dir: Path, stem: str | None) -> None:
    """Record the stem of a build without -o; forget it after a build with -o (whose stamp
    then names another file)."""
    hint = build_dir / NAME_HINT
    try:
        if stem is None:
            hint.unlink(missing_ok=True)
        else:
            hint.write_text(stem + "\n", encoding="utf-8")
    except OSError:
        pass  # only a hint: the next build reads the content instead


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (files.py: never half a file, never through a link; a
    replaced file keeps its permissions, a new one gets the umask's)."""
    try:
        files.replace_with_bytes(data, path)
    except OSError as error:
        raise OutputError(f"cannot write {path} ({error.strerror})") from None


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_tex(content_dir: Path, variant: str, directory: Path, *, force: bool) -> Path:
    """`cvbuild tex`: render the project into a scratch folder inside `directory`, then move
    each file into place, unless that would replace a file cvbuild did not write or one edited
    since (a hand-tuned cv.tex): those are listed and nothing is written. Returns the .tex."""
    from cvbuild.pipeline import export_tex as render_project

    directory.mkdir(parents=True, exist_ok=True)
    manifest = read_tex_manifest(directory)
    with tempfile.TemporaryDirectory(prefix=".cvbuild-tex-", dir=directory) as scratch:
        tex = render_project(content_dir, variant, Path(scratch))
        new = {p.name: p.read_bytes() for p in sorted(Path(scratch).iterdir()) if p.is_file()}
    inputs = functools.cache(lambda: build_inputs(content_dir))
    changed = {name: data for name, data in new.items() if not _holds(directory / name, data)}
    found = [
        refusal(
            directory / name,
            inputs=inputs,
            ours=lambda path: is_unchanged_export(path, manifest),
            force=force,
            exists="it was not written by cvbuild, or was edited since",
        )
        for name in changed
    ]
    refuse([r for r in found if r], "write the project to a new folder with -o")
    for name, data in changed.items():
        write_file(directory / name, data)
    record = {"files": {name: digest(data) for name, data in new.items()}}
    write_file(directory / TEX_MANIFEST, (json.dumps(record, indent=1) + "\n").encode())
    return directory / tex.name


def _holds(path: Path, data: bytes | None) -> bool:
    """`path` is a regular file (never a FIFO, which waits when read), holding exactly `data`
    when that is given (then nothing needs writing)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        return data is None or path.read_bytes() == data
    except OSError:
        return False


def read_tex_manifest(directory: Path) -> dict[str, str]:
    """What `cvbuild tex` last wrote into `directory`: file name → hash of what it wrote."""
    if not _holds(directory / TEX_MANIFEST, None):
        return {}
    try:
        data = json.loads((directory / TEX_MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def is_unchanged_export(path: Path, manifest: dict[str, str]) -> bool:
    """A file `cvbuild tex` wrote and nobody changed since (a hand-tuned one differs)."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if path.name in manifest:
        return digest(data) == manifest[path.name]
    # a .latexmkrc of a cvbuild before the manifest, recognised by its first line
    return path.name == ".latexmkrc" and data.startswith(_RC_HEADER.encode())
