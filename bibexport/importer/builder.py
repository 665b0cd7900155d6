"""The import's working state: the sessions and readings a parser has found so far, and the messages for
the user.  Both parsers (plain text and Markdown) feed one :class:`_Builder`."""

from __future__ import annotations

from dataclasses import dataclass, field

from bibexport.importer.dates import _DateHit
from bibexport.importer.links import _repair_url


@dataclass(frozen=True)
class ImportMessage:
    """A warning or a "could not place" notice about one input line (1-based)."""

    line: int
    message: str


@dataclass(frozen=True)
class ImportResult:
    """The ``sessions.toml`` text, what the user should know about the import, and counts for a summary."""

    toml: str
    messages: tuple[ImportMessage, ...]
    sessions: int
    readings: int


@dataclass
class _Reading:
    title: str
    line: int
    links: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class _Session:
    line: int
    name: str | None
    date: _DateHit | None
    section: str = "required"
    required: list[_Reading] = field(default_factory=list)
    further: list[_Reading] = field(default_factory=list)
    date_optional: bool = False  # an undated Markdown heading: a session only if readings follow it
    closed: bool = False  # a placeholder after a non-session heading: nothing may be added to it
    date_line: int = 0
    explicit_section: bool = False  # a "Required"/"More readings" marker was seen

    def readings(self) -> list[_Reading]:
        return self.required + self.further


@dataclass
class _Builder:
    """Collects sessions, readings and messages as a parser walks the lines."""

    source: str
    sessions: list[_Session] = field(default_factory=list)
    messages: list[ImportMessage] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    course: str = ""
    reading: _Reading | None = None
    awaiting_name: bool = False

    @property
    def session(self) -> _Session | None:
        current = self.sessions[-1] if self.sessions else None
        return None if current is None or current.closed else current

    def warn(self, line: int, message: str) -> None:
        self.messages.append(ImportMessage(line, message))

    def unplaced(self, line: int, text: str, why: str = "") -> None:
        shown = text if len(text) <= 80 else text[:77] + "..."
        self.warn(line, f'could not place "{shown}"' + (f" ({why})" if why else ""))

    def start_session(
        self,
        line: int,
        name: str | None,
        date: _DateHit | None,
        *,
        optional: bool = False,
        date_line: int = 0,
    ) -> None:
        self.sessions.append(_Session(line, name, date, date_optional=optional, date_line=date_line or line))
        self.reading = None
        self.awaiting_name = not name

    def set_section(self, line: int, kind: str) -> None:
        if self.session is None:
            self.unplaced(line, kind, "section marker before the first session")
            return
        self.session.section, self.session.explicit_section = kind, True
        self.reading = None
        self.awaiting_name = False

    def add_reading(self, line: int, title: str) -> _Reading | None:
        session = self.session
        if session is None:
            where = (
                "after a heading that is no session" if self.sessions else "before the first session header"
            )
            self.unplaced(line, title, where)
            return None
        self.awaiting_name = False
        self.reading = _Reading(title, line)
        (session.required if session.section == "required" else session.further).append(self.reading)
        return self.reading

    def add_link(self, line: int, raw: str, *, spaced: bool = False) -> bool:
        """Attach a link to the current reading; False when ``raw`` is no usable link."""
        repaired = _repair_url(raw)
        if repaired is None:
            return False
        url, reasons = repaired
        if spaced:
            reasons.insert(0, "whitespace inside")
        if reasons:
            self.warn(line, f'repaired link "{raw}" → "{url}" ({", ".join(reasons)})')
        reading = self.reading
        if reading is None:
            reading = self.add_reading(line, url)
            if reading is None:
                return True
            self.warn(line, f'link "{url}" has no title before it; added it as a reading titled by its link')
        for seen, seen_line in reading.links:
            if seen == url:
                self.warn(
                    line, f'duplicate link "{url}" in "{reading.title}" (kept the one on line {seen_line})'
                )
                return True
        reading.links.append((url, line))
        return True

    def drop(self, line: int) -> None:
        self.dropped.append(line)

    def close(self, line: int, heading: str) -> None:
        """A heading that is no session ends the current one; what follows it is reported, not guessed."""
        self.unplaced(line, heading, "a heading that is neither a session nor a section")
        self.sessions.append(_Session(line, None, None, date_optional=True, closed=True))
        self.reading = None
