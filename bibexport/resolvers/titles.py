"""Title normalisation and author-overlap checks shared by every resolver that searches by title.

A title search may only accept a hit that is *the same paper*: equal titles after folding away differences that
carry no meaning (case, punctuation, dashes, whitespace, accents, ligatures, TeX braces) and, when the reading
names authors, at least one shared family name.  Anything looser risks citing a different paper.  What the reading
list itself says (its authors and year, ``listed``) is a further guard: :func:`listed_conflict`.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence

from bibexport.model import Person, Record


def _fold(text: str) -> str:
    """NFKD-decompose, drop combining marks, casefold: "Lélio" → "lelio", "ﬁ" → "fi"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _words(text: str) -> list[str]:
    """Folded words: every punctuation mark, symbol, dash or separator becomes a word break."""
    out = []
    for c in _fold(text):
        category = unicodedata.category(c)
        out.append(c if category[0] in "LN" else " ")
    return "".join(out).split()


def normalize_title(s: str) -> str:
    """The comparison form of a title: folded, lower-case words separated by single spaces.

    ``"Text-To-Image: A  Survey"`` and ``"text to image — a survey"`` both become ``"text to image a survey"``.
    """
    return " ".join(_words(s))


def titles_match(a: str, b: str) -> bool:
    """True when two titles are the same once normalised (and not empty)."""
    na, nb = normalize_title(a), normalize_title(b)
    return bool(na) and na == nb


def title_similarity(a: str, b: str) -> float:
    """A 0..1 similarity of normalised titles, used only to name the closest rejected candidate."""
    return difflib.SequenceMatcher(None, normalize_title(a), normalize_title(b)).ratio()


def family_key(person: Person) -> str:
    """A comparison key for a person's family name: the last folded word ("de las Casas" → "casas").

    Taking the last word makes "Diego de las Casas" parsed with or without the particle compare equal, and
    "Acosta-Navas" equal to "Acosta Navas".
    """
    words = _words(person.literal or person.family or person.given)
    return words[-1] if words else ""


def _keys(people: Iterable[Person]) -> set[str]:
    return {k for k in (family_key(p) for p in people) if k}


def authors_overlap(a: Sequence[Person], b: Sequence[Person]) -> bool:
    """True when the two author lists share at least one family name (after folding)."""
    return bool(_keys(a) & _keys(b))


def listed_conflict(record: Record, authors: Sequence[Person], year: int | None) -> str:
    """Why a title-search hit cannot be the work the reading list describes, or "" when nothing says so.

    The list's year may be the preprint's or the venue's (a year apart); more than that, or authors sharing no
    family name with the list's, means another paper with the same title.  What the hit or the list does not
    give is not held against it.
    """
    why = []
    if year is not None and record.year is not None and abs(record.year - year) > 1:
        why.append(f"it is from {record.year}, the reading list says {year}")
    if authors and record.authors and not authors_overlap(authors, record.authors):
        names = ", ".join(p.display for p in authors[:3]) + (", …" if len(authors) > 3 else "")
        why.append(f"its authors share no family name with the reading list's ({names})")
    return "; ".join(why)
