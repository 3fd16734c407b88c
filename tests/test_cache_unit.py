"""The options that shape a build are part of its stamp's key: changing any of them rebuilds."""

from __future__ import annotations

from pathlib import Path

import pytest

from cvbuild import cache

BASE = {"content_dir": Path("content"), "variant": "full", "output": Path("out/full.pdf"),
        "pdf_a": None, "png": False}  # fmt: skip


@pytest.mark.parametrize(
    ("option", "other"),
    [
        ("variant", "short"),
        ("output", Path("cv.pdf")),
        ("pdf_a", False),
        ("pdf_a", True),
        ("png", True),
        ("content_dir", Path("other")),
    ],
)
def test_every_option_is_in_the_key(option: str, other: object) -> None:
    assert cache.options_key(**BASE) == cache.options_key(**BASE)
    assert cache.options_key(**{**BASE, option: other}) != cache.options_key(**BASE)


def test_locales_styles_and_the_lua_sandbox_are_inputs() -> None:
    names = {path.name for path in cache.fixed_inputs(Path("content"))}
    assert {"en.yaml", "de.yaml", "cvbuild.sty", "cvbuild-sandbox.lua", "compose.py"} <= names
