"""Stage 4: run TeX (pdflatex or LuaLaTeX) and biber in a per-variant build directory, as
many passes as the document needs to settle (see `_typeset`).

The only stage that starts processes. TeX runs without shell escape, may read and write only
inside the build directory (`openin_any=p`, `openout_any=p`), gets no stdin and a time limit.
On failure the first TeX error is shown in a few lines; the full log stays in the build dir.

Every tool runs in a process group of its own, listed in a mark in the build dir while TeX
works there: Ctrl-C, SIGTERM, SIGHUP and the time limit stop it with all it started, and when
cvbuild itself was killed the next build stops the leftovers and starts from a clean dir.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import hashlib
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from cvbuild import cache, fmtcache, texlog
from cvbuild.errors import TexError
from cvbuild.files import replace_with_bytes, replace_with_copy
from cvbuild.prestart import (
    JOBNAME,
    LOCK,
    NEXT_DIR,
    WORKING,
    Finished,
    Prestart,
    clear_leftovers,
    remember,
    start_on_preamble,
    terminations_interrupt,
    tex_command,
    tex_env,
)
from cvbuild.progress import SILENT, Progress
from cvbuild.repertoire import scripts_used
from cvbuild.resources import LATEX_DIR
from cvbuild.writers.latex import BIB_NAME, DUMP_MARKER, RenderedProject, with_fallbacks


@dataclass(frozen=True)
class CompileResult:
    pdf: Path
    log: Path
    seconds: float
    warnings: tuple[str, ...]
    pages: int  # as TeX reported writing them


def write_project(project: RenderedProject, build_dir: Path) -> frozenset[str]:
    """Write the project; files whose content is unchanged keep their time stamps, so latexmk
    can tell what needs redoing. Returns the names of the files written (changed)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    texts = {
        f"{JOBNAME}.tex": project.tex,
        BIB_NAME: project.bib,
        f"{JOBNAME}.xmpdata": project.xmpdata,
        **{support.name: support.read_text(encoding="utf-8") for support in project.support_files},
    }
    written = {name for name, text in texts.items() if _write_if_changed(build_dir / name, text)}
    for name, source in project.assets:
        target = build_dir / name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
            written.add(name)
    return frozenset(written)


def write_standalone(project: RenderedProject, directory: Path) -> Path:
    """The project plus a latexmkrc, so that plain `latexmk` in `directory` builds cv.pdf with
    the right engine (Debian's own latexmk default is LuaLaTeX) and biber."""
    write_project(project, directory)
    tex = directory / f"{JOBNAME}.tex"
    mode = {"pdflatex": 1, "lualatex": 4}[project.engine]
    rc = (
        "# Written by `cvbuild tex`: plain `latexmk` in this folder builds cv.pdf.\n"
        f"$pdf_mode = {mode};  # 1 pdflatex, 4 lualatex (cvbuild chose {project.engine})\n"
        "$bibtex_use = 2;  # run biber when the bibliography needs it\n"
        "# LuaLaTeX runs Lua only inside cvbuild's sandbox (files of this folder, no processes).\n"
        "$lualatex = 'lualatex --lua=cvbuild-sandbox.lua --nosocket %O %S';\n"
        f"@default_files = ('{tex.name}');\n"
    )
    _write_if_changed(directory / ".latexmkrc", rc)
    return tex


def _write_if_changed(path: Path, text: str) -> bool:
    if path.exists() and path.read_text(encoding="utf-8", errors="replace") == text:
        return False
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return True


def compile_project(
    project: RenderedProject,
    build_dir: Path,
    *,
    source_date_epoch: int,
    epoch_from: tuple[Path, ...] = (),
    timeout: float = 240,
    progress: Progress = SILENT,
    prestarted: Prestart | None = None,
) -> CompileResult:
    """TeX and biber until the PDF has settled. `epoch_from`: the files the time stamp was
    taken from (none when the content gives an as-of date), so that the next build can guess
    it before reading them (cvbuild.prestart); `prestarted`: this build's first pass, started
    on the last build's preamble, used when it read what this build would have given it."""
    project = _engine_installed(project, progress)
    _require_tools(project.engine)
    redo = _begin(build_dir)
    written = write_project(project, build_dir)
    started = time.monotonic()
    env = tex_env(source_date_epoch)
    progress.started("preamble")
    began = time.monotonic()
    name = _format_name(project)
    making: list[str | None] = []  # the format being made, once it is there (or None)
    maker = None
    if name is not None and not _format_ready(name, build_dir):
        # Making the format is a pass over the preamble: the first pass (which has no .bbl
        # yet and only feeds biber) runs meanwhile without it, on the other core.
        def make(format_name: str = name) -> None:
            made = None
            try:
                made = format_name if _make_format(format_name, build_dir, env) else None
            except KeyboardInterrupt:
                pass  # stopped with the whole build, which the main thread reports
            finally:
                making.append(made)
                progress.finished("preamble", time.monotonic() - began)

        maker = threading.Thread(target=make, daemon=True)
        maker.start()
    else:
        progress.finished("preamble", time.monotonic() - began)

    def fmt(number: int) -> str | None:
        """The format for pass `number`. The first pass (which only feeds biber) never waits
        for it. Under LuaLaTeX no pass does: its format takes longer to make than the first
        pass and biber, a pass without it costs less than the wait, and it writes the same bytes
        (tests/test_lua_speed.py). A pdflatex pass without the format writes other bytes (the
        fonts the format preloads are numbered otherwise), so pages are typeset with it."""
        if maker is None:
            return name
        if number == 1 or project.engine == "lualatex":
            return making[0] if making else None
        maker.join()
        return making[0]

    limit = (time.monotonic() + timeout, timeout)
    control = project.control_tex != "" and shutil.which("pdflatex") is not None
    if control:
        _write_if_changed(build_dir / CONTROL_TEX, project.control_tex)
    first = None
    cold = redo or not (build_dir / f"{JOBNAME}.bbl").exists()
    if prestarted is not None:
        # it read the build dir's files and the old .tex's preamble: only the .tex may differ
        fits = not redo and maker is None and written <= {f"{JOBNAME}.tex"}
        if fits and prestarted.accept(project.tex, project.engine, name, source_date_epoch):
            first = prestarted
        else:
            prestarted.stop()
    else:
        clear_leftovers(build_dir)
    if first is None and cold and control and project.engine == "lualatex":
        # the page pass reads its preamble while the control document and biber run
        preamble = name if maker is None else None  # (the same bytes without it, see fmt)
        first = start_on_preamble(
            build_dir, project.engine, preamble, project.tex, source_date_epoch
        )
    try:
        completed = _typeset(
            project.engine, fmt, build_dir, env, limit, progress, redo, control, first
        )
    finally:
        if maker is not None:
            maker.join()
        if first is not None:
            first.stop()
    # the format the next build's first pass will load (this build's passes may have run
    # without it, under LuaLaTeX, while it was being made)
    ready = name if maker is None else making[0]
    if completed.format and _format_failed(completed):
        # A format that passed its check and still cannot be loaded (or, under LuaLaTeX, left
        # out Lua state a package needs, see latex/cvbuild.sty): build without one.
        ready = None
        fmtcache.forget(
            build_dir / f"{completed.format}.fmt",
            fmtcache.format_cache() / f"{completed.format}.fmt",
        )
        completed = _typeset(
            project.engine, lambda _: None, build_dir, env, limit, progress, True, control
        )
    log = build_dir / f"{JOBNAME}.log"
    pdf = build_dir / f"{JOBNAME}.pdf"
    if completed.returncode != 0 or not pdf.exists():
        _mark(build_dir, "failed")
        raise texlog.failure(_texts(build_dir, completed.output))
    _end(build_dir)
    texts = _texts(build_dir)
    problems = texlog.log_problems(texts.log) + texlog.biber_problems(texts.blg)
    if problems:
        raise TexError(
            "LaTeX finished with problems:\n"
            + "\n".join(f"  {p}" for p in problems)
            + f"\nFull log: {log}"
        )
    warnings = texlog.overfull_boxes(texts.log, texts.tex_lines, project.entries)
    pages = texlog.pages_written(texts.log)
    if pages is None:
        raise TexError(f"LaTeX wrote no pages (see {log})")
    remember(build_dir, project.engine, ready, source_date_epoch, epoch_from)
    return CompileResult(pdf, log, time.monotonic() - started, tuple(warnings), pages)


def _texts(build_dir: Path, latexmk_output: str = "") -> texlog.Texts:
    """The logs and the .tex of a build, as texlog reads them."""

    def read(suffix: str, encoding: str) -> str:
        path = build_dir / f"{JOBNAME}.{suffix}"
        return path.read_text(encoding=encoding, errors="replace") if path.exists() else ""

    return texlog.Texts(
        log=read("log", "latin-1"),
        tex_lines=read("tex", "utf-8").splitlines(),
        blg=read("blg", "utf-8"),
        latexmk_output=latexmk_output,
        log_path=str(build_dir / f"{JOBNAME}.log"),
        blg_path=str(build_dir / f"{JOBNAME}.blg"),
    )


_FORMAT_REFUSED = re.compile(r"Fatal format file error|Could not undump|can't find the format")


def _format_failed(completed: Typeset) -> bool:
    """The pass failed because of its format: one TeX could not load, or any failure of a pass
    with a LuaLaTeX format (which cannot hold Lua's state; a real error in the text then
    shows again in the build without the format)."""
    if _FORMAT_REFUSED.search(completed.output):
        return True
    return completed.returncode != 0 and (completed.format or "").startswith(_LUA_FORMAT)


# ---------------------------------------------------------------- a build killed half-way


def _begin(build_dir: Path) -> bool:
    """Mark the build dir as being worked on. A mark left by a build that was killed (Ctrl-C,
    SIGTERM, SIGKILL, a crash, a timeout): its leftover TeX processes are stopped and its
    half-written files (.aux, .bbl, latexmk's database, a format) removed. Returns True when
    the last build ended in a TeX error, so that latexmk must redo every step."""
    build_dir.mkdir(parents=True, exist_ok=True)
    state = _working(build_dir).get("state")
    if state is not None and state != "failed":
        _recover(build_dir)
    _mark(build_dir, "running")
    return state == "failed"


def _end(build_dir: Path) -> None:
    (build_dir / WORKING).unlink(missing_ok=True)


def _working(build_dir: Path) -> dict[str, object]:
    """The mark's content; a mark that cannot be read counts as a killed build's."""
    path = build_dir / WORKING
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {"state": "unknown"}
    except (OSError, ValueError):
        return {"state": "unknown"}


def _mark(build_dir: Path, state: str, groups: list[int] | None = None) -> None:
    record = {"state": state, "pid": os.getpid(), "groups": groups or []}
    replace_with_bytes(json.dumps(record).encode("utf-8"), build_dir / WORKING, durable=False)


def _groups(build_dir: Path) -> list[int]:
    """The process groups the mark lists (those a killed build may have left running)."""
    groups = _working(build_dir).get("groups")
    return [g for g in groups if isinstance(g, int) and g > 1] if isinstance(groups, list) else []


# What cvbuild, latexmk, TeX and biber write in a build dir (cv.*, cvbuild*, temporary files):
# all that a killed build may have left half-done, and all that is removed after one.
_BUILD_FILES = re.compile(r"\.?cv\..+|\.?cvbuild.*|pdfa\.xmpi|missfont\.log|texput\.log|png-pages")


def _recover(build_dir: Path) -> None:
    for group in _groups(build_dir):
        _stop_leftovers(group, build_dir)
    for entry in build_dir.iterdir():
        if entry.name == LOCK or not _BUILD_FILES.fullmatch(entry.name):
            continue  # the lock is held by this build: a new file would let a third one in
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _stop_leftovers(group: int, build_dir: Path) -> None:
    """Kill a dead build's process group if it still runs TeX in this build dir (checked in
    /proc, so that a process group id reused by someone else is left alone)."""
    members = _group_members(group)
    if not any(_works_in(pid, build_dir) for pid in members):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while _group_members(group) and time.monotonic() < deadline:
        time.sleep(0.05)


def _group_members(group: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc (empty where there is none)."""
    members = []
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", encoding="latin-1") as stat:
                    fields = stat.read().rpartition(")")[2].split()
            except OSError:
                continue
            if len(fields) > 2 and fields[0] != "Z" and fields[2] == str(group):
                members.append(int(entry.name))
    return members


def _works_in(pid: int, build_dir: Path) -> bool:
    try:
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return False
    here = build_dir.resolve()
    return cwd == here or here in cwd.parents


# ---------------------------------------------------------------- precompiled preamble


def _format_name(project: RenderedProject) -> str | None:
    """The name of the format holding the preamble up to DUMP_MARKER: a hash of that preamble,
    the support files and the TeX installation, with the engine's prefix.

    Loading moderncv, biblatex and fonts is about half of every pdflatex pass; a format
    (mylatexformat) loads it in a fraction. Under LuaLaTeX the format holds the class, babel and
    biblatex (0.5 s of a 2.3 s pass) but not the fonts, which live in Lua (latex/cvbuild.sty,
    "precompiled preamble", says what is put back). The format is an optimisation only: when
    it cannot be made, the build runs the ordinary way. Each format has its size and hash
    beside it; one that does not match them (a full disk, a killed dump) is made again, never
    loaded.
    """
    if DUMP_MARKER not in project.tex:
        return None
    digest = hashlib.sha256(project.tex.split(DUMP_MARKER)[0].encode("utf-8"))
    for support in project.support_files:
        digest.update(support.read_bytes())
    digest.update(_tex_installation().encode("utf-8"))
    if project.engine == "lualatex":
        digest.update(_lua_installation().encode("utf-8"))
        return f"{_LUA_FORMAT}{digest.hexdigest()[:20]}"
    return f"cvbuild-{digest.hexdigest()[:20]}"


# LuaLaTeX's formats are told apart by name (the same preamble may go to either engine).
_LUA_FORMAT = "cvbuild-lua-"


def _format_ready(name: str, build_dir: Path) -> bool:
    """The format is in the build dir, or copied there from the cache; intact either way."""
    here = build_dir / f"{name}.fmt"
    if fmtcache.sealed(here):
        return True
    for old in build_dir.glob("cvbuild-*.fmt*"):
        old.unlink()
    return fmtcache.copy_sealed(fmtcache.format_cache() / f"{name}.fmt", here)


def _make_format(name: str, build_dir: Path, env: dict[str, str]) -> bool:
    here = build_dir / f"{name}.fmt"
    if not _dump_format(name, build_dir, env):
        here.unlink(missing_ok=True)
        return False
    try:
        fmtcache.inflate(here)
        fmtcache.seal(here)
    except OSError:
        here.unlink(missing_ok=True)
        return False
    fmtcache.store(here, fmtcache.format_cache() / f"{name}.fmt")
    return True


def _dump_format(name: str, build_dir: Path, env: dict[str, str]) -> bool:
    engine, base = ["pdflatex"], "&pdflatex"
    if name.startswith(_LUA_FORMAT):
        # The sandbox runs first here as in every pass (what it defines is not in the format).
        engine = ["lualatex", "--lua=cvbuild-sandbox.lua", "--nosocket", "-no-shell-escape"]
        base = "&lualatex"
    command = [*engine, "-ini", "-interaction=nonstopmode", "-halt-on-error", f"-jobname={name}",
               base, "mylatexformat.ltx", f"{JOBNAME}.tex"]  # fmt: skip
    done = run_tool(command, build_dir, env=env, timeout=120)
    return done.returncode == 0 and not done.timed_out and (build_dir / f"{name}.fmt").exists()


@functools.cache
def _tex_installation() -> str:
    """Changes whenever TeX Live or one of its packages is updated (the format must then be
    remade): the pdflatex base format's and the package index's time stamps."""
    stamps = []
    for name in ("pdflatex.fmt", "ls-R"):
        for path in _kpsewhich("-all", name, files=False).split():
            with contextlib.suppress(OSError):
                stamps.append(f"{path}:{Path(path).stat().st_mtime_ns}")
    return "\n".join(stamps)


def _kpsewhich(*args: str, files: bool = True) -> str:
    """kpsewhich's answer, remembered in the user's cache (cache.remember): each call cost a
    build about 15 ms. Where a file is depends on kpsewhich itself and the TEXMF settings (the
    key of every answer); whether a package's file is there (`files`) also on the package index
    (ls-R, which Debian's TeX packages update when they are installed or removed)."""
    if shutil.which("kpsewhich") is None:
        return ""
    place = "\0".join(["kpsewhich", *args])
    key = "\0".join([_kpsewhich_identity(), _tex_installation() if files else ""])
    answer = cache.remembered(place, key)
    if isinstance(answer, str):
        return answer
    answer = subprocess.run(["kpsewhich", *args], capture_output=True, text=True).stdout
    cache.remember(place, key, answer)
    return answer


@functools.cache
def _kpsewhich_identity() -> str:
    """kpsewhich (its path and time stamp) and the settings that tell it where to look."""
    found = shutil.which("kpsewhich") or ""
    stamp = ""
    with contextlib.suppress(OSError):
        stamp = str(Path(found).resolve().stat().st_mtime_ns)
    settings = sorted(
        f"{k}={v}" for k, v in os.environ.items() if k.startswith(("TEXMF", "TEXLIVE"))
    )
    return "\n".join([found, stamp, *settings])


def _engine_installed(
    project: RenderedProject,
    progress: Progress,
    find: Callable[[list[str]], set[str]] | None = None,
) -> RenderedProject:
    """pdflatex prints Greek and Cyrillic with TeX packages an older installation may lack; then
    the build uses LuaLaTeX (as before those packages were used), and says what to install."""
    if project.engine != "pdflatex":
        return project
    scripts = scripts_used([project.tex, project.bib])
    if not scripts:
        return project
    found = (find or _tex_files_found)([name for s in scripts for name, _ in s.files])
    lacking = tuple(s for s in scripts if any(name not in found for name, _ in s.files))
    if not lacking:
        return project
    names = " and ".join(sorted(s.name for s in lacking))
    packages = " ".join(
        sorted({package for s in lacking for name, package in s.files if name not in found})
    )
    progress.message(
        f"note: pdflatex prints {names} text with the Debian package(s) {packages}, which are "
        f"not installed: building with LuaLaTeX instead (slower). Install them with "
        f"'sudo apt-get install {packages}' (or 'make deps')."
    )
    return replace(
        project, engine="lualatex", tex=with_fallbacks(project.tex, project.bib, lacking)
    )


def _tex_files_found(names: list[str]) -> set[str]:
    found = _kpsewhich(*names)
    return {Path(line).name for line in found.splitlines() if line.strip()}


@functools.cache
def _lua_installation() -> str:
    """What a LuaLaTeX format also depends on: the lualatex base format it is made from."""
    found = _kpsewhich("-engine=luahbtex", "-all", "lualatex.fmt", files=False)
    stamps = []
    for path in found.split():
        with contextlib.suppress(OSError):
            stamps.append(f"{path}:{Path(path).stat().st_mtime_ns}")
    return "\n".join(stamps)


def _require_tools(engine: str) -> None:
    missing = [tool for tool in (engine, "biber") if shutil.which(tool) is None]
    if missing:
        raise TexError(
            f"{', '.join(missing)} not found. Run 'make pdf' once (it installs the Debian TeX "
            "packages), or install latexmk, biber and TeX Live yourself."
        )


# ---------------------------------------------------------------- running tools, stopping them

_RUNNING: set[int] = set()  # process groups of tools in progress (several with --all)
_STOPPED = threading.Event()  # set by stop_all: no tool may start any more
_STARTING = threading.Lock()
_MARKING = threading.Lock()
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def stop_all() -> None:
    """Kill every tool run in progress (latexmk with its pdflatex and biber, format dumps,
    pdftoppm) and refuse to start new ones: Ctrl-C during a multi-variant build."""
    with _STARTING:
        _STOPPED.set()
        for group in list(_RUNNING):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)


def stopped() -> bool:
    """The build was interrupted: nothing may be started or put in place any more."""
    return _STOPPED.is_set()


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Around a whole build (main thread): SIGTERM and SIGHUP interrupt it as Ctrl-C does, and an
    interrupt stops every tool it started, so no TeX process outlives cvbuild."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _STOPPED.clear()
    with terminations_interrupt():
        try:
            yield
        except KeyboardInterrupt:
            stop_all()
            raise


@contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait until the block (putting outputs in place) is done, then
    interrupt as usual: a variant's outputs are replaced all together or not at all. (Other
    threads never see signals; the main thread stops them before they publish.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {number: signal.signal(number, lambda n, _: caught.append(n)) for number in _SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if caught:
        raise KeyboardInterrupt


def _ignore(_: str) -> None:
    return None


def run_tool(
    command: list[str],
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float,
    each_line: Callable[[str], None] = _ignore,
) -> Finished:
    """The way cvbuild starts a tool (cvbuild.prestart starts early TeX passes, which
    `_started_pass` takes over the same way): in its own process group (so that it can be killed
    with everything it started), recorded in the build dir's mark (so that the next build can
    stop it if cvbuild itself is killed), no stdin, killed after `timeout` seconds or when the
    build is interrupted."""

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    output: list[str] = []
    timed_out = False
    with _registered(start) as process:
        try:
            _mark_running(cwd, process.pid)
            assert process.stdout is not None
            timed_out = not _read_lines(
                process.stdout, time.monotonic() + timeout, output, each_line
            )
            if timed_out:
                _kill(process)
            process.wait()
        except BaseException:
            _kill(process)
            raise
        finally:
            process.stdout.close()  # type: ignore[union-attr]
    return Finished(process.returncode, "".join(output), timed_out)


@contextmanager
def _registered(
    start: Callable[[], subprocess.Popen[bytes]],
) -> Iterator[subprocess.Popen[bytes]]:
    """A tool's process, started (or taken over, cvbuild.prestart's) only while the build is
    not being stopped, and among those stop_all kills until it ends."""
    with _STARTING:
        if _STOPPED.is_set():
            raise KeyboardInterrupt
        process = start()
        _RUNNING.add(process.pid)
    try:
        yield process
    finally:
        _RUNNING.discard(process.pid)


def _mark_running(cwd: Path, group: int) -> None:
    """Record the tool's process group in the build dir's mark, so that the next build can stop
    it if cvbuild itself is killed."""
    with _MARKING:  # the format and the first pass may start at once
        if (cwd / WORKING).exists():
            _mark(cwd, "running", [*_groups(cwd), group])


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the tool and all it started; return once they are gone (their output closed)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError, ValueError):
        assert process.stdout is not None
        _read_lines(process.stdout, time.monotonic() + 5, [], _ignore)
    process.wait()


def _read_lines(
    stream: IO[bytes], deadline: float, output: list[str], each_line: Callable[[str], None]
) -> bool:
    """Read the tool's output until it ends (True) or the deadline passes (False). The wait
    wakes up every tenth of a second, so that Ctrl-C or SIGTERM is handled at once even when
    the kernel hands the signal to another thread."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if not selector.select(min(left, 0.1)):
                continue
            chunk = os.read(stream.fileno(), 1 << 16)
            pending += decoder.decode(chunk, final=not chunk)
            *lines, pending = pending.split("\n")
            for line in lines:
                output.append(line + "\n")
                each_line(line + "\n")
            if not chunk:
                if pending:
                    output.append(pending)
                    each_line(pending)
                return True


# ---------------------------------------------------------------- the passes

# Files a TeX pass writes and the next one reads. When a pass leaves them as it found them, the
# document has settled and another pass would give the same bytes. (biblatex's cv.run.xml is not
# among them: it only tells tools what to run, and latexmk's rereading of it cost a whole pass.)
SETTLING = ("aux", "out", "bbl")
# Lines of the .aux that no pass reads back into what it prints, left out of "settled":
# biblatex's MD5 of the .bbl and its biber-rerun request (for its "please rerun" hints), each
# entry's default refcontext (for \cite, which cvbuild's .tex never uses: its lists are
# \nocite{*} with keyword filters) and table-of-contents lines (read only by a
# \tableofcontents, which cvbuild never prints), the page count (lastpage's label, LaTeX's
# \@abspage@last: "Page x of y" is written at the end of the pass itself, latex/cvbuild.sty),
# the bookmark package's entries (it reads them back at the end of the pass that wrote them) and
# babel's language for the .aux lines after it (of which only the toc lines speak).
# A new .bib entry changes all of them; a pass for them alone cost 5 s on a 1,000-entry list
# and gave the same PDF bytes (tests/test_speed_paths.py compares fast paths with cold builds).
_UNREAD_AUX = re.compile(
    rb"^(?:\\abx@aux@read@bbl@mdfivesum|\\abx@aux@read@bblrerun|\\abx@aux@defaultrefcontext"
    rb"|\\@writefile\{toc\}|\\newlabel\{LastPage\}|\\xdef\\lastpage@|\\gdef \\@abspage@last\{"
    rb"|\\BKM@entry\{|\\babel@aux\{)"
    rb".*\n?",
    re.M,
)
MAX_PASSES = 6  # cross-references settle in 3 at most; more means they oscillate
# Per build dir: the hash of the biber input (.bcf and .bib) that the .bbl there was made from.
PASSES = ".cvbuild-passes.json"
# The .bib the .bbl there was made from, and where biber reads only the entries changed since.
BBL_SOURCE = ".cvbuild-bbl-source.bib"
DELTA_DIR = ".cvbuild-biber-changes"
BIBER_CACHE_KEEP = 12
# The document a cold build's first pass runs (RenderedProject.control_tex).
CONTROL_TEX = "cvbuild-control.tex"


@dataclass(frozen=True)
class Typeset:
    returncode: int
    output: str  # the last tool's output (TeX's or biber's)
    passes: int  # TeX passes run
    format: str | None  # the precompiled preamble the last pass loaded


def _typeset(
    engine: str,
    fmt: Callable[[int], str | None],
    build_dir: Path,
    env: dict[str, str],
    limit: tuple[float, float],
    progress: Progress,
    redo: bool,
    control: bool = False,
    first: Prestart | None = None,
) -> Typeset:
    """TeX passes until the files they exchange settle, biber in between when its input changed.

    Decided by content hashes, not time stamps: an edit that moves no page break and changes no
    number costs one pass; a cold build three (no .bbl, biber, labels and "page x of y", settled).
    biber's output is kept by a hash of its input (.bcf, .bib, the installation), so an
    unchanged bibliography is never processed twice, not even in a fresh build dir.

    The first pass of a build without a .bbl only writes biber's control file (.bcf): with
    `control`, pdflatex runs the small document CONTROL_TEX for it (for either engine; a
    quarter of a LuaLaTeX pass, half a pdflatex one). A .bcf that differed from the document's
    would make biber and TeX run again; when that document fails, the document runs the pass
    (and stops after its \\cvbuildcontrolpass).

    `first`: a pass started early (cvbuild.prestart). Either a rebuild's first pass, started
    before the content was read and already fed the new .tex: used when nothing (biber, the
    control document) has to run before it. Or a cold build's page pass, started on the
    preamble: fed the body once the control document and biber are done. One that failed runs
    again the ordinary way, so that its error reads as usual."""
    if redo:  # the last build failed: its aux may be half-written
        for suffix in (*SETTLING, "bcf"):
            (build_dir / f"{JOBNAME}.{suffix}").unlink(missing_ok=True)
        (build_dir / PASSES).unlink(missing_ok=True)
    passes = 0
    biber_runs: list[str] = []

    def biber_if_needed() -> Finished | None:
        """biber when its input changed since the .bbl was made (or it is missing): before a
        pass with the last build's .bcf (a .bib edit then costs no pass on the old .bbl), and
        after each pass with the .bcf it wrote. Returns biber's run when it failed."""
        if not (build_dir / f"{JOBNAME}.bcf").exists():
            return None
        key = _biber_key(build_dir)
        if key == _biber_made_from(build_dir) and (build_dir / f"{JOBNAME}.bbl").exists():
            return None
        biber_runs.append(key)
        name = f"biber {len(biber_runs)}"
        if _biber_from_cache(key, build_dir):
            progress.started(f"{name} (cached)")
            progress.finished(f"{name} (cached)", 0.0)
        elif not _biber_for_changes(name, build_dir, env, limit, progress):
            made = _step(["biber", JOBNAME], name, build_dir, _biber_env(env), limit, progress)
            if made.returncode != 0:
                return made
            _biber_to_cache(key, build_dir)
        # the .bib the .bbl was made from, then the record naming both (written last)
        replace_with_copy(build_dir / BIB_NAME, build_dir / BBL_SOURCE, durable=False)
        made_from = {"biber": key, "bcf": _file_digest(build_dir / f"{JOBNAME}.bcf")}
        replace_with_bytes(json.dumps(made_from).encode(), build_dir / PASSES, durable=False)
        return None

    failed = biber_if_needed()
    if failed is not None:
        return Typeset(failed.returncode, failed.output, passes, None)
    no_bbl = not (build_dir / f"{JOBNAME}.bbl").exists()
    if first is not None and first.read_the_build_files and (biber_runs or no_bbl):
        first.stop()  # it read the old .bbl (or needs the control pass's .bcf first)
        first = None
    while True:
        before = _digests(build_dir)
        passes += 1
        done = None
        preamble = fmt(passes)
        for_biber = passes == 1 and control and not (build_dir / f"{JOBNAME}.bbl").exists()
        if first is not None and not for_biber:
            if first.read_the_build_files or first.go_on(_read_tex(build_dir)):
                done = _started_pass(first, f"{engine} {passes}", build_dir, limit, progress)
                preamble = first.format if done is not None else preamble
            first = None
        elif for_biber:
            command = [*tex_command("pdflatex", None)[:-1], f"-jobname={JOBNAME}", CONTROL_TEX]
            done = _step(command, f"pdflatex {passes} (for biber)", build_dir, env, limit,
                         progress)  # fmt: skip
            if done.returncode != 0:  # (its error shows again in the document's own engine)
                for suffix in ("aux", "bcf"):
                    (build_dir / f"{JOBNAME}.{suffix}").unlink(missing_ok=True)
                done = None
        if done is None:
            done = _step(tex_command(engine, preamble), f"{engine} {passes}", build_dir, env,
                         limit, progress)  # fmt: skip
        if done.returncode != 0:
            return Typeset(done.returncode, done.output, passes, preamble)
        failed = biber_if_needed()
        if failed is not None:
            return Typeset(failed.returncode, failed.output, passes, preamble)
        if _digests(build_dir) == before or passes >= MAX_PASSES:
            return Typeset(0, done.output, passes, preamble)


def _read_tex(build_dir: Path) -> str:
    return (build_dir / f"{JOBNAME}.tex").read_text(encoding="utf-8")


def _started_pass(
    first: Prestart, name: str, build_dir: Path, limit: tuple[float, float], progress: Progress
) -> Finished | None:
    """The pass cvbuild.prestart started, to its end; its files moved into the build dir. None
    when it failed (then it runs again in the build dir)."""
    progress.started(name)
    began = time.monotonic()
    with _registered(lambda: first.process) as process:
        _mark_running(build_dir, process.pid)
        done = first.wait(limit[0])
    if done.timed_out:
        raise _timed_out(build_dir / NEXT_DIR, limit)
    if done.returncode != 0:
        first.stop()
        return None
    first.move_in()
    progress.finished(name, time.monotonic() - began)
    return done


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def _biber_for_changes(
    name: str, build_dir: Path, env: dict[str, str], limit: tuple[float, float], progress: Progress
) -> bool:
    """biber on the entries that changed since the .bbl in the build dir was made, the rest
    taken from that .bbl (see bbldelta: the result is biber's .bbl for the whole list). False
    when that cannot be done; then biber reads the whole list (and reports its own errors)."""
    from cvbuild import bbldelta

    bcf, bbl = build_dir / f"{JOBNAME}.bcf", build_dir / f"{JOBNAME}.bbl"
    if _biber_made_from(build_dir, "bcf") != _file_digest(bcf):
        return False
    try:
        old_bib = (build_dir / BBL_SOURCE).read_text(encoding="utf-8")
        new_bib = (build_dir / BIB_NAME).read_text(encoding="utf-8")
        old_bbl = bbldelta.read_bbl(bbl.read_text(encoding="utf-8"))
        old_blg = (build_dir / f"{JOBNAME}.blg").read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError):
        return False
    if old_bbl is None or texlog.biber_problems(old_blg):
        return False  # biber warned about the last list: read it whole, to warn again
    planned = bbldelta.plan(old_bib, new_bib, old_bbl)
    if planned is None:
        return False
    from_biber = None
    work = build_dir / DELTA_DIR
    label = f"{name} ({len(planned.to_biber)} of {len(planned.keys)} entries)"
    if not planned.to_biber:  # entries removed or relabelled only: nothing for biber to read
        progress.started(label)
        progress.finished(label, 0.0)
    else:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        replace_with_copy(bcf, work / bcf.name, durable=False)
        bib = "\n".join(planned.to_biber).encode("utf-8")
        replace_with_bytes(bib, work / BIB_NAME, durable=False)
        done = _step(["biber", JOBNAME], label, work, _biber_env(env), limit, progress)
        if done.returncode != 0:
            return False
        try:
            from_biber = bbldelta.read_bbl((work / bbl.name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if from_biber is None:
            return False
    spliced = bbldelta.splice(old_bbl, planned, from_biber)
    if spliced is None:
        return False
    if from_biber is not None:  # its warnings are those of the entries it read
        replace_with_copy(work / f"{JOBNAME}.blg", build_dir / f"{JOBNAME}.blg", durable=False)
    replace_with_bytes(spliced.encode("utf-8"), bbl, durable=False)
    return True


def _digests(build_dir: Path) -> tuple[str, ...]:
    digests = []
    for suffix in SETTLING:
        path = build_dir / f"{JOBNAME}.{suffix}"
        data = path.read_bytes() if path.exists() else None
        if data is not None and suffix == "aux":
            # read as a set of definitions: the order pages wrote them in (\nocite's line on
            # page 2, babel's on page 1) changes nothing printed
            data = b"\n".join(sorted(_UNREAD_AUX.sub(b"", data).splitlines()))
        digests.append("" if data is None else hashlib.sha256(data).hexdigest())
    return tuple(digests)


def _biber_env(env: dict[str, str]) -> dict[str, str]:
    """biber's environment: cvbuild's fast Data::Uniqid first on Perl's path (latex/biber: the
    name ids biber makes cost a third of its time on a short list; the .bbl is the same)."""
    path = [str(LATEX_DIR / "biber"), *filter(None, [env.get("PERL5LIB")])]
    return {**env, "PERL5LIB": os.pathsep.join(path)}


def _biber_key(build_dir: Path) -> str:
    """What biber's output depends on: the control file TeX wrote, the .bib cvbuild wrote, and
    the installed biber (its version and its data)."""
    digest = hashlib.sha256()
    for name in (f"{JOBNAME}.bcf", BIB_NAME):
        path = build_dir / name
        digest.update(path.read_bytes() if path.exists() else b"")
        digest.update(b"\0")
    digest.update(_biber_installation().encode("utf-8"))
    return digest.hexdigest()[:32]


def _biber_made_from(build_dir: Path, what: str = "biber") -> str | None:
    """What the .bbl in the build dir was made from, as recorded (`biber`: the hash of biber's
    input; `bcf`: of the control file), or None."""
    try:
        made = json.loads((build_dir / PASSES).read_text(encoding="utf-8")).get(what)
    except (OSError, ValueError, AttributeError):
        return None
    return made if isinstance(made, str) else None


def _biber_cache() -> Path:
    return fmtcache.format_cache() / "biber"


def _biber_from_cache(key: str, build_dir: Path) -> bool:
    """Put a cached .bbl and .blg in place (the .blg: its warnings are reported as biber's)."""
    cached = _biber_cache() / key
    try:
        bbl, blg = (
            (cached / f"{JOBNAME}.bbl").read_bytes(),
            (cached / f"{JOBNAME}.blg").read_bytes(),
        )
        if not (cached / "complete").exists():
            return False
    except OSError:
        return False
    replace_with_bytes(blg, build_dir / f"{JOBNAME}.blg", durable=False)
    replace_with_bytes(bbl, build_dir / f"{JOBNAME}.bbl", durable=False)
    return True


def _biber_to_cache(key: str, build_dir: Path) -> None:
    """Keep biber's output for the next build of the same bibliography (a few of them; a full
    disk or a read-only home only costs speed). `complete` is written last."""
    cache = _biber_cache()
    try:
        target = cache / key
        target.mkdir(parents=True, exist_ok=True)
        for suffix in ("bbl", "blg"):
            replace_with_copy(build_dir / f"{JOBNAME}.{suffix}", target / f"{JOBNAME}.{suffix}",
                              durable=False)  # fmt: skip
        (target / "complete").write_bytes(b"")
        kept = sorted(cache.iterdir(), key=lambda p: p.stat().st_mtime)
        for old in kept[:-BIBER_CACHE_KEEP]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass


@functools.cache
def _biber_installation() -> str:
    found = shutil.which("biber")
    stamp = ""
    with contextlib.suppress(OSError):
        stamp = str(Path(found).resolve().stat().st_mtime_ns) if found else ""
    return f"{found}:{stamp}\n{_tex_installation()}"


def _step(
    command: list[str],
    name: str,
    cwd: Path,
    env: dict[str, str],
    limit: tuple[float, float],
    progress: Progress,
) -> Finished:
    """One TeX pass or biber run, reported as it starts and ends; the time limit (deadline,
    seconds) is the whole build's."""
    progress.started(name)
    began = time.monotonic()
    done = run_tool(command, cwd, env=env, timeout=max(limit[0] - began, 0.1))
    if done.timed_out:
        raise _timed_out(cwd, limit)
    progress.finished(name, time.monotonic() - began)
    return done


def _timed_out(cwd: Path, limit: tuple[float, float]) -> TexError:
    log = cwd / f"{JOBNAME}.log"
    entries = texlog.entries_printed(log.read_text(encoding="latin-1")) if log.exists() else []
    return TexError(
        f"TeX did not finish within {limit[1]:.0f} s and was stopped (an endless loop?). "
        f"Last output is in {log}",
        entry=entries[-1] if entries else None,
    )
