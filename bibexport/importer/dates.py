"""Dates in reading lists ("08 Feb 2024", "2024-02-08", "Feb 8th, 2024", "06/02/2024"): the first date
written in a line, with its value or why it has none (ambiguous, impossible); :mod:`.when` builds on it."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))  # longest first: "february" before "feb"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_DATE_RES = (
    re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(
        rf"(?<![\w]){_DAY}(?:\s+of)?[\s-]+(?P<mon>{_MONTH})\b\.?,?[\s-]+(?P<y>\d{{4}})(?!\d)", re.IGNORECASE
    ),
    re.compile(rf"(?<![\w])(?P<mon>{_MONTH})\b\.?\s+{_DAY},?\s+(?P<y>\d{{4}})(?!\d)", re.IGNORECASE),
    # day and month in either order ("06/02/2024", "2/6/2024"): read only when one of them is above 12
    re.compile(r"(?<![\d/.])(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4})(?!\d)"),
)
# Words that may surround a date on a line that carries nothing else ("Date: Thu, 8 Feb 2024").
_DATE_LABELS = re.compile(
    r"(?i)\b(read on|date|dates|on|when|session date|held on|class|lecture|"
    r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
)


@dataclass(frozen=True)
class _DateHit:
    """A date found in a line: where, as written, and its value (None when impossible, e.g. 31 Feb)."""

    start: int
    end: int
    text: str
    value: dt.date | None
    ambiguous: bool = False  # "06/02/2024": 6 February or June 2?


def _find_date(text: str) -> _DateHit | None:
    """The first date written in ``text`` in any supported shape, or None."""
    found = [m for m in (rx.search(text) for rx in _DATE_RES) if m]
    if not found:
        return None
    m = min(found, key=lambda m: m.start())
    parts = m.groupdict()
    if parts.get("a"):
        a, b = int(parts["a"]), int(parts["b"])
        if a <= 12 and b <= 12 and a != b:
            return _DateHit(m.start(), m.end(), m.group(0), None, ambiguous=True)
        day, month = (b, a) if b > 12 else (a, b)
    else:
        day = int(parts["d"])
        month = int(parts["m"]) if parts.get("m") else _MONTHS[parts["mon"].lower()]
    try:
        value: dt.date | None = dt.date(int(parts["y"]), month, day)
    except ValueError:
        value = None
    return _DateHit(m.start(), m.end(), m.group(0), value)
