"""The cache of precompiled preambles (pdflatex formats): where it is, and keeping its files
whole. A format is large and a build trusts it blindly, so each one has a seal beside it (size
and SHA-256, written last): a format without a matching seal (a full disk, a killed dump) is
made again, never loaded. Making a format is compile.py's job (it runs pdflatex).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import time
import zlib
from pathlib import Path

from cvbuild.cache import file_state
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


def inflate(fmt: Path) -> None:
    """Store a format uncompressed: TeX writes formats gzip-compressed and reads either kind,
    and inflating 20 to 35 MB took 8 % of every pdflatex pass (0.05 s) and 0.1 s of a LuaLaTeX
    one. Done once, when the format is made; the loaded format is the same."""
    with open(fmt, "rb") as data:
        if data.read(2) != b"\x1f\x8b":
            return
    temporary = fmt.with_name(fmt.name + ".inflating")
    try:
        with gzip.open(fmt, "rb") as packed, open(temporary, "wb") as plain:
            shutil.copyfileobj(packed, plain, 1 << 20)
        os.replace(temporary, fmt)
    except (EOFError, zlib.error) as damaged:  # a dump cut short
        raise OSError(f"damaged format {fmt.name}: {damaged}") from None
    finally:
        temporary.unlink(missing_ok=True)


def seal(fmt: Path) -> None:
    replace_with_bytes(fingerprint(fmt).encode("ascii"), seal_path(fmt), durable=False)


# A file's stamp: what changes whenever its bytes do (a write sets its mtime and ctime; a new
# file has a new inode). A file written less than this long before it was checked may be
# written again within the file system's time stamp granularity: its stamp is not trusted.
_SETTLED_SECONDS = 2.0


def _fingerprint_line(seal: str) -> str:
    """A seal's first line (size and SHA-256), without the stamp of the file it was made for."""
    return seal.partition("\n")[0] + "\n"


def _stamp(status: os.stat_result) -> str:
    return " ".join(map(str, file_state(status))) + "\n"


def sealed(fmt: Path) -> bool:
    """The format is complete: its size and hash are those recorded when it was made.

    Hashing a format (8 to 35 MB) cost 20 to 40 ms of every build; once the hash has matched,
    the seal also records the file's stamp (size, times, inode), and while the stamp stays the
    same the file is not read again (as git trusts its index for files older than the index)."""
    try:
        seal = seal_path(fmt).read_text(encoding="ascii")
        fingerprint_line, _, stamp_line = seal.partition("\n")
        status = fmt.stat()
        if status.st_size != int(fingerprint_line.split()[0]):
            return False
        if stamp_line and stamp_line == _stamp(status):
            return True
        if fingerprint(fmt) != fingerprint_line + "\n":
            return False
        now = time.time()
        if min(now - status.st_mtime, now - status.st_ctime) > _SETTLED_SECONDS:
            stamped = fingerprint_line + "\n" + _stamp(status)
            replace_with_bytes(stamped.encode("ascii"), seal_path(fmt), durable=False)
        return True
    except (OSError, ValueError, IndexError):
        return False


def copy_sealed(cached: Path, here: Path) -> bool:
    """Copy a cached format into the build dir if it is intact (checked on the copy)."""
    try:
        seal = seal_path(cached).read_text(encoding="ascii")
        replace_with_copy(cached, here, durable=False)
    except OSError:
        return False
    fingerprint_line = _fingerprint_line(seal)  # (the cached file's stamp is not this one's)
    if fingerprint(here) != fingerprint_line:
        forget(here, cached)
        return False
    replace_with_bytes(fingerprint_line.encode("ascii"), seal_path(here), durable=False)
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
        fingerprint_line = _fingerprint_line(seal_path(fmt).read_text(encoding="ascii"))
        replace_with_bytes(fingerprint_line.encode("ascii"), seal_path(cached))
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
