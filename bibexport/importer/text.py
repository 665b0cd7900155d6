"""Plain-text reading lists, and the line rules Markdown shares with them: session headers, section
markers, titles, links and prose."""

from __future__ import annotations

import re

from bibexport.importer.builder import _Builder
from bibexport.importer.classify import (
    _BOILERPLATE,
    _NOTE_LABELS,
    _QUOTES,
    _READ_ON,
    _SEPARATORS,
    _SESSION_WORD,
    _citation_title,
    _clean_title,
    _is_author_line,
    _is_label,
    _is_prose,
    _is_session_material,
    _section_of,
    _strip_bullet,
)
from bibexport.importer.dates import _DATE_LABELS, _DateHit, _find_date
from bibexport.importer.links import _INNER_URL, _split_link

_SECTION_PREFIX = re.compile(r"^[*_]*([A-Za-z][\w ]{0,30}?)[*_]*:[*_]*\s+(?=\S)")


def _take_section_prefix(b: _Builder, text: str) -> str:
    """ "Optional: [Title](url)" switches the session to that section and returns the rest of the line."""
    m = _SECTION_PREFIX.match(text)
    section = _section_of(m.group(1)) if m else None
    if m is None or section is None or b.session is None:
        return text
    b.session.section = section
    return text[m.end() :]


def _leftover_name(text: str, hit: _DateHit | None) -> str | None:
    """The session name left on a header line once the date and its labels are removed."""
    rest = text if hit is None else text[: hit.start] + " " + text[hit.end :]
    rest = re.sub(r"\s+", " ", rest).strip(_SEPARATORS)
    return rest if re.search(r"\w", _DATE_LABELS.sub("", rest)) else None


def _header(text: str, *, loose: bool) -> tuple[str | None, _DateHit | None] | None:
    """(name, date) when the line opens a session; ``loose`` also accepts "Week 3: Topic" without a date."""
    if len(text) > 120:
        return None
    m = _READ_ON.match(text)
    if m:
        hit = _find_date(text[m.end() :])
        shifted = hit and _DateHit(hit.start + m.end(), hit.end + m.end(), hit.text, hit.value, hit.ambiguous)
        return _leftover_name(text[m.end() :], hit), shifted
    hit = _find_date(text)
    if hit is not None:
        before, after = text[: hit.start], text[hit.end :]
        date_first = not re.search(r"\w", _DATE_LABELS.sub("", before))
        date_last = not re.search(r"\w", after) and re.search(r"[-–—:|(,]\s*$", before)
        return (_leftover_name(text, hit), hit) if date_first or date_last else None
    if loose and _SESSION_WORD.match(text) and not _is_prose(text):
        return _leftover_name(text, None), None
    return None


def _place_link_line(b: _Builder, no: int, text: str) -> bool:
    """A line that starts with a link: attach it (repaired) to the current reading."""
    split = _split_link(text)
    if split is None:
        return False
    raw, tail, spaced = split
    if not b.add_link(no, raw, spaced=spaced):
        b.unplaced(no, text, "looks like a link but is not a usable http(s) address")
    elif tail.strip(_SEPARATORS):
        b.warn(no, f'ignored text after the link: "{tail}"')
    return True


def _place_titled_link(b: _Builder, no: int, text: str) -> bool:
    """ "Title — https://…" or "Code: https://…": a link that follows some text on the same line."""
    m = _INNER_URL.search(text)
    if m is None or m.start() == 0:
        return False
    prefix = text[: m.start()].strip(_SEPARATORS)
    cite = _citation_title(prefix)
    if _is_label(prefix) or prefix.lower() in _NOTE_LABELS:
        if b.reading is None:
            b.unplaced(no, text, "a labelled link with no reading before it")
            return True
        if _is_session_material(prefix):
            b.unplaced(no, text, "session material, not a link of the reading above")
            return True
    elif cite:
        b.add_reading(no, cite)
    elif _is_prose(prefix) or not prefix:
        return False
    else:
        b.add_reading(no, _clean_title(prefix))
    rest = text[m.start() :].strip()
    if rest.startswith("(") and rest.endswith(")") and rest.count("(") == rest.count(")"):
        rest = rest[1:-1]  # "Title (https://…)" is ordinary prose formatting, not a typo to report
    return _place_link_line(b, no, rest)


def _place_line(
    b: _Builder, no: int, text: str, *, headers: bool = True, loose: bool = True, strict: bool = False
) -> None:
    """Place one line of content (bullet already stripped): header, section, link, title or prose.

    ``strict`` (a Markdown paragraph outside a list or section) reports a bare title-like line instead of
    making it a reading: such lines are usually course prose ("Participation 30%, project 70%").
    """
    if not re.search(r"\w", text):
        return  # "-", "|", "---": separators carry nothing to keep
    if _BOILERPLATE.match(text):
        return  # "In this session, our readings cover:" introduces the list and carries nothing
    if text[0] in _QUOTES:
        b.drop(no)
        return
    section = _section_of(text)
    if section:
        b.set_section(no, section)
        return
    text = _take_section_prefix(b, text)
    header = _header(text, loose=loose) if headers else None
    if header is not None:
        b.start_session(no, header[0], header[1])
        return
    if _place_link_line(b, no, text):
        return
    cite = _citation_title(text)
    if (cite is None and _is_prose(text)) or (b.reading is not None and _is_author_line(text)):
        b.drop(no)
    elif b.awaiting_name and b.session is not None:
        b.session.name, b.awaiting_name = _clean_title(text), False
    elif _place_titled_link(b, no, text):
        return
    elif text.endswith(":"):
        b.unplaced(no, text, "a label, not a title")
    elif strict and not cite:
        b.unplaced(no, text, "a paragraph, not a list item under a session")
    else:
        b.add_reading(no, cite or _clean_title(text))


def _parse_text(lines: list[str], b: _Builder) -> None:
    """The plain-text shape: "read on: - 08 Feb 2024", a name line, section markers, titles and links."""
    for no, line in enumerate(lines, 1):
        text = _strip_bullet(line.strip())
        if text:
            _place_line(b, no, text)
