"""Import a plain-text or Markdown reading list into ``sessions.toml`` text.

Pure core: :func:`import_text` maps text to an :class:`ImportResult` (the TOML text plus warnings);
:func:`import_file` only reads and decodes bytes.  Both parsers feed one :class:`_Builder`, so the two
formats share the rules for sessions, sections, titles and links.  Nothing is dropped silently: a line is
a session header, a section marker, a title, a link, prose (abstracts and quotes, counted in one summary
message) or it is reported as "could not place".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from anyascii import anyascii

from bibexport.errors import InputError, Problem

__all__ = ["ImportMessage", "ImportResult", "import_file", "import_text"]

FORMATS = ("auto", "text", "markdown")


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


# --------------------------------------------------------------------------------------------- dates

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


def _is_date_line(text: str) -> bool:
    """True when the line is a date and nothing else but labels and punctuation."""
    hit = _find_date(text)
    if hit is None:
        return False
    rest = _DATE_LABELS.sub("", text[: hit.start] + text[hit.end :])
    return not re.search(r"\w", rest)


def _date_problem(hit: _DateHit | None, name: str) -> str:
    """What is wrong with a session's date, for the InputError."""
    if hit is None:
        return f'session "{name}" has no date'
    if hit.ambiguous:
        return f'session "{name}" has an ambiguous date "{hit.text}"'
    return f'session "{name}" has an impossible date "{hit.text}"'


def _date_hint(hit: _DateHit | None) -> str:
    if hit is None:
        return 'add a date such as "08 Feb 2024" or "2024-02-08" to the session header'
    if hit.ambiguous:
        return 'day and month could be either way round; write it as "2024-02-06" or "6 Feb 2024"'
    return "fix the date; months have 28-31 days and 1-12 are the valid month numbers"


# --------------------------------------------------------------------------------------------- links

_SCHEME = re.compile(r"(?i)^(?P<scheme>h?t{1,2}p{1,2}s?)(?P<sep>[:;]{0,2}/{0,3})")
_BARE_HOST = re.compile(r"(?i)^(www\.|[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(/|$))")
_VALID_URL = re.compile(r"(?i)^https?://[^\s/?#.]+(\.[^\s/?#.]+)*(:\d+)?([/?#]\S*)?$")
_URL_START = re.compile(r"(?i)^[<(\[\"']?\s*(h?t{1,2}p{1,2}s?(?:[:;]{1,2}/{0,3}|/{2,3})|www\.)")
_URL_CHARS = re.compile(r"^[\w./?#&=%~+:;@!$'()*,\[\]-]+$")
_PAIRS = {")": "(", "]": "[", "}": "{"}
_STRAY_END = ".,;:'\"|>*_!"
_STRAY_START = "'\"*_<([{"


def _looks_like_url(token: str) -> bool:
    """True when ``token`` (no spaces) is meant as a link, typos included."""
    return bool(_URL_START.match(token) or (_BARE_HOST.match(token) and "/" in token))


def _fix_scheme(s: str) -> tuple[str, str | None]:
    """Repair a misspelt, duplicated or missing ``http(s)://``."""
    m = _SCHEME.match(s)
    if m and m.group("sep"):
        rest = s[m.end() :]
        again = _SCHEME.match(rest)
        if again and again.group("sep") and ("/" in again.group("sep") or ":" in again.group("sep")):
            return rest, "duplicated scheme"
        scheme, sep = m.group("scheme"), m.group("sep")
        if scheme.lower() in ("http", "https") and sep == "://":
            return s, None
        fixed = ("https" if scheme.lower().endswith("s") else "http") + "://"
        return fixed + rest, f'typo in scheme "{m.group(0)}"'
    if s.startswith("//"):
        return "https:" + s, "missing scheme"
    if _BARE_HOST.match(s):
        return "https://" + s, "missing scheme"
    return s, None


def _fix_edges(s: str) -> tuple[str, str | None]:
    """Strip one stray character or wrapper from the ends of a link."""
    if s.startswith("<") and s.endswith(">"):
        return s[1:-1].strip(), '"<...>" wrapper'
    if s[:1] and s[0] in _STRAY_START:  # no link starts with a bracket or quote
        return s[1:], f'stray "{s[0]}"'
    last = s[-1:]
    if last in _PAIRS and s.count(_PAIRS[last]) < s.count(last):
        return s[:-1], f'stray "{last}"'
    if last and last in _STRAY_END:
        return s[:-1], f'stray "{last}"'
    return s, None


def _repair_url(raw: str) -> tuple[str, list[str]] | None:
    """The link ``raw`` was meant to be and the repairs made, or None when it is no usable http(s) link."""
    s, reasons = raw.strip(), []
    for _ in range(12):  # each pass removes something, so a few passes reach a fixed point
        s, why = _fix_edges(s)
        if why is None:
            s, why = _fix_scheme(s)
        if why is None:
            break
        reasons.append(why)
    return (s, reasons) if _VALID_URL.match(s) else None


def _joins(prev: str, token: str) -> bool:
    """Whether ``token`` continues a link broken by whitespace ("https://arxiv.org/abs/ 2203.02155")."""
    if token in ("-", "–", "—", "|", "·") or not _URL_CHARS.match(token):
        return False
    if token[0] in "/?#&=.)]":
        return True
    tail_ok = prev[-1] in "/?#&=._-"
    return tail_ok and (prev[-1] in "=?&#" or any(c.isdigit() or c in "/." for c in token))


def _split_link(text: str) -> tuple[str, str, bool] | None:
    """Split a line that starts with a link into (link as written, text after it, whitespace inside)."""
    tokens = text.split()
    if not tokens or not _looks_like_url(tokens[0]):
        return None
    used = 1
    while used < len(tokens) and _joins(tokens[used - 1], tokens[used]):
        used += 1
    return "".join(tokens[:used]), " ".join(tokens[used:]), used > 1


# --------------------------------------------------------------------------------------------- lines

_BULLET = re.compile(r"^(?:[-*+•–—]|\d{1,3}[.)])(?:\s+|$)")
_QUOTES = "“\"‘'„«»”’>"
_BOILERPLATE = re.compile(
    r"(?i)^(in this (session|class|week|lecture|meeting|module)\b.*|(our )?readings? (cover|include)\b.*)$"
)
_SECTION_REQUIRED = re.compile(
    r"(?i)^((required|core|main|mandatory|essential|assigned|primary|key)(\s+(readings?|papers?))?"
    r"|readings?|papers?|read before class|before class)$"
)
_SECTION_FURTHER = re.compile(
    r"(?i)^(more|further|optional|additional|supplementa(ry|l)|extra|recommended|background|related|"
    r"suggested|secondary)(\s+(readings?|papers?|resources|materials?|work))?$|^resources$"
)
_SESSION_WORD = re.compile(r"(?i)^(session|week|lecture|class|meeting|module|unit|topic|day)\s*\d+\b")
_READ_ON = re.compile(r"(?i)^read\s+on\b")
_SENTENCE_BREAK = re.compile(r"[\w)\]”\"][.!?]\s+[A-Z(“\"]")
_PROSE_START = re.compile(r"(?i)^(we|our|this (paper|work|survey|study)|in this (paper|work)|abstract\b)")
_LINK_LABELS = frozenset(
    [
        "pdf",
        "paper",
        "arxiv",
        "abs",
        "code",
        "github",
        "blog",
        "blogpost",
        "post",
        "slides",
        "video",
        "talk",
        "website",
        "site",
        "project",
        "page",
        "html",
        "link",
        "url",
        "openreview",
        "demo",
        "poster",
        "dataset",
        "data",
        "colab",
        "notebook",
        "huggingface",
        "hf",
        "model",
        "models",
        "doi",
        "review",
        "reviews",
        "supplementary",
        "appendix",
        "tweet",
        "thread",
        "summary",
        "tldr",
        "homepage",
        "repo",
        "repository",
        "acl",
        "anthology",
        "proceedings",
        "leaderboard",
        "space",
        "deck",
        "recording",
        "lecture",
    ]
)
# Labels of what belongs to a session rather than to one reading: such a link on its own line is reported.
_SESSION_LABELS = frozenset(
    ["slides", "slide", "deck", "video", "recording", "lecture", "homework", "assignment", "quiz", "syllabus"]
)
_NOTE_LABELS = frozenset(
    ["authors", "author", "venue", "note", "notes", "why", "tldr", "tl;dr", "summary", "comment", "comments"]
)


def _strip_bullet(text: str) -> str:
    """The text of a list item without its bullet ("- ", "* ", "1. ")."""
    return _BULLET.sub("", text, count=1).strip()


def _section_of(text: str) -> str | None:
    """'required' or 'further' when the line only names a section ("More readings:", "**Optional**")."""
    core = re.sub(r"\s+", " ", text.strip(" \t#*_:-–—.")).strip()
    core = re.sub(r"\s*\(.*\)$", "", core)  # "Required (read before class)"
    if _SECTION_REQUIRED.match(core):
        return "required"
    if _SECTION_FURTHER.match(core):
        return "further"
    return None


def _is_prose(text: str) -> bool:
    """Abstract or discussion prose rather than a title: long, or several full sentences."""
    if len(text) > 300 or (len(text) > 160 and (text[-1:] in '.!?"”)' or _SENTENCE_BREAK.search(text))):
        return True  # a long title without sentence punctuation is still a title
    words = len(text.split())
    ends = text[-1:] in ".!"
    if ends and (_SENTENCE_BREAK.search(text) or words >= 14):
        return True
    return bool(ends and words >= 6 and _PROSE_START.match(text))


def _looks_like_authors(text: str) -> bool:
    """A rough author-list test: mostly capitalised name words, joined by commas or "and"."""
    words = re.findall(r"[^\W\d_][\w'’.-]*", text)
    names = [w for w in words if w.lower() not in {"and", "et", "al", "al.", "van", "von", "der", "de", "la"}]
    if not names or len(names) > 60:
        return False
    capitalised = sum(1 for w in names if w[0].isupper()) / len(names)
    joined = "," in text or " and " in text or "et al" in text or len(names) <= 4
    return capitalised >= 0.75 and joined


def _is_author_line(text: str) -> bool:
    """ "Ashish Vaswani, Noam Shazeer, Niki Parmar, et al." under a title: names, not a reading."""
    parts = [p for p in re.split(r",\s*|\s+and\s+|\s*&\s*", text.rstrip(".")) if p.strip()]
    etal = bool(parts) and re.fullmatch(r"(?i)(and\s+)?et\.?\s+al\.?|others", parts[-1].strip()) is not None
    names = parts[:-1] if etal else parts
    if not names or (len(names) < 3 and not etal):
        return False
    particles = {"van", "von", "der", "de", "la", "le", "du", "di", "da", "dos", "del"}
    return all(
        1 <= len(words) <= 5 and all(w[0].isupper() or w in particles for w in words)
        for words in (p.split() for p in names)
    )


def _is_note(text: str) -> bool:
    """A line under a reading that describes it ("Authors: …", "Vaswani et al., 2017", prose, "(optional)")."""
    label = re.match(r"^[*_]*([\w ;]{1,20}?)[*_]*:", text)
    return bool(
        (label and label.group(1).lower() in _NOTE_LABELS)
        or re.search(r"\bet\.? al\b", text)
        or text.startswith("(")
        or _is_author_line(text)
        or _is_prose(text)
    )


_SECTION_PREFIX = re.compile(r"^[*_]*([A-Za-z][\w ]{0,30}?)[*_]*:[*_]*\s+(?=\S)")


def _take_section_prefix(b: _Builder, text: str) -> str:
    """ "Optional: [Title](url)" switches the session to that section and returns the rest of the line."""
    m = _SECTION_PREFIX.match(text)
    section = _section_of(m.group(1)) if m else None
    if m is None or section is None or b.session is None:
        return text
    b.session.section = section
    return text[m.end() :]


def _citation_title(text: str) -> str | None:
    """The title of a "Title. Authors. Venue." line, or None when the line has no such shape."""
    m = re.search(r"(?<=[^\s.][.?!])\s+(?=[A-ZÀ-ÖØ-Þ])", text)
    if m is None or m.start() > 200 or _PROSE_START.match(text):
        return None
    title, rest = text[: m.start()], text[m.end() :]
    authors = re.split(r"(?<![A-Z])\.\s", rest, maxsplit=1)[0]
    if len(authors) > 400 or not _looks_like_authors(authors):
        return None
    return title.removesuffix(".")


def _clean_title(text: str, *, markdown: bool = False) -> str:
    """Tidy a title's edges without changing its words: whitespace, a stray " |", emphasis around the whole
    title, the full stop of a citation; in Markdown, emphasis is read before backslash escapes."""
    text = re.sub(r"\s+", " ", text).strip()
    if not markdown:  # link text is delimited by [...]: a "|" inside it is meant
        text = re.sub(r"^(\|+ )+|( \|+)+$", "", text).strip()
    m = re.fullmatch(r"(\*\*|__|\*|_)(.+)\1", text)
    if m:
        text = m.group(2).strip()
    if text.endswith(".") and not text.endswith(("..", "\\.")):
        text = text[:-1]
    return _md_unescape(text) if markdown else text


# --------------------------------------------------------------------------------------------- model


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


# --------------------------------------------------------------------------------------------- shared line rules

_SEPARATORS = " \t-–—:|()[],*_#·"


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


def _is_label(text: str) -> bool:
    """True for link labels such as "code", "PDF", "HF blog", "[project page]"."""
    words = re.findall(r"[\w;]+", text.lower())
    return bool(words) and all(w in _LINK_LABELS for w in words)


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


_INNER_URL = re.compile(r"(?i)(?:^|\s)[<(]?(?:h?t{1,2}p{1,2}s?[:;]{1,2}/{0,3}|www\.)\S")


def _is_session_material(label: str) -> bool:
    return bool(set(re.findall(r"\w+", label.lower())) & _SESSION_LABELS)


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


# --------------------------------------------------------------------------------------------- markdown

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_BOLD_LINE = re.compile(r"^(\*\*|__)(.+?)\1\s*:?\s*$")
_MD_LINK = re.compile(
    r"(!?)\[((?:\\.|[^\[\]\\])*)\]\(\s*(<[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))+)(?:\s+\"[^\"]*\")?\s*\)"
)
_MD_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_HR = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|[\s:|-]*$")


def _md_unescape(text: str) -> str:
    return _MD_ESCAPE.sub(r"\1", text)


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


def _md_links(text: str) -> tuple[list[tuple[str, str]], str]:
    """The [text](url) links of a line (images left out) and the text outside them."""
    links = [(m.group(2).strip(), m.group(3)) for m in _MD_LINK.finditer(text) if not m.group(1)]
    outside = _MD_LINK.sub(" ", text)
    return links, re.sub(r"\s+", " ", outside).strip(_SEPARATORS + ".;")


def _is_title(link_text: str) -> bool:
    """Link text that names a reading, not "code", "[pdf]" or the address itself."""
    return bool(re.search(r"\w", link_text)) and not _is_label(link_text) and not _looks_like_url(link_text)


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


# --------------------------------------------------------------------------------------------- validation


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


# --------------------------------------------------------------------------------------------- TOML

_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _toml_string(text: str) -> str:
    """A TOML basic string; control characters are escaped and lone surrogates replaced."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _slugs(names: list[str]) -> list[str]:
    """Folder-safe, unique slugs: lower-case ASCII, runs of other characters become "-", repeats get -2, -3."""
    seen: set[str] = set()
    result = []
    for name in names:
        base = re.sub(r"[^a-z0-9]+", "-", anyascii(name).lower()).strip("-") or "session"
        slug, n = base, 1
        while slug in seen:
            n += 1
            slug = f"{base}-{n}"
        seen.add(slug)
        result.append(slug)
    return result


def _render_reading(table: str, reading: _Reading) -> list[str]:
    links = [_toml_string(url) for url, _ in reading.links]
    if len(links) <= 1:
        links_line = f"links = [{', '.join(links)}]"
    else:  # one link per line, so every link has its own line number for `bibexport check`
        links_line = "links = [\n" + "".join(f"  {link},\n" for link in links) + "]"
    return [f"[[sessions.{table}]]", f"title = {_toml_string(reading.title)}", links_line, ""]


def _render(course: str, sessions: list[_Session], source: str) -> str:
    """The sessions.toml text, in input order."""
    source = re.sub(r"[\x00-\x1f\x7f]", "", source)
    out = [
        "# Reading list for bibexport. Edit freely: `bibexport build` re-resolves only what changed.",
        f"# Imported from {source} by `bibexport import`.",
        "",
        "[course]",
    ]
    if course:
        out.append(f"title = {_toml_string(course)}")
    out.append("")
    for session, slug in zip(sessions, _slugs([s.name or "" for s in sessions])):
        assert session.date is not None and session.date.value is not None  # _finish guarantees it
        out += ["[[sessions]]", f"slug = {_toml_string(slug)}", f"name = {_toml_string(session.name or '')}"]
        out += [f"date = {session.date.value.isoformat()}", ""]
        for reading in session.required:
            out += _render_reading("required", reading)
        for reading in session.further:
            out += _render_reading("further", reading)
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------------------------- public API

_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")


def _lines(text: str) -> list[str]:
    """Lines as an editor numbers them (CRLF, CR or LF), tabs expanded, invisible characters removed."""
    text = text.removeprefix("\ufeff")
    return [_INVISIBLE.sub("", line.expandtabs(4)) for line in re.split(r"\r\n|\r|\n", text)]


def import_text(text: str, *, source_name: str = "reading-list.txt", fmt: str = "auto") -> ImportResult:
    """Turn a reading list (plain text or Markdown) into sessions.toml text plus messages.

    ``fmt`` is "auto" (Markdown for a .md name, "#" headings or "- [title](url)" items), "text" or
    "markdown".  Raises :class:`InputError` when no session is found or a session's date is missing or
    impossible; every other oddity is a message in the result.
    """
    return _import(text, source_name, source_name, fmt)


def _import(text: str, source_name: str, problem_file: str, fmt: str) -> ImportResult:
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    lines = _lines(text)
    b = _Builder(problem_file)
    markdown = fmt == "markdown" or (fmt == "auto" and _is_markdown(source_name, lines))
    (_parse_markdown if markdown else _parse_text)(lines, b)
    if not any(line.strip() for line in lines):
        raise InputError([Problem(problem_file, 1, "the file is empty", hint=_SHAPE_HINT)])
    sessions = _finish(b)
    messages = tuple(sorted(b.messages, key=lambda m: m.line))
    readings = sum(len(s.readings()) for s in sessions)
    return ImportResult(
        _render(b.course, sessions, Path(source_name).name), messages, len(sessions), readings
    )


def import_file(path: Path, fmt: str = "auto") -> ImportResult:
    """Read and decode ``path`` (UTF-8, with or without BOM) and import it; see :func:`import_text`."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError([Problem(str(path), 0, f"cannot read the file: {exc.strerror or exc}")]) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError([Problem(str(path), 1, "the file is UTF-16, not UTF-8", hint=_UTF8_HINT)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = re.split(rb"\r\n|\r|\n", data[: exc.start])
        message = f"not valid UTF-8: byte 0x{data[exc.start]:02x} at column {len(before[-1]) + 1}"
        raise InputError([Problem(str(path), len(before), message, hint=_UTF8_HINT)]) from exc
    return _import(text, Path(path).name, str(path), fmt)


_UTF8_HINT = "save the file as UTF-8, e.g. iconv -f latin1 -t utf-8 in.txt > out.txt"
