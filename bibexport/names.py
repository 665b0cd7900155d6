"""Splitting display names into CSL name parts, the way BibTeX splits them (via pybtex), and taking the split
from a structured source (CSL-JSON through a DOI) where one gives the same names.

arXiv (and OpenReview, whose notes and ``_bibtex`` give display strings too) say "Cristian Canton Ferrer"; BibTeX's
rule makes that family "Ferrer".  Only a source that sends family and given apart knows better:
:func:`adopt_structured`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bibexport.model import Person

_SPACE = re.compile(r"\s+")
#: Capitalised words that, right before the last word of a display name, belong to the family name
#: ("Teven Le Scao", "William El Sayed", "Emma Bou Hanna"): BibTeX's rules would make them given names.
FAMILY_PREFIXES = frozenset(
    [
        "Le", "La", "Les", "El", "Al", "Da", "De", "Del", "Della", "Dello", "Di", "Du", "Des", "Dos", "Das",
        "Van", "Von", "Vander", "Ten", "Ter", "Bou", "Ben", "Ibn", "Abu", "Mac", "St", "St.", "Saint", "San", "Santa",
    ]
)
_SUFFIX = re.compile(r"^(?P<name>[^,]+),\s*(?P<suffix>Jr\.?|Sr\.?|II|III|IV)$")


def parse_name(name: str) -> Person:
    """Split "Diego de las Casas" or "Manning, Christopher D." into family/given/particle/suffix.

    Uses pybtex's implementation of BibTeX's rules, so that what we store is what BibTeX would read back.
    A name in braces (``{Hugging Face}``) or without any letters to split becomes a literal.
    """
    from pybtex.database import Person as PybtexPerson

    text = _SPACE.sub(" ", name).strip()
    if not text:
        return Person()
    m = _SUFFIX.match(text)
    if m:  # "Martin Luther King, Jr.": a display name with a suffix, not "Last, First"
        from dataclasses import replace

        return replace(parse_name(m.group("name")), suffix=m.group("suffix"))
    if text.startswith("{") and text.endswith("}") and text.count("{") == 1:
        return Person(literal=text[1:-1].strip())
    try:
        p = PybtexPerson(text)
    except Exception:  # noqa: BLE001  pybtex raises several types on odd strings (too many commas): keep it whole
        return Person(literal=text)
    family = " ".join(p.last_names)
    given = " ".join(p.first_names + p.middle_names)
    particle = " ".join(p.prelast_names)
    suffix = " ".join(p.lineage_names)
    if not family:
        # BibTeX would take the last word; pybtex leaves lower-case-only names there too.
        if particle:
            family, particle = particle, ""
        else:
            return Person(literal=text)
    given_words = given.split(" ")
    if not particle and len(given_words) > 1 and given_words[-1] in FAMILY_PREFIXES and "," not in text:
        family = f"{given_words[-1]} {family}"
        given = " ".join(given_words[:-1])
    return Person(family=family, given=given, particle=particle, suffix=suffix)


_ET_AL = re.compile(r"[,;]?\s*(?:\bet\s*al\b\.?|\band\s+others\b|…|\.\.\.)\s*$", re.IGNORECASE)
_AND = re.compile(r"\s*(?:,\s*and\s+|,\s*&\s*|\s+and\s+|\s*&\s*)", re.IGNORECASE)


def split_names(text: str) -> tuple[Person, ...]:
    """The people in an author list as a reading list writes it, each split by :func:`parse_name`.

    Handles "A. Radford, J. Wu, and R. Child", "Radford, Alec and Wu, Jeffrey" (BibTeX's form), "Radford;
    Wu" and a trailing "et al." (dropped: the names not given are unknown, not invented).
    """
    text = _ET_AL.sub("", _SPACE.sub(" ", text).strip()).strip(" ,;")
    if not text:
        return ()
    if ";" in text:
        parts = text.split(";")
    else:
        by_and = [p for p in re.split(r"\s+and\s+", text, flags=re.IGNORECASE) if p.strip()]
        # "Family, Given and Family, Given": one comma per name, the family part a single word when alone
        # (so "Alec Radford, Jeffrey Wu" stays two people).
        bibtex_style = all(p.count(",") == 1 for p in by_and) and (
            len(by_and) > 1 or len(by_and[0].split(",")[0].split()) == 1
        )
        parts = by_and if bibtex_style else _AND.sub(",", text).split(",")
    return tuple(p for p in (parse_name(part) for part in parts if part.strip()) if p != Person())


def _folded(text: str) -> tuple[str, ...]:
    """A name's comparison form: folded words ("Lélio Renard-Lavaud" → ("lelio", "renard", "lavaud"))."""
    from bibexport.resolvers.titles import normalize_title

    return tuple(normalize_title(text).split())


def _family_words(person: Person) -> tuple[str, ...]:
    return _folded(f"{person.particle} {person.family}")


def match_structured(plain: Person, structured: Person) -> Person | None:
    """``plain`` (a name a source gives as one string, split by BibTeX's rule) written as ``structured`` splits it,
    or None when the two are not the same name.

    Same name once folded ("Lelio Renard Lavaud" and given "Lélio", family "Renard Lavaud"): the structured name
    as it is, diacritics and particles included.  Same family words at the end and the same first initial
    ("Cristian C. Canton Ferrer", "Will Smith" for "William Smith"): the plain given names with the structured
    family.  Anything else ("Pete Walsh" for "Evan Walsh") is another spelling we cannot reconcile: None.
    """
    if plain.literal or structured.literal or not structured.family:
        return None
    words, given, family = _folded(plain.display), _folded(structured.given), _family_words(structured)
    if not family:
        return None
    if words == given + family:
        if structured.display.isascii() and not plain.display.isascii():
            # Crossref lost the accents the plain source kept ("Re" for "Ré"): its split, the plain spelling.
            return _split_like(plain, structured, keep_family=False) or structured
        return structured
    if len(words) <= len(family) or words[-len(family):] != family or (given and words[0][:1] != given[0][:1]):
        return None
    return _split_like(plain, structured, keep_family=True)


def _split_like(plain: Person, structured: Person, keep_family: bool) -> Person | None:
    """``plain``'s own words cut where ``structured`` puts its family (and particle); None when the words do not
    fall on that boundary.  ``keep_family``: the family as ``structured`` spells it, else as ``plain`` does."""
    tokens = (plain.display if not plain.suffix else plain.display.rsplit(",", 1)[0]).split()
    family, particle = _family_words(structured), _folded(structured.particle)
    for cut in range(len(tokens) - 1, 0, -1):
        tail = tokens[cut:]
        if _folded(" ".join(tail)) != family:
            continue
        suffix = plain.suffix or structured.suffix
        if keep_family:
            return Person(family=structured.family, given=" ".join(tokens[:cut]), particle=structured.particle,
                          suffix=suffix)
        split = next((n for n in range(len(tail)) if _folded(" ".join(tail[:n])) == particle), None)
        if split is None:
            return None
        return Person(family=" ".join(tail[split:]), given=" ".join(tokens[:cut]), particle=" ".join(tail[:split]),
                      suffix=suffix)
    return None


def adopt_structured(plain: Sequence[Person], structured: Sequence[Person]) -> tuple[Person, ...]:
    """``plain`` (arXiv's author list, display strings split by BibTeX's rule) with each name that ``structured``
    (Crossref/DataCite CSL-JSON for the same paper) also has taken from it: family and given names as the person
    writes them ("Canton Ferrer, Cristian", not "Ferrer, Cristian Canton").

    Matched by order first (the same position), then by normalised spelling anywhere in the list (a name added or
    moved); each structured name is used once.  The list itself (who, in what order) stays ``plain``'s; a name
    with no match keeps today's split.
    """
    by_full: dict[tuple[str, ...], list[int]] = {}
    by_family: dict[tuple[str, ...], list[int]] = {}
    for j, s in enumerate(structured):
        by_full.setdefault(_folded(s.given) + _family_words(s), []).append(j)
        by_family.setdefault(_family_words(s), []).append(j)
    used: set[int] = set()
    out: list[Person | None] = [None] * len(plain)
    # Two passes: every name spelled the same claims its match first, so a looser match ("Will Smith" for
    # "William Smith") never takes the structured name another author has exactly.
    for exact in (True, False):
        for i, p in enumerate(plain):
            if out[i] is not None:
                continue
            words = _folded(p.display)
            candidates = [i] if i < len(structured) else []
            if exact:
                candidates += by_full.get(words, [])
            else:
                candidates += [j for k in range(len(words) - 1, 0, -1) for j in by_family.get(words[-k:], [])]
            for j in candidates:
                if j in used:
                    continue
                found = match_structured(p, structured[j])
                if found is not None and (not exact or words == _folded(structured[j].display)):
                    out[i] = found
                    used.add(j)
                    break
    return tuple(found or p for found, p in zip(out, plain))
