"""Issue 12 (hardening), the command line: output targets never replace a file cvbuild did not
write (items 5), `watch` and `pdf` ignore editor files (10), the wheel ships everything a build
needs (14), and errors stay readable whatever the terminal (12)."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
import zipfile
from pathlib import Path

import click
import pytest
from pypdf import PdfWriter

from cvbuild import outputs
from cvbuild.load import content_files
from tests.conftest import ROOT, make_content, pdf_text, run_cli

SECTIONS = """\
sections:
  - id: bio
    kind: bio
    title: About
    paragraphs: ["Ada builds engines."]
  - id: pubs
    kind: publications
    title: Publications
    lists:
      - {category: journal, title: Articles}
"""
BIB = "@article{a1, author={Lovelace, Ada}, title={On Engines}, journal={J}, year={1843}}\n"


def _pdf(path: Path, creator: str) -> bytes:
    """A small real PDF with this Info /Creator."""
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_metadata({"/Creator": creator})
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _pdf_args(content: Path, tmp_path: Path, *more: str) -> tuple[str, ...]:
    return ("pdf", "--content", str(content), "--build-dir", str(tmp_path / "build"), *more)


# ---------------------------------------------------------------- item 5: the rule, unit by unit


def _refusal(target: Path, *, inputs=(), force: bool = False, ours=outputs.is_cvbuild_pdf):
    return outputs.refusal(target, inputs=lambda: inputs, ours=ours, force=force)


def test_a_missing_target_or_one_in_a_missing_folder_may_be_written(tmp_path: Path) -> None:
    assert _refusal(tmp_path / "new.pdf") is None
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert _refusal(tmp_path / "file" / "cv.pdf") is None  # writing reports the folder


def test_a_pdf_cvbuild_wrote_is_replaced_another_only_with_force(tmp_path: Path) -> None:
    ours, theirs, text = tmp_path / "ours.pdf", tmp_path / "theirs.pdf", tmp_path / "notes.pdf"
    _pdf(ours, "cvbuild 0.1.0")
    _pdf(theirs, "LaTeX with hyperref")
    text.write_text("cvbuild 0.1.0 but not a PDF", encoding="utf-8")
    assert _refusal(ours) is None
    for target in (theirs, text):
        found = _refusal(target)
        assert found is not None and found.forceable, target
        assert "not written by cvbuild" in found.reason
        assert _refusal(target, force=True) is None


def test_a_damaged_pdf_is_not_taken_for_cvbuild_s(tmp_path: Path) -> None:
    target = tmp_path / "cut.pdf"
    data = _pdf(tmp_path / "whole.pdf", "cvbuild 0.1.0")
    target.write_bytes(data[:40])
    assert not outputs.is_cvbuild_pdf(target)
    assert outputs.is_cvbuild_pdf(tmp_path / "whole.pdf")


def test_links_folders_fifos_and_devices_are_never_replaced_even_with_force(tmp_path: Path) -> None:
    real = tmp_path / "real.pdf"
    _pdf(real, "cvbuild 0.1.0")
    link = tmp_path / "link.pdf"
    link.symlink_to(real)
    fifo = tmp_path / "fifo.pdf"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    expected = {
        link: "symbolic link",
        fifo: "FIFO",
        folder: "a folder",
        Path("/dev/null"): "a device",
    }
    for target, kind in expected.items():
        found = _refusal(target, force=True)
        assert found is not None and kind in found.reason and not found.forceable, target


def test_an_input_is_never_replaced_under_any_name(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    hard = tmp_path / "hard.pdf"
    os.link(bib, hard)
    for target in (bib, hard, tmp_path / "." / "refs.bib"):
        found = _refusal(target, inputs=[bib], force=True, ours=lambda _: True)
        assert found is not None and "input of the build" in found.reason, target
        assert not found.forceable
    assert "the same file as" in _refusal(hard, inputs=[bib]).reason
    other = tmp_path / "other.pdf"
    other.write_text("x", encoding="utf-8")
    assert _refusal(other, inputs=[bib], force=True) is None


def test_write_file_replaces_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "person.yaml"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    outputs.write_file(target, b"new")
    assert target.read_bytes() == b"new" and (target.stat().st_mode & 0o777) == 0o640
    fresh = tmp_path / "fresh.yaml"
    outputs.write_file(fresh, b"x")
    assert (fresh.stat().st_mode & 0o777) == 0o666 & ~_umask()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.yaml", "person.yaml"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------- item 5: pdf -o


def test_pdf_never_replaces_an_input_or_a_special_file(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    person = content / "person.yaml"
    os.link(tmp_path / "refs.bib", tmp_path / "linked.pdf")
    (tmp_path / "link.pdf").symlink_to(person)
    os.mkfifo(tmp_path / "fifo.pdf")
    targets = [person, tmp_path / "refs.bib", tmp_path / "linked.pdf", tmp_path / "link.pdf",
               tmp_path / "fifo.pdf"]  # fmt: skip
    before = {t: (os.lstat(t).st_ino, t.read_bytes() if t.is_file() else b"") for t in targets[:4]}
    for target in targets:
        for force in ((), ("--force",)):
            result = run_cli(*_pdf_args(content, tmp_path, "-o", str(target), *force))
            assert result.exit_code == 1, (target, result.output)
            assert f"will not replace {target}:" in result.output
            assert "Traceback" not in result.output
    after = {t: (os.lstat(t).st_ino, t.read_bytes() if t.is_file() else b"") for t in targets[:4]}
    assert after == before
    assert (tmp_path / "link.pdf").is_symlink()
    assert not (tmp_path / "build").exists()  # refused before any TeX run


def test_pdf_refuses_a_file_it_did_not_write_and_says_how_to_force(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    report = tmp_path / "report.pdf"
    original = _pdf(report, "Microsoft Word")
    result = run_cli(*_pdf_args(content, tmp_path, "-o", str(report)))
    assert result.exit_code == 1
    assert f"will not replace {report}: it exists and was not written by cvbuild" in result.output
    assert "--force" in result.output
    assert report.read_bytes() == original
    out = tmp_path / "out"
    out.mkdir()
    (out / "full.pdf").write_text("my own notes", encoding="utf-8")
    result = run_cli(*_pdf_args(content, tmp_path, "--out-dir", str(out)))
    assert result.exit_code == 1 and "out/full.pdf" in result.output
    assert (out / "full.pdf").read_text(encoding="utf-8") == "my own notes"


@pytest.mark.tex
def test_pdf_with_force_replaces_and_later_builds_replace_their_own_pdf(tmp_path: Path) -> None:
    """Also: editor files beside the content do not stop the build (item 10), and an output
    turned into a FIFO since the last build is refused, not read (which waits forever)."""
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    _editor_litter(content)
    report = tmp_path / "report.pdf"
    _pdf(report, "Microsoft Word")
    assert run_cli(*_pdf_args(content, tmp_path, "-o", str(report), "--force")).exit_code == 0
    assert "Ada builds engines." in pdf_text(report)
    (content / "sections.yaml").write_text(
        SECTIONS.replace("builds engines", "designs looms"), encoding="utf-8"
    )
    result = run_cli(*_pdf_args(content, tmp_path, "-o", str(report)))  # now cvbuild's own
    assert result.exit_code == 0, result.output
    assert "Ada designs looms." in pdf_text(report)
    report.unlink()
    os.mkfifo(report)
    done = subprocess.run(
        [sys.executable, "-m", "cvbuild", *_pdf_args(content, tmp_path, "-o", str(report))],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 1 and "FIFO" in done.stderr


# ---------------------------------------------------------------- item 5: init, tex, schema


def test_init_never_replaces_existing_files_without_force(tmp_path: Path) -> None:
    folder = tmp_path / "cv"
    folder.mkdir()
    mine = "@article{mine, title={My Own}, year={2020}}\n"
    (folder / "publications.bib").write_text(mine, encoding="utf-8")
    (folder / "notes.txt").write_text("keep", encoding="utf-8")
    result = run_cli("init", str(folder))
    assert result.exit_code == 1
    assert f"will not replace {folder / 'publications.bib'}: it already exists" in result.output
    assert "--force" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "publications.bib"]
    assert (folder / "publications.bib").read_text(encoding="utf-8") == mine
    result = run_cli("init", str(folder), "--force")
    assert result.exit_code == 0, result.output
    assert "mine" not in (folder / "publications.bib").read_text(encoding="utf-8")
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep"


def test_init_replaces_its_own_schema_but_not_through_a_link(tmp_path: Path) -> None:
    folder = tmp_path / "cv"
    assert run_cli("init", str(folder)).exit_code == 0
    for name in ("person.yaml", "sections.yaml", "variants.yaml", "publications.bib"):
        (folder / name).unlink()
    assert run_cli("init", str(folder)).exit_code == 0  # only the schema was there: cvbuild's
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text("person: {}\n", encoding="utf-8")
    (folder / "person.yaml").unlink()
    (folder / "person.yaml").symlink_to(elsewhere)
    result = run_cli("init", str(folder), "--force")
    assert result.exit_code == 1 and "symbolic link" in result.output
    assert elsewhere.read_text(encoding="utf-8") == "person: {}\n"


def test_init_refuses_a_folder_with_other_yaml_files(tmp_path: Path) -> None:
    folder = tmp_path / "cv"
    folder.mkdir()
    (folder / "old.yaml").write_text("person: {}\n", encoding="utf-8")
    result = run_cli("init", str(folder), "--force")
    assert result.exit_code == 1 and "old.yaml" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["old.yaml"]


def test_tex_replaces_only_its_own_unedited_files(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    project = tmp_path / "project"
    args = ("tex", "--content", str(content), "-o", str(project))
    assert run_cli(*args).exit_code == 0
    assert run_cli(*args).exit_code == 0  # its own files, unchanged: written again
    tex = project / "cv.tex"
    tuned = tex.read_text(encoding="utf-8").replace("Ada builds", "Ada, hand-tuned, builds")
    tex.write_text(tuned, encoding="utf-8")
    (content / "sections.yaml").write_text(
        SECTIONS.replace("builds engines", "designs looms"), encoding="utf-8"
    )
    result = run_cli(*args)
    assert result.exit_code == 1
    assert f"will not replace {tex}: it was not written by cvbuild, or was edited since" in (
        result.output
    )
    assert "--force" in result.output and "cvbuild.sty" not in result.output
    assert tex.read_text(encoding="utf-8") == tuned
    assert run_cli(*args, "--force").exit_code == 0
    assert "designs looms" in tex.read_text(encoding="utf-8")
    assert [p.name for p in project.iterdir() if p.name.startswith(".cvbuild-tex-")] == []


def test_tex_refuses_a_cv_tex_it_did_not_write(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    project = tmp_path / "project"
    project.mkdir()
    (project / "cv.tex").write_text("\\documentclass{article}% mine\n", encoding="utf-8")
    result = run_cli("tex", "--content", str(content), "-o", str(project))
    assert result.exit_code == 1 and "cv.tex" in result.output
    assert (project / "cv.tex").read_text(encoding="utf-8") == "\\documentclass{article}% mine\n"
    assert sorted(p.name for p in project.iterdir()) == ["cv.tex"]


def test_schema_replaces_a_schema_but_not_another_file(tmp_path: Path) -> None:
    schema = tmp_path / "cvbuild.schema.json"
    assert run_cli("schema", "-o", str(schema)).exit_code == 0
    assert run_cli("schema", "-o", str(schema)).exit_code == 0
    assert json.loads(schema.read_text(encoding="utf-8"))["title"] == "CV"
    other = tmp_path / "package.json"
    other.write_text('{"name": "mine"}', encoding="utf-8")
    result = run_cli("schema", "-o", str(other))
    assert result.exit_code == 1 and "--force" in result.output
    assert other.read_text(encoding="utf-8") == '{"name": "mine"}'
    assert run_cli("schema", "-o", str(other), "--force").exit_code == 0


# ---------------------------------------------------------------- item 10: editor files, watch

EDITOR_FILES = (".#sections.yaml", "._sections.yaml", ".sections.yaml.swp", "sections.yaml~")


def _editor_litter(content: Path) -> None:
    """What editors and macOS leave beside a file being edited, and a folder named *.yaml."""
    (content / ".#sections.yaml").symlink_to("ada@host.12345:1700000000")  # Emacs: dangling
    (content / "._sections.yaml").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    (content / ".sections.yaml.swp").write_bytes(b"b0VIM 9.0\x00")
    (content / "sections.yaml~").write_text("sections: [broken\n", encoding="utf-8")
    (content / "old.yaml").mkdir()
    (content / "old.yaml" / "person.yaml").write_text("person: {}\n", encoding="utf-8")


def test_content_files_are_visible_yaml_files_only(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS)
    _editor_litter(content)
    (content / "extra.yml").write_text("{}\n", encoding="utf-8")
    names = [p.name for p in content_files(content)]
    assert names == ["extra.yml", "person.yaml", "sections.yaml"]


def test_validate_ignores_editor_lock_files_and_yaml_named_folders(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS, bib=BIB)
    _editor_litter(content)
    result = run_cli("validate", "--content", str(content))
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


@pytest.mark.parametrize("value", ["-1", "0", "0.049", "3600.5", "nan", "inf", "-inf", "soon"])
def test_watch_interval_out_of_range_is_a_usage_error(tmp_path: Path, value: str) -> None:
    try:  # a subprocess with a time limit: a watch that accepts the value never ends
        done = subprocess.run(
            [sys.executable, "-m", "cvbuild", "watch", "--content", str(tmp_path), "--interval",
             value],
            cwd=tmp_path, capture_output=True, text=True, timeout=20,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"watch accepted --interval {value}")
    assert done.returncode == 2, done.stderr
    assert "--interval" in done.stderr and "Traceback" not in done.stderr


def test_watch_interval_bounds_are_accepted() -> None:
    from cvbuild.cli import FiniteFloatRange

    interval = FiniteFloatRange(0.05, 3600)
    assert interval.convert("0.05", None, None) == 0.05
    assert interval.convert("3600", None, None) == 3600
    with pytest.raises(click.BadParameter):
        interval.convert("nan", None, None)


@pytest.mark.slow
def test_watch_ignores_editor_files_and_keeps_watching(tmp_path: Path) -> None:
    """Content that fails validation at once: watch's rounds run without TeX."""
    content = make_content(tmp_path, SECTIONS.replace("kind: bio", "kind: biography"))
    lines: list[str] = []
    process = subprocess.Popen(
        [sys.executable, "-m", "cvbuild", "watch", "--content", str(content), "--out-dir",
         str(tmp_path / "out"), "--build-dir", str(tmp_path / "build"), "--interval", "0.05"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    rounds = lambda: sum("] failed (exit 1)" in line for line in lines)  # noqa: E731
    try:
        _until(lambda: rounds() == 1, lines)
        _editor_litter(content)
        time.sleep(1.5)  # 30 looks
        assert rounds() == 1 and process.poll() is None, "".join(lines)
        (content / "sections.yaml").write_text(SECTIONS.replace("kind: bio", "kind: bios"))
        _until(lambda: rounds() == 2, lines)
        assert process.poll() is None, "".join(lines)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=10)
    assert "stopped watching" in "".join(lines)
    assert "Traceback" not in "".join(lines)


def _until(condition, lines: list[str], limit: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail("watch did not get there:\n" + "".join(lines))


# ---------------------------------------------------------------- item 12: folder, terminal


def _as_other_user() -> list[str]:
    """The prefix that runs a command as an unprivileged user (root reads every folder)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a folder unreadable")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.parametrize("command", ["validate", "pdf", "tex"])
def test_an_unreadable_content_folder_is_invalid_input(tmp_path: Path, command: str) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    tmp_path.chmod(0o755)
    content = make_content(shared, SECTIONS)
    content.chmod(0o000)
    args = {"validate": [], "pdf": ["--build-dir", "b", "--out-dir", "o"], "tex": ["-o", "t"]}
    try:
        done = subprocess.run(
            [*_as_other_user(), sys.executable, "-m", "cvbuild", command, "--content", "content",
             *args[command]],
            cwd=shared, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    finally:
        content.chmod(0o755)
    assert done.returncode == 1, done.stderr
    assert "cannot read the content folder content" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.tex
def test_a_terminal_that_cannot_encode_utf8_gets_escapes_not_a_crash(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS.replace("Ada builds", "Ἀδά builds"), bib=BIB)
    done = subprocess.run(
        [sys.executable, "-m", "cvbuild", "pdf", "--content", str(content), "--build-dir",
         str(tmp_path / "build"), "-o", str(tmp_path / "cv.pdf")],
        cwd=tmp_path, capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "ascii"},
    )  # fmt: skip
    output = (done.stdout + done.stderr).decode("ascii")  # nothing but ASCII was written
    assert done.returncode == 0, output
    assert "journal 1 \\xb7 " in output
    assert "Ἀδά builds" in " ".join(pdf_text(tmp_path / "cv.pdf").split())


# ---------------------------------------------------------------- item 14: the wheel


@pytest.mark.tex
def test_an_installed_wheel_builds_a_pdf_from_init_output(tmp_path: Path) -> None:
    """A non-editable install has the LaTeX styles and the starter files: `cvbuild init` and
    `cvbuild pdf` work from a folder outside the repository."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("cvbuild", "latex"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    wheels = tmp_path / "wheels"
    _check([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source])
    (wheel,) = wheels.glob("cvbuild-*.whl")
    # Every module and data file of the source tree is in the wheel (cvbuild.importers and
    # the funder packs were once left out of pyproject's lists).
    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"cvbuild/{path.relative_to(ROOT / 'cvbuild').as_posix()}"
        for path in (ROOT / "cvbuild").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    } | {
        f"cvbuild/latex/{path.relative_to(ROOT / 'latex').as_posix()}"
        for path in (ROOT / "latex").rglob("*")
        if path.is_file()
    }
    assert expected <= shipped, sorted(expected - shipped)
    venv = tmp_path / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _check([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel])
    # The dependencies (pydantic, PyLaTeX, ...) come from this venv's site-packages, added as a
    # plain path: its .pth files (the editable install of cvbuild among them) are not run.
    purelib = _check([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    Path(purelib.strip(), "test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    located = _check([python, "-c", "import cvbuild; print(cvbuild.__file__)"], work, env)
    assert Path(located).is_relative_to(venv), located
    cvbuild = venv / "bin" / "cvbuild"
    _check([cvbuild, "init", "mycv", "--name", "Grace Brewster Hopper"], work, env)
    _check([cvbuild, "pdf", "--content", "mycv"], work, env)
    text = pdf_text(work / "out" / "full.pdf")
    assert "Grace Brewster Hopper" in " ".join(text.split())


def _check(command: list, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout
