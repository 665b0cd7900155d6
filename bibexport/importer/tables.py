"""Tables, whatever format they came in: a schedule (one row per lecture: date, topic and reading columns
found by header words and by content) or a list of readings of the current session (one row each)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bibexport.importer.cite import parse_line
from bibexport.importer.model import Section, SkipReason
from bibexport.importer.skips import skip_reason
from bibexport.importer.tree import Inline, Span, Table
from bibexport.importer.when import find_when, is_date_only

if TYPE_CHECKING:
    from bibexport.importer.infer import _Walker

_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("further", re.compile(r"(?i)optional|further|additional|supplement|recommended|extra|background|more")),
    ("slides", re.compile(r"(?i)slides?|lecture notes|notes|materials? \(slides\)")),
    ("recording", re.compile(r"(?i)video|recording")),
    ("material", re.compile(r"(?i)^\W*(notebooks?|code|colab|demos?|exercises?|labs?|tutorials?)\W*$")),
    ("homework", re.compile(r"(?i)homework|assignments?|\bhw\b|due|deadline|quiz|exam|project|events?")),
    ("people", re.compile(r"(?i)presenter|speaker|lecturer|instructor|scribe|discussant|lead|who")),
    ("required", re.compile(r"(?i)reading|paper|required|assigned|material|resource|reference|prep|link|url|"
                            r"before class|pre-?class|literature|articles?|chapters?")),
    ("date", re.compile(r"(?i)^\W*(date|day|when|dates)\W*$")),
    ("name", re.compile(r"(?i)topic|session|title|lecture|subject|theme|name|content|description|agenda|"
                        r"week|class|module|unit|#|no\.?")),
)
# When several columns could name a session, the first of these words wins ("Topic" over "Theme", "Week").
_NAME_PRIORITY = ("topic", "title", "lecture", "session", "subject", "content", "description", "agenda", "theme",
                  "name", "module", "unit", "class", "week")
_COLUMN_SKIP = {"slides": SkipReason.SLIDES, "recording": SkipReason.RECORDING, "homework": SkipReason.HOMEWORK,
                "people": SkipReason.LOGISTICS, "material": SkipReason.MATERIAL}


def _cell_text(cell: list[Inline]) -> str:
    return " ".join(part.text for part in cell).strip()


def _labelled(t: Table) -> bool:
    """Some cell introduces readings with a label ("Optional Readings:") inside another column."""
    from bibexport.importer.lines import _label_kind

    return any(_label_kind(part.text) not in (None, "other", "neutral") for r in t.rows for c in r.cells for part in c)


def _roles(t: Table) -> list[str]:
    roles = []
    ncols = max([len(t.header)] + [len(r.cells) for r in t.rows])
    for i in range(ncols):
        header = t.header[i] if i < len(t.header) else ""
        cells = [_cell_text(r.cells[i]) for r in t.rows if i < len(r.cells) and _cell_text(r.cells[i])]
        dated = [c for c in cells if find_when(c) is not None and len(c) <= 40]
        role = next((role for role, rx in _ROLES if rx.search(header)), "")
        if cells and len(dated) >= 0.6 * len(cells) and role not in ("required", "further"):
            role = "date"
        roles.append(role)
    named = [i for i, r in enumerate(roles) if r == "name"]
    if len(named) > 1:
        def rank(i: int) -> int:
            header = t.header[i].lower() if i < len(t.header) else ""
            return next((k for k, w in enumerate(_NAME_PRIORITY) if w in header), len(_NAME_PRIORITY))
        keep = min(named, key=rank)
        roles = [("" if i in named and i != keep else r) for i, r in enumerate(roles)]
    if "required" not in roles and "further" not in roles and not _labelled(t):
        # no header names the readings: the column with the most titled links holds them
        counts = [0] * ncols
        for r in t.rows:
            for i, cell in enumerate(r.cells):
                if roles[i] in ("", "name"):
                    # slides are no readings, nor the course site's own pages ("lectures/03.html")
                    counts[i] += sum(1 for part in cell for s in part.links if len(s.text.split()) >= 3
                                     and skip_reason(s.url or "", s.text) is None and "//" in (s.url or ""))
        if counts and max(counts) > 0:
            roles[counts.index(max(counts))] = "required"
    return roles


def read_table(w: _Walker, t: Table) -> None:
    """Place a table's readings (see the module docstring)."""
    roles = _roles(t)
    labelled = _labelled(t)
    name_header = next((t.header[i] for i, r in enumerate(roles) if r == "name" and i < len(t.header)), "")
    per_lecture = re.search(r"(?i)topic|lecture|session|week|class|module|unit|theme|subject|day|agenda", name_header)
    schedule = ("date" in roles or "name" in roles) and ({"required", "further"} & set(roles) or labelled) and (
        "date" in roles or w.st.session is None or per_lecture or len(t.rows) > 1 and not w.heading_sessions)
    if "date" in roles and "name" not in roles and "required" in roles and w.st.session is not None and not any(
        _marks_session(_cell_text(r.cells[roles.index("date")])) for r in t.rows if roles.index("date") < len(r.cells)
    ):
        schedule = False
    if not {"required", "further"} & set(roles) and not (labelled and schedule):
        # no column holds readings: count the links, make no readings
        for row in t.rows:
            for cell, role in zip(row.cells, roles):
                for part in cell:
                    for span in part.links:
                        w._skip(span, part.line or row.line, skip_reason(span.url or "", span.text)
                                or _COLUMN_SKIP.get(role) or SkipReason.MATERIAL)
        return
    started = False
    for row in t.rows:
        if schedule:
            started = _schedule_row(w, row.cells, roles, row.line, started)
        else:
            _reading_row(w, row.cells, roles, row.line)


def _marks_session(text: str) -> bool:
    """A cell of a date column that opens a session: a date, or "Week 3 (Tue)", "Lecture 4"."""
    from bibexport.importer.lines import _is_sessiony

    return bool(text) and (find_when(text) is not None or _is_sessiony(text))


def _bold_only(cell: list[Inline]) -> str:
    """The text of a reading cell that is nothing but emphasis, without a link ("**Pre-training & Scaling**"):
    a topic or unit name written in the readings column, not a reading."""
    from bibexport.importer.cite import _CHAPTER_REF

    spans = [s for part in cell for s in part.spans if s.text.strip()]
    if spans and all(s.em and s.url is None for s in spans):
        text = " ".join(" ".join(s.text for s in spans).split())
        # "**SLP Ch. 2**", "**Sutton & Barto 2018**": a reading named in bold, not a topic
        return "" if _CHAPTER_REF.search(text) or re.search(r"\b(19|20)\d\d\b", text) else text
    return ""


def _schedule_row(w: _Walker, cells: list[list[Inline]], roles: list[str], line: int, started: bool) -> bool:
    """One row of a schedule; True when the table has opened a session (so a row with empty date and name
    cells continues it: one row per reading under the row that names the lecture)."""
    date_text = next((_cell_text(c) for c, r in zip(cells, roles) if r == "date" and _cell_text(c)), "")
    names = [c for c, r in zip(cells, roles) if r == "name" and _cell_text(c)]
    when = find_when(date_text) if date_text else None
    name_parts = [_cell_text(c) for c in names if not is_date_only(_cell_text(c))]
    name = " — ".join(n for n in name_parts if n) if name_parts else ""
    reading_cells = [c for c, r in zip(cells, roles) if r in ("required", "further")]
    topic = next((b for b in map(_bold_only, reading_cells) if b), "")
    has_content = any(part.links or part.text for c in reading_cells for part in c) and not topic
    if not (date_text or name) and not has_content:  # a band across the table ("Module 1: …", "Spring break")
        for cell, role in zip(cells, roles):
            for part in cell:
                for span in part.links:
                    w._skip(span, part.line or line, skip_reason(span.url or "", span.text)
                            or _COLUMN_SKIP.get(role) or SkipReason.MATERIAL)
        if topic:
            w.dropped.append(line)
        return started
    from bibexport.importer.lines import _leftover

    if date_text or name or not started or w.st.session is None:
        w.start(_clean_name(name) or topic or _leftover(date_text, when) or date_text, line, when)
    for cell, role in zip(cells, roles):
        if role in ("required", "further"):
            if _bold_only(cell):
                continue
            _reading_cell(w, cell, role, line)  # type: ignore[arg-type]
        else:
            _other_cell(w, cell, role, line)
    return True


def _other_cell(w: _Walker, cell: list[Inline], role: str, line: int) -> None:
    """A cell of a column that holds no readings: its links are course material, except what follows a
    reading label inside it ("In-class lecture: … Optional Readings: [A](…), [B](…)")."""
    from bibexport.importer.lines import _label_kind

    reading: Section | None = None
    for part in cell:
        kind = _label_kind(part.text)
        if kind is not None:
            reading = None if kind in ("other", "neutral") else ("further" if kind == "further" else "required")
        elif re.fullmatch(r"(?i)\W*(optional|required|further|recommended)\s+readings?\W*", part.text):
            reading = "further" if not part.text.lower().strip(" *:").startswith("required") else "required"
            continue
        if reading is not None:
            saved = w.st.line_section
            w.st.line_section = reading
            w.line(Inline(part.spans, part.line or line), 1, None, allow_title=True)
            w.st.line_section = saved
            continue
        for span in part.links:
            reason = skip_reason(span.url or "", span.text) or _COLUMN_SKIP.get(role) or SkipReason.MATERIAL
            w._skip(span, part.line or line, reason)


def _clean_name(name: str) -> str:
    from bibexport.importer.cite import clean_title

    return clean_title(name)


def _reading_cell(w: _Walker, cell: list[Inline], section: Section, line: int) -> None:
    saved = w.st.line_section
    w.st.line_section = section
    w.st.open_reading = None
    for part in cell:
        p = Inline(part.spans, part.line or line)
        if not p.text and not p.links:
            continue
        w.line(p, 1, None, allow_title=True)
    w.st.line_section = saved
    w.st.open_reading = None


def _reading_row(w: _Walker, cells: list[list[Inline]], roles: list[str], line: int) -> None:
    """A table listing readings: the row's reading cells read as one line ("Title | link | venue")."""
    spans: list[Span] = []
    section: Section | None = None
    for cell, role in zip(cells, roles):
        if role in _COLUMN_SKIP:
            for part in cell:
                for span in part.links:
                    w._skip(span, part.line or line, skip_reason(span.url or "", span.text) or _COLUMN_SKIP[role])
            continue
        if role == "further" and _cell_text(cell):
            section = "further"
        for part in cell:
            spans.extend(part.spans)
            spans.append(Span(" "))
    if not spans:
        return
    inline = Inline(spans, line)
    if not inline.text and not inline.links:
        return
    parsed = parse_line(inline)
    if section is not None and parsed.marker is None:
        saved = w.st.line_section
        w.st.line_section = section
        w.line(inline, 0, None, allow_title=True)
        w.st.line_section = saved
    else:
        w.line(inline, 0, None, allow_title=True)
    w.st.open_reading = None
