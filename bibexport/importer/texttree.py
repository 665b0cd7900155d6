"""Plain-text reading lists → the document tree: bullets and numbered entries (``- ``, ``1.``, ``[12]``) are
list items, nested by indentation; other lines are one-line paragraphs, except a wrapped paragraph (an
abstract broken over lines, a citation continued on the next line), which is joined back."""

from __future__ import annotations

import re

from bibexport.importer.links import _MD_LINK
from bibexport.importer.tree import Block, Document, Heading, Inline, Item, Para, Span, clean_spans

_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
_BULLET = re.compile(r"^(?:[-*+•–—]|\d{1,3}[.)]|\[\d{1,3}\]|\(\d{1,3}\))(?:\s+|$)")
_EMPHASIS = re.compile(r"(?<![\w*])(\*\*|\*|__|_)(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_URLISH = re.compile(r"(?i)^[<(\[]?(h?t{1,2}p{1,2}s?[:;]|www\.)")


def lines_of(text: str) -> list[str]:
    """Lines as an editor numbers them (CRLF, CR or LF), tabs expanded, invisible characters removed."""
    text = text.removeprefix("\ufeff")
    return [_INVISIBLE.sub("", line.expandtabs(4)) for line in re.split(r"\r\n|\r|\n", text)]


def text_spans(text: str) -> list[Span]:
    """Plain text with ``*emphasis*`` read as emphasis (the usual mark of a title), ``[text](url)`` links
    (Markdown habits in a .txt file) and bare addresses as links."""
    spans: list[Span] = []
    pos = 0
    for m in _MD_LINK.finditer(text):
        spans.extend(_emphasis(text[pos : m.start()]))
        if not m.group(1):  # an image is no reading
            spans.append(Span(m.group(2), m.group(3).strip("<>")))
        pos = m.end()
    spans.extend(_emphasis(text[pos:]))
    return clean_spans([s for s in spans if s.text or s.url is not None])


def _emphasis(text: str) -> list[Span]:
    spans: list[Span] = []
    pos = 0
    for m in _EMPHASIS.finditer(text):
        spans.append(Span(text[pos : m.start()]))
        spans.append(Span(m.group(2), em=True))
        pos = m.end()
    spans.append(Span(text[pos:]))
    return spans


def _continues(cur: str, nxt: str) -> bool:
    """Whether ``nxt`` continues the wrapped line ``cur`` rather than starting a new one."""
    if not nxt or _BULLET.match(nxt) or _URLISH.match(nxt) or re.match(r"(?i)^read\s+on\b", nxt) or "://" in cur:
        return False
    if len(cur) >= 50 and nxt[0].islower():
        return True
    return len(cur) >= 65 and len(nxt) >= 50 and cur[-1] not in ".?!:;" and not cur.endswith(("|", '"', "”"))


def _citation_blocks(raw: list[str]) -> dict[int, int]:
    """First line → last line (1-based) of each block between blank lines that is one reference."""
    found: dict[int, int] = {}
    start = None
    for i, line in enumerate([*raw, ""]):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            block = [x.strip() for x in raw[start:i]]
            if _citation_block(block):
                found[start + 1] = i
            start = None
    return found


def _open_bracket(text: str) -> bool:
    """A bracket opened and not closed yet ("[The papers listed here …" wrapped over lines)."""
    return text.startswith(("[", "(")) and text.count("[") + text.count("(") > text.count("]") + text.count(")")


_META = re.compile(r"(?i)^(accessed|retrieved|downloaded|stable url|url|link|doi|available)\b.*")


def _citation_block(lines: list[str]) -> bool:
    """A block between blank lines that is one reference: no bullets, a few lines, its address(es) at the end
    (followed by no more than "Accessed: …" lines), and text before them."""
    if not 2 <= len(lines) <= 14 or any(_BULLET.match(x) for x in lines):
        return False
    with_url = [i for i, x in enumerate(lines) if re.search(r"(?i)https?://|www\.", x)]
    if not with_url or with_url[0] == 0:
        return False
    after = lines[with_url[0] + 1 :]
    return all(re.search(r"(?i)https?://|www\.", x) or _META.match(x) for x in after)


def read_text_tree(text: str, source: str) -> Document:
    """The document tree of a plain-text list."""
    raw = lines_of(text)
    blocks: list[Block] = []
    citation_lines = _citation_blocks(raw)
    stack: list[tuple[int, Item]] = []  # (indent, item) of the items lines may nest under
    no = 0
    while no < len(raw):
        line = raw[no]
        stripped = line.strip()
        no += 1
        if not stripped:
            continue
        first = no
        if first in citation_lines:  # a whole reference block: read as one reading by the inference
            end = citation_lines[first]
            blocks.append(Para([Inline(text_spans(raw[k].strip()), k + 1) for k in range(first - 1, end)],
                               citation=True))
            no = end
            stack.clear()
            continue
        banner = re.fullmatch(r"([=#*~-])\1{2,}\s*(.*?)\s*\1{3,}", stripped)
        if banner and banner.group(2):  # "============= TSTL Papers =========="
            blocks.append(Heading(2, Inline(text_spans(banner.group(2)), first)))
            stack.clear()
            continue
        if no < len(raw) and re.fullmatch(r"(=+|-{3,})", raw[no].strip()) and not _BULLET.match(stripped):
            level = 1 if raw[no].strip().startswith("=") else 2  # a setext heading: "Title" over "====="
            blocks.append(Heading(level, Inline(text_spans(stripped), first)))
            no += 1
            stack.clear()
            continue
        if (
            not blocks and first == 1 + next(i for i, x in enumerate(raw) if x.strip()) and no < len(raw)
            and not raw[no].strip() and not _BULLET.match(stripped) and "://" not in stripped
            and len(stripped) <= 100 and not re.match(r"(?i)^read\s+on\b", stripped)
            and not re.search(r"\d{4}|\b(week|session|lecture|class)\s*\d", stripped, re.IGNORECASE)
        ):  # the first line, set off by a blank line: the list's title
            blocks.append(Heading(1, Inline(text_spans(stripped), first)))
            continue
        group = [stripped]
        while no < len(raw) and (
            _continues(group[-1], raw[no].strip()) or (_open_bracket(" ".join(group)) and raw[no].strip())
        ):
            group.append(raw[no].strip())
            no += 1
        indent = len(line) - len(line.lstrip())
        bullet = _BULLET.match(stripped)
        if bullet:
            group[0] = stripped[bullet.end() :]
        while stack and stack[-1][0] >= indent and not (stack[-1][0] == indent and not bullet):
            stack.pop()
        joined = " ".join(group)
        prose = len(joined) > 300 or (len(joined.split()) >= 14 and joined.rstrip()[-1:] in ".!")
        if len(group) > 1 and not any(_URLISH.match(w) or "://" in w for w in group) and not bullet and prose:
            block: Block = Para([Inline(text_spans(g), first + i) for i, g in enumerate(group)])
        else:
            inline = Inline(text_spans(" ".join(group)), first)
            block = Item(inline) if bullet else Para([inline])
        parent = stack[-1][1] if stack and indent > stack[-1][0] else None
        (parent.children if parent is not None else blocks).append(block)
        if isinstance(block, Item):
            stack.append((indent, block))
    return Document(blocks, source, front={"__format__": "text"})
