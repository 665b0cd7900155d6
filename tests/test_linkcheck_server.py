"""`bibexport check` against a real HTTP server on 127.0.0.1: every verdict, the exit codes, the lines in
``--format github``, the per-host limit, and a bounded run time.  "localhost" plays the other site."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bibexport import linkcheck
from bibexport.cli import cli
from bibexport.errors import NetworkError
from bibexport.linkcheck import BROKEN, OK, UNVERIFIABLE, Checker, CheckOptions
from bibexport.model import Endpoints

SLOW = 1.5  # the slow route answers after this long; the check's timeout is far below


class Site:
    """A scripted server: path → list of (status, headers) per request (the last repeats); HEAD may differ."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.head: dict[str, int] = {}
        self.delay: dict[str, float] = {}
        self.hits: dict[str, int] = {}
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                path = self.path.split("?")[0]
                # The slow route keeps its thread after the client gave up, and "localhost" is another host:
                # neither counts towards the per-host limit the client keeps.
                counted = path != "/slow" and self.headers.get("Host", "").startswith("127.0.0.1")
                with site._lock:
                    site.hits[path] = site.hits.get(path, 0) + 1
                    site.active += counted
                    site.max_active = max(site.max_active, site.active)
                try:
                    time.sleep(site.delay.get(path, 0.02))  # long enough for requests to overlap
                    replies = site.routes.get(path, [(404, {})])
                    status, headers = replies.pop(0) if len(replies) > 1 else replies[0]
                    if self.command == "HEAD" and path in site.head:
                        status, headers = site.head[path], {}
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(b"hi")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with site._lock:
                        site.active -= counted

            do_GET = do_HEAD = _reply

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    other = f"http://localhost:{s.port}"
    s.routes.update({
        "/": [(200, {})],
        "/ok": [(200, {})],
        "/moved": [(301, {"Location": "/ok"})],
        "/moved-twice": [(308, {"Location": "/moved"})],
        "/temporary": [(302, {"Location": "/ok"})],
        "/away": [(302, {"Location": other + "/"})],
        "/gone-404": [(404, {})],
        "/gone-410": [(410, {})],
        "/limited-then-ok": [(429, {"Retry-After": "1"}), (200, {})],
        "/limited-forever": [(429, {})],
        "/unavailable": [(503, {})],
        "/head-refused": [(200, {})],
        "/head-501": [(200, {})],
        "/bot-wall": [(403, {})],
        "/slow": [(200, {})],
        "/loop": [(302, {"Location": "/loop"})],
    })
    s.head.update({"/head-refused": 405, "/head-501": 501})
    s.delay["/slow"] = SLOW
    yield s
    s.close()


def unbound_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


EXPECTED = {
    "/ok": OK, "/moved": OK, "/moved-twice": OK, "/temporary": OK, "/away": OK, "/gone-404": BROKEN,
    "/gone-410": BROKEN, "/limited-then-ok": OK, "/limited-forever": UNVERIFIABLE, "/unavailable": UNVERIFIABLE,
    "/head-refused": OK, "/head-501": OK, "/bot-wall": UNVERIFIABLE, "/slow": UNVERIFIABLE,
}


def write_course(path: Path, urls: list[str]) -> dict[str, int]:
    """A sessions.toml with one reading per URL (two sessions); returns each URL's line."""
    lines = ['[course]', '']
    where: dict[str, int] = {}
    for i, url in enumerate(urls):
        if i % 9 == 0:
            lines += ['[[sessions]]', f'slug = "s{i}"', f'name = "Session {i}"', 'date = 2024-02-06', '']
        lines += ['[[sessions.required]]', f'title = "Reading {i}"']
        where[url] = len(lines) + 1
        lines += [f'links = ["{url}"]', '']
    path.write_text("\n".join(lines), encoding="utf-8")
    return where


FAST = ["--timeout", "0.4", "--retries", "1", "--backoff", "0.05", "--max-retry-after", "5", "--no-cache"]


def invoke(tmp_path: Path, *args: str) -> tuple[int, str, float]:
    old = os.getcwd()
    os.chdir(tmp_path)
    start = time.monotonic()
    try:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, time.monotonic() - start


def test_every_verdict_exit_code_and_bounded_time(site: Site, tmp_path: Path) -> None:
    refused = f"http://127.0.0.1:{unbound_port()}/nothing-here"
    urls = [site.base + p for p in EXPECTED] + [refused]
    write_course(tmp_path / "sessions.toml", urls)
    code, out, took = invoke(tmp_path, "check", "--format", "json", *FAST)
    results = {r["url"]: r for r in json.loads(out)["results"]}
    verdicts = {url: results[url]["verdict"] for url in urls}
    assert verdicts == {**{site.base + p: v for p, v in EXPECTED.items()}, refused: BROKEN}
    assert code == 4
    # Bounded: the slow route (2 attempts of 0.4 s), one Retry-After of 1 s, a few back-offs, in parallel.
    assert took < 8, took
    assert site.max_active <= 2, "per-host limit"

    def issues(path: str) -> list[dict[str, str]]:
        return results[site.base + path]["issues"]

    assert issues("/moved") == [{"level": "warning", "code": "permanent-redirect", "fix": site.base + "/ok",
                                 "message": f"moved permanently (HTTP 301) to {site.base}/ok"}]
    assert issues("/moved-twice")[0]["fix"] == site.base + "/ok"  # the end of the permanent chain
    assert issues("/temporary") == []  # a temporary redirect is nobody's business
    assert [i["code"] for i in issues("/away")] == ["front-page"]
    assert "localhost" in issues("/away")[0]["message"]
    assert "HTTP 404" in results[site.base + "/gone-404"]["reason"]
    assert "connection refused" in results[refused]["reason"]
    assert "no answer within 0.4 s" in results[site.base + "/slow"]["reason"]
    assert "429" in results[site.base + "/limited-forever"]["reason"]
    assert "503" in results[site.base + "/unavailable"]["reason"]
    assert site.hits["/limited-then-ok"] == 2  # Retry-After honoured once, then 200
    assert site.hits["/head-refused"] == 2  # HEAD 405, then GET


def test_github_format_lines_and_strict(site: Site, tmp_path: Path) -> None:
    urls = [site.base + "/ok", site.base + "/gone-404", site.base + "/moved", site.base + "/bot-wall"]
    lines = write_course(tmp_path / "sessions.toml", urls)
    code, out, _ = invoke(tmp_path, "check", "--format", "github", *FAST)
    assert code == 4
    commands = [line for line in out.splitlines() if line.startswith("::")]
    assert commands[0].startswith(f"::error file=sessions.toml,line={lines[site.base + '/gone-404']},title=broken link::")
    assert f"::warning file=sessions.toml,line={lines[site.base + '/moved']},title=permanent redirect::" in out
    assert f"Fix: write {site.base}/ok" in out
    assert f"::warning file=sessions.toml,line={lines[site.base + '/bot-wall']},title=unverifiable link::" in out
    assert len(commands) == 3

    write_course(tmp_path / "sessions.toml", [site.base + "/ok", site.base + "/bot-wall"])
    assert invoke(tmp_path, "check", *FAST)[0] == 0  # unverifiable is not a failure...
    assert invoke(tmp_path, "check", "--strict", *FAST)[0] == 5  # ...unless --strict


def test_cache_reuses_results_and_keeps_failures_shorter(site: Site, tmp_path: Path) -> None:
    urls = [site.base + "/ok", site.base + "/gone-404"]
    write_course(tmp_path / "sessions.toml", urls)
    cache = tmp_path / "cache.json"
    args = ["check", "--format", "json", "--cache", str(cache), "--timeout", "0.5"]
    first = json.loads(invoke(tmp_path, *args)[1])["results"]
    assert [r["cached"] for r in first] == [False, False]
    second = json.loads(invoke(tmp_path, *args)[1])["results"]
    assert [(r["verdict"], r["cached"]) for r in second] == [(OK, True), (BROKEN, True)]
    assert site.hits["/ok"] == 1
    stored = json.loads(cache.read_text())["results"]
    # The 404 is one hour from expiring; the success a day.
    stale = linkcheck.ResultCache(cache, max_age=86400, clock=lambda: stored[urls[1]]["checked"] + 3601)
    assert stale.get(urls[0]) is not None and stale.get(urls[1]) is None
    assert invoke(tmp_path, *args, "--max-age", "0")[1].count('"cached": true') == 0


def test_redirect_loop_is_unverifiable_not_broken(site: Site) -> None:
    options = CheckOptions(timeout=0.5, retries=0, max_redirects=3)
    checker = Checker(linkcheck.make_check_http(Endpoints(), options), Endpoints(), options)
    finding = checker.check([site.base + "/loop"])[site.base + "/loop"]
    assert finding.verdict == UNVERIFIABLE and "more than 3 redirects" in finding.reason


def test_no_job_starts_after_the_time_limit(site: Site) -> None:
    ticks = iter([0.0] + [1000.0] * 10)
    options = CheckOptions(timeout=0.5, retries=0, max_time=10)
    checker = Checker(linkcheck.make_check_http(Endpoints(), options), Endpoints(), options, clock=lambda: next(ticks))
    finding = checker.check([site.base + "/ok"])[site.base + "/ok"]
    assert finding.verdict == UNVERIFIABLE and "time limit" in finding.reason
    assert "/ok" not in site.hits


class _Failing:
    """An HTTP client whose every request fails to connect."""

    def request(self, method: str, url: str, **kw: Any) -> Any:
        raise NetworkError(url, "connection failed: something (gave up after 2 attempts)")


@pytest.mark.parametrize(("why", "verdict"), [("dns", BROKEN), ("refused", BROKEN), (None, UNVERIFIABLE)])
def test_connection_failures_are_diagnosed(why: str | None, verdict: str) -> None:
    checker = Checker(_Failing(), Endpoints(), probe=lambda url, timeout: why)
    assert checker.check_web("https://no-such-host.invalid/x").verdict == verdict


@pytest.mark.parametrize(("errno", "why"), [(socket.EAI_NONAME, "dns"), (socket.EAI_AGAIN, None)])
def test_probe_tells_a_missing_host_from_a_dns_outage(monkeypatch: pytest.MonkeyPatch, errno: int,
                                                      why: str | None) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(errno, "lookup failed")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    assert linkcheck.probe_connection("https://no-such-host.invalid/", 0.5) == why


def test_probe_connection_refused_and_open(site: Site) -> None:
    assert linkcheck.probe_connection(f"http://127.0.0.1:{unbound_port()}/", 0.5) == "refused"
    assert linkcheck.probe_connection(site.base + "/", 0.5) is None
