"""cvbuild.prestart: a rebuild's first TeX pass starts before the content is read, on the last
build's preamble, and is used only when it read what the build would have given it. These tests
pin when it is refused, that a used one gives a cold build's bytes, and that one stopped midway
leaves nothing behind (no process, no folder, the lock free). Timing is bench/'s business."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cvbuild import compile as compile_
from cvbuild import prestart
from cvbuild.prestart import LOCK, NEXT_DIR, RECORD, WORKING
from tests.conftest import make_content, pdf_text, replace_in, run_cli

BIB = (
    "@article{a1, author={Lovelace, Ada and Babbage, Charles}, title={On Engines},"
    " journal={J}, year={1843}}\n"
)
SECTIONS = (
    "sections:\n  - id: about\n    kind: bio\n    title: About\n"
    "    paragraphs: ['Engines and numbers, first version.']\n"
    "  - id: pubs\n    kind: publications\n    title: Publications\n"
    "    lists: [{category: journal, title: Articles}]\n"
)


# ---------------------------------------------------------------- when it does not start


def _record(build_dir: Path, **fields: object) -> None:
    build_dir.mkdir(parents=True, exist_ok=True)
    record = {"engine": "pdflatex", "format": None, "epoch": 1700000000, "epoch_from": []}
    (build_dir / RECORD).write_text(json.dumps({**record, **fields}), encoding="utf-8")
    (build_dir / "cv.tex").write_text(
        "\\documentclass{article}%\n\\begin{document}%\nx%\n\\end{document}\n", encoding="utf-8"
    )


def test_the_time_stamp_is_predicted_from_the_files_it_came_from(tmp_path: Path) -> None:
    assert prestart.predicted_epoch({"epoch": 5, "epoch_from": []}) == 5  # an as-of date's
    older, newer = tmp_path / "a.yaml", tmp_path / "b.bib"
    older.write_text("a")
    newer.write_text("b")
    os.utime(older, (1000, 1000))
    os.utime(newer, (2000, 2000))
    record = {"epoch": 5, "epoch_from": [str(older), str(newer)]}
    assert prestart.predicted_epoch(record) == 2000
    os.utime(newer, (2001, 2001))  # edited: the build's stamp moves by the same second
    assert prestart.predicted_epoch(record) == 2001
    newer.unlink()  # a file gone: no guess (the build would not take it)
    assert prestart.predicted_epoch(record) is None
    assert prestart.predicted_epoch({"epoch": "5", "epoch_from": []}) is None


@pytest.mark.parametrize(
    "spoil",
    ["no record", "damaged record", "unknown engine", "build running", "format missing",
     "no begin document", "locked"],
)  # fmt: skip
def test_nothing_starts_without_a_sound_last_build(tmp_path: Path, spoil: str) -> None:
    build_dir = tmp_path / "build"
    _record(build_dir)
    holder = None
    if spoil == "no record":
        (build_dir / RECORD).unlink()
    elif spoil == "damaged record":
        (build_dir / RECORD).write_text("{", encoding="utf-8")
    elif spoil == "unknown engine":
        _record(build_dir, engine="xelatex")
    elif spoil == "build running":
        (build_dir / WORKING).write_text('{"state": "running"}', encoding="utf-8")
    elif spoil == "format missing":
        _record(build_dir, format="cvbuild-0123")
    elif spoil == "no begin document":
        (build_dir / "cv.tex").write_text("\\documentclass{article}\n", encoding="utf-8")
    elif spoil == "locked":  # another build works in the dir
        holder = open(build_dir / LOCK, "w")  # noqa: SIM115
        fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        assert prestart.start(build_dir) is None
        assert not (build_dir / NEXT_DIR).exists()
    finally:
        if holder is not None:
            holder.close()


@pytest.mark.tex
def test_a_started_pass_holds_the_lock_and_leaves_nothing_when_stopped(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    _record(build_dir)
    started = prestart.start(build_dir)
    assert started is not None
    assert started.process.poll() is None  # waiting for the rest of the .tex
    with open(build_dir / LOCK, "w") as other, pytest.raises(BlockingIOError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    # a .tex whose preamble differs is refused: the pass is stopped
    assert not started.accept("\\documentclass{book}%\n", "pdflatex", None, 1700000000)
    assert started.process.poll() is not None
    assert not (build_dir / NEXT_DIR).exists()
    started.release()
    started.release()  # (the CLI releases whatever happened)
    with open(build_dir / LOCK, "w") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)


@pytest.mark.tex
@pytest.mark.parametrize(
    "change",
    [("engine", "lualatex"), ("format", "cvbuild-other"), ("epoch", 1700000001)],
)
def test_a_pass_that_read_something_else_is_refused(
    tmp_path: Path, change: tuple[str, object]
) -> None:
    build_dir = tmp_path / "build"
    _record(build_dir)
    started = prestart.start(build_dir)
    assert started is not None
    tex = (build_dir / "cv.tex").read_text(encoding="utf-8")
    wanted: dict[str, object] = {"engine": "pdflatex", "format": None, "epoch": 1700000000}
    wanted[change[0]] = change[1]
    try:
        assert not started.accept(tex, wanted["engine"], wanted["format"], wanted["epoch"])  # type: ignore[arg-type]
        assert started.process.poll() is not None
    finally:
        started.release()


def test_a_pass_that_cannot_start_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No TeX to start (say): no folder, and no link to an XMP packet that the build's own
    pass would then try to write through."""
    build_dir = tmp_path / "build"
    _record(build_dir)
    (build_dir / "pdfa.xmpi").write_text("<x:xmpmeta/>", encoding="utf-8")

    def no_tex(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("lualatex")

    monkeypatch.setattr(prestart.subprocess, "Popen", no_tex)
    tex = (build_dir / "cv.tex").read_text(encoding="utf-8")
    assert prestart.start_on_preamble(build_dir, "lualatex", None, tex, 1700000000) is None
    assert prestart.start(build_dir) is None
    assert not (build_dir / "pdfa.xmpi").is_symlink() and not (build_dir / NEXT_DIR).exists()
    with open(build_dir / LOCK, "w") as other:  # and start() let go of the lock
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)


# ---------------------------------------------------------------- real builds


def _build(content: Path, build: Path, pdf: Path) -> str:
    result = run_cli("pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(build))
    assert result.exit_code == 0, result.output
    return result.output


def _first_pass_prestarted(build: Path) -> bool:
    return "cvbuild-next/cv.tex" in (build / "full" / "cv.log").read_text(encoding="latin-1")


def _cold(content: Path, work: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("XDG_CACHE_HOME", str(work / "cache"))
    _build(content, work / "build", work / "cold.pdf")
    return (work / "cold.pdf").read_bytes()


def _tex_processes_in(directory: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if Path(os.readlink(entry / "cwd")) == directory:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.tex
def test_what_the_pass_did_not_read_may_change_and_what_it_read_may_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body edit uses the started pass; a preamble edit (the name), a .bib edit (biber runs
    first) and content without an as-of date (the stamp is the newest file's) each give a
    cold build's bytes, whether the pass was used or not."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    build, pdf = tmp_path / "build", tmp_path / "cv.pdf"
    _build(content, build, pdf)
    assert not _first_pass_prestarted(build)  # nothing to start from

    replace_in(content / "sections.yaml", "first version", "second version")
    _build(content, build, pdf)
    assert _first_pass_prestarted(build) and "second version" in pdf_text(pdf)
    assert not (build / "full" / NEXT_DIR).exists()
    assert pdf.read_bytes() == _cold(content, tmp_path / "c1", monkeypatch)

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    replace_in(content / "person.yaml", "family_name: Lovelace", "family_name: Byron")
    _build(content, build, pdf)
    assert not _first_pass_prestarted(build) and "Byron" in pdf_text(pdf)
    assert pdf.read_bytes() == _cold(content, tmp_path / "c2", monkeypatch)

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bib = tmp_path / "refs.bib"
    bib.write_text(bib.read_text().replace("On Engines", "On Looms"), encoding="utf-8")
    output = _build(content, build, pdf)
    assert output.index("biber") < output.index("pdflatex 1")
    assert not _first_pass_prestarted(build) and "On Looms" in pdf_text(pdf)
    assert pdf.read_bytes() == _cold(content, tmp_path / "c3", monkeypatch)

    # no as-of date: the time stamp is the newest input's, guessed from the files' times
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    replace_in(content / "person.yaml", "  as_of: 2024-01-31\n", "")
    _build(content, build, pdf)
    time.sleep(1.1)  # the next edit moves the stamp by a second
    replace_in(content / "sections.yaml", "second version", "third version")
    _build(content, build, pdf)
    assert _first_pass_prestarted(build) and "third version" in pdf_text(pdf)
    assert pdf.read_bytes() == _cold(content, tmp_path / "c4", monkeypatch)


@pytest.mark.tex
def test_a_content_error_stops_the_started_pass_and_keeps_the_pdf(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    build, pdf = tmp_path / "build", tmp_path / "cv.pdf"
    _build(content, build, pdf)
    before = pdf.read_bytes()
    replace_in(content / "sections.yaml", "kind: bio", "kind: bioo")
    result = run_cli("pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(build))
    assert result.exit_code != 0 and "bioo" in result.output
    assert "Traceback" not in result.output
    assert pdf.read_bytes() == before
    assert not (build / "full" / NEXT_DIR).exists()
    assert not _tex_processes_in((build / "full").resolve())
    # the lock is free again and the next build uses a started pass as before
    replace_in(content / "sections.yaml", "kind: bioo", "kind: bio")
    replace_in(content / "sections.yaml", "first version", "mended version")
    _build(content, build, pdf)
    assert _first_pass_prestarted(build) and "mended version" in pdf_text(pdf)


@pytest.mark.tex
def test_a_started_pass_that_fails_runs_again_in_the_build_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its error then reads as any pass's (the log in the build dir, lines of cv.tex)."""
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    build, pdf = tmp_path / "build", tmp_path / "cv.pdf"
    _build(content, build, pdf)
    replace_in(content / "sections.yaml", "first version", "second version")
    real = prestart.Prestart.wait
    calls = []

    def failing(self: prestart.Prestart, deadline: float) -> prestart.Finished:
        calls.append(real(self, deadline))
        return prestart.Finished(1, "! Emergency stop.\n", False)

    monkeypatch.setattr(prestart.Prestart, "wait", failing)
    output = _build(content, build, pdf)
    assert calls and "second version" in pdf_text(pdf), output
    assert not _first_pass_prestarted(build)  # the pass that counted ran in the build dir
    assert not (build / "full" / NEXT_DIR).exists()
    done = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "Pages:" in done.stdout


@pytest.mark.tex
@pytest.mark.parametrize("pdf_a", ["--pdfa", "--no-pdfa"])
def test_a_cold_lualatex_build_reads_its_preamble_while_biber_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pdf_a: str
) -> None:
    """The page pass of a cold LuaLaTeX build starts with the control document and stops before
    \\begin{document} until biber is done; it gives the bytes of a pass started afterwards, and
    leaves no link to its XMP packet behind (pdfx writes one only for PDF/A)."""
    content = make_content(tmp_path, SECTIONS.replace("first version", "Երևան"), bib=BIB)

    def cold(work: Path) -> tuple[bytes, str]:
        monkeypatch.setenv("XDG_CACHE_HOME", str(work / "cache"))
        result = run_cli("pdf", "--content", str(content), "-o", str(work / "cv.pdf"),
                         "--build-dir", str(work / "build"), pdf_a)  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "pdflatex 1 (for biber)" in result.output and "lualatex 2" in result.output
        packet = work / "build" / "full" / "pdfa.xmpi"
        assert not packet.is_symlink() and packet.exists() == (pdf_a == "--pdfa")
        assert not (work / "build" / "full" / NEXT_DIR).exists()
        return (work / "cv.pdf").read_bytes(), str(work / "build")

    early, build = cold(tmp_path / "early")
    assert _first_pass_prestarted(Path(build))
    monkeypatch.setattr(compile_, "start_on_preamble", lambda *_: None)
    late, build = cold(tmp_path / "late")
    assert not _first_pass_prestarted(Path(build))
    assert early == late


@pytest.mark.tex
def test_what_a_killed_cvbuild_left_of_a_started_pass_is_cleared(tmp_path: Path) -> None:
    """cvbuild killed outright while its started pass waited: the folder and a dangling link to
    the pass's XMP packet stay. A build that starts no pass (here: no record of the last one)
    clears them; the link would otherwise make pdfx's write fail."""
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    build, out = tmp_path / "build", tmp_path / "out"
    command = ["pdf", "--content", str(content), "--out-dir", str(out), "--build-dir", str(build)]
    assert run_cli(*command).exit_code == 0
    full = build / "full"
    (full / "pdfa.xmpi").unlink()
    (full / "pdfa.xmpi").symlink_to(Path(NEXT_DIR) / "pdfa.xmpi")  # dangling: no folder
    (full / RECORD).unlink()
    replace_in(content / "sections.yaml", "first version", "second version")
    result = run_cli(*command)
    assert result.exit_code == 0, result.output
    assert (full / "pdfa.xmpi").is_file() and not (full / "pdfa.xmpi").is_symlink()
    assert "second version" in pdf_text(out / "full.pdf")


@pytest.mark.tex
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_termination_while_the_content_is_read_stops_the_started_pass(
    tmp_path: Path, number: int
) -> None:
    """SIGTERM or SIGHUP right after the pass started (the content not yet read): exit as
    after Ctrl-C, no TeX process, folder or link left, the PDF as it was."""
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    build, pdf = tmp_path / "build", tmp_path / "cv.pdf"
    _build(content, build, pdf)
    before = pdf.read_bytes()
    replace_in(content / "sections.yaml", "first version", "second version")
    command = [sys.executable, "-m", "cvbuild", "pdf", "--content", str(content), "-o", str(pdf),
               "--build-dir", str(build)]  # fmt: skip
    fifo = build / "full" / NEXT_DIR / "cv.tex"
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not fifo.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert fifo.exists(), "the pass did not start"
    process.send_signal(number)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert b"interrupted" in output and b"Traceback" not in output
    time.sleep(0.2)
    assert not _tex_processes_in((build / "full").resolve())
    assert not (build / "full" / NEXT_DIR).exists()
    assert not (build / "full" / "pdfa.xmpi").is_symlink()
    assert pdf.read_bytes() == before


@pytest.mark.tex
def test_a_pass_whose_writer_never_came_ends_by_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cvbuild killed outright before it opened the FIFO: TeX would wait for a writer for ever;
    the watchdog (coreutils' timeout) ends it."""
    build_dir = tmp_path / "build"
    _record(build_dir)
    monkeypatch.setattr(prestart, "_ORPHAN_SECONDS", 1)
    monkeypatch.setattr(prestart, "_write_all", lambda *_: None)  # the writer never opens
    started = prestart.start(build_dir)
    assert started is not None and started.process.args[0] == "timeout"
    try:
        started.process.wait(timeout=20)
    finally:
        started.release()
    assert started.process.returncode == 124, b"".join(started._output)  # timeout's "timed out"
