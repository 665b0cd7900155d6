"""The ``sessions.toml`` text: TOML basic strings, folder-safe slugs, one table per reading, in input order."""

from __future__ import annotations

import re

from anyascii import anyascii

from bibexport.importer.builder import _Reading, _Session

_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _toml_string(text: str) -> str:
    """A TOML basic string; control characters are escaped and lone surrogates replaced."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


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


def _render_reading(table: str, reading: _Reading) -> list[str]:
    links = [_toml_string(url) for url, _ in reading.links]
    if len(links) <= 1:
        links_line = f"links = [{', '.join(links)}]"
    else:  # one link per line, so every link has its own line number for `bibexport check`
        links_line = "links = [\n" + "".join(f"  {link},\n" for link in links) + "]"
    return [f"[[sessions.{table}]]", f"title = {_toml_string(reading.title)}", links_line, ""]


def _render(course: str, sessions: list[_Session], source: str) -> str:
    """The sessions.toml text, in input order."""
    source = re.sub(r"[\x00-\x1f\x7f]", "", source)
    out = [
        "# Reading list for bibexport. Edit freely: `bibexport build` re-resolves only what changed.",
        f"# Imported from {source} by `bibexport import`.",
        "",
        "[course]",
    ]
    if course:
        out.append(f"title = {_toml_string(course)}")
    out.append("")
    for session, slug in zip(sessions, _slugs([s.name or "" for s in sessions])):
        assert session.date is not None and session.date.value is not None  # _finish guarantees it
        out += ["[[sessions]]", f"slug = {_toml_string(slug)}", f"name = {_toml_string(session.name or '')}"]
        out += [f"date = {session.date.value.isoformat()}", ""]
        for reading in session.required:
            out += _render_reading("required", reading)
        for reading in session.further:
            out += _render_reading("further", reading)
    return "\n".join(out).rstrip("\n") + "\n"
