"""HTML pages (course websites) → the document tree, with BeautifulSoup's html.parser: headings, nested
lists, tables (``<br>``-separated cells), definition lists and paragraphs.  ``<script>``, ``<style>``,
navigation and footers are skipped (their links are counted as skipped), nothing is executed; the walk is
iterative with a depth cap, so deeply nested pages cannot exhaust the stack."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from bs4.element import Comment, NavigableString, Tag

from bibexport.importer.tree import (
    Block,
    DefEntry,
    DefList,
    Document,
    Heading,
    Inline,
    Item,
    Para,
    Row,
    Span,
    Table,
    clean_spans,
)

_SKIP = {"script", "style", "noscript", "template", "svg", "nav", "footer", "head", "iframe", "object", "button",
         "select", "form", "canvas", "math"}
_BLOCKS = {"p", "div", "section", "article", "main", "body", "html", "header", "aside", "center", "blockquote",
           "ul", "ol", "li", "table", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "details",
           "summary", "figure", "tr", "td", "th", "tbody", "thead", "hr", "span"}
_MAX_DEPTH = 200
_BREAK = object()  # a marker in the inline walk: a block element ended
_LINE_BLOCKS = {"p", "div", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "blockquote",
                "section", "article", "table", "pre"}
_EM = {"em", "i", "cite"}


class _Reader:
    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.stray: list[tuple[str, int, str]] = []

    def line(self, tag: Tag) -> int:
        return (tag.sourceline or 0) + self.offset

    def skip_links(self, tag: Tag, why: str) -> None:
        for a in tag.find_all("a", href=True):
            if isinstance(a, Tag):
                self.stray.append((str(a.get("href") or ""), self.line(a), a.get_text(" ", strip=True) or why))

    def inline(self, tag: Tag, *, nested: bool = False) -> list[Inline]:
        """The inline content of ``tag`` as lines (split at ``<br>`` and at block children); nested lists and
        other blocks are left out when ``nested`` (they become children)."""
        return self.inline_nodes(list(tag.children), self.line(tag), nested=nested)

    def inline_nodes(self, nodes: list[Any], line: int, *, nested: bool = False) -> list[Inline]:
        """Inline content of a run of nodes (see :meth:`inline`)."""
        lines: list[Inline] = []
        spans: list[Span] = []
        stack: list[tuple[Any, int, Span | None]] = [(c, 0, None) for c in reversed(nodes)]
        while stack:
            node, em, link = stack.pop()
            if node is _BREAK:  # the end of a block inside the run: what follows starts a new line
                if spans and link is None:
                    lines.append(Inline(clean_spans(spans), line))
                    spans = []
                continue
            if isinstance(node, Comment):
                continue
            if isinstance(node, NavigableString):
                text = str(node)
                if link is not None:
                    link.text += text
                elif text:
                    spans.append(Span(text, em=em > 0))
                continue
            if not isinstance(node, Tag):
                continue
            name = node.name.lower()
            if name in _SKIP:
                self.skip_links(node, name)
                continue
            if nested and name in ("ul", "ol", "dl", "table"):
                continue
            if name == "br" or (name in ("p", "div", "li", "tr") and spans and link is None):
                if link is None:
                    if spans:
                        lines.append(Inline(clean_spans(spans), line))
                    spans, line = [], self.line(node) if name != "br" else line
                if name == "br":
                    continue
            if name == "a" and node.has_attr("href") and link is None:
                new = Span("", str(node.get("href") or ""))
                spans.append(new)
                stack.extend((c, em, new) for c in reversed(list(node.children)))
                continue
            if name == "img":
                continue
            if name in _LINE_BLOCKS and link is None:
                stack.append((_BREAK, em, None))
            stack.extend((c, em + (name in _EM), link) for c in reversed(list(node.children)))
        if spans:
            lines.append(Inline(clean_spans(spans), line))
        return [inl for inl in lines if inl.text or inl.links]

    def blocks(self, root: Tag, exclude: tuple[str, ...] = (), depth: int = 0) -> list[Block]:
        """Blocks of ``root``'s children (but those named in ``exclude``); containers (div, section, …) are
        walked through."""
        out: list[Block] = []
        children = [c for c in root.children if not (isinstance(c, Tag) and c.name.lower() in exclude)]
        # explicit stack of (node, target list, depth) so depth never reaches Python's recursion limit
        work: list[tuple[Any, list[Block], int]] = [(g, out, depth) for g in reversed(_runs(children))]
        while work:
            node, target, depth = work.pop()
            if isinstance(node, list):  # a run of inline nodes: text, links, emphasis
                lines = self.inline_nodes(node, _first_line(node) + self.offset)
                if lines:
                    target.append(Para(lines))
                continue
            if not isinstance(node, Tag):
                continue
            name = node.name.lower()
            if name in _SKIP:
                self.skip_links(node, name)
                continue
            if depth > _MAX_DEPTH:
                self.skip_links(node, "nested too deeply")
                continue
            if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                spans = [s for inl in self.inline(node) for s in (*inl.spans, Span(" "))]
                target.append(Heading(int(name[1]), Inline(clean_spans(spans), self.line(node))))
            elif name in ("ul", "ol"):
                target.extend(self.items(node, depth))
            elif name == "table":
                target.append(self.table(node))
            elif name == "dl":
                target.append(self.deflist(node, depth))
            elif name == "p" and _all_bold(node):  # <p><strong>Framing the field</strong></p>: a heading
                target.append(Heading(7, Inline(clean_spans([Span(node.get_text(" ", strip=True))]), self.line(node))))
            elif name in ("p", "pre", "summary", "figcaption", "caption"):
                lines = self.inline(node)
                if lines:
                    target.append(Para(lines))
            elif _has_block_child(node):
                work.extend((g, target, depth + 1) for g in reversed(_runs(list(node.children))))
            else:
                lines = self.inline(node)
                if lines:
                    target.append(Para(lines))
        return out

    def item(self, li: Tag, depth: int) -> Item:
        """A list item: its first line is the item, what follows (paragraphs, nested lists, in order) its
        children.  A next ``<li>`` the page left unclosed (html.parser nests it) is no part of this one."""
        if _has_block_child(li) and depth < _MAX_DEPTH:
            blocks = self.blocks(li, exclude=("li",), depth=depth + 1)
            if blocks and isinstance(blocks[0], Para):
                first = blocks[0]
                rest = [Para(first.lines[1:])] if len(first.lines) > 1 else []
                return Item(first.lines[0], rest + blocks[1:])
            return Item(Inline([], self.line(li)), blocks)
        lines = self.inline(li, nested=True)
        spans: list[Span] = []
        for inl in lines:
            spans.extend([*inl.spans, Span(" ")])
        item = Item(Inline(clean_spans(spans[:-1]), self.line(li)))
        for child in li.find_all(["ul", "ol", "dl", "table"]):
            if not isinstance(child, Tag) or child.find_parent(["li", "ul", "ol", "dl", "table"]) is not li:
                continue
            if depth > _MAX_DEPTH:
                self.skip_links(child, "nested too deeply")
                continue
            item.children.extend(self._sub(child, depth + 1))
        return item

    def items(self, lst: Tag, depth: int) -> list[Block]:
        """The items of a list, also those a page left unclosed."""
        return [self.item(li, depth) for li in lst.find_all("li")
                if isinstance(li, Tag) and li.find_parent(["ul", "ol"]) is lst]

    def _sub(self, tag: Tag, depth: int) -> list[Block]:
        name = tag.name.lower()
        if name in ("ul", "ol"):
            return self.items(tag, depth)
        if name == "table":
            return [self.table(tag)]
        return [self.deflist(tag, depth)]

    def table(self, table: Tag) -> Table:
        """A table on a grid: a cell spanning rows or columns leaves empty cells where it spans, so every
        column keeps its header."""
        header: list[str] = []
        rows: list[Row] = []
        spanning: dict[int, int] = {}  # column -> rows still covered by a rowspan from above
        loose = [th for th in table.find_all("th")  # "<thead><th>…" with no <tr>: html.parser keeps it so
                 if isinstance(th, Tag) and th.find_parent("table") is table and th.find_parent("tr") is None]
        if loose:
            header = [th.get_text(" ", strip=True) for th in loose]
            for th in loose:
                self.skip_links(th, "table header")
        for tr in table.find_all("tr"):
            if not isinstance(tr, Tag) or tr.find_parent("table") is not table:
                continue
            cells = [c for c in tr.find_all(["th", "td"], recursive=False) if isinstance(c, Tag)]
            if not header and cells and all(c.name == "th" for c in cells):
                header = [c.get_text(" ", strip=True) for c in cells]
                for c in cells:
                    self.skip_links(c, "table header")
                continue
            parts: list[list[Inline]] = []
            col = 0
            for c in cells:
                while spanning.get(col, 0) > 0:
                    parts.append([])
                    spanning[col] -= 1
                    col += 1
                rowspan = _int(c.get("rowspan"))
                colspan = _int(c.get("colspan"))
                parts.append(self.inline(c))
                for k in range(colspan):
                    if rowspan > 1:
                        spanning[col + k] = rowspan - 1
                    if k:
                        parts.append([])
                col += colspan
            while spanning.get(col, 0) > 0:
                parts.append([])
                spanning[col] -= 1
                col += 1
            rows.append(Row(parts, self.line(tr)))
        return Table(header, rows, self.line(table))

    def deflist(self, dl: Tag, depth: int) -> DefList:
        """A definition list; terms and descriptions the page left unclosed (html.parser nests them) are read
        as the siblings they are."""
        entries: list[DefEntry] = []
        for child in dl.find_all(["dt", "dd"]):
            if not isinstance(child, Tag) or child.find_parent("dl") is not dl:
                continue
            own = [c for c in child.children if not (isinstance(c, Tag) and c.name.lower() in ("dt", "dd"))]
            if child.name == "dt":
                spans = [s for inl in self.inline_nodes(own, self.line(child), nested=True)
                         for s in (*inl.spans, Span(" "))]
                entries.append(DefEntry(Inline(clean_spans(spans), self.line(child))))
                for sub in child.find_all("dl"):  # a list inside a term belongs to what it describes
                    if isinstance(sub, Tag) and sub.find_parent(["dt", "dd"]) is child and entries:
                        entries[-1].body.append(self.deflist(sub, depth + 1))
            elif depth < _MAX_DEPTH:
                body = self.blocks(child, exclude=("dt", "dd"), depth=depth + 1)
                if entries:
                    entries[-1].body.extend(body)
                else:
                    entries.append(DefEntry(Inline([], self.line(child)), body))
        return DefList(entries, self.line(dl))


def _all_bold(p: Tag) -> bool:
    """A paragraph that is one bold phrase, short, and no label."""
    kids = [c for c in p.children if not (isinstance(c, NavigableString) and not str(c).strip())]
    if len(kids) != 1 or not isinstance(kids[0], Tag) or kids[0].name.lower() not in ("strong", "b"):
        return False
    if kids[0].find("a"):
        return False
    text = kids[0].get_text(" ", strip=True)
    return 0 < len(text) <= 80 and not text.endswith(":")


def _int(value: object) -> int:
    text = str(value or "1").strip()
    return max(1, min(int(text), 50)) if text.isdigit() else 1


def _runs(nodes: list[Any]) -> list[Any]:
    """Children grouped: each block tag alone, each run of inline nodes (text, a, em, …) as one list."""
    out: list[Any] = []
    run: list[Any] = []
    for node in nodes:
        if isinstance(node, Tag) and (node.name.lower() in _BLOCKS - {"span"} or node.name.lower() in _SKIP
                                      or _has_block_child(node)):
            if run:
                out.append(run)
                run = []
            out.append(node)
        elif not isinstance(node, Comment):
            run.append(node)
    if run:
        out.append(run)
    return out


def _first_line(nodes: list[Any]) -> int:
    for node in nodes:
        if isinstance(node, Tag) and node.sourceline:
            return int(node.sourceline)
        parent = getattr(node, "parent", None)
        if isinstance(parent, Tag) and parent.sourceline:
            return int(parent.sourceline)
    return 0


def _has_block_child(tag: Tag) -> bool:
    return any(isinstance(c, Tag) and c.name in _BLOCKS - {"span"} for c in tag.children)


def html_blocks(text: str, offset: int = 0) -> tuple[list[Block], list[tuple[str, int, str]]]:
    """Blocks of an HTML fragment (an HTML block inside Markdown), lines shifted by ``offset``."""
    reader = _Reader(offset)
    soup = BeautifulSoup(text, "html.parser")
    return reader.blocks(soup), reader.stray


def read_html_tree(text: str, source: str) -> Document:
    """The document tree of an HTML page."""
    reader = _Reader(0)
    soup = BeautifulSoup(text, "html.parser")
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if isinstance(title_tag, Tag) else ""
    body = soup.find("body")
    root = body if isinstance(body, Tag) else soup
    blocks = reader.blocks(root)
    return Document(blocks, source, title=title, stray=reader.stray)
