"""Formatted reference lists (Markdown, HTML, plain text) in real citation styles, grouped by session.

CSL styles render through citeproc-py (items from :func:`bibexport.emitters.csljson.record_to_csl`); pybtex
styles (``pybtex:plain``...) through pybtex.  Both produce :class:`~bibexport.emitters.markup.RichText`,
which the serializers in :mod:`bibexport.emitters.markup` escape for their target.

citeproc-py 0.11 departs from CSL 1.0.2 (and from citeproc-js/pandoc) in ways that show in course reading
lists (the pandoc comparison in tests/test_reflist_pandoc.py checks the result against the Haskell citeproc).
What has to change inside the processor (text case, group suppression, substitution, name initials, page
ranges) is in :mod:`bibexport.emitters.citeproc_compat`, the one module that knows citeproc-py's internals;
what can be done around it is here:

* no year-suffix disambiguation (APA "2023a", "2023b"): :func:`_year_suffixes`.
* punctuation-in-quote ignored for delimiters (IEEE wants ``“Title,”``): :func:`_punctuation_in_quote`.
* ``second-field-align`` ignored (IEEE's "[1]" ran into the authors): :func:`_split_label`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pybtex.backends import BaseBackend

from bibexport.emitters import RenderOptions, markup
from bibexport.emitters.csljson import record_to_csl
from bibexport.emitters.markup import Block, Document, Item, Part, RichText
from bibexport.emitters.styles import StyleError, StyleRef, available_styles, resolve_style
from bibexport.model import ROLES, Bibliography, Entry, Person, Record, SessionBibliography
from bibexport.rendercache import RenderCache, by_identity, record_digest, style_digest

__all__ = ["FORMATS", "StyleError", "available_styles", "emit", "emit_session", "render", "resolve_style"]

FORMATS = ("md", "html", "txt")
PART_HEADINGS = {"required": "Required", "further": "Further reading"}

#: (key order as the style sorts them, rendered item per key)
Rendered = tuple[list[str], dict[str, Item]]


def render(bib: Bibliography, session: SessionBibliography | None, fmt: str, options: RenderOptions) -> str:
    """The reading list of the whole course (``session`` None) or of one session, as the format registry asks for
    it: every option, the render cache among them, comes in the one ``options`` object."""
    if session is not None:
        return emit_session(session, fmt=fmt, style=options.style, fragment=options.fragment, cache=options.cache,
                            heading_level=options.heading_level)
    return emit(bib, fmt=fmt, style=options.style, fragment=options.fragment, cache=options.cache,
                heading_level=options.heading_level)


def emit(bib: Bibliography, *, fmt: str, style: str | StyleRef = "apa", fragment: bool = False,
         title: str = "", cache: RenderCache | None = None, heading_level: int = 1) -> str:
    """The whole course's reading list in ``fmt`` ("md", "html", "txt"), grouped by session.

    ``title`` defaults to the course title.  ``fragment`` gives HTML without the page around it.  ``cache``
    holds renderings from earlier builds (and gets this one's); without it they are reused within the process.
    ``heading_level`` is the level of the top heading in md and html (1-6).
    """
    doc = build_document(bib.sessions, _style(style), title=title or bib.course.title or "Readings", cache=cache)
    return _serialize(dataclasses.replace(doc, heading_level=heading_level), fmt, fragment, cache)


def emit_session(sb: SessionBibliography, *, fmt: str, style: str | StyleRef = "apa",
                 fragment: bool = False, cache: RenderCache | None = None, heading_level: int = 1) -> str:
    """One session's reading list; the session's name and date are the top heading (at ``heading_level``)."""
    doc = build_document((sb,), _style(style), title="", cache=cache)
    return _serialize(dataclasses.replace(doc, heading_level=heading_level), fmt, fragment, cache)


def _style(style: str | StyleRef) -> StyleRef:
    return style if isinstance(style, StyleRef) else resolve_style(style)


def _serialize(doc: Document, fmt: str, fragment: bool, cache: RenderCache | None = None) -> str:
    try:
        serializer = markup.SERIALIZERS[fmt]
    except KeyError:
        raise ValueError(f"unknown reference-list format {fmt!r} (expected one of {', '.join(FORMATS)})") from None
    return serializer(doc, fragment, cache)


def build_document(sessions: Sequence[SessionBibliography], style: StyleRef, *, title: str,
                   cache: RenderCache | None = None) -> Document:
    """Render every entry once (so numbers and year suffixes agree across sessions), then group them."""
    entries = _unique(e for sb in sessions for e in sb.entries)
    order, items = _render(tuple(entries), style, _MEMORY if cache is None else cache)
    rank = {key: i for i, key in enumerate(order)}
    page = [[sorted(_unique(sb.required if role == "required" else sb.further), key=lambda e: rank[e.key])
             for role in ROLES] for sb in sessions]
    if style.kind == "pybtex":
        items = _number_in_page_order([e.key for parts in page for keys in parts for e in keys], items)
    blocks = []
    for sb, session_parts in zip(sessions, page):
        parts = [Part(PART_HEADINGS[role], tuple(items[e.key] for e in keys))
                 for role, keys in zip(ROLES, session_parts) if keys]
        session = sb.session
        date = session.date.isoformat() if session.date is not None else ""
        blocks.append(Block(session.name or session.slug, date, session.slug, tuple(parts), when=session.when))
    return Document(title=title, blocks=tuple(blocks))


def _number_in_page_order(keys: Sequence[str], items: dict[str, Item]) -> dict[str, Item]:
    """Numeric labels ("[1]") counted down the page, an entry listed again keeping its first number.

    pybtex numbers entries in its own sort order (plain: by author), but the page groups them by session, so
    a list read 6, 3, 4, 7, 14.  The entries keep the style's order within each part; only the numbers follow
    the page.  Labels that are not numbers (pybtex:alpha's "[JSM+23]") are left alone."""
    if not all(re.fullmatch(r"\[\d+\]", item.label) for item in items.values()):
        return items
    numbers: dict[str, int] = {}
    for key in keys:
        numbers.setdefault(key, len(numbers) + 1)
    return {key: replace(item, label=f"[{numbers[key]}]") if key in numbers else item for key, item in items.items()}


#: Renderings reused within the process when the caller passes no cache (the keys make reuse exact).
_MEMORY = RenderCache()


def _render(entries: tuple[Entry, ...], style: StyleRef, cache: RenderCache) -> Rendered:
    """Memoised: md, html and txt share one rendering of each list (citeproc-py takes ~10 ms per entry).

    On the entries' identity (hashing 10,000 entries deeply, three times, cost seconds); they and the cache
    are kept with the result so their ids stay theirs.  Callers only read the result, so handing the same
    lists and dicts out again is safe."""
    key = (style, id(cache), tuple(map(id, entries)))
    hit = _RENDERED.get(key)
    if hit is None:
        if len(_RENDERED) >= 4096:
            _RENDERED.clear()
        hit = _RENDERED[key] = (entries, cache, RENDERERS[style.kind](entries, style, cache))
    return hit[2]


_RENDERED: dict[tuple[Any, ...], tuple[tuple[Entry, ...], RenderCache, Rendered]] = {}


def _unique(entries: Any) -> list[Entry]:
    seen: dict[str, Entry] = {}
    for e in entries:
        seen.setdefault(e.key, e)
    return list(seen.values())


# --- links ----------------------------------------------------------------------------------------------


@by_identity  # asked up to three times per entry and list; safe_href parses each URL
def entry_links(record: Record) -> tuple[str, ...]:
    """Every web link of a reading, once: the record's URL, then the links beside it (blog, code)."""
    return tuple(dict.fromkeys(u for u in (record.url, *record.extra_urls) if markup.safe_href(u)))


def _linkify(rich: RichText, record: Record, *, link_title: bool) -> RichText:
    """Make the URLs and DOI the style printed real links; with ``link_title``, link the title too."""
    targets = [(u, u) for u in entry_links(record)]
    if record.doi:
        doi_url = f"https://doi.org/{record.doi}"
        targets += [(doi_url, doi_url), (record.doi, doi_url)]
    rich = markup.add_links(rich, targets)
    main = record.url or next(iter(entry_links(record)), "") or (f"https://doi.org/{record.doi}" if record.doi else "")
    if link_title and main and record.title:
        rich = markup.add_links(rich, [(markup.clean(record.title), main)], ignore_case=True)
    return rich


# --- CSL via citeproc-py --------------------------------------------------------------------------------


def _csl_item(index: int, entry: Entry) -> dict[str, Any]:
    """The CSL-JSON item citeproc-py gets: ids are positions (it lowercases ids), text cleaned of sentinels."""
    return {"id": f"e{index}", **_csl_content(entry.record)}


@by_identity
def _csl_content(record: Record) -> dict[str, Any]:
    """A record's CSL item without its id (memoised: an entry is in the course's list and its session's).

    Callers copy the dict before changing it."""
    item = record_to_csl("", record)
    del item["id"]
    item.pop("abstract", None)  # never printed by a bibliography; no need to parse it
    for key, value in list(item.items()):
        if isinstance(value, str) and key != "type":
            item[key] = markup.clean(value)
        elif key in ("author", "editor"):
            item[key] = [{k: markup.clean(v) for k, v in name.items()} for name in value]
    return item


@functools.lru_cache(maxsize=8)
def _load_style(path: Path) -> Any:
    """The parsed CSL style (cached: APA takes a noticeable time to parse)."""
    from lxml import etree

    from bibexport.emitters import citeproc_compat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return citeproc_compat.load_style(path)
    except (OSError, ValueError, etree.LxmlError) as exc:  # unreadable XML, unknown locale: a usage error
        raise StyleError(str(path), f"cannot read CSL style: {exc}") from None


def render_csl(entries: Sequence[Entry], style: StyleRef, cache: RenderCache | None = None) -> Rendered:
    """Render ``entries`` with a CSL style: (keys in the style's order, item per key).

    Sort keys and renderings are looked up in ``cache`` first; citeproc-py runs only for what is missing.
    """
    assert style.path is not None
    csl = _load_style(style.path)
    if csl.root.bibliography is None:
        raise StyleError(style.name, "this CSL style has no bibliography (it only formats citations)")
    cache = RenderCache() if cache is None else cache
    run = _CslRun(csl, *_style_facts(style.path), entries, cache)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns about every CSL variable it does not model
        ids = run.sort()
        suffixes = _year_suffixes(csl, [run.by_id[k] for k in ids], ids)
        rendered = run.render(ids, suffixes)
    texts = [text for text, _label in rendered if text is not None]  # citeproc-py drops entries rendering nothing
    labels = [label for _text, label in rendered]
    piq = str(csl.root.get_locale_option("punctuation-in-quote")).lower() == "true"
    order: list[str] = []
    items: dict[str, Item] = {}
    for cid, body, label in zip(ids, texts, labels):
        entry = run.by_id[cid]
        if piq:
            body = _punctuation_in_quote(body)
        if label and body.startswith(label):
            body = body[len(label) :].lstrip()
        rich = _linkify(RichText(body), entry.record, link_title=style.project)
        order.append(entry.key)
        items[entry.key] = Item(body=rich, label=markup.clean(label), links=entry_links(entry.record))
    return order, items


@functools.lru_cache(maxsize=8)
def _style_facts(path: Path) -> tuple[str, bool]:
    """(digest, numbered) of a CSL style file.

    The digest (:func:`bibexport.rendercache.style_digest`) covers what a rendering depends on besides the entry:
    the style and the code that makes the CSL items and patches and formats citeproc-py's output.
    ``numbered``: the style mentions citation numbers, which may then sort or print.
    """
    return style_digest(path), b"citation-number" in path.read_bytes()


class _CacheMiss(Exception):
    """A sort key is not cached: sort again with citeproc-py's real items."""


class _Stub:
    """Stands in for a citeproc-py CitationItem while every sort key comes from the cache."""

    def __init__(self, key: str) -> None:
        self.key = key


class _CslRun:
    """One list through citeproc-py, with each sort key and rendering looked up by content first.

    What citeproc-py's output for an entry depends on (the other entries only decide the order, the year
    suffix and the citation number): the style, the entry's CSL item, its year suffix, and its citation number
    when the style prints one.  Keys hold exactly these, so a cached value equals what rendering would give.
    """

    def __init__(self, csl: Any, style_digest: str, numbered: bool, entries: Sequence[Entry],
                 cache: RenderCache) -> None:
        self.csl = csl
        self.entries = entries
        self.cache = cache
        self.by_id = {f"e{i}": e for i, e in enumerate(entries)}
        # The record stands for its CSL item (a function of the record and of csljson's code, which is in the
        # style digest); building the item only to hash it cost more than the rest of a cached list.
        self.digest = {f"e{i}": record_digest(e.record) for i, e in enumerate(entries)}
        # A style that prints citation numbers may sort or render by them: then the number is part of the key.
        self.numbered = numbered
        self.prefix = style_digest
        self.bib: Any = None
        self.source: Any = None

    def _citeproc(self) -> Any:
        """citeproc-py's bibliography of every entry, registered in order (built only on a cache miss)."""
        if self.bib is None:
            from citeproc import Citation, CitationItem, CitationStylesBibliography
            from citeproc import formatter as citeproc_formatter
            from citeproc.source.json import CiteProcJSON

            self.source = CiteProcJSON([_csl_item(i, e) for i, e in enumerate(self.entries)])
            # Sort with the plain formatter: sort keys are rendered text and must not contain our sentinels.
            self.bib = CitationStylesBibliography(self.csl, self.source, citeproc_formatter.plain)
            for cid in self.by_id:
                self.bib.register(Citation([CitationItem(cid)]))
        return self.bib

    def _sort_key_ids(self, element: Any, items: Sequence[Any]) -> list[str]:
        head = f"s{element.getparent().index(element)}:{self.prefix}:"
        if not self.numbered:
            return [f"{head}{self.digest[item.key]}:0" for item in items]
        # before sorting, an entry's citation number is its position
        return [f"{head}{self.digest[item.key]}:{int(item.key[1:]) + 1}" for item in items]

    def sort_keys(self, element: Any, items: Sequence[Any], compute: Callable[[list[Any]], list[Any]]) -> list[Any]:
        """The sort keys of ``items`` for one ``cs:key``: cached, else computed by citeproc-py and cached."""
        stubs = bool(items) and isinstance(items[0], _Stub)
        if element.get("variable") == "citation-number":  # the position itself: nothing to cache
            if stubs:
                raise _CacheMiss
            return compute(list(items))
        ids = self._sort_key_ids(element, items)
        out = [self.cache.get(i, _NOT_CACHED) for i in ids]
        missing = [n for n, value in enumerate(out) if value is _NOT_CACHED]
        if missing and stubs:
            raise _CacheMiss
        if missing:
            for n, value in zip(missing, compute([items[n] for n in missing])):
                out[n] = _sort_value(value)
                if out[n] is not _UNCACHEABLE:
                    self.cache.put(ids[n], out[n])
                else:
                    out[n] = value
        return out

    def sort(self) -> list[str]:
        """Entry ids in the style's bibliography order."""
        bibliography = self.csl.root.bibliography
        sort = bibliography.find("cs:sort", bibliography.nsmap)
        if sort is None:
            return list(self.by_id)
        from bibexport.emitters.citeproc_compat import sort_keys_from

        with sort_keys_from(self.csl, self.sort_keys):
            try:
                items = sort.sort([_Stub(cid) for cid in self.by_id], bibliography.layout)
            except _CacheMiss:
                items = sort.sort(self._citeproc().items, bibliography.layout)
        return [item.key for item in items]

    def render(self, ids: list[str], suffixes: dict[str, str]) -> list[tuple[str | None, str]]:
        """(text or None, label) of each entry in ``ids`` order, from the cache or rendered by citeproc-py."""
        keys = [f"b:{self.prefix}:{self.digest[cid]}:{suffixes.get(cid, '')}:{n + 1 if self.numbered else 0}"
                for n, cid in enumerate(ids)]
        out = [self.cache.get(key) for key in keys]
        missing = [n for n, value in enumerate(out) if value is None]
        if missing:
            from citeproc.string import String

            bib = self._citeproc()
            by_key = {item.key: item for item in bib.items}
            bib.items, bib.keys = [by_key[cid] for cid in ids], list(ids)  # what bib.sort() leaves: numbers follow
            for cid, suffix in suffixes.items():
                self.source[cid]["year_suffix"] = String(suffix)
            bib.formatter = self.csl.root.formatter = markup.FORMATTER
            layout = self.csl.root.bibliography.layout
            for n in missing:
                texts = layout.render_bibliography([bib.items[n]])
                text = str(texts[0]) if texts else None
                out[n] = [text, _split_label(self.csl, bib.items[n])]
                self.cache.put(keys[n], out[n])
        return [(value[0], value[1]) for value in out]


_NOT_CACHED = object()
_UNCACHEABLE = object()


def _sort_value(value: Any) -> Any:
    """A sort key as JSON data that compares exactly like the original in citeproc-py's ``Sort.sort``.

    That comparison uses ``str(key.lower())`` for anything with ``lower`` (and ``lower`` is idempotent),
    numbers as they are; other values are not cached.
    """
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if hasattr(value, "lower"):
        return str(value.lower())
    return _UNCACHEABLE


def _year_suffixes(csl: Any, entries: Sequence[Entry], ids: Sequence[str]) -> dict[str, str]:
    """Year suffixes ("a", "b") for entries with the same authors and year, in bibliography order.

    citeproc-py has no disambiguation at all.  In the reference list, APA (9.47) and the other author-date
    styles that set ``disambiguate-add-year-suffix`` want works by identical authors in the same year
    told apart by a suffix, lettered in reference-list order; we do that for styles asking for it.
    """
    citation = csl.root.citation
    if citation is None or citation.get("disambiguate-add-year-suffix", "false") != "true":
        return {}
    groups: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for cid, entry in zip(ids, entries):
        if entry.record.authors:
            groups[(_author_key(entry.record.authors), entry.record.year)].append(cid)
    out: dict[str, str] = {}
    for members in groups.values():
        if len(members) > 1:
            out.update({cid: _letters(i) for i, cid in enumerate(members)})
    return out


@by_identity  # each list of a build asks again for the same authors
def _author_key(authors: tuple[Person, ...]) -> tuple[str, ...]:
    return tuple(markup.clean(p.display).casefold() for p in authors)


def _letters(index: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa" (citeproc-js's sequence)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(ord("a") + rem) + out
    return out


_QUOTE_PUNCT = re.compile("([\u201d\u2019])([\ue000-\ue00b]*)([.,])")


def _punctuation_in_quote(text: str) -> str:
    """Move a comma or period that follows a closing quote inside it (locale option punctuation-in-quote).

    citeproc-py applies it to nothing, so IEEE came out as ``“Mistral 7B”, Oct.`` instead of
    ``“Mistral 7B,” Oct.`` (CSL 1.0.2, "Punctuation in quotes"; citeproc-js and pandoc do this).
    """
    return _QUOTE_PUNCT.sub(lambda m: m.group(3) + m.group(1) + m.group(2), text)


def _split_label(csl: Any, item: Any) -> str:
    """The first field of a ``second-field-align`` bibliography ("[1]"), rendered alone; "" otherwise.

    citeproc-py glues it to the rest ("[1]A. Q. Jiang"); citeproc-js puts it in its own block, which we
    render as a label (a margin span in HTML, a separate token in text).
    """
    bibliography = csl.root.bibliography
    if not bibliography.get("second-field-align"):
        return ""
    # Keep the layout proxy referenced: lxml drops Python attributes (``repressed``) of proxies it frees.
    layout = bibliography.layout
    layout.repressed = {}  # what render_bibliography sets up before each entry
    try:
        text = layout[0].render(item, context=layout)
    except Exception:  # noqa: BLE001 - a first field we cannot render alone just stays inline
        return ""
    return str(text) if text else ""


# --- pybtex styles --------------------------------------------------------------------------------------


def render_pybtex(entries: Sequence[Entry], style: StyleRef, cache: RenderCache | None = None) -> Rendered:
    """Render ``entries`` with a pybtex style (``pybtex:plain``...), from the BibTeX emitter's own output.

    Going through the .bib text means the list shows exactly what BibTeX users get from our .bib.
    """
    from pybtex.database import parse_string
    from pybtex.plugin import find_plugin

    from bibexport.emitters import bibtex

    by_key = {e.key: e for e in entries}
    if not by_key:
        return [], {}
    database = parse_string(bibtex.emit([(e.key, e.record) for e in entries]), "bibtex")
    formatting = find_plugin("pybtex.style.formatting", style.pybtex_name)
    sorting = _bibtex_sorting() if formatting.default_sorting_style == "author_year_title" else None
    formatted = formatting(sorting_style=sorting).format_bibliography(database)
    order: list[str] = []
    items: dict[str, Item] = {}
    for fe in formatted:
        entry = by_key[fe.key]
        backend = _SentinelBackend()
        rich = RichText(fe.text.render(backend), tuple(backend.hrefs))
        rich = _linkify(rich, entry.record, link_title=False)
        order.append(entry.key)
        items[entry.key] = Item(body=rich, label=f"[{markup.clean(fe.label)}]", links=entry_links(entry.record))
    return order, items


@functools.cache
def _bibtex_sorting() -> type:
    """pybtex's author-year-title sorting with BibTeX's ``sortify`` (``purify$``, then lower case) applied to
    each part, and ``plain.bst``'s "A "/"An "/"The " chopped off titles.

    pybtex compared the raw field text: a braced corporate author (``{Anthropic}``) sorted after every
    person, since "{" comes after the letters, and "opendilab" after "Rafailov" (case); bibtex, whose order
    readers of a plainnat/plain document see, sorts them among the others."""
    from pybtex.style.sorting.author_year_title import SortingStyle

    class BibtexSorting(SortingStyle):  # type: ignore[misc]
        def sorting_key(self, entry: Any) -> tuple[str, str, str]:
            author, year, title = super().sorting_key(entry)
            for article in ("A ", "An ", "The "):
                if title.startswith(article):
                    title = title[len(article) :]
                    break
            return _sortify(author), _sortify(year), _sortify(title)

    return BibtexSorting


def _sortify(text: str) -> str:
    """BibTeX's ``purify$`` and lower case: control sequences and non-alphanumerics dropped (a hyphen or tie
    becomes a space), braces removed."""
    text = re.sub(r"\\[A-Za-z]+|\\.", "", text)
    text = re.sub(r"[-~]", " ", text)
    return "".join(ch for ch in text if ch.isalnum() or ch.isspace()).lower()


class _SentinelBackend(BaseBackend):  # type: ignore[misc]
    """A pybtex backend that writes :mod:`markup` sentinels (so our serializers do all the escaping)."""

    symbols = MappingProxyType({"ndash": "\u2013", "newblock": " ", "nbsp": " "})
    tags = MappingProxyType({"em": "i", "i": "i", "emph": "i", "b": "b", "strong": "b", "sup": "sup", "sub": "sub"})

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def format_str(self, str_: str) -> str:
        return markup.clean_inline(_decode_text_commands(str_))

    def format_tag(self, tag_name: str, text: str) -> str:
        kind = self.tags.get(tag_name)
        return markup.wrap(kind, text) if kind else text

    def format_href(self, url: str, text: str, external: bool = False) -> str:
        self.hrefs.append(url)
        return f"{markup.LINK_OPEN}{len(self.hrefs) - 1}{markup.LINK_MID}{text}{markup.LINK_CLOSE}"

    def format_protected(self, text: str) -> str:
        return text


@functools.cache
def _text_commands() -> re.Pattern[str]:
    return re.compile(r"\\(" + "|".join(sorted(_TEXT_COMMANDS)) + r")(?![A-Za-z]) ?")


def _decode_text_commands(text: str) -> str:
    """``\\textless`` -> ``<`` and the like: the BibTeX emitter writes these for ASCII characters that
    pybtex's LaTeX parser leaves as commands (it decodes accents and ``\\_`` itself)."""
    if "\\" not in text:
        return text
    return _text_commands().sub(lambda m: _TEXT_COMMANDS[m.group(1)], text)


_TEXT_COMMANDS = {"textless": "<", "textgreater": ">", "textbar": "|", "textbackslash": "\\",
                  "textbraceleft": "{", "textbraceright": "}", "textasciitilde": "~", "textasciicircum": "^"}


RENDERERS: dict[str, Callable[[Sequence[Entry], StyleRef, RenderCache], Rendered]] = {"csl": render_csl, "pybtex": render_pybtex}
