"""The one way user text enters LaTeX.

`escape(text)` makes any supported string print literally; the LaTeX writer escapes every leaf
of rich text (`cvbuild.richtext`: the markup of text fields, parsed) with `escape_inline`.
Which characters can be printed at all is `cvbuild.repertoire`'s business.
"""

from __future__ import annotations

import re
import unicodedata

# Characters with a meaning in TeX, or that T1 fonts turn into something else (ligatures,
# quotes), mapped to commands that print them as themselves.
CHARACTER_TABLE: dict[str, str] = {
    "\\": r"\textbackslash\cvbuildbreak{}",
    "/": r"/\cvbuildbreak{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_\cvbuildbreak{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\textquotedbl{}",
    "'": r"\textquotesingle{}",
    "`": r"\textasciigrave{}",
    "\u00a0": "~",  # no-break space
    "\u202f": r"\,",  # narrow no-break space
    "\u2009": r"\,",  # thin space
    "\u2013": r"\textendash{}",
    "\u2014": r"\textemdash{}",
    "\u2026": r"\textellipsis{}",
    "\u2212": r"\textminus{}",
    "\u2018": r"\textquoteleft{}",
    "\u2019": r"\textquoteright{}",
    "\u201c": r"\textquotedblleft{}",
    "\u201d": r"\textquotedblright{}",
    "\u00ad": r"\-{}",  # soft hyphen
    # babel makes ĳ/Ĳ a \char188 that a following digit would continue ("ĳ6" → \char1886)
    "\u0133": "\u0133{}",
    "\u0132": "\u0132{}",
}

# A paragraph break that may stand inside moderncv's (non-\long) macro arguments; defined in
# latex/cvbuild.sty as \par.
PARAGRAPH_BREAK = r"\cvbuildpar{}"

# Pairs that T1 fonts would merge into another glyph: '--' (dash), ',,' („), '<<' and '>>' (« »),
# '!`' and '?`'. The doubled ones are kept apart by \cvbuildnolig{} (latex/cvbuild.sty): an empty
# group does that under pdflatex, but LuaTeX joins the two characters across it.
_DOUBLED_LIGATURES = frozenset("-,<>")
NO_LIGATURE = r"\cvbuildnolig{}"


def escape(text: str) -> str:
    """Plain text → LaTeX that prints exactly `text` (whitespace folded, blank lines → \\par)."""
    text = unicodedata.normalize("NFC", text)
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return PARAGRAPH_BREAK.join(_escape_run(_fold_spaces(p)) for p in paragraphs)


def escape_inline(text: str) -> str:
    """A piece of a longer text (a rich-text leaf): like `escape`, but its leading and trailing
    space is kept, as it separates it from its neighbours."""
    text = unicodedata.normalize("NFC", text)
    return _escape_run(re.sub(r"[ \t\r\n]+", " ", text))


def escape_bib(text: str) -> str:
    r"""`escape`, for a value cvbuild writes into a .bib: BibTeX counts braces even after a
    backslash, so `\{` and `\}` are written as \textbraceleft and \textbraceright."""
    return escape(text).replace(r"\{", r"\textbraceleft{}").replace(r"\}", r"\textbraceright{}")


def _fold_spaces(text: str) -> str:
    """Runs of ordinary white space become one space; no-break and thin spaces stay."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip(" ")


# A host name before a slash ("github.com/", "https://arxiv.org/"): no line break after that
# slash, which would leave the host alone at a line's end.
_HOST = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://)?[\w-]+(?:\.[\w-]+)+")


# A URL written out in the text, and the characters of its path and query after which it may
# break (a 300-character tracking link ran 250 pt into the margin).
_URL = re.compile(r"\S*://\S+|www\.\S+")
_URL_BREAKS = {"-": "-", "?": "?", "=": "=", "&": r"\&"}
_URL_RUN = 16  # letters and digits of a URL after which a line may break, if no other break


# A single letter (with or without its full stop) before a capitalised word: an initial, whose
# space is a no-break one, so that "A Hill" or "A. B. Hill" is never split across lines.
_INITIAL = re.compile(r"(?<![\w./:@])([^\W\d_]\.?) (?=[^\W\d_])")


def _initial_spaces(text: str) -> set[int]:
    return {
        match.end() - 1
        for match in _INITIAL.finditer(text)
        if match.group(1)[0].isupper() and text[match.end()].isupper()
    }


def _escape_run(text: str) -> str:
    out: list[str] = []
    tied = _initial_spaces(text) if " " in text else set()
    in_url: set[int] = set()
    if "://" in text or "www." in text:
        for match in _URL.finditer(text):
            in_url.update(range(match.start(), match.end() - 1))
    for index, char in enumerate(text):
        if index in tied:
            out.append("~")
        elif char == "/" and _unbreakable_slash(text, index):
            out.append("/")
        elif char in _URL_BREAKS and index in in_url:
            out.append(_URL_BREAKS[char] + r"\cvbuildbreak{}")
        elif char in CHARACTER_TABLE:
            out.append(CHARACTER_TABLE[char])
            if char in _DOUBLED_LIGATURES and text[index + 1 : index + 2] == char:
                out.append(NO_LIGATURE)
        elif char in _DOUBLED_LIGATURES and text[index + 1 : index + 2] == char:
            out.append(char + NO_LIGATURE)
        elif (char == "!" or char == "?") and text[index + 1 : index + 2] == "`":
            out.append(char + "{}")
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            out.append(" ")  # control characters: never meaningful in a CV
        else:
            out.append(char)
        if index in in_url and _in_long_code(text, index):
            out.append(r"\cvbuildbreak{}")
    return "".join(out)


def _in_long_code(text: str, index: int) -> bool:
    """A line may break after every 16th character (counted from the text's start) of a run
    of letters and digits in a URL ("mkt_tok=MTMxLUFRTy0yMjUAAAGgcXIp..."), so that no
    unbreakable piece is longer than 31 characters."""
    return (index + 1) % _URL_RUN == 0 and text[index - _URL_RUN + 1 : index + 1].isalnum()


def _unbreakable_slash(text: str, index: int) -> bool:
    """The slash at `index` is one of a scheme's "//" or ends a host name."""
    if text[index + 1 : index + 2] == "/" or text[index - 1 : index] == "/":
        return True
    start = max(text.rfind(space, 0, index) for space in " \u00a0\t\n") + 1
    return _HOST.fullmatch(text, start, index) is not None


# Characters a URI may not hold as they are (RFC 3986): they are percent-encoded.
_URI_UNSAFE = set('\\{}^ "<>|`')


def uri(url: str) -> str:
    """A URL or IRI as the ASCII URI a PDF link needs: a non-ASCII host name in its IDNA form
    (müller.de → xn--mller-kva.de), other non-ASCII and unsafe characters percent-encoded as
    UTF-8, a '%' that starts no %XX code encoded too; everything else, '~' included, kept."""
    text = unicodedata.normalize("NFC", url.strip())
    scheme, sep, rest = text.partition("://")
    if sep and not scheme.isascii():
        scheme, sep, rest = "", "", text
    if sep:
        authority, slash, tail = _split_authority(rest)
        text = f"{scheme}://{_ascii_authority(authority)}{slash}{tail}"
    return _percent_encode(text)


def _split_authority(rest: str) -> tuple[str, str, str]:
    match = re.match(r"([^/?#]*)([/?#]?)(.*)", rest, re.DOTALL)
    assert match is not None
    return match[1], match[2], match[3]


def _ascii_authority(authority: str) -> str:
    userinfo, at, hostport = authority.rpartition("@")
    host, colon, port = hostport.partition(":")
    return f"{userinfo}{at}{idna_host(host)}{colon}{port}"


def idna_host(host: str) -> str:
    """A host name in ASCII (IDNA); one that IDNA refuses stays as it is (then percent-encoded)."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _percent_encode(text: str) -> str:
    out = []
    for index, char in enumerate(text):
        if char == "%" and not re.match(r"[0-9A-Fa-f]{2}", text[index + 1 : index + 3]):
            out.append("%25")
        elif char in _URI_UNSAFE or ord(char) < 0x21 or ord(char) > 0x7E:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
    return "".join(out)


def email_uri(address: str) -> str:
    """An e-mail address as the target of a mailto: link (IDNA domain, encoded local part)."""
    local, at, domain = unicodedata.normalize("NFC", address.strip()).rpartition("@")
    return f"{_percent_encode(local)}{at}{_percent_encode(idna_host(domain))}"


def escape_url(url: str, *, email: bool = False) -> str:
    r"""A URL (or, with `email`, an address) as the argument of \href: the URI of `uri()`, with
    the characters TeX would take as commands (# % & _ $) backslash-escaped; hyperref reads
    them back as themselves, also where the link stands inside another command's argument."""
    target = email_uri(url) if email else uri(url)
    return "".join("\\" + char if char in "#%&_$" else char for char in target)


def escape_xmp(text: str) -> str:
    r"""Text for pdfx's `.xmpdata` file (PDF metadata), which has its own small markup: `\%`,
    `\{`, `\}`, `\&` and `\backslash`; other characters stand for themselves."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    # \backslash ends at the space after it, which TeX then drops: a space that followed the
    # backslash in the text is written as \space (whose own delimiting space TeX drops too).
    return re.sub(r"\\ ?|[%{}&]", _xmp_token, text)


def _xmp_token(match: re.Match[str]) -> str:
    token = match.group()
    if token.startswith("\\"):
        return r"\backslash\space " if token.endswith(" ") else r"\backslash "
    return "\\" + token
