"""Part of stage 4 (compile): how cvbuild runs TeX, and TeX passes started before what they
read next is there.

Kept apart from compile.py because it must import nothing heavy: `cvbuild pdf` starts a
rebuild's first pass right after its unchanged-check (`start`), and Python then spends 0.3-0.5 s
importing, loading and composing. TeX meanwhile loads its format and reads the last build's
preamble (up to and including `\\begin{document}`: the .aux, the .bbl and the fonts) from a
FIFO, on the other core: 0.15 s of a pdflatex pass, 0.65 s of a LuaLaTeX one. When the new .tex
is there, compile.py hands the pass the rest of it only if everything that pass has read is
what the build would have given it: the same preamble, engine, format and time stamp, no other
file the build writes changed, no biber run first. Otherwise the pass is killed and the build
runs as if it had never started (it cost only the other core).

A cold LuaLaTeX build's page pass starts the same way on its own preamble
(`start_on_preamble`), stopping before `\\begin{document}` while the control document and
biber write what it reads there.

A started pass writes into NEXT_DIR and reads the build dir, so a killed one leaves the build
dir as it was (but for a link to its XMP packet, see `_spawn`); a finished one's files are
moved in. Same bytes as an ordinary pass (tests/test_speed_prestart.py).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import queue
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from cvbuild import fmtcache

JOBNAME = "cv"
LOCK = ".cvbuild.lock"
# Present in a build dir while TeX works there: {"state": "running" | "failed", "groups": [...]}.
# A build killed outright leaves "running" (the next one stops its leftover processes and
# starts from an empty dir); a TeX failure leaves "failed" (the next one makes latexmk redo
# every step, as latexmk itself would otherwise answer "Nothing to do" with the old error).
WORKING = ".cvbuild-working.json"
# What the last successful build's last pass was: {"engine", "format", "epoch", "epoch_from"}.
RECORD = ".cvbuild-last-pass.json"
# Where a started pass writes (its own output directory; it reads the build dir's files).
NEXT_DIR = "cvbuild-next"
# How long a started pass may live at most (the build's own limit is 240 s).
_ORPHAN_SECONDS = 600
# The XMP packet pdfx (PDF/A) writes in a pass and embeds in the PDF.
_XMP_PACKET = "pdfa.xmpi"
# The end of the part of the .tex a pass reads before the content is known.
PREFIX_END = "\n\\begin{document}%\n"

# extra_mem_top: room for biblatex's data of thousands of entries (5,000 overflowed pdfTeX's
# default 5,000,000 words: "TeX capacity exceeded"); LuaTeX's memory grows by itself.
_TEX_FLAGS = (
    "-no-shell-escape -interaction=nonstopmode -halt-on-error -file-line-error "
    "-cnf-line=extra_mem_top=25000000 %O %S"
)
# latexmk's mode switch and engine setting per engine (cvbuild.repertoire picks the engine):
# cvbuild's own TeX runs use these flags (tex_command), `cvbuild tex` projects latexmk's.
LATEXMK_ENGINE = {
    "pdflatex": ["-pdf", f"-pdflatex=pdflatex {_TEX_FLAGS}"],
    # Lua's own file and process access is restricted by latex/cvbuild-sandbox.lua (LuaTeX's
    # --safer would do, but luaotfload refuses to run under it); no sockets either.
    "lualatex": [
        "-pdflua",
        f"-lualatex=lualatex --lua=cvbuild-sandbox.lua --nosocket {_TEX_FLAGS}",
    ],
}


def tex_command(engine: str, fmt: str | None) -> list[str]:
    """The TeX run cvbuild makes: the engine and flags of LATEXMK_ENGINE (also written into the
    standalone project's .latexmkrc), with a precompiled preamble where there is one, and
    -recorder: cv.fls lists every file TeX opened (what latexmk's %O added)."""
    words = shlex.split(
        LATEXMK_ENGINE[engine][1].partition("=")[2].replace("%O", "").replace("%S", "")
    )
    preamble = [f"-fmt={fmt}"] if fmt else []
    return [words[0], *preamble, *words[1:], "-recorder", f"{JOBNAME}.tex"]


def tex_env(source_date_epoch: int) -> dict[str, str]:
    """TeX's environment: reading and writing only inside the build dir, the PDF's time stamp
    fixed, log lines unbroken."""
    env = {
        **os.environ,
        "openin_any": "p",
        "openout_any": "p",
        "SOURCE_DATE_EPOCH": str(source_date_epoch),
        "FORCE_SOURCE_DATE": "1",
        "max_print_line": "1000",
    }
    env.pop("TEXINPUTS", None)
    return env


@dataclass(frozen=True)
class Finished:
    returncode: int
    output: str  # stdout and stderr together
    timed_out: bool


@contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """One build at a time per build directory: a second `cvbuild pdf` of the same variant waits
    instead of mixing its files into the first one's (other variants use other directories)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def terminations_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt, as Ctrl-C does, until the block ends (in the
    main thread, where Python handles signals): cleanup code then runs for them too. Used from
    the start of a build request (a pass may be started before the content is read) and around
    each build (compile.stop_on_signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(number: int, frame: object) -> None:
        raise KeyboardInterrupt

    terminations = (signal.SIGTERM, signal.SIGHUP)
    previous = {number: signal.signal(number, interrupt) for number in terminations}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def predicted_epoch(record: dict[str, object]) -> int | None:
    """The time stamp the build will give TeX: the as-of date's (recorded), else that of the
    newest of the files it came from last time. compile.py checks it against the real one."""
    epoch, files = record.get("epoch"), record.get("epoch_from")
    if not isinstance(epoch, int) or not isinstance(files, list):
        return None
    if not files:
        return epoch
    try:
        return newest_time(name for name in files if isinstance(name, str))
    except (OSError, ValueError):
        return None


def newest_time(files: Iterable[str | Path]) -> int:
    """The PDF's time stamp when the content gives no as-of date: the newest input's time, in
    whole seconds (the build's own, and `predicted_epoch`'s guess of it)."""
    return max(int(os.stat(name).st_mtime) for name in files)


def remember(
    build_dir: Path, engine: str, fmt: str | None, epoch: int, epoch_from: tuple[Path, ...]
) -> None:
    """After a successful build: what its last pass was, for the next build's `start`."""
    files = [str(path) for path in epoch_from]
    record = {"engine": engine, "format": fmt, "epoch": epoch, "epoch_from": files}
    path = build_dir / RECORD
    with contextlib.suppress(OSError):
        path.write_text(json.dumps(record), encoding="utf-8")


def clear_leftovers(build_dir: Path) -> None:
    """What a started pass leaves when cvbuild is killed outright before the build takes it
    over (no mark says so): its folder, and the link to its XMP packet, which the next pass
    would otherwise try to write through."""
    _unlink_link(build_dir / _XMP_PACKET)
    shutil.rmtree(build_dir / NEXT_DIR, ignore_errors=True)


@dataclass
class Prestart:
    """A TeX pass started on a preamble (the last build's, or a cold build's own), waiting for
    the rest of the .tex."""

    build_dir: Path
    engine: str
    format: str | None
    epoch: int
    prefix: str
    process: subprocess.Popen[bytes]
    lock: IO[str] | None  # the build dir's, when the pass took it (a rebuild's, from the CLI)
    _feed: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _output: list[bytes] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stopped: bool = False

    @property
    def read_the_build_files(self) -> bool:
        """It went through \\begin{document}: it has read the .aux and the .bbl."""
        return self.prefix.endswith(PREFIX_END)

    def accept(self, tex: str, engine: str, fmt: str | None, epoch: int) -> bool:
        """Hand the pass the rest of `tex` if it has read only what the build's own first pass
        would read; else stop it (False)."""
        if engine == self.engine and fmt == self.format and epoch == self.epoch:
            return self.go_on(tex)
        self.stop()
        return False

    def go_on(self, tex: str) -> bool:
        """Hand the pass the rest of `tex` (its preamble is this build's own: a cold build's
        page pass, once the files it reads next are there); False if it cannot go on."""
        if tex.startswith(self.prefix) and self.process.poll() is None and not self._stopped:
            self._feed.put(tex[len(self.prefix) :])
            return True
        self.stop()
        return False

    def wait(self, deadline: float) -> Finished:
        """The accepted pass's end (killed at the deadline)."""
        timed_out = False
        while True:
            try:
                self.process.wait(timeout=max(0.0, min(0.1, deadline - time.monotonic())))
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline:
                    self._kill()
                    timed_out = True
        for thread in self._threads:
            if thread.ident is not None:  # (started: an interrupt may come in between)
                thread.join(timeout=5)
        output = b"".join(self._output).decode("utf-8", errors="replace")
        return Finished(self.process.returncode, output, timed_out)

    def move_in(self) -> None:
        """Put the finished pass's files in the build dir, as if it had run there."""
        next_dir = self.build_dir / NEXT_DIR
        for entry in next_dir.iterdir():
            if entry.name != f"{JOBNAME}.tex":
                os.replace(entry, self.build_dir / entry.name)
        _unlink_link(self.build_dir / _XMP_PACKET)
        shutil.rmtree(next_dir, ignore_errors=True)

    def stop(self) -> None:
        """Kill the pass if it still runs and remove its files. Safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self._kill()
        self._feed.put(None)  # (a writer still waiting for TeX to open the FIFO sees it too)
        for thread in self._threads:
            if thread.ident is not None:  # (started: an interrupt may come in between)
                thread.join(timeout=5)
        _unlink_link(self.build_dir / _XMP_PACKET)
        shutil.rmtree(self.build_dir / NEXT_DIR, ignore_errors=True)

    def release(self) -> None:
        """Stop the pass and let other builds into the build dir (the CLI calls this whatever
        happened; the build itself, once it is done with the dir)."""
        self.stop()
        if self.lock is not None and not self.lock.closed:
            with contextlib.suppress(OSError):
                fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()

    @contextmanager
    def held(self) -> Iterator[None]:
        """The build dir's lock, as `build_lock` gives it: taken when the pass started."""
        try:
            yield
        finally:
            self.release()

    def _kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def start(build_dir: Path) -> Prestart | None:
    """Start the first pass of a rebuild of `build_dir` on the last build's preamble, or None
    when there is nothing to go on (no successful build before, a build there now, a failed or
    killed one, no format)."""
    try:
        record = json.loads((build_dir / RECORD).read_text(encoding="utf-8"))
        engine, fmt = record["engine"], record["format"]
        if engine not in LATEXMK_ENGINE or not isinstance(fmt, str | None):
            return None
        if (build_dir / WORKING).exists():
            return None
        if fmt is not None and not fmtcache.sealed(build_dir / f"{fmt}.fmt"):
            return None
        epoch = predicted_epoch(record)
        tex = (build_dir / f"{JOBNAME}.tex").read_text(encoding="utf-8")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    end = tex.find(PREFIX_END)
    if epoch is None or end < 0:
        return None
    lock = open(build_dir / LOCK, "w")  # noqa: SIM115 (held until close())
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # another build works there
        lock.close()
        return None
    try:
        return _spawn(build_dir, engine, fmt, epoch, tex[: end + len(PREFIX_END)], lock)
    except BaseException as error:  # (an interrupt too: then the build stops here)
        with contextlib.suppress(OSError):
            fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        if isinstance(error, OSError):
            return None
        raise


def start_on_preamble(
    build_dir: Path, engine: str, fmt: str | None, tex: str, epoch: int
) -> Prestart | None:
    """A cold build's page pass, started on the new .tex's preamble (with the format only if it
    is there already) while the control document and biber run: it stops before
    \\begin{document}, where it would read their .aux and .bbl. LuaLaTeX only: its preamble
    is 0.8 s of a 2 s pass (pdflatex's pages wait for its format, which is quicker)."""
    end = tex.find(PREFIX_END)
    if end < 0:
        return None
    try:
        return _spawn(build_dir, engine, fmt, epoch, tex[: end + 1], None)
    except OSError:
        return None


def _spawn(
    build_dir: Path, engine: str, fmt: str | None, epoch: int, prefix: str, lock: IO[str] | None
) -> Prestart:
    try:
        process = _start_tex(build_dir, engine, fmt, epoch)
    except BaseException:  # (an interrupt too)
        clear_leftovers(build_dir)
        raise
    started = Prestart(build_dir, engine, fmt, epoch, prefix, process, lock)
    try:
        fifo = build_dir / NEXT_DIR / f"{JOBNAME}.tex"
        reader = threading.Thread(target=_read_all, args=(process, started._output), daemon=True)
        writer = threading.Thread(
            target=_write_all, args=(fifo, prefix, started._feed), daemon=True
        )
        started._threads.extend([reader, writer])
        reader.start()
        writer.start()
    except BaseException:  # (an interrupt: the caller never gets the pass to stop it)
        started.stop()
        raise
    return started


def _start_tex(
    build_dir: Path, engine: str, fmt: str | None, epoch: int
) -> subprocess.Popen[bytes]:
    """TeX reading NEXT_DIR/cv.tex, a FIFO, and writing into NEXT_DIR."""
    next_dir = build_dir / NEXT_DIR
    shutil.rmtree(next_dir, ignore_errors=True)
    next_dir.mkdir()
    os.mkfifo(next_dir / f"{JOBNAME}.tex")
    # pdfx writes its XMP packet into the output folder and then embeds it by name, which the
    # PDF backend looks up in the working folder only: there, a link to it (until move_in)
    packet = build_dir / _XMP_PACKET
    packet.unlink(missing_ok=True)
    packet.symlink_to(Path(NEXT_DIR) / _XMP_PACKET)
    # pdfTeX would open the main file twice (once for a %& line); LuaTeX has no such option
    first_line = ["-no-parse-first-line"] if engine == "pdflatex" else []
    command = [*tex_command(engine, fmt)[:-1], *first_line, f"-output-directory={NEXT_DIR}",
               f"-jobname={JOBNAME}", f"{NEXT_DIR}/{JOBNAME}.tex"]  # fmt: skip
    # TeX opens the FIFO once its format is loaded and waits there for a writer: if cvbuild is
    # killed outright before its writer opened it, none ever comes. coreutils' timeout ends
    # such a TeX (a pass that is used is waited for, and killed, by the build).
    if shutil.which("timeout"):
        command = ["timeout", "--kill-after=5", str(_ORPHAN_SECONDS), *command]
    return subprocess.Popen(
        command,
        cwd=build_dir,
        env=tex_env(epoch),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _unlink_link(path: Path) -> None:
    if path.is_symlink():
        path.unlink()


def _read_all(process: subprocess.Popen[bytes], output: list[bytes]) -> None:
    assert process.stdout is not None
    with process.stdout:
        for chunk in iter(lambda: os.read(process.stdout.fileno(), 1 << 16), b""):  # type: ignore[union-attr]
            output.append(chunk)


def _write_all(fifo: Path, prefix: str, feed: queue.Queue[str | None]) -> None:
    """Open the FIFO once TeX opens it, write the preamble, then the rest when it comes; a
    None (or TeX gone) ends it without: TeX then stops at the end of its input. The opening is
    tried every few milliseconds rather than waited for, so that a None ends it before TeX
    got there too."""
    rest: list[str] = []  # the rest of the .tex, when it came before TeX opened the FIFO
    while True:
        try:
            descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as error:  # ENXIO: TeX has not opened it yet
            if error.errno != errno.ENXIO:
                return
        try:
            item = feed.get(timeout=0.005)
        except queue.Empty:
            continue
        if item is None:
            return
        rest.append(item)
    os.set_blocking(descriptor, True)
    with contextlib.suppress(OSError), open(descriptor, "w", encoding="utf-8") as stream:
        stream.write(prefix)
        stream.flush()
        item = rest[0] if rest else feed.get()
        if item is not None:
            stream.write(item)
