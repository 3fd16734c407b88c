"""What exporters write into .bib fields, made into safe, faithful text before any check or TeX.

DBLP, Zotero, Mendeley, JabRef and NASA ADS write TeX that cvbuild used to refuse: accents on a
dotless i (`{\\'\\i}`), Zotero's `{\\textless}`, ADS journal macros (`\\apj`), `\\(..\\)` math,
`\\ensuremath`, `\\mbox`, `\\text` in math. Each is translated here into Unicode or into the few
commands cvbuild itself allows (`SAFE_MACROS`, and `MATH_MACROS` inside `$...$`), so nothing a
user wrote reaches TeX as a command of its own. Whatever is left over is checked (and refused
with a message) by cvbuild.bibliography.
"""

from __future__ import annotations

import re
import unicodedata

# Accent commands and the combining character each stands for.
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "d": "\u0323",
    "b": "\u0331", "r": "\u030a", "k": "\u0328",
}  # fmt: skip
_LETTERS = {
    "i": "ı", "j": "ȷ", "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ss": "ß", "ae": "æ", "AE": "Æ",
    "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
}  # fmt: skip
# Text commands exporters write that have one Unicode character as their meaning.
_SYMBOLS = {
    "textless": "<", "textgreater": ">", "textendash": "–", "textemdash": "—",
    "textquoteright": "’", "textquoteleft": "‘", "textquotedblleft": "“",
    "textquotedblright": "”", "textcopyright": "©", "textregistered": "®", "texttrademark": "™",
    "textdegree": "°", "textbullet": "•", "textellipsis": "…", "ldots": "…", "dots": "…",
    "textperiodcentered": "·", "textsection": "§", "textpm": "±", "textmu": "µ",
    "guillemotleft": "«", "guillemotright": "»", "textquotesingle": "'", "S": "§", "P": "¶",
    "copyright": "©", "pounds": "£", "textdollar": r"\$", "textunderscore": r"\_",
    "textasciitilde": r"\textasciitilde{}", "textbackslash": r"\textbackslash{}",
    "textasciicircum": r"\textasciicircum{}",
}  # fmt: skip

# NASA ADS writes journals as AAS macros (aas_macros.sty); their printed abbreviations.
ADS_JOURNALS = {
    "aj": "AJ", "actaa": "Acta Astron.", "araa": "ARA&A", "apj": "ApJ", "apjl": "ApJL",
    "apjs": "ApJS", "ao": "Appl. Opt.", "apss": "Ap&SS", "aap": "A&A", "aapr": "A&A Rev.",
    "aaps": "A&AS", "azh": "AZh", "baas": "BAAS", "caa": "Chinese Astron. Astrophys.",
    "cjaa": "Chinese J. Astron. Astrophys.", "icarus": "Icarus", "jcap": "JCAP",
    "jrasc": "JRASC", "memras": "MmRAS", "mnras": "MNRAS", "na": "New A", "nar": "New A Rev.",
    "pra": "Phys. Rev. A", "prb": "Phys. Rev. B", "prc": "Phys. Rev. C", "prd": "Phys. Rev. D",
    "pre": "Phys. Rev. E", "prl": "Phys. Rev. Lett.", "pasa": "PASA", "pasp": "PASP",
    "pasj": "PASJ", "rmxaa": "Rev. Mexicana Astron. Astrofis.", "qjras": "QJRAS",
    "skytel": "S&T", "solphys": "Sol. Phys.", "sovast": "Soviet Ast.", "ssr": "Space Sci. Rev.",
    "zap": "ZAp", "nat": "Nature", "iaucirc": "IAU Circ.", "aplett": "Astrophys. Lett.",
    "apspr": "Astrophys. Space Phys. Res.", "bain": "Bull. Astron. Inst. Netherlands",
    "fcp": "Fund. Cosmic Phys.", "gca": "Geochim. Cosmochim. Acta", "grl": "Geophys. Res. Lett.",
    "jcp": "J. Chem. Phys.", "jgr": "J. Geophys. Res.",
    "jqsrt": "J. Quant. Spectr. Rad. Transf.", "memsai": "Mem. Soc. Astron. Italiana",
    "nphysa": "Nucl. Phys. A", "physrep": "Phys. Rep.", "physscr": "Phys. Scr",
    "planss": "Planet. Space Sci.", "procspie": "Proc. SPIE", "psj": "PSJ",
}  # fmt: skip

# Inside $...$ only: the math exporters write in titles (symbols, Greek, operators, fonts).
_GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "varpi",
    "rho",
    "varrho",
    "sigma",
    "varsigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Pi",
    "Sigma",
    "Upsilon",
    "Phi",
    "Psi",
    "Omega",
]
_MATH_WORDS = [
    "ell",
    "hbar",
    "infty",
    "partial",
    "nabla",
    "prime",
    "circ",
    "cdot",
    "cdots",
    "ldots",
    "times",
    "div",
    "pm",
    "mp",
    "sim",
    "simeq",
    "approx",
    "propto",
    "neq",
    "ne",
    "le",
    "leq",
    "ge",
    "geq",
    "ll",
    "gg",
    "equiv",
    "in",
    "notin",
    "subset",
    "subseteq",
    "cup",
    "cap",
    "to",
    "rightarrow",
    "leftarrow",
    "leftrightarrow",
    "Rightarrow",
    "mapsto",
    "star",
    "ast",
    "bullet",
    "oplus",
    "otimes",
    "log",
    "ln",
    "exp",
    "sin",
    "cos",
    "tan",
    "min",
    "max",
    "lim",
    "sup",
    "inf",
    "det",
    "dim",
    "mathcal",
    "mathbf",
    "mathrm",
    "mathit",
    "mathsf",
    "mathtt",
    "sqrt",
    "frac",
    "mbox",
    "odot",
    "langle",
    "rangle",
    "lbrace",
    "rbrace",
    "vert",
    "mid",
    "forall",
    "exists",
    "emptyset",
    "sum",
    "prod",
    "int",
    "dagger",
    "backslash",
]
MATH_MACROS = frozenset([*_GREEK, *_MATH_WORDS, *"{},;:! |_^"])

_MACRO = re.compile(r"\\([A-Za-z]+|.)")


def clean(value: str, ligatures: bool = True) -> str:
    """A .bib text value with what exporters write translated (see the module's docstring);
    `ligatures=False` keeps `--` (biber reads page ranges itself)."""
    bare = value.strip().strip("{}").strip()
    if bare.startswith("\\") and bare[1:] in ADS_JOURNALS:
        return ADS_JOURNALS[bare[1:]]
    text = _symbols(_accents(_math_delimiters(value))) if "\\" in value else value
    parts = re.split(r"((?<!\\)\$[^$]*(?<!\\)\$)", text)
    text = "".join(
        re.sub(r"\\text\s*\{", r"\\mbox{", part)
        if part.startswith("$")
        else _lone_greek((_ligatures if ligatures else str)(re.sub(r"\\mbox\s*\{", "{", part)))
        for part in parts
    )
    return unicodedata.normalize("NFC", text)


# TeX's input ligatures, as the characters they print: the same on both engines (LuaLaTeX
# with ligatures off would print `---` and `<<` as they are).
_LIGATURES = (("---", "—"), ("--", "–"), ("``", "“"), ("''", "”"), ("<<", "«"), (">>", "»"))


# A lone Greek letter or ℓ in text (α-synuclein, ℓ1): math, so pdflatex prints it and the CV does
# not switch to LuaLaTeX for one symbol. Greek words stay text (LuaLaTeX prints them).
_GREEK_LETTERS = {
    **{chr(0x3B1 + i): name for i, name in enumerate(
        ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "varsigma", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"])},
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi",
    "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega", "ℓ": "ell", "ϵ": "epsilon",
    "ϑ": "vartheta", "ϕ": "phi",
}  # fmt: skip
_GREEK_RANGE = "\u0370-\u03ff\u1f00-\u1fff"
_LONE_GREEK = re.compile(f"(?<![{_GREEK_RANGE}])([{''.join(_GREEK_LETTERS)}])(?![{_GREEK_RANGE}])")


def _lone_greek(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = _GREEK_LETTERS[match[1]]
        return match[1] if name == "omicron" else f"${{\\{name}}}$"

    return _LONE_GREEK.sub(replace, text)


_LIGATURE = re.compile(r"(?<!\\)(" + "|".join(re.escape(form) for form, _ in _LIGATURES) + ")")
_LIGATURE_CHARS = dict(_LIGATURES)


def _ligatures(text: str) -> str:
    return _LIGATURE.sub(lambda match: _LIGATURE_CHARS[match[1]], text)


def _math_delimiters(text: str) -> str:
    r"""`\(x\)` and `\ensuremath{x}` become `$x$` (one math syntax to check and to print)."""
    text = re.sub(r"\\\((.*?)\\\)", lambda m: f"${m[1]}$", text, flags=re.DOTALL)
    return re.sub(r"\\ensuremath\s*\{([^{}]*)\}", lambda m: f"${m[1]}$", text)


_ACCENT = r"\\(?:(['`^\"~=.])\s*|([uvHcdbrk])(?:\s+|(?=\{)))"
_BASE = r"(?:\\([ij])(?![A-Za-z])\s*|([A-Za-z]))"
_ACCENTED = _ACCENT + r"(?:\{\s*" + _BASE + r"\s*\}|" + _BASE + r")"
_BRACED_ACCENT = re.compile(r"\{" + _ACCENTED + r"\}")
_BARE_ACCENT = re.compile(_ACCENTED)


def _accents(text: str) -> str:
    r"""`\'e`, `\'{e}`, `{\'e}`, `\'\i`, `{\'{\i}}`, `\c c`, `\v{s}` ... as NFC characters; the
    dotless i and j under an accent become i and j (í, not ı + U+0301)."""

    def replace(match: re.Match[str]) -> str:
        mark = _ACCENTS[match[1] or match[2]]
        letter = match[3] or match[4] or match[5] or match[6]
        return unicodedata.normalize("NFC", letter + mark)

    text = _BARE_ACCENT.sub(replace, _BRACED_ACCENT.sub(replace, text))
    # Special letters: {\o}, \ss{}, {\L}ukasz ...
    return _LETTER.sub(lambda match: _LETTERS[match[1] or match[2]], text)


_LETTER_NAMES = "|".join(sorted(_LETTERS, key=len, reverse=True))
_LETTER = re.compile(
    r"\{\\(" + _LETTER_NAMES + r")\}|\\(" + _LETTER_NAMES + r")(?![A-Za-z])(?:\{\}|\s)?"
)


_SYMBOL_NAMES = "|".join(sorted(_SYMBOLS, key=len, reverse=True))
_BRACED_SYMBOL = re.compile(r"\{\\(" + _SYMBOL_NAMES + r")\s*(?:\{\})?\}")
_BARE_SYMBOL = re.compile(r"\\(" + _SYMBOL_NAMES + r")(?![A-Za-z])(?:\{\}|\s)?")


def _symbols(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        return _SYMBOLS[match[1]]

    return _BARE_SYMBOL.sub(replace, _BRACED_SYMBOL.sub(replace, text))


def commands(value: str, allowed: frozenset[str]) -> list[str]:
    """The commands in `value` outside `allowed` (outside $...$) or `MATH_MACROS` (inside)."""
    found: list[str] = []
    math = False
    for match in re.finditer(r"\\([A-Za-z]+|.)|(?<!\\)\$", value):
        if match[0] == "$":
            math = not math
            continue
        name = match[1]
        if name not in (MATH_MACROS | allowed if math else allowed):
            found.append(name)
    return sorted(set(found))
