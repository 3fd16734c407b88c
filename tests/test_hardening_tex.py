"""Issue 12, items 1, 4, 8, 9 and the .bib parts of 12, with real TeX: a hostile .bib cannot
run code or touch files, even under LuaLaTeX; ordinary URLs give working links; whatever
`validate` accepts builds; every author is printed."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from cvbuild.prestart import LATEXMK_ENGINE
from cvbuild.resources import LATEX_DIR
from tests.conftest import make_content, pdf_text, run_cli

pytestmark = pytest.mark.tex

TOKEN = "SECRET-TOKEN-4711"
BEYOND_PDFLATEX = "Երևան"  # Armenian: beyond pdflatex, the build runs LuaLaTeX
PUBLICATIONS = (
    "sections:\n  - {id: p, kind: publications, title: Publications,\n"
    "     lists: [{category: journal, title: Articles, prefix: J},\n"
    "             {category: proceedings, title: Conferences}]}\n"
)


def build(root: Path, content: Path) -> tuple[subprocess.CompletedProcess | object, Path]:
    pdf = root / "cv.pdf"
    result = run_cli(
        "pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(root / "build")
    )
    return result, pdf


def metadata(pdf: Path) -> str:
    import pypdf

    reader = pypdf.PdfReader(pdf)
    info = " ".join(str(v) for v in (reader.metadata or {}).values())
    xmp = reader.trailer["/Root"].get("/Metadata")
    return info + (xmp.get_object().get_data().decode("utf-8", "replace") if xmp else "")


def link_targets(pdf: Path) -> set[str]:
    import pypdf

    targets = set()
    for page in pypdf.PdfReader(pdf).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and "/URI" in action:
                targets.add(str(action["/URI"]))
    return targets


# ------------------------------------------------------------------ item 1: the Lua layer


def _lualatex(directory: Path, sandboxed: bool) -> str:
    """Run LuaLaTeX on t.tex the way cvbuild does (its flags, its environment), or, as the
    control, without the sandbox; returns the PDF's text."""
    flags = LATEXMK_ENGINE["lualatex"][1].removeprefix("-lualatex=")
    command = shlex.split(flags.replace("%O", "").replace("%S", "t.tex"))
    if not sandboxed:
        command = [c for c in command if not c.startswith("--lua=")]
    env = {**os.environ, "openin_any": "p", "openout_any": "p", "CVBUILD_TEST_SECRET": TOKEN}
    subprocess.run(command, cwd=directory, env=env, stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=180)  # fmt: skip
    return pdf_text(directory / "t.pdf") if (directory / "t.pdf").exists() else ""


def test_lua_cannot_read_write_remove_or_run_outside_the_build(tmp_path: Path) -> None:
    """The restriction itself, independent of the escaper: hand-written \\directlua code."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret, victim = outside / "secret.txt", outside / "victim.txt"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    canary = outside / "canary"
    attempts = {
        "WRITE": f"local f = io.open([[{canary}]], 'w'); if f then f:write('x'); f:close(); "
        "return 'DONE' end",
        "UPWRITE": "local f = io.open('../canary-up', 'w'); if f then f:close(); return 'DONE' end",
        "REMOVE": f"if os.remove([[{victim}]]) then return 'DONE' end",
        "RENAME": f"if os.rename([[{victim}]], [[{victim}.moved]]) then return 'DONE' end",
        "READ": f"local f = io.open([[{secret}]]); if f then return f:read('*l') end",
        "LINES": f"for line in io.lines([[{secret}]]) do return line end",
        "LOADFILE": f"local c, e = loadfile([[{secret}]]); return c and 'DONE'",
        "LOADFILE-MESSAGE": f"local c, e = loadfile([[{secret}]]); return e and 'NO'",
        "LOADDATA": f"return io.loaddata and io.loaddata([[{secret}]])",
        "POPEN": f"local p = io.popen('touch {canary}'); if p then p:close(); return 'DONE' end",
        "EXECUTE": f"if os.execute('touch {canary}') == true then return 'DONE' end",
        "ENV": "return os.getenv('CVBUILD_TEST_SECRET') or (os.env or {}).CVBUILD_TEST_SECRET",
        "UPVALUE": "return debug.getupvalue and select(2, debug.getupvalue(io.open, 1)) and 'DONE'",
        "SYMLINK": f"if lfs.link('t.tex', [[{canary}]], true) then return 'DONE' end",
        "MKDIR": f"if lfs.mkdir([[{canary}]]) then return 'DONE' end",
        "BYTECODE": "return load(string.char(27) .. 'Lua') == nil and 'NO' or 'DONE'",
    }
    body = "\n".join(
        rf"\directlua{{local ok, r = pcall(function() {code} end); "
        rf"tex.print(-2, '{name}-' .. ((ok and r) and tostring(r) or 'REFUSED'))}}\par"
        for name, code in attempts.items()
    )
    tex = (
        "\\documentclass{article}\n\\usepackage{fontspec}\\setmainfont{DejaVu Serif}\n"
        "\\begin{document}\n"
        f"{BEYOND_PDFLATEX}\\par\n{body}\n\\end{{document}}\n"
    )
    for sandboxed in (False, True):
        victim.write_text("keep me\n", encoding="utf-8")
        canary.unlink(missing_ok=True)
        (tmp_path / "canary-up").unlink(missing_ok=True)
        build_dir = tmp_path / f"build-{sandboxed}"
        build_dir.mkdir()
        shutil.copy(LATEX_DIR / "cvbuild-sandbox.lua", build_dir)
        (build_dir / "t.tex").write_text(tex, encoding="utf-8")
        text = _lualatex(build_dir, sandboxed)
        if not sandboxed:  # the control: this LuaTeX really can do all of it
            assert TOKEN in text and canary.exists() and not victim.exists(), text
            continue
        assert BEYOND_PDFLATEX in text  # fonts (luaotfload) still work under the sandbox
        for name in attempts:
            assert f"{name}-REFUSED" in text or f"{name}-NO" in text, (name, text)
        assert TOKEN not in text
        assert not canary.exists() and not (tmp_path / "canary-up").exists()
        assert victim.read_text(encoding="utf-8") == "keep me\n"


def test_tex_cannot_embed_a_file_from_outside_the_build(tmp_path: Path) -> None:
    """LuaTeX's \\pdfextension obj file ignores openin_any for absolute paths; the sandbox's
    file callbacks refuse it (the build stops rather than embed the file)."""
    secret = tmp_path / "secret.txt"
    secret.write_text(TOKEN, encoding="utf-8")
    tex = (
        "\\documentclass{article}\\begin{document}x"
        f"\\immediate\\pdfextension obj uncompressed file {{{secret}}}"
        "\\pdfextension catalog{/Leak \\the\\numexpr\\pdffeedback lastobj\\relax\\space 0 R}"
        "\\end{document}\n"
    )
    for sandboxed in (False, True):
        build_dir = tmp_path / f"build-{sandboxed}"
        build_dir.mkdir()
        shutil.copy(LATEX_DIR / "cvbuild-sandbox.lua", build_dir)
        (build_dir / "t.tex").write_text(tex, encoding="utf-8")
        _lualatex(build_dir, sandboxed)
        pdf = build_dir / "t.pdf"
        embedded = pdf.exists() and TOKEN.encode() in pdf.read_bytes()
        assert embedded == (not sandboxed)  # the control embeds it: the test can fail


# ------------------------------------------------------------------ item 1: a hostile .bib


def _payloads(tmp_path: Path) -> tuple[Path, Path, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret, victim = outside / "secret.txt", outside / "victim.txt"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    victim.write_text("keep me\n", encoding="utf-8")
    return secret, victim, outside / "canary"


def _codes(text: str) -> str:
    """`text` spelled with TeX's ^^xx codes for everything but letters and digits."""
    return "".join(c if c.isalnum() else f"^^{ord(c):02x}" for c in text)


def test_hostile_bib_is_refused_before_tex_and_touches_nothing(tmp_path: Path) -> None:
    secret, victim, canary = _payloads(tmp_path)
    write = rf"\directlua{{io.open('{canary}','w'):write('x')}}"
    remove = rf"\directlua{{os.remove('{victim}')}}"
    read = rf"\directlua{{tex.print(io.open('{secret}'):read())}}"
    good = "author = {Lovelace, Ada}, journal = {J}, year = {2020}"
    bib = "\n".join(
        [
            f"@article{{x{_codes(write)}, title = {{{BEYOND_PDFLATEX}}}, {good}}}",  # line 1: the key
            f"@article{{k2, title = {{{_codes(write)}}}, {good}}}",
            f"@article{{k3, title = {{{remove}}}, {good}}}",
            f"@article{{k4, title = {{{read}}}, {good}}}",
            f"@article{{k5, note = {{x^^5c{_codes(remove)[3:]}}}, title = {{T}}, {good}}}",
            f"@article{{k6, ti^^5ctle = {{T}}, title = {{T}}, {good}}}",
            f'@string{{evil = "{remove}"}}',
            f"@article{{k8, title = evil, {good}}}",
            f"@article{{k9, title = {{{BEYOND_PDFLATEX}}}, {good}}}",
        ]
    )
    content = make_content(tmp_path, PUBLICATIONS, bib=bib)
    checked = run_cli("validate", "--content", str(content))
    result, pdf = build(tmp_path, content)
    for output in (checked.output, result.output):
        # line 1's key is harmless since issue 15: biber reads a plain stand-in key
        for line in (2, 3, 4, 5, 6, 8):
            assert f"refs.bib:{line}: " in output, (line, output)
        assert "refs.bib:9" not in output and "Traceback" not in output
    assert checked.exit_code == 1 and result.exit_code == 1
    assert not pdf.exists() and not (tmp_path / "build").exists()  # no TeX ran
    assert not canary.exists() and victim.exists()


def _png() -> bytes:
    """A 2x2 grey PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80\x80" * 2)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_inert_hostile_text_builds_under_lualatex_and_reaches_no_file(tmp_path: Path) -> None:
    """What the checks let through (text that merely names Lua calls, ^ and ^^ in links, a
    hostile YAML name) is printed, under LuaLaTeX, and nothing outside the build is touched."""
    secret, victim, canary = _payloads(tmp_path)
    lua = f"io.open('{canary}','w') os.remove('{victim}') io.open('{secret}'):read()"
    link = "https://x.org/" + _codes(rf"\directlua{{os.remove('{victim}')}}")
    bib = (
        f"@article{{DBLP:journals/x/Lovelace20, author = {{Lovelace, Ada}}, "
        f"title = {{{BEYOND_PDFLATEX} {lua} a^b}}, journal = {{J}}, year = {{2020}}, url = {{{link}}}, "
        f"code = {{{link}}}}}\n"
    )
    content = make_content(tmp_path, PUBLICATIONS, bib=bib)
    person = content / "person.yaml"
    person.write_text(
        person.read_text(encoding="utf-8").replace(
            "given_names: Ada",
            f"given_names: {json.dumps('Ada ' + _codes(lua))}\n  photo: me.png",
        ),
        encoding="utf-8",
    )
    (content / "me.png").write_bytes(_png())  # images still load under the sandbox
    result, pdf = build(tmp_path, content)
    assert result.exit_code == 0, result.output
    log = (tmp_path / "build" / "full" / "cv.log").read_text(encoding="latin-1")
    assert "LuaHBTeX" in log and "cvbuild-photo.png" in log
    text = pdf_text(pdf)
    assert BEYOND_PDFLATEX in text and "io.open(" in text and "os.remove(" in text
    assert TOKEN not in text and TOKEN not in metadata(pdf)
    assert not canary.exists() and victim.read_text(encoding="utf-8") == "keep me\n"
    recorded = (tmp_path / "build" / "full" / "cv.fls").read_text("utf-8", "replace")
    assert str(secret) not in recorded


# ------------------------------------------------------------------ item 4: URLs


URLS = {
    "https://www.uni.edu/~ada/": "https://www.uni.edu/~ada/",
    "https://x.org/a%20b?q=1&r=2#top": "https://x.org/a%20b?q=1&r=2#top",
    "https://de.wikipedia.org/wiki/Müller": "https://de.wikipedia.org/wiki/M%C3%BCller",
    "https://müller.de/~ada": "https://xn--mller-kva.de/~ada",
}


@pytest.mark.parametrize("extra", ["", BEYOND_PDFLATEX], ids=["pdflatex", "lualatex"])
def test_urls_from_yaml_and_bib_build_and_link(tmp_path: Path, extra: str) -> None:
    urls = list(URLS)
    sections = {
        "sections": [
            {
                "id": "bio",
                "kind": "bio",
                "title": "Bio " + extra,
                "paragraphs": [f"See [home]({urls[0]}) and [wiki]({urls[2]})."],
            },
            {
                "id": "projects",
                "kind": "projects",
                "title": "Projects",
                "projects": [
                    {"acronym": "P", "title": "Tilde", "period": "2020", "url": urls[0]},
                    {"acronym": "Q", "title": "Query", "period": "2021", "url": urls[1]},
                ],
            },
            {
                "id": "talks",
                "kind": "talks",
                "title": "Talks",
                "groups": [
                    {
                        "title": "Talks",
                        "talks": [{"date": "2022", "title": "T", "event": "E", "url": urls[3]}],
                    }
                ],
            },
            {
                "id": "p",
                "kind": "publications",
                "title": "Publications",
                "lists": [{"category": "journal", "title": "Articles"}],
            },
        ]
    }
    bib = (
        "@article{a1, author = {Lovelace, Ada}, title = {On links}, journal = {J}, "
        f"year = {{2020}}, url = {{{urls[0]}}}, doi = {{10.1000/a_b%2F<c>}}, "
        f"code = {{{urls[1]} {urls[2]}}}}}\n"
    )
    content = make_content(tmp_path, json.dumps(sections), bib=bib)
    person = content / "person.yaml"
    text = person.read_text(encoding="utf-8").replace("ada@example.org", "ada@müller.de")
    person.write_text(
        text.replace(
            "settings:", f"  profiles: [{{network: homepage, url: '{urls[0]}'}}]\nsettings:"
        ),
        encoding="utf-8",
    )
    result, pdf = build(tmp_path, content)
    assert result.exit_code == 0, result.output
    targets = link_targets(pdf)
    expected = {
        *URLS.values(),
        "mailto:ada@xn--mller-kva.de",
        "https://doi.org/10.1000/a_b%2F%3Cc%3E",
    }
    assert expected <= targets, targets - expected
    shown = unicodedata.normalize("NFC", pdf_text(pdf))
    assert "ada@müller.de" in shown  # shown as written, linked in its ASCII form


# ------------------------------------------------------------------ item 8: validate = build


ACCEPTED = r"""@article{raw, author = {Lovelace, Ada}, title = {50% of #1 & a_b},
  journal = {J}, year = {2020}, month = {February}, url = "https://x.org/a}b",
  abstract = {ABSTRACT}, award = {Best {paper} 100%}, urldate = {2021-03}}
@inproceedings{child, author = {Lovelace, Ada}, title = {Child paper}, crossref = {parent}}
@proceedings{parent, author = {Editor, Ed}, title = {Proceedings of X}, year = {2019},
  publisher = {P}}
"""


@pytest.mark.parametrize("extra", ["", BEYOND_PDFLATEX], ids=["pdflatex", "lualatex"])
def test_what_validate_accepts_builds_faithfully(tmp_path: Path, extra: str) -> None:
    bib = ACCEPTED.replace("ABSTRACT", "a" * 300_000).replace("Child paper", "Child " + extra)
    content = make_content(tmp_path, PUBLICATIONS.replace("prefix: J", "prefix: '{'"), bib=bib)
    assert run_cli("validate", "--content", str(content)).exit_code == 0
    result, pdf = build(tmp_path, content)
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(pdf).split())
    for shown in ("50% of #1 & a_b", "Best paper 100%", "{1", "Proceedings of X", "x.org/a%7Db"):
        assert shown in text, (shown, text)
    assert "a" * 100 not in text  # the abstract is not printed
    assert "https://x.org/a%7Db" in link_targets(pdf)


REFUSED = {
    "@article{k, T, execute = {x}}": "k.execute",
    "@article{k, title = {\\input{/etc/passwd}}, author = {A, B}, journal = {J}, year = {2020}}": (
        "k.title"
    ),
}
# Issue 15: entries that cannot be printed are skipped with a warning naming them, the rest
# builds; odd keys are printed under a plain stand-in key.
SKIPPED = {
    "@article{, T}": "no key",
    "@article{Dup, T}\n@article{dup, T}": "differs only in case",
    "@article{k, T, crossref = {nothere}}": "k.crossref",
    "@article{k, T, date = {2021-13}}": "k.date",
    "@article{k, T, month = {spring}}": "k.month",
    "@article{k, title = {TITLE}, author = {A, B}, journal = {J}, year = {2020}}": "k.title",
}
ODD_KEYS = ["a%b", "a#b", "a\\b", "a b"]


def test_what_cannot_build_is_reported_by_validate_with_its_line(tmp_path: Path) -> None:
    fields = "author = {Lovelace, Ada}, title = {T}, journal = {J}, year = {2020}"
    for number, (entries, expected) in enumerate({**REFUSED, **SKIPPED}.items()):
        root = tmp_path / str(number)
        bib = "@article{ok, " + fields + "}\n" + entries.replace(", T", ", " + fields)
        bib = bib.replace("TITLE", "t" * 20_001)
        content = make_content(root, PUBLICATIONS, bib=bib)
        checked = run_cli("validate", "--content", str(content))
        assert "refs.bib:2" in checked.output and expected in checked.output, checked.output
        if entries in REFUSED:
            assert checked.exit_code == 1, (entries, checked.output)
            result, _ = build(root, content)
            assert result.exit_code == 1 and not (root / "build").exists(), result.output
        else:
            assert checked.exit_code == 0 and "warning: " in checked.output, checked.output
    # all skipped entries and odd keys in one .bib: it builds, with the printable entries
    root = tmp_path / "all"
    skipped = "\n".join(
        e.replace("{k,", f"{{k{i},").replace("Dup", f"Dup{i}").replace("dup", f"dup{i}")
        for i, e in enumerate(SKIPPED)
    )
    odd = "\n".join(f"@article{{{key}, T}}" for key in ODD_KEYS)
    bib = "@article{ok, " + fields + "}\n" + (skipped + "\n" + odd).replace(", T", ", " + fields)
    bib = bib.replace("TITLE", "t" * 20_001)
    content = make_content(root, PUBLICATIONS, bib=bib)
    result, pdf = build(root, content)
    assert result.exit_code == 0, result.output
    assert result.output.count("warning: ") == len(SKIPPED), result.output
    assert pdf_text(pdf).count("Lovelace Ada") == 2 + len(ODD_KEYS)  # ok, Dup, the odd keys


# ------------------------------------------------------------------ item 9: all authors


def test_every_author_is_printed_past_a_thousand(tmp_path: Path) -> None:
    authors = " and ".join(f"Author{i:04d}, Given" for i in range(1, 1201))
    bib = (
        f"@article{{big, author = {{{authors} and Lovelace, Ada}}, title = {{Big}}, "
        "journal = {J}, year = {2020}}\n"
    )
    content = make_content(tmp_path, PUBLICATIONS, bib=bib)
    result, pdf = build(tmp_path, content)
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(pdf).split())
    assert "et al" not in text
    assert all(f"Author{i:04d}" in text for i in range(1, 1201))
    assert "Author1200 Given, and Lovelace Ada" in text


# ------------------------------------------------------------------ item 12: thousands of entries


def test_bib_data_beyond_pdftex_default_memory_builds(tmp_path: Path) -> None:
    """5,000 ordinary entries overflowed pdfTeX's main memory ("TeX capacity exceeded") but
    take minutes to typeset; 300 entries carrying as much data in a field biblatex keeps but
    does not print (`userd`) fill the same memory in seconds."""
    filler = " ".join(["word"] * 4_000)  # 20,000 characters minus one
    bib = "".join(
        f"@article{{key{i:04d}, author = {{Lovelace, Ada}}, title = {{Title {i}}}, "
        f"journal = {{J}}, year = {{2020}}, userd = {{{filler[:19_999]}}}}}\n"
        for i in range(300)
    )
    content = make_content(tmp_path, PUBLICATIONS, bib=bib)
    result, pdf = build(tmp_path, content)
    assert result.exit_code == 0, result.output
    text = pdf_text(pdf)
    assert "Title 0" in text and "Title 299" in text
