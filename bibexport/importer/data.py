"""YAML and JSON data files (Jekyll ``_data/*.yml`` schedules and the like) read into an :class:`ImportedCourse`.

A data file is a tree of items, not a document: the reader walks it and gives every key a *role* from one
table (:data:`_ROLES`): a date, a title (ranked: ``reading-topic`` before ``title``, ``topic``, ``name``), a
list of readings (required, or further by its name: ``optional``, ``recommended``, ``sug_reading``,
``signups``), a link, a field whose links are no readings (slides, notes, videos, homework, logistics), a list
of nested items (a week's days, a unit's sessions), or something else kept as found.  Items are sessions (a
date or readings), containers (weeks holding lectures), readings (a title with a link or authors) or headings
(``- title: "Module 2"``); the shape decides, never the file's name.  At the top of a dict, course metadata
(instructor, policies, learning outcomes) is no session.

Strings may hold HTML (``<a href=…>Title</a>``) or Markdown (``[Title](url)``), see :mod:`.datatext`: the
text around a link gives authors and detail, ``(video)`` or a YouTube host makes it no reading, ``(optional)``
further reading, ``[HJ1]`` a reference to the course's bibliography.  Dates without a year take it from a
``year``/``semester`` key, from full dates in the file, or from a term in the file's name, else stay as
written with one warning.  Loading is safe (see :mod:`.dataload`): YAML is composed with ``yaml.SafeLoader``
only and never constructed; python tags, deep nesting and alias bombs end in a clear :class:`InputError`
naming the file and line; tabs inside lines and JSON as Jekyll accepts it (comments, trailing commas) are
read with a message.

Accounting: every link found ends in a reading or in :attr:`ImportedCourse.skipped` with its reason (a
Hypothesis test generates schedules to hold this).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from bibexport.errors import InputError
from bibexport.importer.dataload import (
    MAX_DEPTH,
    MAX_NODES,
    _load_json,
    _load_yaml,
    _Node,
)
from bibexport.importer.datatext import (
    _BARE_URL,
    _FURTHER_MARK,
    _GENERIC_LINK_TEXT,
    _NICKNAME,
    _NO_READING,
    _NOT_READINGS,
    _PLACEHOLDER_TEXT,
    _REQUIRED_MARK,
    _TAG,
    _TERM_YEAR,
    _YEAR,
    _clean,
    _link_text_reason,
    _parse_when,
    _relative,
    _repair,
    _segments,
    _text_reason,
    _title,
    _title_reason,
    _to_date,
    _url_reason,
    _When,
    _year_of,
)
from bibexport.importer.model import (
    ImportedCourse,
    ImportedLink,
    ImportedReading,
    ImportedSession,
    ImportMessage,
    Section,
    SkippedLink,
    SkipReason,
)

__all__ = ["MAX_DEPTH", "MAX_NODES", "read_front_matter", "read_json", "read_yaml"]

# --------------------------------------------------------------------------------------------------------------
# Roles of keys.

_SKIP_KEY_REASONS = {
    "slides": SkipReason.SLIDES, "slide": SkipReason.SLIDES, "annotated": SkipReason.SLIDES,
    "notes": SkipReason.MATERIAL, "lecture_notes": SkipReason.MATERIAL, "scribe": SkipReason.MATERIAL,
    "scribe_notes": SkipReason.MATERIAL, "handout": SkipReason.MATERIAL, "handouts": SkipReason.MATERIAL,
    "code": SkipReason.MATERIAL, "demo": SkipReason.MATERIAL, "colab": SkipReason.MATERIAL,
    "notebook": SkipReason.MATERIAL,
    "video": SkipReason.RECORDING, "videos": SkipReason.RECORDING, "recording": SkipReason.RECORDING,
    "recordings": SkipReason.RECORDING, "youtube": SkipReason.RECORDING, "lecture_video": SkipReason.RECORDING,
    "homework": SkipReason.HOMEWORK, "hw": SkipReason.HOMEWORK, "assignment": SkipReason.HOMEWORK,
    "assignments": SkipReason.HOMEWORK, "due": SkipReason.HOMEWORK, "problem_set": SkipReason.HOMEWORK,
    "lab": SkipReason.HOMEWORK, "project": SkipReason.HOMEWORK,
    "logistics": SkipReason.LOGISTICS, "announcement": SkipReason.LOGISTICS, "quiz": SkipReason.LOGISTICS,
    "exam": SkipReason.LOGISTICS, "event": SkipReason.LOGISTICS, "form": SkipReason.FORM,
    "survey": SkipReason.FORM,
}

_READING_KEYS: dict[str, Section] = {
    "readings": "required", "reading": "required", "papers": "required", "paper_list": "required",
    "required": "required", "required_readings": "required", "required_reading": "required",
    "materials": "required", "material": "required", "references": "required", "refs": "required",
    "resources": "required", "pre_reading": "required", "prereading": "required",
    "optional": "further", "optional_readings": "further", "optional_reading": "further",
    "suggested": "further", "suggested_readings": "further", "suggested_reading": "further",
    "additional": "further", "additional_readings": "further", "additional_reading": "further",
    "further": "further", "further_reading": "further", "further_readings": "further",
    "recommended": "further", "recommended_readings": "further", "recommended_reading": "further",
    "supplementary": "further", "supplementary_readings": "further", "supplemental": "further",
    "background": "further", "background_readings": "further", "extra": "further", "extra_readings": "further",
    "more": "further", "more_readings": "further", "signups": "further", "signup": "further",
    "sign_ups": "further", "presentations": "further",
}

# Title keys, best first: a schedule giving both names its session by the readings' topic ("reading-topic"),
# not by the lecture given that day ("lecture-topic").
_TITLE_RANK = ("reading_topic", "title", "topic", "name", "lecture", "subject", "heading", "session",
               "lecture_topic", "lecture_title", "paper_title")
_ROLES: dict[str, str] = {
    **{k: "date" for k in ("date", "day", "when", "datetime", "lecture_date", "class_date", "on")},
    **{k: "title" for k in _TITLE_RANK},
    **{k: "link" for k in ("url", "link", "href", "pdf", "paper", "html", "arxiv", "doi", "paper_url",
                           "paper_link", "pdf_url", "link_url", "web", "website", "download", "ipynb")},
    **{k: "links" for k in ("links", "urls")},
    **{k: "authors" for k in ("authors", "author", "by", "paper_authors")},
    **{k: "venue" for k in ("venue", "journal", "booktitle", "conference", "published", "publisher",
                            "paper_published", "source")},
    **{k: "year" for k in ("year",)},
    **{k: "note" for k in ("note", "notes_text", "comment", "description", "desc", "remark", "sections",
                           "chapters", "pages")},
    **{k: "children" for k in ("lectures", "days", "sessions", "classes", "meetings", "schedule", "weeks",
                               "topics", "items", "modules", "units", "entries", "events", "calendar",
                               "parts", "lessons")},
    **{k: "group_title" for k in ("weektitle", "week_title", "module", "module_title", "unit", "part",
                                  "week")},
    **{k: "flag" for k in ("optional_flag", "is_optional", "type", "kind", "section", "category")},
    **{k: "readings" for k in _READING_KEYS},
    **{k: "skip" for k in _SKIP_KEY_REASONS},
}

_FURTHER_GROUP = re.compile(r"optional|further|additional|suggest|recommend|supplement|background|candidate|extra",
                            re.IGNORECASE)
_COURSE_TITLE_KEYS = ("course", "course_title", "title", "name")
_YEAR_KEYS = ("year", "semester", "term", "quarter", "session_year", "academic_year")


def _norm_key(key: str) -> str:
    """``Paper-Title`` → ``title``: lower case, ``_`` for separators, a ``paper_`` prefix dropped when known."""
    k = re.sub(r"[\s\-.]+", "_", key.strip().lower())
    if k not in _ROLES and k.startswith("paper_") and k[6:] in _ROLES:
        return k[6:]
    return k


def _role(key: str, value: _Node) -> str:
    k = _norm_key(key)
    role = _ROLES.get(k, "other")
    if k == "optional" and isinstance(value.value, str):
        return "flag"  # ``optional: true`` marks an item; ``optional: [...]`` lists further readings
    if k == "paper" and not isinstance(value.value, str):
        return "readings"
    if k == "paper" and isinstance(value.value, str) and " " in value.value.strip():
        return "title"  # ``paper: Attention Is All You Need`` names it; ``paper: https://…`` links it
    if role == "children" and not isinstance(value.value, list):
        return "title" if k == "topics" else "other"  # ``topics: "Graph Isomorphism"`` names the session
    if k in ("week", "module", "unit", "part") and isinstance(value.value, str) and value.value.isdigit():
        return "other"  # ``week: 3`` is a number, not a name
    if role == "other" and re.search(r"reading|papers?\b", k) and not isinstance(value.value, dict):
        return "readings"  # ``sug_reading``, ``required_papers``, ``reading_list``: whatever its exact name
    return role


# --------------------------------------------------------------------------------------------------------------
# The walk.


@dataclass
class _Pending:
    """A session being built, its date as written kept until the year is known."""

    session: ImportedSession
    when: _When | None = None


@dataclass
class _State:
    source: str
    course: ImportedCourse = field(default_factory=ImportedCourse)
    pending: list[_Pending] = field(default_factory=list)
    current: _Pending | None = None
    section: Section = "required"  # for reading items listed under a key such as ``optional_papers:``
    empty_items: list[tuple[int, str]] = field(default_factory=list)

    def message(self, line: int, text: str) -> None:
        self.course.messages.append(ImportMessage(line, text))

    def skip(self, url: str, line: int, reason: SkipReason, text: str = "") -> None:
        self.course.skipped.append(SkippedLink(url, line, reason, _clean(text)))


def _links_in(node: _Node, *, link_field: bool = False) -> Iterator[tuple[str, str, int]]:
    """Every link in a subtree: (url, its text, line).  In a link field (``url:``) any single word is a link
    (``assets/slides/x.pdf``); elsewhere only what looks like one."""
    if isinstance(node.value, str):
        value = node.value.strip()
        if re.fullmatch(r"\S+", value) and (link_field or re.match(r"(?i)[a-z][a-z0-9+.-]*:", value)
                                            or value.startswith(("/", "./", "../", "www.", "#"))):
            yield value, "", node.line
            return
        for piece in _segments(value) if ("<" in value or "](" in value or "://" in value
                                          or "www." in value) else []:
            for text, href in piece:
                if href is not None:
                    yield href, text, node.line
    elif isinstance(node.value, list):
        for child in node.value:
            yield from _links_in(child, link_field=link_field)
    else:
        for key, child in node.value.items():
            yield from _links_in(child, link_field=_ROLES.get(_norm_key(key)) in ("link", "links"))


def _warn_relative(state: _State, url: str, line: int) -> None:
    if _relative(url):
        state.message(line, f'relative link "{url}" kept as written; it needs the site\'s address')


def _foreign_scheme(url: str) -> bool:
    """``mailto:``, ``javascript:``: a link that makes its item no reading (a relative path does not)."""
    return re.match(r"(?i)[a-z][a-z0-9+.-]*:", url) is not None and not re.match(r"(?i)https?:", url)


def _skip_all(state: _State, node: _Node, reason: SkipReason) -> None:
    for url, text, line in _links_in(node):
        state.skip(_repair(url), line, reason, text)


def _text_of(node: _Node, breaks: str = " / ") -> str:
    """A scalar's text with HTML tags and Markdown emphasis removed (``<br>`` becomes ``breaks``); lists joined."""
    if isinstance(node.value, list):
        return ", ".join(t for t in (_text_of(c, breaks) for c in node.value) if t)
    if isinstance(node.value, dict):
        return ""
    value = node.value
    if _TAG.search(value) or "](" in value:  # the text of HTML or Markdown, link texts included
        value = breaks.join(_clean("".join(t for t, _ in piece)) for piece in _segments(value))
    return _clean(value)


def _split_title(title: str, *, linkless: bool = False) -> tuple[str, str, str, Section | None]:
    """A reading title as listed → (title, nickname label, detail, section marked in it).

    ``In Search of an Understandable Consensus Algorithm (Raft) (optional)`` → the title, ``Raft``, no detail,
    further reading; ``Holistic Evaluation of Language Models (HELM) pages 1-10`` → ``HELM``, ``pages 1-10``.
    A reading without a link keeps its chapter in the title (``Jurafsky & Martin Chapter 4``): nothing else
    tells two chapters of one book apart.
    """
    section: Section | None = None
    if _FURTHER_MARK.search(title):
        section, title = "further", _FURTHER_MARK.sub(" ", title)
    elif _REQUIRED_MARK.search(title):
        section, title = "required", _REQUIRED_MARK.sub(" ", title)
    title = _title(title)
    extra = ""
    detail = re.match(r"(?i)^(.*?\S)[,;:]?\s+((?:ch(?:apters?|s)?\.?|sections?|sec\.|§|pp?\.|pages?)\s*\d.*)$", title)
    if detail and len(detail.group(1).split()) >= 2:  # "…: An Introduction, Ch. 3, 6, 13": chapters are detail
        title, extra = _title(detail.group(1)), detail.group(2)
    m = _NICKNAME.match(title)
    if m and not re.match(r"(?i)(19|20)\d\d|et al|and |eds?\.?$|ch\.?|sections?|pp?\.", m.group("label")):
        rest = " ".join(p for p in (_clean(m.group("rest")), extra) if p)
        if linkless and extra:
            return f"{_title(m.group('title'))} - {extra}", m.group("label"), _clean(m.group("rest")), section
        return _title(m.group("title")), m.group("label"), rest, section
    if linkless and extra:
        note = ""
        person = re.match(r"^(.*\S)\s*\(((?:[A-Z][\w'’.-]+\s*){2,4})\)\W*$", title)
        if person:  # "Little book of deep learning (François Fleuret) - Ch 3": the author, not the title
            title, note = person.group(1), person.group(2).strip()
        assert detail is not None
        head = detail.group(1)
        sep = " - " if head.endswith(("-", "–", "—")) else detail.group(0)[len(head) : detail.start(2)]
        return f"{title}{sep}{extra}", "", note, section
    return title, "", extra, section


def _is_truthy(node: _Node) -> bool:
    return isinstance(node.value, str) and node.value.strip().lower() in ("true", "yes", "y", "1", "on")


_KIND_REASONS: list[tuple[re.Pattern[str], SkipReason]] = [
    (re.compile(r"(?i)^\W*(video|recording|lecture video|talk|podcast|youtube)s?\W*$"), SkipReason.RECORDING),
    (re.compile(r"(?i)^\W*(slides?|deck|lecture notes?|notes|handout|code|notebook|demo)\W*$"), SkipReason.SLIDES),
    (re.compile(r"(?i)^\W*(quiz|exam|midterm|final|holiday|break|no class|deadline|due|office hours)s?\W*$"),
     SkipReason.LOGISTICS),
    (re.compile(r"(?i)^\W*(homework|hw|assignment|problem set|pset|lab|project)s?\W*$"), SkipReason.HOMEWORK),
]


def _kind_reason(roles: dict[str, tuple[str, _Node]]) -> SkipReason | None:
    """Why an item is no reading and no session by its declared kind (``type: video``, ``kind: exam``)."""
    for key, (role, node) in roles.items():
        if role == "flag" and _norm_key(key) in ("type", "kind", "category") and isinstance(node.value, str):
            for pattern, reason in _KIND_REASONS:
                if pattern.match(node.value.strip()):
                    return reason
    return None


def _section_flag(roles: dict[str, tuple[str, _Node]]) -> Section | None:
    """``optional: true``, ``required: false``, ``type: optional`` on a reading item."""
    for key, (role, node) in roles.items():
        k = _norm_key(key)
        if role == "flag" and isinstance(node.value, str):
            v = node.value.strip().lower()
            if k == "optional" or k in ("optional_flag", "is_optional"):
                return "further" if _is_truthy(node) else "required"
            if re.search(r"optional|further|additional|recommended|supplement|background|suggested", v):
                return "further"
            if "required" in v:
                return "required"
        if k == "required" and isinstance(node.value, str) and node.value.strip().lower() in ("true", "false"):
            return "required" if _is_truthy(node) else "further"
    return None


def _classify(item: dict[str, _Node]) -> dict[str, tuple[str, _Node]]:
    roles = {key: (_role(key, node), node) for key, node in item.items()}
    # ``required: true`` is a flag, not a list of readings.
    for key, (role, node) in roles.items():
        if role == "readings" and isinstance(node.value, str) and node.value.strip().lower() in ("true", "false"):
            roles[key] = ("flag", node)
    return roles


def _first(roles: dict[str, tuple[str, _Node]], role: str) -> tuple[str, _Node] | None:
    """The first non-empty value of ``role``; for titles, the best-ranked key (see :data:`_TITLE_RANK`)."""
    found = [(key, node) for key, (r, node) in roles.items()
             if r == role and (not isinstance(node.value, str) or node.value.strip())]
    if role == "title":
        found.sort(key=lambda kn: _TITLE_RANK.index(_norm_key(kn[0])) if _norm_key(kn[0]) in _TITLE_RANK else 99)
    return found[0] if found else None


def _section_of_key(key: str) -> Section:
    k = _norm_key(key)
    if k in _READING_KEYS:
        return _READING_KEYS[k]
    return "further" if _FURTHER_GROUP.search(k) or re.match(r"sug", k) else "required"


def _ensure_session(state: _State, name: str, line: int) -> _Pending:
    if state.current is None:
        pending = _Pending(ImportedSession(name=name, line=line))
        state.pending.append(pending)
        state.current = pending
    return state.current


def _is_nickname(title: str) -> bool:
    """A name that is no title: one or two words (``ResNet``, ``GPT-3``), ``[ANCE]``, ``Radford et al.``."""
    t = title.strip()
    return (len(t.split()) <= 2 and not _CHAPTER.match(t)) or bool(re.fullmatch(r"\[[^\]]{1,40}\]", t)) or bool(
        re.fullmatch(r"[\w.'’ -]{1,40} et al\.?", t))


_CHAPTER = re.compile(r"(?i)^(chap(ter)?s?|ch|sections?|sec|part|§)\.?\s*\d[\w.,\s–-]*$")


def _add_reading(state: _State, reading: ImportedReading, fallback_name: str) -> None:
    pending = _ensure_session(state, fallback_name, reading.line)
    session = pending.session
    previous = session.readings[-1] if session.readings else None
    if previous is not None and _CHAPTER.match(reading.title) and previous.section == reading.section and (
        not previous.links or _CHAPTER.match(previous.note.split("; ")[-1] if previous.note else "")
    ):
        # "- name: Deep Learning Book" then "- name: Chap. 2, url: …": the chapters are parts of that reading
        previous.links += [lk for lk in reading.links if lk.url not in {p.url for p in previous.links}]
        previous.note = f"{previous.note}; {reading.title}" if previous.note else reading.title
        return
    for other in session.readings:
        same_link = {lk.url for lk in other.links} & {lk.url for lk in reading.links}
        same_title = not reading.links and not other.links and other.title.lower() == reading.title.lower()
        if same_link or same_title:
            for link in reading.links:
                if link.url in {lk.url for lk in other.links}:
                    state.skip(link.url, link.line, SkipReason.DUPLICATE, link.text)
                else:
                    other.links.append(link)
            state.message(reading.line, f'"{reading.title}" is listed twice in "{session.name}"; merged')
            return
    session.readings.append(reading)


def _reading_from_piece(state: _State, piece: list[tuple[str, str | None]], line: int, section: Section,
                        fallback: str) -> None:
    """One piece of a readings string (``Authors, <a href=…>Title</a>, Ch. 2 (video)``) → a reading or skips."""
    outside = "".join(t for t, h in piece if h is None)
    if _BIB_KEY.search(outside) and any(h is not None for _, h in piece):
        # "Ch 2 of [Wi], <a href=…>script</a>": the keys are readings; the links are judged on their own
        _reading_without_link(state, outside, line, section, fallback)
        piece = [(t, h) for t, h in piece if h is not None]
    links = [(text, href) for text, href in piece if href is not None]
    first = next((i for i, (_, h) in enumerate(piece) if h is not None), len(piece))
    last = max((i for i, (_, h) in enumerate(piece) if h is not None), default=-1)
    before = _clean("".join(t for t, h in piece[:first] if h is None))
    after_raw = "".join(t for t, h in piece[last + 1:] if h is None)
    whole = "".join(t for t, _ in piece)
    if _FURTHER_MARK.search(whole):
        section = "further"
    elif _REQUIRED_MARK.search(whole):
        section = "required"
    after = _clean(_FURTHER_MARK.sub("", _REQUIRED_MARK.sub("", after_raw)))
    before = _clean(_FURTHER_MARK.sub("", _REQUIRED_MARK.sub("", before)))
    # "… </a> (video)": a short remark after the link says what it is; a long one is a note about the reading
    reason = _text_reason(after) if len(after) <= 40 else None
    if reason is not None:
        for text, href in links:
            assert href is not None
            state.skip(_repair(href), line, reason, text)
        return
    if not links:
        _reading_without_link(state, whole, line, section, fallback)
        return
    kept: list[ImportedLink] = []
    reasons: list[SkipReason] = []
    title = label = ""
    for text, href in links:
        assert href is not None
        url = _repair(href)
        clean_text = _clean(text)
        why = _url_reason(url) or (_link_text_reason(clean_text) if clean_text else None)
        if why is not None:
            state.skip(url, line, why, text)
            reasons.append(why)
            continue
        if not title and clean_text and not _GENERIC_LINK_TEXT.match(clean_text) and not _BARE_URL.fullmatch(
            clean_text
        ):
            title = _title(clean_text)
        kept.append(ImportedLink(url, line, clean_text))
        _warn_relative(state, url, line)
    if not kept and any(r in _NOT_READINGS for r in reasons):
        return  # its only link is a video, slides or a form: no reading, and the link is counted as skipped
    authors = before
    if not title:  # link text was a nickname ("pdf", "[3]"): the text around it is the title
        title, authors = (_title(before), "") if before else (_title(after), "")
        after = "" if title == after else after
        label = next((_clean(t) for t, _ in links if _clean(t) and not _BARE_URL.fullmatch(_clean(t))), "")
    if not title and not kept:
        return
    year = None
    m = _YEAR.search(authors) or _YEAR.search(after)
    if m:
        year = int(m.group(1))
        authors = _clean(_YEAR.sub("", authors)) if _YEAR.search(authors) else authors
    reading = ImportedReading(title=title or (kept[0].url if kept else ""), line=line, section=section,
                              links=kept, label=label if label != title else "", authors=authors, year=year,
                              note=_clean(after.strip("()")))
    if kept and not reading.label and _is_nickname(reading.title):
        reading.label = reading.title  # "<a href=…>GPT-2</a>": resolved by its link, never by that name
    _add_reading(state, reading, fallback)


_BIB_KEY = re.compile(r"\[([A-Za-z][\w.+:-]{0,15})\]")


def _reading_without_link(state: _State, text: str, line: int, section: Section, fallback: str) -> None:
    """A reading given by text only: a title (found later by title search), or references to the course's
    bibliography by key (``App A, B and ch 1-3 of [HJ1]; [DB]``: readings ``HJ1`` and ``DB``, the rest detail)."""
    keys = _BIB_KEY.findall(text)
    if keys:
        for part in re.split(r"[;\n]", text):
            for key in _BIB_KEY.findall(part):
                detail = _clean(_BIB_KEY.sub("", part).strip(" ()"))
                _add_reading(state, ImportedReading(title=key, line=line, section=section, label=key,
                                                    note=detail), fallback)
        return
    title, label, detail, marked = _split_title(text, linkless=True)
    if not title or _PLACEHOLDER_TEXT.match(title):
        return
    if _NO_READING.search(title):
        state.message(line, f'"{title}" is no reading; left out')
        return
    _add_reading(state, ImportedReading(title=title, line=line, section=marked or section, label=label,
                                        note=detail), fallback)


def _reading_from_dict(state: _State, item: dict[str, _Node], line: int, section: Section,
                       fallback: str) -> None:
    roles = _classify(item)
    kind = _kind_reason(roles)
    if kind is not None:  # "type: video", "kind: quiz": no reading, whatever it links to
        _skip_all(state, _Node(item, line), kind)
        return
    flag = _section_flag(roles)
    if flag is not None:
        section = flag
    title_node = _first(roles, "title")
    title, label, detail, marked = _split_title(_text_of(title_node[1])) if title_node else ("", "", "", None)
    if marked is not None and flag is None:
        section = marked
    links: list[ImportedLink] = []
    reasons: list[SkipReason] = []
    reading = ImportedReading(title=title, line=line, section=section, label=label, note=detail)
    for key, (role, node) in roles.items():
        is_title = title_node is not None and key == title_node[0]
        if role in ("link", "links") or is_title:  # the title's own link too: ``title: "[Paper](url)"``
            for url, text, link_line in _links_in(node, link_field=not is_title):
                url = _repair(url)
                if _norm_key(key) == "doi" and not url.startswith("http"):
                    url = "https://doi.org/" + url.removeprefix("doi:")
                why = _url_reason(url)
                if why is not None:
                    state.skip(url, link_line, why, text or title)
                    reasons.append(why if not _foreign_scheme(url) else SkipReason.LOGISTICS)
                else:
                    links.append(ImportedLink(url, link_line, _clean(text)))
                    _warn_relative(state, url, link_line)
            if _norm_key(key) == "doi" and isinstance(node.value, str) and not node.value.startswith("http"):
                value = node.value.strip().removeprefix("doi:")
                if value and not any(lk.url.endswith(value) for lk in links):
                    links.append(ImportedLink("https://doi.org/" + value, node.line, ""))
            continue
        if role == "skip":
            _skip_all(state, node, _SKIP_KEY_REASONS[_norm_key(key)])
            continue
        _skip_all(state, node, SkipReason.MATERIAL)  # an author's home page, a link in a note: no reading
        text = _text_of(node)
        if role == "authors":
            reading.authors = text
        elif role == "venue" and not reading.venue:
            reading.venue = text
        elif role == "year" and (year := _YEAR.search(text)):
            reading.year = int(year.group(1))
        elif role == "note":
            reading.note = f"{reading.note}; {text}" if reading.note and text else text or reading.note
        elif text:
            reading.extra[key] = text
    reading.links = links
    if not links and any(r in _NOT_READINGS for r in reasons):
        return
    if not links and reading.title and (_NO_READING.search(reading.title) or _PLACEHOLDER_TEXT.match(reading.title)):
        state.message(line, f'"{reading.title}" is no reading; left out')
        return
    if not reading.title:
        reading.title = links[0].text if links and links[0].text else ""
    if not reading.title and not links:
        return
    if not reading.title:
        reading.title = links[0].url
    why = _title_reason(reading.title)
    if why is not None:
        for link in links:
            state.skip(link.url, link.line, why, reading.title)
        return
    if links and not reading.label and _is_nickname(reading.title):
        reading.label = reading.title  # "name: ResNet": resolved by its link, never by that name
    _add_reading(state, reading, fallback)


def _readings(state: _State, node: _Node, section: Section, fallback: str) -> None:
    """A readings value: a string, a list of strings or dicts, or a dict of such lists or of one reading."""
    if isinstance(node.value, str):
        for piece in _segments(node.value):
            _reading_from_piece(state, piece, node.line, section, fallback)
    elif isinstance(node.value, list):
        for child in node.value:
            _readings(state, child, section, fallback)
    elif len(node.value) == 1 and _looks_broken(node.value):
        # ``- Author, <a href=…>Title: Subtitle</a>`` unquoted: YAML reads a mapping; the text is what was meant.
        ((key, value),) = node.value.items()
        state.message(node.line, "a reading with \": \" in it is not quoted, so YAML reads it as a key; "
                                 "read as the text it was meant to be (quote it in the file)")
        text = f"{key}: {value.value}" if isinstance(value.value, str) else key
        _readings(state, _Node(text, node.line), section, fallback)
    else:
        roles = _classify(node.value)
        if any(r == "readings" for r, _ in roles.values()) and not _first(roles, "title"):
            for key, (role, child) in roles.items():
                if role == "readings":
                    _readings(state, child, _section_of_key(key), fallback)
                else:
                    _skip_all(state, child, SkipReason.MATERIAL)
        else:
            _reading_from_dict(state, node.value, node.line, section, fallback)


def _looks_broken(item: dict[str, _Node]) -> bool:
    """A one-key mapping whose key is prose with markup: a string that YAML split at ": "."""
    ((key, value),) = item.items()
    return _ROLES.get(_norm_key(key)) is None and isinstance(value.value, str) and (
        bool(_TAG.search(key)) or "](" in key or " " in key.strip()
    )


def _is_reading_item(roles: dict[str, tuple[str, _Node]]) -> bool:
    """A dict that is itself a reading: a title with authors, or with a link and no slides of its own (a
    lecture ``{title, slide, url}`` is no reading), and no readings or nested items of its own."""
    has = {r for r, node in roles.values() if not isinstance(node.value, str) or node.value.strip()}
    keys = {r for r, _ in roles.values()}
    slides = any(r == "skip" and _SKIP_KEY_REASONS.get(_norm_key(k)) is SkipReason.SLIDES
                 for k, (r, _) in roles.items())
    if "title" not in has or keys & {"readings", "children"}:
        return False
    return "authors" in has or (bool(has & {"link", "links"}) and not slides)


def _materials(state: _State, node: _Node, reason: SkipReason, session: str) -> None:
    """A lecture's slides or materials: skipped, except the titled papers some sites list among them.

    ``slides: [{url: https://arxiv.org/pdf/2001.01818.pdf, title: "…: A Survey"}, {url: Lec1.pdf, title:
    Overview}]``: a titled item linking to another site, neither a deck (by its host, path or title) nor a
    course file, is a reading; the rest are slides.
    """
    items = node.value if isinstance(node.value, list) else [node]
    for item in items:
        if reason in (SkipReason.SLIDES, SkipReason.MATERIAL) and isinstance(item.value, dict):
            roles = _classify(item.value)
            title = _first(roles, "title")
            link = _first(roles, "link")
            url = _repair(link[1].value) if link and isinstance(link[1].value, str) else ""
            if (title and re.match(r"(?i)https?://", url) and _url_reason(url) is None
                    and not re.search(r"(?i)slide|lecture|/lec\d|\.pptx?$|\.key$", url)
                    and not _link_text_reason(_text_of(title[1]))
                    and not re.match(r"(?i)\W*(lecture|lec|class|week|part|overview|intro)\b", _text_of(title[1]))):
                _reading_from_dict(state, item.value, item.line, "required", session)
                continue
        _skip_all(state, item, reason)


_LEADING_DATE = re.compile(r"^\s*(\d{1,2}/\d{1,2}(?:/\d{2,4})?|(?:[A-Za-z]{3,9}\.?,?\s+)?[A-Za-z]{3,9}\.?\s+\d{1,2}"
                           r"(?:st|nd|rd|th)?(?:,?\s+\d{4})?)\s*[-–—:|,]?\s+(\S.*)$")


def _topic_names(roles: dict[str, tuple[str, _Node]]) -> list[str]:
    """The names in an item's lists of nested items (``topics: [{name: …}, "…"]``)."""
    names = []
    for role, node in roles.values():
        if role == "children" and isinstance(node.value, list):
            for child in node.value:
                title = _first(_classify(child.value), "title") if isinstance(child.value, dict) else None
                text = _text_of(title[1]) if title else _text_of(child)
                if text:
                    names.append(text)
    return names


def _item(state: _State, node: _Node, context: str, label: str = "") -> None:
    """One item of a list of schedule items; ``label`` names it when it has no title (``lecture-01-basics:``)."""
    if isinstance(node.value, str):
        _readings(state, node, "required", context)
        return
    if isinstance(node.value, list):
        for child in node.value:
            _item(state, child, context)
        return
    roles = _classify(node.value)
    if _is_reading_item(roles):
        _reading_from_dict(state, node.value, node.line, state.section, context)
        return
    kind = _kind_reason(roles)
    if kind is not None and not any(r == "children" for r, _ in roles.values()):
        # "type: exam", "type: holiday": no session; what it links to is logistics, not reading
        _skip_all(state, node, kind)
        title = _first(roles, "title")
        state.empty_items.append((node.line, _text_of(title[1]) if title else kind.value))
        return
    children = [(k, n) for k, (r, n) in roles.items() if r == "children"]
    has_readings = any(r == "readings" for r, _ in roles.values())
    title_node = _first(roles, "title")
    group = _first(roles, "group_title")
    date_node = _first(roles, "date")
    name = _text_of(title_node[1]) if title_node else ""
    if children and not has_readings:  # a container: a week holding its days
        label = _text_of(group[1]) if group else name
        for _, child in children:
            state.current = None
            for sub in child.value if isinstance(child.value, list) else [child]:
                _item(state, sub, label or context)
                state.current = None
        for _key, (role, other) in roles.items():
            if role == "skip":
                _skip_all(state, other, _SKIP_KEY_REASONS[_norm_key(_key)])
            elif role not in ("children", "title", "group_title", "date"):
                _skip_all(state, other, SkipReason.MATERIAL)
        return
    when_text = _text_of(date_node[1], " ") if date_node else ""  # "Jan.<br>7, 8" → "Jan. 7, 8"
    lead = _LEADING_DATE.match(name) if not when_text else None
    if lead and _parse_when(lead.group(1)) is not None:  # "1/26 Deep Learning Basics": the date is the when
        when_text, name = lead.group(1), lead.group(2)
    if not name:  # a list of topics names the session ("topics: [{name: Intro, url: slides.pdf}, …]")
        name = " / ".join(_topic_names(roles))
    if not name:
        name = _text_of(group[1]) if group else (label or when_text or context)
    when = _parse_when(when_text) if when_text else None
    state.current = _Pending(ImportedSession(name=name or f"Session on line {node.line}", line=node.line,
                                             when=when_text), when)
    state.pending.append(state.current)
    for key, (role, child) in roles.items():
        if role == "readings":
            _readings(state, child, _section_of_key(key), name)
        elif role == "skip":
            _materials(state, child, _SKIP_KEY_REASONS[_norm_key(key)], name)
        elif role in ("link", "links"):
            for url, text, line in _links_in(child):
                # a lecture's own link (its page, its slides) is no reading of it
                state.skip(_repair(url), line, _url_reason(_repair(url)) or _text_reason(key) or
                           SkipReason.MATERIAL, text)
        elif role != "title" or (title_node and key != title_node[0]):
            _skip_all(state, child, _text_reason(key) or SkipReason.MATERIAL)
        elif role == "title":
            _skip_all(state, child, _text_reason(name) or SkipReason.MATERIAL)
    if not state.current.session.readings:
        state.empty_items.append((node.line, name))
    state.current = None


def _schedule_like(node: _Node, depth: int = 0) -> bool:
    """A value under an unknown top-level key that holds sessions or readings (dicts with a date, readings,
    nested items or a link), not course metadata (strings, policies, an instructor's card)."""
    if depth > 3 or isinstance(node.value, str):
        return False
    if isinstance(node.value, list):
        return any(_schedule_like(child, depth + 1) for child in node.value if not isinstance(child.value, str))
    roles = {r for k, (r, n) in _classify(node.value).items()
             if not isinstance(n.value, str) or (n.value.strip() and (r != "readings" or _norm_key(k) in (
                 "readings", "reading", "papers", "required_readings")))}  # policies: {additional: "…"}
    if roles & {"readings", "children", "link", "links", "date"}:
        return True
    return any(_schedule_like(child, depth + 1) for child in node.value.values())


def _walk_root(state: _State, root: _Node) -> None:
    if isinstance(root.value, str):
        state.message(root.line, "the file holds a single value, not a list of sessions")
        return
    if isinstance(root.value, list):
        for child in root.value:  # reading items in a row share a session; a session item closes it
            _item(state, child, state.course.title or _base(state.source))
        return
    # A dict: course-level keys, and the lists of items under it.
    roles = _classify(root.value)
    lists = [(k, n) for k, n in root.value.items() if isinstance(n.value, (list, dict))]
    for key in _COURSE_TITLE_KEYS:
        node = root.value.get(key)
        if node is not None and isinstance(node.value, str) and node.value.strip():
            state.course.title = _text_of(node)
            break
    if not lists or _is_reading_item(roles) or (
        any(r == "date" for r, _ in roles.values()) and any(r == "readings" for r, _ in roles.values())
    ):
        _item(state, root, _base(state.source))
        return
    for key, node in root.value.items():
        if not isinstance(node.value, (list, dict)):
            _skip_all(state, node, SkipReason.OUTSIDE)  # a course title or a syllabus link: no session's
            continue
        nk = _norm_key(key)
        reason = _SKIP_KEY_REASONS.get(nk)
        if reason is not None:
            _skip_all(state, node, reason)
            continue
        if nk in _READING_KEYS:  # readings at the top: one session named after the course or file
            state.current = None
            _ensure_session(state, state.course.title or _base(state.source), node.line)
            _readings(state, node, _READING_KEYS[nk], state.course.title or _base(state.source))
            state.current = None
            continue
        if _ROLES.get(nk) != "children" and not _schedule_like(node):
            _skip_all(state, node, SkipReason.OUTSIDE)  # the instructor, policies, learning outcomes
            continue
        context = re.sub(r"[_-]+", " ", key).strip().capitalize() if _ROLES.get(nk) != "children" else ""
        items = node.value if isinstance(node.value, list) else [node]
        if isinstance(node.value, dict) and not _is_reading_item(_classify(node.value)):
            items = list(node.value.values()) if all(
                isinstance(v.value, (list, dict)) for v in node.value.values()) else [node]
        state.current = None
        state.section = "further" if _FURTHER_GROUP.search(key) else "required"
        for child in items:
            _item(state, child, context or state.course.title or _base(state.source),
                  context if child is node and isinstance(node.value, dict) else "")
        state.current = None
        state.section = "required"


def _base(source: str) -> str:
    name = re.split(r"[\\/]", source)[-1]
    return re.sub(r"\.(ya?ml|json)$", "", name, flags=re.IGNORECASE) or "Readings"


def _file_year(state: _State, root: _Node) -> int | None:
    """The year the file states (``year: 2024``, ``semester: Fall 2023``), else the first full date's year."""
    if isinstance(root.value, dict):
        for key, node in root.value.items():
            if _norm_key(key) in _YEAR_KEYS and isinstance(node.value, str):
                year = _year_of(node.value)
                if year:
                    return year
        for key in _COURSE_TITLE_KEYS:
            title = root.value.get(key)
            if title is not None and isinstance(title.value, str):
                m = _TERM_YEAR.search(title.value)
                if m:
                    return _year_of(m.group(0))
    years = [p.when.year for p in state.pending if p.when is not None and p.when.year is not None]
    if years:
        return years[0]
    m = _TERM_YEAR.search(state.source)  # ``CSE6243-fall2023/_data/lectures.yml``: the path names the term
    if m:
        year = _year_of(m.group(0))
        first = next((p.session.line for p in state.pending if p.when is not None), 1)
        state.message(first, f"session dates have no year; {year} taken from the file name {state.source}")
        return year
    return None


def _finish(state: _State, root: _Node) -> ImportedCourse:
    year = _file_year(state, root)
    unresolved: list[ImportedSession] = []
    last_month = 0
    for pending in state.pending:
        session = pending.session
        if pending.when is not None:
            # Neighbouring dates: a schedule that runs Sep → Jan crosses into the next year.
            y = year
            if pending.when.year is None and year is not None and last_month >= 9 and pending.when.month <= 6:
                y = year + 1
            session.date = _to_date(pending.when, y)
            if pending.when.year is None and year is None:
                unresolved.append(session)
            elif session.date is not None:
                session.when = ""
            last_month = max(last_month, pending.when.month) if session.date is not None else last_month
    kept = [p.session for p in state.pending if p.session.readings]
    if unresolved and any(s.readings for s in unresolved):
        first = next(s for s in unresolved if s.readings)
        n = sum(1 for s in unresolved if s.readings)
        state.message(first.line, f'{n} session dates have no year ("{first.when}"); kept as written. '
                                  "Add `year: 2024` (or `semester: Fall 2024`) to the file to complete them")
    empty = [(line, name) for line, name in state.empty_items]
    if empty:
        examples = ", ".join(f'"{name}" (line {line})' for line, name in empty[:3])
        state.message(empty[0][0], f"{len(empty)} items have no readings and are no sessions: {examples}"
                      + (", …" if len(empty) > 3 else ""))
    state.course.sessions = kept
    return state.course


def _read(root: _Node | None, source: str, notes: list[tuple[int, str]]) -> ImportedCourse:
    state = _State(source)
    for line, text in notes:
        state.message(line, text)
    if root is None:
        state.message(1, "the file is empty")
        return state.course
    _walk_root(state, root)
    return _finish(state, root)


def read_yaml(text: str, source: str) -> ImportedCourse:
    """Read a YAML data file (a Jekyll ``_data`` schedule) into sessions and readings.

    Raises :class:`InputError` naming the file and line for invalid YAML, python tags, deep nesting and alias
    bombs; every other oddity is a message in the result.
    """
    notes: list[tuple[int, str]] = []
    return _read(_load_yaml(text, source, notes), source, notes)


def read_json(text: str, source: str) -> ImportedCourse:
    """Read a JSON data file into sessions and readings; see :func:`read_yaml`."""
    notes: list[tuple[int, str]] = []
    return _read(_load_json(text, source, notes), source, notes)


_FRONT_MATTER = re.compile(r"\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)", re.DOTALL)


def read_front_matter(text: str, source: str) -> ImportedCourse | None:
    """The readings a page's YAML front matter lists (Jekyll pages that keep their whole schedule there and
    only a Liquid template in the body), with the page's line numbers.

    None when the page has no front matter, when it is not valid YAML (the body is then all there is), or when
    it lists no reading (``layout: default`` / ``title: Readings``).  Refused input (alias bombs, python tags)
    still raises :class:`InputError`.
    """
    m = _FRONT_MATTER.match(text)
    if m is None:
        return None
    try:
        course = read_yaml("\n" + m.group(1), source)  # the front matter starts on the page's line 2
    except InputError as exc:
        if any(p.message.startswith("refused") for p in exc.problems):
            raise
        return None
    return course if course.readings() else None
