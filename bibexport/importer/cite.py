"""One line of a reading list → the readings it names: which link text is a title and which a nickname
(``GPT-2``, ``[pdf]``, ``Radford et al.``), which links are no reading, what the list says around the link
(authors, venue, year, "sections 1-3"), and a ``(optional)`` / ``Required:`` marker on the item.  Pure.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bibexport.importer.classify import (
    _citation_title,
    _is_author_line,
    _is_label,
    _looks_like_authors,
    _section_of,
)
from bibexport.importer.links import _looks_like_url
from bibexport.importer.model import Section, SkipReason
from bibexport.importer.skips import skip_reason
from bibexport.importer.tree import Inline, Span

_MARK_WORDS = r"required|optional|recommended|further|supplementa(?:ry|l)|background|extra|additional|core|must[- ]read"
_LEAD_MARK = re.compile(
    rf"(?i)^\W{{0,3}}(?P<w>{_MARK_WORDS})(?:\s+(?:readings?|papers?|reading list))?\W{{0,3}}\s*[:\-–—)\]]+\s*"
)
_LEAD_PAREN = re.compile(rf"(?i)^\s*[(\[]\s*(?P<w>{_MARK_WORDS})\s*[)\]]\s*[:\-–—]?\s*")
_TAIL_MARK = re.compile(rf"(?i)\s*[(\[]\s*(?P<w>{_MARK_WORDS})(?:\s+reading)?\s*[)\]]\W{{0,2}}\s*$")
_TAIL_DASH = re.compile(r"(?i)\s*[-–—,:]\s*(?P<w>optional|required)\s*\W?\s*$")
_NUMBERING = re.compile(r"^\s*(?:\[\d{1,3}\]|\d{1,3}[.)]|\(\d{1,3}\))\s+")
_YEAR = re.compile(r"(?<![\d/.-])(19[5-9]\d|20[0-4]\d)(?![\d/])")
_ETAL = re.compile(r"(?i)\bet\.?\s*al\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_EDGES = " \t,;:|–—-·•*_"


def section_word(word: str) -> Section:
    """'required' for "Required"/"core", 'further' for "optional", "recommended", …"""
    return "required" if word.lower() in ("required", "core") or word.lower().startswith("must") else "further"


@dataclass
class Found:
    """A reading named by one line (before sessions, duplicates and line joins are considered)."""

    title: str
    links: list[Span] = field(default_factory=list)
    label: str = ""
    authors: str = ""
    year: int | None = None
    venue: str = ""
    note: str = ""
    by_link: bool = False  # the title is a link's text
    guessed: bool = False  # no title: named by a nickname or an address
    section: Section | None = None  # a marker on this reading itself ("(optional)")


@dataclass
class LineParse:
    """What one line holds."""

    readings: list[Found]
    skipped: list[tuple[Span, SkipReason]]
    marker: Section | None = None  # "(optional)" / "Required:" on the line itself
    loose: list[Span] = field(default_factory=list)  # label links ("[pdf]", "code") with no title on the line
    outside: str = ""  # the text outside links, markers removed


_TITLE_TAIL = re.compile(r"\s*\(([^()]*(?:\d|\b[A-Z]{2,}\b|[Ss]ections?|[Cc]hapters?|pp\.)[^()]*)\)\s*$")


def split_link_title(text: str) -> tuple[str, str]:
    """ "Flush+Reload: … (USENIX Sec '14, Sections 1-3)" → (title, "USENIX Sec '14, Sections 1-3")."""
    title = link_title(_TAIL_MARK.sub("", text))
    m = _TITLE_TAIL.search(title)
    if m and len(title[: m.start()].split()) >= 3:
        return title[: m.start()].rstrip(" .,:"), m.group(1).strip()
    return title, ""


def link_title(text: str) -> str:
    """A link's text as a title: the link delimits it, so only whitespace, emphasis around the whole text and
    a final full stop go."""
    text = html.unescape(" ".join(text.split()))
    m = re.fullmatch(r"(\*\*|__|\*|_)(.+)\1", text)
    if m:
        text = m.group(2).strip()
    if text.endswith(".") and not text.endswith("..") and not re.search(r"\b[A-Z]\.$|\bal\.$", text):
        text = text[:-1].rstrip()
    return text


def clean_title(text: str) -> str:
    """A title as printed: entities decoded, emphasis marks, wrapping quotes and a final full stop removed."""
    text = html.unescape(" ".join(text.split()))
    text = re.sub(r"(\*\*|__|\*|(?<!\w)_)(\S(?:.*?\S)?)\1(?!\w)", r"\2", text)
    text = text.strip(_EDGES)
    for a, b in (('"', '"'), ("“", "”"), ("'", "'"), ("‘", "’"), ("[", "]"), ("(", ")")):
        if text.startswith(a) and text.endswith(b) and text.count(a) + text.count(b) <= 2 + (a == b) * 0:
            text = text[1:-1].strip()
    text = text.strip(_EDGES)
    if text.endswith(".") and not text.endswith("..") and not re.search(r"\b[A-Z]\.$|\bal\.$|\bvs\.$", text):
        text = text[:-1]
    return text.strip(_EDGES + "“”\"") if text.count('"') % 2 or text.count("“") != text.count("”") else text


_LABEL = re.compile(r"^[\s*_]*([A-Za-z][\w-]*(?:[\s/-]+[\w-]+){0,6}(?:\s*\([^()]{0,60}\))?)[\s*_]*[:：][\s*_]*")
_LABEL_WORDS = frozenset(
    ["pre", "post", "lecture", "lectures", "reading", "readings", "read", "paper", "papers", "required", "optional", "background", "discussion", "presentation", "presentations", "presenter", "textbook", "book", "article", "articles", "blog", "main", "primary", "supplementary", "further", "additional", "recommended", "review", "choose", "one", "two", "any", "to", "and", "or", "of", "before", "after", "class", "video", "watch", "skim", "listen", "podcast", "case", "study", "studies", "other", "resources", "resource", "reference", "references", "in", "the", "for", "tutorial", "assigned", "core", "key", "suggested", "extra", "related", "more", "material", "materials", "also", "see", "from", "this", "week", "session", "discussed", "discuss", "lead", "student", "students", "report", "reports", "summary", "overview", "intro", "introduction", "seminal", "classic", "foundational", "note", "notes", "a", "an", "your", "at", "least", "pick"]
)


def strip_label(text: str) -> tuple[str, str]:
    """ "Pre-lecture: Title", "Post-lecture (Choose one to review): Title", "Paper: Title" → (label, rest);
    a title's own colon ("Llama 2: Open Foundation …") stays."""
    m = _LABEL.match(text)
    if m is None:
        return "", text
    words = re.findall(r"[a-z]+", m.group(1).lower())
    if words and all(w in _LABEL_WORDS for w in words):
        return m.group(1), text[m.end() :]
    return "", text


def _strip_markers(spans: list[Span]) -> tuple[list[Span], Section | None, Section | None]:
    """Remove a leading "Optional:" / "(Required)" and a trailing "(optional)" from the line's text."""
    spans = [Span(s.text, s.url, s.em) for s in spans]
    marker: Section | None = None
    tail: Section | None = None
    texts = [i for i, s in enumerate(spans) if s.url is None and s.text.strip()]
    if texts and texts[0] == next((i for i, s in enumerate(spans) if s.text.strip() or s.url is not None), -1):
        first = spans[texts[0]]
        m = _LEAD_PAREN.match(first.text) or _LEAD_MARK.match(first.text)
        if m and (m.end() < len(first.text) or len(spans) > 1):
            marker = section_word(m.group("w"))
            first.text = first.text[m.end() :]
        label, rest = strip_label(first.text)
        if label and (rest.strip() or len(spans) > 1):
            first.text = rest
            words = set(re.findall(r"[a-z]+", label.lower()))
            if marker is None and words & {"optional", "further", "additional", "recommended", "supplementary",
                                           "background", "extra", "related", "suggested", "more"}:
                marker = "further"
    last_i = max((i for i, s in enumerate(spans) if s.text.strip() or s.url is not None), default=-1)
    if texts and texts[-1] == last_i:
        last = spans[texts[-1]]
        m = _TAIL_MARK.search(last.text) or (
            _TAIL_DASH.search(last.text) if any(s.url is not None for s in spans) else None
        )
        if m:
            tail = section_word(m.group("w"))
            last.text = last.text[: m.start()]
    return spans, marker, tail


def is_nickname(text: str) -> bool:
    """Link text that names no title: a generic label ("pdf", "paper"), an address, "Radford et al.",
    a bracketed short name ("[ANCE]") or one or two words ("GPT-2", "Mistral 7B")."""
    t = " ".join(text.split()).strip("*_ ")
    if not re.search(r"\w", t) or _is_label(t) or _looks_like_url(t):
        return True
    if _ETAL.search(t) and len(t.split()) <= 5:
        return True
    if re.fullmatch(r"\[[^\]]{1,40}\]", t):
        return True
    return len(t.split()) <= 2


def _nick_label(text: str) -> bool:
    """A link text that is a name, not a title, even standing alone: one token ("GPT-2", "ANCE", "DPO"), a
    bracketed name ("[ANCE]") or an author citation ("Radford et al.")."""
    t = " ".join(text.split()).strip("*_ ")
    if len(t.split()) <= 4 and _CHAPTER_REF.search(t) and ":" not in t:
        return True  # "OSTEP Chapter 2": a place in a book, not a title
    return bool(t) and (" " not in t or bool(re.fullmatch(r"\[[^\]]{1,40}\]", t)) or bool(_ETAL.search(t)))


def generic(text: str) -> bool:
    """A label that says nothing about the work ("pdf", "paper", "arXiv", an address)."""
    t = text.strip(" []()*_")
    return not re.search(r"\w", t) or _is_label(t) or _looks_like_url(t)


def looks_like_title(text: str) -> bool:
    """Text that can be a reading's title: some letters, not an address, a label, an email or a name list."""
    t = text.strip()
    if len(re.findall(r"[^\W\d_]", t)) < 3 or _looks_like_url(t) or _is_label(t) or _EMAIL.search(t):
        return False
    return not (_is_author_line(t) and len(t.split(",")) >= 3)


@dataclass
class Fields:
    """What a citation's text says."""

    title: str = ""
    authors: str = ""
    venue: str = ""
    year: int | None = None
    note: str = ""
    nameless: bool = False  # "Tremblay & Dick, *Brain and Language*, 2016": the list names the paper, no title


_CHAPTER_REF = re.compile(r"(?i)\b(ch|chap|chapter|chapters|sec|section|sections|pp|pages)\.?\s*\d")


def _year(text: str) -> int | None:
    years = _YEAR.findall(text)
    return int(years[-1]) if years else None


def tail_fields(text: str) -> Fields:
    """Text after a titled link (". TACL 2024.", "(sections 1-3)", ", NeurIPS 2017"): venue, year, note."""
    f = Fields()
    text = re.sub(r"[(\[]\s*[,;:]?\s*[)\]]", " ", text)
    notes = re.findall(r"\(([^()]{1,80})\)", text)
    rest = re.sub(r"\([^()]{1,80}\)", " ", text)
    rest = " ".join(rest.split()).strip(_EDGES + ".")
    f.year = _year(text)
    kept = [n for n in notes if not re.fullmatch(r"\s*(19|20)\d\d\s*", n)]
    f.note = "; ".join(n.strip() for n in kept)
    if rest and len(rest) <= 80 and not re.fullmatch(r"(19|20)\d\d", rest) and not _ETAL.search(rest):
        if re.search(r"[A-Z]", rest) and len(rest.split()) <= 8:
            f.venue = rest
        elif not f.note:
            f.note = rest
    return f


def head_authors(text: str) -> str:
    """Text before a titled link when it names authors ("Ori Ram, Yoav Levine, …", "Christiano et al.,")."""
    t = _NUMBERING.sub("", text).strip(_EDGES + ".")
    t = re.sub(r"\s*\(?\b(19|20)\d\d[a-z]?\b\)?\s*$", "", t).strip(_EDGES + ".")
    t = re.sub(r"(?i)\s*\((eds?|editors?)\.?\)\s*$", "", t).strip(_EDGES + ".")  # "Knight, A. (Eds.)"
    if t and (_ETAL.search(t) or _looks_like_authors(t)) and len(t) <= 400:
        return t
    return ""


def text_fields(spans: list[Span]) -> Fields:
    """A citation written as text: ``A. Author, "Title," Venue, 2023``, ``Authors. *Title*. Venue``,
    ``Title. Authors. Venue``, ``Authors (2020). Title. Venue`` or just a title."""
    text = " ".join("".join(s.text for s in spans).split())
    if any(s.url is not None for s in spans):  # "Title ([pdf](…))" leaves "( )" once the link is taken out
        text = re.sub(r"[(\[]\s*[,;:]?\s*[)\]]", " ", text)
    text = _NUMBERING.sub("", text).strip()
    m = re.search(r"[“\"]([^”\"]{4,}?)[,.]?[”\"]", text)
    if m and len(m.group(1).split()) >= 3:
        before, after = text[: m.start()], text[m.end() :]
        t = tail_fields(after)
        return Fields(clean_title(m.group(1)), head_authors(before), t.venue, _year(after) or _year(before), t.note)
    ems = [s for s in spans if s.em and s.text.strip()]
    if ems:
        em = max(ems, key=lambda s: len(s.text))
        i = spans.index(em)
        before = "".join(s.text for s in spans[:i])
        after = "".join(s.text for s in spans[i + 1 :])
        container = re.search(r",?\s+in:?\s*$", before)
        if container and len(before[: container.start()].split()) >= 2:  # "Chapter 2: X, in *The Book*. Tufte."
            t = tail_fields(after)
            authors = re.split(r"(?<![A-Z])\.\s+", after.strip(" ."), maxsplit=1)[0].strip(" .")
            return Fields(clean_title(before[: container.start()]), authors if _looks_like_authors(authors) else "",
                          clean_title(em.text), _year(after), "")
        venue_only = re.fullmatch(r"[\s,.;:()]*((19|20)\d\d[a-z]?)[\s,.;:()]*", after) and head_authors(before)
        if venue_only:  # "Tremblay & Dick, *Brain and Language*, 2016": the emphasis is the journal
            return Fields(clean_title(text), head_authors(before), clean_title(em.text), _year(after), nameless=True)
        if (head_authors(before) or not before.strip(_EDGES)) and len(em.text.split()) >= 2:
            t = tail_fields(after)
            return Fields(clean_title(em.text), head_authors(before), t.venue, t.year or _year(before), t.note)
    cite = _citation_title(text)
    if cite:
        rest = text[len(cite) :].strip(" .")
        parts = re.split(r"(?<![A-Z])\.\s+", rest, maxsplit=1)
        t = tail_fields(parts[1]) if len(parts) > 1 else Fields()
        inside = re.search(r",\s+in\s+(?=[A-Z])", cite)  # "Chapter 1: Graphical Excellence, in The Visual …"
        if inside and len(cite[: inside.start()].split()) >= 2:
            return Fields(clean_title(cite[: inside.start()]), parts[0].strip(" ."), cite[inside.end() :].strip(),
                          _year(rest), t.note)
        return Fields(clean_title(cite), parts[0].strip(" ."), t.venue, _year(rest), t.note)
    m = re.match(r"^(?P<a>[^().]{3,300}?)\s*\((?P<y>(19|20)\d\d)[a-z]?\)\.?\s+(?P<t>[^.?!]{8,}[.?!])\s*(?P<v>.*)$", text)
    if m and _looks_like_authors(m.group("a")):
        t = tail_fields(m.group("v"))
        return Fields(clean_title(m.group("t")), m.group("a").strip(), t.venue, int(m.group("y")), t.note)
    parts = re.split(r"(?<![A-Z])(?<!\bal)\.\s+(?=[A-Z0-9“\"])", text)
    if len(parts) >= 2 and (_ETAL.search(parts[0]) or _is_author_line(parts[0])) and len(parts[1].split()) >= 2:
        t = tail_fields(". ".join(parts[2:]))
        return Fields(clean_title(parts[1]), parts[0].strip(), t.venue, t.year or _year(text), t.note)
    title, note = text, ""
    inside = re.search(r",\s+in\s+(?=[A-Z])", title)
    if inside and len(title[: inside.start()].split()) >= 2:  # "Chapter 1: Graphical Excellence, in The Visual …"
        book = title[inside.end() :]
        pieces = re.split(r"(?<![A-Z])\.\s+", book, maxsplit=1)
        return Fields(clean_title(title[: inside.start()]), pieces[1].strip(" .") if len(pieces) > 1 else "",
                      pieces[0].strip(" ."), _year(book))
    m = re.search(r"\s*\(([^()]{1,60})\)\s*$", title)
    names = m is not None and (_ETAL.search(m.group(1)) is not None or _looks_like_authors(m.group(1).split(",")[0]))
    if m and not re.fullmatch(r"\s*(19|20)\d\d\s*", m.group(1)) and (
        len(title[: m.start()].split()) >= 2 or names and re.search(r"\w", title[: m.start()])
    ):  # "AtP* (Janos Kramar et al, Google DeepMind)": a one-word title keeps its authors apart too
        title, note = title[: m.start()], m.group(1).strip()
    return Fields(clean_title(title), note=note)


def parse_line(inline: Inline) -> LineParse:
    """The readings one line names, the links that are no reading, and the line's own section marker."""
    marked: dict[int, Section] = {}
    result = _parse_line(inline, marked)
    for found in result.readings:
        for link in found.links:
            if id(link) in marked and found.section is None:
                found.section = marked[id(link)]
    return result


def _parse_line(inline: Inline, marked: dict[int, Section]) -> LineParse:
    spans, lead, tail = _strip_markers(inline.spans)
    result = LineParse([], [], lead or tail)
    for span in spans:  # "[Optional: ATHENA++](…)": the marker inside the link marks that link's reading
        m = _LEAD_PAREN.match(span.text) or _LEAD_MARK.match(span.text) if span.url is not None else None
        if m and span.text[m.end() :].strip():
            marked[id(span)] = section_word(m.group("w"))
            span.text = span.text[m.end() :]
    kept: list[Span] = []
    short = len(inline.outside.split()) <= 4
    result_label = inline.outside
    for span in spans:
        if span.url is None:
            kept.append(span)
            continue
        label = span.text or (result_label if short else "")
        reason = skip_reason(span.url, label)
        if reason is not None:
            result.skipped.append((span, reason))
        else:
            kept.append(span)
    result.outside = " ".join("".join(s.text for s in kept if s.url is None).split())
    links = [s for s in kept if s.url is not None]
    if result.skipped and links and all(generic(s.text) and s.text.strip() for s in links):
        reason = result.skipped[0][1]  # "[Slides](…) ([PDF](…))": the PDF of what was skipped
        result.skipped.extend((s, reason) for s in links)
        return result
    if not links and any(not is_nickname(sp.text) and looks_like_title(sp.text) for sp, _ in result.skipped):
        return result  # "[Talk title](youtube…). Speaker et al." : the text around a skipped link is its citation
    if not links and result.skipped and len(result.outside.split()) <= 4:
        return result  # "Guest Lecture [TBA]()", "Week 3 [slides](…)": what the skipped link was for
    if links and len(result.outside.split()) >= 12 and all(is_nickname(sp.text) for sp in links) and not re.search(
        r"[“\"]|\b(19|20)\d\d\b", result.outside
    ) and not _leads(kept):  # "In the first part of this lab, you'll experiment with [AI Dungeon](…)": a link in prose
        result.skipped.extend((sp, SkipReason.MATERIAL) for sp in links)
        return result
    nicks = [sp for sp in links if not generic(sp.text) and is_nickname(sp.text)]
    badge_free = re.sub(r"(?i)[^,;]*\b(due|deadline|released?|submit\w*)\b[^,;]*", "", result.outside)
    if len(nicks) >= 2 and len({sp.url for sp in nicks}) == len(nicks) and not re.search(
        r"[^\W\d_]{3,}", re.sub(r"(?i)\b(and|or|also|see)\b", "", badge_free)
    ):  # "[HJI](…), [DeepReach](…), [ISAACS](…)": one reading per name
        for sp in links:
            if nicks and sp is not nicks[0] and not (not generic(sp.text) and is_nickname(sp.text)):
                continue
        current: Found | None = None
        for sp in links:
            if not generic(sp.text) or current is None:
                label = link_title(sp.text) if _nick_label(sp.text) else ""
                current = Found(link_title(sp.text), [sp], label, guessed=True, section=lead or tail)
                result.readings.append(current)
            else:
                current.links.append(sp)
        return result
    titled = [s for s in links if not is_nickname(s.text) and looks_like_title(s.text)]
    if titled:
        _titled_readings(kept, titled, result, lead, tail)
        return result
    text_spans = [s for s in kept if s.url is None]
    outside = result.outside.strip(_EDGES + ".")
    lead_link = next((s for s in kept if s.text.strip() or s.url is not None), None)
    after_lead = kept[kept.index(lead_link) + 1] if lead_link in kept[:-1] else None
    if (
        lead_link is not None and lead_link.url is not None and after_lead is not None and after_lead.url is None
        and re.match(r"\s*:\s+\S", after_lead.text) and len(links) == 1
        and _title_cased("".join(sp.text for sp in kept[kept.index(after_lead) :] if sp.url is None))
    ):  # "[Toolformer](…): Language Models Can Teach Themselves to Use Tools": the name starts the title
        title_spans = [Span(lead_link.text + after_lead.text), *kept[kept.index(after_lead) + 1 :]]
        full = text_fields([s for s in title_spans if s.url is None])
        if full.title and looks_like_title(full.title):
            result.readings.append(Found(full.title, links, link_title(lead_link.text), full.authors, full.year,
                                         full.venue, full.note, section=lead or tail))
            return result
    fields = text_fields(text_spans + [Span("", s.url) for s in links[:1]]) if outside else Fields()
    aside = re.match(r"(?i)^(if|when|please|note|see|check|you|your|we|this|there|for more)\b", outside) or (
        re.fullmatch(r"\([^()]*\)", outside) and links  # "[Multi-View Composition](…) (Observable)": a note
    )
    if fields.title and looks_like_title(fields.title) and not _section_of(outside) and not aside and not (
        _describes(kept, links)
    ):
        # the list's name for it: its link text ("GPT-2", "paper", "blog post"), or the whole text when that
        # text names the paper without a title ("Geschwind, *Science*, 1970", "OSTEP Chapter 2")
        label = next((s.text.strip(" []") for s in links if s.text.strip(" []") and not _looks_like_url(s.text)), "")
        if fields.nameless or (len(fields.title.split()) <= 4 and _CHAPTER_REF.search(fields.title)
                               and ":" not in fields.title):
            label = fields.title
        found = Found(fields.title, links, label, fields.authors, fields.year, fields.venue, fields.note,
                      section=lead or tail)
        result.readings.append(found)
    elif links and any(not generic(s.text) for s in links):
        first = next(s for s in links if not generic(s.text))
        name = link_title(first.text)
        f = tail_fields(outside) if outside else Fields()
        authors = head_authors(outside) if outside else ""
        if _ETAL.search(name) and not authors:
            authors = name
        # a nickname names no paper: kept as the label too, so the reading is resolved by its link only
        result.readings.append(Found(name, links, name if _nick_label(first.text) else "", authors, f.year,
                                     "" if authors else f.venue,
                                     "" if authors else f.note, guessed=True, section=lead or tail))
    else:
        result.loose = links
    return result


_VERB_START = re.compile(
    r"(?i)^(is|are|was|were|has|have|provides?|offers?|gives?|covers?|describes?|explains?|introduces?|shows?|"
    r"presents?|contains?|allows?|lets|helps?|focuses|works|uses|runs|teaches|walks|builds)\b"
)


def _title_cased(text: str) -> bool:
    """Text written as a title continues ("Language Models Can Teach Themselves to Use Tools"), not as the
    list's comment ("A simple (maybe too simple?) walk-through of LSTMs. Good to read before …")."""
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", text) if len(w) >= 4]
    if not words or re.search(r"[\w)][.!?]\s+\S", text.strip()):
        return False
    return sum(1 for w in words if w[0].isupper()) >= 0.6 * len(words)


def _leads(kept: list[Span]) -> bool:
    """The line opens with its one link and comments on it after a colon or dash ("[Understanding LSTMs](…):
    A simple walk-through …"): the link is the item's subject, not a word inside prose."""
    first = next((i for i, s in enumerate(kept) if s.url is not None), None)
    if first is None or re.search(r"\w", "".join(s.text for s in kept[:first])):
        return False
    after = "".join(s.text for s in kept[first + 1 :] if s.url is None).lstrip(" ,;|")
    return sum(1 for s in kept if s.url is not None) == 1 and bool(
        re.match(r"^([:–—]|-\s)", after) or _VERB_START.match(after.strip()))  # "[Deep Learning](…) is THE book …"


def _describes(kept: list[Span], links: list[Span]) -> bool:
    """The text after a line's leading link describes it rather than titling it: "[Anaconda](…) is the most
    popular …", "[Understanding LSTMs](…): A simple walk-through …", "[Keras](…) A nice API that works with …".
    A title after a nickname link ("[GPT-2](…) Language Models are …") has none of these shapes."""
    first = next((i for i, s in enumerate(kept) if s.url is not None), None)
    if first is None or re.search(r"\w", "".join(s.text for s in kept[:first])):
        return False
    after = "".join(s.text for s in kept[first + 1 :] if s.url is None).strip()
    after = re.sub(r"^[\s,;|]+", "", after)
    if re.match(r"^[:–—]\s|^-\s", after) and len(after.split()) >= 3:
        return True  # "[X](…): what it is" — the list's comment on the link
    words = re.findall(r"[^\W\d_][\w'’-]*", after)
    if not words:
        return False
    if _VERB_START.match(words[0]):
        return len(words) >= 3  # "is the most popular …", "offers free GPU time …"
    lower = sum(1 for w in words if w.islower())
    return len(words) >= 5 and lower >= 0.6 * len(words) and bool(re.search(r"\b(that|which|my|our|you)\b", after))


_END_MARK = re.compile(
    rf"(?i)(?:^|[\s,;.])(?:\(\s*[*_]*(?P<w>{_MARK_WORDS})[*_]*\s*\)|\[\s*(?P<w2>{_MARK_WORDS})\s*\]|"
    rf"[*_]*(?P<w3>{_MARK_WORDS})[*_]*\s*:)[*_\s]*$"
)
_AUTHOR_NICK = re.compile(r"^[A-Z][\w'’-]+(\s+(et\.?\s*al\.?|(and|&)\s+[A-Z][\w'’-]+))?,?\s*\(?(19|20)\d\d[a-z]?\)?$")


def _titled_readings(kept: list[Span], titled: list[Span], result: LineParse, lead: Section | None,
                     tail: Section | None) -> None:
    """Each link whose text is a title is a reading; label links join the reading before them (or the first);
    in a line of several readings a short name ("MCP Architecture") is a reading of its own.  A marker before
    a link ("(optional) [B](…)") marks that reading; the line's leading marker marks the first, its trailing
    marker the last.  With one reading, the text before it names authors, the text after it venue, year, notes."""
    ids = {id(t) for t in titled}
    several = len(titled) >= 2
    readings: list[Found] = []
    pending: list[Span] = []
    between = ""
    first_i = next(i for i, s in enumerate(kept) if id(s) == id(titled[0]))
    last_i = next(i for i, s in enumerate(kept) if id(s) == id(titled[-1]))
    for span in kept:
        if span.url is None:
            between += span.text
            continue
        named = _NUMBERING.sub("", re.sub(r"^\s*\(?[a-z]\)\s*", "", between)).strip(" ,;[](")
        if id(span) not in ids and readings and len(named.split()) >= 3 and looks_like_title(named) and not (
            _END_MARK.search(between)
        ):  # "… (c) McCarthy's Programs with Common Sense [[tk](…)]": the text before a nickname is its title
            label = span.text.strip(" []")
            readings.append(Found(clean_title(named), [span], label="" if generic(label) else label, guessed=True))
            between = ""
            continue
        short_name = not generic(span.text) and not _AUTHOR_NICK.match(span.text.strip())
        own = id(span) in ids or (short_name and (several or readings or any(id(t) in ids for t in kept[kept.index(span):])))
        if own:
            title, note = split_link_title(span.text)
            found = Found(title, [span, *pending], note=note, by_link=True, guessed=id(span) not in ids)
            if (found.guessed or _CHAPTER_REF.search(title)) and _nick_label(span.text):
                found.label = title  # "[MCP Architecture](…)" among titled links: a name, resolved by its link
            inside = _TAIL_MARK.search(span.text)  # "[OSTEP Chapter 2 (required)](…)"
            if inside:
                found.section = section_word(inside.group("w"))
            m = _END_MARK.search(between)
            if m and readings:
                found.section = section_word(m.group("w") or m.group("w2") or m.group("w3"))
            readings.append(found)
            pending = []
        elif readings:
            readings[-1].links.append(span)
        else:
            pending.append(span)
        between = ""
    if readings:
        readings[0].section = readings[0].section or lead
        readings[-1].section = tail or readings[-1].section
        if len(readings) == 1:
            readings[0].section = lead or tail or readings[0].section
    before = "".join(s.text for s in kept[:first_i] if s.url is None)
    after = "".join(s.text for s in kept[last_i + 1 :] if s.url is None)
    if len(readings) == 1:
        r = readings[0]
        r.authors = head_authors(before)
        f = tail_fields(after)
        r.venue, r.year = f.venue, f.year
        r.note = "; ".join(n for n in (r.note, f.note) if n)
        if not r.year:
            r.year = _year(before) if r.authors else None
    result.readings.extend(readings)
