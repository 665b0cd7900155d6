"""The typed model every stage shares: readings (what the course lists) and records (what a source says).

A :class:`Record` is close to CSL-JSON: BibTeX, CSL-JSON and formatted lists are all *derived* from it, and
nothing is emitted from raw API text.  Records keep partial data exactly (a date with only a year, a person
with a particle, an organisation as a literal name) so nothing is lost or invented on the way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["required", "further"]
ROLES: tuple[Role, ...] = ("required", "further")

#: CSL item types bibexport emits.
CSL_TYPES = (
    "article",
    "paper-conference",
    "article-journal",
    "post-weblog",
    "webpage",
    "software",
    "report",
    "book",
    "chapter",
    "thesis",
    "manuscript",
    "dataset",
)

#: What a citation key may hold (use ``fullmatch``): BibTeX ends a key at ``,`` or white space, counts its braces,
#: and ``%`` ``#`` ``=`` ``"`` or non-ASCII break it or the ``\\cite`` that names it.  One rule for sessions.toml's
#: ``key`` (:mod:`bibexport.config`) and every key the .bib writes (:mod:`bibexport.emitters.bibtex`).
KEY_RE = re.compile(r"[A-Za-z0-9_:.+/-]+")


@dataclass(frozen=True)
class Person:
    """A name as CSL models it: ``literal`` for organisations and names that must not be split."""

    family: str = ""
    given: str = ""
    particle: str = ""  # non-dropping particle: "de las" in "Diego de las Casas"
    suffix: str = ""  # "Jr."
    literal: str = ""  # "Anthropic", "Hugging Face"

    @classmethod
    def parse(cls, name: str) -> Person:
        """Split a display name ("Diego de las Casas", "Manning, Christopher D.") the way BibTeX does."""
        from bibexport.names import parse_name

        return parse_name(name)

    @property
    def display(self) -> str:
        """The name in reading order, for messages and comparisons."""
        if self.literal:
            return self.literal
        parts = [self.given, self.particle, self.family]
        text = " ".join(p for p in parts if p)
        return f"{text}, {self.suffix}" if self.suffix else text

    def to_csl(self) -> dict[str, str]:
        """CSL-JSON name object (only the parts that are set)."""
        if self.literal:
            return {"literal": self.literal}
        out: dict[str, str] = {}
        if self.family:
            out["family"] = self.family
        if self.given:
            out["given"] = self.given
        if self.particle:
            out["non-dropping-particle"] = self.particle
        if self.suffix:
            out["suffix"] = self.suffix
        return out

    @classmethod
    def from_csl(cls, data: dict[str, Any]) -> Person:
        """Inverse of :meth:`to_csl`; also accepts ``dropping-particle``."""
        if "literal" in data:
            return cls(literal=str(data["literal"]))
        particle = data.get("non-dropping-particle") or data.get("dropping-particle") or ""
        return cls(
            family=str(data.get("family", "")),
            given=str(data.get("given", "")),
            particle=str(particle),
            suffix=str(data.get("suffix", "")),
        )


@dataclass(frozen=True)
class Record:
    """Bibliographic metadata for one work, as resolved from a source (or from sessions.toml alone).

    ``type`` is a CSL type.  ``issued`` is a partial date ``(year[, month[, day]])``.  ``container_title`` is
    the venue's proper name (booktitle or journal).  ``sources`` maps a field name to the source that gave it
    (``arxiv``, ``openreview``, ``manual``, ...), which the lockfile keeps as provenance.
    """

    type: str
    title: str
    authors: tuple[Person, ...] = ()
    issued: tuple[int, ...] = ()
    container_title: str = ""
    publisher: str = ""
    url: str = ""
    doi: str = ""
    arxiv_id: str = ""  # without version: "2305.18290", "hep-th/9901001"
    arxiv_version: int = 0
    arxiv_class: str = ""  # primary category, "cs.LG"
    openreview_id: str = ""
    journal_ref: str = ""
    venue_short: str = ""  # "NeurIPS 2023", as OpenReview shows it
    status: str = ""  # "", "preprint", "accepted", "submitted", "rejected", "withdrawn"
    volume: str = ""
    issue: str = ""
    pages: str = ""
    issn: str = ""
    editors: tuple[Person, ...] = ()
    event_place: str = ""
    site: str = ""  # website name for web pages ("Hugging Face")
    accessed: tuple[int, ...] = ()
    note: str = ""
    abstract: str = ""
    extra_urls: tuple[str, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()

    @property
    def year(self) -> int | None:
        """The year of issue, if known."""
        return self.issued[0] if self.issued else None

    def replace(self, **changes: Any) -> Record:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with empty fields left out (stable key order), as stored in the lockfile."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value in ("", 0, (), None):
                continue
            if f.name in ("authors", "editors"):
                out[f.name] = [p.to_csl() for p in value]
            elif f.name == "sources":
                out[f.name] = {k: v for k, v in value}
            elif isinstance(value, tuple):
                out[f.name] = list(value)
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """Inverse of :meth:`to_dict`; unknown keys are ignored so old lockfiles still load."""
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in names:
                continue
            if key in ("authors", "editors"):
                kwargs[key] = tuple(Person.from_csl(p) for p in value)
            elif key == "sources":
                kwargs[key] = tuple(sorted((str(k), str(v)) for k, v in dict(value).items()))
            elif key in ("issued", "accessed"):
                kwargs[key] = tuple(int(v) for v in value)
            elif key == "extra_urls":
                kwargs[key] = tuple(str(v) for v in value)
            else:
                kwargs[key] = value
        kwargs.setdefault("type", "article")
        kwargs.setdefault("title", "")
        return cls(**kwargs)


@dataclass(frozen=True)
class Overrides:
    """Manual fields from sessions.toml; they win over anything resolved."""

    key: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str = ""
    type: str = ""
    note: str = ""
    prefer: str = ""  # "" | "link": cite the page itself rather than a paper found behind it
    keep_preprint: bool | None = None

    def is_empty(self) -> bool:
        """True when no manual field is set."""
        return self == Overrides()


@dataclass(frozen=True)
class Listed:
    """What the reading list itself says about a reading beyond its title and links (``listed = {...}``).

    Kept as written.  It never overrides resolved metadata: it fills an entry that cannot be resolved (authors,
    year, venue; the report says so), guards a title search (a hit of another year or by other authors is
    rejected), and its ``note`` ("sections 1-3") is the list's remark on the reading.
    """

    authors: str = ""  # as the list wrote them: "Alec Radford, Jeffrey Wu, Rewon Child", "Radford et al."
    year: int | None = None
    venue: str = ""
    note: str = ""

    def is_empty(self) -> bool:
        """True when the list gave nothing beyond title and links."""
        return self == Listed()

    @functools.cached_property
    def persons(self) -> tuple[Person, ...]:
        """``authors`` split into names the way the rest of bibexport splits them (``et al.`` dropped)."""
        from bibexport.names import split_names

        return split_names(self.authors)


@dataclass(frozen=True)
class Reading:
    """One entry of a session's reading list, as written in sessions.toml."""

    title: str
    links: tuple[str, ...] = ()
    role: Role = "required"
    session: str = ""  # the session's slug
    line: int = 0  # line of the reading's table in sessions.toml (0 when unknown)
    link_lines: tuple[int, ...] = ()  # line of each link, same order as ``links``
    overrides: Overrides = field(default_factory=Overrides)
    label: str = ""  # the list's nickname for the reading ("GPT-2"); a title equal to it is never searched
    listed: Listed = field(default_factory=Listed)

    @property
    def title_is_label(self) -> bool:
        """True when the title is only the list's nickname for the reading, so no source will have it."""
        from bibexport.resolvers.titles import titles_match

        return bool(self.label) and titles_match(self.title, self.label)

    @functools.cached_property
    def fingerprint(self) -> str:
        """What the lockfile keys resolution on: a change of title or links means re-resolving.

        So does a change of what decides whether a title search may run or accept its hit (``label``, and the
        list's authors and year); each is in the payload only when set, so the fingerprints of readings without
        them, and lockfiles written before these keys existed, stay as they were.

        Cached on the instance (frozen dataclasses keep a ``__dict__``; the value depends only on fields)."""
        import hashlib
        import json

        data: dict[str, object] = {"title": self.title, "links": list(self.links)}
        if self.label:
            data["label"] = self.label
        if self.listed.authors:
            data["listed_authors"] = self.listed.authors
        if self.listed.year is not None:
            data["listed_year"] = self.listed.year
        payload = json.dumps(data, sort_keys=True)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Session:
    """A course session: slug (used for output folders), display name, date, readings in order.

    ``date`` is optional (many published lists have none); ``when`` is the date as the list wrote it when it
    could not be made a full date ("Tuesday, Aug 29"), shown as written.  Sessions keep their file order.
    """

    slug: str
    name: str
    date: dt.date | None = None
    readings: tuple[Reading, ...] = ()
    line: int = 0
    when: str = ""

    @property
    def heading_date(self) -> str:
        """The date to show beside the session's name: ``when`` as written, else the ISO date, else ""."""
        return self.when or (self.date.isoformat() if self.date is not None else "")


@dataclass(frozen=True)
class Endpoints:
    """Remote endpoints and politeness settings; defaults are the real services."""

    arxiv_api: str = "https://export.arxiv.org/api/query"
    arxiv_delay: float = 3.0
    openreview_api: str = "https://api2.openreview.net"
    openreview_api_v1: str = "https://api.openreview.net"
    github_api: str = "https://api.github.com"
    doi_resolver: str = "https://doi.org"
    web_mirror: str = ""  # when set, web pages are fetched as <web_mirror>/<host>/<path> (mirrors, tests)
    timeout: float = 20.0


@dataclass(frozen=True)
class Course:
    """The whole parsed sessions.toml."""

    sessions: tuple[Session, ...]
    title: str = ""
    style: str = ""
    keep_preprints: bool = False
    keep_case: tuple[str, ...] = ()  # words whose case every title keeps ("Pile", "Claude")
    exclude: tuple[str, ...] = ()
    endpoints: Endpoints = field(default_factory=Endpoints)
    path: str = "sessions.toml"

    def readings(self) -> list[Reading]:
        """Every reading in file order."""
        return [r for s in self.sessions for r in s.readings]


@dataclass(frozen=True)
class Entry:
    """One assembled bibliography entry: the key it is cited by, the final record (overrides applied, extra links
    of the reading in ``record.extra_urls``), and whether it was resolved from a source."""

    key: str
    record: Record
    resolved: bool = True
    reason: str = ""  # why it is unresolved, or a note worth reporting


@dataclass(frozen=True)
class SessionBibliography:
    """A session's entries, split as the reading list splits them."""

    session: Session
    required: tuple[Entry, ...] = ()
    further: tuple[Entry, ...] = ()

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Required then further entries, each key once."""
        seen: set[str] = set()
        out: list[Entry] = []
        for e in self.required + self.further:
            if e.key not in seen:
                seen.add(e.key)
                out.append(e)
        return tuple(out)


@dataclass(frozen=True)
class Bibliography:
    """The whole course, assembled: what every emitter receives."""

    course: Course
    sessions: tuple[SessionBibliography, ...]

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every paper once, in order of first appearance."""
        seen: set[str] = set()
        out: list[Entry] = []
        for s in self.sessions:
            for e in s.entries:
                if e.key not in seen:
                    seen.add(e.key)
                    out.append(e)
        return tuple(out)
