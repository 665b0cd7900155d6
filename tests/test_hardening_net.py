"""Hardening, second round (issue 13), network and parsing holes: hostile answers end as per-reading failures.

* 9: JSON nested 100,000 deep from DOI, OpenReview, GitHub or a page's JSON-LD, wrong types anywhere in a remote
  JSON (an OpenReview note whose ``content`` is a list), and absurd ``X-RateLimit-Reset``/``Retry-After`` values
  give a reading that fails with a sentence saying why; the build goes on and the other readings resolve.
* 11: a slow-loris server (headers at once, then one byte every 2 s) cannot hang ``build`` or ``check``: every
  request has a total deadline, not only a per-read timeout.
* 12: a redirect from a public host to a loopback, private, link-local or unspecified address, or to a non-http(s)
  scheme, is refused and reported; requests whose first URL is loopback (mirrors, the tests' servers) still work.
* 18 (third part): OpenReview authors sent as one string are split into names, never into letters.

Unit tests use :class:`tests.fakes.FakeHttp` or real servers on 127.0.0.1; the end-to-end runs use the fault
server of ``tests/test_hardening_network.py`` with ``bibexport build`` in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bibexport.errors import NetworkError
from bibexport.model import Endpoints
from bibexport.resolvers import doi, github, openreview, web
from bibexport.resolvers.base import RESOLVED, Outcome, Response
from tests.fakes import FakeHttp
from tests.test_hardening_network import COURSE, LINES, FaultServer, _FaultHandler

ROOT = Path(__file__).resolve().parents[1]
EP = Endpoints()
DEEP = b"[" * 100_000
JSON = {"Content-Type": "application/json"}
NESTED = "the server sent JSON nested too deeply"


def _one(answers: dict[str, Response | NetworkError], run: Any) -> Outcome:
    http = FakeHttp(answers)
    outcomes = run(http)
    assert len(outcomes) == 1
    return next(iter(outcomes.values()))


# ------------------------------------------------------------------------------------------ 9: deep JSON, types


def _doi(body: bytes, headers: dict[str, str] = JSON) -> Outcome:
    url = f"{EP.doi_resolver}/10.1000/x"
    return _one({url: Response(200, body, headers, url)}, lambda h: doi.resolve(["10.1000/x"], h, EP))


def _github(status: int, body: bytes, headers: dict[str, str] = JSON) -> Outcome:
    url = f"{EP.github_api}/repos/a/b"
    return _one({url: Response(status, body, headers, url)}, lambda h: github.resolve(["a/b"], h, EP, token=""))


class _NoteHttp:
    """OpenReview answering every ``/notes`` request with one body (v2 and v1 alike)."""

    def __init__(self, body: bytes, status: int = 200):
        self.body, self.status = body, status

    def get(self, url: str, **kwargs: Any) -> Response:
        return Response(self.status, self.body, JSON, url)


def _openreview(body: bytes) -> Outcome:
    resolver = openreview.OpenReviewResolver(environ={})  # anonymous, whatever the environment says
    return resolver.resolve(["abcdefghij"], _NoteHttp(body), EP)["abcdefghij"]


def _note(content: Any, **extra: Any) -> bytes:
    return json.dumps({"notes": [{"id": "abcdefghij", "forum": "abcdefghij", "content": content, **extra}]}).encode()


@pytest.mark.parametrize("service", ["doi", "github", "openreview"])
def test_json_nested_100000_deep_is_a_failed_reading_with_a_reason(service: str) -> None:
    outcome = {"doi": lambda: _doi(DEEP), "github": lambda: _github(200, DEEP),
               "openreview": lambda: _openreview(DEEP)}[service]()
    assert not outcome.ok
    assert NESTED in outcome.reason, outcome.reason


def test_json_ld_nested_100000_deep_is_ignored_and_the_page_still_resolves_from_its_other_metadata() -> None:
    page = (b'<html><head><title>A Page</title><script type="application/ld+json">' + DEEP
            + b"</script></head><body></body></html>")
    url = "https://example.org/a"
    outcome = _one({url: Response(200, page, {"Content-Type": "text/html"}, url)},
                   lambda h: web.resolve([url], h, EP))
    assert outcome.ok and outcome.record is not None
    assert outcome.record.title == "A Page"
    assert any("JSON-LD" in w and NESTED in w for w in outcome.warnings), outcome.warnings


def test_json_nested_deep_but_within_the_recursion_limit_is_refused_too() -> None:
    """900 levels parse with Python's json, but code walking the result recursively would then overflow."""
    body = b'{"title": "T", "author": ' + b"[" * 900 + b"]" * 900 + b"}"
    outcome = _doi(body)
    assert not outcome.ok and NESTED in outcome.reason


@pytest.mark.parametrize("content", [[1, 2], "text", 7, None, {"title": {"value": ["x"]}, "authors": 3}])
def test_openreview_note_with_wrong_types_is_a_failure_or_a_record_never_a_crash(content: Any) -> None:
    outcome = _openreview(_note(content))
    if isinstance(content, dict):  # wrong field types are ignored field by field
        assert outcome.kind == RESOLVED and outcome.record is not None
        assert outcome.record.authors == ()
    else:
        assert not outcome.ok
        assert "OpenReview sent a note whose content is not an object" in outcome.reason


@pytest.mark.parametrize("body", [b'{"notes": "abc"}', b'{"notes": [1, "x", null]}', b"[1, 2]", b'"notes"'])
def test_openreview_envelope_of_the_wrong_shape_is_a_failure_not_a_missing_note(body: bytes) -> None:
    outcome = _openreview(body)
    assert not outcome.ok
    assert outcome.kind != "not_found" or "has no note" in outcome.reason


@pytest.mark.parametrize("stamp", [1e300, -1e300, 10**30])
def test_openreview_absurd_dates_are_ignored(stamp: float) -> None:
    outcome = _openreview(_note({"title": {"value": "T"}}, pdate=stamp, cdate=stamp))
    assert outcome.ok and outcome.record is not None and outcome.record.issued == ()


def test_openreview_infinity_in_json_is_a_failure() -> None:
    outcome = _openreview(b'{"notes": [{"id": "abcdefghij", "pdate": Infinity, "content": {}}]}')
    assert not outcome.ok and "not standard JSON" in outcome.reason


@pytest.mark.parametrize("body", [b"[1, 2]", b'{"name": "b", "owner": "a"}', b'{"name": ["b"], "owner": {"login": 1}}',
                                  b'{"name": "b", "owner": {"login": "a"}, "created_at": 12, "html_url": 5}'])
def test_github_wrong_types_never_crash(body: bytes) -> None:
    outcome = _github(200, body)
    if outcome.ok:
        assert outcome.record is not None and isinstance(outcome.record.url, str)
    else:
        assert "not a repository" in outcome.reason


@pytest.mark.parametrize("reset", ["99999999999999999", "-99999999999999999", "1e400", "nan", "abc", ""])
@pytest.mark.parametrize("status", [403, 429])
def test_github_rate_limit_with_absurd_reset_time_is_a_clear_reason(reset: str, status: int) -> None:
    outcome = _github(status, b'{"message": "API rate limit exceeded"}',
                      {**JSON, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    assert not outcome.ok
    assert outcome.reason.startswith("GitHub API rate limit; set GITHUB_TOKEN"), outcome.reason
    assert "resets" not in outcome.reason  # an impossible time is not printed


def test_github_rate_limit_with_a_real_reset_time_says_when() -> None:
    outcome = _github(403, b"{}", {**JSON, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000000"})
    assert outcome.reason == "GitHub API rate limit; set GITHUB_TOKEN (resets 2023-11-14 22:13 UTC)"


@pytest.mark.parametrize(("body", "reason"), [
    (DEEP, f"OpenReview API sent an unreadable answer: {NESTED}"),
    (b'{"notes": [{"id": "abcdefghij", "content": [1, 2]}]}', "OpenReview sent a note whose content is not an object"),
    (b'{"notes": ["abc"]}', "OpenReview sent a note whose content is not an object"),
    (b'{"notes": "abc"}', "OpenReview API sent an answer without a list of notes"),
])
def test_check_without_the_openreview_resolver_reads_hostile_notes_as_unverifiable(body: bytes, reason: str) -> None:
    from bibexport.linkcheck import UNVERIFIABLE, Checker

    finding = Checker(_NoteHttp(body), EP)._openreview_note("abcdefghij")
    assert (finding.verdict, finding.reason) == (UNVERIFIABLE, reason)


@pytest.mark.parametrize("value", ["99999999999999999", "1e400", "inf", "nan", "-5",
                                   "Fri, 31 Dec 99999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT"])
def test_parse_retry_after_absurd_values_never_raise(value: str) -> None:
    from bibexport.http import parse_retry_after

    wait = parse_retry_after(value, now=1_700_000_000)
    assert wait is None or 0 <= wait < float("inf")



# ------------------------------------------------------------------- 18: OpenReview authors as one string


@pytest.mark.parametrize(("authors", "expected"), [
    ({"value": "Ada Lovelace, Alan Turing"}, ["Ada Lovelace", "Alan Turing"]),
    ("Ada Lovelace, Alan Turing", ["Ada Lovelace", "Alan Turing"]),
    ("Ada Lovelace and Alan Turing", ["Ada Lovelace", "Alan Turing"]),
    ({"value": "Lovelace, Ada and Turing, Alan"}, ["Ada Lovelace", "Alan Turing"]),
    ("Ada Lovelace; Alan Turing;", ["Ada Lovelace", "Alan Turing"]),
    ({"value": "Ada Lovelace"}, ["Ada Lovelace"]),
    ("  ", []),
    ({"value": ["Ada Lovelace", 7, None, "Alan Turing"]}, ["Ada Lovelace", "Alan Turing"]),
])
def test_openreview_authors_sent_as_one_string_are_split_into_names_never_letters(
        authors: Any, expected: list[str]) -> None:
    record = openreview.parse_note({"id": "abcdefghij", "content": {"title": {"value": "T"}, "authors": authors}})
    assert [p.display for p in record.authors] == expected


# ------------------------------------------------------------------------------ 11: slow loris, deadlines

DRIP = 2.0  # seconds between two bytes of a slow-loris answer, as in the trial


class SlowLoris(ThreadingHTTPServer):
    """On 127.0.0.1: ``/body`` sends its headers at once, then one byte every DRIP seconds (of a declared
    100,000); ``/headers`` drips its status line and headers the same way; ``/retry`` answers 429 with
    ``Retry-After: 30``.  HEAD is refused (405) at once, so a link check falls back to a dripping GET."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SlowHandler)
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> SlowLoris:  # noqa: PYI034  (Python 3.10 has no typing.Self)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.shutdown()
        self.server_close()


class _SlowHandler(BaseHTTPRequestHandler):
    server: SlowLoris  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _drip(self, data: bytes) -> None:
        for i in range(len(data)):
            if self.server.stop.wait(DRIP if i else 0):
                return
            try:
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
            except OSError:  # the client gave up: what a well-bounded client does
                return

    def do_HEAD(self) -> None:
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self.close_connection = True
        if self.path.startswith("/retry"):
            self.send_response(429)
            self.send_header("Retry-After", "30")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path.startswith("/headers"):
            self._drip(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"x" * 1000 + b"\r\n\r\n")
        else:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.flush()
            self._drip(b"<html><head><title>Slow</title></head>" + b" " * 99_961)


@pytest.fixture
def slow() -> Iterator[SlowLoris]:
    with SlowLoris() as server:
        yield server


def _bounded(fn: Any, limit: float = 90.0) -> Any:
    """``fn()``'s result, or a test failure when it has not ended after ``limit`` seconds (it hangs)."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(fn).result(timeout=limit)
    except FuturesTimeout:
        pytest.fail(f"still running after {limit:g} s: not bounded")
    finally:
        pool.shutdown(wait=False)


@pytest.mark.parametrize("path", ["/body", "/headers"])
def test_slow_loris_request_ends_with_a_timeout_not_a_hang(slow: SlowLoris, path: str) -> None:
    """The per-read timeout (6 s) never fires, as a byte comes every 2 s: only the total deadline ends it."""
    from bibexport.http import Http

    http = Http(timeout=DRIP * 3, retries=1, backoff=0, max_request_time=3)

    def get() -> str:
        with pytest.raises(NetworkError) as caught:
            http.get(slow.base + path)
        return caught.value.reason

    reason = _bounded(get)
    assert reason == "timed out: no complete answer within 3 s (gave up after 2 attempts)"


def test_run_time_limit_cuts_a_request_and_refuses_a_wait_past_it(slow: SlowLoris) -> None:
    from bibexport.http import Http

    http = Http(timeout=DRIP * 3, retries=3, max_request_time=600, run_time=2)
    with pytest.raises(NetworkError) as caught:
        _bounded(lambda: http.get(slow.base + "/body"))
    assert caught.value.reason == "timed out: no complete answer before the run's time limit (2 s)"

    slept: list[float] = []
    waiting = Http(timeout=5, retries=3, run_time=10, sleep=slept.append)
    with pytest.raises(NetworkError) as caught:
        _bounded(lambda: waiting.get(slow.base + "/retry"))
    assert slept == []  # 30 s would pass the run's limit: not waited at all
    assert caught.value.reason == "HTTP 429; the server asks to wait 30 s, past the run's time limit (10 s)"
    assert caught.value.status == 429


def test_make_http_reads_the_request_time_limit_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from bibexport.http import make_http

    assert make_http(Endpoints(timeout=5), cache=False).max_request_time == 15  # default: 3 × the timeout
    monkeypatch.setenv("BIBEXPORT_MAX_REQUEST_TIME", "7.5")
    assert make_http(Endpoints(timeout=5), cache=False).max_request_time == 7.5
    monkeypatch.setenv("BIBEXPORT_MAX_REQUEST_TIME", "nonsense")
    assert make_http(Endpoints(timeout=5), cache=False).max_request_time == 15


# ------------------------------------------------------------------------------------ 12: unsafe redirects

PUBLIC = "http://93.184.215.14/page"  # a literal public address: no DNS needed (the tests block it)
REFUSED = "redirect to a private address refused"


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:8080/admin", "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/", "http://[fe80::1]/", "http://[fe80::1%25eth0]/",
    "http://0.0.0.0/", "http://[::]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:169.254.169.254]/",
    "http://2130706433/", "http://127.1/", "http://0x7f.0.0.1/", "http://localhost:631/", "https://127.0.0.1/",
])
def test_redirect_from_a_public_host_to_a_private_address_is_refused(target: str) -> None:
    from bibexport.http import redirect_refusal

    reason = redirect_refusal(PUBLIC, target)
    assert reason is not None and reason.startswith(REFUSED), reason


@pytest.mark.parametrize("target", ["file:///etc/passwd", "gopher://127.0.0.1:25/", "ftp://example.org/x",
                                    "javascript:alert(1)"])
@pytest.mark.parametrize("source", [PUBLIC, "http://127.0.0.1:8000/mirror"])
def test_redirect_to_a_non_http_scheme_is_refused_from_anywhere(source: str, target: str) -> None:
    from bibexport.http import redirect_refusal

    reason = redirect_refusal(source, target)
    assert reason is not None and reason.startswith("redirect to a non-http(s) link refused"), reason


@pytest.mark.parametrize(("source", "target"), [
    (PUBLIC, "https://93.184.215.14/other"), (PUBLIC, "http://8.8.8.8/"), (PUBLIC, "http://[2606:4700::1111]/"),
    ("http://127.0.0.1:8000/mirror", "http://127.0.0.1:9000/elsewhere"), ("http://localhost/", "http://[::1]/"),
    ("http://10.0.0.1/intranet", "http://10.0.0.2/"),
])
def test_other_redirects_are_allowed(source: str, target: str) -> None:
    from bibexport.http import redirect_refusal

    assert redirect_refusal(source, target) is None


class _Redirector(ThreadingHTTPServer):
    """``/go`` redirects (302) to ``target``; every other path answers a small page.  Counts hits by path."""

    daemon_threads = True

    def __init__(self, host: str, target: str = "") -> None:
        super().__init__((host, 0), _RedirectHandler)
        self.target = target
        self.hits: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{self.server_address[0]}:{self.server_address[1]}"

    def __enter__(self) -> _Redirector:  # noqa: PYI034  (Python 3.10 has no typing.Self)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _RedirectHandler(BaseHTTPRequestHandler):
    server: _Redirector  # type: ignore[assignment]

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        if self.path == "/go":
            self.send_response(302)
            self.send_header("Location", self.server.target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<html><head><title>Internal admin page</title></head></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET


@pytest.fixture
def public_and_private(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[_Redirector, _Redirector]]:
    """A "public" site on 127.0.0.2 (the address check is told it is public: tests cannot leave loopback) whose
    ``/go`` redirects to a private site on 127.0.0.1."""
    from bibexport import http

    real = http.address_kind
    monkeypatch.setattr(http, "address_kind", lambda host: None if host == "127.0.0.2" else real(host))
    with _Redirector("127.0.0.1") as private, _Redirector("127.0.0.2") as public:
        public.target = private.base + "/admin"
        yield public, private


def test_build_resolver_refuses_a_redirect_from_a_public_page_to_a_private_address(
        public_and_private: tuple[_Redirector, _Redirector]) -> None:
    from bibexport.http import Http

    public, private = public_and_private
    outcome = web.resolve([public.base + "/go"], Http(retries=0), EP)[public.base + "/go"]
    assert not outcome.ok
    assert outcome.reason == f"{REFUSED}: {private.base}/admin is loopback"
    assert private.hits == []  # never asked


def test_check_refuses_a_redirect_from_a_public_page_to_a_private_address(
        public_and_private: tuple[_Redirector, _Redirector]) -> None:
    from bibexport.http import Http
    from bibexport.linkcheck import UNVERIFIABLE, Checker, CheckOptions

    public, private = public_and_private
    finding = Checker(Http(retries=0), EP, CheckOptions(retries=0)).check_web(public.base + "/go")
    assert (finding.verdict, finding.reason) == (UNVERIFIABLE, f"{REFUSED}: {private.base}/admin is loopback")
    assert private.hits == []


def test_redirects_between_loopback_servers_still_work_and_non_http_is_refused() -> None:
    """Mirrors and the tests' replay servers are loopback: their redirects, to loopback too, are followed."""
    from bibexport.http import Http

    with _Redirector("127.0.0.1") as target, _Redirector("127.0.0.1") as start:
        start.target = target.base + "/page"
        response = Http(retries=0).get(start.base + "/go")
        assert (response.status, response.url) == (200, target.base + "/page")
        start.target = "file:///etc/passwd"
        with pytest.raises(NetworkError) as caught:
            Http(retries=0).get(start.base + "/go")
        assert caught.value.reason == "redirect to a non-http(s) link refused: file:///etc/passwd"

# ------------------------------------------------------------------------- end to end: the build goes on

E2E_COURSE = COURSE + """
[[sessions.further]]
title = "OLMo: Accelerating the Science of Language Models"
links = ["https://doi.org/10.18653/v1/2024.acl-long.841"]
"""
E2E_LINES = {**LINES, "OLMo: Accelerating the Science of Language Models": 25}


class HostileServer(FaultServer):
    """The fault server of test_hardening_network, with the hostile answers of this module."""

    def __init__(self, service: str, fault: str):
        super().__init__(service, fault)
        self.RequestHandlerClass = _HostileHandler


class _HostileHandler(_FaultHandler):
    def _fault_deep_json(self) -> None:
        self._raw(200, DEEP, "application/vnd.citationstyles.csl+json" if self.path.startswith("/doi") else
                  "application/json")

    def _fault_deep_jsonld(self) -> None:
        page = (b'<html><head><title>Fine-tune Llama 2 with DPO</title><script type="application/ld+json">' + DEEP
                + b"</script></head><body></body></html>")
        self._raw(200, page, "text/html; charset=utf-8")

    def _fault_content_list(self) -> None:
        self._raw(200, b'{"notes": [{"id": "iO4LZibEqW", "forum": "iO4LZibEqW", "content": [1, 2]}], "count": 1}')

    def _fault_slow_loris(self) -> None:
        """Headers at once, then one byte every DRIP seconds of a declared 100,000."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.close_connection = True
        for _ in range(300):  # ten minutes at most, should the client never give up
            try:
                self.wfile.write(b" ")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(DRIP)

    def _fault_reset_huge(self) -> None:
        self._raw(403, b'{"message": "API rate limit exceeded"}',
                  headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "99999999999999999"})


def _env(cwd: Path, server: FaultServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIBEXPORT_", "OPENREVIEW_", "GITHUB_"))}
    env.update(server.env())
    env.update(BIBEXPORT_LOCK_DIR=str(cwd.parent / f"{cwd.name}.locks"), PYTHONPATH=str(ROOT),
               BIBEXPORT_RETRIES="1", BIBEXPORT_BACKOFF="0.05", BIBEXPORT_TIMEOUT="5",
               XDG_CACHE_HOME=str(cwd.parent / f"{cwd.name}.cache"), **extra)
    return env


def _run(cwd: Path, server: FaultServer, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bibexport", *args], cwd=cwd, env=_env(cwd, server, **env),
                          capture_output=True, text=True, timeout=240, check=False)


@dataclass(frozen=True)
class Hostile:
    """A hostile answer from one service, the reading it must cost, and the reason the report must give."""

    service: str
    fault: str
    victim: str  # "" when every reading must still resolve
    reason: str


HOSTILE = {
    "github-deep-json": Hostile("github", "deep_json", "Awesome RLHF", f"GitHub API answer is not a repository ({NESTED})"),
    "openreview-deep-json": Hostile("openreview2", "deep_json", "Holistic Evaluation of Language Models",
                                    f"OpenReview sent an unreadable answer: {NESTED}"),
    "doi-deep-json": Hostile("doi", "deep_json", "OLMo: Accelerating the Science of Language Models",
                             f"no CSL metadata from the registration agency ({NESTED})"),
    "web-deep-jsonld": Hostile("web", "deep_jsonld", "", f"the page's JSON-LD was ignored: {NESTED}"),
    "openreview-content-list": Hostile("openreview2", "content_list", "Holistic Evaluation of Language Models",
                                       "OpenReview sent a note whose content is not an object"),
    "github-reset-huge": Hostile("github", "reset_huge", "Awesome RLHF", "GitHub API rate limit; set GITHUB_TOKEN"),
    # BIBEXPORT_TIMEOUT=5, BIBEXPORT_RETRIES=1: two attempts of at most 3 × 5 s each.
    # ("timed out: no complete answer within 15 s"; "Read timed out" should a loaded machine miss a 5 s read)
    "web-slow-loris": Hostile("web", "slow_loris", "Fine-tune Llama 2 with DPO", "timed out"),
}


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    root = tmp_path_factory.mktemp("hostile")

    def one(name: str, case: Hostile) -> tuple[Path, subprocess.CompletedProcess[str]]:
        cwd = root / name
        cwd.mkdir()
        (cwd / "sessions.toml").write_text(E2E_COURSE, encoding="utf-8")
        with HostileServer(case.service, case.fault) as server:
            return cwd, _run(cwd, server, "build", "--no-cache")

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(one, name, case) for name, case in HOSTILE.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_answer_costs_one_reading_with_a_reason_and_the_build_goes_on(
        name: str, hostile_runs: dict[str, tuple[Path, subprocess.CompletedProcess[str]]]) -> None:
    case, (cwd, proc) = HOSTILE[name], hostile_runs[name]
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lock = {e["title"]: e for e in json.loads((cwd / "sessions.lock.json").read_text(encoding="utf-8"))["readings"]}
    for title in E2E_LINES:  # the victim may still be found through another source (arXiv by its title)
        allowed = ("resolved", "unavailable") if title == case.victim else ("resolved",)
        assert lock[title]["status"] in allowed, (title, lock[title])
    where = f"sessions.toml:{E2E_LINES[case.victim or 'Fine-tune Llama 2 with DPO']}"
    line = next((x for x in proc.stderr.splitlines() if where in x and case.reason in x), None)
    assert line is not None, proc.stderr


def test_check_of_a_slow_loris_link_ends_at_its_time_limit_and_says_timed_out(slow: SlowLoris, tmp_path: Path) -> None:
    """The issue's run: ``check --timeout 3 --retries 0 --max-time 5`` was still running after 100 s."""
    (tmp_path / "sessions.toml").write_text(f"""\
[course]
title = "Slow"

[[sessions]]
slug = "slow"
name = "Slow"
date = 2024-02-08

[[sessions.required]]
title = "A slow page"
links = ["{slow.base}/body"]
""", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIBEXPORT_", "OPENREVIEW_", "GITHUB_"))}
    env.update(PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(tmp_path / "cache"), BIBEXPORT_LOCK_DIR=str(tmp_path / "locks"))
    proc = subprocess.run([sys.executable, "-m", "bibexport", "check", "--no-cache", "--timeout", "3", "--retries", "0",
                           "--max-time", "5"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # unverifiable, not broken
    assert "Traceback" not in proc.stderr
    assert "1 links: 1 unverifiable" in proc.stdout, proc.stdout
    # What ends it is the run's time limit; on a machine so loaded that the server misses a 3 s read timeout, the
    # per-read timeout ("no answer within 3 s") may come first.  Either way the link is reported as timed out.
    assert ("timed out: no complete answer before the run's time limit (5 s)" in proc.stdout
            or "no answer within 3 s" in proc.stdout), proc.stdout


def test_a_link_check_cache_nested_absurdly_deep_is_ignored(tmp_path: Path) -> None:
    from bibexport.linkcheck import ResultCache

    path = tmp_path / "linkcheck.json"
    path.write_bytes(DEEP)
    assert ResultCache(path, 60).entries == {}


# ------------------------------------------------------------- 9: any JSON value anywhere, never a crash

_KEYS = st.sampled_from([
    "title", "author", "editor", "issued", "date-parts", "container-title", "DOI", "type", "subtype", "name",
    "family", "given", "literal", "page", "ISSN", "event", "location", "URL", "owner", "login", "html_url",
    "created_at", "description", "notes", "content", "value", "authors", "venue", "venueid", "_bibtex", "pdate",
    "cdate", "id", "forum", "@type", "@graph", "@id", "headline", "datePublished", "publisher", "creator",
])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
    | st.sampled_from(["Article", "Person", "Organization", "2023-10-04", "NeurIPS.cc/2023/Conference", "a/b"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS | st.text(max_size=4), inner, max_size=6),
    max_leaves=40,
)


@given(value=_JSON)
@example(value=[1, 2])  # an OpenReview note's content as a list: AttributeError before
@example(value={"title": {"value": "T"}, "authors": 3})  # authors a number: TypeError before
@example(value={"@graph": [{"@type": "Article", "headline": ["x", {"name": 1}], "author": [None, {"name": {}}]}]})
@settings(max_examples=300, deadline=None)
def test_property_any_json_from_any_source_is_an_outcome_never_an_exception(value: Any) -> None:
    """Whatever JSON a DOI agency, GitHub, OpenReview or a page's JSON-LD sends — any shape, any type in any
    field — the reading gets an Outcome (resolved or not) and a page a Record; nothing raises."""
    body = json.dumps(value).encode()
    for outcome in (_doi(body), _github(200, body), _openreview(body),
                    _openreview(json.dumps({"notes": [value]}).encode()),
                    _openreview(json.dumps({"notes": [{"id": "abcdefghij", "content": value}]}).encode())):
        assert isinstance(outcome, Outcome)
        assert outcome.ok or outcome.reason
    page = b'<html><head><title>T</title><script type="application/ld+json">' + body + b"</script></head></html>"
    record = web.parse(page, "https://example.org/a")
    assert record is not None and isinstance(record.title, str) and record.title
