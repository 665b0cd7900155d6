"""``bibexport check`` offline: lint every link of ``sessions.toml`` without the network (pure).

* :func:`lint_url`: malformed links (text around a link, spaces, trailing punctuation, a mistyped or missing
  scheme, a bad host, unbalanced brackets) and arXiv/OpenReview ids that cannot exist, each with the repaired
  link as ``fix`` when every problem can be repaired mechanically;
* :func:`lint_duplicates`: a link listed twice for one reading, or given for two different readings.

:mod:`bibexport.linkcheck` re-exports every public name here and runs these stages before the online checks.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Link:
    """One link of one reading, with where it is written."""

    url: str
    line: int  # line of the link in sessions.toml (0 when unknown)
    session: str  # slug
    session_name: str
    reading: str  # the reading's title
    role: str = "required"
    fingerprint: str = ""  # the reading's, to find it in the lockfile


@dataclass(frozen=True)
class Issue:
    """Something to tell about a link: a lint problem (``error``) or a warning; ``fix`` is the link to write
    instead, when it can be worked out."""

    level: str  # ERROR | WARNING
    code: str  # "trailing-punctuation", "permanent-redirect", ...
    message: str
    fix: str = ""


#: Characters that end a sentence or a Markdown construct rather than a link when pasted from prose.
_TRAILING = set(".,;:!?'\"*`")
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}
_ARXIV_PATH = re.compile(r"^/(abs|pdf|html|format)/(?P<rest>.*)$")
_BARE_ARXIV = re.compile(r"(?:arxiv:\s*)?(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z]{2})?/\d{7})(?:v\d+)?", re.IGNORECASE)
_HOST = re.compile(r"^(?:[\w-]+\.)*[\w-]+\.?$|^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$", re.UNICODE)


def strip_trailing(url: str) -> str:
    """``url`` without trailing punctuation and unbalanced closing brackets (``…2203.02155)`` → ``…2203.02155``);
    a closing bracket that has its opening one (Wikipedia's ``…_(film)``) stays."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _PAIRS and url.count(last) > url.count(_PAIRS[last])):
            url = url[:-1]
            continue
        break
    return url


def openreview_id(url: str) -> str | None:
    """The ``id=`` of an openreview.net forum/pdf link (possibly malformed), or None for other links.

    Which hosts and paths are OpenReview's is the resolver's knowledge; unlike its ``match`` this keeps an id
    that cannot exist, so the lint can say so."""
    from bibexport.resolvers.openreview import _HOSTS, _PATHS

    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (parts.hostname or "") not in _HOSTS or parts.path.rstrip("/") not in _PATHS:
        return None
    return parse_qs(parts.query).get("id", [""])[0]


def lint_url(url: str) -> list[Issue]:
    """Problems that make ``url`` unusable, found without the network; each carries the repaired link as ``fix``
    when every problem could be repaired mechanically.  A bare arXiv id or DOI (``arXiv:2305.18290``) is fine."""
    problems, repaired = _lint(url)
    fix = repaired if repaired != url and not _lint(repaired)[0] else ""
    return [Issue(ERROR, code, message, fix) for code, message in problems]


def _lint(url: str) -> tuple[list[tuple[str, str]], str]:
    problems: list[tuple[str, str]] = []
    text = url
    if _BARE_ARXIV.fullmatch(text):
        from bibexport.resolvers.arxiv import ArxivResolver, validate_id

        ident = ArxivResolver().match(text) or text
        if validate_id(ident):
            return [], text
        return [("arxiv-id", f"{ident!r} cannot be an arXiv id: {_explain_arxiv(ident)}")], text
    if _bare_doi(text):
        return [], text
    start = re.search(r"https?://", text, re.IGNORECASE)
    if start and start.start() > 0 and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text):
        problems.append(("text-around-link", f"{text[:start.start()]!r} before the link is not part of it"))
        text = text[start.start():]
    if re.search(r"\s", text):
        problems.append(("whitespace", "contains a space or line break"))
        text = _fix_space(text)
    stripped = strip_trailing(text)
    if stripped != text:
        tail = text[len(stripped):]
        message = f"ends with {tail!r}, which is not part of the link (pasted from a sentence or Markdown?)"
        problems.append(("trailing-punctuation", message))
        text = stripped
    text, scheme_problems = _lint_scheme(text)
    problems += scheme_problems
    if scheme_problems and not text.lower().startswith(("http://", "https://")):
        return problems, text
    problems += _lint_parts(text)
    return problems, text


def _bare_doi(text: str) -> bool:
    """``doi:10.…`` or ``10.NNNN/…``: a DOI the resolvers accept in place of a link."""
    from bibexport.resolvers import doi

    return "://" not in text and bool(doi.match(text))


def _fix_space(text: str) -> str:
    """Spaces next to a separator are paste accidents (removed); others are meant (encoded as %20)."""
    text = re.sub(r"\s*([/.?&=#:])\s*", r"\1", text.strip())
    m = re.match(r"^([A-Za-z]+:/*)([^/?#]*)(.*)$", text, re.DOTALL)
    if m:  # a host has no spaces at all
        text = m.group(1) + re.sub(r"\s+", "", m.group(2)) + m.group(3)
    return re.sub(r"\s+", "%20", text)


def _lint_scheme(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Check ``scheme://``; return the repaired text and the problems."""
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):(/*)(.*)$", text, re.DOTALL)
    if m is None:
        glued = re.match(r"^(https?)/{1,3}(?=\w)", text, re.IGNORECASE)
        if glued:
            return f"{glued.group(1).lower()}://{text[glued.end():]}", [("scheme", "no ':' after the scheme")]
        if re.match(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:[/?#:]|$)", text):
            return "https://" + text, [("scheme", "no scheme: links start with https://")]
        return text, [("not-a-link", "not a link: it has no scheme (https://) and no host")]
    scheme, slashes, rest = m.group(1), m.group(2), m.group(3)
    if scheme.lower() in ("http", "https"):
        if slashes != "//":
            return f"{scheme.lower()}://{rest}", [("scheme", f"'{scheme}:' must be followed by two slashes")]
        return text, []
    close = difflib.get_close_matches(scheme.lower(), ["https", "http"], n=1, cutoff=0.6)
    if close and slashes:
        return f"{close[0]}://{rest}", [("scheme", f"unknown scheme '{scheme}:' (a typo for '{close[0]}:'?)")]
    return text, [("scheme", f"'{scheme}:' links cannot be opened from a reading list; use an http(s) link")]


def _lint_parts(text: str) -> list[tuple[str, str]]:
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return [("malformed", f"not a valid URL: {exc}")]
    host = parts.hostname or ""
    if not host:
        return [("no-host", "has no host after the scheme")]
    if not _HOST.match(host):
        return [("bad-host", f"the host {host!r} contains characters a host name cannot have")]
    problems = [("brackets", f"unbalanced '{o}' and '{c}'") for c, o in _PAIRS.items() if text.count(o) != text.count(c)]
    problems += _lint_identifier(text, parts)
    return problems


def _lint_identifier(text: str, parts: Any) -> list[tuple[str, str]]:
    """arXiv and OpenReview links whose id cannot exist (the hosts are the resolvers')."""
    from bibexport.resolvers import arxiv, openreview

    host = parts.hostname or ""
    if host in arxiv._HOSTS:
        m = _ARXIV_PATH.match(parts.path)
        if m is None:
            return []
        ident = arxiv.ArxivResolver().match(text)
        if ident is None:
            return [("arxiv-id", f"{m.group('rest')!r} is not an arXiv id (YYMM.NNNNN, or archive/YYMMNNN before 2007)")]
        if not arxiv.validate_id(ident):
            return [("arxiv-id", f"{ident!r} cannot be an arXiv id: {_explain_arxiv(ident)}")]
        return []
    ident = openreview_id(text)
    if ident is None:
        return []
    if not ident:
        return [("openreview-id", "an OpenReview link needs ?id=<note id>")]
    if not openreview.is_valid_id(ident):
        return [("openreview-id", f"{ident!r} cannot be an OpenReview id (7–14 letters, digits, '_' or '-')")]
    return []


def _explain_arxiv(ident: str) -> str:
    m = re.match(r"(\d{2})(\d{2})\.(\d+)", ident)
    if not m:
        return "old-style ids need a known archive and a date between 1991 and March 2007"
    yy, mm, number = int(m.group(1)), int(m.group(2)), m.group(3)
    if not 1 <= mm <= 12:
        return f"month {mm:02d} does not exist"
    if (yy, mm) < (7, 4):
        return "new-style ids start in April 2007 (0704)"
    return f"ids from {'2015 on have 5' if (yy, mm) >= (15, 1) else '2007–2014 have 4'} digits after the dot, not {len(number)}"


def duplicate_key(url: str) -> str:
    """What two links must share to be the same thing: the paper for arXiv/OpenReview, else the normalised URL."""
    from bibexport.resolvers.arxiv import ArxivResolver, split_version

    arxiv_id = ArxivResolver().match(url)
    if arxiv_id:
        return "arxiv:" + split_version(arxiv_id)[0]
    note = openreview_id(url)
    if note:
        return "openreview:" + note
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = parts.path.rstrip("/")
    return f"{parts.netloc.lower()}{path}?{parts.query}" if parts.query else f"{parts.netloc.lower()}{path}"


def lint_duplicates(links: Sequence[Link]) -> dict[int, list[Issue]]:
    """Warnings, by index into ``links``: a link listed twice for one reading, or given for two different readings
    (a copy-paste slip).  The same reading listed again in another session is deliberate and not reported."""
    first: dict[str, int] = {}
    out: dict[int, list[Issue]] = {}
    for i, link in enumerate(links):
        key = duplicate_key(link.url)
        if key not in first:
            first[key] = i
            continue
        other = links[first[key]]
        where = f"line {other.line}" if other.line else "above"
        if other.reading != link.reading:
            msg = f"the same link is given for {other.reading!r} ({where}): is one of them a copy-paste slip?"
        elif other.session == link.session:
            msg = f"listed twice for this reading in this session (first at {where}); remove one"
        else:
            continue
        out.setdefault(i, []).append(Issue(WARNING, "duplicate", msg))
    return out
