"""A .bbl for a bibliography that differs from the last build's in a few entries, made from the
last .bbl and biber's output for those entries alone: adding one entry to a list of 1,000 costs
biber 0.5 s, not 6 s (biber spends about 6 ms an entry, most of it on names).

biber's output for an entry depends on that entry alone, with three exceptions, which are
redone here as biber does them: `sortinit` (the first digit of the entry's place in the list,
under cvbuild's `sorting=none`) with its hash, `extraname` (the entry's number among entries
whose label names have the same family names, when there are several) and `usera` (cvbuild's
label, which moves when an entry is added before it: patched, not sent to biber again).
The result must be the .bbl biber writes for the whole list, byte for byte
(tests/test_bbl_delta.py compares on real exports). Whenever a condition for that is not met,
`plan` or `splice` answer None and compile.py runs biber on the whole list: another .bbl layout
(refsections, sorting, several lists), fields biber resolves across entries (crossref, xdata,
sets, related entries, aliases), options that make it compare entries (uniquename, labelalpha,
extradate, singletitle, ...), a hash it has not shown for a first digit, or a change to half of
the list or more. This module reads and writes text; compile.py runs biber.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# How cvbuild writes each .bib entry (writers/latex.py): "@type{key," and its fields on lines of
# their own, entries apart by an empty line.
_BIB_ENTRY = re.compile(r"^@(\w+)\{([^,\s]+),\n(.*?)^\}\n", re.M | re.S)
_USERA = re.compile(r"^  usera = \{([A-Za-z0-9.\-]*)\},?\n", re.M)
# Fields biber resolves across entries: never handled here.
_ACROSS_ENTRIES = re.compile(r"^  (?:crossref|xref|xdata|related|entryset|ids|set) = ", re.M)

_HEADER_END = "\\refsection{0}\n  \\datalist[entry]{none/global//global/global}\n"
_FOOTER = "  \\enddatalist\n\\endrefsection\n\\endinput\n\n"
_BLOCK = re.compile(r"    \\entry\{([^}]*)\}\{[^}]*\}\{[^}]*\}\n.*?^    \\endentry\n", re.M | re.S)
# What biber writes only when it compares entries (or options cvbuild does not set).
_COMPARING = re.compile(
    r"\\(?:inset|set|keyalias|missing|xref)\b|\\true\{(?:single|unique)|"
    r"\\field\{(?:extradate|extraalpha|labelalpha|labelprefix|crossref|xdata|extratitle|"
    r"extratitleyear|labeldatesource)\}|uniquename=|uniquepart="
)
_USERA_LINE = re.compile(r"^      \\field\{usera\}\{[^}\n]*\}\n", re.M)
_EXTRANAME = re.compile(r"^      \\field\{extraname\}\{(\d+)\}\n", re.M)
_LABELNAME_SOURCE = re.compile(r"^      \\field\{labelnamesource\}\{(\w+)\}\n", re.M)
# One part of a name as biber writes it: "           family={Müller}," (braces inside balanced
# to three levels, as biber writes a braced name such as {{ITU-T}}).
_NAME_PART = re.compile(r"^           (\w+)=\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}", re.M)
_SORTINIT = re.compile(r"^      \\field\{sortinit\}\{(.)\}\n      \\field\{sortinithash\}\{(\w+)\}\n", re.M)  # fmt: skip
# The place of the first entry in biber's count (with \nocite{*}, that count starts at 2).
_FIRST_PLACE = 2


@dataclass(frozen=True)
class Plan:
    keys: tuple[str, ...]  # the new list's entries, in order
    to_biber: tuple[str, ...]  # the entries biber must read (new or changed), as in the .bib
    relabelled: dict[str, str]  # entry key -> its new usera, for entries changed only there


@dataclass(frozen=True)
class Bbl:
    header: str
    blocks: dict[str, str]  # entry key -> its lines, in order


def entries(bib: str) -> dict[str, str] | None:
    """The entries of a .bib cvbuild wrote, by key, in order (None if it is not laid out as
    cvbuild writes it)."""
    found = {match[2]: match[0] for match in _BIB_ENTRY.finditer(bib)}
    if "\n".join(found.values()).rstrip("\n") != bib.rstrip("\n"):
        return None  # another layout, text between entries, or a key twice
    return found


def read_bbl(text: str) -> Bbl | None:
    """The header and the entries of a .bbl with one refsection and one `sorting=none` list,
    nothing else between its entries; None for any other .bbl, or one that compares entries."""
    start = text.find(_HEADER_END)
    if start < 0 or text.count("\\refsection{") != 1 or not text.endswith(_FOOTER):
        return None
    header = text[: start + len(_HEADER_END)]
    body = text[len(header) : len(text) - len(_FOOTER)]
    blocks: dict[str, str] = {}
    position = 0
    for match in _BLOCK.finditer(body):
        if match.start() != position or match[1] in blocks:
            return None
        blocks[match[1]] = match[0]
        position = match.end()
    if position != len(body) or _COMPARING.search(body):
        return None
    return Bbl(header, blocks)


def plan(old_bib: str, new_bib: str, old_bbl: Bbl) -> Plan | None:
    """What biber must read again for `new_bib`, when the .bbl of `old_bib` was `old_bbl`."""
    old, new = entries(old_bib), entries(new_bib)
    if old is None or new is None or not new or list(old) != list(old_bbl.blocks):
        return None
    if _ACROSS_ENTRIES.search(old_bib) or _ACROSS_ENTRIES.search(new_bib):
        return None
    if _sortinit_hashes([old_bbl]) is None:
        return None  # biber's .bbl does not follow the rules redone here: no run for nothing
    changed: list[str] = []
    relabelled: dict[str, str] = {}
    for key, entry in new.items():
        before = old.get(key)
        if before == entry:
            continue
        if before is not None and _USERA.sub("", before) == _USERA.sub("", entry):
            label = _USERA.search(entry)
            if label is not None and _USERA.search(before) is not None:
                relabelled[key] = label[1]
                continue
        changed.append(entry)
    if 2 * len(changed) >= len(new):
        return None
    return Plan(tuple(new), tuple(changed), relabelled)


def splice(old_bbl: Bbl, planned: Plan, from_biber: Bbl | None) -> str | None:
    """The .bbl biber would write for the whole new list (None when it cannot be told)."""
    fresh = from_biber.blocks if from_biber is not None else {}
    if from_biber is not None and from_biber.header != old_bbl.header:
        return None
    blocks = []
    for key in planned.keys:
        block = fresh.get(key) or old_bbl.blocks.get(key)
        if block is None:
            return None
        if key in planned.relabelled and key not in fresh:
            line = f"      \\field{{usera}}{{{planned.relabelled[key]}}}\n"
            block, count = _USERA_LINE.subn(line.replace("\\", "\\\\"), block)
            if count != 1:
                return None
        blocks.append(_EXTRANAME.sub("", block))
    hashes = _sortinit_hashes([old_bbl] if from_biber is None else [old_bbl, from_biber])
    if hashes is None:
        return None
    numbered = _with_extraname(blocks)
    if numbered is None:
        return None
    placed = []
    for place, block in enumerate(numbered, start=_FIRST_PLACE):
        digit = str(place)[0]
        if digit not in hashes:
            return None
        line = f"      \\field{{sortinit}}{{{digit}}}\n      \\field{{sortinithash}}{{{hashes[digit]}}}\n"  # fmt: skip
        block, count = _SORTINIT.subn(line.replace("\\", "\\\\"), block)
        if count != 1:
            return None
        placed.append(block)
    return old_bbl.header + "".join(placed) + _FOOTER


def _sortinit_hashes(bbls: list[Bbl]) -> dict[str, str] | None:
    """The hash biber writes beside each first digit, from the .bbls it wrote; None when they
    do not follow the rules this module redoes (a place's first digit, one hash a digit,
    extraname right before sortinit)."""
    hashes: dict[str, str] = {}
    for bbl in bbls:
        for place, block in enumerate(bbl.blocks.values(), start=_FIRST_PLACE):
            found = _SORTINIT.search(block)
            if found is None or found[1] != str(place)[0]:
                return None
            if hashes.setdefault(found[1], found[2]) != found[2]:
                return None
        if _with_extraname([_EXTRANAME.sub("", b) for b in bbl.blocks.values()]) != list(
            bbl.blocks.values()
        ):
            return None
    return hashes


def _with_extraname(blocks: list[str]) -> list[str] | None:
    """Each block with biber's `extraname`: its number among the entries whose label names
    are alike, when more than one is; written just before `sortinit`."""
    names = [_labelname_key(block) for block in blocks]
    counts = Counter(name for name in names if name is not None)
    seen: Counter[str] = Counter()
    numbered = []
    for block, name in zip(blocks, names, strict=True):
        if name is not None and counts[name] > 1:
            seen[name] += 1
            at = block.find("      \\field{sortinit}{")
            if at < 0:
                return None
            block = f"{block[:at]}      \\field{{extraname}}{{{seen[name]}}}\n{block[at:]}"
        numbered.append(block)
    return numbered


def _labelname_key(block: str) -> str | None:
    """What biber's extraname compares (Biber::Internals::_getnamehash_u with cvbuild's
    options: every name shown, uniquename off): the prefixes and family names of the label
    name list, one after the other, and "+" when the list goes on ("and others")."""
    source = _LABELNAME_SOURCE.search(block)
    if source is None:
        return None
    names = re.search(
        r"^      \\name\{" + re.escape(source[1]) + r"\}\{\d+\}\{[^\n]*\}\{%\n(.*?)^      \}\n",
        block,
        re.M | re.S,
    )
    if names is None:
        return None
    key = []
    for name in re.split(r"^        \{\{", names[1], flags=re.M)[1:]:
        parts = dict(_NAME_PART.findall(name))
        key.append(parts.get("prefix", "") + parts.get("family", ""))
    more = "      \\true{morelabelname}\n" in block
    return "".join(key) + ("+" if more else "")
