"""The HTTP layer against a real server on 127.0.0.1 (no mocks below requests), with fake clock/sleep."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bibexport import PROJECT_URL, __version__
from bibexport.errors import NetworkError
from bibexport.http import Http, make_http, parse_retry_after
from bibexport.model import Endpoints

# A scripted reply: (status, headers, body, delay before answering in seconds)
Reply = tuple[int, dict[str, str], bytes, float]


class Server:
    """A tiny scripted HTTP server: each path has a list of replies; the last one repeats."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.log: list[tuple[str, str, dict[str, str]]] = []  # (method, path, headers)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                path = self.path
                server.log.append((self.command, path, dict(self.headers)))
                replies = server.routes.get(path.split("?")[0], [(404, {}, b"no route", 0.0)])
                status, headers, body, delay = replies.pop(0) if len(replies) > 1 else replies[0]
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_HEAD = do_POST = _reply

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.base + path

    def hits(self, path: str) -> int:
        return sum(1 for _, p, _ in self.log if p.split("?")[0] == path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


class FakeTime:
    """A clock that only moves when someone sleeps: lets tests check waits without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def ok(body: bytes = b"ok", headers: dict[str, str] | None = None) -> Reply:
    return (200, headers or {}, body, 0.0)


def test_get_returns_bytes_status_headers_and_sends_user_agent(server: Server) -> None:
    body = "Lélio Renard Lavaud".encode()
    url = server.route("/a", ok(body, {"Content-Type": "text/plain"}))  # no charset: must stay bytes
    r = Http(sleep=FakeTime().sleep).get(url, params={"id": "x y"})
    assert (r.status, r.content) == (200, body)
    assert r.headers["content-type"] == "text/plain"  # case-insensitive headers
    method, path, headers = server.log[0]
    assert (method, path) == ("GET", "/a?id=x+y")
    assert headers["User-Agent"] == f"bibexport/{__version__} (+{PROJECT_URL})"


def test_404_is_returned_not_retried(server: Server) -> None:
    url = server.route("/missing", (404, {}, b'{"name":"NotFoundError"}', 0.0))
    t = FakeTime()
    r = Http(sleep=t.sleep).get(url)
    assert r.status == 404 and r.json()["name"] == "NotFoundError"
    assert server.hits("/missing") == 1 and t.sleeps == []


def test_429_with_retry_after_is_waited_out_then_retried(server: Server) -> None:
    url = server.route("/rl", (429, {"Retry-After": "2"}, b"slow down", 0.0), ok(b"fine"))
    t = FakeTime()
    r = Http(sleep=t.sleep, backoff=0.5).get(url)
    assert r.content == b"fine"
    assert t.sleeps == [2.0]  # Retry-After wins over the backoff
    assert server.hits("/rl") == 2


def test_retry_after_real_wait_of_one_second(server: Server) -> None:
    """With the real sleep, the client actually waits ~Retry-After before retrying."""
    url = server.route("/rl1", (429, {"Retry-After": "1"}, b"", 0.0), ok(b"fine"))
    start = time.monotonic()
    assert Http().get(url).content == b"fine"
    assert 0.9 <= time.monotonic() - start < 5


def test_503_forever_ends_in_bounded_attempts_with_network_error(server: Server) -> None:
    url = server.route("/down", (503, {}, b"down", 0.0))
    t = FakeTime()
    with pytest.raises(NetworkError) as info:
        Http(sleep=t.sleep, retries=3, backoff=1.0).get(url)
    assert info.value.status == 503 and info.value.kind == "unavailable"
    assert "503" in info.value.reason and "4 attempts" in info.value.reason
    assert server.hits("/down") == 4
    assert t.sleeps == [1.0, 2.0, 4.0]  # exponential backoff


def test_retry_after_beyond_cap_gives_up_at_once(server: Server) -> None:
    url = server.route("/later", (429, {"Retry-After": "3600"}, b"", 0.0))
    t = FakeTime()
    with pytest.raises(NetworkError) as info:
        Http(sleep=t.sleep, max_retry_after=60).get(url)
    assert info.value.kind == "unavailable" and info.value.status == 429
    assert "3600" in info.value.reason
    assert server.hits("/later") == 1 and t.sleeps == []


def test_retry_after_http_date(server: Server) -> None:
    far = email.utils.formatdate(time.time() + 7200, usegmt=True)
    url = server.route("/date", (503, {"Retry-After": far}, b"", 0.0))
    with pytest.raises(NetworkError, match="retry after"):
        Http(sleep=FakeTime().sleep, max_retry_after=60).get(url)
    soon = email.utils.formatdate(time.time() + 5, usegmt=True)
    url = server.route("/date2", (503, {"Retry-After": soon}, b"", 0.0), ok())
    t = FakeTime()
    assert Http(sleep=t.sleep).get(url).status == 200
    assert len(t.sleeps) == 1 and 3.0 <= t.sleeps[0] <= 5.0


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = 1_700_000_000.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0


def test_read_timeout_is_retried_then_fails(server: Server) -> None:
    url = server.route("/slow", (200, {}, b"late", 1.0))
    t = FakeTime()
    start = time.monotonic()
    with pytest.raises(NetworkError) as info:
        Http(timeout=0.2, retries=1, sleep=t.sleep).get(url)
    assert time.monotonic() - start < 1.9  # two attempts × 0.2 s, not two full seconds
    assert info.value.kind == "unavailable" and "connection failed" in info.value.reason
    assert len(t.sleeps) == 1


def test_connection_refused_is_network_error() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NetworkError) as info:
        Http(retries=1, sleep=FakeTime().sleep).get(f"http://127.0.0.1:{port}/x")
    assert info.value.kind == "unavailable"


def test_oversized_body_is_cut(server: Server) -> None:
    url = server.route("/big", ok(b"x" * 5000))
    with pytest.raises(NetworkError, match="response larger than 1000 bytes"):
        Http(max_bytes=1000, sleep=FakeTime().sleep).get(url)
    assert server.hits("/big") == 1  # a size problem is not retried


def test_oversized_body_without_content_length(server: Server) -> None:
    """The body is counted while streaming, not only from the Content-Length header."""

    class Raw:  # exercise the streaming path directly with a response that declares no length
        def __init__(self) -> None:
            self.headers = {"Content-Length": ""}
            self.status_code = 200

        def iter_content(self, size: int) -> Iterator[bytes]:
            for _ in range(10):
                yield b"y" * 300

    with pytest.raises(NetworkError, match="larger than 1000"):
        Http(max_bytes=1000)._read_capped(Raw(), "http://127.0.0.1/x")  # type: ignore[arg-type]


def test_redirect_loop_is_network_error(server: Server) -> None:
    url = server.route("/loop", (302, {"Location": "/loop"}, b"", 0.0))
    with pytest.raises(NetworkError, match="redirect"):
        Http(sleep=FakeTime().sleep).get(url)
    assert server.hits("/loop") <= 12


def test_request_head_without_redirects_and_post_json(server: Server) -> None:
    url = server.route("/moved", (301, {"Location": "/elsewhere"}, b"", 0.0))
    r = Http().request("HEAD", url, allow_redirects=False)
    assert r.status == 301 and r.headers["Location"] == "/elsewhere"
    assert server.hits("/elsewhere") == 0
    url = server.route("/login", ok(b'{"token": "t"}'))
    assert Http().request("POST", url, json={"id": "u"}).json() == {"token": "t"}
    assert server.log[-1][0] == "POST"


def test_per_host_interval_is_enforced_with_fake_clock(server: Server) -> None:
    url = server.route("/p", ok())
    host = server.base.removeprefix("http://")
    t = FakeTime()
    http = Http(min_interval={host: 3.0}, sleep=t.sleep, clock=t.clock)
    http.get(url)
    assert t.sleeps == []  # first request: no wait
    t.now += 1.0  # 1 s of "work" later
    http.get(url)
    assert t.sleeps == [pytest.approx(2.0)]  # waits the remaining 2 s
    t.now += 10.0
    http.get(url)
    assert len(t.sleeps) == 1  # long enough since the last start


def test_unthrottled_host_never_waits(server: Server) -> None:
    url = server.route("/q", ok())
    t = FakeTime()
    http = Http(min_interval={"export.arxiv.org": 3.0}, sleep=t.sleep, clock=t.clock)
    for _ in range(3):
        http.get(url)
    assert t.sleeps == []


def test_throttled_host_serialises_threads(server: Server) -> None:
    """Two threads on a throttled host never overlap: each request starts after the previous ended."""
    url = server.route("/s", (200, {}, b"ok", 0.2))
    host = server.base.removeprefix("http://")
    http = Http(min_interval={host: 0.0})
    spans: list[tuple[float, float]] = []

    def worker() -> None:
        start = time.monotonic()
        http.get(url)
        spans.append((start, time.monotonic()))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    start = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert time.monotonic() - start >= 0.55  # 3 × 0.2 s one after another, not in parallel


def test_cache_serves_second_get_from_disk(server: Server, tmp_path: Any) -> None:
    url = server.route("/c", ok(b"cached body", {"Content-Type": "application/atom+xml"}))
    http = Http(cache_dir=tmp_path, sleep=FakeTime().sleep)
    assert http.get(url).content == b"cached body"
    assert http.get(url).content == b"cached body"
    http.close()
    assert server.hits("/c") == 1
    assert any(tmp_path.iterdir())


def test_make_http_sets_intervals_from_endpoints(tmp_path: Any) -> None:
    ep = Endpoints(arxiv_api="http://127.0.0.1:9/api/query", arxiv_delay=0.5, timeout=7.0)
    http = make_http(ep, cache=False)
    assert http.min_interval["127.0.0.1:9"] == 0.5
    assert http.min_interval["api2.openreview.net"] == 0.5  # capped by the arXiv delay knob
    assert http.timeout == 7.0 and http.cache_dir is None
    default = make_http(Endpoints(), cache=True, cache_dir=tmp_path)
    assert default.min_interval["export.arxiv.org"] == 3.0
    assert default.min_interval["api.openreview.net"] == 1.0
    assert default.cache_dir == tmp_path


def test_responses_still_intercepts_without_cache() -> None:
    import responses

    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, "https://export.arxiv.org/api/query", body=b"<feed/>", status=200)
        r = Http(sleep=FakeTime().sleep).get("https://export.arxiv.org/api/query", params={"id_list": "1"})
        assert r.content == b"<feed/>"


def test_real_internet_is_blocked() -> None:
    with pytest.raises(RuntimeError) as info:  # conftest.RealNetworkBlocked, not retried as an OSError
        Http(retries=0).get("https://export.arxiv.org/api/query")
    assert type(info.value).__name__ == "RealNetworkBlocked"


def test_503_forever_with_real_sleep_is_bounded_in_time(server: Server) -> None:
    url = server.route("/down2", (503, {}, b"down", 0.0))
    start = time.monotonic()
    with pytest.raises(NetworkError):
        Http(retries=3, backoff=0.01).get(url)
    assert time.monotonic() - start < 2.0 and server.hits("/down2") == 4


def test_cache_hit_does_not_use_up_the_politeness_interval(server: Server, tmp_path: Any) -> None:
    url = server.route("/cp", ok(b"feed"))
    host = server.base.removeprefix("http://")
    t = FakeTime()
    http = Http(cache_dir=tmp_path, min_interval={host: 3.0}, sleep=t.sleep, clock=t.clock)
    assert http.get(url).content == b"feed"  # network
    assert http.get(url).content == b"feed"  # from disk: no politeness wait
    assert http.get(url).content == b"feed"
    assert t.sleeps == []
    http.close()
    assert server.hits("/cp") == 1
