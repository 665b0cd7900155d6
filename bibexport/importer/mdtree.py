"""Markdown reading lists → the document tree, with markdown-it-py (CommonMark, GFM tables, front matter,
definition lists).  Inline HTML (``<a href>``, ``<br>``) and HTML blocks go through BeautifulSoup; line numbers
come from the tokens' source maps."""

from __future__ import annotations

import re
import sys
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

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

_MD = MarkdownIt("commonmark", {"html": True}).enable("table").use(front_matter_plugin).use(deflist_plugin)
_A_OPEN = re.compile(r"""(?is)^<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_BR = re.compile(r"(?i)^<br\s*/?>$")
_KNOWN_TAG = re.compile(
    r"(?i)^<(/?(a|abbr|b|big|br|cite|code|del|dfn|em|font|i|img|ins|kbd|mark|q|s|samp|small|span|strike|strong|"
    r"sub|sup|tt|u|var|wbr|input|label|button|svg|path|iframe|video|audio|source|script|style|div|p)\b|!--)"
)


def _inline_lines(tok: Token, first_line: int) -> list[Inline]:
    """An inline token's content as one :class:`Inline` per source line (split at soft/hard breaks and
    ``<br>``); a break inside a link is a space."""
    lines: list[Inline] = []
    spans: list[Span] = []
    line = first_line
    link: Span | None = None
    em = 0
    for child in tok.children or []:
        kind = child.type
        if kind in ("softbreak", "hardbreak") or (kind == "html_inline" and _BR.match(child.content.strip())):
            if link is not None:
                link.text += " "
                continue
            lines.append(Inline(clean_spans(spans), line))
            spans, line = [], line + (1 if kind != "html_inline" else 0)
        elif kind == "link_open":
            link = Span("", str(child.attrGet("href") or ""))
            spans.append(link)
        elif kind == "link_close":
            link = None
        elif kind == "html_inline" and _A_OPEN.match(child.content):
            link = Span("", _href(child.content))
            spans.append(link)
        elif kind == "html_inline" and re.match(r"(?i)^</a\s*>$", child.content):
            link = None
        elif kind in ("em_open", "strong_open"):
            em += 1
        elif kind in ("em_close", "strong_close"):
            em = max(0, em - 1)
        elif kind in ("text", "code_inline"):
            if link is not None:
                link.text += child.content
            else:
                spans.append(Span(child.content, em=em > 0 and kind == "text"))
        elif kind == "html_inline" and re.match(r"(?i)^</?(em|i|cite)\b", child.content):
            em = em + 1 if not child.content.startswith("</") else max(0, em - 1)
        elif kind == "html_inline" and not _KNOWN_TAG.match(child.content):
            # "<A>" in a title is text that looks like a tag, not markup of the page
            if link is not None:
                link.text += child.content
            else:
                spans.append(Span(child.content))
        # images and other inline HTML carry no reading
    lines.append(Inline(clean_spans(spans), line))
    return [inl for inl in lines if inl.spans]


def _href(tag: str) -> str:
    """The href of an inline ``<a …>`` tag, read by BeautifulSoup (entities and quoting as browsers do)."""
    from bs4 import BeautifulSoup
    from bs4.element import Tag

    a = BeautifulSoup(tag, "html.parser").find("a")
    return str(a.get("href") or "") if isinstance(a, Tag) else ""


def _all_bold(tok: Token) -> bool:
    """A paragraph that is one bold phrase, short, and no label ("**Required Readings:**" is a label)."""
    kids = [c for c in tok.children or [] if not (c.type == "text" and not c.content.strip())]
    if len(kids) < 3 or kids[0].type != "strong_open" or kids[-1].type != "strong_close":
        return False
    inner = kids[1:-1]
    if any(c.type in ("strong_open", "strong_close", "link_open", "softbreak", "hardbreak") for c in inner):
        return False
    text = "".join(c.content for c in inner).strip()
    return 0 < len(text) <= 80 and not text.endswith(":")


def _line(tok: Token) -> int:
    return tok.map[0] + 1 if tok.map else 0


class _Builder:
    def __init__(self, tokens: list[Token], source: str) -> None:
        self.tokens = tokens
        self.source = source
        self.front: dict[str, Any] = {}
        self.stray: list[tuple[str, int, str]] = []
        self.depth = 0
        self.front_text = ""
        self.lines: list[str] = []

    def build(self) -> list[Block]:
        blocks, _ = self.seq(0, None)
        return blocks

    def seq(self, i: int, until: str | None) -> tuple[list[Block], int]:
        """Blocks from token ``i`` up to the closing token ``until`` (exclusive); returns the index after it."""
        blocks: list[Block] = []
        while i < len(self.tokens):
            tok = self.tokens[i]
            if until is not None and tok.type == until:
                return blocks, i + 1
            i = self.block(i, blocks)
        return blocks, i

    def block(self, i: int, out: list[Block]) -> int:
        tok = self.tokens[i]
        kind = tok.type
        if kind == "front_matter":
            self.front = _front(tok.content)
            self.front_text = tok.content
            return i + 1
        if kind == "heading_open":
            inl = _inline_lines(self.tokens[i + 1], _line(tok))
            spans = [s for x in inl for s in ([*x.spans, Span(" ")])][:-1] if inl else []
            out.append(Heading(int(tok.tag[1]), Inline(clean_spans(spans), _line(tok))))
            return i + 3
        if kind == "paragraph_open":
            inline = self.tokens[i + 1]
            if _all_bold(inline):  # "**Framing the field**" alone on its line: a heading in all but name
                lines = _inline_lines(inline, _line(tok))
                out.append(Heading(7, Inline(clean_spans([Span(" ".join(x.text for x in lines))]), _line(tok))))
                return i + 3
            lines = _inline_lines(inline, _line(tok))
            if lines:
                out.append(Para(lines))
            return i + 3
        if kind in ("bullet_list_open", "ordered_list_open"):
            close = kind.replace("_open", "_close")
            i += 1
            while i < len(self.tokens) and self.tokens[i].type != close:
                if self.tokens[i].type == "list_item_open":
                    line = _line(self.tokens[i])
                    children, i = self.seq(i + 1, "list_item_close")
                    out.append(_item(children, line))
                else:
                    i += 1
            return i + 1
        if kind == "table_open":
            return self.table(i, out)
        if kind == "dl_open":
            return self.deflist(i, out)
        if kind == "html_block":
            if re.search(r"(?i)\bmarkdown\s*=\s*[\"']?(1|block|span)", tok.content):
                return self.markdown_in_html(i, out)
            from bibexport.importer.htmltree import html_blocks

            content, j = tok.content, i + 1
            end = _closing_line(self.lines, tok) if tok.level == 0 and tok.map else None
            if end is not None:  # a table broken by a blank line: CommonMark ends the HTML block there
                content = "\n".join(self.lines[tok.map[0] : end]) if tok.map else content
                while j < len(self.tokens):
                    at = self.tokens[j].map
                    if at is not None and at[0] >= end:
                        break
                    j += 1
            blocks, stray = html_blocks(content, _line(tok) - 1)
            out.extend(blocks)
            self.stray.extend(stray)
            return j
        if kind == "blockquote_open":
            blocks, j = self.seq(i + 1, "blockquote_close")
            out.extend(blocks)
            return j
        return i + 1

    def markdown_in_html(self, i: int, out: list[Block]) -> int:
        """kramdown's ``<div class="optional_reading" markdown="1">``: the tags go, the content is Markdown; a
        class naming a section ("optional_reading") marks what the div holds."""
        tok = self.tokens[i]
        first = _line(tok)
        inner = re.sub(r"(?m)^\s*</?[A-Za-z][^>]*>\s*$", "", tok.content)
        m = re.search(r"""(?i)class\s*=\s*["'][^"']*?\b(optional|further|recommended|supplementa\w*|required)[^>]*>\s*$""",
                      tok.content.strip())
        if not inner.strip():  # only tags: a "<div class='optional_reading'>" opening what follows
            if m:
                word = "Required" if m.group(1).lower() == "required" else "Optional"
                out.append(Para([Inline([Span(f"{word} readings:")], first)]))
            return i + 1
        if inner == tok.content or self.depth > 20:  # nothing to unwrap: read it as HTML after all
            from bibexport.importer.htmltree import html_blocks

            blocks, stray = html_blocks(tok.content, first - 1)
            out.extend(blocks)
            self.stray.extend(stray)
            return i + 1
        sub = _Builder(_MD.parse(inner), self.source)
        sub.depth = self.depth + 1
        sub.lines = inner.split("\n")
        blocks = sub.build()
        _shift(blocks, first - 1)
        self.stray.extend(sub.stray)
        m = re.search(r"""(?i)class\s*=\s*["'][^"']*?\b(optional|further|recommended|supplementa\w*|required)""", tok.content)
        if m and blocks:
            marker = "Optional readings" if m.group(1).lower() != "required" else "Required readings"
            out.append(Item(Inline([Span(marker)], first), blocks))
        else:
            out.extend(blocks)
        return i + 1

    def table(self, i: int, out: list[Block]) -> int:
        header: list[str] = []
        rows: list[Row] = []
        line = _line(self.tokens[i])
        in_head = False
        cells: list[list[Inline]] = []
        row_line = line
        while i < len(self.tokens) and self.tokens[i].type != "table_close":
            tok = self.tokens[i]
            if tok.type == "thead_open":
                in_head = True
            elif tok.type == "thead_close":
                in_head = False
            elif tok.type == "tr_open":
                cells, row_line = [], _line(tok)
            elif tok.type == "inline":
                parts = _inline_lines(tok, row_line)
                for part in parts:
                    part.line = row_line
                cells.append(parts)
            elif tok.type == "tr_close":
                if in_head:
                    header = [" ".join(p.text for p in c) for c in cells]
                    for c in cells:
                        for p in c:
                            if p.links:
                                for s in p.links:
                                    self.stray.append((s.url or "", row_line, s.text))
                else:
                    rows.append(Row(cells, row_line))
            i += 1
        out.append(Table(header, rows, line))
        return i + 1

    def deflist(self, i: int, out: list[Block]) -> int:
        line = _line(self.tokens[i])
        entries: list[DefEntry] = []
        i += 1
        while i < len(self.tokens) and self.tokens[i].type != "dl_close":
            tok = self.tokens[i]
            if tok.type == "dt_open":
                lines = _inline_lines(self.tokens[i + 1], _line(tok))
                spans = [s for x in lines for s in (*x.spans, Span(" "))]
                entries.append(DefEntry(Inline(clean_spans(spans), _line(tok))))
                i += 3
            elif tok.type == "dd_open":
                body, i = self.seq(i + 1, "dd_close")
                if entries:
                    entries[-1].body.extend(body)
                else:
                    out.extend(body)
            else:
                i += 1
        out.append(DefList(entries, line))
        return i + 1


_CONTAINERS = ("table", "ul", "ol", "dl")


def _closing_line(lines: list[str], tok: Token) -> int | None:
    """Where an HTML block that opens a table (or list) but does not close it really ends: the line after its
    closing tag, when that is further down than the block (a blank line inside the table split it)."""
    for tag in _CONTAINERS:
        opened = len(re.findall(rf"(?i)<{tag}\b", tok.content))
        closed = len(re.findall(rf"(?i)</{tag}\s*>", tok.content))
        if opened > closed:
            depth = opened - closed
            assert tok.map is not None
            for k in range(tok.map[1], len(lines)):
                depth += len(re.findall(rf"(?i)<{tag}\b", lines[k])) - len(re.findall(rf"(?i)</{tag}\s*>", lines[k]))
                if depth <= 0:
                    return k + 1
            return None
    return None


def _shift(blocks: list[Block], by: int) -> None:
    """Move the line numbers of blocks parsed from a part of the document to where that part starts."""
    for block in blocks:
        if isinstance(block, (Heading, Item)):
            block.inline.line += by
        if isinstance(block, Item):
            _shift(block.children, by)
        elif isinstance(block, Para):
            for inl in block.lines:
                inl.line += by
        elif isinstance(block, Table):
            block.line += by
            for row in block.rows:
                row.line += by
                for cell in row.cells:
                    for part in cell:
                        part.line += by
        elif isinstance(block, DefList):
            block.line += by
            for entry in block.entries:
                entry.term.line += by
                _shift(entry.body, by)


def _item(children: list[Block], line: int) -> Item:
    """A list item: its first paragraph's lines joined as the item's text, the rest as children."""
    if children and isinstance(children[0], Para):
        first = children[0]
        spans: list[Span] = []
        for inl in first.lines:
            spans.extend([*inl.spans, Span(" ")])
        return Item(Inline(clean_spans(spans[:-1]), first.line), children[1:])
    return Item(Inline([], line), children)


def _front(text: str) -> dict[str, Any]:
    """Front matter as a dict (safe loader; anything else, or YAML that does not load, gives {})."""
    import yaml

    try:
        data = yaml.safe_load(text) if len(text) < 100_000 else None
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def read_markdown_tree(text: str, source: str) -> Document:
    """The document tree of a Markdown list."""
    from bibexport.importer.texttree import lines_of

    clean = "\n".join(lines_of(text))
    toml_front: dict[str, Any] = {}
    m = re.match(r"(?s)\A\s*\+\+\+\n(.*?)\n\+\+\+[ \t]*(\n|\Z)", clean)
    if m:  # Hugo's TOML front matter: read for its title, blanked so line numbers stay
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib
        try:
            toml_front = tomllib.loads(m.group(1))
        except tomllib.TOMLDecodeError:
            toml_front = {}
        clean = "\n" * m.group(0).count("\n") + clean[m.end() :]
    builder = _Builder(_MD.parse(clean), source)
    builder.lines = clean.split("\n")
    blocks = builder.build()
    title = ""
    labels = {i + 1 for i, line in enumerate(clean.split("\n")) if re.search(r"\{:\s*\.label\b", line)}
    return Document(blocks, source, front=builder.front or toml_front, title=title, stray=builder.stray,
                    front_text=builder.front_text, label_lines=labels)
