"""Stage 1a: read the content folder's YAML files into a validated `CV`.

YAML is read with ruamel's round-trip loader, which remembers where every key and item stood,
so each validation error is reported as `file:line:column: field.path: message`, all at once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from cvbuild import models
from cvbuild.errors import InputError, Problem
from cvbuild.repertoire import unprintable


@dataclass(frozen=True)
class Source:
    """Where one top-level key of the content came from: its file and that file's mapping."""

    file: Path
    node: Any


def content_files(content_dir: Path) -> list[Path]:
    if not content_dir.is_dir():
        raise InputError([Problem(f"content folder not found (looked for {content_dir})")])
    files = sorted(  # not hidden files (editor locks .#x.yaml, macOS ._x.yaml) or folders
        p for p in [*content_dir.glob("*.yaml"), *content_dir.glob("*.yml")]
        if p.is_file() and not p.name.startswith(".")
    )  # fmt: skip
    if not files:
        raise InputError([Problem(f"no .yaml files in the content folder {content_dir}")])
    return files


def load_cv(content_dir: Path) -> models.CV:
    """Read every `*.yaml` in `content_dir`, merge their top-level keys, validate."""
    sources, problems = _read_sources(content_files(content_dir))
    if problems:
        raise InputError(problems)
    problems = _character_problems(sources)
    data = {key: _plain(source.node[key]) for key, source in sources.items()}
    try:
        cv = models.CV.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems + _problems_from(exc, sources)) from None
    if cv.person.photo:
        photo = (content_dir / cv.person.photo).resolve()
        if not photo.is_file():
            located = _locate(sources["person"].node, ("person", "photo"))
            line, column = located.value_at or (None, None)
            problems.append(
                Problem(
                    f"photo not found (looked for {photo})",
                    sources["person"].file,
                    line,
                    column,
                    "person.photo",
                )
            )
        # the renderer gets the file itself, wherever the build runs
        cv = cv.model_copy(update={"person": cv.person.model_copy(update={"photo": str(photo)})})
    if problems:
        raise InputError(problems)
    return cv


def _character_problems(sources: dict[str, Source]) -> list[Problem]:
    """Characters no TeX engine cvbuild uses can print (CJK, emoji, ...), found before TeX."""
    problems = []
    for key, source in sources.items():
        for path, text, position in _strings(source.node[key], key, source.node.lc.value(key)):
            for _, description in unprintable(text):
                problems.append(
                    Problem(
                        f"character {description} cannot be printed (cvbuild prints Latin, "
                        "Greek and Cyrillic script and common symbols)",
                        source.file,
                        position[0] + 1,
                        position[1] + 1,
                        path,
                    )
                )
    return problems


def _strings(node: Any, path: str, position: tuple[int, int]) -> Iterator[tuple[str, str, Any]]:
    """Every string in a ruamel tree with its field path and 0-based (line, column)."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}", node.lc.value(key))
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}[{index}]", node.lc.item(index))
    elif isinstance(node, str):
        yield path, str(node), position


def bibliography_spec(content_dir: Path) -> models.Bibliography | None:
    """The `bibliography` key alone, when it is valid: lets `cvbuild validate` check the .bib
    files even when other parts of the content have errors."""
    sources, problems = _read_sources(content_files(content_dir))
    if problems or "bibliography" not in sources:
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
        try:
            data = YAML(typ="safe").load(file.read_text(encoding="utf-8"))
        except (MarkedYAMLError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and isinstance(data.get("variants"), dict):
            names += [str(name) for name in data["variants"]]
    return names or ["full"]


def section_position(content_dir: Path, section_id: str) -> tuple[Path | None, int | None]:
    """File and line of the section with this id (for pointing at it after a TeX error)."""
    pattern = re.compile(rf"^\s*(?:-\s+)?id:\s*['\"]?{re.escape(section_id)}['\"]?\s*(?:#.*)?$")
    for file in content_files(content_dir):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.match(line):
                return file, number
    return None, None


def _read_sources(files: list[Path]) -> tuple[dict[str, Source], list[Problem]]:
    sources: dict[str, Source] = {}
    problems: list[Problem] = []
    for file in files:
        try:
            node = YAML(typ="rt").load(file.read_text(encoding="utf-8"))
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            what = " ".join(p for p in (exc.context, exc.problem) if p)
            problems.append(
                Problem(
                    f"YAML syntax error: {what}",
                    file,
                    mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None,
                )
            )
            continue
        except UnicodeDecodeError as exc:
            problems.append(Problem(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file))
            continue
        if node is None:
            continue
        if not isinstance(node, CommentedMap):
            problems.append(Problem("expected a mapping of keys at the top level", file, 1, 1))
            continue
        for key in node:
            if key in sources:
                line, col = node.lc.key(key)
                problems.append(
                    Problem(
                        f"top-level key also defined in {sources[key].file.name}",
                        file,
                        line + 1,
                        col + 1,
                        str(key),
                    )
                )
            else:
                sources[str(key)] = Source(file, node)
    return sources, problems


def _plain(node: Any) -> Any:
    """ruamel containers → plain dicts/lists; scalars stay (dates become ISO strings)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if hasattr(node, "isoformat") and not isinstance(node, str):
        return node.isoformat()
    return node


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
            line, col = node.lc.key(part)
            key_at = (line + 1, col + 1)
            vline, vcol = node.lc.value(part)
            value_at = (vline + 1, vcol + 1)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line, col = node.lc.item(part)
            key_at = value_at = (line + 1, col + 1)
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
    return _Located(path, key_at, value_at)


_TYPE_TAGS = {"str", "int", "list", "dict", "bool", "float", "list[int]", "list[str]"}


def _problems_from(exc: ValidationError, sources: dict[str, Source]) -> list[Problem]:
    if not _ALL_FIELD_NAMES:
        _collect_field_names(models.CV)
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        source = sources.get(str(loc[0])) if loc else None
        source = source or next(iter(sources.values()))
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


def _message(error: dict[str, Any], loc: tuple[Any, ...]) -> str:
    kind = error["type"]
    found = error.get("input")
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        close = difflib.get_close_matches(name, sorted(_ALL_FIELD_NAMES), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown key '{name}'{hint}"
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing"
    if kind == "literal_error":
        return f"expected one of {error['ctx']['expected']}, found {found!r}"
    if kind == "union_tag_invalid":
        return f"unknown section kind {error['ctx']['tag']!r}; expected {error['ctx']['expected_tags']}"
    if kind == "union_tag_not_found":
        return "each section needs a 'kind' (bio, experience, education, teaching, ...)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind in ("value_error", "assertion_error"):
        return message
    return f"{message[0].lower()}{message[1:]}, found {found!r}"
