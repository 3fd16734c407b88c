"""Skip a build whose inputs are byte for byte those of the last successful one.

Checked before the pipeline is even imported, so an unchanged rebuild costs a few file hashes
instead of loading, rendering and asking latexmk. The stamp in the variant's build directory
lists every input file with its hash (content YAML, .bib files, latex/ files, cvbuild's own
code) and the options of the build; any difference means a real build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cvbuild import __version__
from cvbuild.resources import LATEX_DIR

STAMP = ".cvbuild-stamp.json"
CODE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Stamp:
    pages: int
    report: tuple[str, ...]  # what the build printed (counts, warnings), shown again on a skip


def options_key(
    content_dir: Path, variant: str, output: Path, pdf_a: bool | None, png: bool
) -> str:
    """Everything besides the files that shapes the PDF; the date only matters for CVs without
    an as-of date, but is cheap to include."""
    return json.dumps(
        [__version__, str(content_dir.resolve()), variant, str(output.resolve()), pdf_a, png,
         dt.date.today().isoformat()]
    )  # fmt: skip


def fixed_inputs(content_dir: Path) -> list[Path]:
    """Inputs known without reading the content: its YAML files, latex/ and cvbuild's code."""
    return sorted(
        [
            *content_dir.glob("*.yaml"),
            *content_dir.glob("*.yml"),
            *LATEX_DIR.glob("*.sty"),
            *CODE_DIR.glob("*.py"),
        ]
    )


def up_to_date(build_dir: Path, key: str, content_dir: Path, output: Path) -> Stamp | None:
    """The last build's stamp when nothing changed and its PDF is still in place, else None."""
    try:
        stamp = json.loads((build_dir / STAMP).read_text(encoding="utf-8"))
        if stamp["key"] != key or not output.exists():
            return None
        files = {str(p.resolve()) for p in fixed_inputs(content_dir)} | set(stamp["files"])
        if files != set(stamp["files"]):
            return None  # a content file appeared or disappeared
        if any(_digest(Path(f)) != stamp["files"][f] for f in files):
            return None
        if _digest(output) != stamp["pdf"]:
            return None
        return Stamp(stamp["pages"], tuple(stamp["report"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record(build_dir: Path, key: str, inputs: list[Path], output: Path, stamp: Stamp) -> None:
    data = {
        "key": key,
        "files": {str(p.resolve()): _digest(p) for p in inputs},
        "pdf": _digest(output),
        "pages": stamp.pages,
        "report": list(stamp.report),
    }
    temporary = build_dir / f"{STAMP}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temporary, build_dir / STAMP)


def forget(build_dir: Path) -> None:
    """Drop the stamp (before a build starts, so a failed build is never skipped later)."""
    (build_dir / STAMP).unlink(missing_ok=True)


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"
