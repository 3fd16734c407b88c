"""Funder rule packs (cvbuild.packs) and the preflight's rules on measured facts, without TeX."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cvbuild import preflight
from cvbuild.bibliography import Publication
from cvbuild.dates import PartialDate
from cvbuild.errors import InputError
from cvbuild.kinds.publications import in_class
from cvbuild.locale import locale_for
from cvbuild.models import Variant
from cvbuild.packs import Pack, Rule, load_pack, rules_for, shipped, with_layout
from cvbuild.pipeline import load_content
from cvbuild.select import select
from tests.conftest import CONTENT, copy_seed, replace_in, run_cli

TODAY = PartialDate(2023, 10, 13)
SHIPPED = ("berufung", "dfg-53.200@2023", "erc-2026", "msca-pf-2026")


def _rule(**fields: object) -> Rule:
    base: dict[str, object] = {
        "id": "R1",
        "text": "a rule",
        "source": "a test",
        "status": "derived",
    }
    return Rule.model_validate({**base, **fields})


def _pack(*rules: Rule) -> Pack:
    return Pack(id="p", title="P", funder="F", source="S", status="derived", rules=list(rules))


# --------------------------------------------------------------------------- the pack model


def test_shipped_packs_load_and_cite_every_rule() -> None:
    assert shipped() == SHIPPED
    for name in SHIPPED:
        pack = load_pack(name)
        assert pack.id == name
        for rule in pack.rules:
            assert rule.source and rule.text and rule.status


def test_dfg_pack_states_what_was_not_found() -> None:
    pack = load_pack("dfg-53.200@2023")
    statuses = {rule.id: rule.status for rule in pack.rules}
    assert statuses["D2-A"] == "official" and statuses["T-size"] == "derived"
    assert "not found" in pack.note or "was not found" in pack.note
    # "should carry" in the issue: warnings, not failures
    severities = {rule.id: rule.severity for rule in pack.rules}
    assert severities["P-involvement"] == severities["P-oa"] == "warning"
    assert severities["D2-A"] == severities["T-size"] == severities["S-photo"] == "error"


def _user_pack(content: Path, text: str, name: str = "foo") -> Path:
    (content / "packs").mkdir(exist_ok=True)
    path = content / "packs" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


USER_PACK = """\
id: foo
title: Foo Foundation CV
funder: Foo Foundation
source: https://foo.example/cv
status: official
rules:
  - id: F1
    check: max_pages
    value: 2
    text: at most two pages
    source: https://foo.example/cv#pages
    status: official
"""


def test_a_user_pack_from_yaml_is_found_by_name_and_by_path(tmp_path: Path) -> None:
    _user_pack(tmp_path, USER_PACK)
    by_name = load_pack("foo", tmp_path)
    by_path = load_pack("packs/foo.yaml", tmp_path)
    assert by_name == by_path
    assert by_name.rules[0].value == 2 and by_name.rules[0].severity == "error"


def test_unknown_key_in_a_pack_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    path = _user_pack(tmp_path, USER_PACK.replace("    status: official\n", "    severty: error\n"))
    with pytest.raises(InputError) as caught:
        load_pack("foo", tmp_path)
    text = str(caught.value)
    assert f"{path.name}:12:5: rules[0].severty: unknown key 'severty'" in text
    assert "did you mean 'severity'?" in text
    assert "rules[0].status: required key 'status' is missing" in text


def test_a_check_without_its_number_is_an_error_at_its_rule(tmp_path: Path) -> None:
    _user_pack(tmp_path, USER_PACK.replace("    value: 2\n", ""))
    with pytest.raises(InputError, match=r"foo.yaml:\d+:\d+: rules\[0\]\.value: check "
                       r"'max_pages' needs a number in 'value'"):  # fmt: skip
        load_pack("foo", tmp_path)


def test_unknown_pack_names_the_shipped_ones() -> None:
    with pytest.raises(InputError, match=r"unknown pack 'dfg-53.200'; did you mean "
                       r"'dfg-53.200@2023'\? Shipped packs: berufung, dfg"):  # fmt: skip
        load_pack("dfg-53.200")


def test_duplicate_rule_ids_are_an_error(tmp_path: Path) -> None:
    rule = USER_PACK.split("rules:\n")[1]
    _user_pack(tmp_path, USER_PACK + rule)
    with pytest.raises(InputError, match=r"rules\[1\]\.id: rule id 'F1' is used twice"):
        load_pack("foo", tmp_path)


# --------------------------------------------------------------------------- a variant and its pack


def test_a_variant_may_tighten_its_pack() -> None:
    pack = _pack(_rule(check="max_pages", value=4), _rule(id="R2", check="orcid",
                                                          severity="warning"))  # fmt: skip
    variant = Variant.model_validate(
        {"pack": "p", "pack_rules": {"R1": {"value": 3}, "R2": {"severity": "error"}}}
    )
    tightened = {rule.id: rule for rule in rules_for(pack, variant, "v")}
    assert tightened["R1"].value == 3 and tightened["R2"].severity == "error"


@pytest.mark.parametrize(
    ("check", "value", "allowed"),
    [("max_pages", 4, True), ("max_pages", 5, False), ("min_font_size", 11, True),
     ("min_font_size", 10.5, False)],
)  # fmt: skip
def test_a_variant_may_not_loosen_its_pack(check: str, value: float, allowed: bool) -> None:
    pack = _pack(_rule(check=check, value=4 if check == "max_pages" else 11))
    variant = Variant.model_validate({"pack": "p", "pack_rules": {"R1": {"value": value}}})
    if allowed:
        assert rules_for(pack, variant, "v")[0].value == value
    else:
        with pytest.raises(InputError, match="a variant may only tighten its pack"):
            rules_for(pack, variant, "v")


def test_pack_rules_naming_no_rule_is_an_error() -> None:
    variant = Variant.model_validate({"pack": "p", "pack_rules": {"R9": {"severity": "error"}}})
    with pytest.raises(InputError, match="pack p has no rule 'R9'"):
        rules_for(_pack(_rule(check="orcid")), variant, "v")


def test_the_variant_keeps_what_it_sets_and_takes_the_rest_from_the_pack() -> None:
    pack = load_pack("dfg-53.200@2023")
    own = with_layout(Variant.model_validate({"font_size": 12}), pack)
    taken = with_layout(Variant(), pack)
    assert own.font_size == 12 and taken.font_size == 11
    assert taken.font_family == "arial-metric" and taken.metrics is False
    assert taken.personal is not None and "birth" not in taken.personal
    assert taken.publications.lists is not None
    assert [spec.category for spec in taken.publications.lists] == [
        "peer-reviewed",
        "not-peer-reviewed",
    ]


# --------------------------------------------------------------------------- peer review


def _publication(category: str, **fields: object) -> Publication:
    return Publication(
        key="k", entry_type="article", category=category,  # type: ignore[arg-type]
        fields={"title": "T"}, authors=(), owner_positions=(), year=2020, **fields,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("category", "pubstate", "override", "expected"),
    [("journal", "", None, True), ("proceedings", "", None, True), ("book", "", None, True),
     ("preprint", "", None, False), ("software", "", None, False), ("patent", "", None, False),
     ("journal", "submitted", None, False), ("proceedings", "", False, False),
     ("preprint", "", True, True)],
)  # fmt: skip
def test_peer_reviewed_by_category_and_pubstate_unless_overridden(
    category: str, pubstate: str, override: bool | None, expected: bool
) -> None:
    fields = {"title": "T", "pubstate": pubstate}
    entry = Publication(
        key="k", entry_type="article", category=category,  # type: ignore[arg-type]
        fields=fields, authors=(), owner_positions=(), year=2020, peer_reviewed=override,
    )  # fmt: skip
    assert entry.peer_reviewed is expected
    assert in_class(entry, "peer-reviewed") is expected
    assert in_class(entry, "not-peer-reviewed") is not expected


def test_dfg_groups_count_by_peer_review_not_by_type() -> None:
    cv, publications = load_content(CONTENT)
    selection = select(cv, publications, "dfg", TODAY)
    a = [p for p in selection.publications if in_class(p, "peer-reviewed")]
    b = [p for p in selection.publications if in_class(p, "not-peer-reviewed")]
    assert len(a) == 10 and len(b) == 8
    assert all(p.category != "preprint" for p in a) and all(p.category == "preprint" for p in b)


# --------------------------------------------------------------------------- the rules, measured


def _facts(
    sizes: list[tuple[float, int]], text: str = "", images: int = 0, spacing: float = 14.0
) -> preflight.PdfFacts:
    runs = []
    baseline = 100.0
    for size, lines in sizes:
        for _ in range(lines):
            runs.append(preflight.Glyphs(1, 72.0, baseline, size, "TeXGyreHeros-Regular", "x" * 50))
            baseline += spacing
    return preflight.PdfFacts(((595.28, 841.89),), tuple(runs), images, (), text)


def _outcome(rule: Rule, facts: preflight.PdfFacts) -> str:
    """'True 11 pt (...)': whether the rule passed (None: not checked), and what was measured."""
    passed, measured = preflight._measure(rule, facts, None, Path("cv.pdf"), "")
    return f"{passed} {measured}"


@pytest.mark.parametrize(("size", "passed"), [(11.0, True), (10.9, False), (10.0, False)])
def test_min_font_size_at_the_boundary(size: float, passed: bool) -> None:
    rule = _rule(check="min_font_size", value=11)
    assert _outcome(rule, _facts([(size, 40)])).startswith(str(passed))


def test_small_print_under_three_percent_is_not_body_text() -> None:
    rule = _rule(check="min_font_size", value=11)
    assert _outcome(rule, _facts([(11.0, 40), (8.0, 1)])).startswith("True")
    assert _outcome(rule, _facts([(11.0, 40), (8.0, 3)])).startswith("False 8 pt")


@pytest.mark.parametrize(("spacing", "passed"), [(13.2, True), (13.1, False)])
def test_line_spacing_is_baseline_distance_over_size(spacing: float, passed: bool) -> None:
    rule = _rule(check="min_line_spacing", value=1.2)
    assert _outcome(rule, _facts([(11.0, 30)], spacing=spacing)).startswith(str(passed))


@pytest.mark.parametrize(
    ("text", "passed"),
    [("h-index: 42", False), ("h index 42", False), ("Journal Impact Factor 9.1", False),
     ("1,234 citations", False), ("Zitationen: 5000", False), ("Impact-Faktor 3", False),
     ("im-\npact factor", False), ("Citation Relevance Propagation", True),
     ("the index of a graph", True)],
)  # fmt: skip
def test_metric_words_of_every_language(text: str, passed: bool) -> None:
    rule = _rule(check="no_metrics")
    assert _outcome(rule, _facts([(11.0, 5)], text=text)).startswith(str(passed))


def test_a_photo_is_any_image() -> None:
    rule = _rule(check="no_images")
    assert _outcome(rule, _facts([(11.0, 5)], images=1)) == "False 1 image"
    assert _outcome(rule, _facts([(11.0, 5)])) == "True 0 images"


def test_orcid_is_read_from_the_text() -> None:
    rule = _rule(check="orcid")
    assert _outcome(rule, _facts([], text="ORCID: 0000-0002-1825-0097")).startswith("True")
    assert _outcome(rule, _facts([], text="ORCID: 0000-0002-1825")).startswith("False")


def test_font_family_names_the_fonts_not_allowed() -> None:
    rule = _rule(check="font_family", names=["Arial", "TeXGyreHeros"])
    assert _outcome(rule, _facts([(11.0, 5)])).startswith("True")
    lm = preflight.PdfFacts(
        ((595.0, 842.0),), (preflight.Glyphs(1, 72, 100, 11, "LMRoman10-Regular", "x" * 99),), 0,
        (), "",
    )  # fmt: skip
    assert "not allowed: LMRoman10-Regular" in _outcome(rule, lm)


def test_content_rules_are_not_checked_without_the_content() -> None:
    for check in ("max_outputs", "output_links", "contract_end"):
        rule = _rule(check=check, value=10) if check == "max_outputs" else _rule(check=check)
        assert _outcome(rule, _facts([(11.0, 5)])) == "None "


@pytest.mark.parametrize(("count", "passed"), [(10, True), (11, False)])
def test_outputs_per_group_at_the_cap(count: int, passed: bool) -> None:
    cv, publications = load_content(CONTENT)
    selection = select(cv, publications, "dfg", TODAY)
    printed = tuple(_publication("journal") for _ in range(count))
    rule = _rule(check="max_outputs", value=10, classes=["peer-reviewed"])
    measured = preflight._measure(
        rule, _facts([]), preflight.Content(selection, printed), Path("x.pdf"), ""
    )
    assert measured[0] is passed and measured[1].startswith(f"{count} outputs")


def test_reports_have_one_line_per_rule_and_are_recognised_as_cvbuild_s(tmp_path: Path) -> None:
    rules = (_rule(check="no_images"), _rule(id="R2", check="orcid", severity="warning"),
             _rule(id="R3", check="contract_end"))  # fmt: skip
    report = preflight.Report(
        tmp_path / "cv.pdf",
        _pack(*rules),
        (preflight.Finding(rules[0], "fail", "1 image"), preflight.Finding(rules[1], "warn", "x"),
         preflight.Finding(rules[2], "unchecked", "")),
    )  # fmt: skip
    written = preflight.write_reports(report, locale_for("en"), tmp_path / "cv", content=False)
    lines = written.read_text(encoding="utf-8").splitlines()
    assert (
        lines[1].startswith("FAIL") and "R1: measured 1 image | a rule | source: a test" in lines[1]
    )
    assert lines[2].startswith("warning") and lines[3].startswith("not checked")
    assert lines[-1] == "1 of 3 rules failed, 1 warnings, 1 not checked"
    data = json.loads((tmp_path / "cv.preflight.json").read_text(encoding="utf-8"))
    assert data["failed"] == ["R1"] and data["rules"][0]["source"] == "a test"
    assert preflight.is_preflight_report(written)
    german = preflight.report_text(report, locale_for("de"), checked_content=False)
    assert german.splitlines()[1].startswith("VERLETZT")


def test_a_report_cvbuild_did_not_write_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "cv.preflight.txt").write_text("my notes\n", encoding="utf-8")
    report = preflight.Report(tmp_path / "cv.pdf", _pack(_rule(check="orcid")), ())
    with pytest.raises(Exception, match="will not replace"):
        preflight.write_reports(report, locale_for("en"), tmp_path / "cv")
    assert (tmp_path / "cv.preflight.txt").read_text(encoding="utf-8") == "my notes\n"


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    "data", [b"not a pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", b"%PDF-"]
)
def test_preflight_of_a_file_that_is_no_pdf_is_bad_input(tmp_path: Path, data: bytes) -> None:
    bogus = tmp_path / "cv.pdf"
    bogus.write_bytes(data)
    result = run_cli("preflight", str(bogus), "--pack", "erc-2026", "--out-dir", str(tmp_path))
    assert result.exit_code == 1 and "cannot read it as a PDF" in result.output


def test_preflight_with_an_unknown_pack_is_bad_input(tmp_path: Path) -> None:
    result = run_cli("preflight", str(tmp_path / "x.pdf"), "--pack", "nsf")
    assert result.exit_code == 1


def test_validate_reports_a_broken_pack_of_a_variant(tmp_path: Path) -> None:
    content = copy_seed(tmp_path)
    _user_pack(content, USER_PACK.replace("value: 2", "value: two"))
    variants = content / "variants.yaml"
    variants.write_text(
        variants.read_text(encoding="utf-8") + "\n  mine:\n    pack: foo\n", encoding="utf-8"
    )
    result = run_cli("validate", "--content", str(content))
    assert result.exit_code == 1
    assert "foo.yaml:9:12: rules[0].value: input should be a valid number" in result.output


# --------------------------------------------------------------------------- narratives


def _narrative_content(tmp_path: Path, text: str, budget: int) -> Path:
    content = copy_seed(tmp_path)
    variants = content / "variants.yaml"
    variants.write_text(
        variants.read_text(encoding="utf-8")
        + "\n  story:\n    sections: [experience, education]\n    narratives:\n"
        + "      - id: breaks\n        title: Supplementary Career Information\n"
        + f"        paragraphs: ['{text}']\n        max_chars: {budget}\n        after: experience\n",
        encoding="utf-8",
    )
    return content


@pytest.mark.parametrize(("budget", "allowed"), [(36, True), (35, False)])
def test_a_narrative_keeps_its_character_budget(tmp_path: Path, budget: int, allowed: bool) -> None:
    text = "Parental leave **2019-2020**, 12 months."  # 36 characters as printed
    content = _narrative_content(tmp_path, text, budget)
    result = run_cli("validate", "--content", str(content))
    if allowed:
        assert result.exit_code == 0, result.output
        cv, publications = load_content(content)
        sections = select(cv, publications, "story", TODAY).cv.sections
        assert [s.id for s in sections] == ["experience", "breaks", "education"]
    else:
        assert result.exit_code == 1
        assert "variants.yaml:" in result.output
        assert "36 characters, at most 35 allowed (max_chars): shorten it by 1" in result.output


def test_a_narrative_may_not_take_a_section_s_id(tmp_path: Path) -> None:
    content = _narrative_content(tmp_path, "Text.", 100)
    replace_in(content / "variants.yaml", "      - id: breaks\n", "      - id: awards\n")
    result = run_cli("validate", "--content", str(content))
    assert result.exit_code == 1 and "narrative id 'awards' is also a section id" in result.output


def test_measured_values_are_in_the_report_s_language() -> None:
    say = preflight.Say(locale_for("de").preflight)
    facts = _facts([(11.0, 5)], images=2)
    assert preflight._measure(_rule(check="no_images"), facts, None, Path("x.pdf"), "", say) == (
        False,
        "2 Bilder",
    )
    rule = _rule(check="min_font_size", value=11)
    assert preflight._measure(rule, facts, None, Path("x.pdf"), "", say)[1] == (
        "11 pt (100% des Textes)"
    )


def test_a_user_pack_is_an_input_of_the_build(tmp_path: Path) -> None:
    from cvbuild.pipeline import _other_inputs

    content = copy_seed(tmp_path)
    path = _user_pack(content, USER_PACK)
    variants = content / "variants.yaml"
    variants.write_text(
        variants.read_text(encoding="utf-8") + "\n  mine:\n    pack: foo\n", encoding="utf-8"
    )
    cv, _ = load_content(content)
    inputs = _other_inputs(cv, content)
    assert path in inputs  # editing it rebuilds (cvbuild's own packs count as its code)
    assert not any("dfg-53.200@2023" in str(p) for p in inputs)


def test_the_pack_gives_structure_and_headings_unless_the_variant_does() -> None:
    pack = load_pack("dfg-53.200@2023")
    kinds = {"bio": "bio", "jobs": "experience", "prizes": "awards", "talks": "talks"}
    taken = with_layout(Variant(), pack, kinds)
    assert taken.sections == ["jobs", "prizes"]  # the form's kinds, in its order
    assert taken.titles == {"jobs": "Qualifications and career", "prizes": "Distinctions"}
    own = with_layout(Variant.model_validate({"sections": ["prizes", "bio"],
                                              "titles": {"prizes": "Prizes"}}), pack, kinds)  # fmt: skip
    assert own.sections == ["prizes", "bio"] and own.titles == {"prizes": "Prizes"}


def test_a_pack_section_of_an_unknown_kind_is_an_error(tmp_path: Path) -> None:
    _user_pack(tmp_path, USER_PACK.replace("rules:", "layout:\n  sections: [{kind: jobs}]\nrules:"))
    with pytest.raises(InputError, match=r"foo.yaml:7:\d+: layout.sections\[0\].kind: unknown "
                       r"section kind 'jobs'; expected one of bio, experience"):  # fmt: skip
        load_pack("foo", tmp_path)


@pytest.mark.parametrize(
    ("pattern", "name", "passed"),
    [("CV_PubList_{family_name}", "CV_PubList_Lapuschkin.pdf", True),
     ("CV_PubList_{family_name}", "cv_publist_lapuschkin.pdf", True),
     ("CV_PubList_{family_name}", "dfg.pdf", False),
     ("CV_{0}_{family_name.__class__}", "dfg.pdf", False)],  # braces of a user's pack are text
)  # fmt: skip
def test_file_name_pattern(pattern: str, name: str, passed: bool) -> None:
    rule = _rule(check="file_name", names=[pattern])
    measured = preflight._measure(rule, _facts([]), None, Path(name), "Lapuschkin")
    assert measured[0] is passed
    if not passed:
        assert measured[1].startswith(f"{name} (expected ")
