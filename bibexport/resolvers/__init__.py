"""The resolver registry: every source bibexport can ask, in order of preference.

A link goes to the first resolver whose ``match`` accepts it; a reading with several links is resolved through
its most scholarly link (earliest in this list) and keeps the others as extra URLs.  Adding a source means
adding a module and a line here, never an if-chain on hosts.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

#: (name, "module:Class"), most scholarly first.  ``web`` matches any http(s) URL, so it comes last.
REGISTRY: tuple[tuple[str, str], ...] = (
    ("arxiv", "bibexport.resolvers.arxiv:ArxivResolver"),
    ("openreview", "bibexport.resolvers.openreview:OpenReviewResolver"),
    ("doi", "bibexport.resolvers.doi:DoiResolver"),
    ("github", "bibexport.resolvers.github:GithubResolver"),
    ("web", "bibexport.resolvers.web:WebResolver"),
)
#: Sources that identify a paper (as opposed to a page about it).
SCHOLARLY = frozenset({"arxiv", "openreview", "doi"})


@cache
def get(name: str) -> Any:
    """The resolver instance registered under ``name`` (KeyError if unknown, None if not importable)."""
    target = dict(REGISTRY)[name]
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    cls = getattr(module, class_name, None)
    return cls() if cls is not None else None


def rank(name: str) -> int:
    """Position of a resolver in the registry (lower is more scholarly)."""
    return [n for n, _ in REGISTRY].index(name)


def match(url: str) -> tuple[str, str] | None:
    """``(resolver name, id)`` for the first resolver that accepts ``url`` once its wrappers are removed
    (redirect wrappers, library proxies, tracking parameters: :func:`bibexport.resolvers.unwrap.unwrap`)."""
    from bibexport.resolvers.unwrap import unwrap

    url = unwrap(url)
    for name, _ in REGISTRY:
        resolver = get(name)
        if resolver is None:
            continue
        ident = resolver.match(url)
        if ident:
            return name, ident
    return None
