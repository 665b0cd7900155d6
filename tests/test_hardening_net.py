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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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
