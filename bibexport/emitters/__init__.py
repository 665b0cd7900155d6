"""The output formats: name → file name and a pure function from a bibliography to text.

``render(fmt, bib, session=None, options)`` gives the text for the whole course or one session.  Emitters never
open files; the CLI writes what they return.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bibexport.model import Bibliography, Entry, SessionBibliography

if TYPE_CHECKING:
    from bibexport.rendercache import RenderCache


@dataclass(frozen=True)
class RenderOptions:
    """Options of the formatted lists (style and fragment; ignored by bib and csl-json), and the cache.

    ``cache`` holds renderings from earlier builds (see :mod:`bibexport.rendercache`); the emitters only read
    and add to it, the CLI loads and saves it.
    """

    style: str = "apa"
    fragment: bool = False
    heading_level: int = 1  # of the top heading in md and html, so a list fits under a heading of the notes
    cache: RenderCache | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Format:
    """One output format."""

    name: str
    filename: str
    render: Callable[[Bibliography, SessionBibliography | None, RenderOptions], str]


def _pairs(entries: tuple[Entry, ...]) -> list[tuple[str, object]]:
    return [(e.key, e.record) for e in entries]


def _bib(bib: Bibliography, session: SessionBibliography | None, opts: RenderOptions) -> str:
    module = importlib.import_module("bibexport.emitters.bibtex")
    entries = session.entries if session is not None else bib.entries
    return str(module.emit(_pairs(entries), keep_case=bib.course.keep_case, cache=opts.cache))


def _csl(bib: Bibliography, session: SessionBibliography | None, _opts: RenderOptions) -> str:
    module = importlib.import_module("bibexport.emitters.csljson")
    entries = session.entries if session is not None else bib.entries
    return str(module.emit(_pairs(entries), keep_case=bib.course.keep_case))


def _reflist(fmt: str) -> Callable[[Bibliography, SessionBibliography | None, RenderOptions], str]:
    def render(bib: Bibliography, session: SessionBibliography | None, opts: RenderOptions) -> str:
        module = importlib.import_module("bibexport.emitters.reflist")
        if session is not None:
            return str(module.emit_session(session, fmt=fmt, style=opts.style, fragment=opts.fragment,
                                           cache=opts.cache, heading_level=opts.heading_level))
        return str(module.emit(bib, fmt=fmt, style=opts.style, fragment=opts.fragment, title=bib.course.title,
                               cache=opts.cache, heading_level=opts.heading_level))

    return render


FORMATS: dict[str, Format] = {
    "bib": Format("bib", "readings.bib", _bib),
    "csl-json": Format("csl-json", "readings.json", _csl),
    "md": Format("md", "readings.md", _reflist("md")),
    "html": Format("html", "readings.html", _reflist("html")),
    "txt": Format("txt", "readings.txt", _reflist("txt")),
}
DEFAULT_FORMATS = ("bib", "csl-json", "md")
#: Other spellings users write (``resolve --format bibtex`` was valid while ``build -f bibtex`` was refused).
ALIASES = {"bibtex": "bib", "csljson": "csl-json", "json": "csl-json", "markdown": "md", "text": "txt",
           "plain": "txt"}


def canonical_format(name: str) -> str:
    """The format's registry name for ``name`` or one of its aliases (unknown names are returned unchanged)."""
    key = name.strip().lower()
    return ALIASES.get(key, key)
