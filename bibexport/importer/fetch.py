"""``bibexport import https://…``: the one URL given, fetched through the project's polite HTTP layer.

Only ``http`` and ``https`` are fetched.  A GitHub ``blob`` (or ``raw``) page is read as the raw file it shows
(``github.com/<owner>/<repo>/blob/<ref>/<path>`` → ``raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>``),
since the blob page is GitHub's HTML around the file, not the reading list.  The body is capped at
:data:`bibexport.config.MAX_INPUT_BYTES`.  The name returned is the last segment of the URL's path (for format
detection by extension), completed from the ``Content-Type`` when the path has no extension.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from bibexport.config import MAX_INPUT_BYTES
from bibexport.errors import BibexportError, ExitCode, NetworkError
from bibexport.resolvers.base import HttpClient

__all__ = ["FetchError", "decode_source", "fetch_source", "is_url", "raw_url"]

_GITHUB_FILE = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+)/(?:blob|raw)/(?P<rest>.+)$")
_EXTENSIONS = {  # Content-Type → the extension format detection expects
    "text/html": ".html", "application/xhtml+xml": ".html", "text/markdown": ".md", "text/x-markdown": ".md",
    "text/plain": ".txt", "application/json": ".json", "text/json": ".json", "application/yaml": ".yml",
    "application/x-yaml": ".yml", "text/yaml": ".yml", "text/x-yaml": ".yml", "application/x-bibtex": ".bib",
    "text/x-bibtex": ".bib",
}


class FetchError(BibexportError):
    """The reading list at a URL could not be fetched (not found, unreachable, too large, not http)."""

    exit_code = ExitCode.INPUT

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"


def is_url(source: str) -> bool:
    """True when an ``import`` SOURCE names a URL rather than a file (any ``scheme://``)."""
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", source) is not None


def raw_url(url: str) -> str:
    """The URL of the file itself: GitHub ``blob``/``raw`` pages become ``raw.githubusercontent.com`` URLs."""
    parts = urlsplit(url)
    if parts.netloc.lower() in ("github.com", "www.github.com"):
        m = _GITHUB_FILE.match(parts.path)
        if m:
            return f"https://raw.githubusercontent.com/{m['owner']}/{m['repo']}/{m['rest']}"
    return url


def _name(url: str, content_type: str) -> str:
    path = unquote(urlsplit(url).path)
    name = path.rstrip("/").rsplit("/", 1)[-1] or urlsplit(url).netloc or "reading-list"
    mime = content_type.split(";")[0].strip().lower()
    if "." not in name.strip(".") and mime in _EXTENSIONS:
        name += _EXTENSIONS[mime]
    return name


def fetch_source(url: str, http: HttpClient) -> tuple[bytes, str]:
    """Fetch the reading list at ``url``: its bytes and a file name for format detection.

    Raises :class:`FetchError` (exit code 3, naming the URL) for a scheme other than http(s), an HTTP error
    status, a connection failure or timeout, or a body over ``MAX_INPUT_BYTES``.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(url, f"only http and https URLs can be imported, not {scheme or 'this'}:")
    target = raw_url(url)
    try:
        response = http.get(target)
    except NetworkError as exc:
        raise FetchError(url, f"could not be fetched: {exc.reason}") from None
    if response.status == 404:
        raise FetchError(url, "not found (HTTP 404); check the address"
                         + (f" (read as {target})" if target != url else ""))
    if response.status != 200:
        raise FetchError(url, f"could not be fetched: HTTP {response.status}")
    if len(response.content) > MAX_INPUT_BYTES:
        raise FetchError(url, f"is {len(response.content) / 1e6:.1f} MB; bibexport imports reading lists up to "
                              f"{MAX_INPUT_BYTES // 1_000_000} MB")
    return response.content, _name(response.url or target, response.headers.get("Content-Type", ""))


_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
                       re.IGNORECASE)


def decode_source(data: bytes, url: str) -> str:
    """The fetched bytes as text: UTF-8 (with or without BOM), else the encoding the page declares
    (``<meta charset="iso-8859-1">``); anything else is refused naming the URL."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FetchError(url, "the page is UTF-16, not UTF-8; save it as UTF-8 and import the file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        declared = _DECLARED.search(data[:4096])
        if declared is not None:
            import codecs

            name = (declared.group(1) or declared.group(2)).decode("ascii")
            try:
                codecs.lookup(name)
                return data.decode(name)
            except (LookupError, UnicodeDecodeError):
                pass
        line = data[: exc.start].count(b"\n") + 1
        raise FetchError(url, f"line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); is it a binary "
                              "file?") from None
