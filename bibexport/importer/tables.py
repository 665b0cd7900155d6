"""GitHub-style Markdown tables: a schedule (with a date column, one session per row) or a list of readings
of the current session."""

from __future__ import annotations

import re

from bibexport.importer.builder import _Builder
from bibexport.importer.classify import _citation_title, _clean_title, _md_unescape
from bibexport.importer.dates import _find_date
from bibexport.importer.links import _INNER_URL, _MD_LINK, _is_title, _md_links
from bibexport.importer.text import _leftover_name, _place_line, _take_section_prefix

_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|[\s:|-]*$")


def _is_table_row(text: str) -> bool:
    return len(text) > 1 and text.startswith("|") and text.endswith("|")


def _cells(row: str) -> list[str]:
    """The cells of a "| a | b |" row; an escaped "\\|" stays inside its cell."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip()[1:-1])]


def _tables(lines: list[str], skip: set[int]) -> dict[int, list[tuple[int, list[str]]]]:
    """GitHub-style tables (a header row, then a "|---|" rule) by first line number, as numbered cell rows."""
    tables: dict[int, list[tuple[int, list[str]]]] = {}
    no = 1
    while no < len(lines):
        head, rule = lines[no - 1].strip(), lines[no].strip()
        if no in skip or not _is_table_row(head) or not _TABLE_RULE.match(rule):
            no += 1
            continue
        rows, end = [(no, _cells(head))], no + 2
        while end <= len(lines) and _is_table_row(lines[end - 1].strip()):
            rows.append((end, _cells(lines[end - 1])))
            end += 1
        tables[no] = rows
        no = end
    return tables


_COLUMN_ROLES = (
    ("further", re.compile(r"(?i)optional|further|more|additional|supplement|recommended|extra|background")),
    ("required", re.compile(r"(?i)reading|paper|required|core|assigned|material|link|resource|url")),
    ("name", re.compile(r"(?i)topic|session|title|lecture|subject|theme|name|content")),
)


def _column_roles(rows: list[tuple[int, list[str]]]) -> list[str]:
    """What each column holds: "date", "name", "required", "further" or "" (not read).

    Without a date column the table lists readings, so a "Title" column is one of them."""
    roles = []
    for i, header in enumerate(rows[0][1]):
        cells = [cells[i] for _, cells in rows[1:] if i < len(cells)]
        if cells and all(_find_date(c) for c in cells if c) and not any(_MD_LINK.search(c) for c in cells):
            roles.append("date")
        else:
            roles.append(next((role for role, rx in _COLUMN_ROLES if rx.search(header)), ""))
    if "date" not in roles:
        titled = [h for h in rows[0][1] if re.search(r"(?i)title|paper", h)]
        roles = [
            "required" if r == "name" and titled and h in titled else r for r, h in zip(roles, rows[0][1])
        ]
    return roles


def _md_table(b: _Builder, rows: list[tuple[int, list[str]]]) -> None:
    """A schedule table: with a date column each row is a session; otherwise each row is a reading of the
    current session.  Reading cells may hold several "[title](url)" links, "<br>"-separated titles and an
    "Optional:" label."""
    roles = _column_roles(rows)
    dated = "date" in roles
    if not (dated or b.session is not None) or not {"required", "further"} & set(roles):
        for no, cells in rows:
            b.unplaced(no, "| " + " | ".join(cells) + " |", "a table without a date or readings column")
        return
    for no, cells in rows[1:]:
        if dated:
            date_cell = next((c for c, r in zip(cells, roles) if r == "date"), "")
            name = next((c for c, r in zip(cells, roles) if r == "name" and c), None)
            hit = _find_date(date_cell)
            b.start_session(
                no, _clean_title(name, markdown=True) if name else _leftover_name(date_cell, hit), hit
            )
        else:
            b.reading = None
        for cell, role, header in zip(cells, roles, rows[0][1]):
            if role in ("required", "further") and b.session is not None:
                b.session.section = role
                _place_cell(b, no, cell)
            elif not role and (_MD_LINK.search(cell) or _INNER_URL.search(cell)):  # e.g. a "Slides" column
                b.unplaced(no, cell, f'in the table column "{header}"')


def _place_cell(b: _Builder, no: int, cell: str) -> None:
    """The readings of one table cell: every titled link is a reading, label links join the reading before."""
    for piece in re.split(r"(?i)<br\s*/?>|\s+[•·]\s+|;\s+(?=\[)", cell):
        piece = _take_section_prefix(b, piece.strip())
        links, outside = _md_links(piece)
        if not links:
            if re.search(r"\w", piece):
                _place_line(b, no, _md_unescape(piece), headers=False, loose=False)
            continue
        if not any(_is_title(_md_unescape(t)) for t, _ in links) and outside:
            b.add_reading(no, _citation_title(outside) or _clean_title(outside, markdown=True))
        for text, url in links:
            if _is_title(_md_unescape(text)):
                b.add_reading(no, _clean_title(text, markdown=True))
            if not b.add_link(no, url):
                b.unplaced(no, url, "looks like a link but is not a usable http(s) address")
