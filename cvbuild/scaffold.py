"""`cvbuild init`: a new content folder that builds at once, from the files in `starter/`."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from cvbuild import outputs
from cvbuild.errors import InputError, Problem
from cvbuild.resources import STARTER_DIR

SCHEMA_NAME = "cvbuild.schema.json"


def split_name(name: str) -> tuple[str, str]:
    """'Ada King Lovelace' → ('Ada King', 'Lovelace'): the last word is the family name."""
    words = name.split()
    if len(words) < 2:
        raise InputError([Problem(f"--name needs given and family name, found {name!r}")])
    return " ".join(words[:-1]), words[-1]


def create(directory: Path, name: str, *, force: bool = False) -> list[Path]:
    """Write the starter files into `directory`, named for `name`. An existing file is never
    replaced without `force` (it may be the user's CV), and a folder holding other YAML files
    is refused (they would be merged into the new content)."""
    given, family = split_name(name)
    files = {**_starter_texts(given, family), SCHEMA_NAME: schema_text()}
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


def _starter_texts(given: str, family: str) -> dict[str, str]:
    """The starter files with the name filled in, by file name."""
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
        texts[template.name] = text
    return texts


def schema_text() -> str:
    from cvbuild.models import CV

    return json.dumps(CV.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
