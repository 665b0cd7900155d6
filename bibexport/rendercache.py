"""The emitters' caches, in one place: what is cached, where, keyed by what, invalidated how.

citeproc-py takes 10–15 ms per entry, so a warm rebuild of a large course spent nearly all its time rendering
references that had not changed.  Every text an emitter can look up instead of computing goes through one
:class:`RenderCache`, which the build hands to the emitters inside
:class:`~bibexport.emitters.RenderOptions` and saves afterwards.

=====================  ==========================================================  ================================
what                   key (``kind:code:content…``)                                 written by
=====================  ==========================================================  ================================
CSL sort key           ``s<n>:<style>:<record>:<citation number or 0>``             :mod:`~bibexport.emitters.reflist`
CSL rendering          ``b:<style>:<record>:<year suffix>:<citation number or 0>``  :mod:`~bibexport.emitters.reflist`
.bib entry text        ``bib:<code>:<record>:<key>:<keep_case>``                   :mod:`~bibexport.emitters.bibtex`
md/html/txt item text  ``<fmt>-item:<code>:<item content>``                         :mod:`~bibexport.emitters.markup`
=====================  ==========================================================  ================================

* **Keyed by content**: ``<record>`` is :func:`record_digest`; ``<code>`` is :func:`code_digest` of the kind
  (the source of every module the text depends on, bibexport's and the libraries' versions: :data:`CODE`);
  ``<style>`` is :func:`style_digest` (the style file and the "csl" code).  A hit is therefore exactly what
  computing would give, and nothing is ever invalidated by hand: an edit of the code, the style, a library
  upgrade or a changed record simply makes new keys.  Source files are hashed here and nowhere else.
* **Where**: in memory for one build; on disk, one JSON file ``render-cache.json`` in the user cache dir (or
  ``$BIBEXPORT_CACHE_DIR``), read by :func:`load` and written by :func:`save` through
  :func:`bibexport.fsio.atomic_write` (fsio does every write).  A missing, unreadable or corrupt file is an
  empty cache, never an error: the cache only saves time.
* **Bounded**: at most :data:`MAX_ENTRIES` are saved, those used by the latest build last, so kept longest.

Besides the render cache, the emitters keep only memos within the process, each with its reason at its
definition: parsed CSL styles (``reflist._load_style``: parsing APA takes a noticeable time), the rendered
lists of one build (``reflist._render``: md, html and txt share one rendering), and the identity memos made
with :func:`by_identity` (records are shared by the course's list and a session's; hashing a frozen dataclass
deeply on every look-up cost seconds at 10,000 readings).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

SCHEMA = 1
FILENAME = "render-cache.json"
#: Entries kept on disk (most recently used first to survive); ~40,000 per 10,000 APA references.
MAX_ENTRIES = 200_000
#: The formats whose texts are cached (csl-json is cheaper to write than to look up).
FORMATS = frozenset({"bib", "md", "html", "txt"})

_MISSING = object()


class RenderCache:
    """Cached renderings by key.  Values are JSON data (str, int, None or lists of them)."""

    def __init__(self, entries: dict[str, Any] | None = None) -> None:
        self._old = entries or {}
        self._new: dict[str, Any] = {}  # looked up or added in this run: saved last, so kept longest
        self.changed = False

    def __len__(self) -> int:
        return len(self._old.keys() | self._new.keys())

    def get(self, key: str, default: Any = None) -> Any:
        """The value stored under ``key``, else ``default``."""
        value = self._new.get(key, _MISSING)
        if value is _MISSING:
            value = self._old.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._new[key] = value
        return value

    def __contains__(self, key: str) -> bool:
        return key in self._new or key in self._old

    def put(self, key: str, value: Any) -> None:
        """Remember ``value`` (JSON data) under ``key``."""
        self._new[key] = value
        self.changed = True

    def items(self, limit: int = MAX_ENTRIES) -> Iterable[tuple[str, Any]]:
        """At most ``limit`` entries, those used in this run last (the order they are saved in)."""
        merged = {k: v for k, v in self._old.items() if k not in self._new}
        merged.update(self._new)
        pairs = list(merged.items())
        return pairs[-limit:] if limit else []


def by_identity(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Memoise a one-argument function on its argument's identity.

    For records and entries, which a build shares between the course's lists and the sessions': hashing a
    frozen dataclass hashes every field, every time (at 10,000 readings, 2.9 million hash calls per build).
    The argument is kept with the value, so its id cannot be reused while the entry lives.
    """
    memo: dict[int, tuple[Any, Any]] = {}

    @functools.wraps(function)
    def wrapper(arg: Any) -> Any:
        hit = memo.get(id(arg))
        if hit is not None and hit[0] is arg:
            return hit[1]
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        value = function(arg)
        memo[id(arg)] = (arg, value)
        return value

    return wrapper


#: Entries an identity memo holds before it starts again.
MEMO_SIZE = 100_000


@by_identity
def record_digest(record: Any) -> str:
    """A digest of everything in a :class:`~bibexport.model.Record` (memoised: records are shared by lists)."""
    text = json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


#: What the cached texts of each kind depend on besides their own input: bibexport's modules (their source is
#: hashed, so a development checkout never serves text an earlier edit made) and other distributions (their
#: versions; "python" is the interpreter's, for ``html.escape`` and ``quote``).
CODE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bib": (("bibexport.emitters.bibtex", "bibexport.latex", "bibexport.limits"), ("bibtexparser",)),
    "csl": (("bibexport.emitters.reflist", "bibexport.emitters.citeproc_compat", "bibexport.emitters.markup",
             "bibexport.emitters.csljson", "bibexport.limits"), ("citeproc-py",)),
    "item": (("bibexport.emitters.markup",), ("python",)),
}


@functools.cache
def code_digest(kind: str) -> str:
    """A digest of everything :data:`CODE` lists for ``kind``, and of bibexport's version (once per process)."""
    from bibexport import __version__

    modules, distributions = CODE[kind]
    digest = hashlib.blake2b(f"{kind}\0{__version__}\0".encode(), digest_size=8)
    for name in distributions:
        digest.update(f"{name}={_version(name)}\0".encode())
    for name in modules:
        digest.update(Path(str(importlib.import_module(name).__file__)).read_bytes())
    return digest.hexdigest()


def _version(distribution: str) -> str:
    if distribution == "python":
        return sys.version
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def style_digest(path: Path) -> str:
    """A digest of a CSL style file and of the "csl" code: the part of a CSL key that is not the entry's.

    Not memoised here: the style file may change within a process (reflist memoises it per loaded style)."""
    digest = hashlib.blake2b(path.read_bytes(), digest_size=16)
    digest.update(code_digest("csl").encode())
    return digest.hexdigest()


def default_path(env: dict[str, str] | os._Environ[str] | None = None) -> Path:
    """``$BIBEXPORT_CACHE_DIR/render-cache.json``, else the same file in the user cache dir."""
    env = os.environ if env is None else env
    folder = env.get("BIBEXPORT_CACHE_DIR")
    if not folder:
        import platformdirs

        folder = platformdirs.user_cache_dir("bibexport")
    return Path(folder) / FILENAME


def load(path: Path | None = None) -> RenderCache:
    """The cache stored at ``path`` (default: :func:`default_path`); empty when missing or damaged."""
    path = default_path() if path is None else path
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):  # missing, unreadable, not JSON or not UTF-8
        return RenderCache()
    if not isinstance(doc, dict) or doc.get("bibexport_render_cache") != SCHEMA:
        return RenderCache()
    entries = doc.get("entries")
    return RenderCache(entries if isinstance(entries, dict) else {})


def for_build(formats: Iterable[str], *, enabled: bool, path: Path | None = None) -> RenderCache | None:
    """The cache a build passes to the emitters: None when disabled or no format uses it."""
    if not enabled or not FORMATS.intersection(formats):
        return None
    return load(path)


def save(cache: RenderCache | None, path: Path | None = None) -> None:
    """Write ``cache`` if anything was added, atomically (through :func:`bibexport.fsio.atomic_write`); a failure
    is silently skipped (the cache stays changed, to be saved next time)."""
    from bibexport.errors import OutputError
    from bibexport.fsio import atomic_write

    if cache is None or not cache.changed:
        return
    path = default_path() if path is None else path
    data = json.dumps({"bibexport_render_cache": SCHEMA, "entries": dict(cache.items())}, ensure_ascii=False)
    try:
        atomic_write(path, data)
    except OutputError:
        return
    cache.changed = False
