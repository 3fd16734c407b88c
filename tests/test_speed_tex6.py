"""The TeX side of one pass (issue 20): cvbuild.sty prints each publication with less TeX work
per name and per entry than biblatex's stock macros, and prints exactly what they print.

Both are checked on real passes: the PDF bytes of a pass with cvbuild's macros against a pass
with biblatex's stock ones put back (the same build dir, SOURCE_DATE_EPOCH fixed), and the
work itself as a count of macro expansions in TeX's trace (deterministic, unlike a time)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from cvbuild import compile as compile_
from cvbuild import prestart
from tests.conftest import make_content, replace_in, run_cli

SECTIONS = """\
sections:
  - id: pubs
    kind: publications
    title: Publications
    lists:
      - {category: journal, title: Journal Articles, prefix: J}
      - {category: proceedings, title: Proceedings}
      - {category: chapter, title: Chapters}
"""

# Name lists at their boundaries: one, two, three and more names; "and others" after one name
# and after several; the owner first, in the middle, last, alone; a family-name prefix (printed
# with useprefix) first in the list, where biblatex capitalises it; editors after "In:".
BIB = """\
@article{one, author = {Lovelace, Ada}, title = {Alone}, journal = {J. One}, year = {2020}}
@article{two, author = {Lovelace, Ada and Babbage, Charles}, title = {Two},
  journal = {J. Two}, volume = {3}, number = {1}, pages = {1--9}, year = {2021}}
@article{three, author = {Babbage, Charles and Lovelace, Ada and Somerville, Mary},
  title = {Three}, journal = {J. Three}, year = {2022}, doi = {10.1000/xyz}}
@article{four, author = {Babbage, Charles and Somerville, Mary and Herschel, Caroline and
  Lovelace, Ada}, title = {Four}, journal = {J. Four}, year = {2019}}
@article{oneothers, author = {Lovelace, Ada and others}, title = {One and others},
  journal = {J. Five}, year = {2018}}
@article{threeothers, author = {Babbage, Charles and Lovelace, Ada and Somerville, Mary and
  others}, title = {Three and others}, journal = {J. Six}, year = {2017}}
@inproceedings{prefix, author = {van der Berg, Jan and Lovelace, Ada}, title = {Prefix},
  booktitle = {Proc. Seven}, year = {2016}, url = {https://example.org/a}}
@incollection{editors, author = {Lovelace, Ada}, title = {Chapter},
  booktitle = {The Book}, editor = {Babbage, Charles and Somerville, Mary and Herschel,
  Caroline}, publisher = {Press}, year = {2015}}
"""

# biblatex 3.18's own macros and cvbuild's earlier ones, put back after the precompiled
# preamble: the reference the fast macros must print the same bytes as.
STOCK = r"""\makeatletter
\renewbibmacro*{name:delim}[1]{%
  \ifnumgreater{\value{listcount}}{\value{liststart}}
    {\ifboolexpr{
       test {\ifnumless{\value{listcount}}{\value{liststop}}}
       or
       test \ifmorenames
     }
       {\printdelim{multinamedelim}}
       {\lbx@finalnamedelim{#1}}}
    {}}
\renewbibmacro*{name:andothers}{%
  \ifboolexpr{test {\ifnumequal{\value{listcount}}{\value{liststop}}} and test \ifmorenames}
    {\ifnumgreater{\value{liststop}}{1}{\finalandcomma}{}%
     \printdelim{andothersdelim}\bibstring{andothers}%
     \iffieldundef{verba}{}{\addspace\cvbuildauthorcount{\printfield{verba}}}}
    {}}
\renewcommand*{\mkbibcompletename}[1]{\ifitemannotation{highlight}{\textbf{#1}}{#1}}
\settoggle{bbx:related}{true}
\protected\def\blx@bibstring#1#2#3{%
  \blx@met@bibstring{#1}{#2}{#3}
    {\blx@imc@ifcapital
       {\blx@wrapbibstring{#1}{\blx@tempa}{\MakeCapital{\csuse{#2@\blx@tempa}}}}
       {\blx@wrapbibstring{#1}{\blx@tempa}{\csuse{#2@\blx@tempa}}}%
     \blx@endunit}}
\makeatother
"""


@pytest.fixture(scope="module", params=["en", "de"])
def settled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build dir of a normal build of the boundary cases, all passes done, in English and in
    German (their capitalised strings differ: "In:", "Hrsg.")."""
    root = tmp_path_factory.mktemp("speed-tex6")
    content = make_content(root, SECTIONS, BIB)
    as_of = "  as_of: 2024-01-31\n"
    replace_in(content / "person.yaml", as_of, f"{as_of}  language: {request.param}\n")
    pdf = root / "cv.pdf"
    result = run_cli("pdf", "--content", str(content), "-o", str(pdf),
                     "--build-dir", str(root / "build"))  # fmt: skip
    assert result.exit_code == 0, result.output
    build_dir = root / "build" / "full"
    if "biblatex.sty    2022/07/12 v3.18b" not in (build_dir / "cv.log").read_text("latin-1"):
        pytest.skip("cvbuild.sty replaces pieces of biblatex 3.18b only (see its 'speed' part)")
    return build_dir


def _pass(build_dir: Path, copy: Path, edit: str = "", after: str = "") -> Path:
    """One more pdflatex pass, as cvbuild runs it, in a copy of the settled build dir with `edit`
    added after the precompiled preamble and `after` after the publication lists."""
    shutil.copytree(build_dir, copy)
    tex = (copy / "cv.tex").read_text(encoding="utf-8")
    marker = r"\csname endofdump\endcsname"
    assert marker in tex and r"\end{document}" in tex
    tex = tex.replace(marker, marker + "\n" + edit, 1)
    tex = tex.replace(r"\end{document}", after + r"\end{document}", 1)
    (copy / "cv.tex").write_text(tex, encoding="utf-8")
    fmt = next(copy.glob("cvbuild-*.fmt")).stem
    env = {**os.environ, "openin_any": "p", "openout_any": "p", "max_print_line": "1000",
           "SOURCE_DATE_EPOCH": "1700000000", "FORCE_SOURCE_DATE": "1"}  # fmt: skip
    done = compile_.run_tool(prestart.tex_command("pdflatex", fmt), copy, env=env, timeout=240)
    assert done.returncode == 0, done.output[-3000:]
    return copy


@pytest.mark.tex
def test_fast_name_macros_print_the_bytes_of_biblatex_stock_ones(
    settled: Path, tmp_path: Path
) -> None:
    fast = _pass(settled, tmp_path / "fast")
    stock = _pass(settled, tmp_path / "stock", edit=STOCK)
    text = (fast / "cv.log").read_text(encoding="latin-1")
    assert "cvbuild-entry: editors" in text  # the boundary cases were printed
    assert (fast / "cv.pdf").read_bytes() == (stock / "cv.pdf").read_bytes()


def _traced(settled: Path, copy: Path, edit: str = "") -> str:
    """The macro expansions TeX traces while it prints the publication lists."""
    tex = (settled / "cv.tex").read_text(encoding="utf-8")
    first = tex.index("\n" + r"\cvbuildpublications") + 1  # the lists (not the control pass's)
    shutil.copytree(settled, copy / "src")
    (copy / "src" / "cv.tex").write_text(
        tex[:first] + r"\tracingmacros=1 \tracingonline=0 " + tex[first:], encoding="utf-8"
    )
    done = _pass(copy / "src", copy / "run", edit=edit, after=r"\tracingmacros=0 ")
    return (done / "cv.log").read_text(encoding="latin-1")


def _count(trace: str, macro: str) -> int:
    return len(re.findall(rf"^{re.escape(macro)}\b", trace, re.M))


@pytest.mark.tex
def test_no_expression_parsed_and_no_annotation_arguments_read_per_name(
    settled: Path, tmp_path: Path
) -> None:
    """Every name printed used to parse two \\ifboolexpr expressions and read
    \\ifitemannotation's optional arguments; names are most of a publication list's work."""
    trace = _traced(settled, tmp_path / "fast")
    names = len(re.findall(r"^\\blx@nameparser ", trace, re.M))
    assert names >= 20  # every name of BIB (authors and editors) went through biblatex
    assert _count(trace, r"\blx@imc@ifitemannotation") == 0
    stock = _traced(settled, tmp_path / "stock", edit=STOCK)
    # biblatex's name:andothers for every name, its name:delim for every name but a list's first
    # (and its related-entries block for every entry); what is left is per entry (author, title,
    # byauthor in biblatex's standard drivers)
    lists = len(re.findall(r"^\\blx@printnames ", trace, re.M))
    saved = _count(stock, r"\ifboolexpr") - _count(trace, r"\ifboolexpr")
    assert saved >= names + (names - lists), (saved, names, lists)
    # "In:" before journals and books: the string itself to title-casing, not \csuse{its name}
    assert _count(trace, r"\__cvbuild_capital:N") >= 4
    assert _count(stock, r"\__cvbuild_capital:N") == 0
    fast_work = len(re.findall(r"->", trace))
    stock_work = len(re.findall(r"->", stock))
    # (about 250 expansions fewer per name here; the shipped CV's lists: 749k -> 667k)
    assert stock_work - fast_work > 100 * names, (fast_work, stock_work)
