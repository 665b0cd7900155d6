"""A real HTTP server on 127.0.0.1 that replays the recorded API responses in tests/fixtures/.

It plays arXiv (``/arxiv/api/query``: ``id_list`` batches assembled from the per-id Atom fixtures, ``ti:"..."``
searches answered from the same entries), OpenReview v2/v1 (``/openreview2``, ``/openreview1``: ``/notes?id=``
and ``/notes/search``), GitHub (``/github``), DOI content negotiation (``/doi``) and web pages (``/web/<host>/…``,
for ``BIBEXPORT_WEB_MIRROR``).  Anything it has no recording for gets the service's real "not found" shape.
Every request is counted, so tests can assert how many calls a build made.

Used by the end-to-end tests and by ``scripts/regen_lock.py`` (which regenerates the seed's lockfile).
"""

from __future__ import annotations

import json
import random
import re
import threading
import unicodedata
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"
_ENTRY = re.compile(rb"<entry>.*?</entry>", re.DOTALL)
_FEED_HEAD = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n"
    b'<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" '
    b'xmlns="http://www.w3.org/2005/Atom">\n'
)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


class Recordings:
    """The fixture files, indexed for lookup."""

    def __init__(self, root: Path = FIXTURES) -> None:
        self.root = root
        self.arxiv: dict[str, bytes] = {}
        self.titles: dict[str, str] = {}
        for path in sorted((root / "arxiv").glob("*.xml")):
            entries = _ENTRY.findall(path.read_bytes())
            if len(entries) != 1 or b"/api/errors#" in entries[0]:
                continue  # batch examples and error feeds are not per-paper recordings
            self.arxiv[path.stem] = entries[0]
            title = re.search(rb"<title>(.*?)</title>", entries[0], re.DOTALL)
            if title and "v" not in path.stem.split(".")[-1]:
                self.titles[_norm(title.group(1).decode())] = path.stem

    def entry(self, ident: str) -> bytes | None:
        """The recorded entry for an id; ``<id>vN`` is served from the unversioned recording when that is vN."""
        if ident in self.arxiv:
            return self.arxiv[ident]
        base, _, version = ident.rpartition("v")
        found = self.arxiv.get(base) if base and version.isdigit() else None
        if found is not None and re.search(rb"<id>[^<]*" + re.escape(ident.encode()) + rb"</id>", found):
            return found
        return None

    def feed(self, entries: list[bytes], query: str) -> bytes:
        body = _FEED_HEAD + f"  <title>arXiv Query: {query}</title>\n".encode()
        body += f"  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>\n".encode()
        return body + b"\n".join(entries) + b"\n</feed>\n"


class _Handler(BaseHTTPRequestHandler):
    server: ReplayServer  # type: ignore[assignment]

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        service, _, rest = parts.path.lstrip("/").partition("/")
        self.server.count(service, parts.path, query)
        if service in self.server.faults:
            status = self.server.faults[service]
            return self._json(status, {"name": "ServiceUnavailable", "message": "fault injected", "status": status})
        handler = getattr(self, f"_{service}", None)
        if handler is None:
            return self._send(404, b"no such service", "text/plain")
        handler("/" + rest, query)

    do_HEAD = do_GET

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data).encode(), "application/json; charset=utf-8")

    def _arxiv(self, path: str, query: dict[str, str]) -> None:
        rec = self.server.recordings
        if query.get("id_list"):
            ids = query["id_list"].split(",")
            entries = self.server.reorder([e for e in (rec.entry(i) for i in ids) if e is not None])
            return self._send(200, rec.feed(entries, f"id_list={query['id_list']}"), "application/atom+xml")
        search = query.get("search_query", "")
        entries = []
        # One title phrase, or several joined by OR (bibexport's batched title search), as arXiv reads them.
        for phrase in re.split(r"\s+OR\s+", search):
            match = re.match(r'^\(?ti:"(.*)"\)?$', phrase.strip())
            stem = rec.titles.get(_norm(match.group(1))) if match else None
            if stem and rec.arxiv[stem] not in entries:
                entries.append(rec.arxiv[stem])
        entries = self.server.reorder(entries)
        return self._send(200, rec.feed(entries, f"search_query={search}"), "application/atom+xml")

    def _notes(self, version: str, path: str, query: dict[str, str]) -> None:
        folder = self.server.recordings.root / "openreview"
        if path.rstrip("/") == "/notes/search":
            # A search answers with recorded notes of this API version whose title has the search terms.
            for candidate in sorted(folder.glob(f"*.{version}.json")):
                data = json.loads(candidate.read_text())
                notes = [n for n in data.get("notes", []) if _norm(_title(n)) == _norm(query.get("term", ""))]
                if notes:
                    return self._json(200, {"notes": self.server.reorder(notes), "count": len(notes)})
            return self._json(200, {"notes": [], "count": 0})
        note_id = query.get("id", "")
        found = folder / f"{note_id}.{version}.json"
        if note_id and found.exists():
            return self._send(200, found.read_bytes(), "application/json; charset=utf-8")
        return self._json(404, {"name": "NotFoundError", "message": f"The Note {note_id} was not found",
                                "status": 404, "details": {"path": "id", "value": note_id}})

    def _openreview2(self, path: str, query: dict[str, str]) -> None:
        self._notes("v2", path, query)

    def _openreview1(self, path: str, query: dict[str, str]) -> None:
        self._notes("v1", path, query)

    def _github(self, path: str, query: dict[str, str]) -> None:
        name = "api.github.com_" + path.strip("/").replace("/", "_") + ".json"
        found = self.server.recordings.root / "web" / "github" / name
        if found.exists():
            return self._send(200, found.read_bytes(), "application/json; charset=utf-8")
        body = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository",
                "status": "404"}
        return self._json(404, body)

    def _doi(self, path: str, query: dict[str, str]) -> None:
        name = "doi.org_" + unquote(path.strip("/")).replace("/", "_") + ".csl.json"
        found = self.server.recordings.root / "web" / "doi" / name
        if found.exists():
            return self._send(200, found.read_bytes(), "application/vnd.citationstyles.csl+json")
        return self._send(404, b"Resource not found.", "text/plain")

    def _web(self, path: str, query: dict[str, str]) -> None:
        name = path.strip("/").rstrip("/").replace("/", "_") + ".html"
        found = self.server.recordings.root / "web" / name
        if found.exists():
            return self._send(200, found.read_bytes(), "text/html; charset=utf-8")
        return self._send(404, b"<html><head><title>404 Not Found</title></head></html>", "text/html")


def _title(note: dict[str, Any]) -> str:
    title = note.get("content", {}).get("title", "")
    return str(title.get("value", "") if isinstance(title, dict) else title)


class ReplayServer(ThreadingHTTPServer):
    """``with ReplayServer() as srv: env = srv.env()`` — endpoints for the environment of a bibexport run."""

    daemon_threads = True

    def __init__(self, root: Path = FIXTURES, faults: dict[str, int] | None = None, shuffle: int | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.faults = dict(faults or {})  # service -> HTTP status it always answers (fault injection)
        # A seed: serve the entries of an arXiv batch and of a search in a shuffled order (determinism tests).
        self._shuffle = random.Random(shuffle) if shuffle is not None else None
        self.recordings = Recordings(root)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def reorder(self, items: list[Any]) -> list[Any]:
        """``items`` as recorded, or shuffled when the server was made with ``shuffle=SEED``."""
        if self._shuffle is None:
            return items
        with self._lock:
            return self._shuffle.sample(items, len(items))

    def count(self, service: str, path: str, query: dict[str, str]) -> None:
        with self._lock:
            self.requests.append((service, path, query))

    def counts(self) -> Counter[str]:
        """Requests per service."""
        return Counter(service for service, _, _ in self.requests)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def env(self) -> dict[str, str]:
        """The BIBEXPORT_* variables that point a run at this server (no politeness delay)."""
        return {
            "BIBEXPORT_ARXIV_API": f"{self.base}/arxiv/api/query",
            "BIBEXPORT_ARXIV_DELAY": "0",
            "BIBEXPORT_OPENREVIEW_API": f"{self.base}/openreview2",
            "BIBEXPORT_OPENREVIEW_API_V1": f"{self.base}/openreview1",
            "BIBEXPORT_GITHUB_API": f"{self.base}/github",
            "BIBEXPORT_DOI_RESOLVER": f"{self.base}/doi",
            "BIBEXPORT_WEB_MIRROR": f"{self.base}/web",
        }

    def __enter__(self) -> ReplayServer:  # noqa: PYI034  (Python 3.10 has no typing.Self)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
