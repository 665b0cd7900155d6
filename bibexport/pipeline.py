"""The pipeline: plan (pure) → resolve (the only network step, batched per resolver) → assemble (pure).

``plan`` decides, for each reading, which link identifies the work and what to try if it fails.
``resolve_readings`` asks the sources with as few requests as they allow and returns one result per reading.
``update_lock`` folds results into the lockfile; ``assemble`` turns the lockfile plus sessions.toml into the
:class:`~bibexport.model.Bibliography` every emitter receives (manual fields win, keys pinned, papers once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from bibexport import resolvers
from bibexport.errors import InputError, Problem
from bibexport.keys import KeyClash, KeyClashError, assign_keys
from bibexport.lockfile import Lock, LockEntry, identity
from bibexport.model import (
    Bibliography,
    Course,
    Entry,
    Listed,
    Overrides,
    Person,
    Reading,
    Record,
    SessionBibliography,
)
from bibexport.published import drift, upgrade_preprints
from bibexport.resolvers.base import (
    AMBIGUOUS,
    NOT_FOUND,
    RESOLVED,
    UNAVAILABLE,
    HttpClient,
    Outcome,
)
from bibexport.sources import batch, search_titles

#: Lockfile statuses that a plain (online) build retries; the others wait for ``--refresh``.
RETRY_STATUSES = frozenset({UNAVAILABLE})
Progress = Callable[[str], None]


class Lookup(NamedTuple):
    """One link as a resolver reads it: which resolver, the id it looks up, and the link it came from."""

    resolver: str
    ident: str
    link: str


@dataclass(frozen=True)
class Target:
    """What to look up for one reading."""

    reading: Reading
    primary: Lookup | None = None  # the most scholarly link
    fallbacks: tuple[Lookup, ...] = ()  # non-scholarly links to try if no paper is found
    title_search: bool = False  # search arXiv by title when the links do not name a paper

    def others(self, link: str) -> tuple[str, ...]:
        """The reading's links except ``link`` (they stay with the entry as extra URLs)."""
        return tuple(x for x in self.reading.links if x != link)


def plan(reading: Reading) -> Target:
    """Choose how to resolve a reading.  Pure: only ``match`` functions are called, once per link."""
    lookups = sorted((Lookup(*hit, link) for link in reading.links if (hit := resolvers.match(link))),
                     key=lambda lk: resolvers.rank(lk.resolver))
    scholarly = [lk for lk in lookups if lk.resolver in resolvers.SCHOLARLY]
    pages = tuple(lk for lk in lookups if lk.resolver not in resolvers.SCHOLARLY)
    # A title that is only the list's nickname ("GPT-2") names no paper: searching it could only find a wrong one.
    searchable = not reading.title_is_label
    if scholarly:
        return Target(reading, primary=scholarly[0], fallbacks=pages, title_search=searchable)
    return Target(reading, fallbacks=pages, title_search=searchable and reading.overrides.prefer != "link")


@dataclass(frozen=True)
class Result:
    """How one reading was resolved in this run."""

    reading: Reading
    outcome: Outcome
    extra_links: tuple[str, ...] = ()  # the reading's links other than the one that gave the record
    notes: tuple[str, ...] = ()


def resolve_readings(
    targets: Sequence[Target], http: HttpClient, course: Course, progress: Progress = lambda _msg: None
) -> dict[str, Result]:
    """Resolve every target; one :class:`Result` per reading fingerprint.  Failures are values, never raised.

    Order of work (and of requests): one batched call per resolver for the scholarly links; then one arXiv
    title search per reading that still has no paper; then the remaining page links, batched per resolver.
    """
    outcomes: dict[str, Outcome] = {}
    extras: dict[str, tuple[str, ...]] = {}
    notes: dict[str, list[str]] = {t.reading.fingerprint: [] for t in targets}
    down: set[str] = set()  # services that answered "unavailable": not asked again in this run

    def unresolved(t: Target) -> bool:
        found = outcomes.get(t.reading.fingerprint)
        return found is None or not found.ok

    def ask(pairs: list[tuple[Target, Lookup]], what: str) -> None:
        """One batch per resolver for ``(target, lookup)`` pairs; record each outcome (or why it failed)."""
        by_resolver: dict[str, list[tuple[Target, Lookup]]] = {}
        for t, lk in pairs:
            by_resolver.setdefault(lk.resolver, []).append((t, lk))
        for name in sorted(by_resolver, key=resolvers.rank):
            group = by_resolver[name]
            progress(f"{name}: {len(group)} {what}")
            answers = batch(name, [lk.ident for _, lk in group], http, course)
            if answers and all(o.kind == UNAVAILABLE for o in answers.values()):
                down.add(name)
            for t, lk in group:
                fp = t.reading.fingerprint
                out = answers.get(lk.ident) or Outcome(f"{name}:{lk.ident}", kind=NOT_FOUND, reason="no answer")
                outcomes[fp] = out
                extras[fp] = t.others(lk.link) if out.ok else t.reading.links
                if out.ok and what == "page(s)":
                    # The page itself is the work: that no paper has its title is expected, not news.
                    notes[fp] = [n for n in notes[fp] if "title search" not in n]
                elif not out.ok:
                    notes[fp].append(f"{out.identifier}: {out.reason or out.kind}")

    ask([(t, t.primary) for t in targets if t.primary is not None], "reading(s)")
    searching = [t for t in targets if unresolved(t) and t.title_search and t.reading.title.strip()]
    if "arxiv" in down:
        for t in searching:
            notes[t.reading.fingerprint].append("arXiv title search skipped: arXiv is unavailable")
            # Unavailable, not "not found": the next plain build asks again (RETRY_STATUSES).
            outcomes.setdefault(t.reading.fingerprint, Outcome(f"reading:{t.reading.fingerprint}", kind=UNAVAILABLE,
                                                               reason="arXiv is unavailable"))
        searching = []
    if searching:
        progress(f"arxiv: title search for {len(searching)} reading(s)")
    found_by_title = search_titles(
        "arxiv", [(t.reading.title, t.reading.overrides.authors) for t in searching], http, course)
    for t in searching:
        fp = t.reading.fingerprint
        out = guard_title_hit(t.reading, found_by_title[t.reading.title, tuple(t.reading.overrides.authors)])
        if out.kind == UNAVAILABLE:
            down.add("arxiv")
        if out.ok:
            outcomes[fp], extras[fp] = out, t.reading.links  # every link stays with the paper found by title
        else:
            notes[fp].append(f"arXiv title search: {out.reason or out.kind}")
            outcomes.setdefault(fp, out)
            extras.setdefault(fp, t.reading.links)
    ask([(t, t.fallbacks[0]) for t in targets if t.fallbacks and unresolved(t)], "page(s)")
    if "openreview" not in down:
        found = [(t.reading, outcomes[t.reading.fingerprint]) for t in targets if t.reading.fingerprint in outcomes]
        upgraded, upgrade_notes = upgrade_preprints(found, http, course, progress)
        outcomes.update(upgraded)
        for fp, more in upgrade_notes.items():
            notes[fp].extend(more)
    results: dict[str, Result] = {}
    for t in targets:
        fp = t.reading.fingerprint
        if fp not in outcomes:
            reason = "no link and no title search" if not t.reading.links else "no resolver for its links"
            outcomes[fp] = Outcome(f"reading:{fp}", kind=NOT_FOUND, reason=reason)
        results[fp] = Result(t.reading, outcomes[fp], extras.get(fp, t.reading.links), tuple(notes[fp]))
    return results


def guard_title_hit(reading: Reading, out: Outcome) -> Outcome:
    """A title-search hit the reading list contradicts (another year, no shared author) becomes a rejection."""
    from bibexport.resolvers.titles import listed_conflict

    if not out.ok or out.record is None:
        return out
    why = listed_conflict(out.record, reading.listed.persons, reading.listed.year)
    if not why:
        return out
    found = f"arXiv:{out.record.arxiv_id} " if out.record.arxiv_id else ""
    return Outcome(out.identifier, AMBIGUOUS, source=out.source,
                   reason=f"found {found}{out.record.title!r} but {why}: not taken")


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


def title_warning(reading: Reading, record: Record) -> str:
    """A warning when the source's title is not the one sessions.toml gives (e.g. a renamed paper)."""
    from bibexport.resolvers.titles import titles_match

    if reading.title_is_label:  # the list gave a nickname ("GPT-2"), not a title: the source's title is the title
        return ""
    if record.title and not titles_match(reading.title, record.title):
        return f"title differs: sessions.toml says {reading.title!r}, the source says {record.title!r}"
    return ""


def update_lock(course: Course, old: Lock, results: dict[str, Result], today: dt.date) -> Lock:
    """The new lockfile: results of this run, entries kept from the old lock, in sessions.toml order.

    A reading that failed this run keeps its last good record (a flaky source never erases metadata), and so
    does a reading whose title was edited (matched by its unchanged links) while its source cannot be asked.
    """
    entries: list[LockEntry] = []
    seen: set[str] = set()
    moved = _moved_entries(course, old)
    for reading in course.readings():
        fp = reading.fingerprint
        if fp in seen:
            continue
        seen.add(fp)
        previous = old.get(fp)
        result = results.get(fp)
        before = moved.get(frozenset(reading.links)) if previous is None and reading.links else None
        if before is not None and (result is None or not result.outcome.ok):
            why = "offline" if result is None else result.outcome.reason or result.outcome.kind
            warning = (f"kept: the reading changed since it was resolved and its record could not be refreshed "
                       f"({why}); the next online build tries again")
            mismatch = title_warning(reading, before.record) if before.record is not None else ""
            entries.append(replace(before, fingerprint=fp, title=reading.title, links=reading.links, stale=True,
                                   warnings=(warning, mismatch) if mismatch else (warning,)))
            continue
        if result is None:
            if previous is not None:
                entries.append(previous)
            else:
                entries.append(LockEntry(fp, reading.title, reading.links, status="unresolved",
                                         reason="not resolved yet (run `bibexport build` online)"))
            continue
        previous = previous or before  # resolved again: the key stays pinned, drift is reported
        out = result.outcome
        if not out.ok and previous is not None and previous.status == RESOLVED:
            entries.append(replace(previous, warnings=(f"kept: {out.reason or out.kind}",)))
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
            # Carried as it was: assemble() sees a provisional key whose reading has now resolved and replaces it.
            key_provisional=previous.key_provisional if previous else False,
        ))
    return Lock.of(entries)


def _moved_entries(course: Course, old: Lock) -> dict[frozenset[str], LockEntry]:
    """Resolved entries of readings no longer in the course, by their links: a reading whose title was edited
    is the same reading when its links are (ambiguous link sets are left out)."""
    current = {r.fingerprint for r in course.readings()}
    found: dict[frozenset[str], LockEntry | None] = {}
    for e in old.entries:
        if e.fingerprint in current or not e.links or e.status != RESOLVED or e.record is None:
            continue
        links = frozenset(e.links)
        found[links] = None if links in found else e
    return {links: e for links, e in found.items() if e is not None}


def needs_network(reading: Reading, lock: Lock, refresh: Callable[[Reading, LockEntry | None], bool]) -> bool:
    """True when a reading must be (re)resolved: new, changed, transiently failed, or asked for."""
    entry = lock.get(reading.fingerprint)
    if refresh(reading, entry):
        return True
    return entry is None or entry.status in RETRY_STATUSES or entry.status == "unresolved" or entry.stale


def unresolved_record(reading: Reading) -> Record:
    """What sessions.toml alone says about a reading: never dropped, never invented."""
    url = reading.links[0] if reading.links else ""
    return Record(type="webpage" if url else "article", title=reading.title, url=url,
                  extra_urls=reading.links[1:], sources=(("title", "sessions.toml"),))


#: Record fields the reading list's ``listed`` may fill, with the word the report uses for each.
LISTED_FIELDS = {"authors": "authors", "issued": "year", "container_title": "venue", "note": "note"}
#: The provenance recorded for a field that came from ``listed``.
FROM_LIST = "list"


def fill_from_list(record: Record, listed: Listed) -> Record:
    """An unresolved reading's record with the empty fields the reading list gives (never over anything set).

    Authors are split as everywhere else (:func:`bibexport.names.split_names`); the venue becomes the container.
    Each field filled is marked ``list`` in ``sources``, which the build report names.
    """
    values: dict[str, object] = {"authors": listed.persons, "issued": (listed.year,) if listed.year else (),
                                 "container_title": listed.venue, "note": listed.note}
    changes = {name: value for name, value in values.items() if value and not getattr(record, name)}
    if not changes:
        return record
    sources = dict(record.sources)
    sources.update({name: FROM_LIST for name in changes})
    return record.replace(**changes, sources=tuple(sorted(sources.items())))


def listed_fields(record: Record) -> tuple[str, ...]:
    """Which of a record's fields came from the reading list, in the report's words ("authors", "year", ...)."""
    sources = dict(record.sources)
    return tuple(word for name, word in LISTED_FIELDS.items() if sources.get(name) == FROM_LIST)


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
    #: Fingerprints of the readings whose key is provisional: made while unresolved, not by hand.
    provisional: frozenset[str] = frozenset()
    #: fingerprint -> (provisional key, real key) for readings that resolved since their key was made.
    renamed: dict[str, tuple[str, str]] = field(default_factory=dict)


def assemble(course: Course, lock: Lock) -> Assembly:
    """Build the :class:`Bibliography` from sessions.toml and the lockfile.  Pure."""
    per_reading: dict[str, tuple[str, Record, bool, str]] = {}  # fp -> (identity, record, resolved, reason)
    for reading in course.readings():
        entry = lock.get(reading.fingerprint)
        if entry is not None and entry.status == RESOLVED and entry.record is not None:
            record, resolved, reason = entry.record, True, ""
            ident = identity(entry)
        else:
            # What the list says fills what nothing resolved; manual fields (below) still win over it.
            record = fill_from_list(unresolved_record(reading), reading.listed)
            resolved = False
            reason = entry.reason if entry is not None and entry.reason else "not resolved"
            ident = f"reading:{reading.fingerprint}"
        per_reading[reading.fingerprint] = (ident, apply_overrides(record, reading.overrides), resolved, reason)
    items: list[tuple[str, Record, str]] = []
    for reading in course.readings():
        ident, record, _, _ = per_reading[reading.fingerprint]
        items.append((ident, record, reading.overrides.key))
    try:
        keys = assign_keys(items, lock.pinned_keys())
    except KeyClashError as exc:
        raise InputError(_clash_problems(course, per_reading, exc.clashes)) from None
    sessions = []
    for session in course.sessions:
        parts: dict[str, list[Entry]] = {"required": [], "further": []}
        for reading in session.readings:
            ident, record, resolved, reason = per_reading[reading.fingerprint]
            parts[reading.role].append(Entry(keys[ident], record, resolved, reason))
        sessions.append(SessionBibliography(session, tuple(parts["required"]), tuple(parts["further"])))
    fp_keys = {r.fingerprint: keys[per_reading[r.fingerprint][0]] for r in course.readings()}
    by_hand = {per_reading[r.fingerprint][0] for r in course.readings() if r.overrides.key}
    provisional = frozenset(fp for fp, (ident, _, resolved, _) in per_reading.items()
                            if not resolved and ident not in by_hand)
    renamed: dict[str, tuple[str, str]] = {}
    for fp, old in lock.provisional_keys().items():
        # The reading resolved since its key was made from its title: it now has its real key (once; it is pinned
        # from here on).  A hand key is the user's choice, not news.
        if fp in fp_keys and fp not in provisional and per_reading[fp][0] not in by_hand and fp_keys[fp] != old:
            renamed[fp] = (old, fp_keys[fp])
    return Assembly(Bibliography(course, tuple(sessions)), fp_keys, provisional, renamed)


def _clash_problems(course: Course, per_reading: dict[str, tuple[str, Record, bool, str]],
                    clashes: list[KeyClash]) -> list[Problem]:
    """One problem per hand key that another work holds, at the line of the reading asking for it."""
    def first(identity: str, key: str = "") -> Reading:
        readings = [r for r in course.readings() if per_reading[r.fingerprint][0] == identity]
        return next((r for r in readings if key and r.overrides.key == key), readings[0])

    problems = []
    for c in clashes:
        claimant, holder = first(c.claimant, c.key), first(c.holder, "" if c.pinned else c.key)
        other = f"the reading on line {holder.line} ({holder.title!r})"
        if c.pinned:
            message = f"citation key '{c.key}' is pinned in the lockfile to {other}; a pinned key never changes"
            hint = "give this reading another key"
        else:
            message = f"citation key '{c.key}' is also the key of {other}"
            hint = "give each reading its own key"
        problems.append(Problem(course.path, claimant.line, message, hint))
    return problems


def pin_keys(lock: Lock, keys: dict[str, str], provisional: Collection[str] | None = None) -> Lock:
    """The lock with each entry's key set to the one assembled (so it stays pinned from now on).

    ``provisional`` (:attr:`Assembly.provisional`) names the readings whose key is provisional; the others' keys
    are final.  ``None`` leaves every entry's mark as it is.
    """
    def mark(e: LockEntry) -> bool:
        if provisional is None or e.fingerprint not in keys:
            return e.key_provisional
        return e.fingerprint in provisional

    return Lock.of([replace(e, key=keys.get(e.fingerprint, e.key), key_provisional=mark(e)) for e in lock.entries])


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
            if (entry is not None and entry.key == p) or p in reading.links or low in reading.title.lower() or (
                    reading.label and low in reading.label.lower()):
                return True
            if entry is not None and entry.identifier and p in (entry.identifier, entry.identifier.split(":", 1)[-1]):
                return True
        return False

    return wanted
