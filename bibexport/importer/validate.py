"""The last pass over what a parser found: session names, dates and duplicate readings.  Date problems
stop the import with an :class:`InputError`; everything else becomes a message."""

from __future__ import annotations

from bibexport.errors import InputError, Problem
from bibexport.importer.builder import _Builder, _Reading, _Session
from bibexport.importer.dates import _date_hint, _date_problem


def _finish(b: _Builder) -> list[_Session]:
    """The sessions to emit; raises InputError listing every date problem (the user must fix those)."""
    problems: list[Problem] = []
    kept: list[_Session] = []
    for s in b.sessions:
        if s.closed:
            continue
        if s.date_optional and s.date is None and not s.readings():
            b.warn(s.line, f'heading "{s.name}" has no date and no readings; skipped')
            continue
        if not s.name:
            s.name = f"Session {s.date.text}" if s.date else f"Session on line {s.line}"
            b.warn(s.line, f'session has no name line; named it "{s.name}"')
        if s.date is None or s.date.value is None:
            problems.append(
                Problem(b.source, s.date_line, _date_problem(s.date, s.name), hint=_date_hint(s.date))
            )
        if not s.readings():
            b.warn(s.line, f'session "{s.name}" has no readings')
        _merge_duplicates(b, s)
        kept.append(s)
    if not kept:
        raise InputError([Problem(b.source, 1, "no session found", hint=_SHAPE_HINT)])
    if problems:
        raise InputError(problems)
    if b.dropped:
        shown = ", ".join(map(str, b.dropped[:15])) + (", …" if len(b.dropped) > 15 else "")
        b.warn(
            b.dropped[0],
            f"left out {len(b.dropped)} line(s) of abstracts, quotes, author lists or notes (lines {shown})",
        )
    return kept


def _merge_duplicates(b: _Builder, session: _Session) -> None:
    """A reading listed twice in one session is kept once (with the links of both), and reported."""
    first: dict[str, _Reading] = {}
    for role in ("required", "further"):
        kept = []
        for reading in getattr(session, role):
            earlier = first.setdefault(reading.title.casefold(), reading)
            if earlier is reading:
                kept.append(reading)
                continue
            b.warn(
                reading.line,
                f'"{reading.title}" is listed twice in "{session.name}" '
                f"(also on line {earlier.line}); kept it once",
            )
            known = {url for url, _ in earlier.links}
            earlier.links += [(url, line) for url, line in reading.links if url not in known]
        setattr(session, role, kept)


_SHAPE_HINT = (
    'expected a session header such as "read on: - 08 Feb 2024" followed by the session name on the next line, '
    'or a Markdown heading such as "## 06 Feb 2024: Alignment", then one reading title per line with its links'
)
