"""Citation keys: Google-Scholar-like ``<first author family><year><first significant title word>``.

Keys are pinned in the lockfile: once a work has a key, adding or reordering readings never renames it.
Collisions get suffixes ``a``, ``b``, … in lockfile order (the first holder keeps the plain key).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping

from anyascii import anyascii

from bibexport.model import Record

#: Words Google Scholar skips when it picks the title word of a key.
_STOPWORD_TEXT = (
    "a an the of on in at to for and or but with without from by as is are was be via into onto over under "
    "about your our their its this that these those do does how what why when which who can not no"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_ALNUM = re.compile(r"[^a-z0-9]+")


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits only (é→e, ø→o, ß→ss, 李→li)."""
    return _ALNUM.sub("", anyascii(text).lower())


def _title_words(title: str) -> list[str]:
    words = [ascii_slug(w) for w in re.split(r"[\s\-–—:/]+", title)]
    return [w for w in words if w]


def base_key(record: Record) -> str:
    """The unsuffixed key for a record."""
    words = _title_words(record.title)
    significant = [w for w in words if w not in STOPWORDS] or words
    year = str(record.year) if record.year else ""
    if record.authors:
        first = record.authors[0]
        who = ascii_slug(first.family or first.literal or first.given)
        what = significant[0] if significant else ""
    else:
        # No author: the first two significant title words stand in for author and title word.
        who = significant[0] if significant else "anon"
        what = significant[1] if len(significant) > 1 else ""
    key = f"{who or 'anon'}{year}{what}"
    return key or "anon"


def suffixes() -> Iterator[str]:
    """a, b, …, z, aa, ab, …, zz, aaa, … (endless: 703 works sharing a base key must not crash a build)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for length in itertools.count(1):
        for combo in itertools.product(letters, repeat=length):
            yield "".join(combo)


def assign_keys(
    items: Iterable[tuple[str, Record, str]], pinned: Mapping[str, str]
) -> dict[str, str]:
    """Keys for ``(identity, record, manual_key)`` items, in order.

    ``pinned`` maps identity → key from the lockfile; those are kept as they are (unless a manual key is
    given).  New identities get a base key, suffixed on collision with any key already taken.
    """
    items = list(items)
    result: dict[str, str] = {}
    taken: dict[str, str] = {}  # key -> identity
    # Manual keys first: the user's word wins; then pinned keys, in lockfile order; then new ones.
    for identity, _record, manual in items:
        if manual and identity not in result:
            result[identity] = manual
            taken.setdefault(manual, identity)
    present = {identity for identity, _, _ in items}  # a set: a membership scan per pin was O(n²)
    for identity, key in pinned.items():
        if identity in result or key in taken:
            continue
        if identity in present:
            result[identity] = key
            taken[key] = identity
    cursors: dict[str, Iterator[str]] = {}  # base → its suffixes, resumed where the last collision stopped
    for identity, record, _manual in items:
        if identity in result:
            continue
        base = base_key(record)
        key = base
        if key in taken:
            rest = cursors.setdefault(base, suffixes())
            key = next(base + s for s in rest if base + s not in taken)
        result[identity] = key
        taken[key] = identity
    return result
