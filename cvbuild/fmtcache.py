"""The cache of precompiled preambles (pdflatex formats): where it is, and keeping its files
whole. A format is large and a build trusts it blindly, so each one has a seal beside it (size
and SHA-256, written last): a format without a matching seal (a full disk, a killed dump) is
made again, never loaded. Making a format is compile.py's job (it runs pdflatex).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from pathlib import Path

from cvbuild.files import replace_with_bytes, replace_with_copy


def format_cache() -> Path:
    """Where precompiled preambles are kept between builds ($XDG_CACHE_HOME/cvbuild)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cvbuild"


def seal_path(fmt: Path) -> Path:
    return fmt.with_name(fmt.name + ".sum")


def fingerprint(path: Path) -> str:
    """Size and SHA-256 of a file: what its seal records."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return f"{size} {digest.hexdigest()}\n"


def seal(fmt: Path) -> None:
    replace_with_bytes(fingerprint(fmt).encode("ascii"), seal_path(fmt), durable=False)


def sealed(fmt: Path) -> bool:
    """The format is complete: its size and hash are those recorded when it was made."""
    try:
        seal = seal_path(fmt).read_text(encoding="ascii")
        size = int(seal.split()[0])
        return fmt.stat().st_size == size and fingerprint(fmt) == seal
    except (OSError, ValueError, IndexError):
        return False


def copy_sealed(cached: Path, here: Path) -> bool:
    """Copy a cached format into the build dir if it is intact (checked on the copy)."""
    try:
        seal = seal_path(cached).read_text(encoding="ascii")
        replace_with_copy(cached, here, durable=False)
    except OSError:
        return False
    if fingerprint(here) != seal:
        forget(here, cached)
        return False
    replace_with_bytes(seal.encode("ascii"), seal_path(here), durable=False)
    return True


def forget(here: Path, cached: Path) -> None:
    """Drop a damaged format (in the build dir and in the cache), so that it is made again."""
    for path in (here, seal_path(here), seal_path(cached)):
        with contextlib.suppress(OSError):
            path.unlink()


def store(fmt: Path, cached: Path, keep: int = 6) -> None:
    """Keep the newest few formats for later builds and other build directories. The seal is
    written last: a format without one (a full disk, a crash) is never used."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        replace_with_copy(fmt, cached)
        replace_with_copy(seal_path(fmt), seal_path(cached))
        formats = sorted(cached.parent.glob("cvbuild-*.fmt"), key=lambda p: p.stat().st_mtime)
        for old in formats[:-keep]:
            old.unlink(missing_ok=True)
            seal_path(old).unlink(missing_ok=True)
        day_ago = time.time() - 86400
        for stray in cached.parent.glob(".cvbuild-*.tmp"):  # left by a killed build
            if stray.stat().st_mtime < day_ago:
                stray.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home or a full disk only costs speed
