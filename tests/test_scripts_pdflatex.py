"""Issue 20: Greek and Cyrillic print on pdflatex (LGR and T2A beside T1, latex/cvbuild-scripts.sty)
in every style, in Type 1 fonts, and copy out of the PDF as the text that went in; so do the
Latin letters T1 draws from a letter and an accent (Romanian ș ț, Latvian ķ ņ, ...).

The fast tests pin the engine choice and the fallback when the TeX packages are missing; the TeX
tests build real CVs (role titles and a .bib title printed by biblatex, two styles), read them
back with pdftotext and pdffonts, and check PDFLATEX_RANGES against pdflatex itself: every
Greek and Cyrillic character it lists copies out exactly, and every other one lgrenc.dfu or
t2aenc.dfu declares does not; likewise the Latin letters cvbuild-scripts.sty redeclares.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from cvbuild.compile import _engine_installed
from cvbuild.compose import compose
from cvbuild.dates import PartialDate
from cvbuild.escape import escape
from cvbuild.pipeline import load_content
from cvbuild.progress import Progress
from cvbuild.repertoire import (
    LUALATEX_FALLBACK_ALWAYS,
    PDFLATEX_RANGES,
    PDFLATEX_SCRIPTS,
    engine_for,
    printable,
    scripts_used,
)
from cvbuild.resources import LATEX_DIR
from cvbuild.select import select
from cvbuild.writers.latex import with_fallbacks, write
from tests.conftest import make_content, pdf_text, run_cli

GREEK_TITLE = "Ἀρχιτέκτων Ὀδυσσεύς, Άννα Ένα Όλγα Ήρα Ίων Ύδρα Ώρα"
CYRILLIC_TITLE = "Научный сотрудник Дмитрий Иванов, Україна Їжак ґанок Ігор, Јелена Ђорђевић Ѓорѓи"
BIB_TITLE = "Ψυχή και λόγος: Ἡ ἀρχὴ τῆς σοφίας and Квантовая теория поля"
LATIN_NAMES = "Țiriac Ștefan and Ķeniņš Ģederts"
BIB = (
    "@article{k1, author = {Lovelace, Ada and Παπαδόπουλος, Αλέξανδρος and Иванов, Дмитрий and "
    f"{LATIN_NAMES}}},\n  title = {{{BIB_TITLE}}}, journal = {{Вестник МГУ}}, year = {{2021}}}}\n"
)


def _sections(title: str, second_title: str, summary: str = "") -> str:
    summary_line = f"            summary: {summary}\n" if summary else ""
    return f"""\
sections:
  - id: experience
    kind: experience
    title: Experience
    employers:
      - name: Πανεπιστήμιο Αθηνών
        location: Москва
        roles:
          - title: {title}
            period: 2021-01 – 2023-12
{summary_line}          - title: {second_title}
            period: 2019-01 – 2020-12
  - id: pubs
    kind: publications
    title: Publications
    lists:
      - {{category: journal, title: Journals}}
"""


def _content(root: Path, settings: str, title: str = GREEK_TITLE, summary: str = "") -> Path:
    """`settings`: lines for person.yaml's settings, and `font_family: ...` for the variant."""
    content = make_content(root, _sections(title, CYRILLIC_TITLE, summary), BIB)
    person = content / "person.yaml"
    family = re.search(r"  font_family: .*\n", settings)
    if family:
        settings = settings.replace(family.group(), "")
        variant = f"variants:\n  full:\n    description: All.\n  {family.group()}"
        (content / "variants.yaml").write_text(variant, encoding="utf-8")
    text = person.read_text(encoding="utf-8").replace("settings:\n", "settings:\n" + settings)
    person.write_text(text, encoding="utf-8")
    return content


# ---------------------------------------------------------------- the engine (fast)


def test_a_greek_title_and_a_cyrillic_name_are_set_with_pdflatex(tmp_path: Path) -> None:
    cv, publications = load_content(_content(tmp_path, "  style: classic\n"))
    document = compose(select(cv, publications, "full", PartialDate(2024, 6, 1)), publications)
    project = write(document)
    assert GREEK_TITLE in project.tex and "Иванов" in project.bib
    assert project.engine == "pdflatex"
    assert [s.name for s in scripts_used([project.tex, project.bib])] == ["Greek", "Cyrillic"]


@pytest.mark.parametrize(
    ("text", "engine"),
    [
        ("Αλέξανδρος Παπαδόπουλος", "pdflatex"),
        ("ἀρχὴ ᾠδῆς ῥήτωρ Ἄννα ᾌ", "pdflatex"),  # polytonic, capitals with breathings
        ("Дмитрий Иванов, Україна, Ігор, Јелена Ђорђевић, България, ѓ ѝ", "pdflatex"),
        ("Ștefan Țiriac, Ģederts Ķeniņš, Įstatymas", "pdflatex"),  # T1, letter and accent
        ("ģimene", "lualatex"),  # T1 draws ģ's accent first (a stray space when copied)
        ("Ѣ ѣ", "lualatex"),  # Old Cyrillic yat: not in T2A
        ("ϑ-function", "lualatex"),  # a Greek symbol variant: greek-fontenc has no text glyph
        ("Ἀ΄", "lualatex"),  # a spacing tonos: copies out with a stray space
        ("Երևան", "lualatex"),  # Armenian
    ],
)
def test_engine_per_script(text: str, engine: str) -> None:
    assert engine_for(["plain", text]) == engine


def _fake_progress() -> tuple[Progress, list[str]]:
    said: list[str] = []
    return Progress(message=said.append), said


def test_without_the_greek_package_the_build_uses_lualatex_and_says_what_to_install(
    tmp_path: Path,
) -> None:
    cv, publications = load_content(_content(tmp_path, "  style: classic\n"))
    project = write(
        compose(select(cv, publications, "full", PartialDate(2024, 6, 1)), publications)
    )
    progress, said = _fake_progress()
    asked: list[list[str]] = []

    def found_but_greek(names: list[str]) -> set[str]:
        asked.append(names)
        return {name for name in names if not name.startswith("lgr")}

    fallen = _engine_installed(project, progress, found_but_greek)
    # LuaLaTeX takes the Greek letters from its fallback fonts, as it does Armenian
    greek = [s for s in PDFLATEX_SCRIPTS if s.name == "Greek"]
    assert fallen.engine == "lualatex"
    assert fallen.tex == with_fallbacks(project.tex, project.bib, tuple(greek))
    fallbacks = [line for line in fallen.tex.splitlines() if line.startswith("\\cvbuildfallback{")]
    assert any("03C1" in line for line in fallbacks), fallbacks  # ρ, from a fallback font
    assert not any("0414" in line for line in fallbacks), fallbacks  # Д: T2A is installed
    assert asked == [["lgrenc.def", "lgrlmr.fd", "t2aenc.def", "sfrm1000.pfb"]]
    (note,) = said
    assert "Greek" in note and "texlive-lang-greek" in note and "LuaLaTeX" in note
    assert "Cyrillic" not in note and "texlive-lang-cyrillic" not in note

    progress, said = _fake_progress()
    assert _engine_installed(project, progress, lambda names: set(names)) is project
    assert said == []


def test_latin_text_asks_for_no_script_package(tmp_path: Path) -> None:
    content = make_content(
        tmp_path, "sections:\n  - {id: b, kind: bio, title: Bio, paragraphs: [Müller]}\n"
    )
    cv, publications = load_content(content)
    project = write(
        compose(select(cv, publications, "full", PartialDate(2024, 6, 1)), publications)
    )
    progress, said = _fake_progress()

    def nothing_installed(names: list[str]) -> set[str]:
        raise AssertionError(f"looked up {names}")

    assert _engine_installed(project, progress, nothing_installed) is project
    assert said == []


# ---------------------------------------------------------------- real CVs (TeX)


def _fonts(pdf: Path) -> str:
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout


_PUNCTUATION = ",.:;“”„\"'()«»"


def _words(text: str) -> set[str]:
    """The words of a text (NFC), without the punctuation around them; a word TeX hyphenated at
    a line end is joined again."""
    text = re.sub(r"-\n", "", unicodedata.normalize("NFC", text))
    return {word.strip(_PUNCTUATION) for word in text.split()}


def _build(content: Path, root: Path) -> tuple[Path, str]:
    pdf = root / "cv.pdf"
    result = run_cli(
        "pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(root / "build")
    )
    assert result.exit_code == 0, result.output
    return pdf, (root / "build" / "full" / "cv.log").read_text(encoding="latin-1")


@pytest.mark.tex
@pytest.mark.parametrize(
    "settings",
    [
        "  style: classic\n  pdf_a: true\n",
        "  style: banking\n",
        "  style: casual\n  font_family: arial-metric\n",
    ],
    ids=["classic-pdfa", "banking", "casual-arial"],
)
def test_greek_and_cyrillic_print_on_pdflatex_and_copy_out(tmp_path: Path, settings: str) -> None:
    pdf, log = _build(_content(tmp_path, settings), tmp_path)
    assert log.startswith("This is pdfTeX")
    words = _words(pdf_text(pdf))
    names = "Παπαδόπουλος Αλέξανδρος Țiriac Ștefan Ķeniņš Ģederts"
    expected = f"{GREEK_TITLE} {CYRILLIC_TITLE} {BIB_TITLE} {names} Вестник МГУ"
    missing = sorted(_words(expected) - words)
    assert not missing, (missing, pdf_text(pdf))
    fonts = _fonts(pdf)
    assert "Type 3" not in fonts, fonts
    assert re.search(r"\+g[rs][mx][noi]\d{4}\s+Type 1 ", fonts), fonts  # cbfonts (Greek)
    assert re.search(r"\+SF(RM|SS|BX|SX|TI|SO|SI)\d{4}\s+Type 1 ", fonts), fonts  # cm-super


def _built_latin() -> list[int]:
    """The Latin letters cvbuild-scripts.sty redeclares (T1 draws them from two glyphs)."""
    sty = (LATEX_DIR / "cvbuild-scripts.sty").read_text(encoding="utf-8")
    listed = re.search(r"\\cvbuild@copyas\{t1enc\.dfu\}\{T1\}\{%\n(.*?)\}", sty, re.S)
    assert listed is not None
    return [int(code, 16) for code in re.findall(r"[0-9A-F]{4}", listed.group(1))]


def _script_characters() -> list[str]:
    """Every Greek and Cyrillic character of PDFLATEX_RANGES that prints on its own, and the
    Latin letters cvbuild-scripts.sty redeclares."""
    return [
        chr(code)
        for low, high in PDFLATEX_RANGES
        for code in range(low, high + 1)
        if (0x0370 <= code <= 0x04FF or 0x1F00 <= code <= 0x1FFF)
        and unicodedata.normalize("NFC", chr(code)) == chr(code)  # others become these
        and unicodedata.category(chr(code)) not in {"Mn", "Cf", "Zs"}
    ] + [chr(code) for code in _built_latin()]


@pytest.mark.tex
def test_every_listed_greek_and_cyrillic_character_copies_out_exactly(tmp_path: Path) -> None:
    """Each character between two letters ('xѓx'), in bold (the role title) and upright (the
    summary), in a sans style, through the whole pipeline: back exactly, no stray space."""
    characters = _script_characters()
    assert len(characters) > 400
    tokens = " ".join(f"x{c}x" for c in characters)
    settings = "  style: casual\n  font_family: arial-metric\n"
    pdf, log = _build(_content(tmp_path, settings, title=tokens, summary=tokens), tmp_path)
    assert log.startswith("This is pdfTeX")
    text = unicodedata.normalize("NFC", pdf_text(pdf))
    words = [word.strip(_PUNCTUATION) for word in text.split()]
    missing = [c for c in characters if words.count(f"x{c}x") < 2]
    assert not missing, [f"U+{ord(c):04X} {c}" for c in missing]
    assert "Type 3" not in _fonts(pdf)


# ---------------------------------------------------------------- the table against pdflatex


def _declared(file: str) -> list[int]:
    path = subprocess.run(["kpsewhich", file], capture_output=True, text=True).stdout.strip()
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return [int(h, 16) for h in re.findall(r"\\DeclareUnicodeCharacter\{([0-9A-Fa-f]+)\}", text)]


_FACES = (
    "{}", r"\textbf{{{}}}", r"\textit{{{}}}", r"\textbf{{\textit{{{}}}}}",
    r"\textsf{{{}}}", r"\textsf{{\bfseries {}}}", r"\textsf{{\itshape {}}}",
)  # fmt: skip


@pytest.mark.tex
@pytest.mark.parametrize("engine", ["pdflatex", "lualatex"])
def test_the_table_is_exactly_what_pdflatex_prints_and_copies_out(
    tmp_path: Path, engine: str
) -> None:
    """Every Greek and Cyrillic code point lgrenc.dfu and t2aenc.dfu declare, as cvbuild escapes
    it, in seven faces, with cvbuild.sty and PDF/A (its accent mapping is the stricter): those
    that print and copy out exactly are the ones PDFLATEX_RANGES lists, no more, no fewer. The
    same for the Latin letters cvbuild-scripts.sty redeclares, and ģ (not listed). LuaLaTeX,
    which sets them in the same fonts (latex/cvbuild-lua.sty), prints every listed one alike
    (the others come from its fallback fonts there)."""
    candidates = sorted(
        {
            code
            for code in {*_declared("lgrenc.dfu"), *_declared("t2aenc.dfu")}
            if (0x0370 <= code <= 0x04FF or 0x1F00 <= code <= 0x1FFF)
            and unicodedata.normalize("NFC", chr(code)) == chr(code)
            and unicodedata.category(chr(code)) not in {"Mn", "Cf", "Zs"}
        }
        | {*_built_latin(), 0x0123}  # and ģ, which T1 draws accent first
    )
    for sty in LATEX_DIR.glob("*.sty"):
        shutil.copy(sty, tmp_path)
    (tmp_path / "t.xmpdata").write_text("\\Title{t}\\Author{a}\n", encoding="utf-8")
    lines = [
        r"\documentclass[11pt,a4paper]{moderncv}", r"\moderncvstyle[nosymbols]{classic}",
        r"\usepackage[english]{babel}", r"\usepackage{cvbuild}", r"\usepackage{cvbuild-pdfa}",
        r"\name{A}{B}", r"\begin{document}", r"\raggedright\parindent0pt",
    ]  # fmt: skip
    first = len(lines) + 1
    for code in candidates:
        for face in _FACES:
            lines.append(f"{code:04X} " + face.format(escape(f"x{chr(code)}x")) + r"\par")
    lines.append(r"\end{document}")
    (tmp_path / "t.tex").write_text("\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run(
        [engine, "-interaction=nonstopmode", "t.tex"],
        cwd=tmp_path, capture_output=True, timeout=600, check=False,
    )  # fmt: skip
    log = (tmp_path / "t.log").read_text(encoding="latin-1")
    failed = {  # the code point on each source line TeX stopped at
        candidates[(int(line) - first) // len(_FACES)]
        for line in re.findall(r"^l\.(\d+) ", log, re.M)
        if int(line) >= first
    }
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True
    ).stdout
    read: dict[int, list[str]] = {}
    for match in re.finditer(
        r"^\s*([0-9A-F]{4,5}) x(.*)x\s*$", unicodedata.normalize("NFC", text), re.M
    ):
        read.setdefault(int(match.group(1), 16), []).append(match.group(2))
    exact = {
        code
        for code in candidates
        if code not in failed and read.get(code) == [chr(code)] * len(_FACES)
    }
    listed = {code for code in candidates if printable(chr(code), "pdflatex")}
    if engine == "lualatex":  # less those it takes from a fallback font
        own = listed - {ord(c) for c in LUALATEX_FALLBACK_ALWAYS}
        assert sorted(own - exact) == [], [f"{c:04X}" for c in sorted(own - exact)]
        assert {ord(c) for c in LUALATEX_FALLBACK_ALWAYS} <= listed - exact
        return
    assert sorted(exact - listed) == [] and sorted(listed - exact) == [], (
        [f"{c:04X}" for c in sorted(exact - listed)],
        [f"{c:04X}" for c in sorted(listed - exact)],
    )
    assert len(exact) > 400
