"""Import a RenderCV input file (`cv:` with `sections:` of RenderCV's entry types; `design`,
`locale` and `settings` beside it) into a cvbuild content folder.

Entry types map to kinds: TextEntry → bio, EducationEntry → education, ExperienceEntry →
experience, PublicationEntry → a `.bib` (the owner's name forms from `cv.name` and the authors
written in bold) and a publications section, OneLineEntry → skills, NormalEntry, BulletEntry and
(Reversed)NumberedEntry → entries. A section whose entries lack dates cvbuild needs becomes an
`entries` section. `!include other.yaml` (a tag some RenderCV set-ups add) is read from beside
the source. Keys RenderCV does not know, and whatever else has no place, are `Unmapped`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from cvbuild.errors import InputError, Problem
from cvbuild.importers import (
    Imported,
    bib_escape,
    date_text,
    paragraphs,
    period_text,
    title_of,
)
from cvbuild.models import USERNAME_NETWORKS, network_key

MAX_BYTES = 1_000_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGES = {"english": "en", "german": "de", "deutsch": "de", "en": "en", "de": "de"}
# RenderCV's networks without a username scheme in cvbuild: their profile URLs.
_NETWORK_URLS = {
    "stackoverflow": "https://stackoverflow.com/users/{}",
    "imdb": "https://imdb.com/name/{}",
    "leetcode": "https://leetcode.com/u/{}",
    "telegram": "https://t.me/{}",
    "instagram": "https://instagram.com/{}",
}
_COMMON = {"start_date", "end_date", "date", "location", "summary", "highlights", "url", "doi"}
_TYPES: dict[str, set[str]] = {
    "education": {"institution", "area", "degree", *_COMMON},
    "experience": {"company", "position", *_COMMON},
    "publication": {"title", "authors", "journal", "doi", "url", "date", "summary"},
    "normal": {"name", *_COMMON},
    "oneline": {"label", "details"},
    "bullet": {"bullet"},
    "numbered": {"number"},
    "reversed": {"reversed_number"},
}


class _Include:
    def __init__(self, name: str):
        self.name = name


def _loader() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.constructor.add_constructor(
        "!include", lambda constructor, node: _Include(constructor.construct_scalar(node))
    )
    return yaml


def read(path: Path) -> Any:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise InputError([Problem("the file is larger than 1 MB; is it a CV?", path)])
    try:
        return _loader().load(data.decode("utf-8"))
    except (YAMLError, UnicodeDecodeError) as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        raise InputError(
            [Problem(f"not a YAML file RenderCV reads: {error}", path, line + 1 if line else None)]
        ) from None


def clean(text: Any) -> str:
    """A RenderCV text in cvbuild's markup: Markdown stays; Typst markup some files embed
    (`#underline[x]`, `#strong[x]`, `#emph[x]`) becomes its text or the matching markup."""
    value = str(text).strip()
    value = re.sub(r"#underline\[([^\]]*)\]", r"\1", value)
    value = re.sub(r"#strong\[([^\]]*)\]", r"**\1**", value)
    return re.sub(r"#emph\[([^\]]*)\]", r"*\1*", value)


def import_file(path: Path) -> Imported:
    data = read(path)
    if not isinstance(data, dict) or not isinstance(data.get("cv"), dict):
        raise InputError([Problem("a RenderCV file has a top-level 'cv:' with the CV", path)])
    cv = data["cv"]
    imported = Imported(person=_person(cv, path))
    _person_rest(cv, imported)
    for key, value in data.items():
        if key == "cv":
            continue
        if key == "locale" and isinstance(value, dict):
            language = _LANGUAGES.get(str(value.get("language", "")).lower())
            if language:
                imported.settings["language"] = language
                value = {k: v for k, v in value.items() if k != "language"}
        if key in ("settings", "rendercv_settings") and isinstance(value, dict):
            as_of = date_text(value.get("current_date"))
            if as_of and len(as_of) == 10:
                imported.settings["as_of"] = as_of
                value = {k: v for k, v in value.items() if k != "current_date"}
        if value not in (None, {}, []):
            shown = ", ".join(map(str, value)) if isinstance(value, dict) else value
            why = "RenderCV's look and settings; cvbuild's are settings.style, color, paper"
            imported.skip(key, shown, why, text=False)
    sections = cv.get("sections") or {}
    if not isinstance(sections, dict):
        imported.skip("cv.sections", sections, "expected a mapping of section titles to lists")
        sections = {}
    for key, entries in sections.items():
        where = f"cv.sections.{key}"
        if isinstance(entries, _Include):
            entries = _include(entries, path, where, imported)
            if entries is None:
                continue
        if not isinstance(entries, list) or not entries:
            imported.skip(where, entries, "a section is a list of entries")
            continue
        _section(str(key), entries, where, imported)
    return imported


def _include(include: _Include, source: Path, where: str, imported: Imported) -> Any:
    target = (source.parent / include.name).resolve()
    if source.parent.resolve() not in target.parents or not target.is_file():
        imported.skip(
            where, f"!include {include.name}", "the included file is not beside the source"
        )
        return None
    return read(target)


# --------------------------------------------------------------------------- person


def _person(cv: dict[str, Any], path: Path) -> dict[str, Any]:
    name = str(cv.get("name") or "").split()
    if len(name) < 2:
        raise InputError([Problem("cv.name needs a given and a family name", path)])
    person: dict[str, Any] = {"given_names": " ".join(name[:-1]), "family_name": name[-1]}
    return person


def _person_rest(cv: dict[str, Any], imported: Imported) -> None:
    person = imported.person
    profiles: list[dict[str, Any]] = []
    for key, value in cv.items():
        where = f"cv.{key}"
        if value in (None, "", []) or key in ("name", "sections"):
            continue
        if key == "headline":
            person["headline"] = str(value)
        elif key == "location":
            person["address"] = {"location": str(value)}
        elif key == "email" and _EMAIL.match(str(value)):
            person["email"] = str(value)
        elif key == "phone":
            person["phone"] = str(value)
        elif key == "website":
            profiles.append({"network": "homepage", "url": str(value), "label": _bare(value)})
        elif key == "social_networks" and isinstance(value, list):
            for index, network in enumerate(value):
                profile = _network(network)
                if profile:
                    profiles.append(profile)
                else:
                    imported.skip(f"{where}[{index}]", network, "a network without a known URL")
        elif key == "custom_connections" and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict) and item.get("url"):
                    label = str(item.get("placeholder") or _bare(item["url"]))
                    profiles.append(
                        {"network": "homepage", "url": str(item["url"]), "label": label}
                    )
                    rest = {k: v for k, v in item.items() if k not in ("url", "placeholder")}
                    imported.skip(f"{where}[{index}]", rest, "icons are the style's", text=False)
                else:
                    imported.skip(f"{where}[{index}]", item, "a connection without a URL")
        else:
            imported.skip(where, value, "no such field in cvbuild's person")
    if profiles:
        person["profiles"] = profiles


def _bare(url: Any) -> str:
    return re.sub(r"^https?://(www\.)?", "", str(url)).rstrip("/")


def _network(network: Any) -> dict[str, Any] | None:
    if not isinstance(network, dict) or not network.get("username"):
        return None
    name, username = str(network.get("network", "")), str(network["username"])
    key = network_key(name)
    if key in USERNAME_NETWORKS:
        return {"network": key, "username": username}
    if key == "mastodon" and re.match(r"^@?[^@\s]+@[^@\s]+$", username):
        user, host = username.lstrip("@").split("@")
        return {"network": name, "url": f"https://{host}/@{user}", "label": username}
    if key in _NETWORK_URLS:
        return {"network": name, "url": _NETWORK_URLS[key].format(username), "label": username}
    return None


# --------------------------------------------------------------------------- sections


def _type(entry: Any) -> str:
    if isinstance(entry, str):
        return "text"
    if not isinstance(entry, dict):
        return "unknown"
    if "bullet" in entry:
        return "bullet"
    if "label" in entry and "details" in entry:
        return "oneline"
    if "institution" in entry and "area" in entry:
        return "education"
    if "company" in entry and "position" in entry:
        return "experience"
    if "title" in entry and "authors" in entry:
        return "publication"
    if "name" in entry:
        return "normal"
    if "reversed_number" in entry:
        return "reversed"
    if "number" in entry:
        return "numbered"
    return "unknown"


def _section(key: str, entries: list[Any], where: str, imported: Imported) -> None:
    title = title_of(key)
    kind = _type(entries[0])
    typed = [(i, e) for i, e in enumerate(entries) if _type(e) == kind]
    for index, entry in enumerate(entries):
        if _type(entry) != kind:
            imported.skip(f"{where}[{index}]", entry, f"not a {kind} entry like the first")
        elif isinstance(entry, dict):
            extra = {k: v for k, v in entry.items() if k not in _TYPES.get(kind, set())}
            for name, value in extra.items():
                imported.skip(f"{where}[{index}].{name}", value, "no field for it in cvbuild")
    values = [e for _, e in typed]
    if kind == "text":
        imported.section(key, "bio", title, paragraphs=[clean(v) for v in values])
    elif kind == "oneline":
        skills = [{"label": clean(v["label"]), "text": clean(v["details"])} for v in values]
        imported.section(key, "skills", title, skills=skills)
    elif kind == "education" and all(_period(v) for v in values):
        imported.section(key, "education", title, institutions=_education(values))
    elif kind == "experience" and all(_period(v) for v in values):
        imported.section(key, "experience", title, employers=_experience(values))
    elif kind == "publication":
        _publications(key, title, typed, where, imported)
    elif kind == "unknown":
        imported.skip(where, entries, "entries of no RenderCV type")
    else:
        imported.section(key, "entries", title, entries=[_entry(v, kind) for v in values])


def _period(entry: dict[str, Any]) -> str | None:
    return period_text(entry.get("start_date"), entry.get("end_date"), entry.get("date"))


def _text(entry: dict[str, Any]) -> str | None:
    text = paragraphs(entry.get("summary"), entry.get("highlights") or [])
    return clean(text) if text else None


def _linked(name: Any, url: Any) -> str:
    text = clean(name)
    return f"[{text}]({url})" if url and re.match(r"^https?://\S+$", str(url)) else text


def _education(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    institutions: list[dict[str, Any]] = []
    for value in values:
        name = _linked(value["institution"], value.get("url"))
        location = clean(value.get("location") or "")
        degree = ", ".join(clean(p) for p in (value.get("degree"), value.get("area")) if p)
        item: dict[str, Any] = {"degree": degree, "period": _period(value)}
        summary = _text(value)
        if summary:
            item["summary"] = summary
        if institutions and (institutions[-1]["name"], institutions[-1].get("location", "")) == (
            name,
            location,
        ):
            institutions[-1]["degrees"].append(item)
            continue
        institution: dict[str, Any] = {"name": name, "degrees": [item]}
        if location:
            institution["location"] = location
        institutions.append(institution)
    return institutions


def _experience(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    employers: list[dict[str, Any]] = []
    for value in values:
        name = _linked(value["company"], value.get("url"))
        location = clean(value.get("location") or "")
        role: dict[str, Any] = {"title": clean(value["position"]), "period": _period(value)}
        summary = _text(value)
        if summary:
            role["summary"] = summary
        if employers and (employers[-1]["name"], employers[-1].get("location", "")) == (
            name,
            location,
        ):
            employers[-1]["roles"].append(role)
            continue
        employer: dict[str, Any] = {"name": name, "roles": [role]}
        if location:
            employer["location"] = location
        employers.append(employer)
    return employers


def _entry(value: Any, kind: str) -> dict[str, Any]:
    if kind == "text" or not isinstance(value, dict):
        return {"text": clean(value)}
    if kind == "bullet":
        return {"text": clean(value["bullet"])}
    if kind in ("numbered", "reversed"):
        return {"text": clean(value.get("number") or value.get("reversed_number"))}
    if kind == "oneline":
        return {"title": clean(value["label"]), "text": clean(value["details"])}
    title = value.get("name") or value.get("position") or value.get("institution")
    subtitle = value.get("company") or value.get("area") or value.get("degree")
    entry: dict[str, Any] = {"title": clean(title)}
    period = _period(value)
    text = _text(value)
    free_date = next(
        (str(value[k]) for k in ("date", "start_date", "end_date") if value.get(k)), None
    )
    if period:
        entry["date"] = period
    elif free_date:  # a date cvbuild cannot read ('Fall 2021'): kept as text
        dates = " – ".join(str(value[k]) for k in ("start_date", "end_date") if value.get(k))
        text = paragraphs(str(value.get("date") or dates), text)
    if subtitle:
        entry["subtitle"] = clean(subtitle)
    if value.get("location"):
        entry["location"] = clean(value["location"])
    if text:
        entry["text"] = text
    if value.get("url"):
        entry["links"] = [{"label": _bare(value["url"]), "url": str(value["url"])}]
    return entry


# --------------------------------------------------------------------------- publications

_MARKED = re.compile(r"^(\*\*|\*)(.+?)\1$")


def _author(raw: Any) -> tuple[str, str]:
    """An author as written ('**Marine A. Denolle**') → (name, mark): '**' for the owner (bold),
    '*' for another mark (RenderCV users put mentees in italics)."""
    text = clean(raw)
    match = _MARKED.match(text)
    return (match[2].strip(), match[1]) if match else (text, "")


def _family_first(name: str) -> str:
    if "," in name:
        return name
    words = name.split()
    return f"{words[-1]}, {' '.join(words[:-1])}" if len(words) > 1 else name


def _publications(
    key: str, title: str, typed: list[tuple[int, Any]], where: str, imported: Imported
) -> None:
    owner = imported.person["given_names"] + " " + imported.person["family_name"]
    forms = [_family_first(owner)]
    italic = 0
    categories: list[str] = []
    for index, value in typed:
        date = date_text(value.get("date"))
        if not date:
            imported.skip(f"{where}[{index}]", value, "a publication without a date")
            continue
        authors = []
        for raw in value.get("authors") or []:
            name, mark = _author(raw)
            authors.append(bib_escape(name))
            if mark == "**" and _family_first(name) not in forms:
                forms.append(_family_first(name))
            italic += mark == "*"
        bib_key = f"{slug_key(authors[0] if authors else owner)}{date[:4]}-{len(imported.bib) + 1}"
        fields = {
            "author": " and ".join(authors) or bib_escape(owner),
            "title": bib_escape(clean(value["title"])),
            "year": date[:4],
        }
        if len(date) >= 7:
            fields["month"] = str(int(date[5:7]))
        if value.get("journal"):
            fields["journal"] = bib_escape(clean(value["journal"]))
            entry_type, category = "article", "journal"
        else:
            entry_type, category = "misc", "preprint"
        for name in ("doi", "url"):
            if value.get(name):
                fields[name] = str(value[name]).strip()
        if value.get("summary"):
            fields["addendum"] = bib_escape(clean(value["summary"]))
        body = ",\n".join(f"  {name} = {{{text}}}" for name, text in fields.items())
        imported.bib.append(f"@{entry_type}{{{bib_key},\n{body}\n}}\n")
        if category not in categories:
            categories.append(category)
    if italic:
        imported.skip(
            where, f"{italic} authors in italics", "only the owner is marked (bold)", text=False
        )
    imported.owner_names = forms
    names = {"journal": title, "preprint": f"{title}: unpublished"}
    lists = [{"category": c, "title": names[c]} for c in categories]
    if lists:
        imported.section(key, "publications", title, lists=lists)


def slug_key(name: str) -> str:
    family = name.split(",")[0] if "," in name else (name.split() or ["anon"])[-1]
    return re.sub(r"[^a-z]", "", family.lower()) or "anon"
