"""Replacing files so that a crash, a full disk or Ctrl-C leaves the old file or the new one,
never half of one: write a hidden temporary file beside the target, flush it to disk, rename.

A rename within one folder is atomic; the flush makes sure that after a power cut the new name
does not point at an empty file. A replaced file keeps its permissions; a new one gets the
user's default (the umask), as any file the user saves would.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def staged_copy(source: Path, target: Path, *, durable: bool = True) -> Path:
    """A copy of `source` in a new hidden file beside `target`, flushed to disk (unless it is
    a scratch file that is checked before use), with the permissions `target` has (or the umask
    default); `commit` or `discard` it."""
    with open(source, "rb") as data:
        return _staged(target, lambda out: shutil.copyfileobj(data, out, 1 << 20), durable)


def staged_bytes(data: bytes, target: Path, *, durable: bool = True) -> Path:
    """As `staged_copy`, from bytes in memory."""
    return _staged(target, lambda out: out.write(data), durable)


def commit(temporary: Path, target: Path) -> None:
    os.replace(temporary, target)


def discard(temporary: Path) -> None:
    with contextlib.suppress(OSError):
        temporary.unlink()


def sweep(target: Path, older_than: float = 3600) -> None:
    """Remove temporary files of `target` that a killed cvbuild left (exactly the names
    `staged_copy` makes, and only old ones: a younger one may be another build's, in use)."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[0-9a-f]{{8}}\.tmp")
    cutoff = time.time() - older_than
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if (
                pattern.fullmatch(entry.name)
                and entry.stat(follow_symlinks=False).st_mtime < cutoff
            ):
                discard(Path(entry.path))


def replace_with_copy(source: Path, target: Path, *, durable: bool = True) -> None:
    """Copy `source` over `target` atomically (caches; outputs go through the pipeline)."""
    commit(staged_copy(source, target, durable=durable), target)


def replace_with_bytes(data: bytes, target: Path, *, durable: bool = True) -> None:
    commit(staged_bytes(data, target, durable=durable), target)


def _staged(target: Path, write: Callable[[BinaryIO], object], durable: bool) -> Path:
    """The new file is created with mode 0666, so the kernel applies the umask; then it gets the
    mode of the file it will replace, if that is a regular file (never a link target's mode)."""
    try:
        info = os.lstat(target)
        mode = stat.S_IMODE(info.st_mode) & 0o777 if stat.S_ISREG(info.st_mode) else None
    except OSError:
        mode = None
    while True:
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with open(handle, "wb") as out:
            write(out)
            out.flush()
            if durable:
                os.fsync(out.fileno())
            if mode is not None:
                os.fchmod(out.fileno(), mode)
    except BaseException:
        discard(temporary)
        raise
    return temporary


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, in words ("a named pipe (FIFO)"); "" for a
    regular file. Reading a pipe waits forever and replacing a device loses it: both ask."""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"
