"""Issue 12, items 7, 12 and 13: whatever the content folder holds, loading it ends promptly in a
CV or in problems with file:line:column (never a crash, a hang, or a file read from elsewhere)."""

from __future__ import annotations

import io
import os
import re
import signal
import struct
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from cvbuild.bibliography import bibliography_warnings, load_publications
from cvbuild.errors import InputError, Problem, printable
from cvbuild.load import (
    MAX_CHARACTERS,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_FILE_BYTES,
    MAX_VALUES,
    content_files,
    load_cv,
)
from tests.conftest import make_content, pdf_text, replace_in, run_cli

SECTIONS = """\
sections:
  - id: bio
    kind: bio
    title: Bio
    paragraphs: [Hello.]
"""
BIB = "@article{a1, author={Lovelace, Ada}, title={On Engines}, journal={J}, year={1843}}\n"


def problems(content: Path) -> list[str]:
    with deadline(10), pytest.raises(InputError) as caught:
        load_cv(content)
    return [str(p) for p in caught.value.problems]


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fails the test instead of hanging when the code waits on a pipe."""

    def expire(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds} s (blocked?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def with_extra(tmp_path: Path, text: str | bytes, name: str = "extra.yaml") -> Path:
    """The small content plus one more file, written byte for byte."""
    content = make_content(tmp_path, SECTIONS)
    data = text.encode("utf-8") if isinstance(text, str) else text
    (content / name).write_bytes(data)
    return content


def cli(*args: str) -> tuple[int, str]:
    with deadline(60):
        result = run_cli(*args)
    return result.exit_code, result.output


def assert_clean_failure(code: int, output: str) -> None:
    """Exit 1 with problems, not a crash (exit 70) or a traceback."""
    assert code == 1, output
    assert "Traceback" not in output and "internal error" not in output, output


# --------------------------------------------------------------------------- item 7: YAML


@pytest.mark.parametrize(
    ("character", "named"),
    [
        ("\x00", "control character \\x00"),
        ("\x07", "control character \\x07"),
        ("\x1b", "control character \\x1b"),
        ("\x1f", "control character \\x1f"),
        ("\x7f", "control character \\x7f"),
        ("\x9f", "control character \\x9f"),
        ("\ufffe", "character U+FFFE"),
    ],
)
def test_control_characters_are_refused_at_their_place(
    tmp_path: Path, character: str, named: str
) -> None:
    content = with_extra(tmp_path, f"person:\n  title: a{character}b\n")
    assert problems(content) == [
        f"{content / 'extra.yaml'}:2:11: {named} is not allowed in YAML (it is invisible in most "
        "editors; it may come from a copy out of a PDF or a binary file): delete it"
    ]


def test_tab_and_printable_characters_are_not_control_characters(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS.replace("[Hello.]", '["Tab\there, é ~"]'))
    assert load_cv(content).sections[0].paragraphs == ["Tab\there, é ~"]


def test_hidden_lock_and_appledouble_files_and_folders_are_skipped(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS)
    (content / "._person.yaml").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    (content / ".#sections.yaml").symlink_to("ada@host.1234:1700000000")  # Emacs lock: dangling
    (content / ".sections.yaml.swp.yaml").write_bytes(b"\x00")
    (content / "old.yaml").mkdir()
    assert [f.name for f in content_files(content)] == ["person.yaml", "sections.yaml"]
    assert load_cv(content).person.family_name == "Lovelace"


def test_a_pipe_named_yaml_is_an_error_and_never_opened(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS)
    os.mkfifo(content / "notes.yaml")
    found = problems(content)
    assert len(found) == 1 and found[0].startswith(f"{content / 'notes.yaml'}: a named pipe (FIFO)")


def test_merge_keys_load_and_errors_point_into_the_anchor(tmp_path: Path) -> None:
    text = """\
sections:
  - &bio
    id: bio
    kind: bio
    title: Bio
    paragraphs: [Hello.]
  - <<: *bio
    id: bio2
    title: Second
"""
    cv = load_cv(make_content(tmp_path, text))
    assert [(s.id, s.title, s.paragraphs) for s in cv.sections] == [
        ("bio", "Bio", ["Hello."]),
        ("bio2", "Second", ["Hello."]),
    ]
    broken = text.replace("    paragraphs: [Hello.]", "    paragraphs: []")
    found = problems(make_content(tmp_path / "broken", broken))
    sections = tmp_path / "broken" / "content" / "sections.yaml"
    # both sections get the merged, empty list: one problem, at line 6 where it is written
    assert found == [
        f"{sections}:6:17: sections[0].paragraphs: list should have at least 1 item after "
        "validation, not 0, found []"
    ]


def test_blocks_kept_for_merging_live_under_x_keys(tmp_path: Path) -> None:
    text = """\
x-bio: &bio
  kind: bio
  title: Bio
sections:
  - <<: *bio
    id: bio
    paragraphs: [Hello.]
"""
    cv = load_cv(make_content(tmp_path, text))
    assert [(s.id, s.kind, s.title) for s in cv.sections] == [("bio", "bio", "Bio")]
    found = problems(make_content(tmp_path / "plain", text.replace("x-bio:", "base:")))
    assert [p.split(": ", 1)[1] for p in found] == [
        "base: unknown key 'base'; top-level keys are person, settings, bibliography, sections, "
        "variants, and names starting with 'x-' for blocks kept only to be merged (<<: *name)"
    ]


def test_merge_key_of_a_non_mapping_is_a_problem_with_position(tmp_path: Path) -> None:
    content = with_extra(tmp_path, "x: &x 3\nperson2:\n  <<: *x\n")
    (found,) = problems(content)
    assert found.startswith(f"{content / 'extra.yaml'}:1:4: "), found  # the value merged
    assert "expected a mapping or list of mappings for merging, but found scalar" in found


def test_all_empty_files_name_what_is_missing(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS)
    (content / "person.yaml").write_text("", encoding="utf-8")
    (content / "sections.yaml").write_text("# nothing yet\n", encoding="utf-8")
    assert problems(content) == [
        f"person: required key 'person' is missing: no .yaml file in {content} has it",
        f"sections: required key 'sections' is missing: no .yaml file in {content} has it",
    ]


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("1", "the key 1 is read as a number"),
        ("true", "the key True is read as a true/false value"),
        ("~", "the key None is read as empty (null)"),
        ("[a, b]", "a list or mapping cannot be a key"),
        ("{a: 1}", "a list or mapping cannot be a key"),
    ],
)
def test_keys_that_are_not_names_are_refused(tmp_path: Path, key: str, said: str) -> None:
    top = with_extra(tmp_path / "top", f"? {key}\n: x\n")
    assert problems(top) == [f"{top / 'extra.yaml'}:1:3: {said}" + problems(top)[0].split(said)[1]]
    nested = with_extra(tmp_path / "nested", f"variants:\n  ? {key}\n  : {{}}\n")
    found = problems(nested)
    assert len(found) == 1 and found[0].startswith(f"{nested / 'extra.yaml'}:2:5: variants: {said}")


def test_an_impossible_unquoted_date_is_a_problem_at_its_place(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS)
    replace_in(content / "person.yaml", "as_of: 2024-01-31", "as_of: 2023-02-29")
    assert problems(content) == [
        f"{content / 'person.yaml'}:6:10: settings.as_of: '2023-02-29' is not a real date "
        "(day is out of range for month)"
    ]
    replace_in(content / "person.yaml", "as_of: 2023-02-29", "as_of: 2024-02-29")  # a leap year
    assert str(load_cv(content).settings.as_of) == "2024-02-29"


def test_a_date_with_a_time_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS)
    replace_in(content / "person.yaml", "as_of: 2024-01-31", "as_of: 2024-01-31 25:61:00")
    found = problems(content)
    assert len(found) == 1 and found[0].startswith(
        f"{content / 'person.yaml'}:6:10: settings.as_of"
    )


def test_long_numbers_are_refused_at_their_place(tmp_path: Path) -> None:
    ok = with_extra(tmp_path / "ok", f"person2: {'1' * MAX_DIGITS}\n")
    assert [p.split(": ", 1)[1] for p in problems(ok)] == [
        "person2: unknown key 'person2'; did you mean 'person'?"
    ]
    long = with_extra(tmp_path / "long", f"person2: {'1' * (MAX_DIGITS + 1)}\n")
    assert problems(long) == [
        f"{long / 'extra.yaml'}:1:10: a number of {MAX_DIGITS + 1} digits; no value in a CV is "
        "that long (write it in quotes if it is meant as text)"
    ]
    huge = with_extra(tmp_path / "huge", f"person2: {'1' * 5000}\n")
    assert "a number of 5000 digits" in problems(huge)[0]


def test_long_values_in_messages_are_cut_short(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS)
    replace_in(content / "person.yaml", "as_of: 2024-01-31", f"as_of: '{'9' * 5000}'")
    (found,) = problems(content)
    assert len(found) < 400 and "(5,002 characters)" in found, found


def nested(levels: int, block: bool) -> str:
    """`person2:` holding `levels` nested lists, in flow style on one line or in block style."""
    if block:
        return "person2:\n" + "".join(f"{'  ' * i}- \n" for i in range(1, levels + 1))
    return f"person2: {'[' * levels}{']' * levels}\n"


@pytest.mark.parametrize("block", [False, True], ids=["flow", "block"])
def test_nesting_depth_boundary(tmp_path: Path, block: bool) -> None:
    inside = MAX_DEPTH - 1  # the file's top-level mapping is the first level
    ok = with_extra(tmp_path / "ok", nested(inside, block))
    assert [p.split(": ", 1)[1] for p in problems(ok)] == [
        "person2: unknown key 'person2'; did you mean 'person'?"
    ]
    for levels in (inside + 1, inside + 2, 500 if block else 5000):
        deep = with_extra(tmp_path / f"deep{levels}", nested(levels, block))
        start = time.monotonic()
        (found,) = problems(deep)
        assert time.monotonic() - start < 1
        assert f"nested more than {MAX_DEPTH} levels deep" in found, found
        assert found.startswith(f"{deep / 'extra.yaml'}:"), found


BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_an_alias_bomb_is_refused_in_well_under_a_second(tmp_path: Path) -> None:
    content = with_extra(tmp_path, BOMB)
    start = time.monotonic()
    found = problems(content)
    assert time.monotonic() - start < 0.5
    assert found == [  # at the second alias of line 5, which would make 7,381 values
        f"{content / 'extra.yaml'}:5:11: more than {MAX_VALUES:,} values up to here, counting "
        "each alias (*name) as all it repeats; a whole CV has far fewer (an 'alias bomb'?)"
    ]


def test_alias_expansion_boundary(tmp_path: Path) -> None:
    # The whole file holds 14 + 10 * m values: the mapping, keys a and b, a's list (10), b's
    # list (1 + 10 * m, every alias standing for a's ten values).
    def file(m: int) -> str:
        return f"a: &a [{', '.join(['0'] * 9)}]\nb: [{', '.join(['*a'] * m)}]\n"

    fits = (MAX_VALUES - 14) // 10
    ok = with_extra(tmp_path / "ok", file(fits))
    assert all("values up to here" not in p for p in problems(ok))
    over = with_extra(tmp_path / "over", file(fits + 1))
    assert any("values up to here" in p for p in problems(over))


def test_aliases_repeating_long_text_are_refused_promptly(tmp_path: Path) -> None:
    # 200 KB of text repeated 5,000 times: 1 GB of text from a 220 KB file (2 minutes before)
    text = f'person2:\n  a: &a "{"x" * 200_000}"\n  b: [{", ".join(["*a"] * 5000)}]\n'
    content = with_extra(tmp_path, text)
    start = time.monotonic()
    found = problems(content)
    assert time.monotonic() - start < 1
    assert found == [  # at the ninth alias, where the text passes 2,000,000 characters
        f"{content / 'extra.yaml'}:3:39: more than {MAX_CHARACTERS:,} characters of text up to "
        "here, counting each alias (*name) as all it repeats; a whole CV has far fewer (an "
        "'alias bomb'?)"
    ]


def test_alias_text_boundary(tmp_path: Path) -> None:
    def file(repeats: int) -> str:
        return f'a: &a "{"x" * 1000}"\nb: [{", ".join(["*a"] * repeats)}]\n'

    # the file holds 1,000 * (repeats + 1) characters of a, and the two one-letter keys
    fits = (MAX_CHARACTERS - 2) // 1000 - 1
    ok = with_extra(tmp_path / "ok", file(fits))
    assert all("characters of text up to here" not in p for p in problems(ok))
    over = with_extra(tmp_path / "over", file(fits + 1))
    assert any("characters of text up to here" in p for p in problems(over))


def test_many_values_without_aliases_stop_early(tmp_path: Path) -> None:
    content = with_extra(tmp_path, f"person2: [{','.join(['1'] * 200_000)}]\n")
    start = time.monotonic()
    (found,) = problems(content)
    assert time.monotonic() - start < 5  # ruamel reads about 20,000 values a second
    # the key is the first value; the item making MAX_VALUES + 1 stands at column 11 + 2 * index
    assert found.startswith(f"{content / 'extra.yaml'}:1:{11 + 2 * (MAX_VALUES - 1)}: more than")


def test_file_size_boundary(tmp_path: Path) -> None:
    line = "# " + "x" * 97 + "\n"  # 100 bytes

    def file(size: int) -> str:
        return "person2: 1\n" + line * ((size - 11) // 100) + "#" * ((size - 11) % 100)

    assert len(file(MAX_FILE_BYTES)) == MAX_FILE_BYTES
    ok = with_extra(tmp_path / "ok", file(MAX_FILE_BYTES))
    assert [p.split(": ", 1)[1] for p in problems(ok)] == [
        "person2: unknown key 'person2'; did you mean 'person'?"
    ]
    big = with_extra(tmp_path / "big", file(MAX_FILE_BYTES + 1))
    assert problems(big) == [
        f"{big / 'extra.yaml'}: the file holds {MAX_FILE_BYTES + 1:,} bytes; cvbuild reads YAML "
        f"files of up to {MAX_FILE_BYTES:,} (a whole CV takes about 30,000)"
    ]


def test_an_alias_to_its_own_collection_is_refused(tmp_path: Path) -> None:
    content = with_extra(tmp_path, "person2: &loop\n  - *loop\n")
    assert problems(content) == [
        f"{content / 'extra.yaml'}:2:5: the alias *loop refers to a list or mapping that contains "
        "it (a loop); repeat the values instead"
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("person2: !!python/object:os.system [ls]\n", "1:1: person2: unknown key"),
        ("variants: !!omap [a: {}, b: {x: 1}]\n", "1:30: variants.b.x: unknown key 'x'"),
        ("person2: !!bool maybe\n", "1:10: cannot read this value ('maybe')"),
        ("person2: !!int 0xZZ\n", "1:10: cannot read this value (invalid literal for int()"),
        ("person2: !!float abc\n", "1:10: cannot read this value (could not convert string"),
        ("variants: {v: {sections: !!set {bio, x}}}\n", "1:26: variants.v.sections[1]: variant"),
    ],
)
def test_tags_and_odd_scalars_are_problems_not_crashes(
    tmp_path: Path, text: str, said: str
) -> None:
    content = with_extra(tmp_path, text)
    found = problems(content)
    assert any(f"{content / 'extra.yaml'}:{said}" in p for p in found), found


def test_latin1_yaml_is_named_not_utf8_with_line_and_column(tmp_path: Path) -> None:
    content = with_extra(tmp_path, "person2:\n  city: Caf\xe9 M\xfcller\n".encode("latin-1"))
    assert problems(content) == [
        f"{content / 'extra.yaml'}:2:12: not UTF-8 text: byte 0xE9 cannot be read (the file is "
        "probably in Latin-1 or Windows-1252); save it as UTF-8 in your editor"
    ]


# --------------------------------------------------------------------------- item 12: places


def test_control_characters_from_keys_are_shown_escaped(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS + '    "\\e[2J\\e[31mred\u202e": 1\n')
    (found,) = problems(content)
    assert "\x1b" not in found and "\u202e" not in found
    assert found == (
        f"{content / 'sections.yaml'}:6:5: sections[0].\\x1b[2J\\x1b[31mred\\u202e: "
        "unknown key '\\x1b[2J\\x1b[31mred\\u202e'"
    )


def test_printable_escapes_controls_and_keeps_letters() -> None:
    assert printable("a\x00b\tc\x9bd\u2028e\u2066") == "a\\x00b\\x09c\\x9bd\\u2028e\\u2066"
    assert printable("Ωμέγα, Müller, 東京, —") == "Ωμέγα, Müller, 東京, —"
    assert str(Problem("x\x1b[0m", Path("a\x07.yaml"), 1, 2, "k\x1b")) == (
        "a\\x07.yaml:1:2: k\\x1b: x\\x1b[0m"
    )


def test_duplicate_section_id_is_reported_at_the_second_id(tmp_path: Path) -> None:
    content = make_content(tmp_path, SECTIONS + SECTIONS.removeprefix("sections:\n"))
    assert problems(content) == [
        f"{content / 'sections.yaml'}:6:9: sections[1].id: section id 'bio' is used twice "
        "(first by sections[0])"
    ]


def test_unknown_sections_in_a_variant_are_reported_at_their_line(tmp_path: Path) -> None:
    extra = "variants:\n  short:\n    sections: [bio, talks]\n    rules:\n      awards: {}\n"
    content = make_content(tmp_path, SECTIONS, extra=extra)
    person = content / "person.yaml"
    assert problems(content) == [
        f"{person}:9:21: variants.short.sections[1]: variant 'short' names unknown section "
        "'talks'; known: bio",
        f"{person}:11:7: variants.short.rules.awards: variant 'short' has rules for unknown "
        "section 'awards'; known: bio",
    ]


def test_a_category_listed_twice_is_reported_at_the_second(tmp_path: Path) -> None:
    text = SECTIONS + (
        "  - id: pubs\n    kind: publications\n    title: Publications\n    lists:\n"
        "      - {category: journal, title: A}\n      - {category: journal, title: B}\n"
    )
    content = make_content(tmp_path, text, bib=BIB)
    assert problems(content) == [
        f"{content / 'sections.yaml'}:11:20: sections[1].lists[1].category: category listed "
        "twice: journal"
    ]


def bib_content(tmp_path: Path, files: str, overrides: str = "") -> Path:
    content = make_content(tmp_path, SECTIONS)
    with (content / "person.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"bibliography:\n  files: {files}\n  owner_names: ['Lovelace, Ada']\n")
        handle.write(overrides)
    return content


def bib_problems(content: Path) -> list[str]:
    cv = load_cv(content)
    assert cv.bibliography is not None
    with deadline(10), pytest.raises(InputError) as caught:
        load_publications(cv.bibliography, content)
    return [str(p) for p in caught.value.problems]


def test_bib_files_that_cannot_be_read_are_placed_at_their_entry(tmp_path: Path) -> None:
    content = bib_content(tmp_path, "[ok.bib, nope.bib, folder.bib, pipe.bib]")
    (content / "ok.bib").write_text(BIB, encoding="utf-8")
    (content / "folder.bib").mkdir()
    os.mkfifo(content / "pipe.bib")
    person = content / "person.yaml"
    assert bib_problems(content) == [
        f"{person}:8:19: bibliography.files[1]: .bib file not found (looked for "
        f"{content / 'nope.bib'})",
        f"{person}:8:29: bibliography.files[2]: .bib file {content / 'folder.bib'} is a folder, "
        "not a file",
        f"{person}:8:41: bibliography.files[3]: .bib file {content / 'pipe.bib'} is a named pipe "
        "(FIFO), not a file",
    ]


def test_an_override_of_an_unknown_key_is_placed_at_the_key(tmp_path: Path) -> None:
    overrides = "  overrides:\n    a1: {selected: true}\n    nokey: {selected: true}\n"
    content = bib_content(tmp_path, "[ok.bib]", overrides)
    (content / "ok.bib").write_text(BIB, encoding="utf-8")
    assert bib_problems(content) == [
        f"{content / 'person.yaml'}:12:5: bibliography.overrides.nokey: override names unknown "
        ".bib key 'nokey'"
    ]


# --------------------------------------------------------------------------- photos


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xc8\x10\x10" * 4 for _ in range(4))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 16, 16)).save(data, "JPEG")
    return data.getvalue()


def pdf() -> bytes:
    writer, data = PdfWriter(), io.BytesIO()
    writer.add_blank_page(40, 40)
    writer.write(data)
    return data.getvalue()


def photo_content(tmp_path: Path, name: str, settings: str = "") -> Path:
    content = make_content(tmp_path, SECTIONS)
    replace_in(content / "person.yaml", "  email:", f"  photo: {name}\n  email:")
    if settings:
        replace_in(
            content / "person.yaml", "  as_of: 2024-01-31\n", f"  as_of: 2024-01-31\n{settings}"
        )
    return content


@pytest.mark.parametrize(
    ("name", "data"),
    [("me.png", png), ("me.jpg", jpeg), ("me.JPEG", jpeg), ("me.pdf", pdf), ("png.jpg", png)],
)
def test_good_photos_load(tmp_path: Path, name: str, data) -> None:
    content = photo_content(tmp_path, name)
    (content / name).write_bytes(data())
    assert load_cv(content).person.photo == str(content / name)


@pytest.mark.parametrize(
    ("data", "damage"),
    [
        (lambda: b"", "is empty"),
        (lambda: b"<html>not found</html>", "is not a JPEG, PNG or PDF file"),
        (lambda: png()[:40], "is a damaged PNG file (no end marker; it was cut off)"),
        (lambda: png()[:50], "is a damaged PNG file (it ends in the middle of its data"),
        (lambda: png()[:-12], "is a damaged PNG file (no end marker; it was cut off)"),
        (lambda: png()[:-1] + b"\x00", "a wrong checksum in its 'IEND' part"),
        (lambda: png()[:33] + png()[-12:], "is a damaged PNG file (no image data)"),
        (lambda: b"\xff\xd8\xff", "is a damaged JPEG file (no image header)"),
        (lambda: jpeg()[:100], "is a damaged JPEG file (it ends in the middle of its header"),
        (lambda: jpeg()[:-2], "is a damaged JPEG file (no end marker; it was cut off)"),
        (lambda: pdf()[:-60], "is a damaged PDF file (no end of file marker"),
    ],
)
def test_a_damaged_photo_names_person_photo(tmp_path: Path, data, damage: str) -> None:
    content = photo_content(tmp_path, "me.png")
    (content / "me.png").write_bytes(data())
    (found,) = problems(content)
    assert found.startswith(f"{content / 'person.yaml'}:4:10: person.photo: the photo "), found
    assert damage in found, found


def test_a_pipe_as_photo_is_named_a_pipe_and_never_opened(tmp_path: Path) -> None:
    content = photo_content(tmp_path, "me.jpg")
    os.mkfifo(content / "me.jpg")
    assert problems(content) == [
        f"{content / 'person.yaml'}:4:10: person.photo: photo {content / 'me.jpg'} is a named "
        "pipe (FIFO), not a file"
    ]


# --------------------------------------------------------------------------- item 13: confined


def test_a_photo_link_to_proc_environ_is_refused_and_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    real_open = os.open

    def spy(path: object, *args: object, **kwargs: object) -> int:
        opened.append(os.fspath(path))  # type: ignore[arg-type]
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", spy)
    content = photo_content(tmp_path, "me.jpg")
    (content / "me.jpg").symlink_to("/proc/self/environ")
    (found,) = problems(content)
    assert found.startswith(
        f"{content / 'person.yaml'}:4:10: person.photo: photo 'me.jpg' is a symbolic link to /proc/"
    )
    assert "outside the content folder" in found and "'allow_outside_paths: true'" in found
    # even where outside files are allowed, a system file is never read
    allowed = photo_content(tmp_path / "allowed", "me.jpg", "  allow_outside_paths: true\n")
    (allowed / "me.jpg").symlink_to("/proc/self/environ")
    (found,) = problems(allowed)
    assert "a system file; cvbuild never reads it" in found, found
    assert not [path for path in opened if "environ" in path or path.endswith("me.jpg")]


def test_an_absolute_photo_path_needs_allow_outside_paths(tmp_path: Path) -> None:
    elsewhere = tmp_path / "photos" / "me.png"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(png())
    content = photo_content(tmp_path, str(elsewhere))
    assert problems(content) == [
        f"{content / 'person.yaml'}:4:10: person.photo: photo '{elsewhere}' is an absolute path, "
        f"outside the content folder {content}; copy the file into the content folder, or allow "
        "files outside it with 'allow_outside_paths: true' under 'settings'"
    ]
    replace_in(content / "person.yaml", "  as_of:", "  allow_outside_paths: true\n  as_of:")
    assert load_cv(content).person.photo == str(elsewhere)


def test_links_inside_the_content_folder_are_followed(tmp_path: Path) -> None:
    content = photo_content(tmp_path, "current.png")
    (content / "photos").mkdir()
    (content / "photos" / "2024.png").write_bytes(png())
    (content / "current.png").symlink_to("photos/2024.png")
    assert load_cv(content).person.photo == str(content / "photos" / "2024.png")


def test_bib_files_outside_the_content_folder_need_allow_outside_paths(tmp_path: Path) -> None:
    content = bib_content(tmp_path, "[../up.bib, linked.bib, /etc/passwd]")
    (tmp_path / "up.bib").write_text(BIB, encoding="utf-8")
    (content / "linked.bib").symlink_to(tmp_path / "up.bib")
    person = content / "person.yaml"
    found = bib_problems(content)
    assert [p.split(" is ")[0] for p in found] == [
        f"{person}:8:11: bibliography.files[0]: .bib file '../up.bib'",
        f"{person}:8:22: bibliography.files[1]: .bib file 'linked.bib'",
        f"{person}:8:34: bibliography.files[2]: .bib file '/etc/passwd'",
    ]
    assert [p.split(" is ")[1].split(",")[0] for p in found] == [
        f"a path to {tmp_path / 'up.bib'}",
        f"a symbolic link to {tmp_path / 'up.bib'}",
        "an absolute path",
    ]
    replace_in(person, "  as_of:", "  allow_outside_paths: true\n  as_of:")
    replace_in(person, ", /etc/passwd]", "]")
    cv = load_cv(content)
    assert cv.bibliography is not None
    # the same entry through two paths: the .bib checks see one file twice
    assert any("duplicate key 'a1'" in str(p) for p in _problems_of(cv.bibliography, content))


def _problems_of(spec, content: Path) -> list[Problem]:
    try:
        loaded = load_publications(spec, content)
    except InputError as error:
        return list(error.problems)
    return list(bibliography_warnings(loaded))  # issue 15: skipped entries are warnings


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    "case",
    ["nul", "bomb", "deep", "empty", "number-key", "bad-date", "long-number", "latin1"],
)
def test_hostile_yaml_is_exit_1_with_a_place_from_the_cli(tmp_path: Path, case: str) -> None:
    texts: dict[str, str | bytes] = {
        "nul": b"person2: a\x00b\n",
        "bomb": BOMB,
        "deep": nested(5000, block=False),
        "empty": "",
        "number-key": "1: one\n",
        "bad-date": "person2: {born: 2023-02-29}\n",
        "long-number": f"person2: {'7' * 5000}\n",
        "latin1": "person2: caf\xe9\n".encode("latin-1"),
    }
    content = with_extra(tmp_path, texts[case])
    if case == "empty":
        (content / "person.yaml").write_text("", encoding="utf-8")
        (content / "sections.yaml").write_text("", encoding="utf-8")
    for command in ("validate", "pdf"):
        args = ["--out-dir", str(tmp_path / "out"), "--build-dir", str(tmp_path / "b")]
        code, output = cli(command, "--content", str(content), *(args if command == "pdf" else []))
        assert_clean_failure(code, output)
        where = "person: required key" if case == "empty" else r"extra\.yaml:\d+:\d+: "
        assert re.search(where, output), output
    assert not (tmp_path / "out").exists()


def test_places_and_escapes_from_the_cli(tmp_path: Path) -> None:
    extra = "variants:\n  short:\n    sections: [bio, talks]\n"
    content = make_content(tmp_path, SECTIONS + SECTIONS.removeprefix("sections:\n"), extra=extra)
    code, output = cli("validate", "--content", str(content))
    assert_clean_failure(code, output)
    assert "sections.yaml:6:9: sections[1].id: section id 'bio' is used twice" in output
    assert "person.yaml:9:21: variants.short.sections[1]: variant 'short' names unknown" in output
    replace_in(content / "person.yaml", "    sections:", '    "\\e[31mx": 1\n    sections:')
    code, output = cli("validate", "--content", str(content))
    assert_clean_failure(code, output)
    assert "person.yaml:9:5: variants.short.\\x1b[31mx: unknown key '\\x1b[31mx'" in output
    assert "\x1b" not in output


def test_paths_pipes_and_photos_from_the_cli(tmp_path: Path) -> None:
    content = photo_content(tmp_path, "me.jpg")
    (content / "me.jpg").symlink_to("/proc/self/environ")
    with (content / "person.yaml").open("a", encoding="utf-8") as handle:
        handle.write("bibliography:\n  files: [pipe.bib]\n  owner_names: ['Lovelace, Ada']\n")
    os.mkfifo(content / "pipe.bib")
    build = tmp_path / "build"
    code, output = cli("pdf", "--content", str(content), "--out-dir", str(tmp_path / "out"),
                       "--build-dir", str(build))  # fmt: skip
    assert_clean_failure(code, output)
    assert "person.yaml:4:10: person.photo: photo 'me.jpg' is a symbolic link to /proc/" in output
    assert not build.exists() or not list(build.rglob("*photo*"))
    (content / "me.jpg").unlink()
    (content / "me.jpg").write_bytes(jpeg()[:-2])
    code, output = cli("validate", "--content", str(content))
    assert_clean_failure(code, output)
    assert "person.yaml:4:10: person.photo: the photo" in output and "damaged JPEG" in output
    assert "person.yaml:9:11: bibliography.files[0]: .bib file" in output
    assert "is a named pipe (FIFO), not a file" in output


@pytest.mark.tex
def test_merge_keys_and_a_photo_build_a_pdf(tmp_path: Path) -> None:
    text = """\
sections:
  - &award
    id: awards
    kind: awards
    title: Awards
    awards:
      - {name: Babbage Medal, year: 1943}
  - <<: *award
    id: prizes
    title: Prizes
"""
    content = make_content(tmp_path, text)
    replace_in(content / "person.yaml", "  email:", "  photo: me.png\n  email:")
    (content / "me.png").write_bytes(png())
    out = tmp_path / "cv.pdf"
    code, output = cli("pdf", "--content", str(content), "-o", str(out),
                       "--build-dir", str(tmp_path / "build"))  # fmt: skip
    assert code == 0, output
    text = pdf_text(out)
    assert "Awards" in text and "Prizes" in text and text.count("Babbage Medal") == 2
