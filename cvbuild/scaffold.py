"""`cvbuild init`: a new content folder that builds at once, from the files in `starter/`."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from cvbuild.errors import InputError, Problem
from cvbuild.resources import STARTER_DIR


def split_name(name: str) -> tuple[str, str]:
    """'Ada King Lovelace' → ('Ada King', 'Lovelace'): the last word is the family name."""
    words = name.split()
    if len(words) < 2:
        raise InputError([Problem(f"--name needs given and family name, found {name!r}")])
    return " ".join(words[:-1]), words[-1]


def create(directory: Path, name: str) -> list[Path]:
    """Write the starter files into `directory` (new or empty of YAML), named for `name`."""
    given, family = split_name(name)
    if directory.exists() and any(directory.glob("*.y*ml")):
        raise InputError(
            [Problem(f"{directory} already holds YAML files; init writes only into a new folder")]
        )
    directory.mkdir(parents=True, exist_ok=True)
    ascii_name = unicodedata.normalize("NFKD", f"{given}.{family}").encode("ascii", "ignore")
    email = re.sub(r"[^a-z.-]+", "", ascii_name.decode().lower()) or "me"
    yaml_values = {  # JSON strings are valid YAML scalars, whatever the name holds
        "__GIVEN__": json.dumps(given, ensure_ascii=False),
        "__FAMILY__": json.dumps(family, ensure_ascii=False),
        "__OWNER__": json.dumps(f"{family}, {given}", ensure_ascii=False),
        "__EMAIL__": f"{email}@example.org",
    }
    text_values = {"__GIVEN__": given, "__FAMILY__": family}
    written = []
    for template in sorted(STARTER_DIR.iterdir()):
        text = template.read_text(encoding="utf-8")
        if template.suffix == ".yaml":
            text = re.sub(r"(?<=: )__\w+__$", lambda m: yaml_values[m.group()], text, flags=re.M)
            text = re.sub(r"(?<=\[)__OWNER__(?=\])", yaml_values["__OWNER__"], text)
        for token, value in text_values.items():
            text = text.replace(token, value)
        target = directory / template.name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    schema = directory / "cvbuild.schema.json"
    schema.write_text(schema_text(), encoding="utf-8")
    return [*written, schema]


def schema_text() -> str:
    from cvbuild.models import CV

    return json.dumps(CV.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
