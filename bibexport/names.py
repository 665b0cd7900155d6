"""Splitting display names into CSL name parts, the way BibTeX splits them (via pybtex)."""

from __future__ import annotations

import re

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
