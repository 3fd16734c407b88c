"""The .bib stage: checks with file/line/key, categories, owner matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from cvbuild.bibliography import (
    Name,
    _parse_name,
    bibliography_warnings,
    load_publications,
    same_person,
    split_names,
)
from cvbuild.errors import InputError
from cvbuild.models import Bibliography

GOOD = r"""
@article{j1, author = {Lovelace, Ada and Babbage, C}, title = {Notes}, journal = {J}, year = {1843}}
@inproceedings{c1, author = {Babbage, C and Lovelace, A.}, title = {Engines}, booktitle = {Proc}, year = {1842}, month = {jun}}
@incollection{b1, author = {Lov{\'e}lace, A}, title = {Chapter}, booktitle = {Book}, year = {1840}}
@misc{p1, author = {Lovelace, Ada}, title = {Draft}, eprint = {1234.5678}, archivePrefix = {arXiv}, year = {1844}}
@online{p2, author = {{Lovelace Society}}, title = {Online}, eprinttype = {arxiv}, eprint = {1}, year = {1845}}
@unpublished{p3, author = {Lovelace, Ada}, title = {Unpublished}, note = {n}, year = {1846}}
@article{p4, author = {Lovelace, Ada}, title = {Arxiv as article}, journal = {arXiv preprint arXiv:1}, year = {1847}}
@article{j2, author = {Lovelace, Ada and others}, title = {Published with eprint}, journal = {Nature}, eprint = {2}, year = {1848}}
"""


def load(tmp_path: Path, bib: str, **spec) -> tuple:
    (tmp_path / "refs.bib").write_text(bib, encoding="utf-8")
    spec = {"files": ["refs.bib"], "owner_names": ["Lovelace, Ada"], **spec}
    return load_publications(Bibliography.model_validate(spec), tmp_path)


def errors(tmp_path: Path, bib: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        load(tmp_path, bib)
    return [str(p) for p in caught.value.problems]


def test_categories(tmp_path: Path) -> None:
    publications = {p.key: p.category for p in load(tmp_path, GOOD)}
    assert publications == {
        "j1": "journal", "j2": "journal", "c1": "proceedings", "b1": "chapter",
        "p1": "preprint", "p2": "preprint", "p3": "preprint", "p4": "preprint",
    }  # fmt: skip


def test_newest_first_with_month(tmp_path: Path) -> None:
    bib = GOOD + "@article{j3, author={X, Y}, title={T}, journal={J}, year={1842}, month={dec}}"
    keys = [p.key for p in load(tmp_path, bib)]
    assert keys.index("j3") < keys.index("c1")  # December before June of the same year
    assert keys[0] == "j2"


def test_override_category(tmp_path: Path) -> None:
    publications = load(tmp_path, GOOD, overrides={"p3": {"category": "journal"}})
    assert next(p for p in publications if p.key == "p3").category == "journal"


def test_owner_positions(tmp_path: Path) -> None:
    positions = {p.key: p.owner_positions for p in load(tmp_path, GOOD)}
    assert positions["j1"] == (1,)
    assert positions["c1"] == (2,)  # "Lovelace, A." matches "Lovelace, Ada"
    assert positions["b1"] == (1,)  # accent in the .bib, none in the owner form
    assert positions["p2"] == ()  # a corporate author is nobody's namesake


def test_namesake_override(tmp_path: Path) -> None:
    publications = load(tmp_path, GOOD, overrides={"j1": {"highlight_owner": False}})
    assert next(p for p in publications if p.key == "j1").owner_positions == ()


@pytest.mark.parametrize(
    ("candidate", "owner", "same"),
    [
        (Name("Lapuschkin", "S"), Name("Lapuschkin", "Sebastian"), True),
        (Name("Lapuschkin", "S."), Name("Lapuschkin", "Sebastian"), True),
        (Name("{L}apuschkin", "Sebastian"), Name("Lapuschkin", "Sebastian"), True),
        (Name("Lapuschkin", "Stefan"), Name("Lapuschkin", "Sebastian"), False),
        (Name("Lapuschkin", "T"), Name("Lapuschkin", "Sebastian"), False),
        (Name("Bach", "S"), Name("Bach", "Sebastian"), True),
        (Name("Bachmann", "S"), Name("Bach", "Sebastian"), False),
        (Name("Müller", "K-R"), Name("Muller", "Klaus-Robert"), True),
    ],
)
def test_same_person(candidate: Name, owner: Name, same: bool) -> None:
    assert same_person(candidate, owner) is same


def test_name_parsing() -> None:
    assert split_names("A, B and {C and D} and E F") == ["A, B", "{C and D}", "E F"]
    assert _parse_name(r"M{\"u}ller, K-R") == Name("Müller", "K-R")
    assert _parse_name("Ada Lovelace") == Name("Lovelace", "Ada")
    assert _parse_name("{Lovelace Society}") == Name("Lovelace Society", "")


def test_broken_bib_reports_every_problem_with_line(tmp_path: Path) -> None:
    bib = """@article{ok, author={A, B}, title={T}, journal={J}, year={2020}}
@article{noyear, author={A, B}, title={T}, journal={J}}
@article{ok, author={A, B}, title={Dup}, journal={J}, year={2020}}
@article{open, author={A, B}, title={T, journal={J}, year={2020}}
@article{after, author={A, B}, title={T}, journal={J}, year={2021}}
"""
    # Issue 15: an entry that cannot be printed is skipped with a warning naming it; the rest
    # builds.
    loaded = load(tmp_path, bib)
    assert sorted(p.key for p in loaded) == ["after", "ok"]
    found = [str(p) for p in bibliography_warnings(loaded)]
    assert any("refs.bib:2: noyear: @article lacks year" in p for p in found), found
    assert any("refs.bib:3:" in p and "duplicate key 'ok'" in p for p in found), found
    assert any("refs.bib:4:" in p and "cannot parse" in p for p in found), found
    assert len(found) == 3


def test_preamble_and_macros_are_refused(tmp_path: Path) -> None:
    bib = r"""@preamble{"\input{/etc/hostname}"}
@article{evil, author={A, B}, title={\input{/etc/hostname} and \immediate\write18{ls}},
  journal={J^^5cx}, year={2020}}
@article{fine, author={A, B}, title={Caf{\'e} \emph{x} \& co}, journal={J}, year={2020}}
"""
    found = errors(tmp_path, bib)
    assert not any("@preamble" in p for p in found), found  # never passed on: a warning
    assert any(
        "evil.title: TeX command(s) \\immediate, \\input, \\write not allowed" in p for p in found
    )
    assert any("evil.journal: '^^' character codes are not allowed" in p for p in found)
    assert not any("fine" in p for p in found)


def test_missing_bib_file_is_named(tmp_path: Path) -> None:
    spec = Bibliography(files=["nope.bib"], owner_names=["X, Y"])
    with pytest.raises(InputError, match=r"\.bib file not found \(looked for .*nope\.bib\)"):
        load_publications(spec, tmp_path)
