"""What one remote record may bring: caps on its size and checks on its dates.

A source's answer is data from someone else's server, sized and shaped as that server likes.  Every record a
resolver returns passes :func:`cap_outcome` once (in :mod:`bibexport.sources`, the one way the pipeline asks a
resolver), before anything is stored in the lockfile or emitted:

* **Text**: a title, venue, publisher or any other text field longer than :data:`MAX_TEXT` characters (an
  abstract: :data:`MAX_ABSTRACT`) is cut at a word boundary and ends with "…".  A 1 MB title would take minutes
  to case-protect and overflow BibTeX's buffers (``buf_size``) and biblatex's.
* **Names**: at most :data:`MAX_AUTHORS` authors (and editors) are kept, followed by :data:`OTHERS` — BibTeX's
  ``and others`` and, in CSL-JSON, ``{"literal": "others"}``, which pandoc prints as "et al." (it reads BibTeX's
  ``and others`` the same way).  Each name part is cut to :data:`MAX_NAME` characters.
* **Dates** (:func:`valid_date`): a year outside 1–9999, a month outside 1–12 or a day the month does not have
  is dropped, with the parts after it: pandoc refuses a whole CSL-JSON file for year 99999999999999999999,
  prints "5BC" for −5 and "Spring" for month 13.

Each cut is a warning on the outcome (the build report shows it with the reading's line).  The emitters apply
:func:`valid_date` again, silently: a hand-edited lockfile does not pass through the resolvers.
"""

from __future__ import annotations

import calendar
from dataclasses import fields, replace
from typing import Any

from bibexport.model import Person, Record
from bibexport.resolvers.base import Outcome

MAX_TEXT = 1_000
MAX_ABSTRACT = 10_000
MAX_NAME = 200
MAX_AUTHORS = 100
#: The name that stands for the authors left out: BibTeX's ``others``, pandoc's ``{"literal": "others"}``.
OTHERS = Person(literal="others")

_NO_CAP = frozenset({"sources", "authors", "editors", "issued", "accessed", "extra_urls"})


def valid_date(parts: tuple[int, ...]) -> tuple[int, ...]:
    """The longest prefix of ``(year, month, day)`` that is a real date with a year in 1–9999."""
    if not parts or not 1 <= parts[0] <= 9999:
        return ()
    if len(parts) < 2 or not 1 <= parts[1] <= 12:
        return parts[:1]
    if len(parts) < 3 or not 1 <= parts[2] <= calendar.monthrange(parts[0], parts[1])[1]:
        return parts[:2]
    return parts[:3]


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip() + "…"


def _cap_name(person: Person) -> Person:
    long = {f.name: _cut(getattr(person, f.name), MAX_NAME) for f in fields(person)
            if len(getattr(person, f.name)) > MAX_NAME}
    return replace(person, **long) if long else person


def _cap_names(people: tuple[Person, ...], what: str, warnings: list[str]) -> tuple[Person, ...]:
    if len(people) > MAX_AUTHORS:
        warnings.append(f"the source lists {len(people):,} {what}; kept the first {MAX_AUTHORS} and 'others'")
        people = (*people[:MAX_AUTHORS], OTHERS)
    capped = tuple(_cap_name(p) for p in people)
    if capped != people:
        warnings.append(f"{what}: name parts longer than {MAX_NAME:,} characters were cut")
    return capped


def cap_record(record: Record) -> tuple[Record, tuple[str, ...]]:
    """``record`` within the caps above, and a warning for each cut."""
    warnings: list[str] = []
    changes: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if f.name in _NO_CAP or not isinstance(value, str):
            continue
        limit = MAX_ABSTRACT if f.name == "abstract" else MAX_TEXT
        if len(value) > limit:
            changes[f.name] = _cut(value, limit)
            warnings.append(f"the {f.name.replace('_', ' ')} was {len(value):,} characters; cut to {limit:,}")
    for name in ("authors", "editors"):
        people = getattr(record, name)
        capped = _cap_names(people, name, warnings)
        if capped != people:
            changes[name] = capped
    for name in ("issued", "accessed"):
        parts = getattr(record, name)
        if valid_date(parts) != parts:
            changes[name] = valid_date(parts)
            warnings.append(f"{name} date {'-'.join(map(str, parts))} is out of range; kept "
                            f"{'-'.join(map(str, valid_date(parts))) or 'no date'}")
    return (replace(record, **changes) if changes else record), tuple(warnings)


def cap_outcome(outcome: Outcome) -> Outcome:
    """``outcome`` with its record capped (:func:`cap_record`) and the cuts added to its warnings."""
    if outcome.record is None:
        return outcome
    record, warnings = cap_record(outcome.record)
    if not warnings:
        return outcome
    return replace(outcome, record=record, warnings=outcome.warnings + warnings)
