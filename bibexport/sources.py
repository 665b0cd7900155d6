"""Asking a source through the registry: a batch of ids, or a title search.  Failures come back as Outcomes.

This is the one way the pipeline asks a resolver, so every record a source returns is capped here
(:func:`bibexport.limits.cap_outcome`: text length, author count, dates), with a warning per cut."""

from __future__ import annotations

from collections.abc import Sequence

from bibexport import resolvers
from bibexport.limits import cap_outcome
from bibexport.model import Course
from bibexport.resolvers.base import NOT_FOUND, UNAVAILABLE, HttpClient, Outcome


def search_title(name: str, title: str, authors: Sequence[str], http: HttpClient, course: Course) -> Outcome:
    """Ask resolver ``name`` for the work with exactly this title (module-level or resolver ``search_title``)."""
    module = __import__(f"bibexport.resolvers.{name}", fromlist=["search_title"])
    search = getattr(module, "search_title", None) or getattr(resolvers.get(name), "search_title", None)
    if search is None:
        return Outcome(f"title:{title}", kind=NOT_FOUND, reason=f"{name} cannot search by title")
    result: Outcome = search(title, authors, http, course.endpoints)
    return cap_outcome(result)


def search_titles(
    name: str, queries: Sequence[tuple[str, Sequence[str]]], http: HttpClient, course: Course
) -> dict[tuple[str, tuple[str, ...]], Outcome]:
    """Ask resolver ``name`` for many ``(title, authors)`` at once when it searches in batches, else one by one;
    one Outcome per distinct ``(title, authors)``."""
    module = __import__(f"bibexport.resolvers.{name}", fromlist=["search_titles"])
    many = getattr(module, "search_titles", None)
    if many is not None:
        found: dict[tuple[str, tuple[str, ...]], Outcome] = many(queries, http, course.endpoints)
        return {asked: cap_outcome(out) for asked, out in found.items()}  # capped like every other answer
    return {(title, tuple(authors)): search_title(name, title, authors, http, course) for title, authors in queries}


def batch(resolver_name: str, ids: Sequence[str], http: HttpClient, course: Course) -> dict[str, Outcome]:
    """Ask resolver ``resolver_name`` for many ids at once (each id once); one Outcome per id."""
    resolver = resolvers.get(resolver_name)
    if resolver is None:
        return {i: Outcome(f"{resolver_name}:{i}", kind=UNAVAILABLE, reason=f"no {resolver_name} resolver") for i in ids}
    unique = list(dict.fromkeys(ids))
    outcomes: dict[str, Outcome] = resolver.resolve(unique, http, course.endpoints)
    return {i: cap_outcome(o) for i, o in outcomes.items()}
