"""What every import reader produces: a course of sessions and readings, plus the accounting of every link.

Each input format has a reader (plain text, Markdown, HTML, YAML/JSON, BibTeX) that turns text into an
:class:`ImportedCourse`.  Readers of documents (text, Markdown, HTML) go through a document tree and the
structure inference; readers of data (YAML/JSON, BibTeX) map their items directly.  Everything after a reader
(the ``sessions.toml`` text, ``--update`` merging, the report) works on this model only.

Accounting: every link a reader finds in its input ends up either in a reading (:attr:`ImportedReading.links`)
or in :attr:`ImportedCourse.skipped` with a :class:`SkipReason`.  Nothing else may happen to a link.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Section = Literal["required", "further"]


class SkipReason(enum.Enum):
    """Why a link found in the input is not a reading (counted and listed in the import report)."""

    SLIDES = "slides"
    RECORDING = "recording"  # YouTube, Panopto, Zoom recordings, videos
    FORM = "form"  # Google Forms, surveys, sign-ups
    HOMEWORK = "homework"  # assignments, problem sets, submission sites
    LOGISTICS = "course logistics"  # syllabus, Piazza/Ed/Canvas/Gradescope, calendars, office hours
    PLACEHOLDER = "placeholder"  # "#", "[TODO](#)", empty targets
    NOT_WEB = "not a web link"  # mailto:, javascript:, data:, file:, relative paths
    DUPLICATE = "duplicate in its session"
    OUTSIDE = "outside any session"  # a link before the first session that is no reading
    MATERIAL = "course material"  # a link in a schedule's topic/other column: lecture pages, notes


@dataclass
class ImportedLink:
    """A link as found: the repaired URL, its input line, and the text it was written with (may be empty)."""

    url: str
    line: int
    text: str = ""


@dataclass
class ImportedReading:
    """A reading: its title, its links, and what the list says about it beyond that.

    ``label`` is the list's own name for it when the link text is a nickname (``GPT-2``, ``paper``); the
    reading is then resolved by its link, never by searching the label.  ``authors``, ``year``, ``venue`` and
    ``note`` are what the list writes (``Ori Ram, …``, ``TACL 2024``, ``sections 1-3``): they never override
    resolved metadata; they guard title search and fill an entry that cannot be resolved.
    """

    title: str
    line: int
    section: Section = "required"
    links: list[ImportedLink] = field(default_factory=list)
    label: str = ""
    authors: str = ""
    year: int | None = None
    venue: str = ""
    note: str = ""
    #: Fields kept as found where the input is data (a .bib entry's fields, a YAML item's extra keys).
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportedSession:
    """A session: its name, its date when known, or the date as written when no year could be found."""

    name: str
    line: int
    date: dt.date | None = None
    when: str = ""  # the date as written, kept when it could not be completed ("Tuesday, Aug 29")
    readings: list[ImportedReading] = field(default_factory=list)


@dataclass(frozen=True)
class ImportMessage:
    """A warning or a "could not place" notice about one input line (1-based)."""

    line: int
    message: str


@dataclass
class SkippedLink:
    """A link that is no reading, with why."""

    url: str
    line: int
    reason: SkipReason
    text: str = ""


@dataclass
class ImportedCourse:
    """A reader's whole result."""

    title: str = ""
    sessions: list[ImportedSession] = field(default_factory=list)
    skipped: list[SkippedLink] = field(default_factory=list)
    messages: list[ImportMessage] = field(default_factory=list)
    #: Lines with text that is neither structure nor a reading nor prose we recognise ("not understood").
    unplaced: list[int] = field(default_factory=list)

    def readings(self) -> list[ImportedReading]:
        """Every reading in input order."""
        return [r for s in self.sessions for r in s.readings]


#: A reader: (decoded text, source name for messages) -> the course it describes.
Reader = Callable[[str, str], ImportedCourse]
