"""Stage 4: run latexmk (pdflatex + biber) in a per-variant build directory.

The only stage that starts processes. TeX runs without shell escape, may read and write only
inside the build directory (`openin_any=p`, `openout_any=p`), gets no stdin and a time limit.
On failure the first TeX error is shown in a few lines; the full log stays in the build dir.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from cvbuild.errors import TexError
from cvbuild.progress import SILENT, Progress
from cvbuild.render import BIB_NAME, DUMP_MARKER, SECTION_MARKER, RenderedProject

JOBNAME = "cv"
# extra_mem_top: room for biblatex's data of thousands of entries (5,000 overflowed pdfTeX's
# default 5,000,000 words: "TeX capacity exceeded"); LuaTeX's memory grows by itself.
_TEX_FLAGS = (
    "-no-shell-escape -interaction=nonstopmode -halt-on-error -file-line-error "
    "-cnf-line=extra_mem_top=25000000 %O %S"
)
# latexmk's mode switch and engine setting per engine (cvbuild.repertoire picks the engine).
LATEXMK_ENGINE = {
    "pdflatex": ["-pdf", f"-pdflatex=pdflatex {_TEX_FLAGS}"],
    # Lua's own file and process access is restricted by latex/cvbuild-sandbox.lua (LuaTeX's
    # --safer would do, but luaotfload refuses to run under it); no sockets either.
    "lualatex": [
        "-pdflua",
        f"-lualatex=lualatex --lua=cvbuild-sandbox.lua --nosocket {_TEX_FLAGS}",
    ],
}


@dataclass(frozen=True)
class CompileResult:
    pdf: Path
    log: Path
    seconds: float
    warnings: tuple[str, ...]
    pages: int  # as TeX reported writing them


@contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """One build at a time per build directory: a second `cvbuild pdf` of the same variant waits
    instead of mixing its files into the first one's (other variants use other directories)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".cvbuild.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_project(project: RenderedProject, build_dir: Path) -> Path:
    """Write the project; files whose content is unchanged keep their time stamps, so latexmk
    can tell what needs redoing."""
    build_dir.mkdir(parents=True, exist_ok=True)
    _write_if_changed(build_dir / f"{JOBNAME}.tex", project.tex)
    _write_if_changed(build_dir / BIB_NAME, project.bib)
    _write_if_changed(build_dir / f"{JOBNAME}.xmpdata", project.xmpdata)
    for support in project.support_files:
        _write_if_changed(build_dir / support.name, support.read_text(encoding="utf-8"))
    for name, source in project.assets:
        target = build_dir / name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
    return build_dir / f"{JOBNAME}.tex"


def write_standalone(project: RenderedProject, directory: Path) -> Path:
    """The project plus a latexmkrc, so that plain `latexmk` in `directory` builds cv.pdf with
    the right engine (Debian's own latexmk default is LuaLaTeX) and biber."""
    tex = write_project(project, directory)
    mode = {"pdflatex": 1, "lualatex": 4}[project.engine]
    rc = (
        "# Written by `cvbuild tex`: plain `latexmk` in this folder builds cv.pdf.\n"
        f"$pdf_mode = {mode};  # 1 pdflatex, 4 lualatex (cvbuild chose {project.engine})\n"
        "$bibtex_use = 2;  # run biber when the bibliography needs it\n"
        f"@default_files = ('{tex.name}');\n"
    )
    _write_if_changed(directory / ".latexmkrc", rc)
    return tex


def _write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text(encoding="utf-8", errors="replace") == text:
        return
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def compile_project(
    project: RenderedProject,
    build_dir: Path,
    *,
    source_date_epoch: int,
    timeout: float = 240,
    progress: Progress = SILENT,
) -> CompileResult:
    _require_tools(project.engine)
    tex = write_project(project, build_dir)
    started = time.monotonic()
    env = {
        **os.environ,
        "openin_any": "p",
        "openout_any": "p",
        "SOURCE_DATE_EPOCH": str(source_date_epoch),
        "FORCE_SOURCE_DATE": "1",
        "max_print_line": "1000",
    }
    env.pop("TEXINPUTS", None)
    engine = LATEXMK_ENGINE[project.engine]
    progress.started("preamble")
    began = time.monotonic()
    preamble = _preamble_format(project, build_dir, env)
    progress.finished("preamble", time.monotonic() - began)
    if preamble:
        engine = ["-pdf", f"-pdflatex=pdflatex -fmt={preamble} {_TEX_FLAGS}"]
    command = ["latexmk", "-norc", *engine, "-bibtex", tex.name]
    completed = _run(command, build_dir, env, timeout, progress)
    log = build_dir / f"{JOBNAME}.log"
    pdf = build_dir / f"{JOBNAME}.pdf"
    if completed.returncode != 0 or not pdf.exists():
        _raise_failure(build_dir, completed.stdout)
    log_text = log.read_text(encoding="latin-1") if log.exists() else ""
    problems = log_problems(log_text) + biber_problems(build_dir / f"{JOBNAME}.blg")
    if problems:
        raise TexError(
            "LaTeX finished with problems:\n"
            + "\n".join(f"  {p}" for p in problems)
            + f"\nFull log: {log}"
        )
    warnings = overfull_boxes(log_text, tex.read_text(encoding="utf-8").splitlines())
    written = re.findall(rf"Output written on {JOBNAME}\.pdf \((\d+) pages?", log_text)
    if not written:
        raise TexError(f"LaTeX wrote no pages (see {log})")
    return CompileResult(pdf, log, time.monotonic() - started, tuple(warnings), int(written[-1]))


# ---------------------------------------------------------------- precompiled preamble


def format_cache() -> Path:
    """Where precompiled preambles are kept between builds ($XDG_CACHE_HOME/cvbuild)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cvbuild"


def _preamble_format(project: RenderedProject, build_dir: Path, env: dict[str, str]) -> str | None:
    """The name of a pdflatex format holding the preamble up to DUMP_MARKER, made on first use
    and cached by a hash of that preamble, the support files and the TeX installation.

    Loading moderncv, biblatex and fonts is about half of every pdflatex pass; a format
    (mylatexformat) loads it in a fraction. The format is an optimisation only: when it cannot
    be made, the build runs the ordinary way.
    """
    if project.engine != "pdflatex" or DUMP_MARKER not in project.tex:
        return None
    digest = hashlib.sha256(project.tex.split(DUMP_MARKER)[0].encode("utf-8"))
    for support in project.support_files:
        digest.update(support.read_bytes())
    digest.update(_tex_installation().encode("utf-8"))
    name = f"cvbuild-{digest.hexdigest()[:20]}"
    here = build_dir / f"{name}.fmt"
    cached = format_cache() / f"{name}.fmt"
    if not here.exists():
        for old in build_dir.glob("cvbuild-*.fmt"):
            old.unlink()
        if cached.exists():
            shutil.copyfile(cached, here)
        elif not _dump_format(name, build_dir, env):
            return None
        else:
            _store_in_cache(here, cached)
    return name


def _dump_format(name: str, build_dir: Path, env: dict[str, str]) -> bool:
    command = ["pdflatex", "-ini", "-interaction=nonstopmode", "-halt-on-error",
               f"-jobname={name}", "&pdflatex", "mylatexformat.ltx", f"{JOBNAME}.tex"]  # fmt: skip
    try:
        done = subprocess.run(command, cwd=build_dir, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=120)  # fmt: skip
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0 and (build_dir / f"{name}.fmt").exists()


def _store_in_cache(fmt: Path, cached: Path, keep: int = 6) -> None:
    """Keep the newest few formats for later builds and other build directories."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(fmt, temporary)
        os.replace(temporary, cached)
        formats = sorted(cached.parent.glob("cvbuild-*.fmt"), key=lambda p: p.stat().st_mtime)
        for old in formats[:-keep]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home only costs speed


@functools.cache
def _tex_installation() -> str:
    """Changes whenever TeX Live or one of its packages is updated (the format must then be
    remade): the pdflatex base format's and the package index's time stamps."""
    stamps = []
    for name in ("pdflatex.fmt", "ls-R"):
        found = subprocess.run(["kpsewhich", "-all", name], capture_output=True, text=True).stdout
        for path in found.split():
            with contextlib.suppress(OSError):
                stamps.append(f"{path}:{Path(path).stat().st_mtime_ns}")
    return "\n".join(stamps)


def _require_tools(engine: str) -> None:
    missing = [tool for tool in ("latexmk", engine, "biber") if shutil.which(tool) is None]
    if missing:
        raise TexError(
            f"{', '.join(missing)} not found. Run 'make pdf' once (it installs the Debian TeX "
            "packages), or install latexmk, biber and TeX Live yourself."
        )


_RUNNING: set[int] = set()  # process groups of TeX runs in progress (several with --all)


def stop_all() -> None:
    """Kill every TeX run in progress (Ctrl-C during a multi-variant build)."""
    for group in list(_RUNNING):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


_PASS = re.compile(r"^Running '(pdflatex|lualatex|biber)\b")


def _run(
    command: list[str],
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    progress: Progress = SILENT,
) -> subprocess.CompletedProcess[str]:
    """Run latexmk, reading its output as it comes to report each TeX and biber pass."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,  # so a timeout can kill pdflatex/biber too
    )
    _RUNNING.add(process.pid)
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    watchdog = threading.Timer(timeout, stop)
    watchdog.start()
    output: list[str] = []
    passes: dict[str, int] = {}
    current: tuple[str, float] | None = None
    try:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            match = _PASS.match(line)
            if match:
                if current:
                    progress.finished(current[0], time.monotonic() - current[1])
                tool = match[1]
                passes[tool] = passes.get(tool, 0) + 1
                current = (f"{tool} {passes[tool]}", time.monotonic())
                progress.started(current[0])
        process.wait()
        if current:
            progress.finished(current[0], time.monotonic() - current[1])
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    finally:
        watchdog.cancel()
        _RUNNING.discard(process.pid)
    if timed_out.is_set():
        log = cwd / f"{JOBNAME}.log"
        entries = _ENTRY_MARK.findall(log.read_text(encoding="latin-1")) if log.exists() else []
        raise TexError(
            f"TeX did not finish within {timeout:.0f} s and was stopped (an endless loop?). "
            f"Last output is in {log}",
            entry=entries[-1] if entries else None,
        )
    return subprocess.CompletedProcess(command, process.returncode, "".join(output), "")


_ERROR_LINE = re.compile(r"^(?:\./)?[^:\n]+\.(?:tex|sty|cls|bbl|def):\d+: .*$|^! .*$", re.M)


def _raise_failure(build_dir: Path, output: str) -> NoReturn:
    log_path = build_dir / f"{JOBNAME}.log"
    log = log_path.read_text(encoding="latin-1") if log_path.exists() else ""
    blg = build_dir / f"{JOBNAME}.blg"
    biber = biber_problems(blg)
    match = _ERROR_LINE.search(log)
    if match:
        lines = log[match.start() :].splitlines()[:8]
        context = [line for line in lines if line.strip() and not line.startswith("Here is how")]
        excerpt = "\n".join(f"  {line}" for line in context[:5])
        tex_lines = (build_dir / f"{JOBNAME}.tex").read_text(encoding="utf-8").splitlines()
        number, source = _source_line(tex_lines, match.group())
        where = f"\n  in the generated .tex: {source}" if source else ""
        entries = _ENTRY_MARK.findall(log[: match.start()])
        raise TexError(
            f"LaTeX failed:\n{excerpt}{where}\nFull log: {log_path}",
            section=section_of_line(tex_lines, number),
            entry=entries[-1] if entries and _in_bibliography(source) else None,
        )
    if biber:
        raise TexError(
            "biber failed:\n" + "\n".join(f"  {p}" for p in biber) + f"\nFull log: {blg}"
        )
    tail = "\n".join(f"  {line}" for line in output.strip().splitlines()[-8:])
    raise TexError(f"latexmk failed:\n{tail}\nFull log: {log_path}")


_ENTRY_MARK = re.compile(r"^cvbuild-entry: (.+)$", re.M)


def _source_line(tex_lines: list[str], error_line: str) -> tuple[int, str]:
    """The line number and text in the generated .tex that the error points at."""
    match = re.match(rf"^(?:\./)?{JOBNAME}\.tex:(\d+):", error_line)
    if not match:
        return 0, ""
    number = int(match[1])
    return (number, tex_lines[number - 1][:160]) if 0 < number <= len(tex_lines) else (0, "")


def section_of_line(tex_lines: list[str], number: int) -> str | None:
    """The id of the section a .tex line belongs to (the nearest marker above it)."""
    for line in reversed(tex_lines[:number]):
        if line.startswith(SECTION_MARKER):
            return line.removeprefix(SECTION_MARKER).rstrip("% \n")  # PyLaTeX ends lines with %
    return None


def _in_bibliography(source: str) -> bool:
    return source.startswith("\\printbibliography")


_LOG_PROBLEMS = (
    (
        re.compile(r"^Missing character: There is no (.+?) in font (.+?)!$", re.M),
        "missing glyph {0} in font {1}",
    ),
    (re.compile(r"^LaTeX Warning: Citation `(.+?)' .*undefined", re.M), "undefined citation {0}"),
    (re.compile(r"^LaTeX Warning: Reference `(.+?)' .*undefined", re.M), "undefined reference {0}"),
    (
        re.compile(r"^Package biblatex Warning: Please \(re\)run (\w+)", re.M),
        "biblatex asks to rerun {0}",
    ),
)


def log_problems(log: str) -> list[str]:
    problems: list[str] = []
    for pattern, template in _LOG_PROBLEMS:
        for match in pattern.finditer(log):
            text = template.format(*match.groups())
            if text not in problems:
                problems.append(text)
    return problems


_OVERFULL = re.compile(
    r"^Overfull \\hbox \((?P<points>[\d.]+)pt too wide\) (?:in paragraph|detected) at lines? "
    r"(?P<line>\d+)",
    re.M,
)
TOLERANCE_PT = 1.0  # narrower overflows are invisible in print


def overfull_boxes(log: str, tex_lines: list[str]) -> list[str]:
    """'section / item: line too wide by N pt' for each line running into the margin."""
    found = []
    for match in _OVERFULL.finditer(log):
        points, number = float(match["points"]), int(match["line"])
        if points <= TOLERANCE_PT:
            continue
        section = section_of_line(tex_lines, number) or "header"
        item = _readable(tex_lines[number - 1]) if 0 < number <= len(tex_lines) else "?"
        found.append(f"{section} / {item}: line too wide by {points:.1f} pt")
    return found


def _readable(tex_line: str) -> str:
    """A short, plain excerpt of a generated line, to recognise the item by."""
    text = re.sub(r"\\[A-Za-z]+\*?(\[[^\]]*\])?", " ", tex_line)
    text = " ".join(re.sub(r"[{}%]", " ", text).split())
    return text[:60] + ("…" if len(text) > 60 else "")


def biber_problems(blg: Path) -> list[str]:
    if not blg.exists():
        return []
    found = []
    for line in blg.read_text(encoding="utf-8", errors="replace").splitlines():
        match = re.match(r"^\[\d+\] .*?> (ERROR|WARN) - (.*)$", line)
        if match:
            found.append(f"biber {match[1].lower()}: {match[2]}")
    return found


def write_png_pages(pdf: Path, prefix: Path, dpi: int = 110) -> list[Path]:
    """PNG images of the PDF's pages (pdftoppm), as prefix-1.png, prefix-2.png, ... Old pages
    of a longer earlier version are removed, so the set always matches the PDF."""
    if shutil.which("pdftoppm") is None:
        raise TexError("pdftoppm not found; install poppler-utils (make pdf does) for --png")
    for old in prefix.parent.glob(f"{prefix.name}-*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory(dir=prefix.parent) as scratch:
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(Path(scratch) / "page")],
            check=True,
            capture_output=True,
            timeout=120,
        )
        pages = sorted(Path(scratch).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        written = []
        for number, page in enumerate(pages, 1):
            target = prefix.with_name(f"{prefix.name}-{number}.png")
            os.replace(page, target)
            written.append(target)
    return written
