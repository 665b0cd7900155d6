"""Web pages: a page's own metadata (Highwire, JSON-LD, Dublin Core, OpenGraph, ``<title>``) as a Record.

Sources are tried in order of trust, field by field, and ``Record.sources`` says which one gave each field
(``highwire``, ``jsonld``, ``dc``, ``og``, ``meta``, ``title``, ``body``, ``host``).  HTML is parsed with
BeautifulSoup (``html.parser``: lenient with broken markup, no native dependency), never with regexes.

When no person is named, the organisation behind the site becomes a literal author ("Anthropic", "Hugging
Face"), as Zotero does for corporate pages; see :func:`organisation_for_host`.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment
from bs4.dammit import EncodingDetector

from bibexport.errors import NetworkError
from bibexport.model import Endpoints, Person, Record
from bibexport.resolvers.base import (
    NESTED_TOO_DEEPLY,
    NOT_FOUND,
    RESOLVED,
    UNAVAILABLE,
    BadJson,
    HttpClient,
    Outcome,
    Response,
    header,
    parse_json,
)

name = "web"

#: Host → the organisation that publishes it.  Curated, so it wins over whatever a page calls itself
#: (og:site_name varies between "huggingface.co", "Hugging Face" and nothing at all).
_ORGANISATIONS: dict[str, str] = {
    "anthropic.com": "Anthropic",
    "huggingface.co": "Hugging Face",
    "mistral.ai": "Mistral AI",
    "openai.com": "OpenAI",
    "github.com": "GitHub",
    "deepmind.google": "Google DeepMind",
    "deepmind.com": "DeepMind",
    "blog.google": "Google",
    "research.google": "Google Research",
    "ai.meta.com": "Meta AI",
    "ai.googleblog.com": "Google Research",
    "microsoft.com": "Microsoft",
    "nvidia.com": "NVIDIA",
    "allenai.org": "Allen Institute for AI",
    "lmsys.org": "LMSYS",
    "together.ai": "Together AI",
    "cohere.com": "Cohere",
    "stability.ai": "Stability AI",
    "x.ai": "xAI",
}

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_POST_PATHS = ("/blog/", "/news/", "/posts/", "/post/")
_ARTICLE_LD_TYPES = {"Article", "BlogPosting", "NewsArticle", "ScholarlyArticle", "TechArticle", "Report"}
_LD_ORGANISATIONS = {"Organization", "Corporation", "NewsMediaOrganization", "EducationalOrganization"}
_LD_NOT_PAGES = {"Organization", "Person", "BreadcrumbList", "WebSite", "ImageObject"}
_HIGHWIRE_DATES = ("citation_publication_date", "citation_date", "citation_online_date")
_TITLE_SEPARATORS = (" | ", " - ", " \\ ", " — ", " – ", " · ", " :: ")


def organisation_for_host(host: str) -> str:
    """The organisation behind ``host`` ("www.anthropic.com" → "Anthropic"), or "" when unknown.

    Sub-domains inherit their parent's organisation ("blog.openai.com" → "OpenAI").
    """
    host = host.lower().strip().rstrip(".")
    if ":" in host:
        host = host.split(":", 1)[0]
    labels = host.split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in _ORGANISATIONS:
            return _ORGANISATIONS[candidate]
    return ""


def match(url: str) -> str | None:
    """Any http(s) URL with a host (the web resolver is the registry's catch-all); the fragment is dropped."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text.split("#", 1)[0]


# --------------------------------------------------------------------------------------------- dates

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ]
    )
    for m in names
}
_ISO_DATE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T\s].*)?$")
_MDY = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_DMY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_MY = re.compile(r"^([A-Za-z]+)\.?,?\s+(\d{4})$")


def _valid(parts: tuple[int, ...]) -> tuple[int, ...]:
    """``parts`` if they form a real (partial) date, else ()."""
    try:
        if len(parts) == 3:
            _dt.date(*parts)
        elif len(parts) == 2 and not 1 <= parts[1] <= 12:
            return ()
    except ValueError:
        return ()
    return parts if parts and 1000 <= parts[0] <= 2999 else ()


def parse_date(text: str) -> tuple[int, ...]:
    """A partial date ``(year[, month[, day]])`` from the ways pages write dates, or () if unreadable.

    Accepts ISO 8601 (with time and zone), Highwire's ``2023/10/04``, a bare year, and English month names
    ("April 5, 2023", "5 April 2023", "Oct 4, 2023", "September 2023").
    """
    text = " ".join(text.split()).strip()
    m = _ISO_DATE.match(text)
    if m:
        return _valid(tuple(int(g) for g in m.groups() if g))
    m = _MDY.match(text)
    if m and m.group(1).lower() in _MONTHS:
        return _valid((int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2))))
    m = _DMY.match(text)
    if m and m.group(2).lower() in _MONTHS:
        return _valid((int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))))
    m = _MY.match(text)
    if m and m.group(1).lower() in _MONTHS:
        return _valid((int(m.group(2)), _MONTHS[m.group(1).lower()]))
    return ()


# --------------------------------------------------------------------------------------------- decoding



def _charset(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        k, _, v = param.partition("=")
        if k.strip().lower() == "charset" and v.strip():
            return v.strip().strip("\"'")
    return ""


def decode_html(content: bytes, content_type: str = "") -> str:
    """The page as text: a UTF-8 BOM wins, then the HTTP charset, then ``<meta charset>``, then UTF-8, then
    Windows-1252 (the first that decodes the whole page); else UTF-8 with replacement characters."""
    if content.startswith(codecs.BOM_UTF8):  # a BOM beats every declaration (HTML Standard)
        return content[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    candidates = [_charset(content_type)]
    declared = EncodingDetector.find_declared_encoding(content, is_html=True, search_entire_document=False)
    candidates.append(declared or "")
    # cp1252 last: pages declared UTF-8 but written in Windows-1252 exist; it fails on only five bytes.
    for encoding in candidates + ["utf-8", "cp1252"]:
        if not encoding:
            continue
        try:
            return content.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return content.decode("utf-8", errors="replace")


def is_html(content_type: str) -> bool:
    """True for an HTML media type (or no Content-Type at all: then the body is given a chance)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return not media or media in _HTML_TYPES


# --------------------------------------------------------------------------------------------- extraction


@dataclass
class PageMeta:
    """What a page says about itself, grouped by standard; the raw material of :func:`record_from_page`."""

    metas: dict[str, list[str]] = field(default_factory=dict)  # lower-cased name/property → contents
    jsonld: list[dict[str, Any]] = field(default_factory=list)  # every node, @graph flattened
    title_tag: str = ""
    body_published: tuple[int, ...] = ()  # from a visible "Published <date>" line
    problems: list[str] = field(default_factory=list)  # metadata blocks ignored, and why (for the report)

    def first(self, *keys: str) -> str:
        """The first non-empty content among ``keys`` (in the order given)."""
        for key in keys:
            for value in self.metas.get(key.lower(), []):
                if value.strip():
                    return " ".join(value.split())
        return ""

    def all(self, key: str) -> list[str]:
        """Every non-empty content of ``key``, in document order."""
        return [" ".join(v.split()) for v in self.metas.get(key.lower(), []) if v.strip()]


def _ld_nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every JSON-LD node of a script's payload: lists and ``@graph`` are flattened."""
    if isinstance(data, list):
        for item in data:
            yield from _ld_nodes(item)
    elif isinstance(data, dict):
        if "@graph" in data:
            yield from _ld_nodes(data["@graph"])
        if "@type" in data:
            yield data


def extract(html: str) -> PageMeta:
    """Collect meta tags, JSON-LD nodes, ``<title>`` and a visible "Published …" date.  Never raises."""
    soup = BeautifulSoup(html, "html.parser")
    page = PageMeta()
    for tag in soup.find_all("meta"):
        key = tag.get("name") or tag.get("property") or tag.get("itemprop")
        content = tag.get("content")
        if isinstance(key, str) and isinstance(content, str):
            page.metas.setdefault(key.strip().lower(), []).append(content)
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            # strict=False: pages often put raw newlines inside JSON-LD strings.
            page.jsonld.extend(_ld_nodes(parse_json(script.get_text(), strict=False)))
        except BadJson as exc:
            if str(exc) == NESTED_TOO_DEEPLY:  # hostile rather than sloppy: worth a line in the report
                page.problems.append(f"the page's JSON-LD was ignored: {exc}")
            continue
    if soup.title is not None:
        page.title_tag = " ".join(soup.title.get_text().split())
    page.body_published = _body_published(soup)
    return page


def _body_published(soup: BeautifulSoup) -> tuple[int, ...]:
    """Last resort for pages without a date tag (Hugging Face blog): a visible "Published April 5, 2023"."""
    body = soup.body or soup
    for text in body.find_all(string=True):
        if isinstance(text, Comment):
            continue
        if text.parent is not None and text.parent.name in ("script", "style", "noscript"):
            continue
        line = " ".join(str(text).split())
        if line.lower().startswith("published") and line[9:10] in (" ", ":"):
            parts = parse_date(line[9:].lstrip(": ").removeprefix("on "))
            if parts:
                return parts
    return ()


def _ld_types(node: Mapping[str, Any]) -> set[str]:
    t = node.get("@type", [])
    return {str(x) for x in (t if isinstance(t, list) else [t])}


def _primary_ld(nodes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The node describing the page itself: an Article-like node first, else the first with a name."""
    for node in nodes:
        if _ld_types(node) & _ARTICLE_LD_TYPES:
            return node
    for node in nodes:
        if _ld_types(node) - _LD_NOT_PAGES and (node.get("headline") or node.get("name")):
            return node
    return {}


def _deref(value: Any, index: Mapping[str, dict[str, Any]]) -> Any:
    """Replace ``{"@id": ...}`` references (Yoast-style ``@graph``) by the node they point at."""
    if isinstance(value, list):
        return [_deref(v, index) for v in value]
    if isinstance(value, dict) and "name" not in value and str(value.get("@id", "")) in index:
        return index[str(value["@id"])]
    return value


def _ld_text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name", "")
    return " ".join(str(value).split()) if isinstance(value, (str, int, float)) else ""


def _ld_people(value: Any) -> list[Person]:
    """JSON-LD ``author``/``creator``: a Person or Organization object, a string, or a list of those."""
    items = value if isinstance(value, list) else [value]
    people: list[Person] = []
    for item in items:
        if isinstance(item, str) and item.strip():
            people.append(Person.parse(item))
        elif isinstance(item, dict):
            label = _ld_text(item.get("name", ""))
            if not label:
                continue
            if _ld_types(item) & _LD_ORGANISATIONS:
                people.append(Person(literal=label))
            else:
                people.append(Person.parse(label))
    return [p for p in people if p.display]


def _people(names: Iterable[str]) -> list[Person]:
    # article:author is often a profile URL (the OpenGraph spec says so): that is not a name.
    return [Person.parse(n) for n in names if n and not n.startswith(("http://", "https://"))]


def _organisations_as_literals(people: Iterable[Person], org_names: Iterable[str]) -> list[Person]:
    """A name that is an organisation ("Hugging Face" in ``<meta name=author>``, "Mistral AI team") must stay
    whole: BibTeX would otherwise cite "Face, H."."""
    known = {n.casefold() for n in org_names if n} | {n.casefold() for n in _ORGANISATIONS.values()}
    out = []
    for person in people:
        text = person.display
        is_org = text.casefold() in known or text.casefold().endswith((" team", " staff"))
        out.append(Person(literal=text) if is_org and not person.literal else person)
    return out


def strip_site_suffix(title: str, site_names: Iterable[str]) -> str:
    """Drop a trailing " | Site", " - Site" or " \\ Site" (and what follows) when Site is a known name."""
    names = {s.casefold() for s in site_names if s}
    for sep in _TITLE_SEPARATORS:
        segments = title.split(sep)
        for i in range(1, len(segments)):
            if segments[i].strip().casefold() in names and sep.join(segments[:i]).strip():
                return sep.join(segments[:i]).strip()
    return title


def _pick(*candidates: tuple[str, Any]) -> tuple[str, Any]:
    """The first ``(source, value)`` whose value is non-empty, or ``("", empty)``."""
    for source, value in candidates:
        if value:
            return source, value
    return "", candidates[-1][1]


def _page_type(url: str, page: PageMeta, ld: Mapping[str, Any]) -> str:
    if page.first("citation_conference_title"):
        return "paper-conference"
    if page.first("citation_journal_title"):
        return "article-journal"
    path = urlsplit(url).path.lower() + "/"
    is_post = any(p in path for p in _POST_PATHS) or page.first("og:type").lower() == "article"
    return "post-weblog" if is_post or _ld_types(ld) & {"BlogPosting", "NewsArticle"} else "webpage"


def record_from_page(page: PageMeta, url: str, accessed: tuple[int, ...] = ()) -> Record | None:
    """The Record a page describes, each field from the most trusted source having it; None without title."""
    ld = _primary_ld(page.jsonld)
    index = {str(n["@id"]): n for n in page.jsonld if "@id" in n}
    ld = {k: _deref(v, index) for k, v in ld.items()}
    host = urlsplit(url).hostname or ""
    org = organisation_for_host(host)
    ld_publisher = _ld_text(ld.get("publisher", ""))
    sources: dict[str, str] = {}

    site_src, site = _pick(("host", org), ("og", page.first("og:site_name")), ("jsonld", ld_publisher))
    title_src, title = _pick(
        ("highwire", page.first("citation_title")),
        ("jsonld", _ld_text(ld.get("headline") or ld.get("name", ""))),
        ("dc", page.first("dc.title", "dcterms.title")),
        ("og", page.first("og:title")),
        ("title", page.title_tag),
    )
    if not title:
        return None
    title = strip_site_suffix(title, [site, org, page.first("og:site_name"), ld_publisher])
    authors_src, authors = _pick(
        ("highwire", _people(page.all("citation_author"))),
        ("jsonld", _ld_people(ld.get("author")) or _ld_people(ld.get("creator"))),
        ("dc", _people(page.all("dc.creator") or page.all("dcterms.creator"))),
        ("og", _people(page.all("article:author"))),
        ("meta", _people(page.all("author"))),
    )
    authors = _organisations_as_literals(authors, [site, org, page.first("og:site_name"), ld_publisher])
    if not authors:
        # No person named: the organisation is the author (curated host name first, then what the page says).
        authors_src, org_name = _pick(
            ("host", org), ("jsonld", ld_publisher), ("og", page.first("og:site_name"))
        )
        authors = [Person(literal=org_name)] if org_name else []
    date_src, issued = _pick(
        ("highwire", parse_date(page.first(*_HIGHWIRE_DATES))),
        ("jsonld", parse_date(_ld_text(ld.get("datePublished") or ld.get("dateCreated", "")))),
        ("dc", parse_date(page.first("dc.date", "dcterms.date", "dcterms.issued"))),
        ("og", parse_date(page.first("article:published_time"))),
        ("body", page.body_published),
    )
    container = page.first("citation_journal_title", "citation_conference_title")
    for key, src, value in (
        ("title", title_src, title), ("authors", authors_src, authors), ("issued", date_src, issued),
        ("site", site_src, site), ("container_title", "highwire", container),
        ("doi", "highwire", page.first("citation_doi")),
        ("arxiv_id", "highwire", page.first("citation_arxiv_id")),
    ):
        if value:
            sources[key] = src
    return Record(
        type=_page_type(url, page, ld),
        title=title,
        authors=tuple(authors),
        issued=tuple(issued),
        container_title=container,
        publisher=page.first("citation_publisher"),
        url=url,
        doi=page.first("citation_doi").removeprefix("https://doi.org/").removeprefix("doi:"),
        arxiv_id=page.first("citation_arxiv_id"),
        site=site,
        accessed=accessed,
        sources=tuple(sorted(sources.items())),
    )


def parse(
    content: bytes, url: str, *, content_type: str = "", accessed: tuple[int, ...] = ()
) -> Record | None:
    """Bytes of an HTML page → its Record (None when the page has no title at all).  Pure."""
    return record_from_page(extract(decode_html(content, content_type)), url, accessed)


def parse_with_problems(
    content: bytes, url: str, *, content_type: str = "", accessed: tuple[int, ...] = ()
) -> tuple[Record | None, list[str]]:
    """:func:`parse`, and the page's metadata blocks that had to be ignored (why, in words)."""
    page = extract(decode_html(content, content_type))
    return record_from_page(page, url, accessed), page.problems


# --------------------------------------------------------------------------------------------- I/O


def _failure(identifier: str, response: Response) -> Outcome | None:
    """The Outcome for a non-2xx answer, or None when the answer is usable."""
    ident = f"{name}:{identifier}"
    if response.status in (404, 410):
        return Outcome(ident, NOT_FOUND, source=name, reason=f"page not found (HTTP {response.status})")
    if response.status in (401, 403, 429):
        reason = f"the site refused the request (HTTP {response.status}; rate limit or bot protection)"
        return Outcome(ident, UNAVAILABLE, source=name, reason=reason)
    if not 200 <= response.status < 300:
        return Outcome(ident, UNAVAILABLE, source=name, reason=f"HTTP {response.status}")
    return None


def mirrored(url: str, mirror: str) -> str:
    """Where to fetch ``url``: itself, or ``<mirror>/<host>/<path>?<query>`` when a mirror is configured."""
    if not mirror:
        return url
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{mirror.rstrip('/')}/{parts.netloc}{path}" + (f"?{parts.query}" if parts.query else "")


def resolve_one(url: str, http: HttpClient, accessed: tuple[int, ...], mirror: str = "") -> Outcome:
    """Fetch and read one page; every failure is an Outcome."""
    ident = f"{name}:{url}"
    try:
        response = http.get(mirrored(url, mirror), headers={"Accept": _ACCEPT})
    except NetworkError as exc:
        kind = NOT_FOUND if exc.kind == "not_found" else UNAVAILABLE
        return Outcome(ident, kind, source=name, reason=exc.reason)
    failure = _failure(url, response)
    if failure is not None:
        return failure
    content_type = header(response.headers, "content-type")
    if not is_html(content_type):
        media = content_type.split(";", 1)[0].strip()
        reason = f"not an HTML page ({media}): no metadata to read"
        return Outcome(ident, UNAVAILABLE, source=name, reason=reason)
    record, problems = parse_with_problems(response.content, url, content_type=content_type, accessed=accessed)
    if record is None:
        reason = "; ".join(["the page has no title or metadata", *problems])
        return Outcome(ident, UNAVAILABLE, source=name, reason=reason)
    warnings = tuple(problems)
    if response.url and not mirror and response.url.rstrip("/") != url.rstrip("/"):
        warnings += (f"{url} redirected to {response.url}",)
    return Outcome(ident, RESOLVED, record=record, source=name, warnings=warnings)


def resolve(
    ids: Sequence[str], http: HttpClient, endpoints: Endpoints, *, today: _dt.date | None = None
) -> dict[str, Outcome]:
    """One GET per page (there is no batch API for the web); ``today`` is the access date (default: today)."""
    day = today or _dt.date.today()
    accessed = (day.year, day.month, day.day)
    mirror = getattr(endpoints, "web_mirror", "")
    return {url: resolve_one(url, http, accessed, mirror) for url in dict.fromkeys(ids)}


@dataclass
class WebResolver:
    """The registry's web resolver; ``clock`` gives the access date (injectable: deterministic tests)."""

    name: str = name
    clock: Callable[[], _dt.date] = _dt.date.today

    def match(self, url: str) -> str | None:
        """See :func:`match`."""
        return match(url)

    def resolve(self, ids: Sequence[str], http: HttpClient, endpoints: Endpoints) -> dict[str, Outcome]:
        """See :func:`resolve`; the access date is ``clock()``."""
        return resolve(ids, http, endpoints, today=self.clock())
