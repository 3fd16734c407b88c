"""Issue 15, without TeX: each rule that makes real .bib exports build, pinned at its edges."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from cvbuild.bibliography import (
    Name,
    _parse_name,
    bibliography_warnings,
    load_publications,
    owner_summary,
    same_person,
    shorten_authors,
)
from cvbuild.document import Reference
from cvbuild.errors import InputError
from cvbuild.kinds.publications import CategoryList, lists_with_defaults, publication_labels
from cvbuild.models import Bibliography
from cvbuild.repertoire import engine_for
from cvbuild.texmacros import ADS_JOURNALS, clean, commands
from cvbuild.writers.latex import bibliography_file as write_references


def load(tmp_path: Path, bib: str, owners: tuple[str, ...] = ("Lovelace, Ada",), **spec: object):
    (tmp_path / "refs.bib").write_text(bib, encoding="utf-8")
    data = {"files": ["refs.bib"], "owner_names": list(owners), **spec}
    return load_publications(Bibliography.model_validate(data), tmp_path)


def written(publications) -> str:  # type: ignore[no-untyped-def]
    labels = publication_labels(tuple(publications), [])
    return write_references(tuple(Reference(labels[p.key], p) for p in publications))


def warnings(loaded) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in bibliography_warnings(loaded)]


def article(fields: str = "", key: str = "k", kind: str = "article") -> str:
    return (
        f"@{kind}{{{key}, author = {{Lovelace, Ada}}, title = {{T}}, journal = {{J}}, "
        f"year = {{2020}}{', ' + fields if fields else ''}}}\n"
    )


# ---------------------------------------------------------------- item 2: accents, dotless i


@pytest.mark.parametrize(
    "raw", [r"Mart{\'\i}n", r"Mart\'{\i}n", r"Mart{\'{\i}}n", r"Mart\'\i n", r"Mart\'in"]
)
def test_dotless_i_accents_become_one_nfc_character(raw: str) -> None:
    text = clean(raw)
    assert text == "Martín"
    assert "\u0301" not in text and "ı" not in text
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize(
    "raw, text",
    [
        (r"Sch{\"{o}}ning", "Schöning"),
        (r"Universit\"at", "Universität"),
        (r"Enik\H{o}", "Enikő"),
        (r"{\c c}a \c{S}", "ça Ş"),
        (r"{\v{s}}", "š"),
        (r"{\ss} {\o}rsted {\L}ukasz", "ß ørsted Łukasz"),
        (r"{\'E}cole", "École"),
        (r"\u{g}", "ğ"),
    ],
)
def test_accents_and_special_letters_become_unicode(raw: str, text: str) -> None:
    assert clean(raw) == text


def test_accent_command_names_need_a_separator() -> None:
    r"""`\cc` is no accent (it would be the command \cc): left for the check to refuse."""
    assert commands(clean(r"\cc"), frozenset()) == ["cc"]


# ---------------------------------------------------------------- item 3: TeX exporters write


@pytest.mark.parametrize(
    "raw, text",
    [
        (r"{\textless}b{\textgreater}", "<b>"),
        (r"a\textless b", "a<b"),
        (r"{\textendash} x\textemdash{}y", "– x—y"),
        (r"\textasciitilde", r"\textasciitilde{}"),
        (r"{\textbackslash}bar", r"\textbackslash{}bar"),
        (r"\mbox{Fe}", "{Fe}"),
        (r"$^{\text{x}}$", r"$^{\mbox{x}}$"),
        (r"\(\mathcal{O}(n \log n)\)", r"$\mathcal{O}(n \log n)$"),
        (r"z {\ensuremath{\sim}}7", r"z {$\sim$}7"),
    ],
)
def test_text_commands_and_math_delimiters_are_mapped(raw: str, text: str) -> None:
    assert clean(raw) == text


def test_ads_journal_macros_are_the_aas_names() -> None:
    assert clean(r"\apj") == "ApJ" and clean(r"{\aap}") == "A&A" and clean(r"\mnras") == "MNRAS"
    assert len(ADS_JOURNALS) > 50 and all(ADS_JOURNALS.values())
    assert clean(r"\apjx") == r"\apjx"  # not an AAS macro: left for the check to refuse


def test_math_macros_are_allowed_in_math_only() -> None:
    safe = frozenset(["emph"])
    assert commands(r"$\ell_1$ and $\alpha$-RuCl$_3$, $\mathcal{O}(n)$", safe) == []
    assert commands(r"\alpha outside", safe) == ["alpha"]  # TeX: "Missing $ inserted"
    assert commands(r"$\input{/etc/passwd}$", safe) == ["input"]
    assert commands(r"\$ \alpha", safe) == ["$", "alpha"]  # an escaped $ opens no math


def test_math_in_titles_loads_and_unknown_commands_are_refused_with_advice(tmp_path: Path) -> None:
    good = article(key="a").replace("{T}", r"{$\ell_1$ and $\mathcal{O}(n \log n)$ \(x^2\)}")
    (publication,) = load(tmp_path, good)
    assert r"$\ell_1$" in written((publication,))
    with pytest.raises(InputError) as raised:
        load(tmp_path, article(key="b").replace("{T}", r"{\input{/etc/passwd}}"))
    (message,) = [str(p) for p in raised.value.problems]
    assert "\\input" in message and "write the text itself in Unicode" in message


def test_links_lose_exporter_escapes_and_dois_their_resolver(tmp_path: Path) -> None:
    bib = article(r"doi = {https://doi.org/10.1000/a\_b}, url = {https://x.org/a{\_}b}")
    (publication,) = load(tmp_path, bib)
    assert publication.fields["doi"] == "10.1000/a_b"
    (every,) = load(tmp_path, bib, links="all")
    assert every.fields["url"] == "https://x.org/a_b"
    text = written((publication,))
    assert "doi = {10.1000/a_b}" in text
    assert "url" not in text  # the DOI is the one link printed
    (no_doi,) = load(tmp_path, article(r"url = {https://x.org/a\_b}"))
    assert "url = {https://x.org/a_b}" in written((no_doi,))


# ---------------------------------------------------------------- item 4: unprinted fields


def test_exporter_fields_are_neither_checked_nor_passed_on(tmp_path: Path) -> None:
    bib = article(
        "abstract = {50% of α and カ \\weird}, file = {C\\:\\\\Users\\\\x.pdf:application/pdf}, "
        "language = {en}, urldate = {last week}, timestamp = {2019.05.16}, biburl = {x}, "
        "isbn = {1, 2}, options = {maxnames=4}, langid = {english}, adsurl = {x}"
    )
    (publication,) = load(tmp_path, bib)
    text = written((publication,))
    for name in ("abstract", "file", "language", "urldate", "timestamp", "biburl", "isbn",
                 "options", "langid", "adsurl"):  # fmt: skip
        assert f"{name} =" not in text, name
    assert engine_for([text]) == "pdflatex"  # α in an abstract does not switch the engine


def test_zotero_notes_are_dropped_other_notes_kept(tmp_path: Path) -> None:
    (zotero,) = load(tmp_path, article("note = {Publisher: Elsevier}"))
    assert "note" not in written((zotero,))
    (mixed,) = load(tmp_path, article("note = {Invited talk\nPMID: 123}"))
    assert "note = {Invited talk}" in written((mixed,))
    (own,) = load(tmp_path, article("note = {Accepted: to appear in JMLR}"))
    assert "note = {Accepted: to appear in JMLR}" in written((own,))  # a word, not Zotero's


# ---------------------------------------------------------------- item 1: types and categories


@pytest.mark.parametrize(
    "entry_type, extra, category",
    [
        ("phdthesis", "school = {S}", "thesis"),
        ("mastersthesis", "school = {S}", "thesis"),
        ("thesis", "institution = {S}", "thesis"),
        ("book", "publisher = {P}", "book"),
        ("mvbook", "", "book"),
        ("collection", "", "book"),
        ("proceedings", "", "book"),
        ("techreport", "institution = {I}", "report"),
        ("report", "", "report"),
        ("patent", "number = {US1}", "patent"),
        ("software", "", "software"),
        ("dataset", "", "software"),
        ("manual", "", "other"),
        ("booklet", "", "other"),
        ("video", "", "other"),
        ("letter", "", "other"),
        ("unknowntype", "", "other"),
        ("misc", "howpublished = {Talk at X}", "other"),
        ("misc", "publisher = {Google Patents}", "patent"),
        ("misc", "eprint = {2101.00001}", "preprint"),
        ("misc", "", "preprint"),
        ("online", "", "preprint"),
        ("electronic", "", "preprint"),
        ("conference", "booktitle = {B}", "proceedings"),
        ("incollection", "booktitle = {B}", "chapter"),
    ],
)
def test_every_type_has_a_category(
    tmp_path: Path, entry_type: str, extra: str, category: str
) -> None:
    bib = (
        f"@{entry_type}{{k, author = {{Lovelace, Ada}}, title = {{T}}, year = {{2020}}"
        f"{', ' + extra if extra else ''}}}\n"
    )
    (publication,) = load(tmp_path, bib)
    assert publication.category == category


@pytest.mark.parametrize(
    "journal, category",
    [
        ("Electron. Colloquium Comput. Complex.", "preprint"),
        ("IACR Cryptol. ePrint Arch.", "preprint"),
        ("TechRxiv", "preprint"),
        ("SSRN Electronic Journal", "preprint"),
        ("bioRxiv", "preprint"),
        ("arXiv e-prints", "preprint"),
        ("Journal of Correlated Systems", "journal"),  # "corr" inside a word is no CoRR
    ],
)
def test_preprint_servers_stored_as_articles(tmp_path: Path, journal: str, category: str) -> None:
    (publication,) = load(tmp_path, article().replace("{J}", "{" + journal + "}"))
    assert publication.category == category


@pytest.mark.parametrize(
    "state, category",
    [("submitted", "preprint"), ("inpreparation", "preprint"), ("under review", "preprint"),
     ("inpress", "journal"), ("forthcoming", "journal")],
)  # fmt: skip
def test_pubstate_not_yet_accepted_is_not_peer_reviewed(
    tmp_path: Path, state: str, category: str
) -> None:
    (publication,) = load(tmp_path, article(f"pubstate = {{{state}}}"))
    assert publication.category == category


def test_edited_volume_needs_editors_and_highlights_the_owner_there(tmp_path: Path) -> None:
    bib = "@book{v, editor = {Lovelace, Ada and Babbage, C.}, title = {V}, year = {2020}}\n"
    (publication,) = load(tmp_path, bib)
    assert publication.owner_field == "editor" and publication.owner_positions == (1,)
    assert "editor+an = {1=highlight}" in written((publication,))
    loaded = load(tmp_path, "@book{v, title = {V}, year = {2020}}\n")
    assert not loaded and "lacks author" in warnings(loaded)[0]


def test_default_lists_for_further_categories_only() -> None:
    class P:
        def __init__(self, category: str) -> None:
            self.category = category

    lists = [CategoryList(category="journal", title="J")]
    found = lists_with_defaults(lists, (P("thesis"), P("preprint"), P("journal")), "en")  # type: ignore[arg-type]
    assert [(s.category, s.title) for s in found] == [("journal", "J"), ("thesis", "Theses")]
    german = lists_with_defaults([], (P("patent"),), "de")  # type: ignore[arg-type]
    assert [s.title for s in german] == ["Patente"]


# ---------------------------------------------------------------- items 7, 8, 12: no surprises


@pytest.mark.parametrize(
    "date, year, month, day",
    [("year = {1991,}", 1991, 0, 0), ("year = {2006. -- 1102 с.}", 2006, 0, 0),
     ("date = {1993-00-00}", 1993, 0, 0), ("date = {2019-12-03T02:54:58Z}", 2019, 12, 3),
     ("date = {2017-06-12T10:37:59+05:30}", 2017, 6, 12), ("year = {2020}, month = {4}", 2020, 4, 0),
     ("year = {2020}, month = {dec}", 2020, 12, 0)],
)  # fmt: skip
def test_year_and_date_oddities_exporters_write(
    tmp_path: Path, date: str, year: int, month: int, day: int
) -> None:
    bib = "@article{k, author = {Lovelace, Ada}, title = {T}, journal = {J}, " + date + "}\n"
    (publication,) = load(tmp_path, bib)
    assert (publication.year, publication.month, publication.day) == (year, month, day)


@pytest.mark.parametrize("date", ["year = {20}", "year = {2020a}", "date = {2021-13}"])
def test_unreadable_dates_skip_the_entry_with_a_warning(tmp_path: Path, date: str) -> None:
    bib = "@article{k, author = {Lovelace, Ada}, title = {T}, journal = {J}, " + date + "}\n"
    loaded = load(tmp_path, bib + article(key="ok"))
    assert [p.key for p in loaded] == ["ok"]
    (message,) = warnings(loaded)
    assert "refs.bib:1: k." in message and "not printed" in message


def test_repeated_field_keeps_the_first_and_names_the_line(tmp_path: Path) -> None:
    bib = article(key="a") + article("keywords = {x}, keywords = {y}, title = {Second}", key="b")
    loaded = load(tmp_path, bib)
    assert sorted(p.key for p in loaded) == ["a", "b"]
    (message,) = warnings(loaded)
    assert "refs.bib:2: b: repeats field(s) keywords, title" in message
    assert next(p for p in loaded if p.key == "b").fields["title"] == "T"


def test_cjk_is_reported_once_per_entry_and_field(tmp_path: Path) -> None:
    title = "{" + "日本語の論文" * 20 + "}"
    loaded = load(tmp_path, article().replace("{T}", title) + article(key="ok"))
    (message,) = warnings(loaded)
    assert "k.title" in message and "not printed" in message and "and 1 more" in message


def test_crossref_parent_is_not_printed_and_named(tmp_path: Path) -> None:
    bib = (
        "@inproceedings{c, author = {Lovelace, Ada}, title = {C}, crossref = {p}}\n"
        "@proceedings{p, editor = {E, D}, title = {Proc}, year = {2019}}\n"
    )
    loaded = load(tmp_path, bib)
    assert [p.key for p in loaded] == ["c"]
    assert loaded[0].fields["booktitle"] == "Proc"
    (message,) = warnings(loaded)
    assert "refs.bib:2: p: not printed" in message and "c" in message


def test_preamble_is_ignored_with_a_warning(tmp_path: Path) -> None:
    loaded = load(tmp_path, '@preamble{"\\DeclarePrefChars{x}"}\n' + article())
    assert len(loaded) == 1
    assert "@preamble ignored" in warnings(loaded)[0]


def test_exclude_override_is_silent(tmp_path: Path) -> None:
    loaded = load(
        tmp_path, "@article{k, title = {no author}}\n", overrides={"k": {"exclude": True}}
    )
    assert not loaded and not warnings(loaded)


# ---------------------------------------------------------------- item 10: names


def test_ads_and_et_al_is_and_others(tmp_path: Path) -> None:
    bib = article().replace("{Lovelace, Ada}", "{{Lovelace}, A. and {Doe}, J. and et al.}")
    (publication,) = load(tmp_path, bib)
    assert publication.fields["author"].endswith(" and others")
    assert [a.family for a in publication.authors] == ["Lovelace", "Doe", "others"]


def test_self_bolded_names_are_plain(tmp_path: Path) -> None:
    bib = article().replace("{Lovelace, Ada}", r"{\textbf{Lovelace, Ada} and Doe, J}")
    (publication,) = load(tmp_path, bib)
    assert "textbf" not in written((publication,)) and publication.owner_positions == (1,)


# ---------------------------------------------------------------- item 6: owner matching


@pytest.mark.parametrize(
    "written_name, owner",
    [
        (r"Fing\-scheidt, T.", "Fingscheidt, Tim"),
        ("Miguel de Val-Borro", "de Val-Borro, Miguel"),
        ("de Val-Borro, M.", "Val-Borro, Miguel"),
        ("family=Berkel, given=Niels, prefix=van, useprefix=true", "van Berkel, Niels"),
        ("Ł. Kaiser", "Kaiser, Łukasz"),
        ("Kaiser, L.", "Kaiser, Łukasz"),
        ("Ørsted, H.", "Ørsted, Hans"),
        ("Петров, И.", "Петров, Иван"),
        ("Valdez, André Calero", "Calero Valdez, André"),
        ("{Botha Hugo}", "Botha, Hugo"),
    ],
)
def test_owner_forms_real_exports_write(written_name: str, owner: str) -> None:
    assert same_person(_parse_name(clean(written_name)), _parse_name(owner))


@pytest.mark.parametrize(
    "written_name, owner",
    [
        ("Иванов, И.", "Петров, Ivan"),  # Cyrillic used to fold to nothing and match anyone
        ("Петров, А.", "Петров, Иван"),
        ("Valdez, Ana Calero", "Calero Valdez, André"),
        ("{Botha Industries}", "Botha, Hugo"),
        ("Smith, J.", "Smith-Jones, John"),
    ],
)
def test_other_people_are_not_the_owner(written_name: str, owner: str) -> None:
    assert not same_person(_parse_name(written_name), _parse_name(owner))


def test_particles_stay_with_the_family_name() -> None:
    assert _parse_name("Stéfan J. van der Walt") == Name("van der Walt", "Stéfan J.")
    assert _parse_name("Lovelace, Jr, Ada") == Name("Lovelace", "Ada")


def test_near_miss_warning_and_owner_count(tmp_path: Path) -> None:
    bib = article(key="a") + article(key="b").replace("{Lovelace, Ada}", "{Lovelance, Ada}")
    loaded = load(tmp_path, bib)
    (message,) = warnings(loaded)
    assert "'Lovelance, Ada' looks like the owner's name" in message and "owner_names" in message
    assert owner_summary(tuple(loaded)) == "owner in bold in 1 of 2 entries"
    exact = load(tmp_path, article(key="a") + article(key="b").replace("Ada", "A."))
    assert not warnings(exact)  # an initial is a form of the owner, not a near miss


# ---------------------------------------------------------------- item 11: long author lists


def _many(tmp_path: Path, owner_at: int, total: int = 150):  # type: ignore[no-untyped-def]
    names = [f"Author{i}, A." for i in range(1, total + 1)]
    names[owner_at - 1] = "Lovelace, Ada"
    (publication,) = load(
        tmp_path, article().replace("{Lovelace, Ada}", "{" + " and ".join(names) + "}")
    )
    return publication


@pytest.mark.parametrize("owner_at, shown", [(1, 3), (3, 3), (4, 4), (150, 4)])
def test_max_authors_keeps_the_owner_visible(tmp_path: Path, owner_at: int, shown: int) -> None:
    short = shorten_authors(_many(tmp_path, owner_at), 3)
    assert short.authors[-1] == Name("others", "")
    assert len(short.authors) - 1 == shown  # N authors, or N-1, "…" and the owner
    (position,) = short.owner_positions
    assert short.authors[position - 1] == Name("Lovelace", "Ada")
    text = written((short,))
    assert f"author+an = {{{position}=highlight}}" in text and " and others}" in text
    assert (short.authors[2] == Name("…", "")) == (owner_at > 3)


def test_max_authors_boundary(tmp_path: Path) -> None:
    publication = _many(tmp_path, 1, total=3)
    assert shorten_authors(publication, 3) is publication  # N authors: unchanged
    assert len(shorten_authors(publication, 2).authors) == 3  # N+1: two and "et al."


def test_non_latex_writers_print_et_al(tmp_path: Path) -> None:
    from cvbuild.locale import locale_for
    from cvbuild.references import format_reference
    from cvbuild.richtext import plain

    short = shorten_authors(_many(tmp_path, 150), 3)
    text = plain(format_reference(short, locale_for("en")))
    assert "Author1 A., Author2 A., …, Lovelace Ada, et al." in text


@pytest.mark.parametrize(
    "raw, text",
    [("2014 --- 2015", "2014 — 2015"), ("294--299", "294–299"), ("<<Системы>>", "«Системы»"),
     ("``x''", "“x”"), ("a-b", "a-b"), ("$a << b$", "$a << b$")],
)  # fmt: skip
def test_tex_ligatures_become_the_characters_they_print(raw: str, text: str) -> None:
    assert clean(raw) == text


# ---------------------------------------------------------------- per-entry overrides


def test_published_at_and_note_are_escaped_content_text(tmp_path: Path) -> None:
    bib = "@misc{a, author = {Lovelace, Ada}, title = {T}, year = {2021}, eprint = {2101.1}}\n"
    overrides = {"a": {"published_at": "ICML 2021 \\input{x} 50%", "note": "Oral, top 1% & $"}}
    (publication,) = load(tmp_path, bib, overrides=overrides)
    assert publication.category == "proceedings"
    text = written((publication,))
    assert text.startswith("@inproceedings{a,")
    assert "booktitle = {ICML 2021 " in text and "\\input" not in text and "50\\%}" in text
    assert r"addendum = {Oral, top 1\% \& \$}" in text
    (plain,) = load(tmp_path, bib)
    assert plain.category == "preprint" and "booktitle" not in written((plain,))


@pytest.mark.parametrize(
    "raw, text",
    [("α-synuclein", r"${\alpha}$-synuclein"), ("ℓ1 norm", r"${\ell}$1 norm"),
     ("Ελληνικά", "Ελληνικά"), ("Ωmega", r"${\Omega}$mega"), ("5 µm", "5 µm")],
)  # fmt: skip
def test_a_lone_greek_letter_is_math_greek_words_stay_text(raw: str, text: str) -> None:
    assert clean(raw) == text


def test_a_greek_letter_in_a_title_keeps_pdflatex(tmp_path: Path) -> None:
    (publication,) = load(tmp_path, article().replace("{T}", "{α-synuclein and ℓ1}"))
    assert engine_for([written((publication,))]) == "pdflatex"


@pytest.mark.parametrize(
    "names, printed",
    [("Lovelace, Jr, Ada", True), ("family=Berkel, given=Niels, prefix=van, useprefix=true", True),
     ("Lovelace, Ada, Jr, X", False)],
)  # fmt: skip
def test_names_biber_would_stop_on_skip_the_entry(
    tmp_path: Path, names: str, printed: bool
) -> None:
    loaded = load(tmp_path, article().replace("{Lovelace, Ada}", "{" + names + "}"))
    assert bool(loaded) == printed
    if not printed:
        assert "too many commas" in warnings(loaded)[0]


def test_links_all_keeps_url_and_eprint_beside_the_doi(tmp_path: Path) -> None:
    bib = article("doi = {10.1/x}, url = {https://x.org/p}, eprint = {2101.00001}")
    (default,) = load(tmp_path, bib)
    assert "url" not in default.fields and "eprint" not in default.fields
    (every,) = load(tmp_path, bib, links="all")
    text = written((every,))
    assert "doi = {10.1/x}" in text and "url = {https://x.org/p}" in text and "eprint" in text
