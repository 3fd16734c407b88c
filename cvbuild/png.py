"""PNG images of a PDF's pages (`cvbuild pdf --png`): NAME-1.png, NAME-2.png, ... beside NAME.pdf.

Pages are rendered into the build dir first; the pipeline then puts them in place together with
the PDF. Each page cvbuild writes carries a mark (a PNG text chunk), so that cvbuild replaces or
removes only pages it wrote itself: never `NAME-figure.png`, never another variant's pages
(`NAME-x-1.png`), never a file of the user's that happens to be called `NAME-7.png`.
"""

from __future__ import annotations

import re
import shutil
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from cvbuild import __version__
from cvbuild.compile import run_tool
from cvbuild.errors import OutputError, TexError

SCRATCH = "png-pages"  # in the build dir
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MARK_KEY = b"Software"
_MARK = _MARK_KEY + b"\0cvbuild"  # the tEXt chunk's data starts so (then a space and a version)


@dataclass(frozen=True)
class Pages:
    """Rendered pages waiting in the build dir, and where they go."""

    images: tuple[Path, ...]  # page 1, 2, ... in the build dir
    targets: tuple[Path, ...]  # NAME-1.png, NAME-2.png, ... beside the PDF
    stale: tuple[Path, ...]  # pages cvbuild wrote for a longer earlier version: to remove


def render_pages(pdf: Path, build_dir: Path, output: Path, dpi: int = 110) -> Pages:
    """Render every page of `pdf` (pdftoppm) into the build dir and check where they will go.
    Raises before anything beside the output is touched."""
    if shutil.which("pdftoppm") is None:
        raise TexError("pdftoppm not found; install poppler-utils (make pdf does) for --png")
    scratch = (build_dir / SCRATCH).resolve()  # pdftoppm runs in the build dir
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    command = ["pdftoppm", "-png", "-r", str(dpi), str(pdf.resolve()), str(scratch / "page")]
    done = run_tool(command, build_dir, timeout=120)
    images = sorted(scratch.glob("page-*.png"), key=lambda p: int(p.stem.rpartition("-")[2]))
    if done.returncode != 0 or done.timed_out or not images:
        why = "did not finish within 120 s" if done.timed_out else f"exit code {done.returncode}"
        said = "\n".join(f"  {line}" for line in done.output.strip().splitlines()[-5:])
        raise TexError(
            f"pdftoppm could not make the PNG images of {pdf} ({why}):\n{said}\n"
            "No output was changed; the PDF is fine, try again without --png."
        )
    for image in images:
        image.write_bytes(with_mark(image.read_bytes()))
    prefix = output.with_suffix("")
    targets = tuple(prefix.with_name(f"{prefix.name}-{n}.png") for n in range(1, len(images) + 1))
    foreign = [target for target in targets if target.exists() and not written_by_cvbuild(target)]
    if foreign:
        raise OutputError(
            f"{foreign[0]} exists and was not written by cvbuild, so --png will not replace it. "
            "Move it away, or write the PDF under another name with -o. No output was changed."
        )
    return Pages(tuple(images), targets, tuple(_stale_pages(prefix, len(images))))


def _stale_pages(prefix: Path, count: int) -> list[Path]:
    """PREFIX-N.png with N beyond the new page count that cvbuild wrote (exactly that name)."""
    pattern = re.compile(rf"{re.escape(prefix.name)}-([1-9][0-9]*)\.png")
    stale = []
    if prefix.parent.is_dir():
        for path in prefix.parent.iterdir():
            match = pattern.fullmatch(path.name)
            if match and int(match[1]) > count and written_by_cvbuild(path):
                stale.append(path)
    return sorted(stale)


def with_mark(png: bytes) -> bytes:
    """The image with cvbuild's mark: a tEXt chunk right after the header chunk."""
    if not png.startswith(_SIGNATURE) or len(png) < 33:
        return png
    data = _MARK + b" " + __version__.encode("ascii")
    chunk = struct.pack(">I", len(data)) + b"tEXt" + data
    chunk += struct.pack(">I", zlib.crc32(chunk[4:]) & 0xFFFFFFFF)
    end_of_header = 8 + 8 + 13 + 4  # signature, IHDR length and type, its data, its CRC
    return png[:end_of_header] + chunk + png[end_of_header:]


def written_by_cvbuild(path: Path) -> bool:
    """A regular PNG file holding cvbuild's mark among its first chunks."""
    try:
        if path.is_symlink() or not path.is_file():
            return False
        with open(path, "rb") as image:
            head = image.read(256)
    except OSError:
        return False
    return head.startswith(_SIGNATURE) and b"tEXt" + _MARK in head
