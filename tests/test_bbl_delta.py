"""Issue 20: after a .bib edit biber reads only the entries that changed (cvbuild/bbldelta.py),
and the .bbl made from them and the last .bbl is biber's own for the whole list, byte for byte.
The TeX tests edit real exports (tests/data/bib) and compare with biber run on the whole list;
the fast tests pin when the shortcut is refused."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cvbuild import bbldelta
from tests.conftest import ROOT, make_content, run_cli

REAL = ("scholar", "zotero", "ads-etal", "mendeley", "jabref", "dblp-crossref",
        "patents-zotero-plus-scholar", "cyrillic")  # fmt: skip
CATEGORIES = ("journal", "proceedings", "chapter", "preprint", "patent", "report", "thesis",
              "book", "software", "other")  # fmt: skip
SECTIONS = (
    "sections:\n  - id: pubs\n    kind: publications\n    title: Publications\n    lists:\n"
    + "".join(f"      - {{category: {c}, title: {c.title()}}}\n" for c in CATEGORIES)
)
_DELTA = re.compile(r"^\s+biber 1 \((\d+) of (\d+) entries\)", re.M)
_WHOLE = re.compile(r"^\s+biber 1\s+\d", re.M)

# The frame of every .bbl biber 2.18 writes for cvbuild (one refsection, sorting=none).
HEADER = (
    "% $ biblatex auxiliary file $\n% $ biblatex bbl format version 3.2 $\n\n"
    "\\refsection{0}\n  \\datalist[entry]{none/global//global/global}\n"
)
FOOTER = "  \\enddatalist\n\\endrefsection\n\\endinput\n\n"


def _real_bib() -> str:
    return "\n".join((ROOT / "tests" / "data" / "bib" / f"{name}.bib").read_text(encoding="utf-8")
                     for name in REAL)  # fmt: skip


def _build(content: Path, build: Path, pdf: Path) -> str:
    result = run_cli("pdf", "--content", str(content), "-o", str(pdf), "--build-dir", str(build))
    assert result.exit_code == 0, result.output
    return result.output


def _whole_list_bbl(build: Path, scratch: Path) -> bytes:
    """biber's .bbl for the build's .bcf and .bib, read whole in a directory of its own."""
    scratch.mkdir()
    for name in ("cv.bcf", "cvbuild-publications.bib"):
        shutil.copy(build / name, scratch / name)
    subprocess.run(["biber", "cv"], cwd=scratch, check=True, capture_output=True)
    return (scratch / "cv.bbl").read_bytes()


@pytest.mark.tex
def test_edits_of_real_exports_give_biber_s_own_bbl(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    content = make_content(tmp_path, SECTIONS, bib=_real_bib())
    build, pdf = tmp_path / "build", tmp_path / "cv.pdf"
    output = _build(content, build, pdf)
    assert _WHOLE.search(output), output  # the first build reads the whole list
    text = bib.read_text(encoding="utf-8")
    first_key = re.search(r"^@\w+\{([^,]+),", text, re.M)
    assert first_key is not None
    authors = re.search(r"author\s*=\s*[{\"](.+?)[}\"],?\s*$", text, re.M | re.I)
    assert authors is not None
    edits = [
        # a new entry at the end
        ("end", text + "\n@article{deltaend, author = {Doe, Jane}, title = {At the End},"
                        " journal = {Journal of Tests}, year = {2024}}\n", 1),
        # a new entry first, by the authors of an existing one: every label after it moves,
        # and both get biber's `extraname`
        ("first", f"@article{{deltafirst, author = {{{authors[1]}}}, title = {{First of All}},"
                  " journal = {Journal of Tests}, year = {2025}}\n\n", 1),
        # by authors of the same family names, other given names: biber numbers them alike
        ("family", None, 1),
        # two titles changed
        ("titles", None, 2),
        # an entry removed: nothing for biber to read
        ("removed", None, 0),
    ]  # fmt: skip
    for step, (name, new_text, expected) in enumerate(edits):
        current = bib.read_text(encoding="utf-8")
        if name == "first":
            new_text = (new_text or "") + current
        elif name == "family":
            families = " and ".join(
                f"{n.split(',')[0].strip()}, Q" for n in authors[1].split(" and ")
            )
            new_text = current + (
                f"\n@article{{deltafamily, author = {{{families}}},"
                " title = {Same Families}, journal = {J}, year = {2022}}\n"
            )
        elif name == "titles":
            new_text = current.replace("At the End", "At the Very End").replace(
                "First of All", "First and Foremost"
            )
        elif name == "removed":
            new_text = re.sub(r"@article\{deltaend,.*?\}\n", "", current, flags=re.S)
        assert new_text is not None and new_text != current
        bib.write_text(new_text, encoding="utf-8")
        output = _build(content, build, pdf)
        delta = _DELTA.search(output)
        assert delta is not None and int(delta[1]) == expected, (name, output)
        assert not _WHOLE.search(output), (name, output)  # the splice was taken, not refused
        assert (build / "full" / "cv.bbl").read_bytes() == _whole_list_bbl(
            build / "full", tmp_path / f"whole{step}"
        )

    # a change to half the list or more: biber reads the whole list
    bib.write_text(re.sub(r"(title\s*=\s*[{\"])", r"\g<1>Changed: ", bib.read_text(encoding="utf-8"),
                          flags=re.I), encoding="utf-8")  # fmt: skip
    output = _build(content, build, pdf)
    assert _WHOLE.search(output) and not _DELTA.search(output), output


@pytest.mark.tex
def test_a_changed_entry_gives_a_cold_builds_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bib = tmp_path / "refs.bib"
    content = make_content(tmp_path, SECTIONS, bib=_real_bib())
    build, pdf = tmp_path / "build", tmp_path / "cv.pdf"
    _build(content, build, pdf)
    bib.write_text("@article{deltanew, author = {Doe, Jane}, title = {Brand New},"
                   " journal = {Journal of Tests}, year = {2025}}\n\n"
                   + bib.read_text(encoding="utf-8"), encoding="utf-8")  # fmt: skip
    output = _build(content, build, pdf)
    assert _DELTA.search(output) and not _WHOLE.search(output), output
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cold-cache"))
    _build(content, tmp_path / "cold-build", tmp_path / "cold.pdf")
    assert pdf.read_bytes() == (tmp_path / "cold.pdf").read_bytes()


# --------------------------------------------------------------------------- fast: refusals


def _entry(key: str, title: str, label: str, extra: str = "") -> str:
    return (f"@article{{{key},\n  author = {{Doe, J}},\n  title = {{{title}}},\n"
            f"  journal = {{J}},\n{extra}  usera = {{{label}}}\n}}\n")  # fmt: skip


def _block(key: str, place: int, label: str, family: str = "Doe") -> str:
    """An entry as biber 2.18 writes it for cvbuild: its author list, sortinit, label."""
    digit = str(place)[0]
    return (f"    \\entry{{{key}}}{{article}}{{}}\n      \\name{{author}}{{1}}{{}}{{%\n"
            f"        {{{{hash=00}}{{%\n           family={{{family}}},\n"
            f"           familyi={{D\\bibinitperiod}}}}}}%\n      }}\n"
            f"      \\field{{sortinit}}{{{digit}}}\n      \\field{{sortinithash}}{{h{digit}}}\n"
            f"      \\field{{labelnamesource}}{{author}}\n"
            f"      \\field{{usera}}{{{label}}}\n    \\endentry\n")  # fmt: skip


def _bbl(blocks: list[str]) -> bbldelta.Bbl:
    found = bbldelta.read_bbl(HEADER + "".join(blocks) + FOOTER)
    assert found is not None
    return found


def _list(count: int) -> tuple[str, bbldelta.Bbl]:
    keys = [f"k{i}" for i in range(count)]
    bib = "\n".join(_entry(key, f"Title {key}", str(i + 1)) for i, key in enumerate(keys))
    blocks = [_block(key, i + 2, str(i + 1), family=key) for i, key in enumerate(keys)]
    return bib, _bbl(blocks)


@pytest.mark.parametrize(("changed", "planned"), [(4, True), (5, False)])
def test_half_of_the_list_or_more_goes_to_biber_whole(changed: int, planned: bool) -> None:
    """Of 10 entries, 4 changed are read alone, 5 (half) make biber read the list."""
    bib, bbl = _list(10)
    new = bib
    for i in range(changed):
        new = new.replace(f"Title k{i}}}", f"Title k{i} changed}}")
    found = bbldelta.plan(bib, new, bbl)
    assert (found is not None) == planned
    if found is not None:
        assert len(found.to_biber) == changed


def test_a_label_change_alone_is_patched_not_sent_to_biber() -> None:
    bib, bbl = _list(4)
    new = bib.replace("usera = {2}", "usera = {7}")
    found = bbldelta.plan(bib, new, bbl)
    assert found is not None and found.to_biber == () and found.relabelled == {"k1": "7"}
    spliced = bbldelta.splice(bbl, found, None)
    assert spliced is not None and "\\field{usera}{7}" in spliced


@pytest.mark.parametrize("field", ["crossref", "xdata", "related", "ids"])
def test_entries_biber_resolves_across_the_list_refuse_the_shortcut(field: str) -> None:
    bib, bbl = _list(4)
    new = bib.replace("  journal = {J},\n", f"  journal = {{J}},\n  {field} = {{k0}},\n", 1)
    assert bbldelta.plan(bib, new, bbl) is None


@pytest.mark.parametrize(
    "frame",
    [
        HEADER.replace("none/global", "nty/global"),  # another sorting
        HEADER + "    \\keyalias{x}{k0}\n",  # text between entries
        HEADER.replace("\\refsection{0}", "\\refsection{0}\n\\refsection{1}"),
    ],
)
def test_other_bbl_layouts_are_not_read(frame: str) -> None:
    assert bbldelta.read_bbl(frame + _block("k0", 2, "1") + FOOTER) is None


def test_a_bbl_that_compares_entries_is_not_read() -> None:
    block = _block("k0", 2, "1").replace(
        "    \\endentry", "      \\true{singletitle}\n    \\endentry"
    )
    assert bbldelta.read_bbl(HEADER + block + FOOTER) is None


def test_extraname_numbers_entries_with_one_family_name_list() -> None:
    """Of nine entries, the first and the last by authors of the same family names: 1 and 2
    for those, none for the rest; a new first entry by them renumbers both, and every entry's
    first digit of its place (2, 3, ..., 9, 1, 1) follows."""
    bib, _ = _list(9)
    names = ["Same", *(f"N{i}" for i in range(1, 8)), "Same"]
    blocks = [_block(f"k{i}", i + 2, str(i + 1), name) for i, name in enumerate(names)]
    with_names = bbldelta._with_extraname(blocks)
    assert with_names is not None
    marked = [re.findall(r"extraname\}\{(\d)", block) for block in with_names]
    assert marked == [["1"], *([[]] * 7), ["2"]]
    bbl = _bbl(with_names)
    found = bbldelta.plan(bib, _entry("k9", "New", "10") + "\n" + bib, bbl)
    assert found is not None and len(found.to_biber) == 1
    from_biber = _bbl([_block("k9", 2, "10", "Same")])
    spliced = bbldelta.splice(bbl, found, from_biber)
    assert spliced is not None
    assert re.findall(r"extraname\}\{(\d)", spliced) == ["1", "2", "3"]
    assert re.findall(r"sortinit\}\{(\d)", spliced) == ["2", "3", "4", "5", "6", "7", "8", "9", "1", "1"]  # fmt: skip


def test_extraname_compares_family_names_and_the_others_mark() -> None:
    """biber's extraname compares the family names of the label names, not the given names;
    "and others" makes a list of its own."""
    others = _block("k2", 4, "3", "Doe").replace(
        "      \\field{sortinit}", "      \\true{morelabelname}\n      \\field{sortinit}"
    )
    blocks = [_block("k0", 2, "1", "Doe"), _block("k1", 3, "2", "Doe"), others]
    numbered = bbldelta._with_extraname(blocks)
    assert numbered is not None
    assert [re.findall(r"extraname\}\{(\d)", block) for block in numbered] == [["1"], ["2"], []]


def test_a_first_digit_biber_never_showed_refuses_the_splice() -> None:
    """Three entries (places 2, 3, 4) and one more: biber's hash for 5 is unknown."""
    bib, bbl = _list(3)
    found = bbldelta.plan(bib, bib + "\n" + _entry("k9", "New", "4"), bbl)
    assert found is not None
    assert bbldelta.splice(bbl, found, _bbl([_block("k9", 2, "4", "K9")])) is None


@pytest.mark.tex
def test_after_a_biber_warning_the_whole_list_is_read_again(tmp_path: Path) -> None:
    """When biber warned about the last list (here: a warning put into its log, as cvbuild's
    own checks leave few that biber would give), the next build reads the whole list, so that
    a warning about an entry that did not change is given again, not lost."""
    bib = tmp_path / "refs.bib"
    content = make_content(tmp_path, SECTIONS, bib=_real_bib())
    build, pdf = tmp_path / "build", tmp_path / "cv.pdf"
    _build(content, build, pdf)
    blg = build / "full" / "cv.blg"
    blg.write_text(blg.read_text(encoding="utf-8") + "[99] Biber.pm:1> WARN - about an entry\n",
                   encoding="utf-8")  # fmt: skip
    changed = re.sub(r"(title\s*=\s*[{\"])", r"\g<1>Changed: ", bib.read_text(encoding="utf-8"),
                     count=1, flags=re.I)  # fmt: skip
    bib.write_text(changed, encoding="utf-8")
    output = _build(content, build, pdf)
    assert _WHOLE.search(output) and not _DELTA.search(output), output
    # and with a clean log, the same kind of edit reads the changed entry alone
    bib.write_text(changed.replace("Changed: ", "Changed again: ", 1), encoding="utf-8")
    output = _build(content, build, pdf)
    assert _DELTA.search(output) and not _WHOLE.search(output), output
