"""`cvbuild init`: a new content folder that builds at once, from the files in `starter/`."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from cvbuild import outputs
from cvbuild.errors import InputError, Problem
from cvbuild.fields import LANGUAGE_TAG
from cvbuild.resources import STARTER_DIR

SCHEMA_NAME = "cvbuild.schema.json"


def split_name(name: str) -> tuple[str, str]:
    """'Ada King Lovelace' → ('Ada King', 'Lovelace'): the last word is the family name."""
    words = name.split()
    if len(words) < 2:
        raise InputError([Problem(f"--name needs given and family name, found {name!r}")])
    return " ".join(words[:-1]), words[-1]


def create(directory: Path, name: str, *, force: bool = False, language: str = "en") -> list[Path]:
    """Write the starter files into `directory`, named for `name`, in `language` (the content's
    `settings.language` and the titles of the locale's `starter` table). An existing file is
    never replaced without `force` (it may be the user's CV), and a folder holding other YAML
    files is refused (they would be merged into the new content)."""
    given, family = split_name(name)
    files = {**_starter_texts(given, family, language), SCHEMA_NAME: schema_text()}
    others = sorted(
        p.name for p in _yaml_files(directory) if p.name not in files
    )  # the loader would read these too
    if others:
        raise InputError(
            [Problem(f"{directory} already holds other YAML files ({', '.join(others)}) that "
                     "would become part of the new CV; init into a new folder")]
        )  # fmt: skip
    found = [
        outputs.refusal(
            directory / file_name,
            inputs=list,
            ours=lambda path: path.name == SCHEMA_NAME and outputs.is_cvbuild_schema(path),
            force=force,
            exists="it already exists",
        )
        for file_name in files
    ]
    outputs.refuse([r for r in found if r], "init into a new folder")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, text in files.items():
        outputs.write_file(directory / file_name, text.encode("utf-8"))
        written.append(directory / file_name)
    return written


def _yaml_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return [
        p for p in directory.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith(".")
    ]  # fmt: skip


def _starter_texts(given: str, family: str, language: str = "en") -> dict[str, str]:
    """The starter files with the name and language filled in, by file name."""
    from cvbuild.locale import locale_for

    titles = locale_for(language).starter
    ascii_name = unicodedata.normalize("NFKD", f"{given}.{family}").encode("ascii", "ignore")
    email = re.sub(r"[^a-z.-]+", "", ascii_name.decode().lower()) or "me"
    yaml_values = {  # JSON strings are valid YAML scalars, whatever the name holds
        "__GIVEN__": json.dumps(given, ensure_ascii=False),
        "__FAMILY__": json.dumps(family, ensure_ascii=False),
        "__OWNER__": json.dumps(f"{family}, {given}", ensure_ascii=False),
        "__EMAIL__": f"{email}@example.org",
    }
    text_values = {"__GIVEN__": given, "__FAMILY__": family}
    texts = {}
    for template in sorted(p for p in STARTER_DIR.iterdir() if p.is_file()):
        text = template.read_text(encoding="utf-8")
        if template.suffix == ".yaml":
            text = re.sub(r"(?<=: )__\w+__$", lambda m: yaml_values[m.group()], text, flags=re.M)
            text = re.sub(r"(?<=\[)__OWNER__(?=\])", yaml_values["__OWNER__"], text)
        for token, value in text_values.items():
            text = text.replace(token, value)
        if template.suffix == ".yaml":
            text = re.sub(r"^(  language: )en$", rf"\g<1>{language}", text, flags=re.M)
            text = re.sub(
                r"(\btitle: )([^,}\n#]+?)(?=\s*(?:[,}]|#|$))",
                lambda m: m[1] + titles.get(m[2], m[2]),
                text,
                flags=re.M,
            )
        texts[template.name] = text
    return texts


def schema_text() -> str:
    from cvbuild.models import CV

    schema = _translatable(CV.model_json_schema())
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _translatable(node: Any) -> Any:
    """Every free-text string of the schema may also be written in several languages,
    `{en: ..., de: ...}`, as the models accept (cvbuild.fields); strings with a pattern (ids,
    links, dates, language tags) and fixed values stay as they are."""
    if isinstance(node, list):
        return [_translatable(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "string" and not {"pattern", "const", "enum", "format"} & set(node):
        texts = {
            "type": "object",
            "description": "The text in several languages, e.g. {en: Teaching, de: Lehre}.",
            "propertyNames": {"pattern": LANGUAGE_TAG.pattern},
            "additionalProperties": {"type": "string", "minLength": node.get("minLength", 0)},
            "minProperties": 1,
        }
        return {"anyOf": [node, texts]}
    return {key: _translatable(value) for key, value in node.items()}
