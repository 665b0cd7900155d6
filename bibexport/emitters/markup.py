"""Serializers for formatted reference lists: a small rich-text form, and Markdown, HTML and plain text.

The CSL processor renders with :data:`FORMATTER`, which marks italics, bold, ... with Unicode private-use
sentinels instead of markup, and leaves text raw.  Links are marked the same way (:func:`add_links`).  Each
serializer then escapes *all* text for its target and turns the sentinels into target markup, so no title or
name from a remote source can ever inject markup (citeproc-py's own HTML formatter does not escape variable
values, only terms and affixes).  Inputs are stripped of the sentinel characters first (:func:`clean`).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

# Sentinels: private-use code points that never reach the output.
_FMT = {"i": ("\ue000", "\ue001"), "b": ("\ue002", "\ue003"), "sc": ("\ue004", "\ue005"),
        "sup": ("\ue006", "\ue007"), "sub": ("\ue008", "\ue009"), "u": ("\ue00a", "\ue00b")}
LINK_OPEN, LINK_MID, LINK_CLOSE = "\ue010", "\ue011", "\ue012"
_SENTINELS = re.compile("[\ue000-\ue0ff]")
_TOKEN = re.compile("([\ue000-\ue009\ue00a\ue00b\ue012])|\ue010(\\d+)\ue011")
_SPACE = re.compile(r"\s+")


def _wrapper(kind: str) -> Callable[[object], str]:
    start, end = _FMT[kind]
    return lambda text: f"{start}{text}{end}"


#: A citeproc-py formatter (it only needs these attributes) that emits sentinels, not markup.
FORMATTER = SimpleNamespace(
    preformat=lambda text: text,
    Italic=_wrapper("i"), Oblique=_wrapper("i"), Bold=_wrapper("b"), Light=lambda text: text,
    Underline=_wrapper("u"), Superscript=_wrapper("sup"), Subscript=_wrapper("sub"), SmallCaps=_wrapper("sc"),
)


def wrap(kind: str, text: str) -> str:
    """``text`` marked with formatting ``kind`` ("i", "b", "sup", "sub", "sc", "u")."""
    start, end = _FMT[kind]
    return f"{start}{text}{end}"


def clean_inline(text: str) -> str:
    """Like :func:`clean`, but keeps leading and trailing spaces (for pieces of a larger text)."""
    return _SPACE.sub(" ", _SENTINELS.sub("", text))


def clean(text: str) -> str:
    """Remote text made safe to feed the processor: sentinel characters removed, whitespace collapsed."""
    # split/join: the same whitespace as ``\s`` (both are str.isspace) at a third of the regex's cost
    return " ".join(_SENTINELS.sub("", text).split())


@dataclass(frozen=True)
class RichText:
    """Rendered text with sentinel formatting; link ``n`` points at ``hrefs[n]``."""

    text: str
    hrefs: tuple[str, ...] = ()

    @property
    def plain(self) -> str:
        """The visible text, without any formatting."""
        return _SPACE.sub(" ", _TOKEN.sub("", self.text)).strip()


def add_links(rich: RichText, targets: list[tuple[str, str]], *, ignore_case: bool = False) -> RichText:
    """Wrap the first free occurrence of each ``(needle, href)`` in a link (longest needle first).

    A needle is only linked where it does not overlap a link already made, so a DOI inside its own
    ``https://doi.org/`` URL is not linked twice.
    """
    text, hrefs = rich.text, list(rich.hrefs)
    for needle, href in sorted(targets, key=lambda t: -len(t[0])):
        if not needle or not href:
            continue
        pos = _find_free(text, needle, ignore_case)
        if pos < 0:
            continue
        hrefs.append(href)
        end = pos + len(needle)
        text = f"{text[:pos]}{LINK_OPEN}{len(hrefs) - 1}{LINK_MID}{text[pos:end]}{LINK_CLOSE}{text[end:]}"
    return RichText(text, tuple(hrefs))


def _find_free(text: str, needle: str, ignore_case: bool) -> int:
    hay, ndl = (text.lower(), needle.lower()) if ignore_case else (text, needle)
    start = 0
    while (pos := hay.find(ndl, start)) >= 0:
        depth = text.count(LINK_OPEN, 0, pos) - text.count(LINK_CLOSE, 0, pos)
        if depth == 0 and LINK_CLOSE not in text[pos : pos + len(needle)]:
            return pos
        start = pos + 1
    return -1


def safe_href(url: str) -> str:
    """``url`` if it is an absolute http(s) link (percent-encoding unsafe characters), else ``""``."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~")


def link_label(url: str) -> str:
    """A short label for a link: its host without ``www.`` ("arxiv.org", "huggingface.co")."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


# --- inline serializers ---------------------------------------------------------------------------------

_HTML_TAGS = {"i": ("<i>", "</i>"), "b": ("<b>", "</b>"), "u": ("<u>", "</u>"), "sup": ("<sup>", "</sup>"),
              "sub": ("<sub>", "</sub>"), "sc": ('<span style="font-variant:small-caps">', "</span>")}
_MD_TAGS = {"i": ("*", "*"), "b": ("**", "**"), "u": ("", ""), "sup": ("<sup>", "</sup>"),
            "sub": ("<sub>", "</sub>"), "sc": ("", "")}
_BY_SENTINEL = {s: (kind, i) for kind, pair in _FMT.items() for i, s in enumerate(pair)}
#: ``$`` (pandoc's tex_math_dollars), ``^`` and ``~`` (superscript, subscript, strikeout) are escaped too.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#&|~!$^])")
_MD_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=])")


_GFM_AUTOLINK = re.compile(r"(?i)\b(https?|ftp)(://)|\b(www)(\.)")


def md_escape(text: str) -> str:
    """Markdown text that renders as itself: no emphasis, links, HTML, code, headings, math, superscript or
    subscript from it (CommonMark, GitHub and pandoc's Markdown).

    Bare URLs in remote text are defused too (``https\\://``, ``www\\.``): GitHub-flavoured Markdown would
    otherwise turn them into links nobody chose.  Links we mean are written as explicit links.
    """
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _GFM_AUTOLINK.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"{m.group(3)}\\.", text)


def _md_line_start(text: str) -> str:
    # "- 1. x" or "- - x" would start a nested list; "- = x" can underline a heading.
    return _MD_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", text)


def _walk(rich: RichText, text_fn: Callable[[str], str], tag_fn: Callable[[str, int], str],
          link_fn: Callable[[str, bool], str]) -> str:
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(rich.text):
        out.append(text_fn(rich.text[pos : m.start()]))
        pos = m.end()
        if m.group(2) is not None:
            out.append(link_fn(rich.hrefs[int(m.group(2))], True))
        elif m.group(1) == LINK_CLOSE:
            out.append(link_fn("", False))
        else:
            kind, side = _BY_SENTINEL[m.group(1)]
            out.append(tag_fn(kind, side))
    out.append(text_fn(rich.text[pos:]))
    return "".join(out)


def inline_html(rich: RichText) -> str:
    """HTML for ``rich``: every text escaped, links only for http(s) targets."""
    stack: list[bool] = []

    def link(href: str, opening: bool) -> str:
        if not opening:
            return "</a>" if stack.pop() else ""
        safe = safe_href(href)
        stack.append(bool(safe))
        return f'<a href="{html.escape(safe, quote=True)}">' if safe else ""

    return _walk(rich, lambda t: html.escape(t, quote=True), lambda k, s: _HTML_TAGS[k][s], link)


def inline_md(rich: RichText) -> str:
    """Markdown for ``rich``: text escaped, links as ``[text](<href>)`` or ``<href>`` autolinks."""
    hrefs: list[str] = []

    def link(href: str, opening: bool) -> str:
        if opening:
            hrefs.append(safe_href(href))
            return "\ue020"
        return "\ue021"

    # Links become placeholders first: their text is escaped like any text, then wrapped once closed.
    raw = _walk(rich, md_escape, lambda k, s: _MD_TAGS[k][s], link)
    out: list[str] = []
    for i, chunk in enumerate(re.split("\ue020(.*?)\ue021", raw, flags=re.DOTALL)):
        if i % 2 == 0:
            out.append(chunk)
            continue
        href = hrefs.pop(0)
        if not href:
            out.append(chunk)
        elif _unescape_md(chunk) == href:
            out.append(f"<{href}>")
        else:
            out.append(f"[{chunk}](<{href}>)")
    return _md_line_start("".join(out))


def _unescape_md(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def inline_txt(rich: RichText) -> str:
    """Plain text for ``rich``: formatting and link markers dropped."""
    return rich.plain


# --- documents ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One formatted reference: an optional label ("[1]"), the text, and links shown beside it."""

    body: RichText
    label: str = ""
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Part:
    """"Required" or "Further reading" with its items."""

    heading: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Block:
    """A session: heading text, ISO date ("" if none), anchor id, parts, and the date as the list wrote it
    (``when``, "" if none: "Tuesday, Aug 29"), which is shown instead of the ISO date when given."""

    name: str
    date: str
    anchor: str
    parts: tuple[Part, ...]
    when: str = ""

    @property
    def shown_date(self) -> str:
        """The date beside the heading: as the list wrote it, else ISO, else ""."""
        return self.when or self.date


@dataclass(frozen=True)
class Document:
    """A whole reading list; ``title`` "" means no top heading (single-session lists use the session's).

    ``heading_level`` (1-6) is the level of the top heading, so a list pasted under a heading of the notes fits
    below it; deeper headings follow it, at most at level 6."""

    title: str
    blocks: tuple[Block, ...]
    lang: str = "en"
    heading_level: int = 1


def _level(level: int) -> int:
    """A heading level Markdown and HTML have (``#######`` is no heading, ``<h7>`` no element)."""
    return max(1, min(level, 6))


def _heading(block: Block) -> str:
    return f"{block.name} ({block.shown_date})" if block.shown_date else block.name


def _visible_links(item: Item, fmt: str) -> list[str]:
    """The item's links not already in its text: as a link (md/html) or as visible text (txt)."""
    shown = set(item.body.hrefs) if fmt != "txt" else set()
    visible = item.body.plain
    return [u for u in item.links if u not in shown and not (fmt == "txt" and u in visible)]


def _cached(fmt: str, item: Item, serialize: Callable[[Item], Any], cache: Any) -> Any:
    """``serialize(item)`` through the render cache (a :class:`~bibexport.rendercache.RenderCache` or None).

    A warm rebuild of 1,000 readings spent ~0.6 s escaping the same items again.  The key is everything the
    text depends on: the item's content, this module's code and the Python version (``html.escape``, ``quote``):
    ``rendercache.CODE["item"]``.
    """
    from bibexport.rendercache import code_digest

    if cache is None:
        return serialize(item)
    content = repr((item.body.text, item.body.hrefs, item.label, item.links))
    key = f"{fmt}-item:{code_digest('item')}:{hashlib.blake2b(content.encode('utf-8'), digest_size=16).hexdigest()}"
    value = cache.get(key)
    if value is None:
        value = serialize(item)
        cache.put(key, value)
    return value


def _txt_item(item: Item) -> list[str]:
    body = inline_txt(item.body)
    head = f"{item.label} {body}" if item.label else body
    return [head, *[f"    {u}" for u in _visible_links(item, "txt")], ""]


def _md_item(item: Item) -> str:
    body = inline_md(item.body)
    if item.label:
        body = f"{md_escape(item.label)} {body}"
    links = [f"[{md_escape(link_label(u))}](<{h}>)" for u in _visible_links(item, "md") if (h := safe_href(u))]
    if links:
        body += "\\\n  " + " · ".join(links)
    return f"- {body}"


def to_txt(doc: Document, *, cache: Any = None) -> str:
    """Plain text: underlined headings, one reference per line, links on indented lines below.

    ``cache`` (a render cache, optional) remembers each item's text between builds; the output is the same."""
    lines: list[str] = []
    if doc.title:
        lines += [clean(doc.title), "=" * len(clean(doc.title)), ""]
    for block in doc.blocks:
        head = clean(_heading(block))
        lines += [head, ("=" if not doc.title else "-") * len(head), ""]
        for part in block.parts:
            lines += [part.heading + ":", ""]
            for item in part.items:
                lines += _cached("txt", item, _txt_item, cache)
    return "\n".join(lines).rstrip("\n") + "\n"


def to_md(doc: Document, *, cache: Any = None) -> str:
    """Markdown: ATX headings, one list item per reference, links after a hard line break (``cache``: as
    :func:`to_txt`)."""
    lines: list[str] = []
    level = doc.heading_level
    if doc.title:
        lines += [f"{'#' * _level(level)} {md_escape(clean(doc.title))}", ""]
        level += 1
    for block in doc.blocks:
        lines += [f"{'#' * _level(level)} {md_escape(clean(_heading(block)))}", ""]
        for part in block.parts:
            lines += [f"{'#' * _level(level + 1)} {md_escape(part.heading)}", ""]
            lines += [_cached("md", item, _md_item, cache) for item in part.items]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def to_html(doc: Document, *, fragment: bool = False, cache: Any = None) -> str:
    """HTML: a standalone page (doctype, charset, title) or, with ``fragment``, just the body content
    (``cache``: as :func:`to_txt`)."""
    def esc(text: str) -> str:
        return html.escape(clean(text), quote=True)

    body: list[str] = []
    level = doc.heading_level
    if doc.title:
        body.append(f"<h{_level(level)}>{esc(doc.title)}</h{_level(level)}>")
        level += 1
    for block in doc.blocks:
        body.append(f'<section class="session" id="{esc(block.anchor)}">')
        # <time> only around a real date (its datetime attribute must be machine-readable); a date kept as the
        # list wrote it ("Tuesday, Aug 29") is plain text.
        shown = f"({esc(block.shown_date)})"
        date = (f' <time datetime="{esc(block.date)}">{shown}</time>' if block.date
                else f" {shown}" if block.when else "")
        body.append(f"<h{_level(level)}>{esc(block.name)}{date}</h{_level(level)}>")
        for part in block.parts:
            body.append(f"<h{_level(level + 1)}>{esc(part.heading)}</h{_level(level + 1)}>")
            body.append('<ul class="csl-bib-body">')
            body += [f'<li class="csl-entry">{_cached("html", item, _html_item, cache)}</li>'
                     for item in part.items]
            body.append("</ul>")
        body.append("</section>")
    content = "\n".join(body) + "\n"
    if fragment:
        return content
    title = esc(doc.title or (doc.blocks[0].name if len(doc.blocks) == 1 else "Readings"))
    return (f'<!DOCTYPE html>\n<html lang="{esc(doc.lang)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n</head>\n<body>\n{content}</body>\n</html>\n")


def _html_item(item: Item) -> str:
    text = inline_html(item.body)
    if item.label:
        text = (f'<span class="csl-left-margin">{html.escape(item.label)}</span> '
                f'<span class="csl-right-inline">{text}</span>')
    links = [f'<a href="{html.escape(h, quote=True)}">{html.escape(link_label(u))}</a>'
             for u in _visible_links(item, "html") if (h := safe_href(u))]
    if links:
        text += '<br><span class="links">' + " · ".join(links) + "</span>"
    return text


def _md(doc: Document, fragment: bool, cache: Any = None) -> str:
    return to_md(doc, cache=cache)


def _html(doc: Document, fragment: bool, cache: Any = None) -> str:
    return to_html(doc, fragment=fragment, cache=cache)


def _txt(doc: Document, fragment: bool, cache: Any = None) -> str:
    return to_txt(doc, cache=cache)


#: Serializer by format: ``(document, fragment, cache)`` -> text (``cache`` a render cache or None).
SERIALIZERS: dict[str, Callable[[Document, bool, Any], str]] = {"md": _md, "html": _html, "txt": _txt}
