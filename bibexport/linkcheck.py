"""``bibexport check``: every link of ``sessions.toml`` linted offline, then checked online, as values.

The stages, each returning values (never just log lines):

* :func:`extract_links` (pure): every link with its ``sessions.toml`` line, session and reading;
* :func:`lint_url` / :func:`lint_duplicates` (pure, in :mod:`bibexport.linkcheck_lint`): malformed links,
  impossible arXiv/OpenReview ids and duplicates, each with a suggested fix when one is mechanical;
* :class:`Checker`: arXiv and OpenReview links through their APIs (batched, via the resolver registry), other
  links with HEAD (GET when HEAD is refused), redirects followed by hand so permanent moves and "redirected to
  the front page" can be told apart; concurrency with a global and a per-host limit;
* :class:`ResultCache`: results reused for a while (failures for a shorter while than successes);
* :func:`run_check`: puts the stages together into a :class:`Report`.

Verdicts: ``ok``; ``broken`` (404/410, no such host, connection refused, no such id, a malformed link);
``unverifiable`` (rate limits, bot walls, timeouts, 5xx after retries) — a check must never cry wolf.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from bibexport.errors import ExitCode, NetworkError
from bibexport.http import redirect_refusal
from bibexport.linkcheck_lint import (
    ERROR,
    WARNING,
    Issue,
    Link,
    duplicate_key,
    lint_duplicates,
    lint_url,
    openreview_id,
    strip_trailing,
)
from bibexport.model import Course, Endpoints

# The lint names are defined in bibexport.linkcheck_lint and re-exported, so `from bibexport.linkcheck import …`
# keeps working for every stage.
__all__ = [
    "BROKEN",
    "ERROR",
    "EXCLUDED",
    "FAILURE_MAX_AGE",
    "NETWORK_DOWN_AFTER",
    "OK",
    "UNCHECKED",
    "UNVERIFIABLE",
    "VERDICTS",
    "WARNING",
    "CheckOptions",
    "Checker",
    "Finding",
    "Issue",
    "Link",
    "Probe",
    "Report",
    "Result",
    "ResultCache",
    "cache_key",
    "classify",
    "default_cache_path",
    "duplicate_key",
    "extract_links",
    "lint_duplicates",
    "lint_url",
    "make_check_http",
    "openreview_id",
    "parse_duration",
    "probe_connection",
    "redirect_issues",
    "run_check",
    "status_finding",
    "strip_trailing",
    "title_mismatch",
]

OK = "ok"
BROKEN = "broken"
UNVERIFIABLE = "unverifiable"
EXCLUDED = "excluded"  # matched an exclude pattern: linted, never fetched
UNCHECKED = "unchecked"  # --offline: linted only
VERDICTS = (OK, BROKEN, UNVERIFIABLE, EXCLUDED, UNCHECKED)


@dataclass(frozen=True)
class Finding:
    """What checking one URL found (shared by every reading that lists the URL)."""

    verdict: str
    reason: str = ""
    issues: tuple[Issue, ...] = ()
    via: str = ""  # "lint", "http", "arxiv", "openreview"
    title: str = ""  # the paper's title, when an API named it
    version: int = 0  # the latest arXiv version, when the arXiv API answered
    venue: str = ""  # the venue OpenReview names, when the paper is accepted
    #: Why no HTTP answer came, when none did: "dns", "refused" or "connect" (another connection failure), or
    #: "skipped" (not tried: the network looked unavailable).  Not cached: it only matters within one run.
    cause: str = ""


#: Causes of a finding that say nothing about the link when no host at all could be reached.
_NO_NETWORK_CAUSES = frozenset({"dns", "refused", "connect", "skipped"})
#: After this many hosts failed to connect while none answered, the network is taken to be down and the
#: remaining web links are not tried (each would wait out its own DNS or connect failure).
NETWORK_DOWN_AFTER = 3


@dataclass(frozen=True)
class Result:
    """The verdict on one link of one reading."""

    link: Link
    verdict: str
    reason: str = ""
    issues: tuple[Issue, ...] = ()
    via: str = ""  # "network": not verified because no host could be reached in this run
    cached: bool = False
    from_lock: bool = False  # ok only because the lockfile resolved this very id (the API was not reached)

    @property
    def fix(self) -> str:
        """The first suggested replacement link, or ``""``."""
        return next((i.fix for i in self.issues if i.fix), "")


@dataclass(frozen=True)
class Report:
    """Every link's result, in sessions.toml order."""

    results: tuple[Result, ...]
    path: str = "sessions.toml"
    offline: bool = False
    course: Course | None = field(default=None, compare=False, repr=False)
    #: No host could be reached (every one asked failed to resolve or connect): the links that needed the
    #: network are ``unverifiable`` (via "network"), not ``broken``.
    network_unavailable: bool = False
    hosts_tried: int = 0

    def count(self, verdict: str) -> int:
        """How many links got ``verdict``."""
        return sum(1 for r in self.results if r.verdict == verdict)

    @property
    def warnings(self) -> int:
        """How many warnings (over all links)."""
        return sum(1 for r in self.results for i in r.issues if i.level == WARNING)

    def exit_code(self, strict: bool = False) -> int:
        """4 when a link is broken (malformed links count), else 5 with ``strict`` and unverifiable links, else 0."""
        if self.count(BROKEN):
            return ExitCode.BROKEN
        if strict and self.count(UNVERIFIABLE):
            return ExitCode.STRICT
        return ExitCode.OK


# -- extraction (pure) ------------------------------------------------------------------------------------------


def extract_links(course: Course) -> list[Link]:
    """Every link of every reading, in file order, with its line (the reading's line when unknown)."""
    out: list[Link] = []
    for session in course.sessions:
        for reading in session.readings:
            for i, url in enumerate(reading.links):
                line = reading.link_lines[i] if i < len(reading.link_lines) else reading.line
                out.append(Link(url, line or reading.line, session.slug, session.name, reading.title, reading.role,
                                reading.fingerprint))
    return out


# -- online checks ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckOptions:
    """The limits that bound a run.  Each request takes at most ``retries + 1`` attempts of ``timeout`` seconds
    (connect and read) plus waits (``Retry-After`` capped at ``max_retry_after``, else ``backoff`` doubling); no
    job starts after ``max_time`` seconds (the rest are reported as unverifiable)."""

    timeout: float = 10.0
    retries: int = 2
    backoff: float = 1.0
    max_retry_after: float = 30.0
    jobs: int = 8  # requests in flight at once
    per_host: int = 2  # requests in flight to one host (hosts with a politeness interval get one)
    max_redirects: int = 10
    max_time: float = 600.0
    max_bytes: int = 5_000_000  # a GET fallback reads at most this much of a page


def make_check_http(endpoints: Endpoints, options: CheckOptions) -> Any:
    """An :class:`bibexport.http.Http` with the check's timeout and retries and the resolvers' politeness
    intervals (arXiv API ≥ ``arxiv_delay`` apart, OpenReview ≤ 1 s), without the response cache; no request
    runs past ``max_time`` (counted from now)."""
    from bibexport import http

    polite = http.make_http(endpoints, cache=False).min_interval
    # run_time: a request still running at --max-time is stopped (a slow-loris server would otherwise keep
    # the run going long after the time limit, one byte at a time).
    return http.Http(timeout=options.timeout, retries=options.retries, backoff=options.backoff,
                     max_retry_after=options.max_retry_after, max_redirects=options.max_redirects,
                     max_bytes=options.max_bytes, min_interval=polite, max_request_time=http.request_time_env(),
                     run_time=options.max_time)


def probe_connection(url: str, timeout: float) -> str | None:
    """Why a connection to ``url``'s host fails: ``"dns"`` (the name does not exist), ``"refused"`` (nothing
    listens), or None (it connects now, or the failure may be temporary: not proof of a dead link)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        # EAI_AGAIN and friends mean "could not ask" (e.g. no network), not "no such host".
        return "dns" if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)) else None
    except (OSError, UnicodeError):
        return None
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
    except ConnectionRefusedError:
        return "refused"
    except OSError:
        return None
    return None


Probe = Callable[[str, float], "str | None"]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_WITHDRAWN = re.compile(r"\b(?:this|the) (?:paper|article|manuscript|submission|preprint|version) (?:has been|is|was) "
                        r"withdrawn\b|\bwithdrawn by the authors?\b", re.IGNORECASE)


def classify(url: str) -> tuple[str, str]:
    """How to check a link: ``("arxiv", id)`` and ``("openreview", id)`` through the APIs, ``("doi", doi)``
    through the DOI resolver, else ``("web", url)``.  The resolver registry decides; an openreview.net link is
    recognised even when the OpenReview resolver is not installed."""
    from bibexport import resolvers

    hit = resolvers.match(url)
    if hit is not None and hit[0] in ("arxiv", "openreview"):
        return hit
    if hit is not None and hit[0] == "doi" and "://" not in url:
        return hit
    note = openreview_id(url)
    if note:
        return "openreview", note
    return "web", url


class Checker:
    """Checks URLs concurrently and politely; every URL gets a :class:`Finding`, never an exception.

    ``probe`` tells a dead host from a temporary failure after the HTTP layer gave up (injectable for tests).
    """

    def __init__(self, http: Any, endpoints: Endpoints, options: CheckOptions = CheckOptions(),
                 probe: Probe = probe_connection, clock: Callable[[], float] = time.monotonic) -> None:
        self.http = _Watched(http, self._saw)
        self.endpoints = endpoints
        self.options = options
        self.probe = probe
        self.clock = clock
        self._slots: dict[str, threading.Semaphore] = {}
        self._slots_lock = threading.Lock()
        self._deadline = 0.0
        #: host (netloc) → True once it answered anything (any HTTP status), False while it only failed.
        self.hosts: dict[str, bool] = {}

    def _saw(self, url: str, answered: bool) -> None:
        host = urlsplit(url).netloc.lower()
        with self._slots_lock:
            self.hosts[host] = self.hosts.get(host, False) or answered

    @property
    def network_down(self) -> bool:
        """True when no host answered and at least two failed to connect: the machine has no network (or no
        DNS), which says nothing about the links.  One dead host among live ones is not this; neither is a
        single host, which may simply be dead."""
        return self._none_answered(failed_hosts=2)

    def _looks_down(self) -> bool:
        return self._none_answered(failed_hosts=NETWORK_DOWN_AFTER)

    def _none_answered(self, failed_hosts: int) -> bool:
        """True when no host answered and at least ``failed_hosts`` failed to connect."""
        with self._slots_lock:
            return len(self.hosts) >= failed_hosts and not any(self.hosts.values())

    def check(self, urls: Iterable[str]) -> dict[str, Finding]:
        """One Finding per distinct URL."""
        groups: dict[str, dict[str, str]] = {"arxiv": {}, "openreview": {}, "doi": {}, "web": {}}
        for url in dict.fromkeys(urls):
            kind, ident = classify(url)
            groups[kind][url] = ident
        for url, doi in groups.pop("doi").items():  # a bare DOI is checked at the DOI resolver
            groups["web"][url] = f"{self.endpoints.doi_resolver.rstrip('/')}/{doi}"
        self._deadline = self.clock() + self.options.max_time
        out = self._run(groups)
        skipped = {u: groups["web"][u] for u, f in out.items() if f.cause == "skipped"}
        if skipped and not self.network_down:  # a host answered after all: check what was held back
            out.update(self._run({"arxiv": {}, "openreview": {}, "web": skipped}))
        return out

    def _run(self, groups: dict[str, dict[str, str]]) -> dict[str, Finding]:
        out: dict[str, Finding] = {}
        with ThreadPoolExecutor(max_workers=max(1, self.options.jobs)) as pool:
            jobs = []
            if groups["arxiv"]:
                jobs.append(pool.submit(self._guarded, self.check_arxiv, groups["arxiv"]))
            if groups["openreview"]:
                jobs.append(pool.submit(self._guarded, self.check_openreview, groups["openreview"]))
            for url, target in _interleave_hosts(groups["web"]):
                jobs.append(pool.submit(self._guarded, self._check_web_group, {url: target}))
            for job in jobs:
                out.update(job.result())
        return out

    def _check_web_group(self, group: dict[str, str]) -> dict[str, Finding]:
        if self._looks_down():  # every host so far failed to connect: the next would too
            return {url: Finding(UNVERIFIABLE, "not checked: no host could be reached", cause="skipped")
                    for url in group}
        return {url: self.check_web(target) for url, target in group.items()}

    def _guarded(self, fn: Callable[[dict[str, str]], dict[str, Finding]], group: dict[str, str]) -> dict[str, Finding]:
        if self.clock() > self._deadline:
            reason = f"not checked: the run reached its time limit ({self.options.max_time:g} s)"
            return {url: Finding(UNVERIFIABLE, reason) for url in group}
        return fn(group)

    # -- arXiv and OpenReview ---------------------------------------------------------------------------------

    def check_arxiv(self, ids: Mapping[str, str]) -> dict[str, Finding]:
        """arXiv links through the API, batched by the arXiv resolver; a missing version is told apart from a
        missing paper (and the latest version suggested)."""
        from bibexport import resolvers
        from bibexport.resolvers.arxiv import split_version
        from bibexport.resolvers.base import NOT_FOUND

        resolver = resolvers.get("arxiv")
        http = _Recording(self.http)  # records carry no comment or abstract: read "withdrawn" from the feeds
        outcomes = resolver.resolve(sorted(set(ids.values())), http, self.endpoints)
        lost_versions = {split_version(i)[0] for i, o in outcomes.items() if o.kind == NOT_FOUND and split_version(i)[1]}
        bases = resolver.resolve(sorted(lost_versions), http, self.endpoints) if lost_versions else {}
        withdrawn = http.withdrawn_arxiv()
        out = {}
        for url, ident in ids.items():
            outcome = outcomes.get(ident)
            base, version = split_version(ident)
            known = bases.get(base)
            if outcome is not None and outcome.kind == NOT_FOUND and known is not None and known.ok:
                latest = known.record.arxiv_version if known.record else 0
                fix = url.replace(ident, f"{base}v{latest}") if latest and ident in url else ""
                msg = f"arXiv has {base}, but not version {version}" + (f" (the latest is v{latest})" if latest else "")
                out[url] = Finding(BROKEN, msg, (Issue(ERROR, "arxiv-version", msg, fix),), "arxiv")
            else:
                out[url] = _outcome_finding(outcome, "arxiv", f"arXiv gave no answer for {ident}")
                if out[url].verdict == OK and (base, version) in withdrawn:
                    note = Issue(WARNING, "withdrawn", "arXiv lists this paper as withdrawn")
                    out[url] = replace(out[url], issues=out[url].issues + (note,))
        return out

    def check_openreview(self, ids: Mapping[str, str]) -> dict[str, Finding]:
        """OpenReview links through the OpenReview resolver, or a direct ``/notes?id=`` look-up without it."""
        from bibexport import resolvers

        try:
            resolver = resolvers.get("openreview")
        except KeyError:
            resolver = None
        if resolver is None:
            return {url: self._openreview_note(ident) for url, ident in ids.items()}
        outcomes = resolver.resolve(sorted(set(ids.values())), self.http, self.endpoints)
        return {url: _outcome_finding(outcomes.get(i), "openreview", f"OpenReview gave no answer for {i}")
                for url, i in ids.items()}

    def _openreview_note(self, ident: str) -> Finding:
        """``GET /notes?id=`` on the host the id's shape suggests first (10 characters: API v2), then the other."""
        hosts = [self.endpoints.openreview_api, self.endpoints.openreview_api_v1]
        if not re.fullmatch(r"[A-Za-z0-9]{10}", ident):
            hosts.reverse()
        for api in hosts:
            try:
                response = self.http.get(f"{api.rstrip('/')}/notes", params={"id": ident})
                body = response.json() if response.status == 200 else None
            except NetworkError as exc:
                return Finding(UNVERIFIABLE, f"OpenReview API unavailable: {exc.reason}", via="openreview")
            except ValueError as exc:  # BadJson: malformed, non-standard or absurdly nested
                return Finding(UNVERIFIABLE, f"OpenReview API sent an unreadable answer: {exc}", via="openreview")
            notes = body.get("notes") if isinstance(body, dict) else None
            if response.status == 200 and not isinstance(notes, list):
                return Finding(UNVERIFIABLE, "OpenReview API sent an answer without a list of notes", via="openreview")
            if notes:
                content = notes[0].get("content") if isinstance(notes[0], dict) else None
                if not isinstance(content, dict):
                    return Finding(UNVERIFIABLE, "OpenReview sent a note whose content is not an object",
                                   via="openreview")
                venueid = content.get("venueid", "")
                venueid = venueid.get("value", "") if isinstance(venueid, dict) else venueid
                title = content.get("title", "")
                title = title.get("value", "") if isinstance(title, dict) else title
                issues: tuple[Issue, ...] = ()
                if isinstance(venueid, str) and venueid.endswith("Withdrawn_Submission"):
                    issues = (Issue(WARNING, "withdrawn", "OpenReview lists this submission as withdrawn"),)
                title = title if isinstance(title, str) else ""
                return Finding(OK, f"openreview:{ident}: {title}", issues, "openreview", title)
            if response.status in (401, 403):
                return Finding(UNVERIFIABLE, f"OpenReview refused an anonymous look-up (HTTP {response.status}); "
                                             "set OPENREVIEW_USERNAME/OPENREVIEW_PASSWORD", via="openreview")
            if response.status not in (200, 404):
                return Finding(UNVERIFIABLE, f"OpenReview API answered HTTP {response.status}", via="openreview")
        return Finding(BROKEN, f"OpenReview has no note {ident}", via="openreview")

    # -- any other link ---------------------------------------------------------------------------------------

    def check_web(self, url: str) -> Finding:
        """HEAD (GET when HEAD fails), redirects followed one hop at a time."""
        chain: list[tuple[int, str]] = []
        current = url
        for _ in range(self.options.max_redirects + 1):
            try:
                response = self._fetch(current)
            except NetworkError as exc:
                return self._network_failure(current, exc)
            location = response.headers.get("Location")
            if response.status not in _REDIRECTS or not location:
                break
            previous, current = current, urljoin(current, location)
            chain.append((response.status, current))
            refused = redirect_refusal(previous, current)  # never to file:, nor from a public host to a private one
            if refused:
                return Finding(UNVERIFIABLE, refused, via="http")
        else:
            return Finding(UNVERIFIABLE, f"more than {self.options.max_redirects} redirects (a loop?)", via="http")
        finding = status_finding(response.status)
        if finding.verdict != OK:
            moved = f" (after redirects, at {current})" if chain else ""
            return replace(finding, reason=finding.reason + moved)
        return replace(finding, issues=redirect_issues(url, chain))

    def _fetch(self, url: str) -> Any:
        try:
            response = self._request("HEAD", url)
        except NetworkError as exc:
            if exc.status is None or exc.status < 500:  # some servers fail HEAD (501, 500, 503) but serve GET
                raise
            return self._request("GET", url)
        if response.status < 400:
            return response
        # HEAD refused (405/403/501) — or an error worth confirming with the method a browser uses.
        return self._request("GET", url)

    def _request(self, method: str, url: str) -> Any:
        with self._slot(url):
            return self.http.request(method, url, allow_redirects=False)

    def _slot(self, url: str) -> threading.Semaphore:
        host = urlsplit(url).netloc.lower()
        with self._slots_lock:
            if host not in self._slots:
                self._slots[host] = threading.Semaphore(max(1, self.options.per_host))
            return self._slots[host]

    def _network_failure(self, url: str, exc: NetworkError) -> Finding:
        status = exc.status
        if status is not None and 200 <= status < 400:  # it answered, but the body is too large to read
            return Finding(OK, f"HTTP {status}", via="http")
        if status == 429:
            return Finding(UNVERIFIABLE, f"rate limited (HTTP 429): {exc.reason}", via="http")
        if status is not None:
            return Finding(UNVERIFIABLE, f"server error (HTTP {status}): {exc.reason}", via="http")
        if "connection failed" in exc.reason or "reading the response failed" in exc.reason:
            why = self.probe(url, self.options.timeout)
            host = urlsplit(url).hostname
            if why == "dns":
                return Finding(BROKEN, f"the host {host} does not exist (DNS)", via="http", cause="dns")
            if why == "refused":
                return Finding(BROKEN, f"connection refused by {urlsplit(url).netloc}", via="http", cause="refused")
            if "timed out" in exc.reason.lower() or "timeout" in exc.reason.lower():
                return Finding(UNVERIFIABLE, f"no answer within {self.options.timeout:g} s "
                                             f"({self.options.retries + 1} attempts)", via="http")
            return Finding(UNVERIFIABLE, exc.reason, via="http", cause="connect")
        return Finding(UNVERIFIABLE, exc.reason, via="http")


def status_finding(status: int) -> Finding:
    """The verdict for a final HTTP status (429 and 5xx never get here: the HTTP layer retries them)."""
    from http import HTTPStatus

    try:
        text = f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        text = f"HTTP {status}"
    if 200 <= status < 300:
        return Finding(OK, text, via="http")
    if status in (404, 410):
        return Finding(BROKEN, text, via="http")
    if status in (401, 403):
        return Finding(UNVERIFIABLE, f"{text}: the site refuses automated checks; open it in a browser", via="http")
    return Finding(UNVERIFIABLE, text, via="http")


def redirect_issues(url: str, chain: Sequence[tuple[int, str]]) -> tuple[Issue, ...]:
    """Warnings for a redirect chain that ended well: a permanent move (with the new link to write) and a
    redirect to a site's front page (the link "works" but no longer shows the thing)."""
    if not chain:
        return ()
    final = urlsplit(chain[-1][1])
    start = urlsplit(url)
    if final.path in ("", "/") and not final.query and start.path not in ("", "/"):
        host = final.hostname or ""
        where = "the site's front page" if host == start.hostname else f"the front page of another site ({host})"
        return (Issue(WARNING, "front-page", f"redirects to {where}: the link works but no longer shows the thing; "
                                             "find the page's new address"),)
    target = ""
    for status, location in chain:
        if status not in _PERMANENT:
            break
        target = location
    if target:
        return (Issue(WARNING, "permanent-redirect", f"moved permanently (HTTP {chain[0][0]}) to {target}", target),)
    return ()


def _outcome_finding(outcome: Any, via: str, missing: str) -> Finding:
    """A resolver's Outcome as a Finding: resolved → ok, not found/invalid → broken, anything else unverifiable."""
    from bibexport.resolvers.base import INVALID, NOT_FOUND

    if outcome is None:
        return Finding(UNVERIFIABLE, missing, via=via)
    if outcome.ok:
        record = outcome.record
        issues: tuple[Issue, ...] = ()
        if record.status == "withdrawn":
            issues = (Issue(WARNING, "withdrawn", "OpenReview lists this submission as withdrawn"),)
        venue = record.venue_short or record.container_title if record.status == "accepted" else ""
        return Finding(OK, f"{outcome.identifier}: {record.title}", issues, via, record.title,
                       record.arxiv_version, venue)
    if outcome.kind in (NOT_FOUND, INVALID):
        return Finding(BROKEN, outcome.reason or f"{outcome.identifier} not found", via=via)
    return Finding(UNVERIFIABLE, outcome.reason or outcome.kind, via=via)


class _Watched:
    """An HTTP client passing requests through and telling ``saw(url, answered)`` whether the host answered
    (any response or HTTP status) or failed without one, so the checker can tell "no network" from dead links."""

    def __init__(self, http: Any, saw: Callable[[str, bool], None]) -> None:
        self.http = http
        self.saw = saw

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """Pass the request on, noting whether the host answered."""
        return self._watch(url, lambda: self.http.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> Any:
        """Pass the GET on, noting whether the host answered."""
        return self._watch(url, lambda: self.http.get(url, **kwargs))

    def _watch(self, url: str, send: Callable[[], Any]) -> Any:
        try:
            response = send()
        except NetworkError as exc:
            self.saw(url, exc.status is not None)
            raise
        self.saw(url, True)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.http, name)


class _Recording:
    """An HTTP client passing requests through and keeping the bodies, to read what records leave out."""

    def __init__(self, http: Any) -> None:
        self.http = http
        self.bodies: list[bytes] = []

    def get(self, url: str, **kwargs: Any) -> Any:
        """Pass the GET on, keep the body."""
        response = self.http.get(url, **kwargs)
        self.bodies.append(response.content)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.http, name)

    def withdrawn_arxiv(self) -> set[tuple[str, int]]:
        """``(id, version)`` of every feed entry whose comment or abstract says the paper was withdrawn, and
        ``(id, 0)`` when the latest version seen is withdrawn."""
        from bibexport.resolvers.arxiv import parse_feed

        out: set[tuple[str, int]] = set()
        for body in self.bodies:
            try:
                entries = parse_feed(body).all
            except ValueError:
                continue
            for entry in entries:
                if _WITHDRAWN.search(entry.comment) or _WITHDRAWN.search(entry.summary[:400]):
                    out.add((entry.arxiv_id, entry.version))
                    out.add((entry.arxiv_id, 0))
        return out


def _interleave_hosts(urls: Mapping[str, str]) -> list[tuple[str, str]]:
    """Round-robin over hosts, so the worker pool is not filled by one host's links waiting for its slots."""
    by_host: dict[str, list[tuple[str, str]]] = {}
    for url, target in urls.items():
        by_host.setdefault(urlsplit(target).netloc.lower(), []).append((url, target))
    queues = list(by_host.values())
    out: list[tuple[str, str]] = []
    while queues:
        out += [q.pop(0) for q in queues]
        queues = [q for q in queues if q]
    return out


# -- results cache ------------------------------------------------------------------------------------------------

#: Broken and unverifiable results are reused for at most this long (or --max-age, if shorter): a rate limit or an
#: outage passes, and a fixed link should turn green soon.
FAILURE_MAX_AGE = 3600.0


class ResultCache:
    """Findings of earlier runs by URL, in one JSON file (written atomically).  Successes are reused for
    ``max_age`` seconds, failures for ``failure_max_age`` (by default the shorter of an hour and ``max_age``).
    A damaged cache file is ignored: it is only a cache."""

    VERSION = 1

    def __init__(self, path: Path, max_age: float, failure_max_age: float | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.max_age = max_age
        self.failure_max_age = min(max_age, FAILURE_MAX_AGE) if failure_max_age is None else failure_max_age
        self.clock = clock
        self.entries: dict[str, dict[str, Any]] = {}
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(doc, dict) and doc.get("bibexport_linkcheck") == self.VERSION:
                self.entries = {k: v for k, v in doc.get("results", {}).items() if isinstance(v, dict)}
        except (OSError, ValueError, AttributeError, RecursionError):  # RecursionError: nested absurdly deep
            self.entries = {}

    def get(self, url: str) -> Finding | None:
        """The cached finding for ``url`` if it is still fresh."""
        entry = self.entries.get(url)
        if entry is None:
            return None
        try:
            age = self.clock() - float(entry["checked"])
            finding = Finding(str(entry["verdict"]), str(entry.get("reason", "")),
                              tuple(Issue(**i) for i in entry.get("issues", [])), str(entry.get("via", "")),
                              str(entry.get("title", "")), int(entry.get("version", 0)), str(entry.get("venue", "")))
        except (KeyError, TypeError, ValueError):
            return None
        limit = self.max_age if finding.verdict == OK else self.failure_max_age
        return finding if 0 <= age <= limit and finding.verdict in (OK, BROKEN, UNVERIFIABLE) else None

    def put(self, url: str, finding: Finding) -> None:
        """Remember a finding made now."""
        self.entries[url] = {"verdict": finding.verdict, "reason": finding.reason, "via": finding.via,
                             "title": finding.title, "version": finding.version, "venue": finding.venue,
                             "issues": [i.__dict__ for i in finding.issues], "checked": self.clock()}

    def save(self) -> None:
        """Write the cache, dropping entries too old to be used again."""
        from bibexport.fsio import atomic_write

        horizon = self.clock() - max(self.max_age, self.failure_max_age)
        keep = {k: v for k, v in sorted(self.entries.items()) if float(v.get("checked", 0)) >= horizon}
        atomic_write(self.path, json.dumps({"bibexport_linkcheck": self.VERSION, "results": keep}, indent=1) + "\n")


def default_cache_path() -> Path:
    """``linkcheck.json`` in the user cache dir."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("bibexport")) / "linkcheck.json"


# -- the whole run ------------------------------------------------------------------------------------------------


def run_check(course: Course, checker: Checker | None, *, excludes: Sequence[str] = (),
              cache: ResultCache | None = None, lock: Any = None) -> Report:
    """Lint every link, then check online (``checker`` None: lint only) what is well-formed and not excluded.

    A malformed link is ``broken`` and not fetched; an excluded one is linted but not fetched.  When arXiv or
    OpenReview cannot be asked (OpenReview refuses many anonymous reads), a paper the lockfile (``lock``)
    resolved from that very id is ``ok``, with the date of that resolution.
    """
    links = extract_links(course)
    duplicates = lint_duplicates(links)
    patterns = [re.compile(p) for p in (*course.exclude, *excludes)]
    results: list[Result | None] = [None] * len(links)
    online: dict[int, tuple[Issue, ...]] = {}
    for i, link in enumerate(links):
        warnings = tuple(duplicates.get(i, ()))
        errors = lint_url(link.url)
        if errors:
            reason = "malformed: " + "; ".join(e.message for e in errors)
            results[i] = Result(link, BROKEN, reason, tuple(errors) + warnings, "lint")
        elif any(p.search(link.url) for p in patterns):
            results[i] = Result(link, EXCLUDED, "matches an exclude pattern", warnings)
        elif checker is None:
            results[i] = Result(link, UNCHECKED, "", warnings)
        else:
            online[i] = warnings
    urls = list(dict.fromkeys(links[i].url for i in online))
    endpoints = checker.endpoints if checker is not None else Endpoints()
    keys = {u: cache_key(u, endpoints) for u in urls}
    cached = {u: f for u in urls if cache is not None and (f := cache.get(keys[u])) is not None}
    fresh = checker.check([u for u in urls if u not in cached]) if checker is not None and urls else {}
    down = checker is not None and bool(fresh) and checker.network_down
    if cache is not None and not down:  # what a run without a network found says nothing about the links
        for url, finding in fresh.items():
            if finding.via:  # not "skipped: time limit reached"
                cache.put(keys[url], finding)
    for i, warnings in online.items():
        link = links[i]
        finding = cached.get(link.url) or fresh[link.url]
        vouched = False
        if finding.verdict == UNVERIFIABLE and lock is not None:
            evidence = _lockfile_evidence(link, finding, lock)
            vouched, finding = evidence.verdict == OK, evidence
        if down and link.url in fresh and finding.verdict != OK and (
                finding.cause in _NO_NETWORK_CAUSES or finding.verdict == UNVERIFIABLE):
            finding = Finding(UNVERIFIABLE, "not checked: the network is unavailable (no host could be reached)",
                              via="network")
        mismatch = title_mismatch(link, finding.title)
        changed = drift_since_lock(link, finding, lock) if lock is not None else ()
        results[i] = Result(link, finding.verdict, finding.reason, finding.issues + mismatch + changed + warnings,
                            finding.via, cached=link.url in cached, from_lock=vouched)
    return Report(tuple(r for r in results if r is not None), course.path, offline=checker is None, course=course,
                  network_unavailable=down, hosts_tried=len(checker.hosts) if down and checker is not None else 0)


def cache_key(url: str, endpoints: Endpoints) -> str:
    """The results-cache key of a link: the link itself when it is fetched, the link and the endpoint asked
    when an API answers for it (``… via https://export.arxiv.org/api/query``).  What one arXiv API or DOI
    resolver said (or that it was down) says nothing about another: pointing ``BIBEXPORT_ARXIV_API`` at a mirror
    must not reuse "export.arxiv.org unavailable"."""
    kind, _ = classify(url)
    asked = {"arxiv": endpoints.arxiv_api,
             "openreview": f"{endpoints.openreview_api} {endpoints.openreview_api_v1}",
             "doi": endpoints.doi_resolver}.get(kind, "")
    return f"{url} via {asked}" if asked else url


def _lockfile_evidence(link: Link, finding: Finding, lock: Any) -> Finding:
    """``ok`` from the lockfile when the API could not be asked but the reading was resolved from this id."""
    if finding.via not in ("arxiv", "openreview"):
        return finding
    entry = lock.get(link.fingerprint) if link.fingerprint else None
    if entry is None or entry.status != "resolved" or entry.record is None:
        return finding
    record = entry.record
    kind, ident = classify(link.url)
    from bibexport.resolvers.arxiv import split_version

    same = (kind == "arxiv" and split_version(ident)[0] == record.arxiv_id) or (
        kind == "openreview" and ident == record.openreview_id)
    if not same:
        return finding
    when = f" on {entry.retrieved}" if entry.retrieved else ""
    return replace(finding, verdict=OK, reason=f"{finding.reason}; the lockfile resolved this id{when}",
                   title=record.title)


def drift_since_lock(link: Link, finding: Finding, lock: Any) -> tuple[Issue, ...]:
    """Warnings for what changed at the source since the lockfile was written (a new arXiv version, a venue
    decided, a withdrawal), so the course can decide to ``bibexport build --refresh`` rather than be surprised."""
    entry = lock.get(link.fingerprint) if link.fingerprint else None
    if entry is None or entry.status != "resolved" or entry.record is None or finding.verdict != OK:
        return ()
    record = entry.record
    kind, ident = classify(link.url)
    refresh = f"run `bibexport build --refresh {entry.key}` to update" if entry.key else "run `bibexport build --refresh`"
    issues: list[Issue] = []
    if kind == "arxiv" and finding.version and record.arxiv_version and finding.version > record.arxiv_version:
        from bibexport.resolvers.arxiv import split_version

        if not split_version(ident)[1]:  # a link to a fixed version does not drift
            issues.append(Issue(WARNING, "drift", f"arXiv has v{finding.version} since the lockfile's "
                                                  f"v{record.arxiv_version}; {refresh}"))
    if kind == "openreview" and finding.venue and not record.container_title and not record.arxiv_id:
        issues.append(Issue(WARNING, "drift", f"OpenReview now lists it as {finding.venue}; {refresh}"))
    if any(i.code == "withdrawn" for i in finding.issues) and record.status != "withdrawn":
        issues.append(Issue(WARNING, "drift", f"withdrawn since the lockfile was written; {refresh}"))
    return tuple(issues)


def title_mismatch(link: Link, found: str) -> tuple[Issue, ...]:
    """A warning when the paper behind an arXiv/OpenReview link is plainly another paper than the reading names
    (a wrong id pasted): fewer than half of the reading title's words (when it has three or more) are in it.
    Short names ("DPO", "Llama 2") and abbreviated titles never warn."""
    from bibexport.resolvers.titles import normalize_title

    wanted = normalize_title(link.reading).split()
    have = set(normalize_title(found).split())
    if not found or len(wanted) < 3 or sum(w in have for w in wanted) * 2 >= len(wanted):
        return ()
    return (Issue(WARNING, "other-paper", f"the link is to {found!r}, not to {link.reading!r}: a wrong id?"),)


def parse_duration(text: str) -> float:
    """``"90"``/``"90s"``, ``"30m"``, ``"6h"``, ``"7d"`` → seconds; ValueError otherwise."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if m is None:
        raise ValueError(f"{text!r} is not a duration such as 90s, 30m, 6h or 7d")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
