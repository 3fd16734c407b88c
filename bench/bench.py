"""cvbuild's speed against its targets (issue 20), measured in one invocation.

Run as `bench/run [--runs N] [--peer COMMAND]` (or `make bench`). Works on copies of the shipped
content in a temporary folder with its own caches (XDG_CACHE_HOME), so nothing of yours is
touched or reused. Prints medians in seconds; each target with its figure, the ratio where the
target is one, and MET or MISSED.

The peer is RenderCV rendering the same CV (/work/shared/peers/rendercv, or --peer): taken from
$RENDERCV, bench/.peer-venv/bin/rendercv (`python3 -m venv bench/.peer-venv &&
bench/.peer-venv/bin/pip install 'rendercv[full]==2.3' click`) or PATH; timed in the same run.
Without it, ratios use RenderCV's figure from its README (1.3 s), and say so.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CVBUILD = [sys.executable, "-m", "cvbuild"]
PEER_DIR = Path(os.environ.get("CVBUILD_PEER_DIR", "/work/shared/peers/rendercv"))
PEER_README_SECONDS = 1.3  # RenderCV's own README, 2-core machine, whole process
REAL_BIBS = sorted((ROOT / "tests" / "data" / "bib").glob("*.bib"))
_PASS_LINE = re.compile(r"^\s+(pdflatex|lualatex) \d+\s", re.M)
# Runs a command and prints the peak resident memory of its largest process (kB), for the
# 1,000-entry build (TeX, biber and cvbuild itself are each a process).
_MAXRSS = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stdout.write(done.stdout + done.stderr)\n"
    "print('maxrss', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)


def median_time(action: Callable[[], object], runs: int, prepare: Callable[[], object] = lambda: None) -> float:  # fmt: skip
    times = []
    for _ in range(runs):
        prepare()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def paired(
    action: Callable[[], object],
    prepare: Callable[[], object],
    peer: Callable[[], float],
    runs: int,
) -> tuple[float, float]:
    """Medians of cvbuild and of the peer, their runs taken in turns: on a machine whose load
    changes (shared CI, other jobs) both see the same conditions."""
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(median_time(action, 1, prepare))
        theirs.append(peer())
    return statistics.median(ours), statistics.median(theirs)


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, errors="replace"
    )
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout + done.stderr


class Workspace:
    """A copy of the shipped content (or of it with another .bib), its build folder and its own
    caches (formats, biber output)."""

    def __init__(self, root: Path, bib: str | None = None, extra: str = ""):
        self.root = root
        shutil.copytree(ROOT / "content", root / "content")
        shutil.copytree(ROOT / "bib", root / "bib")
        if bib is not None:
            (root / "bib" / "publications.bib").write_text(bib, encoding="utf-8")
        self.content = root / "content"
        self.env = {**os.environ, "XDG_CACHE_HOME": str(root / "cache"), "PYTHONPATH": str(ROOT)}
        self.edits = 0
        self.extra = extra  # added to a printed title: a letter that decides the engine
        self.output = ""
        self.edit_text_field()

    def build(self) -> None:
        self.output = run([*CVBUILD, "pdf", "--variant", "full", "--content", str(self.content),
                           "--out-dir", str(self.root / "out"),
                           "--build-dir", str(self.root / "build")], ROOT, self.env)  # fmt: skip

    def build_measuring_memory(self) -> int:
        """Peak resident memory (kB) of the largest process of one build."""
        command = [sys.executable, "-c", _MAXRSS, *CVBUILD, "pdf", "--variant", "full",
                   "--content", str(self.content), "--out-dir", str(self.root / "out"),
                   "--build-dir", str(self.root / "build")]  # fmt: skip
        self.output = run(command, ROOT, self.env)
        return int(self.output.rsplit("maxrss", 1)[1].split()[0])

    def passes(self) -> int:
        """TeX passes the last build ran (its stage lines)."""
        return len(_PASS_LINE.findall(self.output))

    def engine(self) -> str:
        """The document's engine: the last pass's (a cold build's first pass, which only
        writes biber's input, is pdflatex's for either engine)."""
        found = _PASS_LINE.findall(self.output)
        return found[-1] if found else "none"

    def forget_builds(self) -> None:
        shutil.rmtree(self.root / "build", ignore_errors=True)

    def forget_caches(self) -> None:
        shutil.rmtree(self.root / "cache", ignore_errors=True)

    def cold(self) -> None:
        self.forget_builds()
        self.forget_caches()

    def edit_text_field(self) -> None:
        """Change one word of the first role's title (printed in the full CV); no page break or
        number moves."""
        self.edits += 1
        sections = self.content / "sections.yaml"
        text = sections.read_text(encoding="utf-8")
        text = re.sub(rf"Research Group Leadership(?:{re.escape(self.extra)})?( \(edit \d+\))?",
                      f"Research Group Leadership{self.extra} (edit {self.edits})", text, count=1)  # fmt: skip
        sections.write_text(text, encoding="utf-8")

    def add_bib_entry(self) -> None:
        self.edits += 1
        bib = self.root / "bib" / "publications.bib"
        entry = (
            f"\n@article{{bench{self.edits}, author = {{Lapuschkin, S and Doe, J}},\n"
            f"  title = {{Benchmark Entry {self.edits}}}, journal = {{Journal of Tests}},\n"
            f"  year = {{2023}}, doi = {{10.1000/bench.{self.edits}}}, keywords = {{}}}}\n"
        )
        bib.write_text(bib.read_text(encoding="utf-8") + entry, encoding="utf-8")


def real_world_bib(count: int) -> str:
    """`count` entries from the real exports in tests/data/bib (DBLP, Scholar, Zotero, Better
    BibTeX, Mendeley, JabRef, ADS, Cyrillic, patents), repeated as often as needed: each copy
    gets new keys (crossrefs follow) and its titles a "Copy N:" prefix, so none is a duplicate."""
    chunks = []
    for path in REAL_BIBS:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"@(\w+)\s*\{\s*([^,\s]+)\s*,(.*?)(?=\n@|\Z)", text, re.S):
            if match[1].lower() not in ("string", "preamble", "comment"):
                chunks.append((match[1], match[2], match[3]))
    entries: list[str] = []
    copy = 0
    while len(entries) < count:
        for kind, key, body in chunks[: count - len(entries)]:
            if copy:
                body = re.sub(r"(\btitle\s*=\s*[{\"])", rf"\g<1>Copy {copy}: ", body, count=1,
                              flags=re.I)  # fmt: skip
            body = re.sub(r"(\bcrossref\s*=\s*[{\"])([^}\"]+)", rf"\g<1>\g<2>x{copy}", body,
                          flags=re.I)  # fmt: skip
            entries.append(f"@{kind}{{{key}x{copy},{body}\n")
        copy += 1
    return "".join(entries)


_STAGES = """
import sys, time
from pathlib import Path
from cvbuild.compose import compose
from cvbuild.dates import PartialDate
from cvbuild.pipeline import load_content
from cvbuild.select import select
from cvbuild.writers import latex
started = time.perf_counter()
cv, publications = load_content(Path(sys.argv[1]))
latex.write(compose(select(cv, publications, "full", PartialDate(2026, 1, 1)), publications))
print(time.perf_counter() - started)
"""


def python_stages(content: Path, runs: int, cached: bool = False) -> float:
    """load + select + compose + write, each run in a fresh process with an empty cache
    (nothing remembered from the run before), imports excluded (the CLI pays them once,
    whatever the list's length). `cached`: with the .bib's publications in the cache, as in a
    build after an edit of the YAML."""
    times = []
    with tempfile.TemporaryDirectory(prefix="cvbuild-bench-cache-") as cache:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": cache}
        command = [sys.executable, "-c", _STAGES, str(content)]
        if cached:
            run(command, ROOT, env)
        for _ in range(runs):
            if not cached:
                shutil.rmtree(Path(cache) / "cvbuild", ignore_errors=True)
            times.append(float(run(command, ROOT, env).split()[-1]))
    return statistics.median(times)


def shipped_bib() -> tuple[str, int]:
    """The shipped .bib and its number of entries: lists made bigger keep them, as the content's
    bibliography.overrides name them (an override of an unknown key is an error)."""
    text = (ROOT / "bib" / "publications.bib").read_text(encoding="utf-8")
    return text, len(re.findall(r"^@(?!string|preamble|comment)\w+\s*\{", text, re.I | re.M))


def generated_cv(root: Path, count: int) -> Path:
    """The shipped content with `count` publications: the shipped ones and generated ones."""
    root.mkdir(parents=True)
    shutil.copytree(ROOT / "content", root / "content")
    (root / "bib").mkdir()
    kinds = [("article", "journal"), ("inproceedings", "booktitle"), ("incollection", "booktitle"),
             ("misc", "howpublished")]  # fmt: skip
    shipped, own = shipped_bib()
    entries = [shipped]
    for i in range(count - own):
        kind, venue = kinds[i % 4]
        extra = f", eprint = {{2301.{i:05d}}}, archivePrefix = {{arXiv}}" if kind == "misc" else ""
        entries.append(
            f'@{kind}{{gen{i}, author = {{Lapuschkin, S and M{{\\"u}}ller, K-R and Doe, J{i}}},\n'
            f"  title = {{Generated Publication Number {i} on Explainable AI}},\n"
            f"  {venue} = {{Venue {i % 37}}}, year = {{{2000 + i % 24}}}, doi = {{10.1000/gen.{i}}}{extra}}}\n"
        )
    (root / "bib" / "publications.bib").write_text("".join(entries), encoding="utf-8")
    return root / "content"


def peer_command(given: str | None) -> list[str] | None:
    """RenderCV rendering the same CV, or None when it is not installed."""
    if given:
        return shlex.split(given)
    script = PEER_DIR / "run.sh"
    candidates = [os.environ.get("RENDERCV", ""), str(ROOT / "bench" / ".peer-venv" / "bin" / "rendercv"),
                  shutil.which("rendercv") or ""]  # fmt: skip
    found = next((c for c in candidates if c and os.access(c, os.X_OK)), None)
    if not script.exists() or found is None:
        return None
    return ["env", f"RENDERCV={found}", "bash", str(script)]


_TYPST_DOWNLOAD = re.compile(r"packages\.typst\.org/(\w+)/([\w-]+)-(\d+\.\d+\.\d+)\.tar\.gz")


def peer_problem(command: list[str], scratch: Path) -> str | None:
    """None when the peer renders the CV; else why not. RenderCV's run is offline (run.sh), so a
    Typst package its theme needs and Typst has not cached (fontawesome) is fetched here once
    from the Typst package registry into Typst's cache; unreachable, the reason is returned."""
    for _ in range(2):
        done = subprocess.run(command, cwd=scratch, capture_output=True, text=True,
                              errors="replace")  # fmt: skip
        if done.returncode == 0:
            return None
        wanted = _TYPST_DOWNLOAD.findall(done.stdout + done.stderr)
        if not wanted:
            return (done.stdout + done.stderr).strip()[-300:]
        for namespace, name, version in wanted:
            problem = fetch_typst_package(namespace, name, version)
            if problem:
                return problem
    return "the peer still fails after fetching its Typst packages"


def fetch_typst_package(namespace: str, name: str, version: str) -> str | None:
    """Unpack @namespace/name:version from packages.typst.org where Typst looks for it."""
    import io
    import tarfile
    import urllib.request

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    target = cache / "typst" / "packages" / namespace / name / version
    url = f"https://packages.typst.org/{namespace}/{name}-{version}.tar.gz"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            data = response.read()
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            archive.extractall(target, filter="data")
    except (OSError, tarfile.TarError) as error:
        return (f"its Typst package @{namespace}/{name}:{version} is not cached and {url} "
                f"could not be fetched ({error}); put it into {target} by hand")  # fmt: skip
    print(f"  (fetched Typst package @{namespace}/{name}:{version} into {target})", flush=True)
    return None


@dataclass
class Report:
    misses: int = 0

    def figure(self, label: str, value: str) -> None:
        print(f"  {label:<52} {value}", flush=True)

    def seconds(self, label: str, seconds: float, limit: float | None = None) -> None:
        verdict = "" if limit is None else self._verdict(seconds <= limit, f"<= {limit:g} s")
        self.figure(label, f"{seconds:7.2f} s  {verdict}")

    def ratio(self, label: str, seconds: float, peer: float, limit: float) -> None:
        ratio = seconds / peer
        verdict = self._verdict(ratio <= limit, f"<= {limit:g}x")
        self.figure(label, f"{seconds:7.2f} s  {ratio:5.2f}x peer ({peer:.2f} s)  {verdict}")

    def count(self, label: str, number: int, limit: int) -> None:
        self.figure(label, f"{number:7d}    {self._verdict(number <= limit, f'<= {limit}')}")

    def _verdict(self, met: bool, target: str) -> str:
        self.misses += not met
        return f"target {target}: {'MET' if met else 'MISSED'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--peer", help="command that renders the same CV with the peer tool")
    parser.add_argument("--entries", type=int, default=1000, help="size of the real-world list")
    args = parser.parse_args()
    runs = args.runs
    report = Report()
    # cvbuild as pip installs it, with its modules compiled to bytecode: a work tree under
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module again on every run (60 ms).
    compileall.compile_dir(ROOT / "cvbuild", quiet=1)
    print(f"cvbuild bench: {platform.node()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, median of {runs} runs, "
          f"load average {os.getloadavg()[0]:.1f} at the start")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="cvbuild-bench-") as scratch:
        scratch_path = Path(scratch)
        peer_cmd = peer_command(args.peer)
        why = peer_problem(peer_cmd, scratch_path) if peer_cmd else None
        if why:
            print(f"  peer: RenderCV cannot render ({why})")
            peer_cmd = None

        def peer() -> float:
            if peer_cmd is None:
                return PEER_README_SECONDS
            return median_time(lambda: run(peer_cmd, scratch_path, dict(os.environ)), 1)

        if peer_cmd:
            report.figure("peer: RenderCV, the same CV, whole process",
                          f"{median_time(peer, runs):7.2f} s (and beside each ratio)")  # fmt: skip
        else:
            report.figure("peer: RenderCV NOT INSTALLED or not working; README's figure",
                          f"{PEER_README_SECONDS:7.2f} s")  # fmt: skip
        plain = Workspace(scratch_path / "plain")
        report.seconds("cvbuild --help", median_time(lambda: run([*CVBUILD, "--help"], ROOT, plain.env), runs), 0.1)  # fmt: skip
        # Greek and Cyrillic print on pdflatex (LGR, T2A): the Greek case measures what that
        # costs; an Armenian letter is beyond pdflatex, so that case measures the LuaLaTeX path.
        for title, workspace, cold_limit, edit_limit in (
            ("shipped full CV", plain, 2.5, 1.0),
            ("shipped full CV + one Greek letter (pdflatex path, LGR)",
             Workspace(scratch_path / "greek", extra=" α"), 2.5, 1.0),
            ("shipped full CV + one Armenian letter (LuaLaTeX path)",
             Workspace(scratch_path / "armenian", extra=" Ա"), 4.0, 1.5),
        ):  # fmt: skip
            print(f"{title}:")
            cold, peer_cold = paired(workspace.build, workspace.cold, peer, runs)
            engine, passes = workspace.engine(), workspace.passes()
            report.figure("engine", f"{engine:>7}")
            report.ratio("cold build (empty build dir and caches)", cold, peer_cold, cold_limit)
            report.count("  TeX passes", passes, 3)
            warm = median_time(workspace.build, runs, workspace.forget_builds)
            report.seconds("cold build dir, caches warm (format, biber)", warm)
            workspace.build()
            report.seconds("no-change rebuild", median_time(workspace.build, runs), 0.1)
            edit, peer_edit = paired(workspace.build, workspace.edit_text_field, peer, runs)
            report.ratio("rebuild after editing one text field", edit, peer_edit, edit_limit)
            report.count("  TeX passes", workspace.passes(), 1)
            bib = median_time(workspace.build, runs, workspace.add_bib_entry)
            report.seconds("rebuild after adding one .bib entry", bib)
            report.figure("  TeX passes", f"{workspace.passes():7d}")
            if workspace is plain:
                report.seconds("Python stages (load + select + render)",
                               python_stages(workspace.content, runs))  # fmt: skip
                report.seconds("  the same, .bib publications cached (a YAML edit)",
                               python_stages(workspace.content, runs, cached=True))  # fmt: skip
        count = args.entries
        # the shipped entries stay (the content's overrides name them), the rest are real exports
        shipped, own = shipped_bib()
        print(f"{count} entries: the shipped {own} and real-world exports (tests/data/bib, repeated with new keys and titles):")  # fmt: skip
        big = Workspace(scratch_path / "real", bib=shipped + real_world_bib(max(0, count - own)))
        big.cold()
        memory = big.build_measuring_memory()
        big_runs = max(1, min(runs, 2))
        cold = median_time(big.build, big_runs, big.cold)
        report.figure("engine", f"{big.engine():>7}")
        report.seconds("cold build (empty build dir and caches)", cold, 30)
        report.count("  TeX passes", big.passes(), 3)
        report.figure("peak memory, largest process (cold build)", f"{memory / 1024:7.0f} MB")
        big.build()
        report.seconds("rebuild after adding one entry", median_time(big.build, big_runs, big.add_bib_entry), 10)  # fmt: skip
        report.figure("  TeX passes", f"{big.passes():7d}")
        report.seconds("rebuild after editing one text field", median_time(big.build, big_runs, big.edit_text_field))  # fmt: skip
        report.figure("  TeX passes", f"{big.passes():7d}")
        report.seconds("Python stages (load + select + render)", python_stages(big.content, runs), 1)  # fmt: skip
        report.seconds("  the same, .bib publications cached (a YAML edit)", python_stages(big.content, runs, cached=True))  # fmt: skip
        print("Python stages on generated CVs:")
        for generated in (1000, 2000):
            content = generated_cv(scratch_path / f"gen{generated}", generated)
            report.seconds(f"{generated} publications", python_stages(content, runs))
    print(f"targets missed: {report.misses} (load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
