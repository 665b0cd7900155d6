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
from bibexport.resolvers.base import (
    NOT_FOUND,
    RESOLVED,
    UNAVAILABLE,
    HttpClient,
    Outcome,
)

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


def _search_title(name: str, title: str, authors: Sequence[str], http: HttpClient, course: Course) -> Outcome:
    module = __import__(f"bibexport.resolvers.{name}", fromlist=["search_title"])
    search = getattr(module, "search_title", None) or getattr(resolvers.get(name), "search_title", None)
    if search is None:
        return Outcome(f"title:{title}", kind=NOT_FOUND, reason=f"{name} cannot search by title")
    result: Outcome = search(title, authors, http, course.endpoints)
    return result


def _batch(resolver_name: str, ids: Sequence[str], http: HttpClient, course: Course) -> dict[str, Outcome]:
    resolver = resolvers.get(resolver_name)
    if resolver is None:
        return {i: Outcome(f"{resolver_name}:{i}", kind=UNAVAILABLE, reason=f"no {resolver_name} resolver") for i in ids}
    unique = list(dict.fromkeys(ids))
    outcomes: dict[str, Outcome] = resolver.resolve(unique, http, course.endpoints)
    return outcomes


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
        outcomes = _batch(name, [t.primary[1] for t in group if t.primary], http, course)
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
        out = _search_title("arxiv", t.reading.title, t.reading.overrides.authors, http, course)
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
        outcomes = _batch(name, [t.fallbacks[0][1] for t in group], http, course)
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
        _upgrade_preprints(targets, results, notes, http, course, progress)
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


def _wants_upgrade(reading: Reading, record: Record | None, course: Course) -> bool:
    if record is None or not record.arxiv_id or record.container_title:
        return False
    keep = reading.overrides.keep_preprint
    return not (keep if keep is not None else course.keep_preprints)


def _upgrade_preprints(targets: Sequence[Target], results: dict[str, Result], notes: dict[str, list[str]],
                       http: HttpClient, course: Course, progress: Progress) -> None:
    """Preprint → published: look each arXiv paper up among OpenReview's *accepted* papers (API v2, then v1 for
    older venues) by exact title with an author-overlap guard, and cite the venue while keeping the eprint."""
    from dataclasses import replace

    for t in targets:
        result = results.get(t.reading.fingerprint)
        if result is None or not result.outcome.ok or not _wants_upgrade(t.reading, result.outcome.record, course):
            continue
        preprint = result.outcome.record
        assert preprint is not None
        authors = [p.display for p in preprint.authors]
        progress(f"openreview: venue of {preprint.title!r}")
        found: Outcome | None = None
        refused = False
        if preprint.doi and not preprint.doi.lower().startswith("10.48550/"):
            # The authors gave arXiv the publisher's DOI: the registration agency knows the venue.
            progress(f"doi: {preprint.doi}")
            by_doi = _batch("doi", [preprint.doi], http, course).get(preprint.doi)
            if by_doi is not None and by_doi.ok and by_doi.record is not None and by_doi.record.container_title:
                found = by_doi
        for api in openreview_apis(preprint.year, course):
            if found is not None:
                break
            venue_course = replace(course, endpoints=replace(course.endpoints, openreview_api=api))
            out = _search_title("openreview", preprint.title, authors, http, venue_course)
            if out.ok:
                found = out
                break
            if out.kind == UNAVAILABLE:
                notes[t.reading.fingerprint].append(f"venue lookup: {out.reason}")
                refused = True
                break
        if found is None or found.record is None:
            if refused:
                return  # OpenReview is refusing us: do not ask again for every paper
            continue
        merged = merge_published(preprint, found.record)
        upgraded = Outcome(result.outcome.identifier, RESOLVED, record=merged, source=result.outcome.source,
                           warnings=result.outcome.warnings + found.warnings
                           + (f"published version: {found.record.venue_short or found.record.container_title} "
                              f"({found.identifier})",))
        results[t.reading.fingerprint] = Result(result.reading, upgraded, result.via, result.extra_links)


def openreview_apis(year: int | None, course: Course) -> tuple[str, ...]:
    """Which OpenReview APIs may hold the venue of a preprint first posted in ``year``.

    OpenReview's venues start with ICLR 2013; API v2 hosts the venues of 2022 on (TMLR, NeurIPS 2023+, ICLR
    2024+) and API v1 the earlier ones (API_FORMATS.md §2.1).  A paper reaches its venue within a few years of
    its preprint, so each API is asked only when it can hold the answer: fewer requests against strict limits.
    """
    v2, v1 = course.endpoints.openreview_api, course.endpoints.openreview_api_v1
    if year is None:
        return tuple(dict.fromkeys((v2, v1)))
    apis = []
    if year >= 2018:
        apis.append(v2)
    if 2012 <= year <= 2023:
        apis.append(v1)
    return tuple(dict.fromkeys(apis))


def merge_published(preprint: Record, published: Record) -> Record:
    """The published record (venue, its title, authors and year) that keeps the preprint's eprint.

    The arXiv DOI names the preprint, so it is dropped from a venue entry; the arXiv page stays as an extra URL.
    """
    sources = dict(published.sources) or {"*": "openreview"}
    sources.update({"arxiv_id": "arxiv", "arxiv_class": "arxiv", "arxiv_version": "arxiv"})
    doi = "" if preprint.doi.lower().startswith("10.48550/") else preprint.doi
    return published.replace(
        arxiv_id=preprint.arxiv_id, arxiv_version=preprint.arxiv_version, arxiv_class=preprint.arxiv_class,
        doi=published.doi or doi, journal_ref=preprint.journal_ref,
        extra_urls=tuple(dict.fromkeys((*published.extra_urls, preprint.url))) if preprint.url else published.extra_urls,
        sources=tuple(sorted(sources.items())),
    )


def drift(old: Record, new: Record) -> list[str]:
    """What changed at the source since the lockfile was written, in words (for the report)."""
    changes = []
    if old.arxiv_version and new.arxiv_version and old.arxiv_version != new.arxiv_version:
        changes.append(f"new arXiv version: v{old.arxiv_version} → v{new.arxiv_version}")
    if old.title != new.title:
        changes.append(f"title changed: {old.title!r} → {new.title!r}")
    if [p.display for p in old.authors] != [p.display for p in new.authors]:
        changes.append(f"authors changed ({len(old.authors)} → {len(new.authors)})")
    if old.container_title != new.container_title or old.status != new.status:
        before = old.venue_short or old.container_title or old.status or "preprint"
        after = new.venue_short or new.container_title or new.status or "preprint"
        changes.append(f"venue changed: {before} → {after}")
    if old.url != new.url:
        changes.append(f"moved: {old.url} → {new.url}")
    return changes


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
