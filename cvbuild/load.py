"""Stage 1a: read the content folder's YAML files into a validated `CV`.

YAML is read with ruamel's round-trip loader, which remembers where every key and item stood,
so each validation error is reported as `file:line:column: field.path: message`, all at once.
The loader is hardened: whatever bytes a file holds, reading it ends promptly in a `CV` or in
problems with a line (no crash on NUL bytes, impossible dates, huge numbers, deep nesting, or
aliases that expand a few lines into billions of values).
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import struct
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, merge_attrib
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from cvbuild import models
from cvbuild.errors import InputError, Problem, shown
from cvbuild.fields import LANGUAGE_TAG, ContentError, Gap, Located, Location, Model
from cvbuild.files import file_kind
from cvbuild.repertoire import unprintable

# Far beyond any CV (the shipped one has about 1,700 values, 24,000 characters of text and
# 9 levels), low enough that reading stays within about a second (ruamel reads some 20,000
# values a second); an "alias bomb" of ten lines would otherwise expand to 10^9 values.
MAX_VALUES = 20_000  # aliases expanded
MAX_CHARACTERS = 2_000_000  # of text, aliases expanded
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_DIGITS = 30  # no number in a CV is longer; Python refuses to read more than 4,300 digits


@dataclass(frozen=True)
class Source:
    """Where one top-level key of the content came from: its file and that file's mapping."""

    file: Path
    node: Any


def content_files(content_dir: Path) -> list[Path]:
    """The content's `*.yaml` and `*.yml` files. Hidden files (editor lock files `.#x.yaml`,
    macOS `._x.yaml`) and folders are skipped; a pipe or device is an error, never opened
    (reading a pipe would wait forever)."""
    if not content_dir.is_dir():
        what = "is not a folder" if content_dir.exists() else "not found"
        raise InputError([Problem(f"content folder {what} (looked for {content_dir})")])
    files: list[Path] = []
    problems: list[Problem] = []
    for path in sorted({*content_dir.glob("*.yaml"), *content_dir.glob("*.yml")}):
        if path.name.startswith("."):
            continue
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            problems.append(Problem(f"a link to {os.readlink(path)}, which does not exist", path))
            continue
        except OSError as error:
            problems.append(Problem(f"cannot read it ({error.strerror})", path))
            continue
        if stat.S_ISDIR(mode):
            continue
        if not stat.S_ISREG(mode):
            problems.append(
                Problem(
                    f"{file_kind(mode)}, not a file: cvbuild reads only regular files; "
                    "remove it or rename it so that it does not end in .yaml",
                    path,
                )
            )
            continue
        files.append(path)
    if problems:
        raise InputError(problems)
    if not files:
        raise InputError([Problem(f"no .yaml files in the content folder {content_dir}")])
    return files


def load_cv(
    content_dir: Path, language: str | None = None, gaps: list[Gap] | None = None
) -> models.CV:
    """Read every `*.yaml` in `content_dir`, merge their top-level keys, validate.

    Texts written in several languages (`{en: ..., de: ...}`) are read in `language` (default:
    `settings.language`); each text that lacks it is appended to `gaps`."""
    sources, problems = _read_sources(content_files(content_dir))
    if not problems:
        problems = _key_problems(sources)
    if problems:
        raise InputError(problems)
    problems = _character_problems(sources)
    data = {key: _plain(source.node[key], source.file) for key, source in sources.items()}
    default = _default_language(data)
    context = {"language": language or default, "default_language": default, "gaps": gaps}
    try:
        cv = models.CV.model_validate(data, context=context)
    except ValidationError as exc:
        found = problems + _problems_from(exc, sources, content_dir)
        raise InputError(list(dict.fromkeys(found))) from None
    for key, source in sources.items():
        value = getattr(cv, key, None)
        for model, node in _models_and_nodes(value, source.node.get(key)):
            model._source = (source.file, node.lc.line + 1)
    if cv.person.photo:
        settings = cv.settings
        photo, message = checked_path(
            content_dir, cv.person.photo, "photo", lambda: settings.allow_outside_paths
        )
        message = message or _image_problem(photo)
        if message:
            problems.append(_placed(sources, ("person", "photo"), message))
        # the renderer gets the file itself, wherever the build runs
        cv = cv.model_copy(update={"person": cv.person.model_copy(update={"photo": str(photo)})})
    if problems:
        raise InputError(list(dict.fromkeys(problems)))
    return cv


def _models_and_nodes(value: Any, node: Any) -> Iterator[tuple[Model, CommentedMap]]:
    """Each model in a validated value with the YAML mapping it was read from (walking both
    trees side by side; values that were not written as mappings are passed over)."""
    if isinstance(value, Model) and isinstance(node, CommentedMap):
        yield value, node
        for name, child in value:
            yield from _models_and_nodes(child, node.get(name))
    elif isinstance(value, list) and isinstance(node, CommentedSeq):
        for item, item_node in zip(value, node, strict=False):
            yield from _models_and_nodes(item, item_node)
    elif isinstance(value, dict) and isinstance(node, CommentedMap):
        for name, child in value.items():
            yield from _models_and_nodes(child, node.get(name))


def _character_problems(sources: dict[str, Source]) -> list[Problem]:
    """Characters no TeX engine cvbuild uses can print (CJK, emoji, ...), found before TeX."""
    problems = []
    for key, source in sources.items():
        position = _value_position(source.node, key) or (0, 0)
        for path, text, (line, column) in _strings(source.node[key], key, position):
            for _, description in unprintable(text):
                problems.append(
                    Problem(
                        f"character {description} cannot be printed (cvbuild prints Latin, "
                        "Greek and Cyrillic script and common symbols)",
                        source.file,
                        line + 1,
                        column + 1,
                        path,
                    )
                )
    return problems


def _strings(
    node: Any, path: str, position: tuple[int, int]
) -> Iterator[tuple[str, str, tuple[int, int]]]:
    """Every string in a ruamel tree with its field path and 0-based (line, column)."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}", _value_position(node, key) or position)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}[{index}]", _item_position(node, index) or position)
    elif isinstance(node, str):
        yield path, str(node), position


def _key_problems(sources: dict[str, Source]) -> list[Problem]:
    """Keys that YAML reads as something other than text (`1:`, `true:`, `[a, b]:`): every key
    cvbuild knows is a name, so such a key is a mistake, reported where it stands."""
    problems: list[Problem] = []
    for key, source in sources.items():
        problems += _keys_in(source.node[key], key, source.file)
    return list(dict.fromkeys(problems))


def _keys_in(node: Any, path: str, file: Path) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            if isinstance(key, str):
                problems += _keys_in(value, f"{path}.{key}", file)
            else:
                line, column = _key_position(node, key) or (0, 0)
                problems.append(Problem(_key_message(key), file, line + 1, column + 1, path))
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            problems += _keys_in(value, f"{path}[{index}]", file)
    return problems


def _key_message(key: Any) -> str:
    if isinstance(key, bool):
        kind = "a true/false value"
    elif key is None:
        kind = "empty (null)"
    elif isinstance(key, int | float):
        kind = "a number"
    else:
        return "a list or mapping cannot be a key; keys are names such as 'title'"
    return f"the key {key!s} is read as {kind}, not as a name; write it in quotes: '{key!s}'"


def bibliography_spec(content_dir: Path) -> models.Bibliography | None:
    """The `bibliography` key alone, when it is valid: lets `cvbuild validate` check the .bib
    files even when other parts of the content have errors."""
    sources, problems = _read_sources(content_files(content_dir))
    if problems or "bibliography" not in sources or _key_problems(sources):
        return None
    try:
        return models.Bibliography.model_validate(
            _plain(sources["bibliography"].node["bibliography"])
        )
    except ValidationError:
        return None


def variant_names(content_dir: Path) -> list[str]:
    """The variants the content defines, read quickly (no validation; errors show up when a
    variant is built). 'full' when the content defines none."""
    names: list[str] = []
    for file in content_files(content_dir):
        data, problems = _parse(file)
        if not problems and isinstance(data, dict) and isinstance(data.get("variants"), dict):
            names += [str(name) for name in data["variants"]]
    return names or ["full"]


def _read_sources(files: list[Path]) -> tuple[dict[str, Source], list[Problem]]:
    sources: dict[str, Source] = {}
    problems: list[Problem] = []
    for file in files:
        node, found = _parse(file)
        problems += found
        if found or node is None:
            continue
        if not isinstance(node, CommentedMap):
            problems.append(
                Problem("expected keys (such as 'person:') at the top level", file, 1, 1)
            )
            continue
        for key in node:
            line, col = _key_position(node, key) or (0, 0)
            if not isinstance(key, str):
                problems.append(Problem(_key_message(key), file, line + 1, col + 1))
            elif key.startswith(models.TEMPLATE_PREFIX):
                continue  # a block kept for `<<: *name` only
            elif key in sources:
                problems.append(
                    Problem(
                        f"top-level key also defined in {sources[key].file.name}",
                        file,
                        line + 1,
                        col + 1,
                        key,
                    )
                )
            else:
                sources[key] = Source(file, node)
    return sources, problems


def _plain(node: Any, file: Path | None = None) -> Any:
    """ruamel containers → plain dicts (knowing their file and line) and lists; scalars stay
    (dates are read as text)."""
    if isinstance(node, dict):
        mapping = Located({str(k): _plain(v, file) for k, v in node.items()})
        line = getattr(getattr(node, "lc", None), "line", None)
        mapping.at = (file, line + 1) if file is not None and line is not None else None
        return mapping
    if isinstance(node, list):
        return [_plain(v, file) for v in node]
    return node


def _default_language(data: dict[str, Any]) -> str:
    """The content's own language (`settings.language`), read before validation."""
    settings = data.get("settings")
    language = settings.get("language") if isinstance(settings, dict) else None
    return language if isinstance(language, str) and LANGUAGE_TAG.match(language) else "en"


# --------------------------------------------------------------------------- reading YAML


class _Refused(MarkedYAMLError):
    """YAML that is well-formed but that cvbuild will not read (too deep, too big, ...)."""


def _parse(file: Path) -> tuple[Any, list[Problem]]:
    """The ruamel tree of one YAML file, or the problems that keep it from being read."""
    try:
        data = read_regular_file(file)
    except OSError as error:
        return None, [Problem(f"cannot read it ({error.strerror or error})", file)]
    if len(data) > MAX_FILE_BYTES:
        return None, [
            Problem(
                f"the file holds {len(data):,} bytes; cvbuild reads YAML files of up to "
                f"{MAX_FILE_BYTES:,} (a whole CV takes about 30,000)",
                file,
            )
        ]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        before = data[data.rfind(b"\n", 0, error.start) + 1 : error.start]
        column = len(before.decode("utf-8", errors="replace")) + 1
        return None, [
            Problem(
                f"not UTF-8 text: byte 0x{data[error.start]:02X} cannot be read (the file is "
                "probably in Latin-1 or Windows-1252); save it as UTF-8 in your editor",
                file,
                line,
                column,
            )
        ]
    problems = _forbidden_characters(text, file) or _bracket_nesting(text, file)
    if problems:
        return None, problems
    try:
        return _fast_load(text) or _ruamel_load(text), []
    except _Refused as error:
        mark = error.problem_mark
        return None, [Problem(str(error.problem), file, mark.line + 1, mark.column + 1)]
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = " ".join(str(p) for p in (error.context, error.problem) if p)
        return None, [
            Problem(
                f"YAML syntax error: {what}",
                file,
                mark.line + 1 if mark else None,
                mark.column + 1 if mark else None,
            )
        ]
    except YAMLError as error:  # no position (ruamel's checks above should not leave any)
        return None, [Problem(f"YAML error: {error}", file)]


def read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file. Opened without waiting (a named pipe would block a plain
    `open` for ever) and refused when it is not a regular file."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(0, f"{file_kind(mode)}, not a regular file", str(path))
        return handle.read()


# --------------------------------------------------------------------------- the fast reader

# Text the fast reader leaves to ruamel: a directive (`%YAML 1.1` changes how values read), the
# characters YAML 1.1 (libyaml) takes as line breaks but YAML 1.2 (ruamel) does not, and tabs
# (which ruamel refuses in places where libyaml takes them as spaces).
_NOT_FAST = re.compile("^%|[\t\x85\u2028\u2029]", re.M)


def _fast_load(text: str) -> Any:
    """The same tree as `_ruamel_load` gives, read about four times faster: libyaml's parser (in
    C) makes the events, ruamel's composer (with cvbuild's limits) and constructor the tree, so
    values, types and positions are ruamel's. None (then ruamel reads it all) when libyaml is not
    there, or the text needs what only ruamel reads the YAML 1.2 way (a directive, a tag, a
    YAML 1.1 line break), or libyaml finds a problem: ruamel's own message is the one reported.
    Past cvbuild's limits (`_Refused`) it stops at once, as ruamel would at the same place."""
    if _libyaml is None or _NOT_FAST.search(text) or "\ufeff" in text[1:]:
        return None
    try:
        return _ruamel_load(text, _LibyamlEvents)
    except _Refused:
        raise
    except Exception:
        return None


def read_yaml(text: str) -> Any:
    """cvbuild's own YAML files (locales), read as the content is (the fast way when it can);
    raises ruamel's errors."""
    return _fast_load(text) or _ruamel_load(text)


def _ruamel_load(text: str, parser: Any = None) -> Any:
    """ruamel's round-trip reading with cvbuild's composer and constructor (and `parser`'s
    events, when given); raises ruamel's errors."""
    yaml = YAML(typ="rt")
    yaml.Composer = _Composer
    yaml.Constructor = _Constructor
    if parser is not None:
        yaml.Parser = parser
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ruamel warns about a reused anchor name
        return yaml.load(text)


try:  # PyYAML, with libyaml in its wheels, comes with pybtex; without it ruamel reads all
    import yaml as _libyaml

    if not getattr(_libyaml, "__with_libyaml__", False):
        _libyaml = None
except ImportError:  # pragma: no cover
    _libyaml = None


class _LibyamlEvents:
    """libyaml's parse events as ruamel's, for ruamel's composer (the parser's interface)."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.events: Iterator[Any] | None = None
        self.ahead: list[Any] = []  # the next event, once looked at

    def _next(self) -> Any:
        if self.events is None:
            text = self.loader.reader.buffer.removesuffix("\0")
            self.events = _ruamel_events(_libyaml.parse(text, _libyaml.CLoader), text)
        if not self.ahead:
            self.ahead = [event for event in (next(self.events, None),) if event is not None]
        return self.ahead[0] if self.ahead else None

    def check_event(self, *choices: Any) -> bool:
        event = self._next()
        return event is not None and (not choices or isinstance(event, choices))

    def peek_event(self) -> Any:
        return self._next()

    def get_event(self) -> Any:
        event = self._next()
        self.ahead = []
        return event

    def dispose(self) -> None:
        self.events = iter(())
        self.ahead = []


class _NotAlike(Exception):
    """Where ruamel's events could differ from libyaml's: an explicit tag (whose meaning is
    YAML 1.2's), an anchor name the two read differently, an empty value in a flow collection,
    as a key, before a comment or at the end of the text, a block scalar starting with blank
    lines that hold spaces.
    Such a text is left to ruamel."""


def _ruamel_events(events: Iterator[Any], text: str) -> Iterator[Any]:
    """libyaml's events as ruamel makes them, one by one as the composer asks (it stops early
    at cvbuild's limits), looking one event ahead. One difference is mended: a mapping's empty
    value (`summary:` and nothing) stands, in ruamel, where the next thing starts, in libyaml
    just after the colon (with a comment after it, ruamel's place depends on the comment: left
    to ruamel)."""
    lines = text.splitlines()
    open_: list[list[Any]] = []  # each open collection: [block mapping?, nodes so far, flow?]
    event = next(events, None)
    while event is not None:
        following = next(events, None)
        kind = type(event).__name__
        if getattr(event, "tag", None) is not None:
            raise _NotAlike
        if getattr(event, "anchor", None) is not None and not _name_ends(lines, event):
            raise _NotAlike
        start, stop = event.start_mark, event.end_mark  # line, column and index, as ruamel's
        if kind in ("ScalarEvent", "AliasEvent", "MappingStartEvent", "SequenceStartEvent"):
            in_block_mapping = bool(open_) and open_[-1][0]
            is_value = bool(open_) and open_[-1][1] % 2 == 1
            if open_:
                open_[-1][1] += 1
        if kind == "ScalarEvent":
            style = event.style or None
            if style in ("|", ">") and _blank_lines_with_spaces(lines, event):
                raise _NotAlike  # ruamel takes their spaces for the indentation, libyaml not
            if event.value == "" and style is None and event.anchor is None:
                if not (in_block_mapping and is_value):
                    if open_ and not open_[-1][0] and open_[-1][2]:
                        raise _NotAlike  # in a flow collection
                    if open_ and open_[-1][0] and not is_value:
                        raise _NotAlike  # an empty key
                elif _comment_follows(lines, event.start_mark):
                    raise _NotAlike  # ruamel places it after the colon or further on
                elif following is None or following.start_mark.line >= len(lines) - 1:
                    raise _NotAlike  # at the end of the text, where the two end differently
                else:
                    start = stop = following.start_mark
            yield ScalarEvent(event.anchor, None, event.implicit, event.value, start, stop, style)
        elif kind in ("MappingStartEvent", "SequenceStartEvent"):
            mapping = kind == "MappingStartEvent"
            open_.append([mapping and not event.flow_style, 0, bool(event.flow_style)])
            made_kind = MappingStartEvent if mapping else SequenceStartEvent
            yield made_kind(event.anchor, None, event.implicit, start, stop, event.flow_style)
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            open_.pop()
            yield _PLAIN_EVENTS[kind](start, stop)
        elif kind == "AliasEvent":
            yield AliasEvent(event.anchor, start, stop)
        elif kind == "DocumentStartEvent":
            yield DocumentStartEvent(start, stop, event.explicit, event.version, None)
        elif kind == "DocumentEndEvent":
            yield DocumentEndEvent(start, stop, event.explicit)
        else:
            yield _PLAIN_EVENTS[kind](start, stop)
        event = following


def _name_ends(lines: list[str], event: Any) -> bool:
    """The anchor or alias name (`&name`, `*name`) libyaml read ends where ruamel's ends: a
    YAML 1.2 name runs on up to a space or a flow indicator, a YAML 1.1 name ends at any
    character other than a letter, digit, `-` or `_`."""
    mark = event.start_mark
    line = lines[mark.line] if mark.line < len(lines) else ""
    written = line[mark.column : mark.column + 1 + len(event.anchor)]
    after = line[mark.column + 1 + len(event.anchor) : mark.column + 2 + len(event.anchor)]
    return bool(
        written[1:] == event.anchor
        and written[:1] in "&*"
        and after in ("", " ", ",", "[", "]", "{", "}")
    )


def _blank_lines_with_spaces(lines: list[str], event: Any) -> bool:
    """A block scalar (`|`, `>`) whose first lines are blank but hold spaces."""
    for line in lines[event.start_mark.line + 1 : event.end_mark.line + 1]:
        if line.strip():
            return False
        if line:
            return True
    return False


def _comment_follows(lines: list[str], mark: Any) -> bool:
    line: str = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column :].lstrip().startswith("#")


_PLAIN_EVENTS = {
    "StreamStartEvent": StreamStartEvent,
    "StreamEndEvent": StreamEndEvent,
    "MappingEndEvent": MappingEndEvent,
    "SequenceEndEvent": SequenceEndEvent,
}


# What the YAML specification allows in a file; anything else (NUL, BEL, ESC, ...) is refused.
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _forbidden_characters(text: str, file: Path, limit: int = 10) -> list[Problem]:
    problems = []
    for count, match in enumerate(_NOT_YAML.finditer(text)):
        if count == limit:
            problems.append(Problem("... and more such characters", file))
            break
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - text.rfind("\n", 0, match.start())
        code = ord(match.group())
        what = f"control character \\x{code:02x}" if code < 0xA0 else f"character U+{code:04X}"
        problems.append(
            Problem(
                f"{what} is not allowed in YAML (it is invisible in most editors; it may come "
                "from a copy out of a PDF or a binary file): delete it",
                file,
                line,
                column,
            )
        )
    return problems


def _bracket_nesting(text: str, file: Path) -> list[Problem]:
    """A line opening more than MAX_DEPTH brackets: refused before ruamel reads it, because its
    scanner takes seconds over such a line before the composer's depth limit is reached."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.count("[") + line.count("{") <= MAX_DEPTH:
            continue
        depth = 0
        for column, character in enumerate(line, 1):
            depth += (character in "[{") - (character in "]}")
            if depth > MAX_DEPTH:
                return [Problem(_too_deep(), file, number, column)]
    return []


def _too_deep() -> str:
    return f"lists and mappings nested more than {MAX_DEPTH} levels deep; a CV needs fewer than 10"


class _Composer(Composer):
    """ruamel's composer with limits: nesting depth, and the number of values and characters
    of text the document holds, counting each alias as all it repeats (checked as they come,
    so reading stops early). An alias to a collection that contains it (a loop) is refused."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.values = self.characters = 0  # so far, aliases expanded
        self.sizes: dict[int, tuple[int, int]] = {}  # id(node) → (values, characters) in it
        self._found: dict[str, Any] = {}

    # ruamel finds its parser and resolver anew (through a frame lookup) at each of several
    # calls per value; they never change while a document is read, so they are kept.
    def _kept(self, name: str) -> Any:
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = getattr(Composer, name).fget(self)
        return found

    @property
    def parser(self) -> Any:
        return self._kept("parser")

    @property
    def resolver(self) -> Any:
        return self._kept("resolver")

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self.sizes:
                raise _Refused(
                    None,
                    None,
                    f"the alias *{event.anchor} refers to a list or mapping that contains it "
                    "(a loop); repeat the values instead",
                    event.start_mark,
                )
            self._count(*self.sizes[id(node)], event.start_mark)
            return node
        if self.depth >= MAX_DEPTH and isinstance(event, SequenceStartEvent | MappingStartEvent):
            raise _Refused(None, None, _too_deep(), event.start_mark)
        values, characters = self.values, self.characters
        node = super().compose_node(parent, index)
        self._count(1, len(node.value) if isinstance(node.value, str) else 0, node.start_mark)
        self.sizes[id(node)] = (self.values - values, self.characters - characters)
        return node

    def _count(self, values: int, characters: int, mark: Any) -> None:
        self.values += values
        self.characters += characters
        if self.values > MAX_VALUES or self.characters > MAX_CHARACTERS:
            amount = f"{MAX_VALUES:,} values"
            if self.values <= MAX_VALUES:
                amount = f"{MAX_CHARACTERS:,} characters of text"
            raise _Refused(
                None,
                None,
                f"more than {amount} up to here, counting each alias (*name) as all it "
                "repeats; a whole CV has far fewer (an 'alias bomb'?)",
                mark,
            )


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, with every value that cannot be built (an impossible
    date, a number too long) reported at its place instead of raising a bare exception."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError, LookupError) as error:  # !!bool maybe
            raise _Refused(
                None, None, f"cannot read this value ({error})", node.start_mark
            ) from None

    def construct_yaml_int(self, node: Any) -> Any:
        digits = sum(character.isdigit() for character in str(node.value))
        if digits > MAX_DIGITS:
            raise _Refused(
                None,
                None,
                f"a number of {digits} digits; no value in a CV is that long (write it in "
                "quotes if it is meant as text)",
                node.start_mark,
            )
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        """Dates stay text: cvbuild's own date types check them (and name `2023-02-29` as not
        a real date with the field), and partial dates like `2021-01` read the same way."""
        return str(node.value)


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


# --------------------------------------------------------------------------- files named in YAML

# Virtual file systems: their "files" are the state of the machine (environment, memory,
# devices), never a photo or a .bib, and are not read even when outside paths are allowed.
_SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))


def checked_path(
    content_dir: Path, written: str, what: str, allow_outside: Callable[[], bool]
) -> tuple[Path, str]:
    """The file a content path names (symbolic links followed), and '' or why cvbuild will not
    read it. Checked before anything is opened: a path leading out of the content folder is
    refused unless the content allows it, and only regular files are read (a pipe would block,
    a device never ends)."""
    root = content_dir.resolve()
    path = (root / written).resolve()
    if not path.is_relative_to(root) and not allow_outside():
        if Path(written).is_absolute():
            how = "an absolute path"
        elif Path(os.path.normpath(root / written)).is_relative_to(root):
            how = f"a symbolic link to {path}"
        else:
            how = f"a path to {path}"
        return path, (
            f"{what} {written!r} is {how}, outside the content folder {root}; copy the file "
            "into the content folder, or allow files outside it with "
            "'allow_outside_paths: true' under 'settings'"
        )
    if any(path.is_relative_to(folder) for folder in _SYSTEM_FOLDERS):
        return path, f"{what} {written!r} leads to {path}, a system file; cvbuild never reads it"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return path, f"{what} not found (looked for {path})"
    except OSError as error:
        return path, f"cannot read the {what} {path} ({error.strerror})"
    if not stat.S_ISREG(mode):
        return path, f"{what} {path} is {file_kind(mode)}, not a file"
    return path, ""


def bib_paths(
    spec: models.Bibliography, content_dir: Path, allow_outside: bool | None = None
) -> tuple[list[Path], list[Problem]]:
    """The .bib files to read, each checked as `checked_path` does; problems name the YAML
    position of the file's entry in `bibliography.files`. `allow_outside` is the content's
    setting when the caller has it (else it is read from the YAML, only if needed)."""
    context = _Content(content_dir)
    allows = context.allows_outside if allow_outside is None else lambda: allow_outside
    paths: list[Path] = []
    found: list[tuple[Location, str]] = []
    for index, written in enumerate(spec.files):
        path, message = checked_path(content_dir, written, ".bib file", allows)
        if message:
            found.append((("bibliography", "files", index), message))
        else:
            paths.append(path)
    return paths, [_placed(context.sources(), loc, message) for loc, message in found]


def place_problems(content_dir: Path, found: list[tuple[Location, str]]) -> list[Problem]:
    """Problems found after loading (in the .bib stage) about YAML values, e.g.
    `(("bibliography", "overrides", "smith19"), "...")`, placed at the line of that value."""
    sources = _Content(content_dir).sources() if found else {}
    return [_placed(sources, loc, message) for loc, message in found]


class _Content:
    """The content's YAML, read only when a problem needs a position or a setting."""

    def __init__(self, content_dir: Path):
        self.content_dir = content_dir
        self._sources: dict[str, Source] | None = None

    def sources(self) -> dict[str, Source]:
        if self._sources is None:
            try:
                self._sources, _ = _read_sources(content_files(self.content_dir))
            except InputError:
                self._sources = {}
        return self._sources

    def allows_outside(self) -> bool:
        source = self.sources().get("settings")
        if source is None:
            return False
        try:
            return models.Settings.model_validate(
                _plain(source.node["settings"])
            ).allow_outside_paths
        except ValidationError:
            return False  # the settings' own problems are reported by load_cv


def _placed(sources: dict[str, Source], loc: Location, message: str) -> Problem:
    """A problem about the value at `loc`, placed at the value; at its key when the value is a
    list or mapping (whose first line may be far below)."""
    source = sources.get(str(loc[0]))
    located = _locate(source.node, loc) if source else _Located(_path_of(loc), None, None)
    position = located.key_at if located.is_collection else located.value_at
    line, column = position or (None, None)
    return Problem(message, source.file if source else None, line, column, located.path)


def _path_of(loc: Location) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def _image_problem(path: Path) -> str:
    """'' when pdfTeX can read the photo, else what is wrong with it: checked here so that the
    error names `person.photo` instead of ending in a TeX log."""
    try:
        data = read_regular_file(path)
    except OSError as error:
        return f"cannot read the photo {path} ({error.strerror})"
    if not data:
        return f"the photo {path} is empty"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind, damage = "PNG", _png_damage(data)
    elif data.startswith(b"\xff\xd8"):
        kind, damage = "JPEG", _jpeg_damage(data)
    elif b"%PDF-" in data[:1024]:
        kind, damage = "PDF", _pdf_damage(data)
    else:
        return (
            f"the photo {path} is not a JPEG, PNG or PDF file (it does not start like one); "
            "export it again as JPEG or PNG"
        )
    if damage:
        return f"the photo {path} is a damaged {kind} file ({damage}); export it again"
    return ""


def _png_damage(data: bytes) -> str:
    position, chunks = 8, []
    while position + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if end > len(data):
            return "it ends in the middle of its data; it was cut off"
        (checksum,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[position + 4 : end - 4]) != checksum:
            return f"a wrong checksum in its {kind.decode('latin-1')!r} part"
        chunks.append(kind)
        position = end
        if kind == b"IEND":
            break
    if not chunks or chunks[0] != b"IHDR":
        return "no image header"
    if chunks[-1] != b"IEND":
        return "no end marker; it was cut off"
    if b"IDAT" not in chunks:
        return "no image data"
    return ""


_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_damage(data: bytes) -> str:
    """Walks the segments up to the image data, as pdfTeX does to find the size."""
    position, has_frame = 2, False
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return "a segment marker is missing"
        marker = data[position + 1]
        if marker == 0xFF or marker == 0x01 or 0xD0 <= marker <= 0xD8:
            position += 1 if marker == 0xFF else 2
            continue
        if marker == 0xD9:
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2 or position + 2 + length > len(data):
            return "it ends in the middle of its header; it was cut off"
        if marker in _JPEG_FRAMES:
            if length < 8:
                return "a broken image header"
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            if not height or not width:
                return "an image size of 0"
            has_frame = True
        if marker == 0xDA:  # start of the image data
            if not has_frame:
                return "no image header"
            if b"\xff\xd9" not in data[position:]:
                return "no end marker; it was cut off"
            return ""
        position += 2 + length
    return "no image data; it was cut off" if has_frame else "no image header"


def _pdf_damage(data: bytes) -> str:
    if b"%%EOF" not in data[-2048:] or b"startxref" not in data[-4096:]:
        return "no end of file marker; it was cut off"
    return ""


# --------------------------------------------------------------------------- error positions

_ALL_FIELD_NAMES: set[str] = set()


def _collect_field_names(model: type[BaseModel], seen: set[type] | None = None) -> None:
    seen = seen if seen is not None else set()
    if model in seen:
        return
    seen.add(model)
    for name, field in model.model_fields.items():
        _ALL_FIELD_NAMES.add(name)
        for sub in _models_in(field.annotation):
            _collect_field_names(sub, seen)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_models_in(arg))
    meta = getattr(annotation, "__metadata__", None)
    if meta is not None:
        found.extend(_models_in(getattr(annotation, "__origin__", None)))
    return found


@dataclass(frozen=True)
class _Located:
    path: str  # e.g. sections[3].terms[0].term
    key_at: tuple[int, int] | None  # 1-based line, column of the last key found
    value_at: tuple[int, int] | None  # ... and of its value
    is_collection: bool = False  # the value is a list or mapping


def _locate(file_node: Any, loc: tuple[Any, ...]) -> _Located:
    """Walk a pydantic error location through the ruamel tree of the file.

    Pydantic puts union tags (a section's `kind`) and validator names into locations; those
    are skipped. Parts not in the file (a missing key) are still named in the path.
    """
    node: Any = file_node
    key_at = value_at = None
    path = ""
    previous: Any = None
    for part in loc:
        is_tag = (
            isinstance(previous, int)
            and isinstance(node, CommentedMap)
            and node.get("kind") == part
        )
        previous = part
        if is_tag:
            continue  # the union tag pydantic adds after a section's index
        if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
            key_at = _one_based(_key_position(node, part)) or key_at
            value_at = _one_based(_value_position(node, part)) or value_at
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            key_at = value_at = _one_based(_item_position(node, part)) or value_at
            node = node[part]
        elif isinstance(part, str) and (
            part.startswith(("function-", "literal[")) or part in _TYPE_TAGS
        ):
            continue
        else:
            node = None
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return _Located(path, key_at, value_at, isinstance(node, CommentedMap | CommentedSeq))


_TYPE_TAGS = {"str", "int", "list", "dict", "bool", "float", "list[int]", "list[str]"}


def _key_position(node: CommentedMap, key: Any) -> tuple[int, int] | None:
    """0-based line and column of a key; for a key merged in with `<<: *name`, where it
    stands in the merged mapping."""
    return _position(node, key, 0)


def _value_position(node: CommentedMap, key: Any) -> tuple[int, int] | None:
    return _position(node, key, 2)


def _position(node: CommentedMap, key: Any, offset: int) -> tuple[int, int] | None:
    found = (node.lc.data or {}).get(key)  # no data in a collection with a tag (!!omap)
    if found is not None:
        return found[offset], found[offset + 1]
    for merged in getattr(node, merge_attrib, ()):
        if isinstance(merged, CommentedMap) and key in merged:
            return _position(merged, key, offset)
    return None


def _item_position(node: CommentedSeq, index: int) -> tuple[int, int] | None:
    found = (node.lc.data or {}).get(index)
    return (found[0], found[1]) if found is not None else None


def _one_based(position: tuple[int, int] | None) -> tuple[int, int] | None:
    return (position[0] + 1, position[1] + 1) if position else None


def _problems_from(
    exc: ValidationError, sources: dict[str, Source], content_dir: Path
) -> list[Problem]:
    if not _ALL_FIELD_NAMES:
        _collect_field_names(models.CV)
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, ContentError):  # checks across fields, each with its place
            problems += [
                _placed(sources, (*loc, *where), message) for where, message in cause.found
            ]
            continue
        source = sources.get(str(loc[0])) if loc else None
        if source is None:
            if error["type"] == "missing" and len(loc) == 1:
                message = (
                    f"required key '{loc[0]}' is missing: no .yaml file in {content_dir} has it"
                )
            else:
                message = _message(error, loc)
            problems.append(Problem(message, field=_path_of(loc)))
            continue
        located = _locate(source.node, loc)
        if error["type"] in ("extra_forbidden", "missing"):
            position = located.key_at
        else:
            position = located.value_at
        message = _message(error, loc)
        line, column = position if position else (None, None)
        key = (source.file, line, column, message)
        if key in seen:
            continue
        seen.add(key)
        problems.append(Problem(message, source.file, line, column, located.path))
    return problems


def _message(error: ErrorDetails, loc: tuple[Any, ...]) -> str:
    kind = error["type"]
    found = error.get("input")
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        others = sorted(_ALL_FIELD_NAMES - {name})
        close = difflib.get_close_matches(name, others, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        if name in _ALL_FIELD_NAMES and not close:
            hint = "; that key belongs to other parts of the content, not to this one"
        if len(loc) == 1 and not close:
            keys = ", ".join(models.CV.model_fields)
            hint = (
                f"; top-level keys are {keys}, and names starting with "
                f"'{models.TEMPLATE_PREFIX}' for blocks kept only to be merged (<<: *name)"
            )
        return f"unknown key '{name}'{hint}"
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing"
    if kind == "literal_error":
        return f"expected one of {error['ctx']['expected']}, found {shown(found)}"
    if kind == "union_tag_invalid":
        return f"unknown section kind {error['ctx']['tag']!r}; expected {error['ctx']['expected_tags']}"
    if kind == "union_tag_not_found":
        return "each section needs a 'kind' (bio, experience, education, teaching, ...)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind in ("value_error", "assertion_error"):
        return message
    return f"{message[0].lower()}{message[1:]}, found {shown(found)}"
