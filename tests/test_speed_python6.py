"""Issue 20, the Python side of a one-field edit: the fast YAML reader (libyaml's events into
ruamel's composer) gives exactly ruamel's tree, and problems are still ruamel's, with their
places; the parse cache of .bib files gives the same publications as reading them."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml.comments import CommentedMap, CommentedSeq, merge_attrib

from cvbuild import load
from cvbuild.errors import InputError
from tests.conftest import copy_seed, replace_in

ROOT = Path(__file__).resolve().parent.parent
YAML_FILES = sorted(
    path
    for pattern in ("*.yaml", "*.yml")
    for path in ROOT.rglob(pattern)
    if not {".venv", "build", "out", ".git"} & set(path.relative_to(ROOT).parts)
)


def same_tree(fast: Any, slow: Any, path: str = "$") -> str | None:
    """'' when both trees are alike in all cvbuild reads of them (types, values, order, the
    positions of every mapping, key, value and item, merged mappings), else where they differ."""
    if type(fast) is not type(slow):
        return f"{path}: {type(fast).__name__} != {type(slow).__name__}"
    if isinstance(fast, CommentedMap | CommentedSeq):
        if (fast.lc.line, fast.lc.col) != (slow.lc.line, slow.lc.col):
            return f"{path}: at {fast.lc.line}:{fast.lc.col} != {slow.lc.line}:{slow.lc.col}"
        if (fast.lc.data or {}) != (slow.lc.data or {}):
            return f"{path}: positions {fast.lc.data} != {slow.lc.data}"
    if isinstance(fast, CommentedMap):
        if list(fast) != list(slow):
            return f"{path}: keys {list(fast)} != {list(slow)}"
        fast_merged = list(getattr(fast, merge_attrib, []))
        slow_merged = list(getattr(slow, merge_attrib, []))
        if len(fast_merged) != len(slow_merged):
            return f"{path}: merged mappings differ"
        for index, (a, b) in enumerate(zip(fast_merged, slow_merged, strict=True)):
            found = same_tree(a, b, f"{path}<<{index}")
            if found:
                return found
        for key in fast:
            found = same_tree(fast[key], slow[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(fast, CommentedSeq):
        if len(fast) != len(slow):
            return f"{path}: {len(fast)} items != {len(slow)}"
        for index, (a, b) in enumerate(zip(fast, slow, strict=True)):
            found = same_tree(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if fast == slow else f"{path}: {fast!r} != {slow!r}"


def slow_or_error(text: str) -> tuple[Any, str | None]:
    try:
        return load._ruamel_load(text), None
    except Exception as error:
        return None, type(error).__name__


def test_fast_reader_is_there_and_taken_for_the_shipped_content() -> None:
    """Without libyaml (or with a guard that refuses everything) the fast path would fall back
    silently: the shipped content must be read by it."""
    for path in sorted((ROOT / "content").glob("*.yaml")):
        assert load._fast_load(path.read_text(encoding="utf-8")) is not None, path


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fast_reader_gives_ruamels_tree_for_every_yaml_file(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    slow, error = slow_or_error(text)
    fast = load._fast_load(text)
    if error is not None:
        assert fast is None
    elif fast is not None:
        assert same_tree(fast, slow) is None


TRICKY = [
    "a: 1\nb: 0o17\nc: 017\nd: 1_000\ne: 1:20\nf: yes\ng: no\nh: on\ni: ~\nj: null\nk: .inf\n",
    "a: 2023-02-29\nb: 2021-01\nc: 2021-01-01T10:00:00\nd: '2021'\n",
    "a: |\n  one\n  two\n\nb: >\n  folded\n  text\n\n  para\nc: |-\n  x\nd: >+\n  y\n\n",
    "a: \"esc \\t \\/ \\u00fc \\x41 \\N \\_ \\L\"\nb: 'it''s'\nc: \"multi\n  line\"\n",
    "base: &b {x: 1, y: [1, 2]}\nuse:\n  <<: *b\n  z: 3\nlist: [*b, *b]\n",
    "m:\n  <<: [*a, *b]\n" if False else "a: &a {p: 1}\nb: &b {q: 2}\nm:\n  <<: [*a, *b]\n",
    "plain: multi\n  line plain\n  scalar\nnext: x # comment\n# c\nlast: 'ü' \n",
    "flow: {ä: ü, b: [x, y, {z: ö}], c: 'ç', d: x}\nafter: ü\n",
    "\ufeffbom: yes\n",
    "crlf: a\r\nnext: b\r\n",
    "tabs:\t x\t\n",
    "---\na: 1\n...\n",
    "a:\n- 1\n- - 2\n  - 3\n- k: v\n  l: w\n",
    "? complex\n: value\n",
    "empty:\nnone: ''\nlist: []\nmap: {}\n",
    "key with spaces: value: with colon\nurl: http://x.org/a#b\n",
    "a: !!str 1\n",
    "%YAML 1.1\n---\na: yes\n",
    "a: x\u2028y\n",
    "a: x\x85y\n",
    "dup: 1\ndup: 2\n",
    "a: *undefined\n",
    "a: [1, 2\n",
    "a: 'unclosed\n",
    "a: b: c\n",
    "- a\nb: c\n",
    "a: &x [*x]\n",
    "a: &anchor-with:colon 1\nb: *anchor-with:colon\n",
    "a: 123456789012345678901234567890123\n",
    "  indented: 1\n unindented: 2\n",
    "a: @reserved\n",
    "a: `reserved\n",
    "a: %\n",
    "? [a, b]\n: c\n",
    "1: one\ntrue: t\nnull: n\n",
    "emoji: 😀\nastral: \U0001d400\n",
    "a: -\nb: - x\n",
    "full:\n  description:  # note\n\n  short: x\n",
    "a: # c\nb: 1\n",
    "m:\n  a:\n  b:\nc:\n",
    "p:\n  - >\n  \n        text\n        more\n",
    "p:\n  - |\n\n        text\n",
    "a: 1\nb:",
    "a:\n  b:",
    "a:\n  b:\n# end",
    "a:\n  b:\n\n\n",
    "x:\n  y:\n  # c\nz: 1\n",
    "x:\n  y:\n\n# c\n\nz: 1\n",
    "x:\n  - y:\n  # c\nz:\n  w: 1\n",
    'a: "\\e\\a\\b\\v\\f\\0"\n',
    "s: - 1\n",
    "long: " + "x" * 2000 + "\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_fast_reader_on_tricky_yaml(text: str) -> None:
    """YAML 1.1 against 1.2 (octal, booleans, sexagesimal numbers), block scalars, escapes,
    aliases and merges, byte order marks, line ends, tags, directives, errors: either ruamel's
    tree or None (ruamel reads it), never a different tree, never a tree where ruamel errs."""
    slow, error = slow_or_error(text)
    try:
        fast = load._fast_load(text)
    except load._Refused:
        assert error == "_Refused"
        return
    if error is not None:
        assert fast is None, error
    elif fast is not None:
        assert same_tree(fast, slow) is None


def test_fast_reader_on_damaged_copies_of_the_shipped_content() -> None:
    """Random edits of the shipped content (a character deleted, doubled or replaced by one that
    matters in YAML): the fast reader gives ruamel's tree or leaves the text to it. (Run with
    more edits and all YAML files of the repository while it was written: 16,000 edits, none
    read differently.)"""
    texts = [(ROOT / "content" / name).read_text(encoding="utf-8")
             for name in ("person.yaml", "variants.yaml")]  # fmt: skip
    chosen = random.Random(20)
    specials = [*list(":-?[]{},#&*!|>'\"%@`\n \t"), "ü", "\\"]
    taken = 0
    for _ in range(120):
        text = chosen.choice(texts)
        at = chosen.randrange(len(text))
        how = chosen.randrange(3)
        if how == 0:
            damaged = text[:at] + text[at + 1 :]
        elif how == 1:
            damaged = text[:at] + text[at] + text[at:]
        else:
            damaged = text[:at] + chosen.choice(specials) + text[at + 1 :]
        slow, error = slow_or_error(damaged)
        try:
            fast = load._fast_load(damaged)
        except load._Refused:
            assert error == "_Refused"
            continue
        if error is not None:
            assert fast is None, (at, how, error)
        elif fast is not None:
            taken += 1
            assert same_tree(fast, slow) is None, (at, how)
    assert taken > 50  # most edits leave valid YAML, read the fast way


def test_an_edit_that_breaks_a_file_after_a_fast_build_is_reported_with_its_line(
    tmp_path: Path,
) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "bib", tmp_path / "bib")
    load.load_cv(content)
    sections = content / "sections.yaml"
    lines = sections.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if "title:" in line)
    lines[number] = lines[number].replace("title:", "title: [unclosed", 1)
    sections.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load.load_cv(content)
    problems = raised.value.problems
    assert problems and all(p.file == sections and p.line is not None for p in problems)
    assert "YAML syntax error" in str(problems[0])
    # the same problem, word for word and place for place, as ruamel alone reports it
    fast = load._fast_load
    try:
        load._fast_load = lambda text: None
        with pytest.raises(InputError) as alone:
            load.load_cv(content)
    finally:
        load._fast_load = fast
    assert [str(p) for p in alone.value.problems] == [str(p) for p in problems]


def test_a_value_cvbuild_refuses_is_placed_as_before(tmp_path: Path) -> None:
    """cvbuild's own limits (here: a number too long) stop the fast reader at the same place."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    person = content / "person.yaml"
    text = person.read_text(encoding="utf-8")
    person.write_text(text + "\nextra_number: " + "9" * 40 + "\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load.load_cv(content)
    line = text.count("\n") + 2
    assert any(p.file == person and p.line == line and "digits" in str(p)
               for p in raised.value.problems)  # fmt: skip


# --------------------------------------------------------------------------- the .bib cache


def _publications(content: Path) -> Any:
    from cvbuild.bibliography import load_publications

    cv = load.load_cv(content)
    assert cv.bibliography is not None
    return load_publications(cv.bibliography, content, cv.settings.allow_outside_paths)


def _as_read(publications: Any) -> tuple[Any, ...]:
    """Everything a build takes from the publications (file and line are not compared by ==)."""
    return (
        [(p, p.file, p.line) for p in publications],
        [str(w) for w in publications.warnings],
        list(publications.notes),
    )


def _never_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    from cvbuild import bibliography

    def refuse() -> Any:
        raise AssertionError("the .bib was parsed although it is cached")

    monkeypatch.setattr(bibliography, "_bibtexparser", refuse)


def test_cached_publications_are_those_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    content = copy_seed(tmp_path)
    read = _publications(content)
    assert list((tmp_path / "cache" / "cvbuild" / "parsed").glob("*.pickle"))
    _never_parse(monkeypatch)
    cached = _publications(content)
    assert _as_read(cached) == _as_read(read)
    assert len(read) > 50 and read.warnings is not None


def test_an_edited_bib_or_setting_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    content = copy_seed(tmp_path)
    before = _publications(content)
    bib = tmp_path / "bib" / "publications.bib"
    bib.write_text(
        bib.read_text(encoding="utf-8")
        + "\n@article{cachetest1, author = {Lapuschkin, S}, title = {A New One},"
        " journal = {J}, year = {2031}}\n",
        encoding="utf-8",
    )
    after = _publications(content)
    assert len(after) == len(before) + 1 and after[0].key == "cachetest1"
    # a setting of the bibliography (here: entries kept out by keyword) is part of the key too
    replace_in(content / "person.yaml", "bibliography:\n", "bibliography:\n  exclude_keywords: [selected]\n")  # fmt: skip
    excluded = _publications(content)
    assert len(excluded) < len(after) and excluded.notes


def test_a_damaged_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    content = copy_seed(tmp_path)
    read = _publications(content)
    (entry,) = (tmp_path / "cache" / "cvbuild" / "parsed").glob("*.pickle")
    whole = entry.read_bytes()
    for damaged in (whole[: len(whole) // 2], b"", b"not a pickle", whole[:-1] + b"\x00"):
        entry.write_bytes(damaged)
        assert _as_read(_publications(content)) == _as_read(read)
    # a readable entry holding something else (another key, another type) is not taken
    import pickle

    entry.write_bytes(pickle.dumps(("another key", ("x",))))
    assert _as_read(_publications(content)) == _as_read(read)
    (tmp_path / "cache").chmod(0o500)  # a cache that cannot be written: no error
    try:
        entry.unlink(missing_ok=True)
    except OSError:
        pass
    finally:
        (tmp_path / "cache").chmod(0o700)


def test_a_broken_bib_is_reported_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Errors are never cached: each build reports them, with file and line."""
    from cvbuild.bibliography import load_publications  # noqa: F401 - the module under test

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    content = copy_seed(tmp_path)
    _publications(content)
    bib = tmp_path / "bib" / "publications.bib"
    bib.write_text(
        bib.read_text(encoding="utf-8") + "\n@article{bad1, title = {\\input{/etc/passwd}}, "
        "author = {X, Y}, journal = {J}, year = {2020}}\n",
        encoding="utf-8",
    )
    for _ in range(2):
        with pytest.raises(InputError) as raised:
            _publications(content)
        assert any(p.file == bib and p.line for p in raised.value.problems)


def test_the_code_is_part_of_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cvbuild import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    content = copy_seed(tmp_path)
    _publications(content)
    monkeypatch.setattr(cache, "_CODE_DIGEST", "other code")
    parsed = []
    from cvbuild import bibliography

    real = bibliography._bibtexparser

    def counted() -> Any:
        parsed.append(1)
        return real()

    monkeypatch.setattr(bibliography, "_bibtexparser", counted)
    _publications(content)
    assert parsed


@pytest.mark.tex
def test_a_build_from_cached_publications_is_the_same(tmp_path: Path) -> None:
    """The same .tex, .bib for biber and PDF bytes from a build that read the .bib and one that
    took its publications from the cache (same content, fixed time stamp)."""
    import os
    import subprocess
    import sys

    content = copy_seed(tmp_path)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def build(name: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "cvbuild", "pdf", "--variant", "full", "--content",
             str(content), "-o", str(tmp_path / f"{name}.pdf"),
             "--build-dir", str(tmp_path / name)],
            env=env, capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    read = build("read")
    shutil.rmtree(tmp_path / "cache" / "cvbuild" / "parsed", ignore_errors=True)
    build("warm")  # fills the cache
    cached = build("cached")
    for name in ("cv.tex", "cvbuild-publications.bib"):
        first = (tmp_path / "read" / "full" / name).read_bytes()
        assert first == (tmp_path / "cached" / "full" / name).read_bytes(), name
    assert (tmp_path / "read.pdf").read_bytes() == (tmp_path / "cached.pdf").read_bytes()
    assert [line for line in read.splitlines() if "warning" in line] == [
        line for line in cached.splitlines() if "warning" in line
    ]


def test_locales_read_the_fast_way_are_those_ruamel_reads() -> None:
    """The locales are read with the content's fast reader: the same words as ruamel's safe
    loader gives (plain values, compared as text with their base types)."""
    from ruamel.yaml import YAML

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return (type(value).__mro__[-2].__name__, str(value))

    for path in sorted((ROOT / "cvbuild" / "locales").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert load._fast_load(text) is not None, path
        assert plain(load.read_yaml(text)) == plain(YAML(typ="safe").load(text)), path
