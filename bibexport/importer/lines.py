"""What a line, a heading or a block of a reading list is, for the structure inference (:mod:`.infer`): session
headers, section headings and labels, author and venue lines, prompts and asides, the level of the headings that
carry sessions.  Pure functions of text and blocks."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from bibexport.importer.cite import Found, clean_title, looks_like_title, parse_line
from bibexport.importer.classify import _PROSE_START, _QUOTES, _READ_ON, _is_prose
from bibexport.importer.classify import _section_of as _section_text
from bibexport.importer.dates import _DATE_LABELS
from bibexport.importer.model import ImportedReading, Section
from bibexport.importer.tree import Block, DefList, Document, Heading, Inline, Item, Para, Table
from bibexport.importer.when import When, find_when

_SESSION_WORD = re.compile(
    r"(?i)^\W{0,3}(session|week|lecture|lec|class|meeting|module|unit|topic|day|part|chapter|seminar)"
    r"\s*#?\s*\d+\b"
)
_RELATIVE = re.compile(r"^(?=.*[/.][A-Za-z0-9])(?![a-zA-Z][a-zA-Z0-9+.-]*:)(?!#)(?:\.{0,2}/)?[\w.~%-]+(?:/[\w.~%() -]*)*\.?[\w]*$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_NONE = re.compile(r"(?i)^\W*(readings?|papers?)?\s*:?\s*(none|n/?a|tbd|tba|no readings?)\W*$|^no\b.{0,40}\breadings?\b")
# Instructions and asides rather than titles: "Please fill this …", "Note that …", "See Canvas".
_DUE = re.compile(r"(?i)\b(due|deadline|no class|holiday|spring break|fall break|office hours?)\b")
# Headings of course logistics: what is under them is no reading (instructor pages, policies, contacts).
_LOGISTICS_HEADING = re.compile(
    r"(?i)^\W*(course )?(instructors?|staff|teaching (assistants?|staff|team)|tas?|contacts?|office hours|logistics|"
    r"grading|policies|policy|prerequisites|announcements?|faq|about|acknowledg\w*|honor code|"
    r"academic integrity|accommodations?|communication|(lab |assignment )?instructions)\W*$"
)
# A section on the software and machines the course uses ("Helpful Programming Packages", "Computing
# Resources", "Software and Tools"): its links are tools, not readings.
_TOOLS_HEADING = re.compile(
    r"(?i)^\W*([\w'’-]+\s+){0,3}(software|tools|packages|librar(y|ies)|frameworks|computing(\s+resources)?|"
    r"compute|(programming|development|software)\s+environments?|setup|installation)\W*$"
)
_ASIDE = re.compile(r"(?i)^(please|note|see|check|submit|bring|make sure|remember|we will|you will|you should|"
                    r"presented by|taught by|led by|instructors?:|"
                    r"this week|there (is|are|will)|if you|due|tbd)\b")


def _page_texts(blocks: list[Block]) -> list[str]:
    """Headings and the first paragraphs of a page: where "Fall 2025" is written when it is written."""
    texts = [b.inline.text for b in blocks if isinstance(b, Heading)]
    paras = [b for b in blocks if isinstance(b, Para)][:30]
    return texts + [inl.text for p in paras for inl in p.lines]


def _section_of(text: str) -> Section | None:
    """'required' or 'further' when the text only names a section ("More readings:", "**Optional**")."""
    found = _section_text(text) or _section_heading(text.strip(" *_:"))
    return "further" if found == "further" else "required" if found == "required" else None


_OTHER_LABELS = frozenset(
    ["lecture", "lectures", "lab", "labs", "assignment", "assignments", "homework", "hw", "learning", "objectives", "objective", "goals", "goal", "slides", "video", "videos", "recording", "due", "deadline", "deadlines", "announcements", "announcement", "topics", "topic", "agenda", "outline", "exercise", "exercises", "project", "projects", "quiz", "quizzes", "exam", "exams", "activity", "activities", "in-class", "logistics", "questions", "tasks", "todo", "summary", "instructor", "instructors", "ta", "tas", "location", "time", "room", "office", "hours", "what", "when", "where", "overview", "keywords", "key", "concepts", "tools", "software", "demo", "demos", "discussion", "prompt", "prompts", "deliverable", "deliverables", "submission", "code", "notions", "notion", "notebook", "notebooks", "terms",
     "glossary", "skills", "materials"]
)
_READING_LABELS = frozenset(
    ["reading", "readings", "paper", "papers", "required", "optional", "further", "references", "reference", "bibliography", "literature", "articles", "article", "book", "books", "chapter", "chapters", "texts", "text", "read"]
)


def _label_kind(text: str) -> str | None:
    """ "**Required Readings:**" → its section, "**Lecture:** …" / "Lab:" → "other", "Readings:" → "reading";
    None when the line is no such label."""
    m = re.match(r"^[\s*_]*([A-Za-z][\w /&-]{0,40}?)[\s*_]*:[\s*_]*", text)
    if m is None:
        return None
    words = re.findall(r"[a-z]+", re.sub(r"\(s\)", "", m.group(1).lower()))  # "Notebook(s):", "Reference(s):"
    if not words or len(words) > 4:
        return None
    if set(words) & _READING_LABELS:
        return _section_of(m.group(1)) or "reading"
    if all(w in _OTHER_LABELS or w in ("and", "the", "of", "for", "in", "class") for w in words):
        return "other"
    if not text[m.end() :].strip():
        return "neutral"  # "Lecture Notes:" alone: a label of its own, which ends the one before
    return None


_META_LABEL = re.compile(r"(?i)^(author\(?s?\)?:|source|published by|stable url|accessed|retrieved|url|doi|publisher|vol\.|volume)\b")


def _name_line(text: str) -> bool:
    """A single author's name on its own line ("Bas Engel", "Peter J. Green")."""
    words = text.replace(".", ". ").split()
    return 2 <= len(words) <= 4 and all(re.fullmatch(r"[A-Z][a-zà-ÿ'’-]*\.?|[A-Z]\.", w) for w in words)


def _author_list(text: str) -> bool:
    """ "Li B, Dewey CN", "Olshen AB, Venkatraman ES, Lucito R, Wigler M.", "Jeffrey T Leek, John D Storey",
    "Yuval Benjamini and Terence P. Speed": names only, at least two of them."""
    parts = [p.strip() for p in re.split(r",\s*|\s+and\s+|\s*&\s*", text.strip().rstrip(".")) if p.strip()]
    if len(parts) < 2 and not re.search(r"(?i)\bet\.?\s*al\b", text):
        return False
    particles = {"van", "von", "der", "de", "la", "le", "du", "di", "da", "dos", "del", "den", "ter"}
    for part in parts:
        words = part.replace(".", ". ").split()
        if re.fullmatch(r"(?i)et\.?\s*al\.?|others", part):
            continue
        if not 1 <= len(words) <= 5:
            return False
        if not all(w[0].isupper() or w.lower() in particles for w in words):
            return False
    return len(text) <= 400


_VENUE = re.compile(
    r"(?i)\b(journal|proceedings|proc\.|conference|symposium|workshop|transactions|trans\.|press|review|letters|"
    r"volume|vol\.|issue|pages|pp\.|no\.|arxiv|preprint|bioinformatics|biostatistics|nature|science|"
    r"statistics|annals|methods|university)\b|\b(19[5-9]\d|20[0-4]\d)\b.*[;:]\s*\d"
)


def _venue_line(text: str) -> bool:
    return len(text) <= 200 and bool(_VENUE.search(text)) and not _is_prose(text)


def _question(text: str) -> bool:
    """ "What is the problem?", "Why is it hard? Why don't previous methods work?": a prompt, not a title
    (a title that asks is in title case: "Are Emergent Abilities of Large Language Models a Mirage?")."""
    words = text.split()
    if not text.rstrip().endswith("?") or not re.match(r"(?i)^(what|why|how|when|where|who|which|whose)\b", text):
        return False
    capitalised = sum(1 for w in words[1:] if w[:1].isupper())
    return capitalised <= max(1, len(words) // 4)


def _citation(inl: Inline) -> Found | None:
    """A line without links that is a full citation (title with authors), whatever its punctuation."""
    text = inl.text
    if len(text.split()) > 70 or _PROSE_START.match(text) or text[:1] in _QUOTES:
        return None
    parsed = parse_line(inl)
    found = parsed.readings[0] if parsed.readings else None
    if found is None or not found.authors or not looks_like_title(found.title) or len(found.title) > 250:
        return None
    if "(" in found.authors or len(found.authors) > 300 or _is_prose(found.title):
        return None
    if _PROSE_START.match(found.title) or len(found.title.split()) > 20:
        return None  # "LMs - Part 1: *We start with LMs and …*": a description, not a title
    return found


def _stem(source: str) -> str:
    name = re.split(r"[/\\]", source)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


def _doc_title(doc: Document) -> str:
    title = doc.front.get("title")
    if isinstance(title, str) and title.strip():
        return clean_title(title)
    return clean_title(doc.title) if doc.title else ""


def _is_sessiony(text: str) -> bool:
    return bool(_SESSION_WORD.match(text)) or (find_when(text) is not None and len(text) <= 120)


_FURTHER_HEADING = re.compile(
    r"(?i)\b(optional|further|additional|more|recommended|supplementa\w*|background|extra|related|suggested|other|"
    r"helpful|useful)\b(\s+[\w-]+)?\s+(readings?|reads|papers?|materials?|resources|references|literature|texts|books)\b"
)
_REQUIRED_HEADING = re.compile(
    r"(?i)\b(required|core|mandatory|assigned|main|essential|key)\b(\s+[\w-]+)?\s+"
    r"(readings?|reads|papers?|materials?|texts)\b"
)


def _section_heading(text: str) -> Section | None:
    """ "Optional Additional Readings", "Further reading (not required)", "Background": a heading that names a
    section (the marker word right before what it marks; a topic such as "Related-work search, reading, and
    sensemaking" is none)."""
    words = re.findall(r"[a-z]+", text.lower())
    if not words or len(words) > 7:
        return None
    if _FURTHER_HEADING.search(text) or (len(words) <= 2 and not re.search(r"\d", text) and words[0] in (
            "optional", "further", "additional", "recommended", "supplementary", "supplemental", "background",
            "extra", "suggested")):
        return "further"
    if _REQUIRED_HEADING.search(text):
        return "required"
    return None


def _leftover(text: str, when: When | None) -> str:
    """A heading's or line's session name once the date (and "read on:") is removed."""
    if when is not None:
        text = text[: when.start] + " " + text[when.end :]
    text = _READ_ON.sub("", text)
    rest = re.sub(r"\s+", " ", text).strip(" \t-–—:|()[],*_#·")
    if re.search(r"\([^()]*$", rest) and text.rstrip().endswith(")"):
        rest += ")"  # "Week 3 (Tue)": a closing parenthesis that belongs to the name stays
    rest = re.sub(r"^\W*\(\s*\)\W*|\(\s*\)", "", rest).strip(" \t-–—:|,")
    rest = re.sub(r"\s+([:;,])", r"\1", rest)  # "Week 1 (29/10): Topic" → "Week 1: Topic"
    return rest if re.search(r"\w", _DATE_LABELS.sub("", rest)) else ""


def _line_header(text: str, *, links: bool) -> tuple[str, When | None] | None:
    """(name, date) when a line opens a session: "read on: - 08 Feb 2024", "Week 3: Topic (Jan 30)",
    "2024-02-06 — Alignment", "Session8"."""
    if len(text) > 120:
        return None
    m = _READ_ON.match(text)
    if m:
        when = find_when(text)
        return _leftover(text, when), when
    when = find_when(text)
    if when is not None:
        before, after = text[: when.start], text[when.end :]
        date_first = not re.search(r"\w", _DATE_LABELS.sub("", before))
        date_last = not re.search(r"\w", after.strip(" )]")) and (
            re.search(r"[-–—:|(,]\s*$", before) or _SESSION_WORD.match(text)
        )
        if (date_first or date_last) and not links and not _is_prose(text):
            return _leftover(text, when), when
        if date_first and links and not re.search(r"\w", after):
            return _leftover(text, when), when
        return None
    if _SESSION_WORD.match(text) and not _is_prose(text) and not links and len(text) <= 80:
        return clean_title(text), None
    return None


def _bare_line(inl: Inline) -> bool:
    return bool(inl.links) and not re.search(r"\w", inl.outside) and all(
        not s.text.strip() or len(s.text.split()) <= 2 for s in inl.links
    )


def _starts_with_bare_link(block: Block) -> bool:
    if isinstance(block, Item):
        return _bare_line(block.inline)
    if isinstance(block, Para) and block.lines:
        return _bare_line(block.lines[0])
    return False


def _same_title(a: str, b: str) -> bool:
    """Titles of one work: equal once case and punctuation go, one the start of the other, or one an address."""
    na, nb = (re.sub(r"[^a-z0-9]+", "", t.casefold()) for t in (a, b))
    if "://" in a or "://" in b or not na or not nb:
        return True
    return na == nb or na.startswith(nb) or nb.startswith(na) or len(na) < 12 or len(nb) < 12


def _norm_url(url: str) -> str:
    u = re.sub(r"(?i)^https?://(www\.)?", "", url.strip()).rstrip("/")
    u = re.sub(r"(?i)^arxiv\.org/(abs|pdf)/([\d.]+)(v\d+)?(\.pdf)?$", r"arxiv:\2", u)
    return u.casefold()


def _same_work(url: str, reading: ImportedReading) -> bool:
    """The pdf of a reading's arXiv page, its code or model, its abstract page: the same work, not a new
    reading."""
    if not reading.links:
        return False
    new = re.sub(r"v\d+$", "", _norm_url(url))
    if any(re.sub(r"v\d+$", "", _norm_url(link.url)) == new for link in reading.links):
        return True
    if re.search(r"(?i)//(www\.)?(github\.com|gitlab\.com|huggingface\.co)/", url):
        return True  # its code, models or data
    host = re.sub(r"(?i)^https?://(www\.)?", "", url).split("/")[0].lower()
    return bool(re.search(r"(?i)\.pdf$", url)) and any(host in link.url.lower() for link in reading.links)


def _session_level(blocks: list[Block]) -> int | None:
    """The heading level that carries sessions: the one whose headings hold the most links (up to the next
    heading that is no section marker), a dated or numbered heading counting double; a lone title heading
    does not count.  A list without any link ("## Superposition" over bulleted titles) counts list items
    instead.  None when no heading holds either."""
    level = _holding_level(blocks, _has_links)
    if level is None and not any(_has_links(b) for b in blocks):
        level = _holding_level(blocks, lambda b: isinstance(b, Item))
    return level


def _holding_level(blocks: list[Block], holds_one: Callable[[Block], bool]) -> int | None:
    headings = [b for b in blocks if isinstance(b, Heading)]
    levels = Counter(h.level for h in headings)
    score: Counter[int] = Counter()
    current: Heading | None = None
    holds: dict[int, bool] = {}
    for block in blocks:
        if isinstance(block, Heading):
            text = clean_title(block.inline.text)
            if _section_of(text) or _section_heading(text):
                continue  # "### Required" belongs to the session heading above it
            current = block
        elif current is not None and holds_one(block):
            holds[id(current)] = True
    after = {id(b): blocks[i + 1] for i, b in enumerate(blocks[:-1]) if isinstance(b, Heading)}
    for h in headings:
        text = clean_title(h.inline.text)
        if not holds.get(id(h)) or _section_of(text) or _section_heading(text):
            continue
        nxt = after.get(id(h))
        if nxt is not None and _starts_with_bare_link(nxt) and not _is_sessiony(text):
            continue  # "### Mistral 7B" over "+ https://…": a reading's title, not a session
        if levels[h.level] == 1 and h.level == min(levels) and (len(levels) > 1 or (h is headings[0] and h.level == 1)):
            continue  # the page's title
        score[h.level] += 2 if _is_sessiony(text) else 1
    if not score:
        return None
    best = max(score.values())
    return min(level for level, n in score.items() if n == best)


def _has_links(block: Block) -> bool:
    if isinstance(block, Item):
        return bool(block.inline.links) or any(_has_links(c) for c in block.children)
    if isinstance(block, Para):
        return any(inl.links for inl in block.lines)
    if isinstance(block, Table):
        return any(part.links for row in block.rows for cell in row.cells for part in cell)
    if isinstance(block, DefList):
        return any(_has_links(b) for e in block.entries for b in e.body)
    return False
