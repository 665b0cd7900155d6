"""The pipeline: plan (pure) → resolve (the only network step, batched per resolver) → assemble (pure).

``plan`` decides, for each reading, which link identifies the work and what to try if it fails.
``resolve_readings`` asks the sources with as few requests as they allow and returns one result per reading.
``update_lock`` folds results into the lockfile; ``assemble`` turns the lockfile plus sessions.toml into the
:class:`~bibexport.model.Bibliography` every emitter receives (manual fields win, keys pinned, papers once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bibexport import resolvers
from bibexport.keys import assign_keys
from bibexport.lockfile import Lock, LockEntry, identity
from bibexport.model import (
    Bibliography,
    Course,
    Entry,
    Overrides,
    Person,
    Reading,
    Record,
    SessionBibliography,
)
from bibexport.published import drift, upgrade_preprints
from bibexport.resolvers.base import (
    NOT_FOUND,
    RESOLVED,
    UNAVAILABLE,
    HttpClient,
    Outcome,
)
from bibexport.sources import batch, search_title

#: Lockfile statuses that a plain (online) build retries; the others wait for ``--refresh``.
RETRY_STATUSES = frozenset({UNAVAILABLE})
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """What to look up for one reading."""

    reading: Reading
    primary: tuple[str, str] | None = None  # (resolver, id) of the most scholarly link
    fallbacks: tuple[tuple[str, str], ...] = ()  # non-scholarly links to try if no paper is found
    title_search: bool = False  # search arXiv by title when the links do not name a paper
    extra_links: tuple[str, ...] = ()  # the reading's links other than the one that identifies the work


def plan(reading: Reading) -> Target:
    """Choose how to resolve a reading.  Pure: only ``match`` functions are called."""
    matched: list[tuple[int, str, tuple[str, str]]] = []
    for link in reading.links:
        hit = resolvers.match(link)
        if hit is not None:
            matched.append((resolvers.rank(hit[0]), link, hit))
    scholarly = sorted((m for m in matched if m[2][0] in resolvers.SCHOLARLY), key=lambda m: m[0])
    others = [m for m in matched if m[2][0] not in resolvers.SCHOLARLY]
    if scholarly:
        _, link, hit = scholarly[0]
        extra = tuple(x for x in reading.links if x != link)
        return Target(reading, primary=hit, extra_links=extra, title_search=True,
                      fallbacks=tuple(m[2] for m in sorted(others, key=lambda m: m[0])))
    prefer_link = reading.overrides.prefer == "link"
    fallbacks = tuple(m[2] for m in sorted(others, key=lambda m: m[0]))
    return Target(reading, primary=None, fallbacks=fallbacks, title_search=not prefer_link,
                  extra_links=reading.links)


@dataclass(frozen=True)
class Result:
    """How one reading was resolved in this run."""

    reading: Reading
    outcome: Outcome
    via: str = ""  # the link or "title" that gave the record
    extra_links: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def resolve_readings(
    targets: Sequence[Target], http: HttpClient, course: Course, progress: Progress = lambda _msg: None
) -> dict[str, Result]:
    """Resolve every target; one :class:`Result` per reading fingerprint.  Failures are values, never raised.

    Order of work (and of requests): one batched call per resolver for the scholarly links; then one arXiv
    title search per reading that still has no paper; then the remaining page links, batched per resolver.
    """
    results: dict[str, Result] = {}
    notes: dict[str, list[str]] = {t.reading.fingerprint: [] for t in targets}
    down: set[str] = set()  # services that answered "unavailable": not asked again in this run
    by_resolver: dict[str, list[Target]] = {}
    for t in targets:
        if t.primary is not None:
            by_resolver.setdefault(t.primary[0], []).append(t)
    for name in sorted(by_resolver, key=resolvers.rank):
        group = by_resolver[name]
        progress(f"{name}: {len(group)} reading(s)")
        outcomes = batch(name, [t.primary[1] for t in group if t.primary], http, course)
        if outcomes and all(o.kind == UNAVAILABLE for o in outcomes.values()):
            down.add(name)
        for t in group:
            assert t.primary is not None
            out = outcomes.get(t.primary[1]) or Outcome(f"{name}:{t.primary[1]}", kind=NOT_FOUND, reason="no answer")
            if out.ok:
                results[t.reading.fingerprint] = Result(t.reading, out, via=_link_for(t.reading, t.primary),
                                                        extra_links=t.extra_links)
            else:
                notes[t.reading.fingerprint].append(f"{out.identifier}: {out.reason or out.kind}")
                results[t.reading.fingerprint] = Result(t.reading, out, extra_links=t.reading.links)
    pending = [t for t in targets if t.reading.fingerprint not in results or not results[t.reading.fingerprint].outcome.ok]
    for t in pending:
        if not t.title_search or not t.reading.title.strip():
            continue
        if "arxiv" in down:
            notes[t.reading.fingerprint].append("arXiv title search skipped: arXiv is unavailable")
            continue
        progress(f"arxiv: title search for {t.reading.title!r}")
        out = search_title("arxiv", t.reading.title, t.reading.overrides.authors, http, course)
        if out.kind == UNAVAILABLE:
            down.add("arxiv")
        if out.ok:
            extra = t.reading.links if t.primary is None else t.extra_links + (_link_for(t.reading, t.primary),)
            results[t.reading.fingerprint] = Result(t.reading, out, via="title", extra_links=tuple(dict.fromkeys(extra)))
        else:
            notes[t.reading.fingerprint].append(f"arXiv title search: {out.reason or out.kind}")
            results.setdefault(t.reading.fingerprint, Result(t.reading, out, extra_links=t.reading.links))
    pending = [t for t in targets if t.fallbacks and not results.get(t.reading.fingerprint, _NONE).outcome.ok]
    by_resolver = {}
    for t in pending:
        by_resolver.setdefault(t.fallbacks[0][0], []).append(t)
    for name in sorted(by_resolver, key=resolvers.rank):
        group = by_resolver[name]
        progress(f"{name}: {len(group)} page(s)")
        outcomes = batch(name, [t.fallbacks[0][1] for t in group], http, course)
        for t in group:
            out = outcomes.get(t.fallbacks[0][1]) or Outcome(f"{name}:{t.fallbacks[0][1]}", kind=NOT_FOUND)
            link = _link_for(t.reading, t.fallbacks[0])
            extra = tuple(x for x in t.reading.links if x != link)
            results[t.reading.fingerprint] = Result(t.reading, out, via=link if out.ok else "", extra_links=extra)
            if out.ok:
                # The page itself is the work: that no paper has its title is expected, not news.
                notes[t.reading.fingerprint] = [n for n in notes[t.reading.fingerprint] if "title search" not in n]
            else:
                notes[t.reading.fingerprint].append(f"{out.identifier}: {out.reason or out.kind}")
    if "openreview" not in down:
        ok = [(t.reading, results[t.reading.fingerprint].outcome) for t in targets if t.reading.fingerprint in results]
        upgraded, upgrade_notes = upgrade_preprints(ok, http, course, progress)
        for fp, outcome in upgraded.items():
            r = results[fp]
            results[fp] = Result(r.reading, outcome, r.via, r.extra_links)
        for fp, more in upgrade_notes.items():
            notes[fp].extend(more)
    for t in targets:
        fp = t.reading.fingerprint
        if fp not in results:
            reason = "no link and no title search" if not t.reading.links else "no resolver for its links"
            results[fp] = Result(t.reading, Outcome(f"reading:{fp}", kind=NOT_FOUND, reason=reason),
                                 extra_links=t.reading.links)
        results[fp] = Result(results[fp].reading, results[fp].outcome, results[fp].via, results[fp].extra_links,
                             tuple(notes[fp]))
    return results


_NONE = Result(Reading(title=""), Outcome("", kind=NOT_FOUND))


def work_identifier(outcome: Outcome) -> str:
    """The identity of the work an outcome found, whatever the way in (link, version, title search).

    Two readings of the same paper (an abs link and a pdf link, a versioned id, a title search) share it, so
    they share one key and appear once in the combined bibliography.
    """
    record = outcome.record
    if record is not None:
        if record.arxiv_id:
            return f"arxiv:{record.arxiv_id}"
        if record.openreview_id:
            return f"openreview:{record.openreview_id}"
        if record.doi:
            return f"doi:{record.doi.lower()}"
    return outcome.identifier


def _link_for(reading: Reading, hit: tuple[str, str]) -> str:
    for link in reading.links:
        found = resolvers.match(link)
        if found == hit:
            return link
    return ""


def title_warning(reading: Reading, record: Record) -> str:
    """A warning when the source's title is not the one sessions.toml gives (e.g. a renamed paper)."""
    from bibexport.resolvers.titles import titles_match

    if record.title and not titles_match(reading.title, record.title):
        return f"title differs: sessions.toml says {reading.title!r}, the source says {record.title!r}"
    return ""


def update_lock(course: Course, old: Lock, results: dict[str, Result], today: dt.date) -> Lock:
    """The new lockfile: results of this run, entries kept from the old lock, in sessions.toml order.

    A reading that failed this run keeps its last good record (a flaky source never erases metadata).
    """
    entries: list[LockEntry] = []
    seen: set[str] = set()
    for reading in course.readings():
        fp = reading.fingerprint
        if fp in seen:
            continue
        seen.add(fp)
        previous = old.get(fp)
        result = results.get(fp)
        if result is None:
            if previous is not None:
                entries.append(previous)
            else:
                entries.append(LockEntry(fp, reading.title, reading.links, status="unresolved",
                                         reason="not resolved yet (run `bibexport build` online)"))
            continue
        out = result.outcome
        if not out.ok and previous is not None and previous.status == RESOLVED:
            entries.append(LockEntry(**{**previous.__dict__, "warnings": (f"kept: {out.reason or out.kind}",)}))
            continue
        warnings = list(out.warnings) + list(result.notes if out.ok else ())
        reason = "" if out.ok else "; ".join(result.notes) or out.reason
        if not out.ok and not reading.links:
            reason += "; add its link (paper, repository or page) to links = [...] in sessions.toml"
        record = out.record
        if record is not None:
            extra = tuple(dict.fromkeys((*record.extra_urls, *result.extra_links)))
            record = record.replace(extra_urls=tuple(x for x in extra if x != record.url))
            if previous is not None and previous.record is not None and previous.status == RESOLVED:
                warnings += [f"changed since the lockfile: {c}" for c in drift(previous.record, record)]
            mismatch = title_warning(reading, record)
            if mismatch:
                warnings.append(mismatch)
        entries.append(LockEntry(
            fingerprint=fp, title=reading.title, links=reading.links,
            status=RESOLVED if out.ok else out.kind, identifier=work_identifier(out) if out.ok else "",
            source=out.source if out.ok else "", retrieved=today.isoformat() if out.ok else "",
            key=previous.key if previous else "", reason=reason,
            warnings=tuple(dict.fromkeys(warnings)), record=record if out.ok else None,
        ))
    return Lock.of(entries)


def needs_network(reading: Reading, lock: Lock, refresh: Callable[[Reading, LockEntry | None], bool]) -> bool:
    """True when a reading must be (re)resolved: new, changed, transiently failed, or asked for."""
    entry = lock.get(reading.fingerprint)
    if refresh(reading, entry):
        return True
    return entry is None or entry.status in RETRY_STATUSES or entry.status == "unresolved"


def unresolved_record(reading: Reading) -> Record:
    """What sessions.toml alone says about a reading: never dropped, never invented."""
    url = reading.links[0] if reading.links else ""
    return Record(type="webpage" if url else "article", title=reading.title, url=url,
                  extra_urls=reading.links[1:], sources=(("title", "sessions.toml"),))


def apply_overrides(record: Record, ov: Overrides) -> Record:
    """Manual fields from sessions.toml win over anything resolved."""
    if ov.is_empty():
        return record
    sources = dict(record.sources)
    changes: dict[str, object] = {}
    if ov.authors:
        changes["authors"] = tuple(Person.parse(a) for a in ov.authors)
        sources["authors"] = "manual"
    if ov.year:
        changes["issued"] = (ov.year,)
        sources["issued"] = "manual"
    if ov.venue:
        changes["container_title"] = ov.venue
        sources["container_title"] = "manual"
        if not ov.type and record.type in ("article", "webpage", "post-weblog"):
            changes["type"] = "paper-conference"
    if ov.type:
        changes["type"] = ov.type
        sources["type"] = "manual"
    if ov.note:
        changes["note"] = ov.note
        sources["note"] = "manual"
    changes["sources"] = tuple(sorted(sources.items()))
    return record.replace(**changes)


@dataclass
class Assembly:
    """The assembled bibliography plus what was pinned (keys to store back into the lock)."""

    bibliography: Bibliography
    keys: dict[str, str] = field(default_factory=dict)  # fingerprint -> key


def assemble(course: Course, lock: Lock) -> Assembly:
    """Build the :class:`Bibliography` from sessions.toml and the lockfile.  Pure."""
    per_reading: dict[str, tuple[str, Record, bool, str]] = {}  # fp -> (identity, record, resolved, reason)
    for reading in course.readings():
        entry = lock.get(reading.fingerprint)
        if entry is not None and entry.status == RESOLVED and entry.record is not None:
            record, resolved, reason = entry.record, True, ""
            ident = identity(entry)
        else:
            record = unresolved_record(reading)
            resolved = False
            reason = entry.reason if entry is not None and entry.reason else "not resolved"
            ident = f"reading:{reading.fingerprint}"
        per_reading[reading.fingerprint] = (ident, apply_overrides(record, reading.overrides), resolved, reason)
    items: list[tuple[str, Record, str]] = []
    for reading in course.readings():
        ident, record, _, _ = per_reading[reading.fingerprint]
        items.append((ident, record, reading.overrides.key))
    keys = assign_keys(items, lock.pinned_keys())
    sessions = []
    for session in course.sessions:
        parts: dict[str, list[Entry]] = {"required": [], "further": []}
        for reading in session.readings:
            ident, record, resolved, reason = per_reading[reading.fingerprint]
            parts[reading.role].append(Entry(keys[ident], record, resolved, reason))
        sessions.append(SessionBibliography(session, tuple(parts["required"]), tuple(parts["further"])))
    fp_keys = {r.fingerprint: keys[per_reading[r.fingerprint][0]] for r in course.readings()}
    return Assembly(Bibliography(course, tuple(sessions)), fp_keys)


def pin_keys(lock: Lock, keys: dict[str, str]) -> Lock:
    """The lock with each entry's key set to the one assembled (so it stays pinned from now on)."""
    return Lock.of([LockEntry(**{**e.__dict__, "key": keys.get(e.fingerprint, e.key)}) for e in lock.entries])


def select_refresh(patterns: Iterable[str]) -> Callable[[Reading, LockEntry | None], bool]:
    """A predicate for ``--refresh``: ``*`` means every reading; otherwise a key, a link or part of a title."""
    pats = [p for p in patterns if p]
    if not pats:
        return lambda _r, _e: False
    if "*" in pats:
        return lambda _r, _e: True

    def wanted(reading: Reading, entry: LockEntry | None) -> bool:
        for p in pats:
            low = p.lower()
            if (entry is not None and entry.key == p) or p in reading.links or low in reading.title.lower():
                return True
            if entry is not None and entry.identifier and p in (entry.identifier, entry.identifier.split(":", 1)[-1]):
                return True
        return False

    return wanted
