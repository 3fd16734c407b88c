"""Issue 20: biber runs with cvbuild's fast Data::Uniqid (latex/biber/Data/Uniqid.pm), which
gives names their in-process ids from a counter instead of the clock and Math::BigInt. The
.bbl must be biber's own: compared here with plain biber on real exports."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cvbuild.compile import _biber_env
from cvbuild.resources import LATEX_DIR
from tests.conftest import ROOT, make_content, run_cli

REAL = ("scholar", "zotero", "ads-etal", "mendeley", "jabref", "dblp", "dblp-crossref",
        "betterbiblatex", "patents-zotero-plus-scholar", "cyrillic")  # fmt: skip
CATEGORIES = ("journal", "proceedings", "chapter", "preprint", "patent", "report", "thesis",
              "book", "software", "other")  # fmt: skip
SECTIONS = (
    "sections:\n  - id: pubs\n    kind: publications\n    title: Publications\n    lists:\n"
    + "".join(f"      - {{category: {c}, title: {c.title()}}}\n" for c in CATEGORIES)
)


def test_bibers_perl_path_starts_with_cvbuilds_module() -> None:
    env = _biber_env({"PERL5LIB": "/elsewhere", "HOME": "/h"})
    first, rest = env["PERL5LIB"].split(os.pathsep, 1)
    assert Path(first) == LATEX_DIR / "biber" and rest == "/elsewhere" and env["HOME"] == "/h"
    assert (Path(first) / "Data" / "Uniqid.pm").is_file()
    assert _biber_env({})["PERL5LIB"] == str(LATEX_DIR / "biber")


@pytest.mark.tex
def test_perl_loads_cvbuilds_uniqid_with_distinct_ids() -> None:
    done = subprocess.run(
        ["perl", "-MData::Uniqid=suniqid", "-e",
         'print join(" ", suniqid(), suniqid(), $INC{"Data/Uniqid.pm"})'],
        env=_biber_env(dict(os.environ)), capture_output=True, text=True, check=True,
    )  # fmt: skip
    first, second, path = done.stdout.split()
    assert first != second and Path(path) == LATEX_DIR / "biber" / "Data" / "Uniqid.pm"


@pytest.mark.tex
def test_the_bbl_is_plain_bibers_on_real_exports(tmp_path: Path) -> None:
    bib = "\n".join((ROOT / "tests" / "data" / "bib" / f"{name}.bib").read_text(encoding="utf-8")
                    for name in REAL)  # fmt: skip
    content = make_content(tmp_path, SECTIONS, bib=bib)
    result = run_cli("pdf", "--content", str(content), "-o", str(tmp_path / "cv.pdf"),
                     "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "  biber 1 " in result.output  # run here (with the module), not taken from a cache
    build = tmp_path / "build" / "full"
    names = (build / "cvbuild-publications.bib").read_text(encoding="utf-8").count(" and ")
    assert names > 100  # many names: the ids matter
    plain = tmp_path / "plain"
    plain.mkdir()
    for name in ("cv.bcf", "cvbuild-publications.bib"):
        shutil.copy(build / name, plain / name)
    env = {k: v for k, v in os.environ.items() if k != "PERL5LIB"}
    subprocess.run(["biber", "cv"], cwd=plain, env=env, check=True, capture_output=True)
    assert (plain / "cv.bbl").read_bytes() == (build / "cv.bbl").read_bytes()
