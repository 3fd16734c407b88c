"""Import a JSON Resume file (jsonresume.org schema v1; JSON with `//` comments too, as al-folio
sites keep theirs) into a cvbuild content folder.

basics → person (and a bio from `summary`), work → experience, volunteer → entries, education →
education, awards → awards, certificates → entries, publications → entries (JSON Resume has no
authors, which a .bib needs), skills → skills, languages → languages, interests → entries,
references → references, projects → entries. What has no place is `Unmapped`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cvbuild.errors import InputError, Problem
from cvbuild.importers import (
    Imported,
    date_text,
    load_jsonish,
    paragraphs,
    period_text,
)
from cvbuild.models import USERNAME_NETWORKS, network_key

MAX_BYTES = 1_000_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://\S+$")
_TITLES = {
    "work": "Work Experience", "volunteer": "Volunteering", "education": "Education",
    "awards": "Awards", "certificates": "Certificates", "publications": "Publications",
    "skills": "Skills", "languages": "Languages", "interests": "Interests",
    "references": "References", "projects": "Projects",
}  # fmt: skip


def read(path: Path) -> Any:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise InputError([Problem("the file is larger than 1 MB; is it a CV?", path)])
    try:
        return load_jsonish(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        line = getattr(error, "lineno", None)
        raise InputError(
            [Problem(f"not a JSON Resume file (JSON, comments allowed): {error}", path, line)]
        ) from None


def _url(value: Any) -> str | None:
    """A URL as cvbuild takes it (absolute); 'example.org/page' gets its https://."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if _URL.match(value):
        return str(value)
    if re.match(r"^[\w.-]+\.[a-z]{2,}(/\S*)?$", value, re.I):
        return f"https://{value}"
    return None


def _linked(name: Any, url: Any) -> str:
    target = _url(url)
    return f"[{name}]({target})" if target else str(name)


def _text(value: Any) -> str:
    return str(value).strip()


class _Fields:
    """The fields of one source item: each read is marked used; the rest are unmapped."""

    def __init__(self, item: dict[str, Any], where: str, imported: Imported):
        self.item, self.where, self.imported = item, where, imported
        self.used: set[str] = set()

    def get(self, *names: str) -> Any:
        for name in names:
            self.used.add(name)
        return next((self.item[n] for n in names if self.item.get(n) not in (None, "", [])), None)

    def done(self) -> None:
        for name, value in self.item.items():
            if name not in self.used:
                self.imported.skip(f"{self.where}.{name}", value, "no field for it in cvbuild")


def import_file(path: Path) -> Imported:
    data = read(path)
    if not isinstance(data, dict) or not isinstance(data.get("basics"), dict):
        raise InputError([Problem("a JSON Resume file has a 'basics' object with the name", path)])
    imported = Imported(person={})
    summary = _person(data["basics"], path, imported)
    if summary:
        imported.section("summary", "bio", "Summary", paragraphs=[summary])
    for key, value in data.items():
        if key in ("basics",):
            continue
        if key in ("meta", "$schema"):
            imported.skip(key, value, "JSON Resume's own information", text=False)
            continue
        if not isinstance(value, list):
            imported.skip(key, value, "not a section of JSON Resume")
            continue
        items = [v for v in value if v not in (None, {}, "")]
        if not items:
            continue
        handler = _SECTIONS.get(key)
        if handler is None:
            imported.skip(key, value, "not a section of JSON Resume")
            continue
        handler(key, items, imported)
        if key == "publications":
            why = (
                "JSON Resume lists no authors, which a .bib needs: a plain list; add them to a .bib"
            )
            imported.skip(key, f"{len(items)} publications", why, text=False)
    return imported


# --------------------------------------------------------------------------- basics


def _person(basics: dict[str, Any], path: Path, imported: Imported) -> str | None:
    """Fills `imported.person`; returns the summary (printed as the first section)."""
    words = str(basics.get("name") or "").split()
    if len(words) < 2:
        raise InputError([Problem("basics.name needs a given and a family name", path)])
    person: dict[str, Any] = {"given_names": " ".join(words[:-1]), "family_name": words[-1]}
    fields = _Fields(basics, "basics", imported)
    fields.get("name")
    if fields.get("label"):
        person["headline"] = _text(basics["label"])
    email = fields.get("email")
    if email and _EMAIL.match(str(email)):
        person["email"] = str(email)
    elif email:
        imported.skip("basics.email", email, "not an e-mail address")
    if fields.get("phone"):
        person["phone"] = _text(basics["phone"])
    profiles: list[dict[str, Any]] = []
    website = fields.get("url", "website")
    if website:
        if _url(website):
            shown = re.sub(r"^https?://(www\.)?", "", str(website)).rstrip("/")
            profiles.append({"network": "homepage", "url": _url(website), "label": shown})
        else:
            imported.skip("basics.url", website, "not a web address")
    location = fields.get("location")
    if isinstance(location, dict):
        address = _address(location, imported)
        if address:
            person["address"] = address
    for index, profile in enumerate(fields.get("profiles") or []):
        mapped = _profile(profile)
        if mapped:
            profiles.append(mapped)
        else:
            imported.skip(f"basics.profiles[{index}]", profile, "a profile without a URL")
    if profiles:
        person["profiles"] = profiles
    image = fields.get("image", "picture")
    if image:
        imported.skip(
            "basics.image", image, "a photo must be a file beside the YAML (person.photo)"
        )
    summary = fields.get("summary")
    fields.done()
    imported.person = person
    return _text(summary) if summary else None


def _address(location: dict[str, Any], imported: Imported) -> dict[str, Any] | None:
    fields = _Fields(location, "basics.location", imported)
    address: dict[str, Any] = {}
    for source, target in (
        ("address", "street"),
        ("postalCode", "postal_code"),
        ("city", "city"),
        ("region", "region"),
        ("countryCode", "country"),
    ):
        value = fields.get(source)
        if value:
            address[target] = _text(value).upper() if source == "countryCode" else _text(value)
    fields.done()
    if not address:
        return None
    if "city" not in address:
        return {"location": ", ".join(address.values())}
    return address


def _profile(profile: Any) -> dict[str, Any] | None:
    if not isinstance(profile, dict):
        return None
    name = str(profile.get("network") or "profile")
    url, username = _url(profile.get("url")), str(profile.get("username") or "")
    key = network_key(name)
    if url:
        mapped: dict[str, Any] = {"network": key if key in USERNAME_NETWORKS else name, "url": url}
        mapped["label"] = username or re.sub(r"^https?://(www\.)?", "", url).rstrip("/")
        return mapped
    if username and key in USERNAME_NETWORKS:
        return {"network": key, "username": username}
    return None


# --------------------------------------------------------------------------- sections


def _period(fields: _Fields) -> str | None:
    start, end = fields.get("startDate"), fields.get("endDate")
    return period_text(start, end) if start else date_text(end) if end else None


def _dated(fields: _Fields, key: str = "date") -> str | None:
    return date_text(fields.get(key, "releaseDate"))


def _work(key: str, items: list[Any], imported: Imported) -> None:
    employers: list[dict[str, Any]] = []
    fallback = []
    for index, item in enumerate(items):
        fields = _Fields(item, f"{key}[{index}]", imported)
        period = _period(fields)
        name = fields.get("name", "company")
        if not period or not name or not fields.get("position"):
            fallback.append((index, item))
            continue
        role: dict[str, Any] = {"title": _text(item["position"]), "period": period}
        summary = paragraphs(fields.get("summary", "description"), fields.get("highlights") or [])
        if summary:
            role["summary"] = summary
        employer = {"name": _linked(name, fields.get("url")), "roles": [role]}
        if fields.get("location"):
            employer["location"] = _text(item["location"])
        _add_grouped(employers, employer, "roles")
        fields.done()
    if employers:
        imported.section(key, "experience", _TITLES[key], employers=employers)
    if fallback:
        _entries(key, [i for _, i in fallback], imported, offsets=[i for i, _ in fallback])


def _add_grouped(groups: list[dict[str, Any]], group: dict[str, Any], items: str) -> None:
    """Consecutive roles at one employer (degrees at one institution) form one group."""
    if groups and groups[-1]["name"] == group["name"]:
        groups[-1][items] += group[items]
    else:
        groups.append(group)


def _education(key: str, items: list[Any], imported: Imported) -> None:
    institutions: list[dict[str, Any]] = []
    fallback = []
    for index, item in enumerate(items):
        fields = _Fields(item, f"{key}[{index}]", imported)
        period = _period(fields)
        name = fields.get("institution")
        degree = ", ".join(_text(x) for x in (fields.get("studyType"), fields.get("area")) if x)
        if not period or not name or not degree:
            fallback.append((index, item))
            continue
        entry: dict[str, Any] = {"degree": degree, "period": period}
        score = fields.get("score", "gpa")
        if score:
            entry["distinction"] = _text(score)
        courses = fields.get("courses")
        if courses:
            entry["summary"] = "Courses: " + ", ".join(_text(c) for c in courses)
        institution = {"name": _linked(name, fields.get("url")), "degrees": [entry]}
        _add_grouped(institutions, institution, "degrees")
        fields.done()
    if institutions:
        imported.section(key, "education", _TITLES[key], institutions=institutions)
    if fallback:
        _entries(key, [i for _, i in fallback], imported, offsets=[i for i, _ in fallback])


def _awards(key: str, items: list[Any], imported: Imported) -> None:
    awards, fallback = [], []
    for index, item in enumerate(items):
        fields = _Fields(item, f"{key}[{index}]", imported)
        date = _dated(fields)
        if not date or not fields.get("title"):
            fallback.append((index, item))
            continue
        award: dict[str, Any] = {"name": _text(item["title"]), "year": date}
        description = paragraphs(fields.get("awarder"), fields.get("summary"))
        if description:
            award["description"] = description
        awards.append(award)
        fields.done()
    if awards:
        imported.section(key, "awards", _TITLES[key], awards=awards)
    if fallback:
        _entries(key, [i for _, i in fallback], imported, offsets=[i for i, _ in fallback])


def _skills(key: str, items: list[Any], imported: Imported) -> None:
    skills = []
    for index, item in enumerate(items):
        fields = _Fields(item, f"{key}[{index}]", imported)
        name = fields.get("name")
        words = ", ".join(_text(k) for k in fields.get("keywords") or [])
        text = " · ".join(p for p in (_text(fields.get("level") or ""), words) if p)
        if name and text:
            skills.append({"label": _text(name), "text": text})
        elif name or text:
            skills.append({"label": "–", "text": _text(name or text)})
        fields.done()
    if skills:
        imported.section(key, "skills", _TITLES[key], skills=skills)


def _languages(key: str, items: list[Any], imported: Imported) -> None:
    languages = []
    for index, item in enumerate(items):
        fields = _Fields(item, f"{key}[{index}]", imported)
        name = fields.get("language", "name")
        if not name:
            fields.done()
            continue
        language: dict[str, Any] = {"name": _text(name)}
        level = fields.get("fluency", "level")
        if level:
            language["level"] = _text(level)
        languages.append(language)
        fields.done()
    if languages:
        imported.section(key, "languages", _TITLES[key], languages=languages)


def _references(key: str, items: list[Any], imported: Imported) -> None:
    referees = []
    for index, item in enumerate(items):
        fields = _Fields(item, f"{key}[{index}]", imported)
        name = fields.get("name")
        if not name:
            fields.done()
            continue
        referee: dict[str, Any] = {"name": _text(name)}
        if fields.get("reference"):
            referee["relation"] = _text(item["reference"])
        referees.append(referee)
        fields.done()
    if referees:
        imported.section(key, "references", _TITLES[key], referees=referees)


def _entries(
    key: str, items: list[Any], imported: Imported, offsets: list[int] | None = None
) -> None:
    """Any list of JSON Resume items as a plain dated list."""
    entries = []
    for position, item in enumerate(items):
        index = offsets[position] if offsets else position
        if not isinstance(item, dict):
            entries.append({"text": _text(item)})
            continue
        fields = _Fields(item, f"{key}[{index}]", imported)
        title = fields.get("name", "title", "position", "institution", "organization", "company")
        subtitle = fields.get(
            "publisher", "issuer", "awarder", "organization", "entity", "company", "area"
        )
        if subtitle == title:
            subtitle = None
        period = _period(fields) or _dated(fields)
        text = paragraphs(
            fields.get("summary", "description"),
            ", ".join(_text(k) for k in fields.get("keywords") or []) or None,
            ", ".join(_text(r) for r in fields.get("roles") or []) or None,
            fields.get("type"),
            fields.get("highlights") or [],
        )
        entry: dict[str, Any] = {}
        if title:
            entry["title"] = _text(title)
        if period:
            entry["date"] = period
        if subtitle:
            entry["subtitle"] = _text(subtitle)
        if text:
            entry["text"] = text
        url = _url(fields.get("url", "website"))
        if url:
            shown = re.sub(r"^https?://(www\.)?", "", url).rstrip("/")
            entry["links"] = [{"label": shown, "url": url}]
        if title or text:
            entries.append(entry)
        fields.done()
    if entries:
        imported.section(key, "entries", _TITLES.get(key, key.title()), entries=entries)


_SECTIONS = {
    "work": _work,
    "volunteer": _entries,
    "education": _education,
    "awards": _awards,
    "certificates": _entries,
    "publications": _entries,
    "skills": _skills,
    "languages": _languages,
    "interests": _entries,
    "references": _references,
    "projects": _entries,
}
