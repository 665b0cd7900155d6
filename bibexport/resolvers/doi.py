"""DOIs, through content negotiation at doi.org (``Accept: application/vnd.citationstyles.csl+json``).

doi.org redirects to the registration agency (Crossref, DataCite, ...), which answers CSL-JSON — or, for
agencies without content negotiation, an HTML landing page with status 200, so the Content-Type is checked.
Crossref's answer carries Crossref types (``proceedings-article``), mapped to CSL as citation-js does.
:func:`record_from_csl` is the reusable CSL item → Record conversion.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from bibexport.errors import NetworkError
from bibexport.model import CSL_TYPES, Endpoints, Person, Record
from bibexport.resolvers.base import NOT_FOUND, RESOLVED, UNAVAILABLE, HttpClient, Outcome, Response, header

name = "doi"

_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
_ACCEPT = "application/vnd.citationstyles.csl+json"

#: Crossref type → CSL type.  The first four are citation-js's table (plugin-doi/src/type.js); the others
#: map Crossref's remaining types onto the CSL types bibexport emits.
CROSSREF_TYPES: dict[str, str] = {
    "journal-article": "article-journal",
    "book-chapter": "chapter",
    "posted-content": "manuscript",
    "proceedings-article": "paper-conference",
    "book-section": "chapter",
    "book-part": "chapter",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-track": "book",
    "book-set": "book",
    "proceedings": "book",
    "dissertation": "thesis",
    "report": "report",
    "report-component": "report",
    "database": "dataset",
    "dataset": "dataset",
}


def match(url: str) -> str | None:
    """The DOI in a doi.org/dx.doi.org URL, a ``doi:10.…`` id or a bare ``10.NNNN/…``, else None."""
    text = url.strip()
    if text.lower().startswith("doi:"):
        text = text[4:].strip()
    elif "://" in text:
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https"):
            return None
        if (parts.hostname or "") not in _HOSTS:
            return publisher_doi(parts.hostname or "", unquote(parts.path), parts.query)
        text = unquote(parts.path.lstrip("/"))
    return text if _DOI.match(text) else None


_DOI_TAIL = r"(?P<doi>10\.\d{4,9}/[^?#\s]+?)"
_RXIV_CONTENT = (r"^/content/(?P<doi>10\.1101/[\d.]+)(?:v\d+)?(?:\.full|\.full\.pdf|\.abstract"
                 r"|\.article-info|\.full-text|\.supplementary-material)?/?$")
#: Where publishers put the DOI in their page links, (host or "" for any host, path pattern); the DOI is the
#: ``doi`` group.  The "/doi/" rule is the Atypon platform's (ACM, Science, PNAS, Wiley, Taylor & Francis,
#: SAGE, ACS, APA, Royal Society, Annual Reviews, …), so any host that follows it is understood.
_PUBLISHER_PATHS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (host, re.compile(pattern, re.IGNORECASE)) for host, pattern in (
        ("", (rf"^(?:/[^/]+)*?/doi/(?:(?:abs|full|pdf|epdf|pdfdirect|fullhtml|epub|reader|book|suppl)/)?{_DOI_TAIL}"
             r"(?:/(?:abstract|full|pdf|meta))?/?$")),
        ("doi.acm.org", rf"^/{_DOI_TAIL}/?$"),
        ("link.springer.com", (rf"^/(?:article|chapter|book|referenceworkentry|protocol|content/pdf)/{_DOI_TAIL}"
                              r"(?:\.pdf)?/?$")),
        ("iopscience.iop.org", rf"^/article/{_DOI_TAIL}(?:/(?:pdf|meta|ampdf))?/?$"),
        ("journals.aps.org", rf"^/[a-z]+/(?:abstract|pdf|supplemental)/{_DOI_TAIL}/?$"),
        ("www.biorxiv.org", _RXIV_CONTENT),
        ("www.medrxiv.org", _RXIV_CONTENT),  # the same platform as bioRxiv, the same paths
        # Nature's article ids are the suffix of its 10.1038 DOIs (nature14539, s41586-021-03819-2).
        ("www.nature.com", r"^/articles/(?P<nature>[a-z0-9.-]+?)(?:\.pdf)?/?$"),
    )
)
#: Query parameters that carry a DOI (PLOS ``article?id=10.1371/…``, many OpenURL-style links ``?doi=``).
_DOI_PARAMS = {"journals.plos.org": "id", "": "doi"}


def publisher_doi(host: str, path: str, query: str = "") -> str | None:
    """The DOI a publisher's page link carries in its path or query (``dl.acm.org/doi/abs/10.1145/…``,
    ``link.springer.com/article/10.1007/…``, ``nature.com/articles/nature14539``), else None.  Pure."""
    host = host.lower()
    bare = host.removeprefix("www.")
    for wanted, pattern in _PUBLISHER_PATHS:
        if wanted and host != wanted and bare != wanted.removeprefix("www."):
            continue
        m = pattern.match(path)
        if m is None:
            continue
        found = f"10.1038/{m.group('nature')}" if "nature" in pattern.groupindex else m.group("doi")
        if _DOI.match(found):
            return found
    params = dict(parse_qsl(query))
    for wanted, name in _DOI_PARAMS.items():
        if (not wanted or host == wanted) and _DOI.match(params.get(name, "").strip()):
            return params[name].strip()
    return None


def csl_type(crossref_type: str, subtype: str = "") -> str:
    """The CSL type for a Crossref (or already CSL) ``type``; a preprint's posted-content is ``article``."""
    if crossref_type == "posted-content" and subtype == "preprint":
        return "article"  # citation-js/citation-js#136
    mapped = CROSSREF_TYPES.get(crossref_type, crossref_type)
    # Older answers already give CSL types; anything else is left as the generic preprint-like "article".
    return mapped if mapped in CSL_TYPES else "article"


def _text(value: Any) -> str:
    """A CSL string field (Crossref sometimes sends a list: first element), tags and spacing removed."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if not isinstance(value, (str, int, float)):
        return ""
    text = str(value)
    if "<" in text:  # Crossref titles may carry JATS/HTML markup (<i>, <scp>, <sub>)
        from bs4 import BeautifulSoup

        text = BeautifulSoup(text, "html.parser").get_text()
    return " ".join(text.split())


def _names(value: Any) -> tuple[Person, ...]:
    people = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        # Only text and numbers are name parts: a nested object would otherwise be printed as "{'a': ...}".
        item = {k: v for k, v in item.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
        person = Person.from_csl(item)
        if not (person.family or person.given or person.literal) and item.get("name"):
            person = Person(literal=str(item["name"]))  # Crossref's organisational authors use "name"
        if person.family or person.given or person.literal:
            people.append(person)
    return tuple(people)


def _date(item: Mapping[str, Any]) -> tuple[int, ...]:
    """``issued``, else the print/online publication date (never ``created``/``deposited``: those are
    record-keeping dates)."""
    for key in ("issued", "published-print", "published-online", "published"):
        value = item.get(key)
        parts = value.get("date-parts") if isinstance(value, dict) else None
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            out: list[int] = []
            for part in parts[0]:
                try:
                    out.append(int(part))
                except (TypeError, ValueError):
                    break
            if out:
                return tuple(out)
    return ()


def record_from_csl(item: Mapping[str, Any]) -> Record:
    """A CSL-JSON item (as a DOI agency sends it) → Record.  Pure; unknown keys are ignored."""
    doi = _text(item.get("DOI"))
    event = item.get("event")
    event_place = _text(item.get("event-place")) or (
        _text(event.get("location")) if isinstance(event, dict) else ""
    )
    fields: dict[str, Any] = {
        "title": _text(item.get("title")),
        "authors": _names(item.get("author")),
        "editors": _names(item.get("editor")),
        "issued": _date(item),
        "container_title": _text(item.get("container-title")),
        "publisher": _text(item.get("publisher")),
        "pages": _text(item.get("page")),
        "volume": _text(item.get("volume")),
        "issue": _text(item.get("issue")),
        "issn": _text(item.get("ISSN")),
        "event_place": event_place,
        "doi": doi,
        # doi.org's stable form, not the agency's http://dx.doi.org/… URL.
        "url": f"https://doi.org/{doi}" if doi else _text(item.get("URL")),
    }
    sources = tuple(sorted((k, name) for k, v in fields.items() if v))
    kind = csl_type(_text(item.get("type")), _text(item.get("subtype")))
    return Record(type=kind, sources=sources, **fields)



def _outcome(doi: str, response: Response) -> Outcome:
    """Turn doi.org's final answer into an Outcome.  Pure."""
    ident = f"{name}:{doi}"
    if response.status in (404, 410):
        return Outcome(ident, NOT_FOUND, source=name, reason=f"DOI {doi} not found (HTTP {response.status})")
    if response.status != 200:
        return Outcome(ident, UNAVAILABLE, source=name, reason=f"doi.org answered HTTP {response.status}")
    media = header(response.headers, "content-type").split(";", 1)[0].strip().lower()
    if media and "json" not in media:
        reason = f"no CSL metadata from the registration agency (got {media})"
        return Outcome(ident, UNAVAILABLE, source=name, reason=reason)
    try:
        item = response.json()
    except ValueError as exc:  # BadJson: malformed, non-standard or absurdly nested
        reason = f"no CSL metadata from the registration agency ({exc})"
        return Outcome(ident, UNAVAILABLE, source=name, reason=reason)
    if not isinstance(item, dict) or not _text(item.get("title")):
        reason = "no CSL metadata from the registration agency (unreadable answer)"
        return Outcome(ident, UNAVAILABLE, source=name, reason=reason)
    record = record_from_csl(item)
    if not record.doi:
        record = record.replace(doi=doi, url=f"https://doi.org/{doi}")
    return Outcome(ident, RESOLVED, record=record, source=name)


def resolve(ids: Sequence[str], http: HttpClient, endpoints: Endpoints) -> dict[str, Outcome]:
    """One content-negotiation request per DOI (redirects are followed by the HTTP layer)."""
    out: dict[str, Outcome] = {}
    for doi in dict.fromkeys(ids):
        url = f"{endpoints.doi_resolver.rstrip('/')}/{quote(doi, safe='/:;()')}"
        try:
            out[doi] = _outcome(doi, http.get(url, headers={"Accept": _ACCEPT}))
        except NetworkError as exc:
            kind = NOT_FOUND if exc.kind == "not_found" else UNAVAILABLE
            out[doi] = Outcome(f"{name}:{doi}", kind, source=name, reason=exc.reason)
    return out


@dataclass
class DoiResolver:
    """The registry's DOI resolver."""

    name: str = name

    def match(self, url: str) -> str | None:
        """See :func:`match`."""
        return match(url)

    def resolve(self, ids: Sequence[str], http: HttpClient, endpoints: Endpoints) -> dict[str, Outcome]:
        """See :func:`resolve`."""
        return resolve(ids, http, endpoints)
