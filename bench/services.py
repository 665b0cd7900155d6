"""Loopback mocks for the benchmarks: the arXiv API (real Atom format) and plain web hosts.

Every server is a real HTTP server on 127.0.0.1 with a configurable latency per request (a sleep before the
answer, so concurrent requests overlap as they would against a real remote host) and request counting, so the
benchmark can state how many calls a run made and how many were in flight at once.

* :class:`ArxivMock` answers ``/api/query?id_list=…&max_results=…`` for *synthetic* ids: any valid new-style id
  gets an entry (title ``Synthetic paper <id>``, two authors), shaped like the current backend's feed
  (see the fixtures' API_FORMATS.md §1).  ``search_query`` finds the synthetic paper of each ``ti:"…"`` phrase
  that names one (a title search, one phrase or several joined by OR), else an empty feed.  It also plays OpenReview's
  title search (``/openreview2/notes/search``, ``/openreview1/notes/search``) with the real empty answer
  ``{"notes": [], "count": 0}``, so the preprint → published look-ups of a build are counted too.
* :class:`WebHost` answers every GET/HEAD with a small HTML page (200); ``/missing…`` paths get 404.
"""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

_FEED_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" '
    'xmlns="http://www.w3.org/2005/Atom">\n'
    "  <id>https://arxiv.org/api/benchmark</id>\n"
    "  <title>arXiv Query: {query}</title>\n"
    "  <updated>2026-05-12T09:30:00Z</updated>\n"
    "  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
    "  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
    "  <opensearch:startIndex>0</opensearch:startIndex>\n"
)
_ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{id}v1</id>
    <title>{title}</title>
    <updated>2024-01-15T00:00:00Z</updated>
    <link href="https://arxiv.org/abs/{id}v1" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{id}v1" rel="related" type="application/pdf" title="pdf"/>
    <summary>A synthetic paper served by the benchmark's mock of the arXiv API.</summary>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <published>2024-01-15T00:00:00Z</published>
    <arxiv:primary_category term="cs.CL"/>
    <author>
      <name>Ada Lovelace</name>
    </author>
    <author>
      <name>Alan Turing</name>
    </author>
  </entry>
"""


_TITLE_PHRASE = re.compile(r'ti:"Synthetic paper (\d{4}) (\d{4,5})"')


def synthetic_title(arxiv_id: str) -> str:
    """The title the mock gives a synthetic id (the benchmark's sessions.toml uses the same)."""
    return f"Synthetic paper {arxiv_id}"


class _Counting(ThreadingHTTPServer):
    """A threaded loopback server that sleeps ``latency`` seconds per request and counts requests."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, handler: type[BaseHTTPRequestHandler], latency: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.latency = latency
        self.requests: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def enter(self, path: str) -> None:
        """Count a request (called by the handler before it sleeps)."""
        with self._lock:
            self.requests.append(path)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        """A request was answered."""
        with self._lock:
            self.in_flight -= 1

    def counts(self) -> dict[str, int]:
        """Requests per service (the first path segment: ``api`` for arXiv, ``openreview2``…)."""
        out: dict[str, int] = {}
        for path in list(self.requests):
            service = urlsplit(path).path.strip("/").split("/")[0]
            out[service] = out.get(service, 0) + 1
        return out

    def reset(self) -> None:
        """Forget the counts (between benchmark runs)."""
        with self._lock:
            self.requests = []
            self.max_in_flight = 0

    def __enter__(self) -> Any:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: _Counting  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"  # keep-alive, as the real services allow

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.enter(self.path)
        try:
            if self.server.latency:
                time.sleep(self.server.latency)
            status, ctype, body = self.answer()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        finally:
            self.server.leave()

    do_HEAD = do_GET

    def answer(self) -> tuple[int, str, bytes]:  # pragma: no cover - overridden
        raise NotImplementedError


class _ArxivHandler(_Handler):
    def answer(self) -> tuple[int, str, bytes]:
        parts = urlsplit(self.path)
        if parts.path in ("/openreview2/notes/search", "/openreview1/notes/search"):
            return 200, "application/json; charset=utf-8", b'{"notes": [], "count": 0}'
        if parts.path != "/api/query":
            return 404, "text/plain", b"not found"
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        ids = [i for i in query.get("id_list", "").split(",") if i]
        # Title search: each ti:"Synthetic paper 2401 10000" phrase (OR-joined in batches) finds its synthetic id.
        ids += [f"{m.group(1)}.{m.group(2)}" for m in _TITLE_PHRASE.finditer(query.get("search_query", ""))]
        head = _FEED_HEAD.format(query=escape(parts.query), per_page=query.get("max_results", "10"), total=len(ids))
        body = head + "".join(_ENTRY.format(id=i, title=escape(synthetic_title(i))) for i in ids) + "</feed>\n"
        return 200, "application/atom+xml; charset=utf-8", body.encode()


class ArxivMock(_Counting):
    """The arXiv API at ``<base>/api/query``."""

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__(_ArxivHandler, latency)

    @property
    def api(self) -> str:
        """The URL for ``BIBEXPORT_ARXIV_API``."""
        return f"{self.base}/api/query"

    def env(self) -> dict[str, str]:
        """``BIBEXPORT_*`` variables pointing every service at this mock (a stray call is counted, not sent)."""
        return {"BIBEXPORT_ARXIV_API": self.api, "BIBEXPORT_OPENREVIEW_API": f"{self.base}/openreview2",
                "BIBEXPORT_OPENREVIEW_API_V1": f"{self.base}/openreview1", "BIBEXPORT_GITHUB_API": f"{self.base}/github",
                "BIBEXPORT_DOI_RESOLVER": f"{self.base}/doi", "BIBEXPORT_WEB_MIRROR": f"{self.base}/web"}


class _WebHandler(_Handler):
    def answer(self) -> tuple[int, str, bytes]:
        if urlsplit(self.path).path.startswith("/missing"):
            return 404, "text/html", b"<html><head><title>404 Not Found</title></head></html>"
        body = f"<html><head><title>Page {escape(self.path)}</title></head><body>ok</body></html>"
        return 200, "text/html; charset=utf-8", body.encode()


class WebHost(_Counting):
    """A plain web host serving a small page at every path."""

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__(_WebHandler, latency)
