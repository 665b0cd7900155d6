"""arXiv: recognise ids and links, parse the Atom API feed (current and classic formats), resolve in batches.

The API (``export.arxiv.org/api/query``) takes up to 100 ids per ``id_list`` request here; ``max_results`` is
always sent because its default (10) also applies to id lists.  Results are matched back by the id in each
entry, never by position.  The current backend answers a malformed id with HTTP 400 for the whole request, so
ids are validated first, and a batch that still fails is bisected so one bad id never costs the others.
See the fixtures' API_FORMATS.md §1 for the real response shapes this parser follows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import quote_plus, urlsplit

from bibexport.errors import NetworkError
from bibexport.model import Endpoints, Person, Record
from bibexport.resolvers.base import (
    AMBIGUOUS,
    INVALID,
    NOT_FOUND,
    UNAVAILABLE,
    HttpClient,
    Outcome,
)
from bibexport.resolvers.titles import authors_overlap, title_similarity, titles_match

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

#: Ids per id_list request (arXiv documents no maximum; 100 is what arxiv.py records with).
BATCH_SIZE = 100
#: Candidates fetched for a title search.
SEARCH_RESULTS = 5

# Archives of old-style ids (before April 2007), e.g. "hep-th/9901001"; "math.GT/0309136" carries a subject class.
OLD_ARCHIVES = frozenset(
    ["acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an", "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th", "nlin", "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio", "quant-ph", "solv-int", "supr-con"]
)

_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z][a-z-]*(?:\.[A-Za-z]{2})?/\d{7}"
_ID = rf"(?:{_NEW}|{_OLD})(?:v\d+)?"
_BARE = re.compile(rf"^(?:arxiv:\s*)?(?P<id>{_ID})$", re.IGNORECASE)
_URL_PATH = re.compile(rf"^/(?:abs|pdf|html|format)/(?P<id>{_ID})(?:\.pdf)?/?$")
#: arXiv's own file tree: /ftp/arxiv/papers/2310/2310.06825.pdf, and /ftp/cs/papers/0112/0112017.pdf for old ids.
_FTP_PATH = re.compile(r"^/ftp/(?P<archive>[a-z][a-z.-]*)/papers/\d{4}/(?P<num>\d{4}\.\d{4,5}|\d{7})(?:v\d+)?\.pdf$")
_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org", "browse.arxiv.org"})
#: Other hosts that show an arXiv paper under its id (mirrors, readers, paper pages): host → path pattern.
_MIRRORS: dict[str, re.Pattern[str]] = {
    host: re.compile(pattern)
    for hosts, pattern in (
        (("ar5iv.org", "ar5iv.labs.arxiv.org", "www.ar5iv.org"), rf"^/(?:abs|html|pdf)/(?P<id>{_ID})/?$"),
        (("alphaxiv.org", "www.alphaxiv.org"), rf"^/(?:abs|overview|pdf)/(?P<id>{_ID})(?:\.pdf)?/?$"),
        (("huggingface.co",), rf"^/papers/(?P<id>{_NEW}(?:v\d+)?)/?$"),
        (("www.semanticscholar.org", "semanticscholar.org"), rf"^/arxiv/(?P<id>{_ID})/?$"),
    )
    for host in hosts
}
_VERSION = re.compile(r"v(\d+)$")


def split_version(arxiv_id: str) -> tuple[str, int]:
    """``"2305.18290v1"`` → ``("2305.18290", 1)``; no version → 0."""
    m = _VERSION.search(arxiv_id)
    if not m:
        return arxiv_id, 0
    return arxiv_id[: m.start()], int(m.group(1))


def validate_id(arxiv_id: str) -> bool:
    """True when the id (optionally versioned) can exist: month 01–12, 4-digit numbers until 1412 and 5-digit
    from 1501 on, new-style ids from 0704 on; old-style ids from a known archive, 1991–2007."""
    base, _ = split_version(arxiv_id)
    m = re.fullmatch(r"(\d{2})(\d{2})\.(\d{4,5})", base)
    if m:
        yy, mm, number = int(m.group(1)), int(m.group(2)), m.group(3)
        if not 1 <= mm <= 12 or (yy, mm) < (7, 4):
            return False
        return len(number) == (5 if (yy, mm) >= (15, 1) else 4)
    m = re.fullmatch(r"([a-z-]+)(?:\.[A-Za-z]{2})?/(\d{2})(\d{2})(\d{3})", base)
    if m:
        archive, yy, mm = m.group(1), int(m.group(2)), int(m.group(3))
        year = 1900 + yy if yy >= 91 else 2000 + yy
        return archive in OLD_ARCHIVES and 1 <= mm <= 12 and (1991, 8) <= (year, mm) <= (2007, 3)
    return False


# -- feed parsing (pure) -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArxivEntry:
    """One ``<entry>`` of an arXiv feed, with whitespace collapsed."""

    arxiv_id: str  # without version
    version: int
    title: str
    authors: tuple[str, ...]
    published: str = ""  # v1 submission time, ISO 8601
    updated: str = ""
    summary: str = ""
    primary_category: str = ""
    categories: tuple[str, ...] = ()
    doi: str = ""
    journal_ref: str = ""
    comment: str = ""
    abs_url: str = ""
    pdf_url: str = ""


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: entries by id without version (in feed order in ``all``), and API error messages."""

    entries: dict[str, ArxivEntry] = field(default_factory=dict)
    all: tuple[ArxivEntry, ...] = ()
    errors: tuple[str, ...] = ()
    total_results: int | None = None


def _text(el: object | None) -> str:
    """Element text with runs of whitespace collapsed; ``None`` or empty → ``""`` (but "0" stays "0")."""
    if el is None:
        return ""
    value = getattr(el, "text", None)
    return " ".join(value.split()) if value is not None else ""


def _link_kind(href: str, rel: str, type_: str, title: str) -> str:
    """Tell abs/pdf/doi links apart by attributes *and* by href (Nov 2025 feeds had no attributes)."""
    parts = urlsplit(href)
    if title == "doi" or parts.netloc.endswith("doi.org"):
        return "doi"
    if title == "pdf" or type_ == "application/pdf" or parts.path.startswith("/pdf/"):
        return "pdf"
    if parts.path.startswith("/abs/") or rel == "alternate":
        return "abs"
    return ""


def _is_error(entry_id: str, title: str, authors: Sequence[str]) -> bool:
    return "/api/errors" in entry_id or (title == "Error" and tuple(authors) == ("arXiv api core",))


def _parse_entry(el: object) -> ArxivEntry | str | None:
    """An entry, an error message (str), or None for a ghost entry without an id (classic backend)."""
    find = el.find  # type: ignore[attr-defined]
    entry_id = _text(find(f"{ATOM}id"))
    if not entry_id:
        return None
    title = _text(find(f"{ATOM}title"))
    authors = tuple(_text(a.find(f"{ATOM}name")) for a in el.iter(f"{ATOM}author"))  # type: ignore[attr-defined]
    if _is_error(entry_id, title, authors):
        return _text(find(f"{ATOM}summary")) or entry_id
    raw_id = entry_id.split("/abs/", 1)[-1]
    base, version = split_version(raw_id)
    links = {}
    for link in el.iter(f"{ATOM}link"):  # type: ignore[attr-defined]
        href = link.get("href", "")
        kind = _link_kind(href, link.get("rel", ""), link.get("type", ""), link.get("title", ""))
        if kind and kind not in links:
            links[kind] = href
    categories = tuple(c.get("term", "") for c in el.iter(f"{ATOM}category") if c.get("term"))  # type: ignore[attr-defined]
    primary = find(f"{ARXIV}primary_category")
    return ArxivEntry(
        arxiv_id=base,
        version=version,
        title=title,
        authors=tuple(a for a in authors if a),
        published=_text(find(f"{ATOM}published")),
        updated=_text(find(f"{ATOM}updated")),
        summary=_text(find(f"{ATOM}summary")),
        primary_category=(primary.get("term", "") if primary is not None else "") or (categories[:1] or ("",))[0],
        categories=categories,
        doi=_text(find(f"{ARXIV}doi")),
        journal_ref=_text(find(f"{ARXIV}journal_ref")),
        comment=_text(find(f"{ARXIV}comment")),
        abs_url=links.get("abs", ""),
        pdf_url=links.get("pdf", ""),
    )


def parse_feed(body: bytes) -> ParsedFeed:
    """Parse an arXiv API Atom feed (bytes, current or classic format) with defusedxml.

    Raises ValueError when the body is not a well-formed feed.
    """
    from xml.etree.ElementTree import ParseError

    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(body)
    except (ParseError, DefusedXmlException) as exc:
        raise ValueError(f"not a readable arXiv feed: {exc}") from None
    if root.tag != f"{ATOM}feed":
        raise ValueError(f"not an Atom feed (root element {root.tag!r})")
    entries: dict[str, ArxivEntry] = {}
    ordered: list[ArxivEntry] = []
    errors: list[str] = []
    for el in root.iter(f"{ATOM}entry"):
        parsed = _parse_entry(el)
        if isinstance(parsed, str):
            errors.append(parsed)
        elif parsed is not None:
            ordered.append(parsed)
            entries.setdefault(parsed.arxiv_id, parsed)
    total = _text(root.find(f"{OPENSEARCH}totalResults"))
    return ParsedFeed(entries, tuple(ordered), tuple(errors), int(total) if total.isdigit() else None)


def _date_parts(iso: str) -> tuple[int, ...]:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", iso)
    return tuple(int(g) for g in m.groups()) if m else ()


#: arXiv's own DataCite DOIs (``10.48550/arXiv.<id>``): they name the preprint, never where it was published.
ARXIV_DOI_PREFIX = "10.48550/"


def is_arxiv_doi(doi: str) -> bool:
    """True for arXiv's own DOI of a preprint (case as the DOI system ignores it)."""
    return doi.lower().startswith(ARXIV_DOI_PREFIX)


def entry_to_record(entry: ArxivEntry) -> Record:
    """A preprint record: first-version date, authors in order, arXiv DOI unless the authors gave one."""
    return Record(
        type="article",
        title=entry.title,
        authors=tuple(Person.parse(a) for a in entry.authors),
        issued=_date_parts(entry.published),
        url=f"https://arxiv.org/abs/{entry.arxiv_id}",
        # The API never returns arXiv's own DataCite DOI; it is derived from the id (API_FORMATS §1.4).
        doi=entry.doi or f"{ARXIV_DOI_PREFIX}arXiv.{entry.arxiv_id}",
        arxiv_id=entry.arxiv_id,
        arxiv_version=entry.version,
        arxiv_class=entry.primary_category,
        journal_ref=entry.journal_ref,
        # No abstract: bibliographies never print it, and recorded/mirrored summaries may be stand-ins.
        status="preprint",
        sources=(("*", "arxiv"),),
    )


# -- the resolver (I/O through the injected client) -----------------------------------------------------------


def _batches(ids: Sequence[str], size: int = BATCH_SIZE) -> list[list[str]]:
    """Split into batches of ≤ size where no two ids share a base id (their entries would collide)."""
    batches: list[list[str]] = []
    bases: list[set[str]] = []
    for ident in ids:
        base = split_version(ident)[0]
        for batch, seen in zip(batches, bases):
            if len(batch) < size and base not in seen:
                batch.append(ident)
                seen.add(base)
                break
        else:
            batches.append([ident])
            bases.append({base})
    return batches


def _pick(feed: ParsedFeed, ident: str) -> ArxivEntry | None:
    base, version = split_version(ident)
    for entry in feed.all:
        if entry.arxiv_id == base and (not version or entry.version == version):
            return entry
    return None


class ArxivResolver:
    """Resolver for arXiv ids and arxiv.org links."""

    name = "arxiv"

    def match(self, url: str) -> str | None:
        """The arXiv id (with its version, if the link names one) for a link, ``arXiv:<id>`` or a bare id."""
        text = url.strip()
        m = _BARE.match(text)
        if m:
            return m.group("id")
        try:
            parts = urlsplit(text if "//" in text else "//" + text)
        except ValueError:  # e.g. an unbalanced "[" in the host part
            return None
        host = parts.netloc.lower()
        if parts.scheme not in ("", "http", "https"):
            return None
        if host in _HOSTS:
            m = _URL_PATH.match(parts.path)
            if m:
                return m.group("id")
            ftp = _FTP_PATH.match(parts.path)
            if ftp is None:
                return None
            num = ftp.group("num")
            return num if ftp.group("archive") == "arxiv" else f"{ftp.group('archive')}/{num}"
        mirror = _MIRRORS.get(host)
        m = mirror.match(parts.path) if mirror is not None else None
        return m.group("id") if m else None

    def resolve(self, ids: Sequence[str], http: HttpClient, endpoints: Endpoints) -> dict[str, Outcome]:
        """One Outcome per id: invalid ids without a request, the rest in id_list batches."""
        out: dict[str, Outcome] = {}
        valid: list[str] = []
        for ident in dict.fromkeys(ids):
            if validate_id(ident):
                valid.append(ident)
            else:
                out[ident] = self._outcome(ident, INVALID, f"{ident!r} is not a valid arXiv identifier")
        pending = _batches(valid)
        while pending:  # a stack, not recursion: a failing batch is split in halves and pushed back
            batch = pending.pop(0)
            out.update(self._resolve_batch(batch, http, endpoints, pending))
        return out

    def _outcome(self, ident: str, kind: str, reason: str = "", record: Record | None = None) -> Outcome:
        return Outcome(identifier=f"arxiv:{ident}", kind=kind, record=record, source=self.name, reason=reason)

    def _resolve_batch(
        self, batch: list[str], http: HttpClient, endpoints: Endpoints, pending: list[list[str]]
    ) -> dict[str, Outcome]:
        params = {"id_list": ",".join(batch), "max_results": str(len(batch))}
        try:
            response = http.get(endpoints.arxiv_api, params=params)
        except NetworkError as exc:
            return {i: self._outcome(i, UNAVAILABLE, f"arXiv API unavailable: {exc.reason}") for i in batch}
        try:
            feed = parse_feed(response.content) if response.status in (200, 400) else None
        except ValueError as exc:
            return {i: self._outcome(i, UNAVAILABLE, f"arXiv API sent {exc}") for i in batch}
        if feed is None:
            reason = f"arXiv API answered HTTP {response.status}"
            return {i: self._outcome(i, UNAVAILABLE, reason) for i in batch}
        if response.status == 400 or feed.errors:
            if len(batch) > 1:  # find the bad id without costing the others their metadata
                half = len(batch) // 2
                pending[:0] = [batch[:half], batch[half:]]
                return {}
            message = "; ".join(feed.errors) or "HTTP 400"
            return {batch[0]: self._outcome(batch[0], NOT_FOUND, f"arXiv rejected the id: {message}")}
        out = {}
        for ident in batch:
            entry = _pick(feed, ident)
            if entry is None:
                out[ident] = self._outcome(ident, NOT_FOUND, f"arXiv has no paper with id {ident}")
            else:
                out[ident] = self._outcome(ident, "resolved", record=entry_to_record(entry))
        return out

    def search_title(
        self, title: str, authors: Sequence[str], http: HttpClient, endpoints: Endpoints
    ) -> Outcome:
        """Find the arXiv paper with exactly this title (and, if given, a shared author); never a look-alike.

        The batched search's request for a group of one (:func:`_ask_titles`), so both ask arXiv the same way."""
        identifier = f"title:{title}"
        answer = _ask_titles([title], http, endpoints)
        if isinstance(answer, Outcome):
            return replace(answer, identifier=identifier)
        entries, _ = answer
        wanted = tuple(Person.parse(a) for a in authors)
        return pick_title_match(identifier, title, wanted, entries, self.name)


def search_query(title: str) -> str:
    """``search_query=ti:%22w1+w2%22`` with punctuation stripped (quotes/colons inside phrases are unreliable)."""
    return "search_query=" + _title_phrase(title)


def _title_phrase(title: str) -> str:
    words = re.findall(r"[^\W_]+", title)
    return "ti:%22" + "+".join(quote_plus(w) for w in words) + "%22"


#: Titles asked in one request (``ti:"…" OR ti:"…"``), and answers fetched per title asked.  Ten phrases keep the
#: query short; ten answers per title leave room for papers that share a title (the guard picks among them).
TITLES_PER_QUERY = 10
RESULTS_PER_TITLE = 10
#: How alike an answer's title must be to a title asked to be reported as its closest miss.
NEAR_TITLE = 0.8


def search_titles(
    queries: Sequence[tuple[str, Sequence[str]]], http: HttpClient, endpoints: Endpoints
) -> dict[tuple[str, tuple[str, ...]], Outcome]:
    """Find many titles with ceil(T / TITLES_PER_QUERY) requests: each request ORs up to ten title phrases and
    every title is matched locally with :func:`pick_title_match`'s guard (exact title, shared author if given).

    A title missing from an answer that arXiv cut short (``totalResults`` above what it sent) is asked alone, so
    batching never loses a paper that a single search would find.  One Outcome per distinct title; readings that
    share a title but name other authors each get their own guarded pick from the same answer.
    """
    return {(title, tuple(authors)): found for (title, authors), found in _search_titles(queries, http, endpoints)}


def _search_titles(
    queries: Sequence[tuple[str, Sequence[str]]], http: HttpClient, endpoints: Endpoints
) -> list[tuple[tuple[str, tuple[str, ...]], Outcome]]:
    asked = list(dict.fromkeys((title, tuple(authors)) for title, authors in queries if title.strip()))
    titles = list(dict.fromkeys(title for title, _ in asked))
    answers: dict[str, tuple[list[ArxivEntry], bool] | Outcome] = {}  # title → (entries, cut short) or failure
    down: Outcome | None = None  # arXiv failed: the remaining titles are not asked in this run
    for start in range(0, len(titles), TITLES_PER_QUERY):
        group = titles[start:start + TITLES_PER_QUERY]
        answer = down or _ask_titles(group, http, endpoints)
        if isinstance(answer, Outcome):
            down = answer
        answers.update({t: answer for t in group})
    out: list[tuple[tuple[str, tuple[str, ...]], Outcome]] = []
    for title, authors in asked:
        answer = answers[title]
        if isinstance(answer, Outcome):
            out.append(((title, authors), replace(answer, identifier=f"title:{title}")))
            continue
        entries, truncated = answer
        wanted = tuple(Person.parse(a) for a in authors)
        found = pick_title_match(f"title:{title}", title, wanted, entries, "arxiv")
        if not found.ok and truncated:
            found = ArxivResolver().search_title(title, authors, http, endpoints)
        elif not found.ok:  # name as "closest" only an answer to this title's phrase, not to another's
            near = [e for e in entries if title_similarity(e.title, title) >= NEAR_TITLE]
            found = pick_title_match(f"title:{title}", title, wanted, near, "arxiv")
        out.append(((title, authors), found))
    return out


def _ask_titles(
    group: Sequence[str], http: HttpClient, endpoints: Endpoints
) -> tuple[list[ArxivEntry], bool] | Outcome:
    """One request for up to ten titles: the entries and whether arXiv cut the answer short, or the failure."""
    if len(group) == 1:  # the single-title query (:meth:`ArxivResolver.search_title` is this group of one)
        url = f"{endpoints.arxiv_api}?{search_query(group[0])}&max_results={SEARCH_RESULTS}"
    else:
        query = "+OR+".join(_title_phrase(t) for t in group)
        url = f"{endpoints.arxiv_api}?search_query={query}&max_results={RESULTS_PER_TITLE * len(group)}"
    try:
        response = http.get(url)
        if response.status != 200:
            raise ValueError(f"HTTP {response.status}")
        feed = parse_feed(response.content)
    except NetworkError as exc:
        return Outcome("", UNAVAILABLE, source="arxiv", reason=f"arXiv API unavailable: {exc.reason}")
    except ValueError as exc:
        return Outcome("", UNAVAILABLE, source="arxiv", reason=f"arXiv title search failed: {exc}")
    entries = list(feed.all)
    return entries, feed.total_results is not None and feed.total_results > len(entries)


def pick_title_match(
    identifier: str, title: str, wanted: Sequence[Person], entries: Sequence[ArxivEntry], source: str
) -> Outcome:
    """The first entry whose title matches exactly and whose authors overlap ``wanted`` (if any), else why not."""
    if not entries:
        return Outcome(identifier, NOT_FOUND, source=source, reason=f"arXiv has no paper titled {title!r}")
    for entry in entries:
        record = entry_to_record(entry)
        if titles_match(entry.title, title) and (not wanted or authors_overlap(wanted, record.authors)):
            warnings: tuple[str, ...] = ()
            if len([e for e in entries if titles_match(e.title, title)]) > 1:
                warnings = (f"several arXiv papers are titled {title!r}; took arXiv:{entry.arxiv_id}",)
            return Outcome(identifier, "resolved", record=record, source=source, warnings=warnings)
    closest = max(entries, key=lambda e: title_similarity(e.title, title))
    why = "its authors share no family name with the reading's" if titles_match(closest.title, title) else (
        "the title differs"
    )
    reason = (
        f"no arXiv paper matches the title exactly; closest: arXiv:{closest.arxiv_id} "
        f"{closest.title!r} ({why})"
    )
    return Outcome(identifier, AMBIGUOUS, source=source, reason=reason)


def search_title(title: str, authors: Sequence[str], http: HttpClient, endpoints: Endpoints) -> Outcome:
    """Module-level shortcut for :meth:`ArxivResolver.search_title` (what the pipeline looks up)."""
    return ArxivResolver().search_title(title, authors, http, endpoints)
