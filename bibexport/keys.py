"""Citation keys: Google-Scholar-like ``<first author family><year><first significant title word>``.

Keys are pinned in the lockfile: once a work has a key, adding or reordering readings never renames it.  A key made
while the reading was unresolved is provisional (:meth:`bibexport.lockfile.Lock.pinned_keys` stops pinning it once
the reading resolves), so the work then gets its real key here.
Collisions get suffixes ``a``, ``b``, … in lockfile order (the first holder keeps the plain key).  A hand key
(``key = "..."`` in sessions.toml) that another work holds (by hand, or pinned in the lockfile) is an input error.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

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


@dataclass(frozen=True)
class KeyClash:
    """A hand key (``manual``) that another work holds: another reading's hand key, or a key the lockfile pins."""

    key: str
    claimant: str  # the identity asking for ``key`` by hand
    holder: str  # the identity that has it
    pinned: bool  # True: the holder's key is pinned in the lockfile (and the holder asked for no other key)


class KeyClashError(ValueError):
    """Hand keys that cannot be given: every clash found (the caller names the readings and their lines)."""

    def __init__(self, clashes: list[KeyClash]) -> None:
        super().__init__(", ".join(c.key for c in clashes))
        self.clashes = clashes


def assign_keys(
    items: Iterable[tuple[str, Record, str]], pinned: Mapping[str, str]
) -> dict[str, str]:
    """Keys for ``(identity, record, manual_key)`` items, in order.

    ``pinned`` maps identity → key from the lockfile; those are kept as they are (unless that work's own
    reading asks for another key by hand).  New identities get a base key, suffixed on collision with any key
    already taken.  Two works asking for one hand key, or a work asking by hand for a key the lockfile pins to
    another work still in the course, raise :class:`KeyClashError`: a pinned key never changes, and a key
    never names two works.
    """
    items = list(items)
    result: dict[str, str] = {}
    taken: dict[str, str] = {}  # key -> identity
    clashes: list[KeyClash] = []
    # Manual keys first: the user's word wins over generated keys; then pinned keys, in lockfile order; then new ones.
    for identity, _record, manual in items:
        if not manual or identity in result:
            continue
        holder = taken.get(manual)
        if holder is not None and holder != identity:
            clashes.append(KeyClash(manual, identity, holder, pinned=False))
            continue
        result[identity] = manual
        taken[manual] = identity
    present = {identity for identity, _, _ in items}  # a set: a membership scan per pin was O(n²)
    pin_holder: dict[str, str] = {}  # pinned key -> the identity (present in this build) it is pinned to
    for identity, key in pinned.items():
        if identity in present:
            pin_holder.setdefault(key, identity)
    for key, holder in pin_holder.items():
        claimant = taken.get(key)
        if claimant is not None and claimant != holder and holder not in result:
            clashes.append(KeyClash(key, claimant, holder, pinned=True))
    if clashes:
        raise KeyClashError(clashes)
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
