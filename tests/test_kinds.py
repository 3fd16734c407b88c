"""The section-kind registry: every registered kind is in the starter, loads, is trimmed by a
variant, composes, and is written by every writer (no TeX here; test_authoring builds the
starter's PDF)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cvbuild import scaffold
from cvbuild.compose import compose
from cvbuild.dates import PartialDate
from cvbuild.document import Entry, Item, PublicationList
from cvbuild.kinds import KINDS, kind_of
from cvbuild.pipeline import load_content
from cvbuild.richtext import plain
from cvbuild.select import select
from cvbuild.writers import latex, markdown

TODAY = PartialDate(2026, 11, 26)


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("starter") / "cv"
    scaffold.create(folder, "Ada Lovelace")
    return folder


def test_kind_names_are_unique_and_match_their_models() -> None:
    names = [kind.name for kind in KINDS]
    assert len(names) == len(set(names))
    for kind in KINDS:
        assert kind.model.model_fields["kind"].annotation.__args__ == (kind.name,)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_kind_goes_through_every_stage(kind, starter: Path) -> None:
    cv, publications = load_content(starter)
    sections = [s for s in cv.sections if s.kind == kind.name]
    assert sections, f"the starter has no '{kind.name}' section"
    section = sections[0]
    assert kind_of(section) is kind and kind.items(section)
    selection = select(cv, publications, "full", today=TODAY)
    document = compose(selection, publications)
    (composed,) = [s for s in document.sections if s.id == section.id]
    assert composed.blocks
    md = markdown.write(document)
    tex = latex.write(document).tex
    assert f"## {composed.title}" in md
    assert f"% cvbuild-section: {section.id}" in tex
    for block in composed.blocks:
        if isinstance(block, Item | Entry):
            words = plain(block.text if isinstance(block, Item) else block.title)
            assert markdown.escape(words.split()[0].rstrip(".,:;")) in md  # (before markup)
        if isinstance(block, PublicationList):
            assert block.references and f"**[{block.references[0].label}]**" in md
