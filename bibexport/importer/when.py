"""Dates as reading lists write them, with or without a year, and the year a document implies.

``08 Feb 2024``, ``2024-02-08``, ``2024/1/30``, ``Feb 8th, 2024``, ``Tuesday, Aug 29``, ``(Jan 14)``, ``9/27``:
:func:`find_when` finds the first one in a piece of text; a date without a year keeps ``year=None`` until
:func:`document_year` (``Spring 2025``, front matter) or a neighbouring date completes it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bibexport.importer.dates import _DATE_LABELS, _DAY, _MONTH, _MONTHS, _find_date

_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+)?"
_YEARLESS = (
    re.compile(rf"(?i)(?<![\w/]){_WEEKDAY}(?P<mon>{_MONTH})\b\.?\s+{_DAY}(?!\d|:\d)(?!\.?,?\s+\d{{4}})"),
    re.compile(rf"(?i)(?<![\w/]){_WEEKDAY}{_DAY}(?:\s+of)?[\s-]+(?P<mon>{_MONTH})\b\.?(?![\s,-]*\d{{4}})"),
    # US month/day ("9/27", "1/30"): not a fraction in prose ("1/2 of"), not part of a longer number
    re.compile(r"(?<![\w/.])(?P<m>1[0-2]|0?[1-9])/(?P<d>3[01]|[12]\d|0?[1-9])(?![\w/]|\.\d)"),
    # day/month that cannot be month/day ("29/10"): a European page; its "05/11" is then 5 November too
    re.compile(r"(?<![\w/.])(?P<d>3[01]|2\d|1[3-9])/(?P<m>1[0-2]|0?[1-9])(?![\w/]|\.\d)"),
)
_TERM = re.compile(r"(?i)\b(spring|summer|fall|autumn|winter)\s*(?:term|semester|quarter)?\s*'?(\d{4}|\d{2})\b")
_TERM_AFTER = re.compile(r"(?i)\b(\d{4})\s*(spring|summer|fall|autumn|winter)\b")


@dataclass(frozen=True)
class When:
    """A date found in text: where, as written, and its parts (``year`` None when not written; ``value``
    None when the parts make no date, e.g. 31 Feb, or when day and month could be either way round)."""

    start: int
    end: int
    text: str
    year: int | None
    month: int
    day: int
    ambiguous: bool = False
    #: how a numeric date reads: "md" ("05/11", "06/02/2024": month first so far, could be day first), "dm"
    #: ("29/10", "29/10/2024": only day first), "m!d" ("9/27", "9/27/2024": only month first)
    numeric: str = ""

    def day_first(self) -> When:
        """The same numeric date read day first ("05/11": 5 November)."""
        if self.numeric != "md":
            return self
        return When(self.start, self.end, self.text, self.year, self.day, self.month, False, "dm")

    def month_first(self) -> When:
        """The same numeric date settled month first ("06/02/2024" on a page that also writes "9/27/2024")."""
        if self.numeric != "md":
            return self
        return When(self.start, self.end, self.text, self.year, self.month, self.day, False, "m!d")

    def value(self, year: int | None = None) -> dt.date | None:
        """The date, with ``year`` when the text wrote none; None when impossible or ambiguous."""
        y = self.year if self.year is not None else year
        if y is None or self.ambiguous:
            return None
        try:
            return dt.date(y, self.month, self.day)
        except ValueError:
            return None


def find_when(text: str, *, yearless: bool = True) -> When | None:
    """The first date written in ``text``, with a year or (``yearless``) without."""
    hits: list[When] = []
    full = _find_date(text)
    if full is not None:
        v = full.value
        if v is not None:
            hits.append(When(full.start, full.end, full.text, v.year, v.month, v.day))
        else:
            hits.append(_broken(full.start, full.end, full.text, ambiguous=full.ambiguous))
        hits[-1] = _numeric_order(hits[-1], full.ambiguous)
    if yearless:
        for rx in _YEARLESS:
            m = rx.search(text)
            if m is None:
                continue
            parts = m.groupdict()
            month = int(parts["m"]) if parts.get("m") else _MONTHS[parts["mon"].lower()]
            if parts.get("m") and re.fullmatch(r"\(?\d/\d\)?", m.group(0).strip()) and int(parts["m"]) <= int(
                parts["d"]) <= 4:
                continue  # "(1/2)", "(2/2)": part one of two, not January 2
            if full is not None and m.start() < full.end and full.start < m.end():
                continue  # "Thu, 8 Feb. 2024": the full date wins over the yearless part of it
            numeric = "" if not parts.get("m") else ("dm" if rx is not _YEARLESS[2] else
                                                     "m!d" if int(parts["d"]) > 12 else "md")
            hits.append(When(m.start(), m.end(), m.group(0).strip(), None, month, int(parts["d"]), numeric=numeric))
    if not hits:
        return None
    return min(hits, key=lambda h: (h.start, -(h.end - h.start)))


def _numeric_order(hit: When, ambiguous: bool) -> When:
    """A full numeric date ("06/02/2024", "29/10/2024", "9/27/2024") with how its order reads; an ambiguous one
    keeps its parts month first, still ambiguous, until the page settles the order."""
    m = re.fullmatch(r"\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s*", hit.text)
    if m is None:
        return hit
    a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if ambiguous:
        return When(hit.start, hit.end, hit.text, year, a, b, True, "md")
    return When(hit.start, hit.end, hit.text, hit.year, hit.month, hit.day, hit.ambiguous,
                "dm" if a > 12 else "m!d" if b > 12 else "")


def _broken(start: int, end: int, text: str, *, ambiguous: bool) -> When:
    """A full date that makes no date ("31 Feb 2024") or reads either way ("06/02/2024")."""
    m = re.search(r"\d{4}", text)
    return When(start, end, text, int(m.group(0)) if m else None, 2, 31, ambiguous=ambiguous)


def is_date_only(text: str) -> bool:
    """True when ``text`` is a date and nothing else but weekday/labels and punctuation."""
    hit = find_when(text)
    if hit is None:
        return False
    rest = _DATE_LABELS.sub("", text[: hit.start] + " " + text[hit.end :])
    return not re.search(r"[^\W\d_]{2,}|\d", rest)


def term_year(texts: Iterable[str]) -> tuple[int, str] | None:
    """(year, season) of the first ``Spring 2025`` / ``Fall '23`` / ``2024 Fall`` in ``texts``."""
    for text in texts:
        m = _TERM.search(text)
        if m:
            year = int(m.group(2))
            return (year + 2000 if year < 100 else year), m.group(1).lower()
        m = _TERM_AFTER.search(text)
        if m:
            return int(m.group(1)), m.group(2).lower()
    return None


_TERM_MONTHS = {"spring": range(1, 7), "summer": range(5, 10), "fall": range(8, 13), "autumn": range(8, 13),
                "winter": range(1, 4)}


def day_first(whens: list[When], term: tuple[int, str] | None) -> bool:
    """Whether a page's numeric dates are day/month: some date can only be read so ("29/10"), or every one
    falls in the page's term read day first and not every one read month first ("05/11" in a Fall 2025 course)."""
    numeric = [w for w in whens if w.numeric]
    if not numeric or any(w.numeric == "m!d" for w in numeric):
        return False
    if any(w.numeric == "dm" for w in numeric):
        return True
    numeric = [w for w in numeric if w.year is None]  # the term completes yearless dates only
    if term is None or not numeric:
        return False
    months = _TERM_MONTHS.get(term[1], range(1, 13))
    return all(w.day in months for w in numeric) and not all(w.month in months for w in numeric)


def year_for(month: int, term: tuple[int, str]) -> int:
    """The year of a month in a term: a fall term's January is the next year's (exams, a winter break)."""
    year, season = term
    if season in ("fall", "autumn") and month <= 6:
        return year + 1
    if season == "winter" and month >= 9:
        return year - 1
    return year


def month_name(month: int) -> str:
    """ "Feb" for 2."""
    return calendar.month_abbr[month]
