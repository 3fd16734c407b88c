"""Issue 15 leftovers in a real PDF (latexmk + biber): lists by rules (pubstate, venue,
peer_reviewed, keywords) in the order given with their own labels, an entry no list takes
named in a warning, `exclude_keywords` counted in one line, "et al. (150 authors)" in English
and German, `xdata` fields printed, an ADS article number printed once, and the real ADS export
still building."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import BuiltPdf, read_pdf, run_cli, squash

pytestmark = pytest.mark.tex

DATA = Path(__file__).parent / "data" / "bib"

AUTHORS = " and ".join(
    "Lovelace, Ada" if i == 90 else f"Author{chr(65 + i % 26)}{i}, B." for i in range(1, 151)
)

BIB = f"""\
@xdata{{neurips21, booktitle = {{Advances in Neural Information Processing Systems}},
  publisher = {{Curran Associates}}, year = {{2021}}}}
@inproceedings{{xconf, author = {{Lovelace, Ada}}, title = {{Inherited Venue Paper}},
  xdata = {{neurips21}}, pages = {{1--9}}}}
@article{{press, author = {{Lovelace, Ada}}, title = {{Pressing Matters}}, journal = {{Nature}},
  year = {{2024}}, pubstate = {{inpress}}}}
@article{{sub, author = {{Lovelace, Ada}}, title = {{Submitted Thoughts}}, journal = {{Science}},
  year = {{2025}}, pubstate = {{submitted}}}}
@article{{big, author = {{{AUTHORS}}}, title = {{A Very Large Collaboration}},
  journal = {{Physical Review Letters}}, year = {{2023}}}}
@article{{hidden, author = {{Lovelace, Ada}}, title = {{Hidden Notebook}}, journal = {{J}},
  year = {{2022}}, keywords = {{nocv}}}}
@misc{{stray, author = {{Lovelace, Ada}}, title = {{Stray Preprint}}, year = {{2022}},
  eprint = {{2201.00001}}, archiveprefix = {{arXiv}}}}
"""

SECTIONS = """\
sections:
  - id: pubs
    kind: publications
    title: Publications
    lists:
      - {title: In Press, prefix: IP, where: {pubstate: [inpress, forthcoming]}}
      - {title: Under Review, prefix: S, where: {pubstate: [submitted]}}
      - {title: Neural Venues, prefix: N, where: {venue: "neural information", peer_reviewed: true}}
      - {category: journal, title: Journal Articles, prefix: J}
"""

VARIANTS = """\
variants:
  full:
    publications: {max_authors: 3}
  deutsch:
    language: de
    publications: {max_authors: 3}
"""


@dataclasses.dataclass(frozen=True)
class Built:
    en: BuiltPdf
    de: BuiltPdf
    output: str
    bib: str  # what biber read for `full`


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("bib15")
    content = root / "content"
    (content / "bib").mkdir(parents=True)
    (content / "bib" / "mine.bib").write_text(BIB, encoding="utf-8")
    shutil.copy(DATA / "ads-etal.bib", content / "bib" / "ads.bib")
    person = (
        "person:\n  given_names: Ada\n  family_name: Lovelace\n  email: ada@example.org\n"
        "settings:\n  as_of: 2026-01-31\n"
        "bibliography:\n  files: [bib/mine.bib, bib/ads.bib]\n"
        "  owner_names: ['Lovelace, Ada', 'Weaver, John R.']\n"
        "  exclude_keywords: [nocv]\n"
    )
    (content / "person.yaml").write_text(person, encoding="utf-8")
    (content / "sections.yaml").write_text(SECTIONS, encoding="utf-8")
    (content / "variants.yaml").write_text(VARIANTS, encoding="utf-8")
    result = run_cli(
        "pdf", "--all", "--content", str(content), "--out-dir", str(root / "out"),
        "--build-dir", str(root / "build"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    bib = (root / "build" / "full" / "cvbuild-publications.bib").read_text(encoding="utf-8")
    return Built(
        read_pdf(root / "out" / "full.pdf"),
        read_pdf(root / "out" / "deutsch.pdf"),
        result.output,
        bib,
    )


def test_rule_lists_print_in_order_with_their_labels(built: Built) -> None:
    text = squash(built.en.main)
    order = ["InPress", "PressingMatters", "UnderReview", "SubmittedThoughts", "NeuralVenues",
             "InheritedVenuePaper", "JournalArticles", "AVeryLargeCollaboration"]  # fmt: skip
    positions = [text.find(squash(word)) for word in order]
    assert -1 not in positions and positions == sorted(positions), list(
        zip(order, positions, strict=True)
    )
    hints = built.en.hints.split()
    for label in ("IP1", "S1", "N1", "J1"):
        assert label in hints, label
    assert "IP2" not in hints and "S2" not in hints  # each list numbered on its own


def test_xdata_fields_are_printed(built: Built) -> None:
    assert built.en.has("Advances in Neural Information Processing Systems")
    assert built.en.has("Curran Associates")
    assert "xdata" not in built.bib


def test_unlisted_entry_is_named_and_excluded_one_counted(built: Built) -> None:
    assert re.search(r"warning: .*mine\.bib:13: stray: not printed: no list", built.output)
    assert not built.en.has("Stray Preprint")
    assert not built.en.has("Hidden Notebook") and "hidden" not in built.output
    assert "1 entry not printed by bibliography.exclude_keywords (nocv 1)" in built.output


def test_author_count_after_et_al_owner_visible(built: Built) -> None:
    text = squash(built.en.text.replace(". . .", "…"))
    assert squash("AuthorB1 B., AuthorC2 B., …, Lovelace Ada, et al. (150 authors)") in text
    assert squash("(150 Autoren)") in squash(built.de.text)
    # ADS "and et al.": how many is unknown, so no count
    assert not re.search(r"et al\. \(\d+ authors\)", built.en.text.replace("(150 authors)", ""))


def test_ads_article_number_printed_once(built: Built) -> None:
    text = squash(built.en.text)
    for eid in ("92", "145"):
        assert squash(f"{eid}, p. {eid}") not in text
        assert squash(f"{eid}, S. {eid}") not in squash(built.de.text)
    assert built.en.has("ApJ")  # the real ADS export still builds, macros expanded
