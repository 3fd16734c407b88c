"""The one escaping function: every special character, ligature traps, markup, repertoire."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cvbuild.escape import CHARACTER_TABLE, PARAGRAPH_BREAK, escape, escape_url
from cvbuild.richtext import parse_markup, plain
from cvbuild.writers.latex import latex


def markup(text: str) -> str:
    """Marked-up text as the LaTeX writer prints it."""
    return latex(parse_markup(text))


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("100%", r"100\%"),
        ("R&D", r"R\&D"),
        ("#1", r"\#1"),
        ("a_b", r"a\_\cvbuildbreak{}b"),
        ("and/or", r"and/\cvbuildbreak{}or"),
        ("$5", r"\$5"),
        ("{x}", r"\{x\}"),
        ("~", r"\textasciitilde{}"),
        ("^", r"\textasciicircum{}"),
        ("\\", r"\textbackslash\cvbuildbreak{}"),
        ("a < b > c", r"a \textless{} b \textgreater{} c"),
        ("a|b", r"a\textbar{}b"),
        ("--", r"-\cvbuildnolig{}-"),
        ("---", r"-\cvbuildnolig{}-\cvbuildnolig{}-"),
        (",,", r",\cvbuildnolig{},"),
        ("<<", r"\textless{}\cvbuildnolig{}\textless{}"),
        (">>", r"\textgreater{}\cvbuildnolig{}\textgreater{}"),
        ("<>", r"\textless{}\textgreater{}"),
        ("!`", r"!{}\textasciigrave{}"),
        ("it's", r"it\textquotesingle{}s"),
        (
            "“q” – — …",
            r"\textquotedblleft{}q\textquotedblright{} \textendash{} \textemdash{} \textellipsis{}",
        ),
        ("a\u00a0b", "a~b"),
        ("Müller", "Müller"),
        ("  spaced \n out  ", "spaced out"),
    ],
)
def test_escape(text: str, latex: str) -> None:
    assert escape(text) == latex


def test_paragraphs_become_breaks_that_fit_in_macro_arguments() -> None:
    assert escape("one\n\ntwo") == f"one{PARAGRAPH_BREAK}two"
    assert r"\par" not in escape("one\n\n\ntwo")


_COMMANDS_OF_THE_TABLE = {
    name for latex in CHARACTER_TABLE.values() for name in re.findall(r"\\([A-Za-z]+|.)", latex)
}


def test_hostile_tex_is_printed_not_run() -> None:
    for hostile in [r"\input{/etc/hostname}", r"\immediate\write18{rm -rf /}", r"\def\x{\x}\x",
                    r"\end{document}", "^^5c^^5c", r"\catcode`\@=11"]:  # fmt: skip
        commands = set(re.findall(r"\\([A-Za-z]+|.)", escape(hostile)))
        assert commands <= set(_COMMANDS_OF_THE_TABLE), hostile


@given(st.text(alphabet=st.sampled_from(sorted(CHARACTER_TABLE) + list("abc -,!?`'")), max_size=40))
def test_escaped_text_has_balanced_braces_and_no_bare_specials(text: str) -> None:
    latex = escape(text)
    depth = 0
    index = 0
    while index < len(latex):
        char = latex[index]
        if char == "\\":
            index += 2
            continue
        if char in "#$%&_^~":
            assert char == "~" and "\u00a0" in text, f"bare {char!r} in {latex!r}"
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
        index += 1
    assert depth == 0
    characters = re.sub(r"\\([A-Za-z]+|.)", " ", latex)  # commands: no ligatures across
    assert "--" not in characters and ",," not in characters


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("**bold** and *it*", r"\textbf{bold} and \emph{it}"),
        (
            "[Zennit](https://github.com/chr5tphr/zennit)",
            r"\href{https://github.com/chr5tphr/zennit}{Zennit}",
        ),
        ("2*3*4 and a * b", "2*3*4 and a * b"),
        (r"\*not italic\*", "*not italic*"),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
        ("**50% & more**", r"\textbf{50\% \& more}"),
    ],
)
def test_markup(text: str, latex: str) -> None:
    assert markup(text) == latex


def test_plain_strips_markup() -> None:
    assert plain(parse_markup("**a** *b* [c](https://x.org)")) == "a b c"


def test_url_escaping_keeps_the_url() -> None:
    assert escape_url("https://x.org/a_b?c=1&d=%20#f") == r"https://x.org/a\_b?c=1\&d=\%20\#f"
    # percent codes are escaped too (a raw % would start a TeX comment); ~ stays as it is
    assert escape_url("https://x.org/{a}~b") == r"https://x.org/\%7Ba\%7D~b"
