"""The lockfile ``sessions.lock.json``: resolved metadata and pinned keys, committed beside sessions.toml.

Shape (version 1)::

    {"bibexport_lock": 1,
     "readings": [ {"fingerprint", "title", "links", "status", "identifier", "source", "retrieved",
                    "key", "key_provisional", "reason", "warnings", "stale", "record"}, ... ]}

One item per reading (in sessions.toml order).  ``fingerprint`` is a hash of the reading's title and links: a
reading whose title or links change is resolved again; manual fields are applied at build time and need no
network.  ``key`` is pinned: it is reused as long as the work (``identifier``) stays.  A key made while the reading
was unresolved (from its title, or what the list says) is marked ``"key_provisional": true`` (optional; absent
means false, so older lockfiles load as they are): it holds while the reading stays unresolved, and the first
build that resolves the reading replaces it with the work's real key, pinned from then on.  A reading whose title was
edited is still matched by its links: while its source cannot be asked again, it keeps its last good record
(marked ``"stale": true`` until the next online build re-resolves it).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
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
    #: The reading changed (title edited) after ``record`` was resolved, and the source could not be asked again:
    #: the record is the last good one, kept, and the next online build resolves the reading again.
    stale: bool = False
    #: ``key`` was made while the reading was unresolved (a title placeholder such as ``ktomodel``): the first
    #: build that resolves the reading gives it its real key.  Hand keys are never provisional.
    key_provisional: bool = False

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict with a stable key order."""
        out: dict[str, Any] = {"fingerprint": self.fingerprint, "title": self.title, "links": list(self.links),
                               "status": self.status}
        for name in ("identifier", "source", "retrieved", "key", "reason"):
            value = getattr(self, name)
            if value:
                out[name] = value
            if name == "key" and self.key and self.key_provisional:
                out["key_provisional"] = True
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.stale:
            out["stale"] = True
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
            stale=data.get("stale") is True,
            key_provisional=data.get("key_provisional") is True,
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
        """identity → key, in lockfile order (identity: identifier, or ``reading:<fingerprint>``).

        A provisional key pins its reading while it is unresolved; once the reading has resolved, the key is no
        longer pinned (its work gets its real key), unless a hand key asks for it.
        """
        out: dict[str, str] = {}
        for e in self.entries:
            if e.key and not (e.key_provisional and e.status == "resolved" and e.identifier):
                out.setdefault(identity(e), e.key)
        return out

    def provisional_keys(self) -> dict[str, str]:
        """fingerprint → provisional key of each reading that has one (resolved since, or not)."""
        return {e.fingerprint: e.key for e in self.entries if e.key and e.key_provisional}


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
    except RecursionError:  # json recurses per level: 200,000 nested brackets exhaust the stack
        raise InputError([Problem(path, _deep_line(text), "nested too deep to be a lockfile", hint)]) from None
    if not isinstance(doc, dict) or doc.get("bibexport_lock") != VERSION or not isinstance(doc.get("readings"), list):
        raise InputError([Problem(path, 1, f"not a bibexport lockfile (version {VERSION})", hint)])
    entries: list[LockEntry] = []
    problems: list[Problem] = []
    lines = _entry_lines(text)
    for n, item in enumerate(doc["readings"]):
        line = lines[n] if n < len(lines) else 0
        bad = _type_problems(item)
        if bad:
            where, what = bad[0]
            problems.append(Problem(path, _field_line(text, line, lines[n + 1] if n + 1 < len(lines) else 0, where),
                                    f"damaged entry {n + 1}{_titled(item)}: {what}", hint))
            continue
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


_MAX_DEPTH = 64  # a lockfile nests 5 levels deep; json's own limit is the interpreter's stack
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _deep_line(text: str) -> int:
    """The line where ``text`` first nests deeper than any lockfile (strings skipped), for the message."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > _MAX_DEPTH:
                return text.count("\n", 0, match.start()) + 1
        elif token in "]}":
            depth -= 1
    return 1


def _kind(value: Any) -> str:
    return {type(None): "null", bool: "true/false", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


_PERSON_KEYS = ("family", "given", "literal", "suffix", "non-dropping-particle", "dropping-particle")


def _person_problem(value: Any) -> tuple[list[str | int], str] | None:
    if not isinstance(value, dict):
        return [], f"must be a name object, not {_kind(value)}"
    for key in _PERSON_KEYS:
        if key in value and not isinstance(value[key], str):
            return [key], f"must be a string, not {_kind(value[key])}"
    return None


#: Record field annotation -> (check, what it must be).  Fields of another annotation are not checked here.
_RECORD_CHECKS: dict[str, tuple[Any, str]] = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "int": (_is_int, "a whole number"),
    "tuple[int, ...]": (lambda v: isinstance(v, list) and all(_is_int(x) for x in v), "a list of whole numbers"),
    "tuple[str, ...]": (_strings, "a list of strings"),
    "tuple[Person, ...]": (lambda v: isinstance(v, list), "a list of names"),
    "tuple[tuple[str, str], ...]": (lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
                                    "an object of strings"),
}
_ENTRY_STRINGS = ("fingerprint", "title", "status", "identifier", "source", "retrieved", "key", "reason")


@functools.lru_cache(maxsize=1)
def _record_types() -> dict[str, str]:
    return {f.name: str(f.type) for f in dataclasses.fields(Record)}


def _type_problems(item: Any) -> list[tuple[list[str | int], str]]:
    """Where an entry's fields have the wrong JSON type, as (path, what): every field is checked, so a hand
    edit (``"title": 123``, ``null``, ``["a"]``) is an input error here, not a crash in an emitter."""
    if not isinstance(item, dict):
        return [([], f"must be an object, not {_kind(item)}")]
    out: list[tuple[list[str | int], str]] = []
    for name in _ENTRY_STRINGS:
        if name in item and not isinstance(item[name], str):
            out.append(([name], f"'{name}' must be a string, not {_kind(item[name])}"))
    for flag in ("stale", "key_provisional"):
        if flag in item and not isinstance(item[flag], bool):
            out.append(([flag], f"'{flag}' must be true or false, not {_kind(item[flag])}"))
    for name in ("links", "warnings"):
        if name in item and not _strings(item[name]):
            out.append(([name], f"'{name}' must be a list of strings, not {_kind(item[name])}"))
    record = item.get("record")
    if record is None:
        return out
    if not isinstance(record, dict):
        return [*out, (["record"], f"'record' must be an object, not {_kind(record)}")]
    types = _record_types()
    for name, value in record.items():
        check = _RECORD_CHECKS.get(types.get(name, ""))
        if check is not None and not check[0](value):
            out.append((["record", name], f"record '{name}' must be {check[1]}, not {_kind(value)}"))
        elif types.get(name) == "tuple[Person, ...]":
            for i, person in enumerate(value):
                bad = _person_problem(person)
                if bad is not None:
                    sub, what = bad
                    label = f"record '{name}' name {i + 1}" + (f" '{sub[0]}'" if sub else "")
                    out.append((["record", name, *sub], f"{label} {what}"))
    return out


def _field_line(text: str, start: int, end: int, where: list[str | int]) -> int:
    """The line of the field at ``where`` inside the entry opening on line ``start`` (as :func:`dumps` writes
    it), found by looking for each key in turn; the entry's line when it cannot be found."""
    if not start:
        return 0
    lines = text.splitlines()[start - 1 : (end - 1 if end else None)]
    found, at = start, 0
    for part in where:
        if not isinstance(part, str):
            continue
        needle = json.dumps(part) + ":"
        hit = next((i for i in range(at, len(lines)) if lines[i].lstrip().startswith(needle)), None)
        if hit is None:
            break
        found, at = start + hit, hit + 1
    return found


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
