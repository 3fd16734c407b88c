"""Issue 12, items 1, 4, 8, 9 and the .bib parts of 12, without TeX: each rule of what may
reach TeX from a .bib or a URL, pinned at its boundaries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cvbuild.bibliography import MAX_FIELD_LENGTH, bibliography_warnings, load_publications
from cvbuild.compose import compose
from cvbuild.document import Reference
from cvbuild.errors import InputError
from cvbuild.escape import escape, escape_bib, escape_url, uri
from cvbuild.kinds.publications import publication_labels
from cvbuild.models import Bibliography
from cvbuild.prestart import LATEXMK_ENGINE
from cvbuild.writers.latex import bibliography_file as write_references
from cvbuild.writers.latex import tex_text
from cvbuild.writers.latex import write as write_latex

ARTICLE = (
    "@article{{{key}, author = {{Lovelace, Ada}}, title = {{{title}}}, journal = {{J}}, {date}}}\n"
)


def bibliography_file(publications, lists=()):  # type: ignore[no-untyped-def]
    """The .bib the LaTeX writer writes for these entries, labelled as the lists say."""
    labels = publication_labels(tuple(publications), list(lists))
    return write_references(tuple(Reference(labels[p.key], p) for p in publications))


def entry(key: str = "k", title: str = "T", date: str = "year = {2020}", **fields: str) -> str:
    extra = "".join(f", {name} = {{{value}}}" for name, value in fields.items())
    return ARTICLE.format(key=key, title=title, date=date + extra)


def load(tmp_path: Path, bib: str | bytes, **spec: object):
    path = tmp_path / "refs.bib"
    if isinstance(bib, bytes):
        path.write_bytes(bib)
    else:
        path.write_text(bib, encoding="utf-8")
    spec = {"files": ["refs.bib"], "owner_names": ["Lovelace, Ada"], **spec}
    return load_publications(Bibliography.model_validate(spec), tmp_path)


def problems(tmp_path: Path, bib: str | bytes, **spec: object) -> list[str]:
    """The errors, or (issue 15: a downloaded .bib builds) the warnings about entries skipped."""
    try:
        loaded = load(tmp_path, bib, **spec)
    except InputError as raised:
        return [str(p) for p in raised.problems]
    skipped = [str(p) for p in bibliography_warnings(loaded)]
    assert skipped, "neither an error nor a warning"
    return skipped


# ------------------------------------------------------------------ item 1: keys


@pytest.mark.parametrize(
    "key",
    [
        "smith2020deep",  # Google Scholar
        "smithDeepLearning2020",  # Zotero / Better BibTeX
        "DBLP:conf/cvpr/SmithJ20",  # DBLP
        "DBLP:journals/corr/abs-2003-07631",
        "10.1145/3292500.3330701",  # DOI as key (ACM)
        "10.1007/978-3-030-58452-8_13",
        "Aad:2012tfa",  # INSPIRE
        "a+b",
        "x",
    ],
)
def test_keys_real_exporters_write_are_accepted(tmp_path: Path, key: str) -> None:
    (publication,) = load(tmp_path, entry(key))
    assert publication.key == key
    assert f"@article{{{key},\n" in bibliography_file((publication,))


@pytest.mark.parametrize(
    "key, shown",
    [
        ("x^^5cdirectlua^^7bos^^2eremove^^28^^27f^^27^^29^^7d", "'^'"),
        ("a%b", "'%'"),
        ("a#b", "'#'"),
        ("a\\b", "'\\\\'"),
        ("a b", "space"),
        ("müller2020", "'ü'"),
        ("a~b", "'~'"),
        ("a&b", "'&'"),
    ],
)
def test_keys_outside_the_safe_set_are_written_as_a_plain_stand_in(
    tmp_path: Path, key: str, shown: str
) -> None:
    """Issue 15: Cyrillic (JabRef, Mendeley) and `$` (Better BibTeX) keys print; the key biber
    reads is a plain stand-in, the entry's own key still names it in overrides."""
    loaded = load(tmp_path, entry("good") + entry(key))
    (odd,) = [p for p in loaded if p.key == key]
    assert odd.key == key
    written = bibliography_file((odd,))
    written_key = re.match(r"@article\{([^,]*),", written)
    assert written_key and re.fullmatch(r"[A-Za-z0-9_:./+-]+", written_key[1]), written
    assert key not in written


def test_empty_key_is_an_error(tmp_path: Path) -> None:
    (message,) = problems(
        tmp_path, "@article{, author={A, B}, title={T}, journal={J}, year={2020}}"
    )
    assert "refs.bib:1" in message and "no key" in message


def test_keys_differing_only_in_case_are_duplicates(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, entry("Smith2020") + entry("smith2020"))
    assert "refs.bib:2" in message and "differs only in case from 'Smith2020'" in message
    assert "refs.bib:1" in message


def test_entry_type_and_field_names_must_be_plain_words(tmp_path: Path) -> None:
    bib = (
        "@article{a, author={A, B}, title={T}, journal={J}, year={2020}, odd$name={x}}\n"
        "@article{b, author={A, B}, title={T}, journal={J}, year={2020}, ok_name-2={x}}\n"
    )
    (message,) = problems(tmp_path, bib)
    assert "refs.bib:1: a.odd$name: field name" in message


def test_no_key_reaches_the_tex_and_the_renderer_refuses_an_unchecked_one(tmp_path: Path) -> None:
    from cvbuild.pipeline import load_content
    from cvbuild.select import select
    from tests.conftest import make_content

    sections = (
        "sections:\n  - {id: p, kind: publications, title: P,\n"
        "     lists: [{category: journal, title: Articles}]}\n"
    )
    content = make_content(tmp_path, sections, bib=entry("DBLP:conf/x/Key1") + entry("key2"))
    cv, publications = load_content(content)
    from cvbuild.dates import PartialDate

    selection = select(cv, publications, "full", PartialDate(2024, 1, 31))
    project = write_latex(compose(selection, publications))
    assert "Key1" not in project.tex and "key2" not in project.tex
    assert "addtocategory" not in project.tex
    assert r"\cvbuildpublications{journal}" in project.tex  # keyword=cvbuild#1 (cvbuild.sty)
    assert "keywords = {cvbuildjournal}" in project.bib
    import dataclasses

    bad = dataclasses.replace(publications[0], key="x^^5c", bib_key="x^^5c")
    with pytest.raises(ValueError):
        bibliography_file((bad,))


# ------------------------------------------------------------------ item 1: ^^ everywhere


def test_no_path_writes_two_carets() -> None:
    text = "a^^5cinput^^7b/etc/hostname^^7d"
    for written in (
        escape(text),
        escape_bib(text),
        escape_url("https://x.org/" + text),
        tex_text(text),
    ):
        assert "^^" not in written, written


def test_carets_in_bib_text_fields_are_refused(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, entry(title="a^^5cinput"))
    assert "refs.bib:1: k.title: '^^'" in message


# ------------------------------------------------------------------ item 1: the Lua layer


def test_lualatex_runs_the_sandbox_first_and_it_is_shipped() -> None:
    command = " ".join(LATEXMK_ENGINE["lualatex"])
    assert "--lua=cvbuild-sandbox.lua" in command and "--nosocket" in command
    from cvbuild.resources import LATEX_DIR

    sandbox = (LATEX_DIR / "cvbuild-sandbox.lua").read_text(encoding="utf-8")
    for guarded in ("io.open", "os.remove", "io.popen", "loadfile", "os.getenv", "debug"):
        assert guarded in sandbox


# ------------------------------------------------------------------ item 4: URLs


@pytest.mark.parametrize(
    "url, target",
    [
        ("https://www.uni.edu/~ada/", "https://www.uni.edu/~ada/"),
        ("https://x.org/a%20b", "https://x.org/a%20b"),
        ("https://x.org/50%", "https://x.org/50%25"),
        ("https://de.wikipedia.org/wiki/Müller", "https://de.wikipedia.org/wiki/M%C3%BCller"),
        ("https://müller.de/", "https://xn--mller-kva.de/"),
        ("https://x.org/a}b{c", "https://x.org/a%7Db%7Bc"),
        ("https://x.org/a b", "https://x.org/a%20b"),
    ],
)
def test_uri(url: str, target: str) -> None:
    assert uri(url) == target
    written = escape_url(url)
    assert re.sub(r"\\([#%&_$])", r"\1", written) == target
    assert re.search(r"(?<!\\)[%#&_$]", written) is None  # nothing TeX would misread


def test_email_with_idn_domain() -> None:
    assert escape_url("ada@müller.de", email=True) == "ada@xn--mller-kva.de"


# ------------------------------------------------------------------ item 8: validate = build


def test_raw_tex_specials_in_bib_text_print_as_themselves() -> None:
    assert tex_text("50% of #1 & a_b x^2") == r"50\% of \#1 \& a\_b x\textasciicircum{}2"
    assert tex_text("$x^2_i$ and \\% \\emph{y}") == "$x^2_i$ and \\% \\emph{y}"
    assert tex_text(r"a \{ b \}") == r"a \textbraceleft{} b \textbraceright{}"
    assert escape_bib("J{1}") == r"J\textbraceleft{}1\textbraceright{}"


@pytest.mark.parametrize(
    "date, ok",
    [
        ("year = {2020}", True),
        ("year = {2020a}", False),
        ("year = {20}", False),
        ("date = {2021-12}", True),
        ("date = {2021-13}", False),
        ("date = {2024-02-29}", True),
        ("date = {2023-02-29}", False),
        ("date = {2021-03-04/2021-03-06}", True),
        ("date = {March 2021}", False),
        ("year = {2020}, month = {12}", True),
        ("year = {2020}, month = {13}", False),
        ("year = {2020}, month = {0}", False),
        ("year = {2020}, month = {February}", True),
        ("year = {2020}, month = {Febx}", False),
        ("year = {2020}, month = {spring}", False),
    ],
)
def test_dates_biber_would_refuse_are_reported(tmp_path: Path, date: str, ok: bool) -> None:
    if ok:
        (publication,) = load(tmp_path, entry(date=date))
        assert re.search(r"date = \{\d{4}(-\d\d){0,2}\}", bibliography_file((publication,)))
    else:
        (message,) = problems(tmp_path, entry(date=date))
        assert message.startswith("refs.bib:1: k.") or "refs.bib:1: k." in message, message


def test_crossref(tmp_path: Path) -> None:
    child = "@inproceedings{c, author={Lovelace, Ada}, title={Child}, crossref={p}}\n"
    parent = "@proceedings{p, author={E, D}, title={Proc of X}, year={2019}, publisher={P}}\n"
    publications = load(tmp_path, child + parent)
    written = bibliography_file(publications)
    assert "booktitle = {Proc of X}" in written and "crossref" not in written
    assert any(
        "refs.bib:1: c.crossref: names 'p', which is no entry" in message
        for message in problems(tmp_path, child)
    )


def test_long_fields(tmp_path: Path) -> None:
    (publication,) = load(tmp_path, entry(abstract="a" * 300_000))
    assert "abstract" not in bibliography_file((publication,))  # not printed, not passed on
    load(tmp_path, entry(title="t" * MAX_FIELD_LENGTH))
    (message,) = problems(tmp_path, entry(title="t" * (MAX_FIELD_LENGTH + 1)))
    assert "refs.bib:1: k.title: 20,001 characters" in message


def test_brace_in_a_list_prefix_and_award_is_balanced_in_the_bib(tmp_path: Path) -> None:
    from cvbuild.kinds.publications import CategoryList

    (publication,) = load(tmp_path, entry(award="Best {paper} 100% \\{ note"))
    assert publication.award == "Best paper 100% { note"
    written = bibliography_file(
        (publication,),
        [CategoryList.model_validate({"category": "journal", "title": "J", "prefix": "{"})],
    )
    assert written.count("{") == written.count("}")
    assert r"usera = {\textbraceleft{}1}" in written


# ------------------------------------------------------------------ item 12: encoding


def test_latin1_bib_is_named_not_utf8_with_its_line(tmp_path: Path) -> None:
    bib = (entry("a") + entry("b", title="Caf\u00e9")).encode("latin-1")
    (message,) = problems(tmp_path, bib)
    assert "refs.bib:2: not UTF-8 (byte 0xE9 in column " in message, message
    assert "U+FFFD" not in message and "save the file as UTF-8" in message


def test_utf8_with_bom_is_read(tmp_path: Path) -> None:
    (publication,) = load(tmp_path, "\ufeff" + entry("a", title="Café"))
    assert publication.fields["title"] == "Café"


def test_execute_is_refused(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, entry(execute="x"))
    assert "refs.bib:1: k.execute: " in message


@pytest.mark.parametrize("name", ["options", "related", "entryset", "urldate", "langid"])
def test_fields_biblatex_would_act_on_are_not_passed_on(tmp_path: Path, name: str) -> None:
    """Issue 15: Better BibLaTeX writes `options = {useprefix=true}`; no such field reaches biber
    (so none can hide an entry or make biber warn), and none is checked."""
    (publication,) = load(tmp_path, entry(**{name: "x \\input{/etc/passwd} 2021-13"}))
    assert name not in bibliography_file((publication,))
