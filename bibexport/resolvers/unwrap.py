"""What a link really points at, before any resolver reads it: wrappers removed, pure functions only.

Reading lists are copied from mail, documents and library catalogues, so their links arrive wrapped:

* **redirect wrappers**: ``https://www.google.com/url?q=<target>&sa=D`` (Google Docs/Sites, Gmail),
  ``l.facebook.com/l.php?u=``, Outlook's ``*.safelinks.protection.outlook.com/?url=``, Google Scholar's
  ``scholar_url?url=``, YouTube's ``redirect?q=``, an EZproxy login ``…/login?url=<target>``;
* **library proxies** that rewrite the host name: ``www-science-org.cmu.idm.oclc.org`` is
  ``www.science.org`` seen through CMU's OCLC EZproxy; EZproxy spells a ``.`` of the real host as ``-`` and a
  ``-`` as ``--`` (``dl-acm-org.ezproxy.lib.umd.edu``, ``link-springer-com.proxy.library.nd.edu``);
* **tracking parameters**: ``utm_*``, ``fbclid``, ``gclid`` and the like, which change nothing the link names.

:func:`unwrap` undoes all three (repeatedly, for a wrapper inside a wrapper) and returns the link a resolver
should match.  Nothing here knows a scholarly host or an identifier pattern: those belong to each resolver's
``match``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: (host, or a suffix starting with "."; path, or "" for any) → query parameters that hold the target URL.
_REDIRECTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("google.com", "/url", ("q", "url")),
    (".google.com", "/url", ("q", "url")),
    (".google.com", "/scholar_url", ("url",)),
    ("l.facebook.com", "/l.php", ("u",)),
    ("lm.facebook.com", "/l.php", ("u",)),
    ("l.messenger.com", "/l.php", ("u",)),
    (".safelinks.protection.outlook.com", "", ("url",)),
    ("www.youtube.com", "/redirect", ("q",)),
    ("t.umblr.com", "/redirect", ("z",)),
    ("href.li", "", ()),  # href.li/?<target>: the whole query is the target
)
#: EZproxy's "starting point URL": any host, a path ending in /login, the target in url= or qurl=.
_LOGIN_PATH = re.compile(r"/login/?$", re.IGNORECASE)
_LOGIN_PARAMS = ("url", "qurl")
#: Host-name proxies: a label after the rewritten host that names a proxy (EZproxy's usual host names), or OCLC's
#: hosted EZproxy (``<institution>.idm.oclc.org``).  Ordinary hosts with a "-" in their first label stay intact.
_PROXY_LABEL = re.compile(r"^(?:ez|lib|web)?proxy[a-z0-9-]*$", re.IGNORECASE)
_PROXY_SUFFIXES = (".idm.oclc.org",)
#: Parameters that only track who clicked; removing them never changes the work a link names.
_TRACKING = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|_ga|_gl|_hsenc|_hsmi|"
    r"mkt_tok|oly_anon_id|oly_enc_id|vero_id|spm|ref_src)$",
    re.IGNORECASE,
)
_MAX_DEPTH = 5  # wrappers inside wrappers, bounded


def unwrap(url: str) -> str:
    """The link ``url`` stands for: redirect wrappers and library proxies removed, tracking parameters dropped.

    Anything that is not an http(s) URL, or that cannot be parsed, is returned unchanged.
    """
    current = url.strip()
    for _ in range(_MAX_DEPTH):
        target = _unwrap_once(current)
        if target == current:
            break
        current = target
    return current


def _unwrap_once(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not host:
        return url
    inner = _redirect_target(host, parts.path, parts.query)
    if inner is not None:
        return inner
    real_host = _proxied_host(host)
    query = _without_tracking(parts.query)
    if real_host is None and query == parts.query:
        return url
    netloc = real_host if real_host is not None else parts.netloc
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redirect_target(host: str, path: str, query: str) -> str | None:
    """The wrapped URL when ``host``/``path`` is a known redirect wrapper and its parameter holds an http(s)
    URL; else None."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    names: tuple[str, ...] | None = None
    for wrapper_host, wrapper_path, keys in _REDIRECTS:
        host_ok = host.endswith(wrapper_host) if wrapper_host.startswith(".") else host == wrapper_host
        if host_ok and (not wrapper_path or path.rstrip("/") == wrapper_path):
            names = keys
            break
    if names is None and _LOGIN_PATH.search(path) and _has_proxy_label("." + host):
        names = _LOGIN_PARAMS
    if names is None:
        return None
    candidates = [params.get(n, "") for n in names] if names else [query]
    for candidate in candidates:
        if re.match(r"^https?://", candidate.strip(), re.IGNORECASE):
            return candidate.strip()
    return None


def _has_proxy_label(host: str) -> bool:
    """Whether a label after the first of ``host`` names a proxy (prefix "." to test every label)."""
    return host.endswith(_PROXY_SUFFIXES) or any(_PROXY_LABEL.match(label) for label in host.split(".")[1:])


def _proxied_host(host: str) -> str | None:
    """``www.science.org`` for ``www-science-org.cmu.idm.oclc.org``; None for a host that is no proxy's."""
    first, _, rest = host.partition(".")
    if "-" not in first or not rest or not _has_proxy_label(host):
        return None
    # EZproxy writes "-" for "." and "--" for "-": undo "--" first through a placeholder.
    real = first.replace("--", "\x00").replace("-", ".").replace("\x00", "-")
    labels = real.split(".")
    if len(labels) < 2 or not all(labels) or not re.fullmatch(r"[a-z]{2,24}", labels[-1]):
        return None
    return real


def _without_tracking(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not _TRACKING.match(k)]
    return query if len(kept) == len(pairs) else urlencode(kept)
