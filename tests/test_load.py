"""Loading content: valid content loads; every error names file, line, column and field."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from cvbuild.errors import InputError
from cvbuild.load import load_cv
from cvbuild.models import CV
from tests.conftest import CONTENT, make_content

SECTIONS = """\
sections:
  - id: bio
    kind: bio
    title: Bio
    paragraphs: [Hello.]
"""


def problems(content: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_cv(content)
    return [str(p) for p in caught.value.problems]


def test_shipped_content_loads() -> None:
    cv = load_cv(CONTENT)
    assert isinstance(cv, CV)
    assert cv.person.family_name == "Lapuschkin"
    assert [s.kind for s in cv.sections][:3] == ["bio", "experience", "education"]


def test_minimal_content_loads(tmp_path: Path) -> None:
    cv = load_cv(make_content(tmp_path, SECTIONS))
    assert cv.sections[0].paragraphs == ["Hello."]
    assert list(cv.variants) == ["full"]


def test_unknown_key_names_file_line_column_and_suggests(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS.replace("    title: Bio", "    titel: Bio"))
    found = problems(content)
    assert any(
        p.startswith(f"{content / 'sections.yaml'}:4:5: sections[0].titel: unknown key 'titel'")
        and "did you mean 'title'" in p
        for p in found
    ), found


def test_a_key_of_another_part_is_not_suggested_as_itself(tmp_path: Path) -> None:
    """A key valid elsewhere (`acronym` of projects) in a bio said "did you mean 'acronym'?"."""
    content = make_content(
        tmp_path, SECTIONS.replace("    title: Bio", "    title: Bio\n    acronym: X")
    )
    found = problems(content)
    message = next(p for p in found if "unknown key 'acronym'" in p)
    assert "did you mean 'acronym'" not in message
    assert "belongs to other parts of the content, not to this one" in message


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    text = """\
sections:
  - id: teach
    kind: teaching
    title: Teaching
    terms:
      - term: XS 12
        courses: [{title: ML}]
      - term: WS 21/22
        courses: [{title: ML, colour: red}]
  - id: awards
    kind: awards
    title: Awards
    awards:
      - {name: Prize, year: soon}
"""
    found = problems(make_content(tmp_path, text))
    assert len(found) == 3, found
    assert any(":6:15: sections[0].terms[0].term: expected a semester term" in p for p in found)
    assert any(":9:31: sections[0].terms[1].courses[0].colour: unknown key" in p for p in found)
    assert any(":14:29: sections[1].awards[0].year:" in p and "'soon'" in p for p in found)


def test_missing_required_field(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS.replace("    title: Bio\n", ""))
    found = problems(content)
    assert any("sections[0].title: required key 'title' is missing" in p for p in found), found
    assert any("sections.yaml:2:" in p for p in found), found


def test_wrong_type(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS.replace("paragraphs: [Hello.]", "paragraphs: Hello."))
    found = problems(content)
    assert any("sections.yaml:5:17: sections[0].paragraphs:" in p and "list" in p for p in found)


def test_unknown_section_kind(tmp_path: Path) -> None:
    found = problems(make_content(tmp_path, SECTIONS.replace("kind: bio", "kind: biography")))
    assert any("unknown section kind 'biography'" in p for p in found), found


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS + "  - id: [unclosed\n")
    found = problems(content)
    assert len(found) == 1
    assert "sections.yaml:7:" in found[0] and "YAML syntax error" in found[0]


def test_key_defined_in_two_files(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS)
    (content / "more.yaml").write_text(SECTIONS, encoding="utf-8")
    found = problems(content)
    assert any("sections: top-level key also defined in" in p for p in found), found


def test_missing_content_folder(tmp_path: Path) -> None:
    found = problems(tmp_path / "nowhere")
    assert "content folder not found" in found[0] and "nowhere" in found[0]


def test_variant_naming_unknown_section(tmp_path: Path) -> None:
    content = make_content(
        tmp_path, SECTIONS, extra="variants:\n  short:\n    sections: [bio, talks]\n"
    )
    found = problems(content)
    assert any(
        ":9:21: variants.short.sections[1]: variant 'short' names unknown section 'talks'" in p
        for p in found
    ), found


def test_models_are_frozen(tmp_path: Path) -> None:
    cv = load_cv(make_content(tmp_path, SECTIONS))
    with pytest.raises(Exception, match="frozen"):
        cv.person.given_names = "X"  # type: ignore[misc]


def test_shipped_schema_is_current() -> None:
    """content/cvbuild.schema.json is what `cvbuild schema` writes; regenerate it if this fails."""
    import json

    from cvbuild.scaffold import schema_text

    shipped = json.loads((CONTENT / "cvbuild.schema.json").read_text(encoding="utf-8"))
    assert shipped == json.loads(schema_text())


def test_characters_no_engine_prints_are_refused_with_position(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS.replace("[Hello.]", "[Hello 日本 and 😀.]"))
    found = problems(content)
    where = f"{content / 'sections.yaml'}:5:18: sections[0].paragraphs[0]: character"
    assert found == [
        f"{where} U+65E5 CJK UNIFIED IDEOGRAPH-65E5 ('日') cannot be printed (cvbuild prints "
        "Latin, Greek and Cyrillic script and common symbols)",
        f"{where} U+672C CJK UNIFIED IDEOGRAPH-672C ('本') cannot be printed (cvbuild prints "
        "Latin, Greek and Cyrillic script and common symbols)",
        f"{where} U+1F600 GRINNING FACE ('😀') cannot be printed (cvbuild prints "
        "Latin, Greek and Cyrillic script and common symbols)",
    ]


def test_greek_and_cyrillic_load(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS.replace("[Hello.]", "['Αθήνα, Москва.']"))
    assert load_cv(content).sections[0].paragraphs == ["Αθήνα, Москва."]


def test_missing_photo_is_named_with_the_path_tried(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS)
    person = content / "person.yaml"
    person.write_text(
        person.read_text(encoding="utf-8").replace("  email:", "  photo: me.jpg\n  email:"),
        encoding="utf-8",
    )
    found = problems(content)
    assert found == [
        f"{person}:4:10: person.photo: photo not found (looked for {(content / 'me.jpg').resolve()})"
    ]
    image = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(image, "JPEG")
    (content / "me.jpg").write_bytes(image.getvalue())
    assert load_cv(content).person.photo == str((content / "me.jpg").resolve())
