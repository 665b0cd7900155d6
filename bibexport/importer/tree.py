"""The document tree every document reader (plain text, Markdown, HTML) produces, and the one structure
inference (:mod:`.infer`) reads.

A document is a sequence of blocks: headings, list items (with nested children), paragraphs (one
:class:`Inline` per source line), tables (cells split at ``<br>``) and definition lists.  Inline text is a
sequence of :class:`Span` s: plain text, emphasised text, or a link with its text.  Line numbers are 1-based
input lines, so every message and every link can be traced back to the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bibexport.importer.links import _joins, _looks_like_url


@dataclass
class Span:
    """A piece of inline text: a link (``url`` set, possibly empty when the input wrote ``href=""``), or text
    (``em`` when emphasised: the usual mark of a title in a citation)."""

    text: str
    url: str | None = None
    em: bool = False


@dataclass
class Inline:
    """One line of inline content."""

    spans: list[Span]
    line: int

    @property
    def text(self) -> str:
        """All the text, links included, whitespace collapsed."""
        return " ".join("".join(s.text for s in self.spans).split())

    @property
    def links(self) -> list[Span]:
        """The link spans, in order."""
        return [s for s in self.spans if s.url is not None]

    @property
    def outside(self) -> str:
        """The text outside links."""
        return " ".join(" ".join(s.text for s in self.spans if s.url is None).split())


@dataclass
class Heading:
    """``# text`` / ``<h2>``: its level (1-6)."""

    level: int
    inline: Inline

    @property
    def line(self) -> int:
        """The heading's input line."""
        return self.inline.line


@dataclass
class Item:
    """A list item: its own text and the blocks nested in it (sub-lists, further paragraphs)."""

    inline: Inline
    children: list[Block] = field(default_factory=list)

    @property
    def line(self) -> int:
        """The item's first input line."""
        return self.inline.line


@dataclass
class Para:
    """A paragraph (or a line of plain text): one inline per source line.  ``citation``: a plain-text block
    that is one reference written over several lines (title, authors, venue, its address last)."""

    lines: list[Inline]
    citation: bool = False

    @property
    def line(self) -> int:
        """The paragraph's first input line."""
        return self.lines[0].line if self.lines else 0


@dataclass
class Row:
    """A table row: its cells, each a list of parts (a cell written ``a<br>b`` has two)."""

    cells: list[list[Inline]]
    line: int


@dataclass
class Table:
    """A table: the header cells' text and the body rows."""

    header: list[str]
    rows: list[Row]
    line: int
    header_links: list[Inline] = field(default_factory=list)  # links written in header cells (rare)


@dataclass
class DefEntry:
    """A definition-list entry: the term and the blocks describing it."""

    term: Inline
    body: list[Block] = field(default_factory=list)


@dataclass
class DefList:
    """A definition list (kramdown ``term`` / ``: description``, HTML ``<dl>``)."""

    entries: list[DefEntry]
    line: int


Block = Heading | Item | Para | Table | DefList


@dataclass
class Document:
    """A parsed document: its blocks, its front matter (Markdown) and its title when the format says one
    (``<title>``)."""

    blocks: list[Block]
    source: str
    front: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    #: Links the reader saw but that belong to no block (e.g. inside skipped HTML), already classified.
    stray: list[tuple[str, int, str]] = field(default_factory=list)
    #: The front matter as written (Markdown), for a schedule kept there as data.
    front_text: str = ""
    #: Lines marked as a label badge (kramdown "{: .label}"): a lecture's topic, what hangs under it is material.
    label_lines: set[int] = field(default_factory=set)


# kramdown attribute lists ("{: .label .label-purple }") and Liquid template tags ("{% include x %}", "{{ page.x }}"):
# markup of the site generator, not text of the list
_IAL = re.compile(r"\{:[^{}]*\}|\{%.*?%\}|\{\{.*?\}\}")


def clean_spans(spans: list[Span]) -> list[Span]:
    """Merge adjacent text spans, drop kramdown attribute lists, and split bare URLs out of text spans."""
    out: list[Span] = []
    for span in spans:
        pieces = [(span.text, span.url)] if span.url is not None else _bare_urls(_IAL.sub("", span.text))
        for text, url in pieces:
            if url is None and out and out[-1].url is None and out[-1].em == span.em:
                out[-1] = Span(out[-1].text + text, None, span.em)
            elif text or url is not None:
                out.append(Span(text, url, span.em and url is None))
    return out


_TOKEN = re.compile(r"\S+")
_LEAD = "(<[\"'"


def _bare_urls(text: str) -> list[tuple[str, str | None]]:
    """Text with every written-out address ("see https://…", "arxiv.org/abs/…") split out as a link
    (``(text, url)`` pairs; a link's text is empty).  An address broken by a space ("…/abs/ 2203.02155") is
    joined back."""
    tokens = list(_TOKEN.finditer(text))
    out: list[tuple[str, str | None]] = []
    pos, i = 0, 0
    while i < len(tokens):
        tok = tokens[i]
        word = tok.group(0)
        lead = len(word) - len(word.lstrip(_LEAD))
        if not _looks_like_url(word[lead:]):
            inner = re.search(r"(?i)(?<=[(\[=\]\"'])(https?://|www\.)", word)  # "data](https://…)", "href=…"
            if inner is None:
                i += 1
                continue
            lead = inner.start()
        start, end, j = tok.start() + lead, tok.end(), i + 1
        while j < len(tokens) and _joins(tokens[j - 1].group(0), tokens[j].group(0)):
            end, j = tokens[j].end(), j + 1
        if lead and word[lead - 1] == "(" and text[end - 1] == ")" and text[start:end].count("(") < text[start:end].count(")"):
            end -= 1  # "(https://…)": the parenthesis closes the text's, not the address's
        if start > pos:
            out.append((text[pos:start], None))
        out.append(("", text[start:end]))
        pos, i = end, j
    if pos < len(text):
        out.append((text[pos:], None))
    return out
