"""cvbuild's speed, against plain latexmk on the same .tex, measured in one invocation.

Run as `bench/run [--runs N]` (or `make bench`). Works on a copy of the shipped content in a
temporary folder, with its own format cache, so nothing of yours is touched or reused.
Prints medians in seconds and the ratio cvbuild / baseline where there is a baseline.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CVBUILD = [sys.executable, "-m", "cvbuild"]


def median_time(action: Callable[[], object], runs: int, prepare: Callable[[], object] = lambda: None) -> float:  # fmt: skip
    times = []
    for _ in range(runs):
        prepare()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, errors="replace"
    )
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


class Workspace:
    """A copy of the shipped content, its build folder and a private format cache."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copytree(ROOT / "content", root / "content")
        shutil.copytree(ROOT / "bib", root / "bib")
        self.content = root / "content"
        self.env = {**os.environ, "XDG_CACHE_HOME": str(root / "cache"), "PYTHONPATH": str(ROOT)}
        self.edits = 0

    def build(self, variant: str, *extra: str) -> None:
        run([*CVBUILD, "pdf", "--variant", variant, "--content", str(self.content),
             "--out-dir", str(self.root / "out"), "--build-dir", str(self.root / "build"), *extra],
            ROOT, self.env)  # fmt: skip

    def build_all(self) -> None:
        run([*CVBUILD, "pdf", "--all", "--content", str(self.content),
             "--out-dir", str(self.root / "out"), "--build-dir", str(self.root / "build")],
            ROOT, self.env)  # fmt: skip

    def forget_builds(self) -> None:
        shutil.rmtree(self.root / "build", ignore_errors=True)

    def forget_formats(self) -> None:
        shutil.rmtree(self.root / "cache", ignore_errors=True)

    def edit_text_field(self) -> None:
        """Change one word of the bio (a text field in every variant that shows it) and the
        first role's summary (shown by both shipped variants)."""
        self.edits += 1
        sections = self.content / "sections.yaml"
        text = sections.read_text(encoding="utf-8")
        text = re.sub(r"Research Group Leadership( \(edit \d+\))?",
                      f"Research Group Leadership (edit {self.edits})", text, count=1)  # fmt: skip
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


def baseline_dir(workspace: Workspace, variant: str, target: Path) -> Path:
    """What cvbuild emitted for `variant`, copied for a plain latexmk run (no format, no cache)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    source = workspace.root / "build" / variant
    for name in ("cv.tex", "cv.xmpdata", "cvbuild-publications.bib"):
        shutil.copy(source / name, target / name)
    for sty in (ROOT / "latex").glob("*.sty"):
        shutil.copy(sty, target / sty.name)
    return target


def latexmk(directory: Path) -> None:
    run(["latexmk", "-norc", "-pdf", "-interaction=nonstopmode", "cv.tex"], directory,
        {**os.environ, "max_print_line": "1000"})  # fmt: skip


def python_stages(content: Path, variant: str, runs: int) -> float:
    """load + select + compose + write in this process (imports excluded, as the CLI pays them once)."""
    from cvbuild.compose import compose
    from cvbuild.dates import PartialDate
    from cvbuild.pipeline import load_content
    from cvbuild.select import select
    from cvbuild.writers import latex

    def stages() -> None:
        cv, publications = load_content(content)
        latex.write(
            compose(select(cv, publications, variant, PartialDate(2026, 1, 1)), publications)
        )

    return median_time(stages, runs)


def generated_cv(root: Path, count: int) -> Path:
    """The shipped content with `count` generated publications instead of the real ones."""
    root.mkdir(parents=True)
    shutil.copytree(ROOT / "content", root / "content")
    (root / "bib").mkdir()
    kinds = [("article", "journal"), ("inproceedings", "booktitle"), ("incollection", "booktitle"),
             ("misc", "howpublished")]  # fmt: skip
    entries = []
    for i in range(count):
        kind, venue = kinds[i % 4]
        extra = f", eprint = {{2301.{i:05d}}}, archivePrefix = {{arXiv}}" if kind == "misc" else ""
        entries.append(
            f'@{kind}{{gen{i}, author = {{Lapuschkin, S and M{{\\"u}}ller, K-R and Doe, J{i}}},\n'
            f"  title = {{Generated Publication Number {i} on Explainable AI}},\n"
            f"  {venue} = {{Venue {i % 37}}}, year = {{{2000 + i % 24}}}, doi = {{10.1000/gen.{i}}}{extra}}}\n"
        )
    (root / "bib" / "publications.bib").write_text("".join(entries), encoding="utf-8")
    return root / "content"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    args = parser.parse_args()
    runs = args.runs
    rows: list[tuple[str, float, float | None]] = []

    def row(label: str, seconds: float, baseline: float | None = None) -> None:
        rows.append((label, seconds, baseline))
        ratio = f"{seconds / baseline:6.2f}x" if baseline else ""
        base = f"{baseline:8.2f}" if baseline else " " * 8
        print(f"  {label:<48} {seconds:7.2f} {base} {ratio}", flush=True)

    print(f"cvbuild bench: {platform.node()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, median of {runs} runs")  # fmt: skip
    print(f"  {'':<48} {'cvbuild':>7} {'latexmk':>8} {'ratio':>7}")
    with tempfile.TemporaryDirectory(prefix="cvbuild-bench-") as scratch:
        scratch_path = Path(scratch)
        workspace = Workspace(scratch_path / "ws")
        row(
            "cvbuild --help",
            median_time(lambda: run([*CVBUILD, "--help"], ROOT, workspace.env), runs),
        )
        for variant in ("full", "short"):
            print(f"{variant}:")
            cold = median_time(lambda v=variant: workspace.build(v), runs,
                               lambda: (workspace.forget_builds(), workspace.forget_formats()))  # fmt: skip
            cold_cached = median_time(lambda v=variant: workspace.build(v), runs,
                                      workspace.forget_builds)  # fmt: skip
            base_dir = scratch_path / f"baseline-{variant}"
            base_cold = median_time(lambda d=base_dir: latexmk(d), runs,
                                    lambda v=variant, d=base_dir: baseline_dir(workspace, v, d))  # fmt: skip
            row("cold build (empty build dir, no format cached)", cold, base_cold)
            row("cold build (empty build dir, format cached)", cold_cached, base_cold)
            workspace.build(variant)
            row("no-change rebuild", median_time(lambda v=variant: workspace.build(v), runs))
            edit = median_time(
                lambda v=variant: workspace.build(v), runs, workspace.edit_text_field
            )
            # the baseline: the same edit in the emitted .tex, then latexmk on its warm folder
            workspace.edit_text_field()
            workspace.build(variant)
            baseline_dir(workspace, variant, base_dir)
            latexmk(base_dir)

            def edited_tex(v: str = variant, d: Path = base_dir) -> None:
                workspace.edit_text_field()
                workspace.build(v)  # (not timed) cvbuild renders the edited .tex
                shutil.copy(workspace.root / "build" / v / "cv.tex", d / "cv.tex")

            base_edit = median_time(lambda d=base_dir: latexmk(d), runs, edited_tex)
            row("rebuild after editing one text field", edit, base_edit)
            row("rebuild after adding one .bib entry",
                median_time(lambda v=variant: workspace.build(v), runs, workspace.add_bib_entry))  # fmt: skip
            row(
                "Python stages (load + select + render)",
                python_stages(workspace.content, variant, runs),
            )
        print("--all (short + full):")
        single = max(
            median_time(lambda v=v: workspace.build(v), runs, workspace.forget_builds)
            for v in ("full", "short")
        )
        both = median_time(workspace.build_all, runs, workspace.forget_builds)
        row("--all, cold build dirs (formats cached)", both, None)
        row("slower single variant, same conditions", single, None)
        print(f"  {'ratio --all / slower single':<48} {both / single:7.2f}")
        print("Python stages on generated CVs (full variant):")
        for count in (250, 500, 1000, 2000):
            content = generated_cv(scratch_path / f"gen{count}", count)
            row(f"{count} publications", python_stages(content, "full", runs))


if __name__ == "__main__":
    main()
