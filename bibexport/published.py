"""Preprint → published venue, and what changed at a source since the lockfile (drift).

An arXiv paper is cited at its venue when the publisher DOI its authors gave arXiv says where it appeared, or
when OpenReview lists an *accepted* paper with the same title and a shared author.  The venue's record wins
(its title, author spellings and year), keeping the preprint's eprint; a title match alone never upgrades.

A DOI's CSL-JSON (Crossref, DataCite) is also the one structured source of names at hand: family and given apart,
as the person writes them.  Where it is known (the publisher DOI, or a DOI link on the reading) and the venue or
the preprint gives names as display strings, each name it also has is taken from it (``Canton Ferrer, Cristian``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from bibexport import resolvers
from bibexport.model import Course, Person, Reading, Record
from bibexport.names import adopt_structured
from bibexport.resolvers.arxiv import is_arxiv_doi
from bibexport.resolvers.base import RESOLVED, UNAVAILABLE, HttpClient, Outcome
from bibexport.resolvers.titles import authors_overlap, title_similarity
from bibexport.sources import batch, search_title


def wants_upgrade(reading: Reading, record: Record | None, course: Course) -> bool:
    """Whether a resolved preprint should be looked up at a venue (not when kept as a preprint)."""
    if record is None or not record.arxiv_id or record.container_title:
        return False
    keep = reading.overrides.keep_preprint
    return not (keep if keep is not None else course.keep_preprints)


def upgrade_preprints(found: Sequence[tuple[Reading, Outcome]], http: HttpClient, course: Course,
                      progress: Callable[[str], None]) -> tuple[dict[str, Outcome], dict[str, list[str]]]:
    """Preprint → published, for the resolved ``(reading, outcome)`` pairs: the publisher DOI arXiv's authors
    supplied, else OpenReview's *accepted* papers (API v2, then v1 for older venues) by exact title with an
    author-overlap guard.  Returns the upgraded outcomes and notes, both by reading fingerprint."""
    upgraded: dict[str, Outcome] = {}
    notes: dict[str, list[str]] = {}
    for reading, outcome in found:
        preprint = outcome.record
        if not outcome.ok or preprint is None or not preprint.arxiv_id:
            continue
        # The authors gave arXiv the publisher's DOI (or the reading links it): the registration agency knows the
        # venue, and sends family and given names apart (names as their people write them: issue 12, part 4).
        published = _published_record(reading, preprint, http, course, progress, notes)
        structured = published.record.authors if published and published.record else ()
        named = with_structured_names(preprint, structured)  # the preprint, its names spelled as the DOI does
        if not wants_upgrade(reading, preprint, course):
            if named != preprint:  # kept as a preprint: no venue, but the DOI's record spells the names
                upgraded[reading.fingerprint] = replace(outcome, record=named)
            continue
        authors = [p.display for p in preprint.authors]
        progress(f"openreview: venue of {preprint.title!r}")
        hit: Outcome | None = None
        refused = False
        if published is not None and published.record is not None and published.record.container_title:
            hit = published
        for api in openreview_apis(preprint.year, course):
            if hit is not None:
                break
            venue_course = replace(course, endpoints=replace(course.endpoints, openreview_api=api))
            out = search_title("openreview", preprint.title, authors, http, venue_course)
            if out.ok:
                hit = out
                break
            if out.kind == UNAVAILABLE:
                notes.setdefault(reading.fingerprint, []).append(f"venue lookup: {out.reason}")
                refused = True
                break
        if hit is None or hit.record is None:
            if named != preprint:  # no venue, but the DOI's record spells the authors' names
                upgraded[reading.fingerprint] = replace(outcome, record=named)
            if preprint.journal_ref:
                # Free text ("Published in TMLR, 2023"): worth telling, not parsing into a venue.
                notes.setdefault(reading.fingerprint, []).append(
                    f"arXiv's journal reference says {preprint.journal_ref!r}; set venue = \"...\" (and year) on "
                    "the reading to cite it there")
            if refused:
                break  # OpenReview is refusing us: do not ask again for every paper
            continue
        venue = hit.record
        where = (f"openreview:{venue.openreview_id}" if venue.openreview_id
                 else f"doi:{venue.doi}" if venue.doi else hit.identifier)
        # An OpenReview venue gives display strings: the DOI's structured names (when both are known) still win.
        merged = with_structured_names(merge_published(preprint, venue), structured)
        upgraded[reading.fingerprint] = Outcome(
            outcome.identifier, RESOLVED, record=merged, source=outcome.source,
            warnings=outcome.warnings + hit.warnings
            + (f"published version: {venue.venue_short or venue.container_title} ({where})",))
    return upgraded, notes


#: How alike (0..1, :func:`~bibexport.resolvers.titles.title_similarity`) the titles of a preprint and of a DOI the
#: reading links must be for the DOI to be the same paper: venues retitle a little, a dataset or code DOI more.
SAME_PAPER_TITLE = 0.8


def _published_record(reading: Reading, preprint: Record, http: HttpClient, course: Course,
                      progress: Callable[[str], None], notes: dict[str, list[str]]) -> Outcome | None:
    """The answer (a CSL-JSON record) for the preprint's publisher DOI (:func:`published_doi`), when there is one and it names
    one of arXiv's authors (else a note says why it was not taken)."""
    doi = published_doi(reading, preprint)
    if not doi:
        return None
    progress(f"doi: {doi}")
    by_doi = batch("doi", [doi], http, course).get(doi)
    if by_doi is None or not by_doi.ok or by_doi.record is None:
        return None
    why = ""
    if not authors_overlap(preprint.authors, by_doi.record.authors):
        why = "names none of arXiv's authors"
    elif doi != preprint.doi and title_similarity(preprint.title, by_doi.record.title) < SAME_PAPER_TITLE:
        # A DOI the reading links (not one arXiv's authors gave) may be the paper's code or data on Zenodo.
        why = f"is titled {by_doi.record.title!r}"
    if why:
        notes.setdefault(reading.fingerprint, []).append(f"doi:{doi} {why}: not taken as the same paper")
        return None
    return by_doi


def published_doi(reading: Reading, preprint: Record) -> str:
    """The DOI of a preprint's published record: the one its authors gave arXiv, else a DOI link the reading has
    beside its arXiv link (never arXiv's own 10.48550 DOI, which names the preprint)."""
    if preprint.doi and not is_arxiv_doi(preprint.doi):
        return preprint.doi
    for link in reading.links:
        found = resolvers.match(link)
        if found is not None and found[0] == "doi" and not is_arxiv_doi(found[1]):
            return found[1]
    return ""


def with_structured_names(record: Record, structured: Sequence[Person]) -> Record:
    """``record`` whose authors (display strings split by BibTeX's rule) take family and given names from
    ``structured`` where it has the same person (:func:`bibexport.names.adopt_structured`); ``sources`` then
    says the names come from ``doi``."""
    if not structured:
        return record
    authors = adopt_structured(record.authors, structured)
    if authors == record.authors:
        return record
    sources = dict(record.sources)
    sources["authors"] = "doi"
    return record.replace(authors=authors, sources=tuple(sorted(sources.items())))


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
    doi = "" if is_arxiv_doi(preprint.doi) else preprint.doi
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
