"""Issue 12, the build itself: a killed build, a save or a new photo during a build, a damaged
format cache, Ctrl-C while outputs are put in place, --png beside other files, file modes.

The TeX tests run real builds and send real signals to a real `cvbuild pdf` process."""

from __future__ import annotations

import os
import queue
import signal
import stat
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from cvbuild import cache
from cvbuild.compile import WORKING, _begin, signals_held
from cvbuild.files import staged_copy, sweep
from cvbuild.fmtcache import seal as _seal
from cvbuild.fmtcache import sealed as _sealed
from cvbuild.png import with_mark, written_by_cvbuild
from cvbuild.progress import clear_replaced, interrupted_note, record_replaced
from tests.conftest import ROOT, make_content, pdf_text, replace_in, run_cli
from tests.test_robustness import BIB, SECTIONS

TOOLS = {"latexmk", "pdflatex", "lualatex", "biber", "perl", "pdftoppm", "sleep"}


# ---------------------------------------------------------------- helpers


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`cvbuild ...` as a process of its own, to send it real signals."""
    return subprocess.Popen(
        [sys.executable, "-m", "cvbuild", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def _tools_in(directory: Path) -> list[str]:
    """Names of the live processes working in `directory` or below (TeX, biber, ...)."""
    found = []
    here = directory.resolve()
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit():
                continue
            cwd = Path(os.readlink(proc / "cwd"))
            state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
            if state != "Z" and (cwd == here or here in cwd.parents):
                found.append((proc / "comm").read_text().strip())
        except OSError:
            continue
    return found


def _wait_for(
    condition: Callable[[], bool],
    what: str,
    process: subprocess.Popen[str] | None = None,
    timeout: float = 120,
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"cvbuild ended before {what}:\n{process.communicate()[0]}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _no_tools_left(directory: Path, grace: float = 3) -> None:
    """Killed processes are reaped by init shortly after; give them a moment."""
    deadline = time.monotonic() + grace
    while _tools_in(directory) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [t for t in _tools_in(directory) if t in TOOLS], _tools_in(directory)


def _png(rgb: tuple[int, int, int], size: int = 8) -> bytes:
    """A small, valid, single-colour PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _args(content: Path, pdf: Path, build: Path, *more: str) -> list[str]:
    """A build into `pdf`; --force, as the tests plant stand-ins for a previous PDF that are
    no PDFs cvbuild wrote (which cvbuild would otherwise refuse to replace)."""
    return ["pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(build),
            "--force", *more]  # fmt: skip


def _fake_tool(directory: Path, name: str, script: str) -> dict[str, str]:
    """A stand-in for a tool (only pdftoppm here, never TeX) first on PATH."""
    directory.mkdir(parents=True, exist_ok=True)
    tool = directory / name
    tool.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    tool.chmod(0o755)
    return {"PATH": f"{directory}{os.pathsep}{os.environ['PATH']}"}


# ---------------------------------------------------------------- item 2: a killed build


@pytest.mark.tex
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_a_build_killed_during_biber_does_not_poison_later_builds(
    tmp_path: Path, number: int
) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    pdf, build = tmp_path / "cv.pdf", tmp_path / "build"
    # a cache of its own: biber's output for this .bib may be cached by an earlier test
    process = _cli(*_args(content, pdf, build), env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    _wait_for(lambda: "biber" in _tools_in(build), "biber to run", process, timeout=180)
    process.send_signal(number)
    output = process.communicate(timeout=60)[0]
    if number != signal.SIGKILL:  # cvbuild can clean up: its TeX children die with it
        assert process.returncode == 130, output
        assert "interrupted; no output was changed" in output and "Traceback" not in output
        _no_tools_left(build)
    assert not pdf.exists()
    for _ in range(2):  # the rebuild, and an unchanged one after it
        result = run_cli(*_args(content, pdf, build))
        assert result.exit_code == 0, result.output
        assert "On Engines" in pdf_text(pdf) and "Plain text." in pdf_text(pdf)
    _no_tools_left(build)


@pytest.mark.tex
def test_the_next_build_stops_what_a_sigkilled_build_left_running(tmp_path: Path) -> None:
    """cvbuild killed outright cannot stop its TeX children; the next build of that variant
    does, before it cleans the build folder."""
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    pdf, build = tmp_path / "cv.pdf", tmp_path / "build"
    slow = tmp_path / "slow-tools"
    # biber that takes long: the orphan is still running when the next build starts
    env = _fake_tool(slow, "biber", f'sleep 60; exec {_real("biber")} "$@"\n')
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # no biber output cached by earlier tests
    process = _cli(*_args(content, pdf, build), env=env)
    _wait_for(lambda: "sleep" in _tools_in(build), "the slow biber to run", process)
    process.kill()
    process.communicate(timeout=60)
    assert "sleep" in _tools_in(build)  # left behind
    result = run_cli(*_args(content, pdf, build))
    assert result.exit_code == 0, result.output
    assert "On Engines" in pdf_text(pdf)
    _no_tools_left(build)


def _real(tool: str) -> str:
    import shutil

    found = shutil.which(tool)
    assert found
    return found


# ---------------------------------------------------------------- item 3: the stamp


@pytest.mark.tex
def test_a_save_during_the_build_is_built_next_time(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    pdf, build = tmp_path / "cv.pdf", tmp_path / "build"
    process = _cli(*_args(content, pdf, build))
    _wait_for(lambda: "pdflatex" in _tools_in(build), "pdflatex to run", process)
    replace_in(content / "sections.yaml", "Plain text.", "Edited text.")
    output = process.communicate(timeout=300)[0]
    assert process.returncode == 0, output
    assert "Plain text." in pdf_text(pdf)  # what it read
    result = run_cli(*_args(content, pdf, build))
    assert result.exit_code == 0 and ", unchanged," not in result.output, result.output
    assert "Edited text." in pdf_text(pdf)
    result = run_cli(*_args(content, pdf, build))
    assert ", unchanged," in result.output  # and now it is up to date
    assert "sections.yaml changed while this build ran" in output  # and the user was told


@pytest.mark.tex
def test_a_replaced_photo_is_built(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    replace_in(content / "person.yaml", "  email: ada@example.org\n",
               "  email: ada@example.org\n  photo: face.png\n")  # fmt: skip
    red, blue = _png((200, 0, 0)), _png((0, 0, 200))
    (content / "face.png").write_bytes(red)
    pdf, build = tmp_path / "cv.pdf", tmp_path / "build"
    assert run_cli(*_args(content, pdf, build)).exit_code == 0
    first = pdf.read_bytes()
    assert ", unchanged," in run_cli(*_args(content, pdf, build)).output
    (content / "face.png").write_bytes(blue)  # same size, same name: another picture
    result = run_cli(*_args(content, pdf, build))
    assert result.exit_code == 0 and ", unchanged," not in result.output, result.output
    assert pdf.read_bytes() != first
    assert (build / "full" / "cvbuild-photo.png").read_bytes() == blue


def test_the_stamp_keeps_the_hashes_read_and_refuses_files_written_since(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "cv.yaml").write_text("a: 1\n", encoding="utf-8")
    photo = tmp_path / "face.png"
    photo.write_bytes(b"one")
    output = tmp_path / "cv.pdf"
    output.write_bytes(b"%PDF")
    build = tmp_path / "build"
    build.mkdir()
    inputs = [*cache.fixed_inputs(content), photo]
    key, stamp = "key", cache.Stamp(1, ())

    seen = cache.before_reading(content, [build]).and_also([photo])
    assert cache.record(build, key, seen, inputs, output, stamp) == []
    assert cache.up_to_date(build, key, content, output) == stamp
    assert photo.resolve() in cache.recorded_inputs(build)

    seen = cache.before_reading(content, [build])  # the photo is known from the last stamp
    photo.write_bytes(b"two")  # a save while the build runs
    assert cache.record(build, key, seen, inputs, output, stamp) == [photo]
    cache.forget(build)  # (as every build does first)
    assert cache.record(build, key, seen, inputs, output, stamp) == [photo]
    assert cache.up_to_date(build, key, content, output) is None

    seen = cache.before_reading(content, [build]).and_also([photo])
    (content / "cv.yaml").write_text("a: 1\n", encoding="utf-8")  # same bytes, written again
    assert cache.record(build, key, seen, inputs, output, stamp) == [content / "cv.yaml"]
    assert cache.up_to_date(build, key, content, output) is None


@pytest.mark.tex
def test_watch_rebuilds_when_the_photo_is_replaced(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    replace_in(content / "person.yaml", "  email: ada@example.org\n",
               "  email: ada@example.org\n  photo: face.png\n")  # fmt: skip
    (content / "face.png").write_bytes(_png((200, 0, 0)))
    build = tmp_path / "build"
    args = ["watch", "--content", str(content), "--out-dir", str(tmp_path / "out"),
            "--build-dir", str(build), "--interval", "0.1"]  # fmt: skip
    process = _cli(*args)
    lines = _lines_of(process)
    try:
        _next_line(lines, "] ok in")
        (content / "face.png").write_bytes(_png((0, 0, 200)))
        _next_line(lines, "] ok in", timeout=60)
        assert (build / "full" / "cvbuild-photo.png").read_bytes() == _png((0, 0, 200))
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)


def _lines_of(process: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _next_line(lines: queue.Queue[str], needle: str, timeout: float = 180) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return line
    raise AssertionError(f"no line with {needle!r} in:\n{''.join(seen)}")


# ---------------------------------------------------------------- item 6: the format cache


@pytest.mark.tex
def test_a_truncated_format_in_the_cache_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    pdf = tmp_path / "cv.pdf"
    assert run_cli(*_args(content, pdf, tmp_path / "b1")).exit_code == 0
    (cached,) = (tmp_path / "xdg" / "cvbuild").glob("cvbuild-*.fmt")
    size = cached.stat().st_size
    with open(cached, "r+b") as handle:  # as a full disk leaves it
        handle.truncate(size // 3)
    result = run_cli(*_args(content, pdf, tmp_path / "b2"))  # a new build dir: from the cache
    assert result.exit_code == 0, result.output
    assert "On Engines" in pdf_text(pdf)
    assert cached.stat().st_size == size and _sealed(cached)  # made again, and stored
    # the copy in a build dir is checked too
    (here,) = (tmp_path / "b2" / "full").glob("cvbuild-*.fmt")
    with open(here, "r+b") as handle:
        handle.truncate(size // 2)
    replace_in(content / "sections.yaml", "Plain text.", "Edited text.")
    result = run_cli(*_args(content, pdf, tmp_path / "b2"))
    assert result.exit_code == 0, result.output
    assert "Edited text." in pdf_text(pdf)
    # a format that matches its seal and still cannot be loaded: the build goes on without it
    here.write_bytes(os.urandom(size))
    _seal(here)
    replace_in(content / "sections.yaml", "Edited text.", "Edited again.")
    result = run_cli(*_args(content, pdf, tmp_path / "b2"))
    assert result.exit_code == 0, result.output
    assert "Edited again." in pdf_text(pdf) and not _sealed(here)


def test_a_format_is_used_only_when_it_matches_its_seal(tmp_path: Path) -> None:
    fmt = tmp_path / "cvbuild-x.fmt"
    fmt.write_bytes(b"0123456789" * 100)
    assert not _sealed(fmt)  # no seal (a crash before it was written): not used
    _seal(fmt)
    assert _sealed(fmt)
    fmt.write_bytes(b"0123456789" * 100 + b"!")  # one byte more
    assert not _sealed(fmt)
    fmt.write_bytes(b"0123456789" * 99 + b"012345678")  # one byte less
    assert not _sealed(fmt)
    fmt.write_bytes(b"1123456789" + b"0123456789" * 99)  # same size, one byte changed
    assert not _sealed(fmt)


# ---------------------------------------------------------------- item 5: --png and modes


@pytest.mark.tex
def test_png_replaces_and_removes_only_pages_cvbuild_wrote(tmp_path: Path) -> None:
    long = "  - id: more\n    kind: bio\n    title: More\n    paragraphs:\n" + "".join(
        f"      - Paragraph {n} of a long text. {'Filler words here. ' * 12}\n" for n in range(30)
    )
    content = make_content(tmp_path, SECTIONS + long, bib=BIB)
    out = tmp_path / "out"
    out.mkdir()
    pdf = out / "cv.pdf"
    others = {  # a figure, another variant's page, a user's file with a page's name
        out / "cv-figure.png": _png((1, 2, 3)),
        out / "cv-x-1.png": with_mark(_png((4, 5, 6))),
        out / "cv-9.png": _png((7, 8, 9)),
        out / "cv-01.png": with_mark(_png((1, 1, 1))),
    }
    for path, data in others.items():
        path.write_bytes(data)
    args = _args(content, pdf, tmp_path / "build", "--png")
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    assert written_by_cvbuild(out / "cv-1.png") and written_by_cvbuild(out / "cv-2.png")
    replace_in(content / "sections.yaml", long, "")
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    assert written_by_cvbuild(out / "cv-1.png") and not (out / "cv-2.png").exists()
    for path, data in others.items():
        assert path.read_bytes() == data, path
    (out / "cv-1.png").unlink()  # a page gone: not "unchanged", the page is made again
    result = run_cli(*args)
    assert ", unchanged," not in result.output and written_by_cvbuild(out / "cv-1.png")


@pytest.mark.tex
def test_png_does_not_replace_a_page_it_did_not_write(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    pdf = tmp_path / "cv.pdf"
    pdf.write_bytes(b"%PDF-1.5 previous build\n")
    mine = _png((9, 9, 9))
    (tmp_path / "cv-1.png").write_bytes(mine)
    result = run_cli(*_args(content, pdf, tmp_path / "build", "--png"))
    assert result.exit_code == 1, result.output
    assert "cv-1.png exists and was not written by cvbuild" in result.output
    assert "No output was changed" in result.output
    assert (tmp_path / "cv-1.png").read_bytes() == mine
    assert pdf.read_bytes() == b"%PDF-1.5 previous build\n"


@pytest.mark.tex
def test_a_pdf_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    old = os.umask(0o027)
    try:
        fresh = tmp_path / "fresh.pdf"
        assert run_cli(*_args(content, fresh, tmp_path / "b1")).exit_code == 0
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o640  # the umask default
        shared = tmp_path / "shared.pdf"
        shared.write_bytes(b"%PDF-1.5 previous build\n")
        shared.chmod(0o664)
        assert run_cli(*_args(content, shared, tmp_path / "b2", "--png")).exit_code == 0
        assert stat.S_IMODE(shared.stat().st_mode) == 0o664
        assert stat.S_IMODE((tmp_path / "shared-1.png").stat().st_mode) == 0o640
    finally:
        os.umask(old)


# ---------------------------------------------------------------- item 11: Ctrl-C


@pytest.mark.tex
def test_a_failing_pdftoppm_is_a_clear_error_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    env = _fake_tool(tmp_path / "tools", "pdftoppm", "echo 'Syntax Error: broken' >&2; exit 99\n")
    monkeypatch.setenv("PATH", env["PATH"])
    pdf = tmp_path / "cv.pdf"
    pdf.write_bytes(b"%PDF-1.5 previous build\n")
    result = run_cli(*_args(content, pdf, tmp_path / "build", "--png"))
    assert result.exit_code == 3, result.output
    assert "pdftoppm could not make the PNG images" in result.output
    assert "exit code 99" in result.output and "Syntax Error: broken" in result.output
    assert "internal error" not in result.output
    assert pdf.read_bytes() == b"%PDF-1.5 previous build\n"


@pytest.mark.tex
def test_ctrl_c_while_pages_are_made_leaves_pdf_and_pages_as_they_were(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    pdf, build = tmp_path / "cv.pdf", tmp_path / "build"
    pdf.write_bytes(b"%PDF-1.5 previous build\n")
    pages = {tmp_path / f"cv-{n}.png": with_mark(_png((n, n, n))) for n in (1, 2, 3)}
    for path, data in pages.items():
        path.write_bytes(data)
    env = _fake_tool(tmp_path / "tools", "pdftoppm", f'sleep 60; exec {_real("pdftoppm")} "$@"\n')
    process = _cli(*_args(content, pdf, build, "--png"), env=env)
    _wait_for(lambda: "sleep" in _tools_in(build), "pdftoppm to run", process, timeout=180)
    process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=30)[0]
    assert process.returncode == 130, output
    assert "interrupted; no output was changed" in output
    assert pdf.read_bytes() == b"%PDF-1.5 previous build\n"
    for path, data in pages.items():
        assert path.read_bytes() == data
    _no_tools_left(build)


@pytest.mark.tex
def test_ctrl_c_during_all_with_a_cold_format_cache_stops_at_once(tmp_path: Path) -> None:
    content = make_content(
        tmp_path, SECTIONS, bib=BIB, extra="variants:\n  full: {}\n  bare: {sections: [about]}\n"
    )
    out, build = tmp_path / "out", tmp_path / "build"
    out.mkdir()
    for name in ("full", "bare"):
        (out / f"{name}.pdf").write_bytes(b"%PDF-1.5 previous build\n")
    args = ["pdf", "--all", "--force", "--content", str(content), "--out-dir", str(out),
            "--build-dir", str(build)]  # fmt: skip
    process = _cli(*args, env={"XDG_CACHE_HOME": str(tmp_path / "cold-cache")})
    _wait_for(lambda: "pdflatex" in _tools_in(build), "the format dump to run", process)
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    output = process.communicate(timeout=60)[0]
    assert time.monotonic() - sent < 3, output
    assert process.returncode == 130, output
    assert "interrupted; no output was changed" in output and "Traceback" not in output
    for name in ("full", "bare"):
        assert (out / f"{name}.pdf").read_bytes() == b"%PDF-1.5 previous build\n"
    _no_tools_left(build)


def test_signals_during_publishing_wait_for_its_end() -> None:
    done = []
    with pytest.raises(KeyboardInterrupt), signals_held():
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # (a handler would run here)
        done.append("all files in place")
    assert done == ["all files in place"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_interrupt_message_says_what_was_replaced() -> None:
    clear_replaced()
    assert interrupted_note() == "no output was changed"
    record_replaced("out/full.pdf and its 3 PNG pages")
    assert interrupted_note() == (
        "out/full.pdf and its 3 PNG pages was replaced completely; no other output was changed"
    )
    record_replaced("out/short.pdf")
    assert interrupted_note().startswith("out/full.pdf and its 3 PNG pages, out/short.pdf were")
    clear_replaced()


def test_a_killed_builds_dir_is_cleaned_of_its_files_only(tmp_path: Path) -> None:
    build = tmp_path / "full"
    build.mkdir()
    for name in ("cv.aux", "cv.fdb_latexmk", "cvbuild-1.fmt", ".cv.pdf.1234.tmp", "notes.txt"):
        (build / name).write_text("x", encoding="utf-8")
    (build / WORKING).write_text('{"state": "running", "groups": []}', encoding="utf-8")
    assert _begin(build) is False
    assert sorted(p.name for p in build.iterdir()) == [WORKING, "notes.txt"]
    # a TeX error is not a kill: the files stay, latexmk is told to redo every step
    (build / "cv.aux").write_text("x", encoding="utf-8")
    (build / WORKING).write_text('{"state": "failed", "groups": []}', encoding="utf-8")
    assert _begin(build) is True
    assert (build / "cv.aux").exists()
    (build / WORKING).write_text("{half a mark", encoding="utf-8")  # unreadable: as killed
    assert _begin(build) is False and not (build / "cv.aux").exists()


def test_the_next_build_kills_leftovers_in_its_dir_and_nothing_else(tmp_path: Path) -> None:
    build, elsewhere = tmp_path / "full", tmp_path / "elsewhere"
    build.mkdir()
    elsewhere.mkdir()
    ours = subprocess.Popen(["sleep", "60"], cwd=build, start_new_session=True)
    other = subprocess.Popen(["sleep", "60"], cwd=elsewhere, start_new_session=True)
    try:
        mark = f'{{"state": "running", "groups": [{ours.pid}, {other.pid}]}}'
        (build / WORKING).write_text(mark, encoding="utf-8")
        _begin(build)
        assert ours.wait(timeout=10) == -signal.SIGKILL
        assert other.poll() is None  # a group id that is not working in this build dir
    finally:
        for process in (ours, other):
            process.kill()
            process.wait()


def test_temporary_files_left_by_a_killed_build_are_swept_when_old(tmp_path: Path) -> None:
    target = tmp_path / "cv.pdf"
    old, young = tmp_path / ".cv.pdf.0123abcd.tmp", tmp_path / ".cv.pdf.89abcdef.tmp"
    others = [tmp_path / ".cv.pdf.notes.tmp", tmp_path / ".cv.pdf.0123abcd.tmp.keep"]
    for path in [old, young, *others]:
        path.write_bytes(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    os.utime(others[0], (time.time() - 7200, time.time() - 7200))
    sweep(target)
    assert not old.exists() and young.exists() and all(p.exists() for p in others)


def test_a_staged_file_has_the_replaced_files_mode_or_the_umask_default(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"new")
    previous = os.umask(0o022)
    try:
        fresh = staged_copy(source, tmp_path / "fresh.pdf")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        private = tmp_path / "private.pdf"
        private.write_bytes(b"old")
        private.chmod(0o600)
        assert stat.S_IMODE(staged_copy(source, private).stat().st_mode) == 0o600
    finally:
        os.umask(previous)


def test_cvbuilds_own_files_in_subpackages_are_inputs_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A locale or a writer module changes the PDF as much as a top-level module does."""
    package = tmp_path / "starter" / "cvbuild"  # ("starter" above the package does not count)
    files = ["pipeline.py", "kinds/bio.py", "locales/de.yaml", "starter/person.yaml",
             "__pycache__/pipeline.cpython-311.pyc", "writers/cv.css"]  # fmt: skip
    for name in files:
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text("x", encoding="utf-8")
    monkeypatch.setattr(cache, "CODE_DIR", package)
    inputs = cache.fixed_inputs(tmp_path / "none")
    found = {p.relative_to(package).as_posix() for p in inputs if package in p.parents}
    assert found == {"pipeline.py", "kinds/bio.py", "locales/de.yaml"}


def test_a_format_checked_once_is_known_by_its_stamp_until_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hashing a format cost 20 to 40 ms a build: after one full check the seal keeps the
    file's stamp (size, times, inode), and an unchanged stamp is trusted."""
    from cvbuild import fmtcache

    fmt = tmp_path / "cvbuild-x.fmt"
    fmt.write_bytes(b"0123456789" * 100)
    _seal(fmt)
    assert _sealed(fmt)  # just written: checked in full, and its stamp not yet trusted
    assert fmtcache.seal_path(fmt).read_text().count("\n") == 1
    monkeypatch.setattr(fmtcache, "_SETTLED_SECONDS", -1.0)  # as if written long ago
    assert _sealed(fmt)
    assert fmtcache.seal_path(fmt).read_text().count("\n") == 2  # the stamp recorded

    def no_reading(path: Path) -> str:
        raise AssertionError("read again")

    monkeypatch.setattr(fmtcache, "fingerprint", no_reading)
    assert _sealed(fmt)  # known by its stamp
    fmt.write_bytes(b"1123456789" + b"0123456789" * 99)  # same size, one byte changed
    os.utime(fmt, ns=(fmt.stat().st_atime_ns, fmt.stat().st_mtime_ns + 10**9))
    monkeypatch.undo()
    assert not _sealed(fmt)  # another stamp: read, and refused


def test_a_format_is_stored_uncompressed(tmp_path: Path) -> None:
    """TeX writes formats gzip-compressed and reads either kind; inflating was 8 % of a pass."""
    import gzip

    from cvbuild import fmtcache

    fmt = tmp_path / "cvbuild-x.fmt"
    fmt.write_bytes(gzip.compress(b"format " * 1000))
    fmtcache.inflate(fmt)
    assert fmt.read_bytes() == b"format " * 1000
    fmtcache.inflate(fmt)  # already plain: left as it is
    assert fmt.read_bytes() == b"format " * 1000
    fmt.write_bytes(gzip.compress(b"format " * 1000)[:-20])  # a dump cut short
    with pytest.raises(OSError):
        fmtcache.inflate(fmt)
    assert not list(tmp_path.glob("*.inflating"))


@pytest.mark.tex
def test_kpsewhich_answers_are_remembered_until_the_installation_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each kpsewhich call cost a build about 15 ms: answers are kept in the user's cache, by
    kpsewhich's identity and, for "is this package's file there", the package index's stamps."""
    import subprocess

    from cvbuild import compile as compile_

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls: list[list[str]] = []
    run = subprocess.run

    def spy(command: list[str], **kwargs: object) -> object:
        calls.append(command)
        return run(command, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(compile_.subprocess, "run", spy)
    monkeypatch.setattr(compile_, "_tex_installation", lambda: "ls-R:1")
    first = compile_._kpsewhich("article.cls", "no-such-file.sty")
    assert first.strip().endswith("article.cls") and len(calls) == 1
    assert compile_._kpsewhich("article.cls", "no-such-file.sty") == first and len(calls) == 1
    monkeypatch.setattr(compile_, "_tex_installation", lambda: "ls-R:2")  # a package installed
    assert compile_._kpsewhich("article.cls", "no-such-file.sty") == first and len(calls) == 2
    for kept in (tmp_path / "cvbuild" / "parsed").glob("*.pickle"):
        kept.write_bytes(b"damaged")
    assert compile_._kpsewhich("article.cls", "no-such-file.sty") == first and len(calls) == 3
