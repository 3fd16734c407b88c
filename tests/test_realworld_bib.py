"""Issue 15: real .bib exports (tests/data/bib, see SOURCE.md there) build as downloaded.

Two CVs share the TeX time: one pdflatex CV with the Latin-script exports of DBLP, Google
Scholar, Zotero, Better BibLaTeX (both name forms), Mendeley, JabRef and NASA ADS (with
"and et al."), patents from Zotero and Scholar; one with DBLP's crossref export and a Cyrillic
JabRef file (a LuaLaTeX CV until pdflatex printed Cyrillic, issue 20). For each: the build
succeeds, every entry is printed (in its list) or named in a warning, the owner is bold wherever
named, no exporter noise is printed, and titles have curly quotes.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber
import pytest

from cvbuild.bibliography import load_publications
from cvbuild.load import load_cv
from cvbuild.models import Bibliography
from tests.conftest import BuiltPdf, read_pdf, run_cli, squash

pytestmark = pytest.mark.tex

DATA = Path(__file__).parent / "data" / "bib"

SECTIONS = """sections:
  - id: pubs
    kind: publications
    title: Publications
    lists:
      - {category: journal, title: Journal Articles}
      - {category: proceedings, title: Conference Papers}
      - {category: chapter, title: Book Chapters}
      - {category: preprint, title: Preprints}
"""

LATIN = {
    "dblp.bib": ["Limaye, Nutan"],
    "scholar.bib": ["Calero Valdez, André"],
    "zotero.bib": ["Botha, Hugo"],
    "betterbiblatex-familygiven.bib": ["van Berkel, Niels"],
    "betterbiblatex.bib": [],
    "mendeley.bib": ["Zamora-López, Gorka"],
    "jabref.bib": ["Fingscheidt, Tim"],
    "ads-etal.bib": ["Weaver, John R."],
    "patents-zotero-plus-scholar.bib": ["Martelaro, Nikolas"],
}
CYRILLIC = {
    "dblp-crossref.bib": ["Limaye, Nutan"],
    "cyrillic.bib": ["Казарян, Давид Эдуардович", "Kazaryan, D. E."],
}
# Per-entry overrides (issue 15, "What to build"): an arXiv-stored paper published at a venue,
# a note, an incomplete Scholar record excluded on purpose (no warning then).
OVERRIDES = """    contreras2021winter: {published_at: "Proceedings of the Winter Venue 2021", note: "Invited."}
    valdez1seminr: {exclude: true}
"""
# Family names (as printed) that must be bold on every occurrence.
BOLD = {
    "latin": ["Limaye", "Calero", "Valdez", "Botha", "Berkel", "Zamora-López", "Fingscheidt",
              "Weaver", "Martelaro"],
    "cyrillic": ["Limaye", "Казарян", "Kazaryan"],
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Built:
    pdf: BuiltPdf
    written_bib: str  # what biber read
    content: Path
    spec: Bibliography


def _build(
    root: Path, files: dict[str, list[str]], variants: str = "", overrides: str = ""
) -> Built:
    content = root / "content"
    (content / "bib").mkdir(parents=True)
    for name in files:
        shutil.copy(DATA / name, content / "bib" / name)
    owners = [name for names in files.values() for name in names]
    person = (
        "person:\n  given_names: Ada\n  family_name: Lovelace\n  email: ada@example.org\n"
        "settings:\n  as_of: 2026-01-31\n"
        "bibliography:\n"
        f"  files: [{', '.join('bib/' + n for n in files)}]\n"
        f"  owner_names: [{', '.join(repr(o) for o in owners)}]\n"
        + (f"  overrides:\n{overrides}" if overrides else "")
    )
    (content / "person.yaml").write_text(person, encoding="utf-8")
    (content / "sections.yaml").write_text(SECTIONS, encoding="utf-8")
    if variants:
        (content / "variants.yaml").write_text(variants, encoding="utf-8")
    result = run_cli(
        "pdf", "--content", str(content), "--out-dir", str(root / "out"),
        "--build-dir", str(root / "build"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pdf = dataclasses.replace(read_pdf(root / "out" / "full.pdf"), output=result.output)
    written = (root / "build" / "full" / "cvbuild-publications.bib").read_text(encoding="utf-8")
    spec = load_cv(content).bibliography
    assert spec is not None
    return Built(pdf, written, content, spec)


@pytest.fixture(scope="module")
def latin(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory.mktemp("latin"), LATIN, overrides=OVERRIDES)


@pytest.fixture(scope="module")
def cyrillic(tmp_path_factory: pytest.TempPathFactory) -> Built:
    # Two authors, then "et al."; an owner further down shown after "…" (issue 15, item 11).
    variants = "variants:\n  full:\n    publications: {max_authors: 2}\n"
    return _build(tmp_path_factory.mktemp("cyrillic"), CYRILLIC, variants)


@pytest.fixture(params=["latin", "cyrillic"])
def built(request: pytest.FixtureRequest) -> Built:
    return request.getfixturevalue(request.param)


def _keys(path: Path) -> list[str]:
    return re.findall(r"^@(?!comment|preamble|string)\w+\s*\{\s*([^,\s]*)\s*,", path.read_text(
        encoding="utf-8"), flags=re.M | re.I)  # fmt: skip


def test_every_entry_is_printed_or_named_in_a_warning(built: Built) -> None:
    printed = {p.key: p for p in load_publications(built.spec, built.content)}
    for name in built.spec.files:
        for key in _keys(built.content / name):
            if key in printed:
                publication = printed[key]
                assert f"keywords = {{cvbuild{publication.category}}}" in built.written_bib
                title = re.sub(r"[{}]", "", publication.fields["title"]).split()
                words = list(itertools.takewhile(str.isalpha, title))[:3] or title[:1]
                assert built.pdf.has(" ".join(words)), (key, words)
            elif key in built.spec.overrides:
                assert built.spec.overrides[key].exclude, key
            elif key:
                assert re.search(rf"warning: .*{re.escape(key)}\b", built.pdf.output), key
            else:  # Mendeley's `@article{,`: named by its line
                assert "no key" in built.pdf.output
    # the lists are those of the section plus one per further category present
    assert built.pdf.has("Journal Articles")


def test_entries_land_in_their_lists(latin: Built, cyrillic: Built) -> None:
    def category(built: Built, key: str) -> str:
        match = re.search(
            rf"@\w+\{{{re.escape(key)},\n(?:.*\n)*?  keywords = \{{cvbuild(\w+)\}}",
            built.written_bib,
        )
        assert match, key
        return match[1]

    expected = {
        "al-nakeebMachineLearningTools2017": "thesis",  # biblatex @thesis
        "bednarDatashaderRevealingStructure2019": "software",
        "martelaro_intelligent_2021": "patent",  # Zotero @patent
        "lin2025systems": "patent",  # Scholar patent as @misc, "Google Patents"
        "Schwarz2021": "thesis",  # JabRef @MastersThesis
        "Bielecki2021": "report",
        "DBLP:journals/eccc/ChauguleL24": "preprint",  # ECCC stored as @article
        "contreras2026mechanics": "preprint",  # Scholar "arXiv preprint" journal
        "contreras2021winter": "proceedings",  # the same, with `published_at`
        "DBLP:conf/stoc/FournierL0T24": "proceedings",
    }
    for key, wanted in expected.items():
        assert category(latin, key) == wanted, key
    assert category(cyrillic, "DBLP:conf/stoc/FournierL0T24") == "proceedings"
    assert latin.pdf.has("Theses") and latin.pdf.has("Patents") and latin.pdf.has("Software")


def _words(pdf: Path) -> list[dict]:
    words: list[dict] = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            page_words = page.extract_words(extra_attrs=["fontname"])
            footer = [w["top"] for w in page_words if w["text"] == "Page"]
            limit = max(footer) - 2 if footer else float(page.height)
            words += [w for w in page_words if w["top"] < limit]
    return words


# Bold faces: "Bold" in Latin Modern's font names; cm-super's Cyrillic faces (SFBX, SFSX, SFBI,
# SFSO, SFRB, SFBL) and cbfonts' Greek ones (grx..., gsx...) name it their own way.
_BOLD = re.compile(r"Bold|\+SF(BX|SX|BI|SO|RB|BL)\d|\+g[rs]x")


@pytest.mark.parametrize("which", ["latin", "cyrillic"])
def test_owner_is_bold_on_every_occurrence(which: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(which)
    words = _words(built.pdf.path)
    for family in BOLD[which]:
        found = [w for w in words if family in w["text"]]
        assert found, family
        plain = [w["text"] for w in found if not _BOLD.search(w["fontname"])]
        assert not plain, (family, plain)
    assert re.search(r"owner in bold in \d+ of \d+ entries", built.pdf.output)


def test_no_exporter_noise_and_curly_quotes(built: Built) -> None:
    text = built.pdf.text
    for noise in ["visited on", "Publisher:", "doi.org/https", "al. et", "ı\u0301", "\u0301",
                  "\\", "$", "{", "``", "''", "Windows", "C:/Users", "application/pdf", "---",
                  "<<"]:  # fmt: skip
        assert noise not in text, noise
    assert not re.search(r"[.,]\s+(en|eng|english|russian)\.", text, flags=re.I)
    assert "“" in text and "”" in text
    # Abstracts never reach TeX (a Zotero abstract of the file and a Cyrillic one)
    assert not built.pdf.has("The present study was designed")


def test_tex_sanitising_shows_in_the_pdf(latin: Built) -> None:
    pdf = latin.pdf
    assert pdf.has("Martín Abadi") or pdf.has("Abadi Martín")  # JabRef {\'{\i}}
    assert pdf.has("ApJ") and pdf.has("A&A") and pdf.has("MNRAS")  # ADS journal macros
    assert pdf.has("amyloid-β")  # Zotero $\beta$
    assert pdf.has("van Berkel Niels")  # Better BibLaTeX family=, prefix= (particle kept)
    assert pdf.has("et al.")  # ADS "and et al."


def test_overrides_published_at_note_exclude(latin: Built) -> None:
    assert latin.pdf.has("In: Proceedings of the Winter Venue 2021")
    assert latin.pdf.has("Invited.")
    assert "valdez1seminr" not in latin.pdf.output  # excluded on purpose: no warning


def test_max_authors_keeps_the_owner(cyrillic: Built) -> None:
    # pdflatex's T1 draws the ellipsis as three dots (". . ." when copied): compared as NFKC
    text = unicodedata.normalize("NFKC", cyrillic.pdf.text)
    assert "et al." in text
    expected = unicodedata.normalize("NFKC", "Данг Фук Тхи, …, Казарян Давид Эдуардович, et al.")
    assert squash(expected) in squash(text)


def test_engines(latin: Built, cyrillic: Built) -> None:
    """Exporter-only fields (Greek in Zotero abstracts, α in file names) do not switch the
    Latin CV to LuaLaTeX; Cyrillic text no longer needs it either (T2A under pdflatex)."""

    def fonts(path: Path) -> str:
        return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout

    assert "Type 1" in fonts(latin.pdf.path) and "CID" not in fonts(latin.pdf.path)
    assert "Type 1" in fonts(cyrillic.pdf.path) and "CID" not in fonts(cyrillic.pdf.path)
    assert "Type 3" not in fonts(cyrillic.pdf.path)
    assert squash("Казарян") in squash(cyrillic.pdf.text)
