"""Issue 14: the new section kinds and the widened fields. Fast tests pin each rule (terms,
totals, counts, compact supervision, validation messages); three real builds (every kind and
widened field; a US-style CV; a German one) read each value back from the PDF and from the
Markdown writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from cvbuild.compose import compose
from cvbuild.dates import PartialDate, parse_date, parse_term
from cvbuild.document import Document, Item
from cvbuild.pipeline import load_content
from cvbuild.richtext import Highlight, plain
from cvbuild.select import select
from cvbuild.writers import markdown
from tests.conftest import make_content, read_pdf, run_cli, squash

TODAY = PartialDate(2026, 11, 26)
BIB = """@article{lovelace2023,
  author = {Lovelace, Ada and Babbage, Charles},
  title = {Notes on the Analytical Engine},
  journal = {Journal of Engines},
  year = {2023},
  doi = {10.1000/engine.2023}
}
"""


def content_with(
    root: Path, sections: str, person: str = "", settings: str = "", bib: str | None = None
) -> Path:
    """make_content, with more lines under `person:` and `settings:`."""
    content = make_content(root, sections, bib=bib)
    path = content / "person.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("settings:\n", person + "settings:\n" + settings)
    path.write_text(text, encoding="utf-8")
    return content


def composed(root: Path, sections: str, settings: str = "", variants: str = "") -> Document:
    content = content_with(root, sections, settings=settings, bib=BIB)
    if variants:
        with (content / "person.yaml").open("a", encoding="utf-8") as file:
            file.write(variants)
    cv, publications = load_content(content)
    variant = "v" if variants else "full"
    return compose(select(cv, publications, variant, today=TODAY), publications)


def problems(root: Path, sections: str, extra: str = "") -> str:
    content = make_content(root, sections, extra=extra)
    result = run_cli("validate", "--content", str(content))
    assert result.exit_code == 1, result.output
    return result.output


def section_text(document: Document, section_id: str) -> list[str]:
    (section,) = [s for s in document.sections if s.id == section_id]
    return [
        f"{block.label} | {plain(block.text)}"
        for block in section.blocks
        if isinstance(block, Item)
    ]


# --------------------------------------------------------------------------- terms


@pytest.mark.parametrize(
    ("text", "shown", "year"),
    [("Fall 2022", "Fall 2022", 2022), ("Spring Quarter 2023", "Spring Quarter 2023", 2023),
     ("winter  2021", "winter 2021", 2021), ("Q3 2021", "Q3 2021", 2021), (2022, "2022", 2022),
     ("2022/23", "2022/23", 2022), ("Michaelmas 2021", "Michaelmas 2021", 2021),
     ("WS 21/22", "WS 21/22", 2021), ("SS 17", "SS 17", 2017)],
)  # fmt: skip
def test_free_form_terms_print_as_written(text, shown, year) -> None:
    term = parse_term(text)
    assert (term.display(), term.year) == (shown, year)


def test_terms_of_every_form_sort_by_when_they_start() -> None:
    order = ["Winter 2022", "Spring 2022", "SS 22", "Summer 2022", "Fall 2022", "WS 22/23",
             "Q4 2022", "Winter Quarter 2023", "2023"]  # fmt: skip
    order_sorted = sorted(reversed(order), key=lambda t: parse_term(t).sort_key)
    assert order_sorted[0] == "Winter 2022"
    assert order_sorted.index("Fall 2022") < order_sorted.index("WS 22/23")
    assert order_sorted.index("WS 22/23") < order_sorted.index("Winter Quarter 2023")


@pytest.mark.parametrize("bad", ["Fal 2022", "2022/24", "Q5 2022", "Fall 22"])
def test_bad_free_form_terms(bad) -> None:
    with pytest.raises(ValueError, match="term"):
        parse_term(bad)


# --------------------------------------------------------------------------- grants

GRANTS = """\
sections:
  - id: grants
    kind: grants
    title: Grants
    grants:
      - {title: Big One, funder: NSF, period: 2020 – 2024, amount: 1000000, currency: USD, share: 250000, role: co-PI}
      - {title: Small One, funder: NSF, period: 2021 – 2022, amount: 50000, currency: USD, role: PI, leading: true}
      - {title: Euro One, funder: ERC, period: 2023-, amount: 1500000.5, currency: EUR, role: PI, leading: true}
      - {title: Hoped For, funder: NIH, period: 2025 – 2027, amount: 900000, currency: USD, status: pending}
"""


def test_grant_totals_per_currency_with_own_share_awarded_only(tmp_path: Path) -> None:
    lines = section_text(composed(tmp_path, GRANTS), "grants")
    assert lines[-1] == ("Total | USD 1,050,000 (own share USD 300,000); EUR 1,500,000.50"), (
        lines
    )  # the pending NIH grant is not counted; a grant without share is all yours
    assert "USD 1,000,000 (own share USD 250,000)" in lines[0]
    assert "pending" in lines[3]


def test_grant_totals_in_german(tmp_path: Path) -> None:
    document = composed(tmp_path, GRANTS, settings="  language: de\n")
    assert section_text(document, "grants")[-1] == (
        "Summe | USD 1.050.000 (eigener Anteil USD 300.000); EUR 1.500.000,50"
    )


def test_grant_rules_leading_only_and_max_items(tmp_path: Path) -> None:
    variants = "variants:\n  v:\n    rules:\n      grants: {leading_only: true, max_items: 1}\n"
    lines = section_text(composed(tmp_path, GRANTS, variants=variants), "grants")
    assert [line.split(" | ")[1].split(".")[0] for line in lines[:-1]] == ["Euro One"]


def test_grant_amount_needs_a_currency_and_a_share_fits_the_amount(tmp_path: Path) -> None:
    sections = GRANTS.replace("currency: USD, share: 250000", "share: 2500000")
    found = problems(tmp_path, sections)
    assert "sections[0].grants[0]" in found and "needs its currency" in found


# --------------------------------------------------------------------------- service

SERVICE = """\
sections:
  - id: service
    kind: service
    title: Service
    activities:
      - {role: Reviewer, body: Nature, kind: reviewing}
      - {role: Reviewer, body: Science, kind: reviewing}
      - {role: Member, body: Hiring Committee, kind: committee, period: 2019}
      - {role: Chair, body: Library Committee, kind: committee, period: 2023-}
      - {role: PC member, body: NeurIPS, kind: pc, period: 2024, selected: true}
"""


def test_service_counts_per_kind(tmp_path: Path) -> None:
    lines = section_text(composed(tmp_path, SERVICE), "service")
    assert lines[-1] == "Total | Reviewing: 2 · Committees: 2 · Programme committees: 1"
    assert len(lines) == 6


def test_service_compact_prints_counts_only_and_windows_keep_undated(tmp_path: Path) -> None:
    variants = "variants:\n  v:\n    rules:\n      service: {compact: true, since_years: 2}\n"
    lines = section_text(composed(tmp_path, SERVICE, variants=variants), "service")
    # as of 2024: the 2019 committee is outside the window, undated reviewing stays
    assert lines == ["Total | Reviewing: 2 · Committees: 1 · Programme committees: 1"]


def test_service_by_kind_headings(tmp_path: Path) -> None:
    document = composed(
        tmp_path, SERVICE.replace("    activities:", "    by_kind: true\n    activities:")
    )
    md = markdown.write(document)
    assert md.index("### Reviewing") < md.index("### Committees") < md.index("### Programme")


# --------------------------------------------------------------------------- supervision

SUPERVISION = """\
sections:
  - id: sup
    kind: supervision
    title: Supervision
    groups:
      - title: PhD students
        level: phd
        note: "* co-advised"
        people:
          - {name: Done One, institution: UW, period: 2015 – 2020, topic: Waves, outcome: now at MIT}
          - {name: Current Two, institution: UW, period: 2022-, topic: Noise, role: co-supervisor}
          - {name: Committee Three, institution: UW, period: 2021 – 2023, role: member}
          - {name: Committee Four, institution: UW, period: 2023-, role: chair}
          - {name: Examined Five, institution: ETH, period: 2022, role: external examiner}
"""


def test_compact_supervision_counts_only_supervised_people(tmp_path: Path) -> None:
    variants = "variants:\n  v:\n    rules:\n      sup: {compact: true}\n"
    lines = section_text(composed(tmp_path, SUPERVISION, variants=variants), "sup")
    assert lines == ["PhD students | 1 completed, 1 ongoing: Current Two"]


def test_supervision_roles_and_outcome_print(tmp_path: Path) -> None:
    lines = section_text(composed(tmp_path, SUPERVISION), "sup")
    assert "Done One (UW). Waves. now at MIT" in lines[0]
    assert "(UW, co-supervision)" in lines[1]
    assert "(UW, committee member)" in lines[2] and "(UW, committee chair)" in lines[3]
    assert "(ETH, external examiner)" in lines[4]


# --------------------------------------------------------------------------- talks, header


def test_talk_without_title_and_co_authors_with_owner_highlighted(tmp_path: Path) -> None:
    sections = """\
sections:
  - id: talks
    kind: talks
    title: Talks
    groups:
      - title: Talks
        talks:
          - {date: 2023-12-11, event: AGU Fall Meeting, kind: poster, co_authors: [B. Smith, A. Lovelace]}
          - {date: 2022-05, title: On Engines, event: Royal Society, co_authors: ["Lovelace, Ada"]}
"""
    document = composed(tmp_path, sections)
    (section,) = document.sections
    first, second = [b for b in section.blocks if isinstance(b, Item)]
    assert plain(first.text) == "AGU Fall Meeting (poster) with B. Smith, A. Lovelace"
    assert Highlight(((first.text[-1].children[0]),)) == first.text[-1]
    assert plain(first.text[-1].children) == "A. Lovelace"
    assert plain(second.text).startswith("“On Engines” with Lovelace, Ada.")
    assert "**A. Lovelace**" in markdown.write(document)


def test_header_location_post_nominal_and_any_network(tmp_path: Path) -> None:
    extra = """\
person:
  given_names: Joseph V.
  family_name: Casillas
  post_nominal: Ph.D.
  address: {location: "Seattle, WA"}
  profiles:
    - {network: Lab website, url: "https://lab.example.org"}
    - {network: YouTube, username: somechannel}
    - {network: Semantic Scholar, username: "12345"}
"""
    content = make_content(tmp_path, SERVICE)
    person = (content / "person.yaml").read_text().split("settings:")[1]
    (content / "person.yaml").write_text(extra + "settings:" + person)
    cv, publications = load_content(content)
    header = compose(select(cv, publications, "full", today=TODAY), publications).header
    assert header.full_name == "Joseph V. Casillas, Ph.D."
    assert header.address == ("Seattle, WA",)
    assert [p.url for p in header.profiles] == [
        "https://lab.example.org",
        "https://www.youtube.com/@somechannel",
        "https://www.semanticscholar.org/author/12345",
    ]


@pytest.mark.parametrize(
    ("person", "message"),
    [
        ("  address: {street: Main St 1}\n", "one-line 'location'"),
        ("  profiles: [{network: Mastodon, username: ada}]\n", "needs a 'url'"),
    ],
)
def test_widened_person_fields_say_what_to_write(tmp_path: Path, person: str, message: str) -> None:
    content = content_with(tmp_path, SERVICE, person=person)
    result = run_cli("validate", "--content", str(content))
    assert result.exit_code == 1 and message in result.output, result.output


def test_entries_needs_entries_or_groups(tmp_path: Path) -> None:
    found = problems(tmp_path, "sections:\n  - {id: x, kind: entries, title: X}\n")
    assert "sections[0].entries" in found and "groups" in found


def test_old_content_still_validates(tmp_path: Path) -> None:
    """Today's forms: integer award years, one period per role, titled talks, WS/SS terms,
    a street address, the eight known profile networks."""
    sections = """\
sections:
  - id: a
    kind: awards
    title: Awards
    awards: [{name: Prize, year: 2020}]
  - id: e
    kind: experience
    title: Experience
    employers: [{name: U, roles: [{title: Postdoc, period: 2019 – 2021}]}]
  - id: t
    kind: teaching
    title: Teaching
    terms: [{term: WS 21/22, courses: [{title: ML}]}, {term: SS 17, courses: [{title: AI}]}]
"""
    person = (
        "  address: {street: Main St 1, city: Berlin}\n"
        "  profiles: [{network: github, username: ada}, {network: homepage, url: 'https://a.org'}]\n"
    )
    content = content_with(tmp_path, sections, person=person)
    result = run_cli("validate", "--content", str(content))
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- real builds

EVERY_KIND = """\
sections:
  - id: experience
    kind: experience
    title: Experience
    employers:
      - name: "[Lovelace Lab](https://lab.example.org)"
        location: London
        roles:
          - {title: Visiting Scholar, period: "2014-03 – 2014-08, 2016-04 – 2016-10"}
  - id: education
    kind: education
    title: Education
    institutions:
      - name: University of London
        degrees:
          - {degree: PhD, period: 2010 – 2014, thesis: Engines of Thought, thesis_label: Dissertation}
  - id: teaching
    kind: teaching
    title: Teaching
    terms:
      - {term: Fall 2022, courses: [{title: Numerical Methods}]}
      - {term: Winter Quarter 2023, courses: [{title: Seismology}]}
      - {term: WS 21/22, courses: [{title: Statistics}]}
  - id: supervision
    kind: supervision
    title: Supervision
    groups:
      - title: Doctoral Committees
        level: phd
        note: Committee work, not supervision.
        people:
          - {name: Charles Darwin, institution: Cambridge, period: 2020 – 2023, role: external examiner, outcome: now Lecturer at Kew}
  - id: awards
    kind: awards
    title: Awards
    awards:
      - {name: Royal Fellowship, year: 2021 – 2023}
  - id: talks
    kind: talks
    title: Talks
    groups:
      - title: Conference Talks
        note: Presenter underlined in spirit.
        talks:
          - {date: 2023-12-11, event: Fall Meeting of the Engine Society, kind: poster, co_authors: [Mary Somerville, Ada Lovelace]}
  - id: grants
    kind: grants
    title: Grants
    grants:
      - {title: Engines at Scale, funder: Royal Society, programme: Fellows Fund, number: RS-1843, period: 2021 – 2025, amount: 1250000, currency: GBP, share: 400000, role: PI, status: awarded, url: "https://grants.example.org/1843"}
      - {title: Difference Engines, funder: Crown, period: 2026 – 2028, amount: 90000, currency: €, role: co-PI, status: pending, note: Decision in spring.}
  - id: service
    kind: service
    title: Service
    activities:
      - {role: Associate Editor, body: Journal of Engines, kind: editorial, period: 2022-}
      - {role: Reviewer, body: Philosophical Transactions, kind: reviewing}
      - {role: Panelist, body: Babbage Prize Panel, kind: panel, period: 2024}
  - id: memberships
    kind: memberships
    title: Memberships
    memberships:
      - {organisation: Analytical Society, role: Fellow, period: 2015-}
  - id: languages
    kind: languages
    title: Languages
    languages:
      - {name: Italian, level: professional, cefr: C1}
  - id: references
    kind: references
    title: References
    referees:
      - {name: Augustus De Morgan, title: Professor of Mathematics, institution: University College London, email: demorgan@example.org, phone: "+44 20 7946 0000", relation: Tutor}
  - id: software
    kind: software
    title: Software
    items:
      - {name: noteslib, description: Executes Note G., url: "https://code.example.org/noteslib", doi: 10.5281/zenodo.1843, role: maintainer, licence: MIT, since: 2019}
  - id: data
    kind: data
    title: Data
    items:
      - {name: Bernoulli Tables, description: Computed numbers., licence: CC0, since: 2020}
  - id: media
    kind: media
    title: Media
    items:
      - {outlet: The Examiner, title: A Machine That Weaves, date: 2024-01-05, kind: interview}
  - id: other
    kind: entries
    title: Certificates
    note: Only current ones.
    groups:
      - title: Safety
        note: Renewed yearly.
        entries:
          - {title: Steam Safety Certificate, date: 2023, subtitle: Board of Trade, location: Manchester, text: Boilers up to 10 bar., links: [{label: scan, url: "https://c.example.org/s.pdf"}]}
  - id: publications
    kind: publications
    title: Publications
    lists: [{category: journal, title: Journal Articles}]
"""
EVERY_PERSON = """\
  post_nominal: FRS
  address: {location: "Marylebone, London"}
  profiles:
    - {network: Bluesky, username: ada.example.org}
    - {network: Lab website, url: "https://lab.example.org", label: lab.example.org}
"""
# Every value of EVERY_KIND and EVERY_PERSON as it must read in print.
EVERY_VALUE = [
    "Ada Lovelace, FRS", "Marylebone, London", "ada.example.org", "lab.example.org",
    "Lovelace Lab", "Visiting Scholar", "Mar 2014 – Aug 2014, Apr 2016 – Oct 2016",
    "Dissertation: “Engines of Thought”", "Fall 2022", "Winter Quarter 2023", "WS 21/22",
    "Numerical Methods", "Committee work, not supervision.", "Charles Darwin",
    "external examiner", "now Lecturer at Kew", "Royal Fellowship", "2021 – 2023",
    "Presenter underlined in spirit.", "Fall Meeting of the Engine Society (poster)",
    "with Mary Somerville, Ada Lovelace", "Engines at Scale", "Royal Society, Fellows Fund",
    "no. RS-1843", "GBP 1,250,000 (own share GBP 400,000)", "Difference Engines",
    "€90,000", "pending", "Decision in spring.", "Total", "GBP 1,250,000 (own share GBP 400,000)",
    "Associate Editor, Journal of Engines", "Reviewer, Philosophical Transactions",
    "Panelist, Babbage Prize Panel", "Editorial boards: 1 · Reviewing: 1 · Review panels: 1",
    "Analytical Society, Fellow", "2015 – today", "Italian", "professional (C1)",
    "Augustus De Morgan, Professor of Mathematics, University College London", "Tutor",
    "demorgan@example.org", "+44 20 7946 0000", "noteslib", "Executes Note G.", "maintainer",
    "Licence: MIT", "doi:10.5281/zenodo.1843", "Bernoulli Tables", "Computed numbers.",
    "Licence: CC0", "The Examiner “A Machine That Weaves” (interview)", "Only current ones.",
    "Safety", "Renewed yearly.", "Steam Safety Certificate", "Board of Trade", "Manchester",
    "Boilers up to 10 bar.", "scan", "Notes on the Analytical Engine",
]  # fmt: skip


def printed(pdf, value: str) -> bool:
    """In the PDF as one phrase, or (a label the narrow date column wraps, 'Autumn Quarter' over
    '2022') word by word in order within the label column."""
    if pdf.has(value):
        return True
    hints, position = squash(pdf.hints), 0
    for word in value.split():
        position = hints.find(squash(word), position)
        if position < 0:
            return False
        position += len(squash(word))
    return True


def build(content: Path, work: Path) -> tuple[str, object]:
    result = run_cli(
        "pdf", "--content", str(content), "--out-dir", str(work / "out"),
        "--build-dir", str(work / "build"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output, read_pdf(work / "out" / "full.pdf")


@pytest.mark.tex
def test_every_kind_and_widened_field_reads_back_from_pdf_and_markdown(tmp_path: Path) -> None:
    content = content_with(tmp_path, EVERY_KIND, person=EVERY_PERSON, bib=BIB)
    _, pdf = build(content, tmp_path)
    cv, publications = load_content(content)
    md = markdown.write(compose(select(cv, publications, "full", today=TODAY), publications))
    md_text = squash(md.replace("\\", "").replace("*", ""))
    missing_pdf = [value for value in EVERY_VALUE if not printed(pdf, value)]
    missing_md = [v for v in EVERY_VALUE[:-1] if squash(v.replace("*", "")) not in md_text]
    assert not missing_pdf, missing_pdf
    assert not missing_md, missing_md
    assert "[Lovelace Lab](https://lab.example.org)" in md  # the link, not its markup


US_STYLE = """\
sections:
  - id: teaching
    kind: teaching
    title: Teaching
    terms:
      - {term: Autumn Quarter 2022, courses: [{title: ESS 411 Seismology}]}
      - {term: Winter Quarter 2023, courses: [{title: ESS 202 Earthquakes}]}
      - {term: Spring Quarter 2023, courses: [{title: ESS 511 Data Science}]}
  - id: grants
    kind: grants
    title: Grants
    grants:
      - {title: "CAREER: Seismic Noise", funder: NSF, number: EAR-2142986, period: 2022 – 2027, amount: 750000, currency: USD, role: PI, leading: true}
      - {title: Cascadia Observatory, funder: USGS, period: 2021 – 2024, amount: 2400000, currency: USD, share: 310000, role: co-PI}
  - id: service
    kind: service
    title: Service
    activities:
__COMMITTEES__
  - id: talks
    kind: talks
    title: Talks
    groups:
      - title: Invited Talks
        talks:
          - {date: 2023-12-11, event: AGU Fall Meeting, kind: invited}
          - {date: 2022-04, event: SSA Annual Meeting, kind: keynote}
"""


@pytest.mark.tex
def test_us_style_cv_builds(tmp_path: Path) -> None:
    committees = "\n".join(
        f"      - {{role: Member, body: Committee {n}, kind: committee, period: {2000 + n}}}"
        for n in range(1, 21)
    )
    content = make_content(tmp_path, US_STYLE.replace("__COMMITTEES__", committees))
    text = (content / "person.yaml").read_text()
    (content / "person.yaml").write_text(
        text.replace(
            "settings:", '  address: {location: "Seattle, WA"}\nsettings:\n  paper: letter'
        )
    )
    _, pdf = build(content, tmp_path)
    for value in ("Seattle, WA", "Autumn Quarter 2022", "Winter Quarter 2023", "Committee 20",
                  "USD 3,150,000 (own share USD 1,060,000)", "Committees: 20",
                  "AGU Fall Meeting (invited)", "SSA Annual Meeting (keynote)"):  # fmt: skip
        assert printed(pdf, value), value
    # newest term first is the author's order: the terms print as written, in order
    assert pdf.text.index("Autumn") < pdf.text.index("Spring")


@pytest.mark.tex
def test_german_cv_with_new_kinds_builds(tmp_path: Path) -> None:
    sections = (
        GRANTS + SERVICE.removeprefix("sections:\n") + SUPERVISION.removeprefix("sections:\n")
    )
    content = content_with(tmp_path, sections, settings="  language: de\n")
    _, pdf = build(content, tmp_path)
    for value in ("Summe", "USD 1.050.000 (eigener Anteil USD 300.000)", "EUR 1.500.000,50",
                  "beantragt", "Begutachtung: 2", "Gremien: 2", "Zweitbetreuung",
                  "Kommissionsmitglied", "externe Begutachtung", "seit 2023"):  # fmt: skip
        assert printed(pdf, value), value
    assert not pdf.has("own share") and not pdf.has("Reviewing")


def test_co_supervision_flag_and_a_committee_role_conflict(tmp_path: Path) -> None:
    sections = SUPERVISION.replace("role: member}", "role: member, co_supervision: true}")
    found = problems(tmp_path, sections)
    assert "sections[0].groups[0].people[2]" in found and "write only `role:`" in found


@pytest.mark.parametrize(
    ("address", "lines"),
    [
        ("{street: 4000 15th Ave NE, city: Seattle, region: WA, postal_code: '98195', country: USA}",
         ("4000 15th Ave NE", "Seattle, WA 98195", "USA")),
        ("{street: 1 Main St, city: London, postal_code: SW1A 1AA, country: United Kingdom}",
         ("1 Main St", "London SW1A 1AA", "United Kingdom")),
        ("{street: Unter den Linden 6, postal_code: '10117', city: Berlin, country: Germany}",
         ("Unter den Linden 6", "10117 Berlin", "Germany")),
        ("{city: Berlin}", ("Berlin",)),
    ],
)  # fmt: skip
def test_address_in_the_order_its_country_writes_it(tmp_path: Path, address, lines) -> None:
    content = content_with(tmp_path, SERVICE, person=f"  address: {address}\n")
    cv, publications = load_content(content)
    header = compose(select(cv, publications, "full", today=TODAY), publications).header
    assert header.address == lines


def test_a_note_under_any_section_and_none_over_an_empty_one(tmp_path: Path) -> None:
    sections = SERVICE.replace(
        "    title: Service\n", "    title: Service\n    note: '* chaired'\n"
    )
    md = markdown.write(composed(tmp_path / "a", sections))
    assert md.index("*\\* chaired*") < md.index("Reviewer")
    variants = "variants:\n  v:\n    rules:\n      service: {selected_only: true}\n"
    trimmed = sections.replace("    activities:", "    counts: false\n    activities:")
    trimmed = trimmed.replace("selected: true", "selected: false")
    document = composed(tmp_path / "b", trimmed, variants=variants)
    assert not document.sections  # the rules left nothing: no heading, no lone note


def test_a_season_where_a_date_is_expected(tmp_path: Path) -> None:
    sections = """\
sections:
  - id: talks
    kind: talks
    title: Talks
    groups:
      - title: Talks
        talks:
          - {date: Fall 2022, event: AGU Fall Meeting}
          - {date: 2022-10, event: GSA Annual Meeting}
          - {date: spring 2023, event: EGU General Assembly}
"""
    variants = "variants:\n  v:\n    rules:\n      talks: {max_items: 2}\n"
    lines = section_text(composed(tmp_path, sections, variants=variants), "talks")
    # Spring 2023 and Oct 2022 are newer than Fall 2022 (which starts in September)
    assert lines == ["Oct 2022 | GSA Annual Meeting", "Spring 2023 | EGU General Assembly"]
    with pytest.raises(ValueError, match="Fall 2022"):
        parse_date("Fal 2022")
