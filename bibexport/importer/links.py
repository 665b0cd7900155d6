"""Links in reading lists: repairing a mistyped address ("htps//", "<...>", stray punctuation, spaces inside),
telling a token meant as a link, joining a link broken by whitespace, and Markdown's ``[text](url)`` syntax."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"(?i)^(?P<scheme>h?t{1,2}p{1,2}s?)(?P<sep>[:;]{0,2}/{0,3})")
_BARE_HOST = re.compile(r"(?i)^(www\.|[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(/|$))")
_VALID_URL = re.compile(r"(?i)^https?://[^\s/?#.]+(\.[^\s/?#.]+)*(:\d+)?([/?#]\S*)?$")
_URL_START = re.compile(r"(?i)^[<(\[\"']?\s*(h?t{1,2}p{1,2}s?(?:[:;]{1,2}/{0,3}|/{2,3})|www\.)")
_URL_CHARS = re.compile(r"^[\w./?#&=%~+:;@!$'()*,\[\]-]+$")
_PAIRS = {")": "(", "]": "[", "}": "{"}
_STRAY_END = ".,;:'\"|>*_!"
_STRAY_START = "'\"*_<([{"


def _looks_like_url(token: str) -> bool:
    """True when ``token`` (no spaces) is meant as a link, typos included."""
    return bool(_URL_START.match(token) or (_BARE_HOST.match(token) and "/" in token))


def _fix_scheme(s: str) -> tuple[str, str | None]:
    """Repair a misspelt, duplicated or missing ``http(s)://``."""
    m = _SCHEME.match(s)
    if m and m.group("sep"):
        rest = s[m.end() :]
        again = _SCHEME.match(rest)
        if again and again.group("sep") and ("/" in again.group("sep") or ":" in again.group("sep")):
            return rest, "duplicated scheme"
        scheme, sep = m.group("scheme"), m.group("sep")
        if scheme.lower() in ("http", "https") and sep == "://":
            return s, None
        fixed = ("https" if scheme.lower().endswith("s") else "http") + "://"
        return fixed + rest, f'typo in scheme "{m.group(0)}"'
    if s.startswith("//"):
        return "https:" + s, "missing scheme"
    if _BARE_HOST.match(s):
        return "https://" + s, "missing scheme"
    return s, None


def _fix_edges(s: str) -> tuple[str, str | None]:
    """Strip one stray character or wrapper from the ends of a link."""
    if s.startswith("<") and s.endswith(">"):
        return s[1:-1].strip(), '"<...>" wrapper'
    if s[:1] and s[0] in _STRAY_START:  # no link starts with a bracket or quote
        return s[1:], f'stray "{s[0]}"'
    last = s[-1:]
    if last in _PAIRS and s.count(_PAIRS[last]) < s.count(last):
        return s[:-1], f'stray "{last}"'
    if last and last in _STRAY_END:
        return s[:-1], f'stray "{last}"'
    return s, None


def _repair_url(raw: str) -> tuple[str, list[str]] | None:
    """The link ``raw`` was meant to be and the repairs made, or None when it is no usable http(s) link."""
    s, reasons = raw.strip(), []
    for _ in range(12):  # each pass removes something, so a few passes reach a fixed point
        s, why = _fix_edges(s)
        if why is None:
            s, why = _fix_scheme(s)
        if why is None:
            break
        reasons.append(why)
    return (s, reasons) if _VALID_URL.match(s) else None


def _joins(prev: str, token: str) -> bool:
    """Whether ``token`` continues a link broken by whitespace ("https://arxiv.org/abs/ 2203.02155")."""
    if token in ("-", "–", "—", "|", "·") or not _URL_CHARS.match(token):
        return False
    if token[0] in "/?#&=.)]":
        return True
    tail_ok = prev[-1] in "/?#&=._-"
    return tail_ok and (prev[-1] in "=?&#" or any(c.isdigit() or c in "/." for c in token))


# A Markdown link or image: [text](url), [text](url "title"), [text](<url>), ![alt](src).
_MD_LINK = re.compile(
    r"(!?)\[((?:\\.|[^\[\]\\])*)\]\(\s*(<[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))+)(?:\s+\"[^\"]*\")?\s*\)"
)
