"""The HTTP layer: the only module that imports ``requests``.

Every request bibexport makes goes through :class:`Http`, which adds what a polite, robust client needs:

* a User-Agent naming the tool and where to find it;
* (connect, read) timeouts, and a total time limit for each attempt (``max_request_time``): a server sending
  one byte every few seconds never trips a per-read timeout, so each attempt runs in a worker thread that the
  caller stops waiting for at the limit; optionally a time limit for the whole run (``run_time``: no request
  runs, and no retry waits, past it);
* bounded retries with exponential backoff on connection errors, timeouts, 429 and 5xx, honouring
  ``Retry-After`` (seconds or an HTTP-date) up to a cap;
* a per-host minimum interval between request starts, with one request at a time to such hosts
  (arXiv's terms of use: "no more than one request every three seconds … a single connection at a time");
* a cap on the response size (the body is streamed and reading stops past the cap);
* redirects checked hop by hop: none to a non-http(s) scheme, and none from a public host to a loopback,
  private, link-local or unspecified address (a course page's link must not reach the machine's own services
  or a cloud metadata endpoint); a request whose first URL is private (a mirror, a test server) is not limited;
* optionally, an on-disk cache (requests-cache, sqlite in the user cache dir).

``requests`` is imported lazily so that ``bibexport --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import email.utils
import ipaddress
import math
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from bibexport import PROJECT_URL, __version__
from bibexport.errors import NetworkError
from bibexport.model import Endpoints
from bibexport.resolvers.base import Response

if TYPE_CHECKING:  # pragma: no cover
    import requests
    from typing_extensions import Self  # typing.Self needs Python 3.11; annotations are not evaluated

#: How long cached responses stay fresh: metadata of a paper rarely changes within a day.
CACHE_EXPIRE_SECONDS = 24 * 3600
#: Default politeness interval for OpenReview hosts (no published limit; guest limits are low).
OPENREVIEW_INTERVAL = 1.0
_CHUNK = 64 * 1024
#: Retry-After values above this (a billion seconds, ~32 years) are read as this: "never", but a finite number.
MAX_RETRY_AFTER_SEEN = 1e9


def default_user_agent() -> str:
    """``bibexport/<version> (+<project URL>)``: lets API operators see who is calling and how to reach us."""
    return f"bibexport/{__version__} (+{PROJECT_URL})"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header (delta-seconds or HTTP-date), or None.

    ``now`` is the current Unix time (for tests).  A date in the past means "retry now" (0).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:  # "nan" means nothing; "1e400" (infinite) or 10**17 mean "never": kept finite, for the message
        return None if math.isnan(seconds) else min(max(0.0, seconds), MAX_RETRY_AFTER_SEEN)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT by definition
        when = when.replace(tzinfo=timezone.utc)
    current = datetime.now(timezone.utc).timestamp() if now is None else now
    try:
        return min(max(0.0, when.timestamp() - current), MAX_RETRY_AFTER_SEEN)
    except (OverflowError, OSError, ValueError):
        return None


# -- redirect safety ----------------------------------------------------------------------------------------

#: Legacy IPv4 spellings that resolvers accept without DNS ("2130706433", "127.1", "0x7f.0.0.1").
_NUMERIC_HOST = re.compile(r"[0-9a-fA-FxX.]+")


class RedirectRefused(Exception):
    """A redirect the client will not follow; ``str()`` says which and why."""


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The addresses ``host`` stands for: itself when it is a literal address (no DNS), else what DNS says
    (nothing when it cannot be resolved: then the request itself fails)."""
    bare = host.strip("[]").split("%", 1)[0]
    try:
        return [ipaddress.ip_address(bare)]
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(bare):
        with contextlib.suppress(OSError):
            return [ipaddress.IPv4Address(socket.inet_aton(bare))]
    try:
        infos = socket.getaddrinfo(bare, None, type=socket.SOCK_STREAM)
    except Exception:  # noqa: BLE001 - no such name, no network, a sandbox refusing look-ups: nothing known,
        return []  # and the request itself cannot reach an address DNS does not give
    out = []
    for info in infos:
        with contextlib.suppress(ValueError):
            out.append(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
    return out


def address_kind(host: str) -> str | None:
    """``"loopback"``, ``"link-local"``, ``"unspecified"`` or ``"private"`` when ``host`` is or resolves to
    such an address (any of its addresses), None when it is public."""
    for address in _addresses(host):
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if address.is_unspecified:
            return "unspecified"
        if address.is_loopback:
            return "loopback"
        if address.is_link_local:
            return "link-local"
        if address.is_private or not address.is_global or address.is_multicast:
            return "private"
    return None


def redirect_refusal(source: str, target: str) -> str | None:
    """Why a redirect from URL ``source`` to URL ``target`` must not be followed, or None when it may be.

    Refused: any scheme but http(s); and, from a public host, any loopback, private (RFC 1918, unique local),
    link-local (169.254/16, fe80::/10) or unspecified address.  A private source (a mirror, an intranet page,
    a test server) may redirect to private addresses: it is inside already.
    """
    parts = urlsplit(target)
    if parts.scheme.lower() not in ("http", "https"):
        return f"redirect to a non-http(s) link refused: {target}"
    if address_kind(urlsplit(source).hostname or "") is not None:
        return None
    kind = address_kind(parts.hostname or "")
    return f"redirect to a private address refused: {target} is {kind}" if kind else None


def _check_redirect(session: requests.Session, response: requests.Response) -> None:
    """Raise RedirectRefused when ``response`` is a redirect that must not be followed."""
    location = session.get_redirect_target(response)
    if location:
        reason = redirect_refusal(response.url, urljoin(response.url, location))
        if reason:
            raise RedirectRefused(reason)


def _guarded_session_class(base: type[Any]) -> Any:
    """``base`` with every redirect hop checked by :func:`redirect_refusal` before it is followed."""

    class Guarded(base):  # type: ignore[misc]  # a class computed at run time
        def resolve_redirects(self, resp: Any, req: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            if kwargs.get("yield_requests"):  # requests only peeks at the next hop (allow_redirects=False)
                yield from super().resolve_redirects(resp, req, *args, **kwargs)
                return
            _check_redirect(self, resp)
            for hop in super().resolve_redirects(resp, req, *args, **kwargs):
                _check_redirect(self, hop)  # before the generator goes on to follow this hop's Location
                yield hop

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{base.__name__}"
    return Guarded


def _host_key(url: str) -> str:
    return urlsplit(url).netloc.lower()


class _Retry(Exception):
    """Internal: one attempt failed in a way worth retrying."""

    def __init__(self, reason: str, *, status: int | None = None, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.wait = wait


class Http:
    """A polite HTTP client implementing :class:`bibexport.resolvers.base.HttpClient`.

    ``min_interval`` maps a host (``netloc``, e.g. ``export.arxiv.org`` or ``127.0.0.1:8000``) to the minimum
    number of seconds between the starts of two requests to it; requests to such a host are also serialised
    (one at a time, across threads).  ``sleep`` and ``clock`` are injectable so tests need not wait.

    ``max_request_time`` bounds one attempt from the first byte sent to the last byte read (default: three
    timeouts: connecting, the headers, the body); ``run_time`` (seconds from now, by ``clock``) is a deadline
    for every request of this client: an attempt still running then is stopped, and a retry whose wait would
    end after it is not made.
    """

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        retries: int = 3,
        backoff: float = 1.0,
        max_bytes: int = 10_000_000,
        min_interval: Mapping[str, float] | None = None,
        cache_dir: Path | None = None,
        user_agent: str | None = None,
        max_retry_after: float = 60.0,
        max_redirects: int = 10,
        max_request_time: float | None = None,
        run_time: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.min_interval = {k.lower(): v for k, v in (min_interval or {}).items()}
        self.cache_dir = cache_dir
        self.user_agent = user_agent or default_user_agent()
        self.max_retry_after = max_retry_after
        self.max_redirects = max_redirects
        self.max_request_time = 3 * timeout if max_request_time is None else max_request_time
        self.run_time = run_time
        self._sleep = sleep
        self._clock = clock
        self.deadline = None if run_time is None else clock() + run_time
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._last_start: dict[str, float] = {}
        self._locks_lock = threading.Lock()

    # -- public API -------------------------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """GET ``url``; raises NetworkError when it fails for good, returns any other status."""
        return self.request("GET", url, params=params, headers=headers)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | str | None = None,
        headers: Mapping[str, str] | None = None,
        allow_redirects: bool = True,
        data: bytes | None = None,
        json: Any = None,
    ) -> Response:
        """Send one request with retries.  ``params`` may be a pre-encoded query string (arXiv phrase queries)."""
        last: _Retry | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                assert last is not None
                wait = last.wait if last.wait is not None else self.backoff * 2 ** (attempt - 1)
                if self.deadline is not None and self._clock() + wait >= self.deadline:
                    asked = f"the server asks to wait {wait:.0f} s" if last.wait is not None else \
                        f"a retry in {wait:g} s would end"
                    raise NetworkError(url, f"{last.reason}; {asked}, past the run's time limit "
                                            f"({self.run_time:g} s)", status=last.status, kind="unavailable")
                self._sleep(wait)
            try:
                return self._attempt(method, url, params, headers, allow_redirects, data, json)
            except _Retry as exc:
                last = exc
                if exc.wait is not None and exc.wait > self.max_retry_after:
                    raise NetworkError(
                        url,
                        f"{exc.reason}; server asks to retry after {exc.wait:.0f} s "
                        f"(more than {self.max_retry_after:.0f} s)",
                        status=exc.status,
                        kind="unavailable",
                    ) from None
        assert last is not None
        raise NetworkError(
            url, f"{last.reason} (gave up after {self.retries + 1} attempts)", status=last.status,
            kind="unavailable",
        )

    def close(self) -> None:
        """Close the underlying session (and its cache connection)."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------------------------

    def _session_for_requests(self) -> requests.Session:
        with self._session_lock:
            if self._session is None:
                self._session = self._make_session()
            return self._session

    def _make_session(self) -> requests.Session:
        import requests

        session: requests.Session
        if self.cache_dir is not None:
            import requests_cache

            self.cache_dir.mkdir(parents=True, exist_ok=True)
            session = _guarded_session_class(requests_cache.CachedSession)(
                str(self.cache_dir / "http-cache"),
                backend="sqlite",
                expire_after=CACHE_EXPIRE_SECONDS,
                allowable_methods=("GET", "HEAD"),
                allowable_codes=(200,),  # never cache errors, rate limits or not-founds
            )
        else:
            session = _guarded_session_class(requests.Session)()
        session.headers["User-Agent"] = self.user_agent
        session.max_redirects = self.max_redirects
        return session

    def _host_lock(self, host: str) -> threading.Lock | None:
        if host not in self.min_interval:
            return None
        with self._locks_lock:
            return self._host_locks.setdefault(host, threading.Lock())

    def _attempt(self, method: str, url: str, params: Any, headers: Any, allow_redirects: bool,
                 data: bytes | None, json: Any) -> Response:
        host = _host_key(url)
        lock = self._host_lock(host)
        if lock is None:
            return self._send(method, url, params, headers, allow_redirects, data, json)[0]
        cached = self._cached(method, url, params, headers, allow_redirects)
        if cached is not None:  # answered from disk: neither the interval nor the host lock applies
            return cached
        with lock:  # one request at a time to a throttled host, across threads
            interval = self.min_interval[host]
            previous = self._last_start.get(host)
            if previous is not None:
                wait = interval - (self._clock() - previous)
                if wait > 0:
                    self._sleep(wait)
            self._last_start[host] = self._clock()
            response, from_cache = self._send(method, url, params, headers, allow_redirects, data, json)
            if from_cache and previous is not None:
                self._last_start[host] = previous  # a cache hit did not touch the server
            return response

    def _cached(self, method: str, url: str, params: Any, headers: Any, allow_redirects: bool) -> Response | None:
        """The cached response for a GET/HEAD, without touching the network; None if not cached."""
        if self.cache_dir is None or method not in ("GET", "HEAD"):
            return None
        import requests

        session = self._session_for_requests()
        try:
            resp = session.request(  # type: ignore[call-arg]  # a CachedSession (cache_dir is set)
                method, url, params=params, headers=dict(headers or {}), allow_redirects=allow_redirects,
                timeout=(self.timeout, self.timeout), stream=True, only_if_cached=True,
            )
        except requests.RequestException:
            return None
        try:
            if not getattr(resp, "from_cache", False) or resp.status_code != 200:
                return None  # requests-cache answers a miss with a synthetic 504
            body = self._read_capped(resp, url)
        finally:
            resp.close()
        headers_out = requests.structures.CaseInsensitiveDict(resp.headers)
        return Response(status=resp.status_code, content=body, headers=headers_out, url=str(resp.url))

    def _send(self, method: str, url: str, params: Any, headers: Any, allow_redirects: bool,
              data: bytes | None, json: Any) -> tuple[Response, bool]:
        """One attempt, bounded in total time: it runs in a worker thread, and past the limit the caller stops
        waiting and tells the worker to stop reading (it does within one read timeout)."""
        limit, by_run = self.max_request_time, False
        if self.deadline is not None:
            left = self.deadline - self._clock()
            if left <= 0:
                raise NetworkError(url, f"not asked: the run reached its time limit ({self.run_time:g} s)",
                                   kind="unavailable")
            if left < limit:
                limit, by_run = left, True
        stop = threading.Event()
        done = threading.Event()
        outcome: list[Any] = []

        def work() -> None:
            try:
                outcome.append(self._send_now(method, url, params, headers, allow_redirects, data, json, stop))
            except BaseException as exc:  # noqa: BLE001 - handed over to the waiting thread, which raises it
                outcome.append(exc)
            finally:
                done.set()

        threading.Thread(target=work, name="bibexport-http", daemon=True).start()
        if not done.wait(limit):
            stop.set()
            if by_run:
                raise NetworkError(url, f"timed out: no complete answer before the run's time limit "
                                        f"({self.run_time:g} s)", kind="unavailable")
            raise _Retry(f"timed out: no complete answer within {limit:g} s")
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result  # type: ignore[no-any-return]

    def _send_now(self, method: str, url: str, params: Any, headers: Any, allow_redirects: bool,
                  data: bytes | None, json: Any, stop: threading.Event) -> tuple[Response, bool]:
        import requests

        session = self._session_for_requests()
        try:
            resp = session.request(
                method, url, params=params, headers=dict(headers or {}), allow_redirects=allow_redirects,
                data=data, json=json, timeout=(self.timeout, self.timeout), stream=True,
            )
        except RedirectRefused as exc:
            raise NetworkError(url, str(exc), kind="unavailable") from None
        except requests.TooManyRedirects as exc:
            raise NetworkError(url, f"too many redirects ({exc})", kind="unavailable") from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            if _is_dns_failure(exc):  # the name did not resolve: asking again in 1, 2, 4 s will not change that
                raise NetworkError(url, f"connection failed: {_short(exc)}", kind="unavailable") from None
            raise _Retry(f"connection failed: {_short(exc)}") from None
        except requests.RequestException as exc:  # invalid URL, schema...: retrying cannot help
            raise NetworkError(url, f"request failed: {_short(exc)}", kind="unavailable") from None
        try:
            status = resp.status_code
            if status == 429 or status >= 500:
                wait = parse_retry_after(resp.headers.get("Retry-After"))
                raise _Retry(f"HTTP {status}", status=status, wait=wait)
            body = self._read_capped(resp, url, stop)
        finally:
            resp.close()
        headers_out = requests.structures.CaseInsensitiveDict(resp.headers)
        response = Response(status=status, content=body, headers=headers_out, url=str(resp.url))
        return response, bool(getattr(resp, "from_cache", False))

    def _read_capped(self, resp: requests.Response, url: str, stop: threading.Event | None = None) -> bytes:
        import requests
        import urllib3

        too_big = f"response larger than {self.max_bytes} bytes"
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise NetworkError(url, too_big, status=resp.status_code, kind="unavailable")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in _chunks(resp):
                if stop is not None and stop.is_set():  # the caller gave up waiting: stop reading
                    raise _Retry("timed out")
                size += len(chunk)
                if size > self.max_bytes:
                    raise NetworkError(url, too_big, status=resp.status_code, kind="unavailable")
                chunks.append(chunk)
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                urllib3.exceptions.HTTPError, OSError) as exc:
            raise _Retry(f"reading the response failed: {_short(exc)}") from None
        return b"".join(chunks)


def _chunks(resp: requests.Response) -> Iterator[bytes]:
    """The body, piece by piece, each piece as soon as it arrives (``read1``: at most one read from the socket),
    so that a stop request is seen within one read timeout; ``iter_content`` would wait for 64 KiB."""
    read1 = getattr(getattr(resp, "raw", None), "read1", None)
    if getattr(resp, "from_cache", False) or read1 is None:  # a cached body is in memory already
        yield from resp.iter_content(_CHUNK)
        return
    while True:
        chunk = read1(_CHUNK, decode_content=True)
        if not chunk:
            return
        yield chunk


def _is_dns_failure(exc: BaseException) -> bool:
    """Whether a connection failed because the host name could not be resolved (``socket.gaierror``, wrapped by
    urllib3 as ``NameResolutionError`` inside requests' ``ConnectionError``).  Such a failure is not retried: a
    missing name or an absent network does not come back within the seconds a retry waits."""
    stack: list[object] = [exc]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror) or type(current).__name__ == "NameResolutionError":
            return True
        stack += [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
    return False


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def make_http(endpoints: Endpoints, *, cache: bool = True, cache_dir: Path | None = None) -> Http:
    """The production client: arXiv API host throttled to ``endpoints.arxiv_delay``, OpenReview to ≤ 1 s.

    OpenReview's interval is capped by ``arxiv_delay`` so that one knob (``BIBEXPORT_ARXIV_DELAY=0``) makes a
    local mirror or test server fast.  ``cache`` puts a requests-cache sqlite file in the user cache dir.
    """
    intervals: dict[str, float] = {}
    for api in (endpoints.openreview_api, endpoints.openreview_api_v1):
        intervals[_host_key(api)] = min(OPENREVIEW_INTERVAL, endpoints.arxiv_delay)
    intervals[_host_key(endpoints.arxiv_api)] = endpoints.arxiv_delay
    directory = None
    if cache:
        if cache_dir is not None:
            directory = cache_dir
        else:
            import platformdirs

            directory = Path(platformdirs.user_cache_dir("bibexport"))
    retries, backoff = _retry_env()
    return Http(timeout=endpoints.timeout, min_interval=intervals, cache_dir=directory, retries=retries,
                backoff=backoff, max_request_time=request_time_env())


def _retry_env() -> tuple[int, float]:
    """``BIBEXPORT_RETRIES`` (retries after the first attempt, default 3) and ``BIBEXPORT_BACKOFF`` (seconds
    before the first retry, doubling; default 1): tests and CI set them small so a dead server fails fast."""
    import os

    retries, backoff = 3, 1.0
    with contextlib.suppress(KeyError, ValueError):  # unset or not a number: the polite default
        retries = max(0, int(os.environ["BIBEXPORT_RETRIES"]))
    with contextlib.suppress(KeyError, ValueError):
        backoff = max(0.0, float(os.environ["BIBEXPORT_BACKOFF"]))
    return retries, backoff


def request_time_env() -> float | None:
    """``BIBEXPORT_MAX_REQUEST_TIME``: seconds one attempt of one request may take in all (default: three
    timeouts).  Unset, not a number or not positive: the default."""
    import os

    try:
        seconds = float(os.environ["BIBEXPORT_MAX_REQUEST_TIME"])
    except (KeyError, ValueError):
        return None
    return seconds if seconds > 0 and math.isfinite(seconds) else None
