"""The lockfile ``sessions.lock.json``: resolved metadata and pinned keys, committed beside sessions.toml.

Shape (version 1)::

    {"bibexport_lock": 1,
     "readings": [ {"fingerprint", "title", "links", "status", "identifier", "source", "retrieved",
                    "key", "reason", "warnings", "record"}, ... ]}

One item per reading (in sessions.toml order).  ``fingerprint`` is a hash of the reading's title and links: a
reading whose title or links change is resolved again; manual fields are applied at build time and need no
network.  ``key`` is pinned: it is reused as long as the work (``identifier``) stays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bibexport.errors import InputError, Problem
from bibexport.model import Record

VERSION = 1


@dataclass(frozen=True)
class LockEntry:
    """What the lockfile remembers about one reading."""

    fingerprint: str
    title: str
    links: tuple[str, ...] = ()
    status: str = "resolved"  # resolved | not_found | unavailable | invalid | ambiguous | unresolved
    identifier: str = ""  # "arxiv:2305.18290"; empty when unresolved
    source: str = ""
    retrieved: str = ""  # ISO date of the last successful retrieval
    key: str = ""
    reason: str = ""
    warnings: tuple[str, ...] = ()
    record: Record | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict with a stable key order."""
        out: dict[str, Any] = {"fingerprint": self.fingerprint, "title": self.title, "links": list(self.links),
                               "status": self.status}
        for name in ("identifier", "source", "retrieved", "key", "reason"):
            value = getattr(self, name)
            if value:
                out[name] = value
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.record is not None:
            out["record"] = self.record.to_dict()
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LockEntry:
        """Inverse of :meth:`to_json`."""
        record = data.get("record")
        return cls(
            fingerprint=str(data["fingerprint"]),
            title=str(data.get("title", "")),
            links=tuple(str(x) for x in data.get("links", [])),
            status=str(data.get("status", "resolved")),
            identifier=str(data.get("identifier", "")),
            source=str(data.get("source", "")),
            retrieved=str(data.get("retrieved", "")),
            key=str(data.get("key", "")),
            reason=str(data.get("reason", "")),
            warnings=tuple(str(x) for x in data.get("warnings", [])),
            record=Record.from_dict(record) if isinstance(record, dict) else None,
        )


@dataclass(frozen=True)
class Lock:
    """The whole lockfile: entries in order."""

    entries: tuple[LockEntry, ...] = ()
    by_fingerprint: dict[str, LockEntry] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, entries: list[LockEntry] | tuple[LockEntry, ...]) -> Lock:
        """A lock from entries (the last entry for a fingerprint wins)."""
        return cls(tuple(entries), {e.fingerprint: e for e in entries})

    def get(self, fingerprint: str) -> LockEntry | None:
        """The entry for a reading's fingerprint."""
        return self.by_fingerprint.get(fingerprint)

    def pinned_keys(self) -> dict[str, str]:
        """identity → key, in lockfile order (identity: identifier, or ``reading:<fingerprint>``)."""
        out: dict[str, str] = {}
        for e in self.entries:
            if e.key:
                out.setdefault(identity(e), e.key)
        return out


def identity(entry: LockEntry) -> str:
    """What a key is pinned to: the work when known, else the reading."""
    return entry.identifier if entry.status == "resolved" and entry.identifier else f"reading:{entry.fingerprint}"


def dumps(lock: Lock) -> str:
    """Serialise deterministically (sorted nothing: order is meaningful; 2-space indent; final newline)."""
    from bibexport import jsonfmt  # json.dumps(doc, ensure_ascii=False, indent=2), same text, ~2x faster

    doc = {"bibexport_lock": VERSION, "readings": [e.to_json() for e in lock.entries]}
    return jsonfmt.dumps(doc) + "\n"


def loads(text: str, path: str = "sessions.lock.json") -> Lock:
    """Parse lockfile text; a damaged lockfile is an input error with a way out."""
    hint = "fix it, or delete it and run `bibexport build` online to resolve everything again"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(path, exc.lineno, f"not valid JSON: {exc.msg}", hint)]) from None
    if not isinstance(doc, dict) or doc.get("bibexport_lock") != VERSION or not isinstance(doc.get("readings"), list):
        raise InputError([Problem(path, 1, f"not a bibexport lockfile (version {VERSION})", hint)])
    entries: list[LockEntry] = []
    problems: list[Problem] = []
    lines = _entry_lines(text)
    for n, item in enumerate(doc["readings"]):
        try:
            entries.append(LockEntry.from_json(item))
        except KeyError as exc:
            problems.append(Problem(path, lines[n] if n < len(lines) else 0,
                                    f"damaged entry {n + 1}{_titled(item)}: no {exc}", hint))
        except (TypeError, ValueError, AttributeError) as exc:
            problems.append(Problem(path, lines[n] if n < len(lines) else 0,
                                    f"damaged entry {n + 1}{_titled(item)}: {exc}", hint))
    if problems:
        raise InputError(problems)
    return Lock.of(entries)


def _titled(item: Any) -> str:
    title = item.get("title") if isinstance(item, dict) else None
    return f" ({title!r})" if isinstance(title, str) and title else ""


def _entry_lines(text: str) -> list[int]:
    """The line where each reading of a lockfile (as :func:`dumps` writes it) opens: ``    {`` at depth 2."""
    return [n for n, line in enumerate(text.splitlines(), start=1) if line == "    {"]


def load(path: Path) -> Lock:
    """Read the lockfile; a missing one is an empty lock."""
    if not path.exists():
        return Lock()
    try:
        return loads(path.read_text(encoding="utf-8"), str(path))
    except UnicodeDecodeError:
        raise InputError([Problem(str(path), 0, "not valid UTF-8")]) from None
