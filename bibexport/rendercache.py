"""The render cache: formatted references remembered between builds, keyed by their content.

citeproc-py takes 10–15 ms per entry, so a warm rebuild of a large course spent nearly all its time rendering
references that had not changed.  :mod:`bibexport.emitters.reflist` looks each rendering up here by a key made of
everything it depends on (the style file, bibexport's and citeproc-py's versions, the entry's CSL item, its year
suffix and, for styles that print one, its citation number), so a hit is exactly what rendering would give.

:class:`RenderCache` is the pure in-memory map the emitters use.  :func:`load` and :func:`save` are the I/O
edges the CLI calls: one JSON file, ``render-cache.json`` in the user cache dir (or ``$BIBEXPORT_CACHE_DIR``).
A missing, unreadable or corrupt file is an empty cache, never an error: the cache only saves time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
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


def code_digest(*files: str, extra: str = "") -> str:
    """A digest of source files and bibexport's version: what cached texts depend on besides their input.

    Hashing the code itself (not only the version) keeps a development checkout from serving stale text."""
    from bibexport import __version__

    digest = hashlib.blake2b(f"{__version__}\0{extra}\0".encode(), digest_size=8)
    for name in files:
        digest.update(Path(name).read_bytes())
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
    """Write ``cache`` if anything was added, atomically (temp file + rename); a failure is silently skipped.

    No fsync: after a crash the file is either the old one, the new one, or unreadable, and an unreadable
    cache is simply empty next time.
    """
    if cache is None or not cache.changed:
        return
    path = default_path() if path is None else path
    data = json.dumps({"bibexport_render_cache": SCHEMA, "entries": dict(cache.items())}, ensure_ascii=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{FILENAME}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
    cache.changed = False
