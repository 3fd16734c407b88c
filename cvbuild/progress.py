"""What a build tells its user while it runs: messages (counts, warnings) and stage timings.

The pipeline only calls a `Progress`; how it looks is decided here: a spinner line on a
terminal, plain lines when the output goes to a file or a pipe, nothing with --quiet.
"""

from __future__ import annotations

import itertools
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO


def _ignore(*_: object) -> None:
    return None


@dataclass(frozen=True)
class Progress:
    """Callbacks the pipeline calls; each may be left out."""

    message: Callable[[str], None] = _ignore  # a line for the user: counts, warnings
    started: Callable[[str], None] = _ignore  # a stage or TeX pass begins ("pdflatex 2")
    finished: Callable[[str, float], None] = _ignore  # ... and ends after that many seconds


SILENT = Progress()

_REPLACED: list[str] = []  # outputs this command has put in place, for the message on Ctrl-C


def clear_replaced() -> None:
    _REPLACED.clear()


def record_replaced(what: str) -> None:
    _REPLACED.append(what)


def interrupted_note() -> str:
    """What an interrupted command changed: nothing, or whole variants (each PDF with its PNG
    pages; a variant's outputs are replaced all together or not at all)."""
    if not _REPLACED:
        return "no output was changed"
    verb = "was" if len(_REPLACED) == 1 else "were"
    return f"{', '.join(_REPLACED)} {verb} replaced completely; no other output was changed"


STAGE_WIDTH = 12


def stage_line(stage: str, seconds: float) -> str:
    return f"  {stage:<{STAGE_WIDTH}} {seconds:6.2f} s"


class Display:
    """Prints progress: stage lines (unless quiet), messages, and on a terminal a spinner for
    the stage in progress, redrawn in place and replaced by the stage's line when it ends."""

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False, spinner: bool | None = None):  # fmt: skip
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.spinner = (self.stream.isatty() if spinner is None else spinner) and not quiet
        self._current: str | None = None
        self._since = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def progress(self) -> Progress:
        return Progress(self.message, self.started, self.finished)

    def message(self, line: str) -> None:
        if self.quiet and not line.startswith("error"):
            return
        self._print(line)

    def started(self, stage: str) -> None:
        with self._lock:
            self._current, self._since = stage, time.monotonic()
        if self.spinner and self._thread is None:
            self._thread = threading.Thread(target=self._spin, daemon=True)
            self._thread.start()

    def finished(self, stage: str, seconds: float) -> None:
        with self._lock:
            if self._current == stage:
                self._current = None
        if not self.quiet:
            self._print(stage_line(stage, seconds))

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._clear()

    def _print(self, line: str) -> None:
        with self._lock:
            self._clear_locked()
            self.stream.write(line + "\n")
            self.stream.flush()

    def _spin(self) -> None:
        if hasattr(signal, "pthread_sigmask"):  # Ctrl-C is for the main thread, which stops TeX
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
        for frame in itertools.cycle(self.FRAMES):
            if self._stop.wait(0.1):
                return
            with self._lock:
                if self._current is None:
                    continue
                elapsed = time.monotonic() - self._since
                self.stream.write(f"\r{frame} {self._current} {elapsed:4.1f} s\x1b[K")
                self.stream.flush()

    def _clear(self) -> None:
        with self._lock:
            self._clear_locked()

    def _clear_locked(self) -> None:
        if self.spinner:
            self.stream.write("\r\x1b[K")
