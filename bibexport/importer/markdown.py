"""Markdown reading lists: headings (or all-bold lines) for sessions and sections, list items for readings,
sub-items for notes and groups; front matter, code and comments are skipped, tables go to :mod:`.tables`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bibexport.importer.builder import _Builder
from bibexport.importer.classify import (
    _citation_title,
    _clean_title,
    _is_label,
    _is_note,
    _is_prose,
    _is_session_material,
    _md_unescape,
    _section_of,
    _strip_bullet,
)
from bibexport.importer.dates import _DateHit, _find_date, _is_date_line
from bibexport.importer.links import _INNER_URL, _MD_LINK, _is_title, _md_links, _split_link
from bibexport.importer.tables import _TABLE_RULE, _is_table_row, _md_table, _tables
from bibexport.importer.text import _leftover_name, _place_line, _take_section_prefix

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_BOLD_LINE = re.compile(r"^(\*\*|__)(.+?)\1\s*:?\s*$")
_MD_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_HR = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")


@dataclass(frozen=True)
class _Heading:
    line: int
    level: int  # 1-6 for "#" headings, 7 for a line that is all bold
    text: str
    date: _DateHit | None
    date_line: int  # the line holding the date: the heading itself or the line under it


def _skipped_lines(lines: list[str], b: _Builder) -> set[int]:
    """Line numbers that hold no reading: YAML front matter (its title becomes the course title),
    fenced code and HTML comments."""
    skip: set[int] = set()
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is not None:
            skip.update(range(1, end + 2))
            for line in lines[1:end]:
                m = re.match(r"^title:\s*(.+?)\s*$", line)
                if m:
                    b.course = m.group(1).strip("\"'")
    fence: str | None = None
    comment = False
    for no, line in enumerate(lines, 1):
        s = line.strip()
        if fence or comment or s.startswith(("```", "~~~", "<!--")):
            skip.add(no)
        if fence is None and s.startswith(("```", "~~~")):
            fence = s[:3]
        elif fence is not None and s.startswith(fence) and no not in (min(skip, default=0),):
            fence = None if s.strip(fence[0]) == "" else fence
        if s.startswith("<!--") and "-->" not in s:
            comment = True
        elif comment and "-->" in s:
            comment = False
    return skip


def _headings(lines: list[str], skip: set[int]) -> dict[int, _Heading]:
    """Every heading (and all-bold line), with the date it carries or the date on the line under it."""
    found: dict[int, _Heading] = {}
    for no, line in enumerate(lines, 1):
        if no in skip:
            continue
        m, bold = _HEADING.match(line), _BOLD_LINE.match(line.strip())
        if not m and not bold:
            continue
        level, text = (len(m.group(1)), m.group(2)) if m else (7, bold.group(2))  # type: ignore[union-attr]
        text = _md_unescape(text.strip().strip("*_").strip())
        hit, date_line = _find_date(text), no
        if hit is None:
            nxt = next((i for i in range(no + 1, len(lines) + 1) if lines[i - 1].strip()), None)
            if nxt is not None and nxt not in skip and _is_date_line(lines[nxt - 1].strip(" *_>")):
                hit, date_line = _find_date(lines[nxt - 1]), nxt
        found[no] = _Heading(no, level, text, hit, date_line)
    return found


def _md_heading(b: _Builder, h: _Heading, level: int | None, next_is_link: bool) -> None:
    """Place a heading: a session, a section, the course title, a reading title, or reported."""
    section = _section_of(h.text)
    if section and (level is None or h.level > level):
        b.set_section(h.line, section)
    elif h.date is not None and (level is None or h.level <= level or not b.sessions):
        name = _leftover_name(h.text, h.date) if h.date_line == h.line else h.text
        b.start_session(h.line, name, h.date, date_line=h.date_line)
    elif level is not None and h.level == level:
        b.start_session(h.line, h.text, None, optional=True)
    elif (level is None or h.level < level) and not b.sessions:
        if b.course and b.course != h.text:
            b.unplaced(h.line, h.text, "a heading before the first session")
        b.course = b.course or h.text
    elif level is not None and h.level > level and next_is_link and b.session is not None:
        b.add_reading(h.line, _clean_title(h.text))
    elif level is None or h.level < level:
        b.close(h.line, h.text)
    else:
        b.unplaced(h.line, h.text, "a sub-heading that is not a section")


def _md_linked_line(b: _Builder, no: int, links: list[tuple[str, str]], outside: str, nested: bool) -> None:
    """An item with [text](url) links: the first non-label link text (or the text outside) is the title."""
    title = next((_clean_title(t, markdown=True) for t, _ in links if _is_title(_md_unescape(t))), None)
    outside = _md_unescape(outside)
    if title is None and outside and re.search(r"\w", outside) and not nested and not _is_label(outside):
        title = _citation_title(outside) or _clean_title(outside)
    if title is not None:
        b.add_reading(no, title)
    elif not nested and all(_is_session_material(_md_unescape(t)) for t, _ in links):
        b.unplaced(no, " ".join(f"[{t}]({u})" for t, u in links), "session material, not a reading")
        return
    for _, url in links:
        if not b.add_link(no, url):
            b.unplaced(no, url, "looks like a link but is not a usable http(s) address")


def _md_line(b: _Builder, no: int, line: str, *, headers: bool, state: dict[str, int], titled: bool) -> None:
    """Place one non-heading Markdown line; ``state`` tracks the indent of the item that opened a reading.

    ``titled``: the next line is a link, so a bare paragraph line here is the title it belongs to.
    """
    item = _MD_ITEM.match(line)
    indent = len(line) - len(line.lstrip())
    text = _take_section_prefix(b, (item.group(2) if item else line).strip())
    nested = b.reading is not None and indent > state.get("indent", 0) and b.reading.line < no
    links, outside = _md_links(text)
    before = b.reading
    in_list = item is not None or titled or (b.session is not None and b.session.explicit_section)
    if _is_table_row(text):
        if not _TABLE_RULE.match(text):
            b.unplaced(no, text, "a table row outside a table with a header and a date or readings column")
    elif links:
        _md_linked_line(b, no, links, outside, nested)
    elif text.startswith(">"):
        b.drop(no)
    elif (
        item is None
        and indent
        and b.reading is not None
        and b.reading.line == no - 1
        and not b.reading.links
        and not _split_link(text)
        and not _is_prose(text)
        and not _section_of(text)
    ):
        b.reading.title = _clean_title(f"{b.reading.title} {text}")  # a title wrapped onto the next line
    elif nested and not _split_link(text) and not _INNER_URL.search(text) and not _section_of(text):
        _md_nested_text(b, no, _md_unescape(text))
    else:
        _place_line(b, no, _md_unescape(text), headers=headers, loose=False, strict=not in_list)
    if b.reading is not before:
        state["indent"] = indent


def _md_nested_text(b: _Builder, no: int, text: str) -> None:
    """A text sub-item: a note about the reading above, or (under a title with no link) a reading of a group."""
    parent = b.reading
    if parent is None or parent.links or _is_note(text):
        b.drop(no)  # "Authors: …", "Vaswani et al., 2017": describes the reading above
        return
    session = b.session
    if session is not None:  # "- Scaling laws" with readings under it is a group heading, not a reading
        for readings in (session.required, session.further):
            if parent in readings:
                readings.remove(parent)
                b.warn(parent.line, f'"{parent.title}" has readings under it; treated it as a group heading')
    b.add_reading(no, _clean_title(text))


def _parse_markdown(lines: list[str], b: _Builder) -> None:
    """The Markdown shape: headings (or bold lines) for sessions and sections, list items for readings."""
    skip = _skipped_lines(lines, b)
    headings = _headings(lines, skip)
    dated = [h.level for h in headings.values() if h.date is not None]
    level = min(dated) if dated else None
    date_lines = {h.date_line for h in headings.values() if h.date_line != h.line}
    lines = _join_wrapped(lines, skip | set(headings))
    tables = _tables(lines, skip)
    in_table = {no for rows in tables.values() for no, _ in rows}
    state: dict[str, int] = {}
    for no, line in enumerate(lines, 1):
        if no in tables:
            _md_table(b, tables[no])
            state = {}
        if no in skip or no in date_lines or no in in_table or not line.strip() or _HR.match(line):
            continue
        nxt = next((lines[i].strip() for i in range(no, len(lines)) if lines[i].strip()), "")
        next_is_link = bool(_split_link(_strip_bullet(nxt)))
        if no in headings:
            _md_heading(b, headings[no], level, next_is_link)
            state = {}
        else:
            _md_line(b, no, line, headers=level is None, state=state, titled=next_is_link)


def _join_wrapped(lines: list[str], keep: set[int]) -> list[str]:
    """Join a "[link text" wrapped onto the next lines back onto its first line (the rest become blank)."""
    out = list(lines)
    for i, line in enumerate(out):
        if i + 1 in keep or line.count("[") <= line.count("]"):
            continue
        joined, j = line.rstrip(), i + 1
        while j < min(len(out), i + 4) and out[j].strip() and j + 1 not in keep:
            if _MD_ITEM.match(out[j]) or _HEADING.match(out[j]):
                break
            joined, j = f"{joined} {out[j].strip()}", j + 1
            if len(_MD_LINK.findall(joined)) > len(_MD_LINK.findall(line)):  # the join completes a link
                out[i:j] = [joined] + [""] * (j - i - 1)
                break
    return out


def _is_markdown(source_name: str, lines: list[str]) -> bool:
    """Auto-detection: a Markdown file name, a "#" heading or a "- [title](url)" item."""
    if source_name.lower().endswith((".md", ".markdown", ".mdown", ".mkd")):
        return True
    item = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+\[[^\]]+\]\([^)]+\)")
    return any(re.match(r"^#{1,6}\s+\S", line) or item.match(line) for line in lines)
