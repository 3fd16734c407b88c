"""Which characters each TeX engine can print with the fonts cvbuild uses, and the choice of
engine that follows from the text.

pdflatex (fast) prints Latin text with T1/TS1/OMS encodings and Latin Modern, and Greek and
Cyrillic with the LGR and T2A encodings (cbfonts and cm-super, Type 1; latex/cvbuild-scripts.sty).
Rarer Latin letters, the rest of Cyrillic and other scripts need LuaLaTeX with OpenType fonts:
Latin Modern, then CMU (Computer Modern Unicode, Debian `fonts-cmu`), then DejaVu as fallbacks
(see latex/cvbuild.sty). Anything outside both repertoires is refused before TeX runs, with its
position in the content: a character TeX cannot print must never vanish silently."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Engine = Literal["pdflatex", "lualatex"]

# Code points pdflatex prints and pdftotext reads back as the same text (NFC, compatibility forms
# aside): with fontenc T1 + TS1 + OMS, LGR and T2A and inputenc utf8 (TeX Live 2022), in every
# moderncv style and font cvbuild uses (latex/cvbuild.sty, latex/cvbuild-scripts.sty).
# Latin: the characters declared in t1enc.dfu, ts1enc.dfu and omsenc.dfu. Those TeX builds from a
# letter and an accent below or beside it (ķ, ș, ṇ, ī, ...) would look right but come out of the
# PDF as 'k,' or 'ı̄', which breaks copy and paste and HR portals' text extraction: they are
# listed because latex/cvbuild-scripts.sty makes them copy out as one character (PDF
# /ActualText); ģ is not, and goes to LuaLaTeX.
# Greek (LGR, cbfonts; Debian texlive-lang-greek) and Cyrillic (T2A, cm-super; texlive-lang-
# cyrillic, cm-super-minimal): the characters declared in lgrenc.dfu and t2aenc.dfu that print
# and copy out as exactly themselves between two letters ('xЀx', no stray space), checked one by
# one in every style, in upright, bold and italic, with and without PDF/A (tests/
# test_scripts_pdflatex.py checks it again). Not among them: the Greek symbol variants (ϐ ϑ ϕ
# ...), which greek-fontenc has no text glyph for; Greek spacing accents (΄ ῾ ...), which come
# out with a space; the Cyrillic letters T2A lacks (Old Church Slavonic, Abkhaz, ...).
# U+2126 OHM SIGN is not listed: Unicode normalisation (NFC) turns it into the Greek capital omega.
# Everything else makes the build use LuaLaTeX, whose fonts have it precomposed.
PDFLATEX_RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x00B7), (0x00B9, 0x0122), (0x0124, 0x0125), (0x0128, 0x0137),
    (0x0139, 0x013E), (0x0141, 0x0148), (0x014A, 0x0165), (0x0168, 0x017E), (0x0192, 0x0192),
    (0x01C4, 0x01D4), (0x01E2, 0x01E3), (0x01E6, 0x01EB), (0x01F0, 0x01F0), (0x01F4, 0x01F5),
    (0x0218, 0x021B), (0x0232, 0x0233), (0x0237, 0x0237), (0x02C7, 0x02C7), (0x02D8, 0x02D9),
    (0x02DB, 0x02DB), (0x02DD, 0x02DD), (0x0375, 0x0375), (0x037E, 0x037E), (0x0386, 0x038A),
    (0x038C, 0x038C), (0x038E, 0x03A1), (0x03A3, 0x03CE), (0x03D8, 0x03DD), (0x03DF, 0x03E1),
    (0x0400, 0x045F), (0x0490, 0x0493), (0x0496, 0x049D), (0x04A0, 0x04A5), (0x04AA, 0x04AB),
    (0x04AE, 0x04B3), (0x04B6, 0x04BB), (0x04C0, 0x04C2), (0x04D0, 0x04DF), (0x04E2, 0x04E9),
    (0x04EC, 0x04F5), (0x04F8, 0x04F9), (0x1E02, 0x1E03), (0x1E0D, 0x1E0D), (0x1E1E, 0x1E21),
    (0x1E25, 0x1E25), (0x1E30, 0x1E31), (0x1E37, 0x1E37), (0x1E43, 0x1E43), (0x1E45, 0x1E45),
    (0x1E47, 0x1E47), (0x1E5B, 0x1E5B), (0x1E63, 0x1E63), (0x1E6D, 0x1E6D), (0x1E8E, 0x1E91),
    (0x1EF2, 0x1EF3), (0x1F00, 0x1F15), (0x1F18, 0x1F1D), (0x1F20, 0x1F45), (0x1F48, 0x1F4D),
    (0x1F50, 0x1F57), (0x1F59, 0x1F59), (0x1F5B, 0x1F5B), (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D),
    (0x1F80, 0x1FB4), (0x1FB6, 0x1FBC), (0x1FBE, 0x1FBE), (0x1FC2, 0x1FC4), (0x1FC6, 0x1FCC),
    (0x1FD0, 0x1FD3), (0x1FD6, 0x1FDB), (0x1FE0, 0x1FEC), (0x1FEF, 0x1FEF), (0x1FF2, 0x1FF4),
    (0x1FF6, 0x1FFD), (0x2009, 0x2009), (0x2013, 0x2014), (0x2016, 0x2016), (0x2018, 0x201A),
    (0x201C, 0x201E), (0x2020, 0x2022), (0x2026, 0x2026), (0x202F, 0x2030), (0x2039, 0x203A),
    (0x2044, 0x2044), (0x20AC, 0x20AC), (0x2103, 0x2103), (0x2116, 0x2116), (0x2122, 0x2122),
    (0x2190, 0x2193), (0x2212, 0x2212), (0xFB00, 0xFB04),
)  # fmt: skip


@dataclass(frozen=True)
class Script:
    """A script pdflatex prints only with TeX packages beyond the Latin ones: the files TeX needs
    for it, each with the Debian package that has it (the Makefile's DEB_PACKAGES installs them;
    an older installation may lack them)."""

    name: str
    ranges: tuple[tuple[int, int], ...]
    files: tuple[tuple[str, str], ...]  # (file name kpsewhich finds, Debian package)


PDFLATEX_SCRIPTS = (
    Script(
        "Greek",
        ((0x0370, 0x03FF), (0x1F00, 0x1FFF)),
        (("lgrenc.def", "texlive-lang-greek"), ("lgrlmr.fd", "texlive-lang-greek")),
    ),
    Script(
        "Cyrillic",
        ((0x0400, 0x04FF),),
        (("t2aenc.def", "texlive-lang-cyrillic"), ("sfrm1000.pfb", "cm-super-minimal")),
    ),
)


# The OpenType fonts LuaLaTeX uses, per style: main font first, then its fallbacks. The
# repertoire below is what every style of both families covers (fc-query charsets: the union
# over each chain, intersected over the styles), less NOT_TEXT; tests/test_repertoire.py
# recomputes it.
LM = "/usr/share/texmf/fonts/opentype/public/lm/"
CMU = "/usr/share/fonts/truetype/cmu/"
DEJAVU = "/usr/share/fonts/truetype/dejavu/"
LUALATEX_FONT_CHAINS = (
    (LM + "lmsans10-regular.otf", CMU + "cmunss.ttf", DEJAVU + "DejaVuSans.ttf"),
    (LM + "lmsans10-bold.otf", CMU + "cmunsx.ttf", DEJAVU + "DejaVuSans-Bold.ttf"),
    (LM + "lmsans10-oblique.otf", CMU + "cmunsi.ttf", DEJAVU + "DejaVuSans-Oblique.ttf"),
    (LM + "lmsans10-boldoblique.otf", CMU + "cmunso.ttf", DEJAVU + "DejaVuSans-BoldOblique.ttf"),
    (LM + "lmroman10-regular.otf", CMU + "cmunrm.ttf", DEJAVU + "DejaVuSerif.ttf"),
    (LM + "lmroman10-bold.otf", CMU + "cmunbx.ttf", DEJAVU + "DejaVuSerif-Bold.ttf"),
    (LM + "lmroman10-italic.otf", CMU + "cmunti.ttf", DEJAVU + "DejaVuSerif-Italic.ttf"),
    (LM + "lmroman10-bolditalic.otf", CMU + "cmunbi.ttf", DEJAVU + "DejaVuSerif-BoldItalic.ttf"),
)
# Code points fonts carry that are not text: private use (meaningless outside one font) and
# the Specials block (U+FFFD makes LuaTeX stop with "invalid utf-8").
NOT_TEXT = ((0xE000, 0xF8FF), (0xFFF0, 0xFFFF))
LUALATEX_RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x02D3), (0x02D6, 0x02DE), (0x02E0, 0x02E9), (0x02EC, 0x02EC),
    (0x02EE, 0x02EE), (0x02F3, 0x02F3), (0x02F7, 0x02F7), (0x0300, 0x033F), (0x0343, 0x0343),
    (0x0347, 0x0347), (0x034F, 0x034F), (0x0358, 0x0358), (0x035C, 0x035D), (0x0360, 0x0361),
    (0x0370, 0x0377), (0x037A, 0x037F), (0x0384, 0x038A), (0x038C, 0x038C), (0x038E, 0x03A1),
    (0x03A3, 0x03E1), (0x03F0, 0x0477), (0x047A, 0x0486), (0x0488, 0x04C9), (0x04CB, 0x04F9),
    (0x04FC, 0x04FF), (0x0510, 0x0515), (0x051A, 0x051D), (0x0531, 0x0556), (0x0559, 0x055F),
    (0x0561, 0x0587), (0x0589, 0x058A), (0x0E3F, 0x0E3F), (0x10A0, 0x10C5), (0x10D0, 0x10FC),
    (0x1D00, 0x1D14), (0x1D16, 0x1D23), (0x1D26, 0x1D2E), (0x1D30, 0x1D5B), (0x1D5D, 0x1D6A),
    (0x1D77, 0x1D78), (0x1D7B, 0x1D7B), (0x1D7D, 0x1D7D), (0x1D85, 0x1D85), (0x1D9B, 0x1DBF),
    (0x1DC4, 0x1DC9), (0x1E00, 0x1EFB), (0x1F00, 0x1F15), (0x1F18, 0x1F1D), (0x1F20, 0x1F45),
    (0x1F48, 0x1F4D), (0x1F50, 0x1F57), (0x1F59, 0x1F59), (0x1F5B, 0x1F5B), (0x1F5D, 0x1F5D),
    (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4), (0x1FB6, 0x1FC4), (0x1FC6, 0x1FD3), (0x1FD6, 0x1FDB),
    (0x1FDD, 0x1FEF), (0x1FF2, 0x1FF4), (0x1FF6, 0x1FFE), (0x2000, 0x2026), (0x2029, 0x2040),
    (0x2042, 0x2042), (0x2044, 0x2049), (0x204B, 0x204F), (0x2051, 0x2054), (0x2057, 0x2057),
    (0x205F, 0x2064), (0x206A, 0x2071), (0x2074, 0x208E), (0x2090, 0x209C), (0x20A1, 0x20A1),
    (0x20A4, 0x20A4), (0x20A6, 0x20A6), (0x20A9, 0x20A9), (0x20AB, 0x20AC), (0x20AF, 0x20AF),
    (0x20B1, 0x20B2), (0x20B4, 0x20B5), (0x20B8, 0x20BA), (0x20BD, 0x20BD), (0x2103, 0x2103),
    (0x2109, 0x2109), (0x210E, 0x210F), (0x2116, 0x2117), (0x211E, 0x211E), (0x2120, 0x2120),
    (0x2122, 0x2122), (0x2126, 0x2127), (0x212A, 0x212B), (0x212E, 0x212E), (0x2132, 0x2132),
    (0x2141, 0x2144), (0x214B, 0x214B), (0x214E, 0x214E), (0x2150, 0x2185), (0x2189, 0x2189),
    (0x2190, 0x2200), (0x2202, 0x2204), (0x2206, 0x2209), (0x220B, 0x220C), (0x220F, 0x2215),
    (0x2217, 0x2220), (0x2222, 0x222D), (0x2238, 0x223D), (0x2242, 0x2243), (0x2248, 0x2248),
    (0x2250, 0x2255), (0x2260, 0x2261), (0x2264, 0x2265), (0x2282, 0x2287), (0x228C, 0x22AF),
    (0x22C4, 0x22C6), (0x2300, 0x2300), (0x2302, 0x2302), (0x2308, 0x230B), (0x2310, 0x2311),
    (0x2318, 0x2319), (0x2320, 0x2321), (0x2325, 0x2325), (0x2328, 0x232A), (0x237D, 0x237D),
    (0x239B, 0x23AE), (0x23CF, 0x23CF), (0x2422, 0x2423), (0x2500, 0x2600), (0x262D, 0x262D),
    (0x2638, 0x263C), (0x263F, 0x2647), (0x2660, 0x2667), (0x2669, 0x266F), (0x26AD, 0x26AE),
    (0x271D, 0x271D), (0x27A1, 0x27A1), (0x27C5, 0x27C6), (0x27E0, 0x27E0), (0x27E6, 0x27E9),
    (0x27F0, 0x28FF), (0x2906, 0x2907), (0x290A, 0x290B), (0x2940, 0x2941), (0x29EB, 0x29EB),
    (0x2A0C, 0x2A0E), (0x2A2F, 0x2A2F), (0x2A6A, 0x2A6B), (0x2B00, 0x2B1A), (0x2C60, 0x2C61),
    (0x2C63, 0x2C64), (0x2C67, 0x2C73), (0x2C75, 0x2C77), (0x2C79, 0x2C7F), (0x2D00, 0x2D25),
    (0x2E18, 0x2E18), (0x2E1F, 0x2E1F), (0x2E22, 0x2E25), (0x2E2E, 0x2E2E), (0x301A, 0x301B),
    (0xA46A, 0xA46B), (0xA640, 0xA640), (0xA644, 0xA648), (0xA650, 0xA651), (0xA654, 0xA657),
    (0xA698, 0xA699), (0xA708, 0xA716), (0xA71B, 0xA71F), (0xA726, 0xA72B), (0xA730, 0xA741),
    (0xA746, 0xA747), (0xA74A, 0xA74B), (0xA74E, 0xA74F), (0xA780, 0xA783), (0xA78B, 0xA78D),
    (0xA790, 0xA791), (0xA7AA, 0xA7AA), (0xA7F8, 0xA7FF), (0xFB00, 0xFB06), (0xFE00, 0xFE0F),
    (0xFE66, 0xFE66), (0x10144, 0x10147),
)  # fmt: skip

_WHITESPACE = frozenset("\n\t\r")
_PLAIN_ASCII = re.compile(r"[\x20-\x7e\n\t\r]*")


@functools.lru_cache(maxsize=1 << 14)
def _prints(char: str, engine: Engine) -> bool:
    """`_covered`, remembered per character (a long list repeats its few hundred characters)."""
    return _covered(char, PDFLATEX_RANGES if engine == "pdflatex" else LUALATEX_RANGES)


def _covered(char: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    """Whether the engine prints `char`, after the NFC normalisation cvbuild applies to all
    text (which maps a few code points elsewhere, e.g. U+2329 to U+3008)."""
    if char in _WHITESPACE:
        return True
    return all(
        any(low <= ord(c) <= high for low, high in ranges)
        for c in unicodedata.normalize("NFC", char)
    )


def printable(char: str, engine: Engine) -> bool:
    return _prints(char, engine)


def engine_for(texts: Iterable[str]) -> Engine:
    """pdflatex when it can print every character (it is about twice as fast), else LuaLaTeX."""
    characters = set().union(*(set(unicodedata.normalize("NFC", t)) for t in texts))
    if all(_prints(c, "pdflatex") for c in characters):
        return "pdflatex"
    return "lualatex"


def unprintable(text: str) -> list[tuple[int, str]]:
    """(index, description) of each character of `text` no engine can print, e.g.
    'U+65E5 CJK UNIFIED IDEOGRAPH-65E5 ('日')'. Indices refer to `text` as given."""
    if _PLAIN_ASCII.fullmatch(text):  # most text: no character to look up
        return []
    return [
        (index, describe(char)) for index, char in enumerate(text) if not _prints(char, "lualatex")
    ]


def describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"U+{ord(char):04X} {name} ({char!r})"


def scripts_used(texts: Iterable[str]) -> tuple[Script, ...]:
    """The scripts of PDFLATEX_SCRIPTS that occur in `texts` (after NFC normalisation)."""
    characters = set().union(*(set(unicodedata.normalize("NFC", t)) for t in texts))
    codes = {ord(c) for c in characters if not c.isascii()}
    return tuple(
        script
        for script in PDFLATEX_SCRIPTS
        if any(low <= code <= high for code in codes for low, high in script.ranges)
    )
