"""Skip a build whose inputs are byte for byte those of the last successful one.

Checked before the pipeline is even imported, so an unchanged rebuild costs a few file hashes
instead of loading, rendering and asking latexmk. The stamp in the variant's build directory
lists every input file with its hash (content YAML, .bib files, the photo, latex/ files,
cvbuild's own code) and the options of the build; any difference means a real build.

The hashes are those of the files as the build read them: taken before reading, and kept only
if no file was written to while the build ran. A save during a build leaves no stamp, so the
next run builds again instead of calling the PDF "unchanged".
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
    """Inputs known without reading the content: its YAML files, latex/ and cvbuild's own files
    (code and data such as locales, in subpackages too; not the starter files of `init`)."""
    package = [
        path
        for path in CODE_DIR.rglob("*")
        if path.suffix in (".py", ".yaml", ".sty")
        and not {"__pycache__", "starter"} & set(path.relative_to(CODE_DIR).parts)
    ]
    return sorted(
        {
            *content_dir.glob("*.yaml"),
            *content_dir.glob("*.yml"),
            *LATEX_DIR.glob("*.sty"),
            *LATEX_DIR.glob("*.lua"),
            *package,
        }
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
        if any(_digest(Path(p)) != digest for p, digest in stamp.get("images", {}).items()):
            return None  # a PNG page was deleted or changed
        return Stamp(stamp["pages"], tuple(stamp["report"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def recorded_inputs(build_dir: Path) -> set[Path]:
    """The input files the last successful build of this dir read (empty if none is known)."""
    try:
        files = json.loads((build_dir / STAMP).read_text(encoding="utf-8"))["files"]
        return {Path(name) for name in files} if isinstance(files, dict) else set()
    except (OSError, ValueError, KeyError, TypeError):
        return set()


@dataclass(frozen=True)
class Seen:
    """Input files as they were before a build read them: hash and file-system state, by path.
    The state (inode, size, modification and change times) differs after any write."""

    files: tuple[tuple[str, str, tuple[int, ...]], ...] = ()

    def and_also(self, paths: list[Path]) -> Seen:
        """The look extended to more files (known once the YAML is read, before they are)."""
        known = {path for path, _, _ in self.files}
        names = sorted({str(p.resolve()) for p in paths} - known)
        return Seen(self.files + tuple((n, _digest(Path(n)), _state(Path(n))) for n in names))


def before_reading(content_dir: Path, build_dirs: list[Path]) -> Seen:
    """Look at the inputs before the build reads them: the content's YAML, latex/ and code, and
    the files the last builds of these dirs read (their .bib files and photo)."""
    paths = [*fixed_inputs(content_dir)]
    for build_dir in build_dirs:
        paths += recorded_inputs(build_dir)
    return Seen().and_also(paths)


def record(
    build_dir: Path,
    key: str,
    seen: Seen,
    inputs: list[Path],
    output: Path,
    stamp: Stamp,
    images: tuple[Path, ...] = (),
) -> list[Path]:
    """Stamp the build with the hashes its inputs had when it read them; returns the inputs
    written to since (then no stamp is written, so that the next run builds again)."""
    known = {path: (digest, state) for path, digest, state in seen.files}
    files: dict[str, str] = {}
    changed = []
    for path in inputs:
        name = str(path.resolve())
        digest, state = known.get(name, ("", ()))
        if name not in known or _state(path) != state:
            changed.append(path)
        files[name] = digest
    if changed:
        return changed
    data = {
        "key": key,
        "files": files,
        "pdf": _digest(output),
        "images": {str(p.resolve()): _digest(p) for p in images},
        "pages": stamp.pages,
        "report": list(stamp.report),
    }
    temporary = build_dir / f"{STAMP}.{os.getpid()}.tmp"
    try:
        temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(temporary, build_dir / STAMP)
    except OSError:  # a full disk: the next run builds again, nothing worse
        temporary.unlink(missing_ok=True)
    return []


def forget(build_dir: Path) -> None:
    """Drop the stamp (before a build starts, so a failed build is never skipped later)."""
    (build_dir / STAMP).unlink(missing_ok=True)


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def _state(path: Path) -> tuple[int, ...]:
    try:
        return file_state(path.stat())
    except OSError:
        return ()


def file_state(info: os.stat_result) -> tuple[int, ...]:
    """What changes whenever a file's bytes do: a write sets its mtime and ctime, a new file
    has a new inode (device, inode, size, mtime, ctime)."""
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


# --------------------------------------------------------------------------- parse results

# Results of reading inputs that did not change since (the .bib files' publications), kept in
# the user's cache: one file per place (a content folder's bibliography), holding the key of
# what it was made from and the result. A damaged, unreadable or foreign entry is ignored.
RESULTS_FORMAT = "cvbuild-results-1"


def results_dir() -> Path:
    from cvbuild.fmtcache import format_cache

    return format_cache() / "parsed"


def code_digest() -> str:
    """What the code making a result is: cvbuild's version and the bytes of its modules, and
    where the parsers it uses are installed and when (an upgrade rewrites them). A result made
    by other code is never taken."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        import importlib.util

        digest = hashlib.sha256(f"{RESULTS_FORMAT} {__version__}".encode())
        for path in sorted(CODE_DIR.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        for library in _PARSERS:  # found without importing them
            spec = importlib.util.find_spec(library)
            origin = spec.origin if spec and spec.origin else ""
            digest.update(f"{library} {origin} {_state(Path(origin)) if origin else ()}".encode())
        _CODE_DIGEST = digest.hexdigest()
    return _CODE_DIGEST


_PARSERS = ("bibtexparser", "pylatexenc", "yaml", "ruamel.yaml")


_CODE_DIGEST: str | None = None


def remembered(place: str, key: str) -> object | None:
    """The result stored for `place` when it was made from `key`, else None."""
    import pickle

    try:
        stored = pickle.loads((results_dir() / f"{_name(place)}.pickle").read_bytes())
    except Exception:  # missing, cut off, written by other code: read the inputs again
        return None
    if not isinstance(stored, tuple) or len(stored) != 2 or stored[0] != key:
        return None
    result: object = stored[1]
    return result


def remember(place: str, key: str, result: object) -> None:
    """Store `result` for `place` (replacing what was there: one entry per place); a cache that
    cannot be written is no error."""
    import pickle

    from cvbuild.files import replace_with_bytes

    try:
        folder = results_dir()
        folder.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps((key, result), protocol=pickle.HIGHEST_PROTOCOL)
        replace_with_bytes(data, folder / f"{_name(place)}.pickle", durable=False)
    except (OSError, pickle.PicklingError):
        pass


def _name(place: str) -> str:
    return hashlib.sha256(place.encode("utf-8")).hexdigest()[:32]
