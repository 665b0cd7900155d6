"""The ``sessions.toml`` text of an imported course: TOML basic strings, folder-safe slugs, one table per
reading, in input order; ``date`` or ``when``, and a reading's ``label`` and ``listed`` fields when known."""

from __future__ import annotations

import re

from anyascii import anyascii

from bibexport.importer.model import ImportedCourse, ImportedReading

_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


_TOML_SPECIAL = re.compile(r'["\\\x00-\x1f\x7f\ud800-\udfff]')


def _toml_escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _TOML_ESCAPES:
        return _TOML_ESCAPES[ch]
    if 0xD800 <= ord(ch) <= 0xDFFF:
        return "\ufffd"
    return f"\\u{ord(ch):04X}"


def _toml_string(text: str) -> str:
    """A TOML basic string; control characters are escaped and lone surrogates replaced."""
    return '"' + _TOML_SPECIAL.sub(_toml_escape, text) + '"'


def _slugs(names: list[str]) -> list[str]:
    """Folder-safe, unique slugs: lower-case ASCII, runs of other characters become "-", repeats get -2, -3."""
    seen: set[str] = set()
    result = []
    for name in names:
        base = re.sub(r"[^a-z0-9]+", "-", anyascii(name).lower()).strip("-") or "session"
        slug, n = base, 1
        while slug in seen:
            n += 1
            slug = f"{base}-{n}"
        seen.add(slug)
        result.append(slug)
    return result


def _listed(reading: ImportedReading) -> str:
    """The ``listed = { … }`` inline table of what the list says about a reading (non-empty fields only)."""
    parts = []
    if reading.authors:
        parts.append(f"authors = {_toml_string(reading.authors)}")
    if reading.year is not None:
        parts.append(f"year = {reading.year}")
    if reading.venue:
        parts.append(f"venue = {_toml_string(reading.venue)}")
    if reading.note:
        parts.append(f"note = {_toml_string(reading.note)}")
    return "listed = { " + ", ".join(parts) + " }" if parts else ""


def _course_reading(table: str, reading: ImportedReading) -> list[str]:
    links = [_toml_string(link.url) for link in reading.links]
    if len(links) <= 1:
        links_line = f"links = [{', '.join(links)}]"
    else:  # one link per line, so every link has its own line number for `bibexport check`
        links_line = "links = [\n" + "".join(f"  {link},\n" for link in links) + "]"
    out = [f"[[sessions.{table}]]", f"title = {_toml_string(reading.title)}"]
    if reading.label:  # equal to the title when the list gives only a nickname: resolve by the link, not by it
        out.append(f"label = {_toml_string(reading.label)}")
    out.append(links_line)
    listed = _listed(reading)
    if listed:
        out.append(listed)
    return [*out, ""]


def render_course(course: ImportedCourse, source: str) -> str:
    """The sessions.toml text of an imported course, in input order; same course, same bytes."""
    source = re.sub(r"[\x00-\x1f\x7f]", "", source)
    out = [
        "# Reading list for bibexport. Edit freely: `bibexport build` re-resolves only what changed.",
        f"# Imported from {source} by `bibexport import`.",
        "",
        "[course]",
    ]
    if course.title:
        out.append(f"title = {_toml_string(course.title)}")
    out.append("")
    for session, slug in zip(course.sessions, _slugs([s.name for s in course.sessions])):
        out += ["[[sessions]]", f"slug = {_toml_string(slug)}", f"name = {_toml_string(session.name)}"]
        if session.date is not None:
            out.append(f"date = {session.date.isoformat()}")
        elif session.when:
            out.append(f"when = {_toml_string(session.when)}")
        out.append("")
        for role in ("required", "further"):
            for reading in session.readings:
                if reading.section == role:
                    out += _course_reading(role, reading)
    return "\n".join(out).rstrip("\n") + "\n"
