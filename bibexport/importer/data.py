"""YAML and JSON data files (Jekyll ``_data/*.yml`` schedules and the like) read into an :class:`ImportedCourse`.

A data file is a tree of items, not a document: the reader walks it and gives every key a *role* from one
table (:data:`_ROLES`): a date, a title, a list of readings (required or further), a link, a field whose links
are no readings (slides, videos, homework), a list of nested items (a week's days), or something else kept as
found.  Items are sessions (they have a date or readings), containers (weeks holding lectures), readings (a
title with a link) or headings (``- title: "Module 2"``); the shape decides, never the file's name.

Strings may hold HTML (``<a href=…>Title</a>``, parsed with BeautifulSoup) or Markdown (``[Title](url)``,
parsed with markdown-it-py).  Safety: YAML is composed with ``yaml.SafeLoader`` only and never constructed (no
object of any tag is ever built); python tags are refused; nesting depth, aliases and the size of the tree
once aliases are expanded are limited, so an alias bomb ends in a clear :class:`InputError`.  JSON is read by
the same walker, depth-limited.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from bibexport.errors import InputError, Problem
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

__all__ = ["MAX_DEPTH", "MAX_NODES", "read_json", "read_yaml"]

#: Deepest nesting accepted: real schedules nest four or five levels (course → weeks → days → readings).
MAX_DEPTH = 50
#: Most nodes walked once aliases are expanded: ample for a year of lectures, refuses "billion laughs".
MAX_NODES = 200_000
#: Most aliases in one file (each is cheap to compose but may stand for a large subtree).
MAX_ALIASES = 5_000


# --------------------------------------------------------------------------------------------------------------
# The tree: every value with the line it starts on (1-based).


@dataclass
class _Node:
    value: str | list[_Node] | dict[str, _Node]
    line: int


def _problem(source: str, line: int, message: str, hint: str = "") -> InputError:
    return InputError([Problem(source, line, message, hint)])


class _Limit(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader composing nodes only, with a depth and an alias limit (composition is recursive)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Limit(line, f"more than {MAX_ALIASES} aliases (*name)")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Limit(line, f"nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_PYTHON_TAG = "tag:yaml.org,2002:python/"
_MERGE = "tag:yaml.org,2002:merge"


class _Converter:
    """yaml nodes → :class:`_Node`, expanding aliases and merge keys while counting what is expanded."""

    def __init__(self) -> None:
        self.count = 0

    def convert(self, node: yaml.Node, depth: int = 0) -> _Node:
        self.count += 1
        line = node.start_mark.line + 1
        if self.count > MAX_NODES:
            raise _Limit(line, f"more than {MAX_NODES} values once aliases are expanded (an alias bomb?)")
        if depth > MAX_DEPTH:
            raise _Limit(line, f"nested deeper than {MAX_DEPTH} levels")
        if node.tag.startswith(_PYTHON_TAG) or node.tag.startswith("!!python"):
            raise _Limit(line, f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed "
                               "(data files hold plain values only)")
        if isinstance(node, yaml.ScalarNode):
            return _Node(str(node.value), line)
        if isinstance(node, yaml.SequenceNode):
            return _Node([self.convert(child, depth + 1) for child in node.value], line)
        assert isinstance(node, yaml.MappingNode)
        out: dict[str, _Node] = {}
        merged: dict[str, _Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE or (isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<"):
                for source in value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]:
                    part = self.convert(source, depth + 1)
                    if isinstance(part.value, dict):
                        for k, v in part.value.items():
                            merged.setdefault(k, v)
                continue
            key = self.convert(key_node, depth + 1)
            out[key.value if isinstance(key.value, str) else str(key_node.value)] = self.convert(
                value_node, depth + 1
            )
        for k, v in merged.items():  # explicit keys win over merged ones, as YAML's merge key says
            out.setdefault(k, v)
        return _Node(out, line)


def _load_yaml(text: str, source: str) -> _Node | None:
    try:
        loader = _LimitedLoader(text)  # the reader checks every character here already
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise _problem(source, line, f"not a text file: character #x{exc.character:04x} at column "
                       f"{exc.position - text.rfind(chr(10), 0, exc.position)}") from None
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        return _Converter().convert(root)
    except _Limit as exc:
        raise _problem(source, exc.line, f"refused: {exc.message}", "is this really a reading list?") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise _problem(source, line, f"not a text file: character #x{exc.character:04x}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        what = exc.problem or str(exc)
        raise _problem(source, line, f"invalid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise _problem(source, 0, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise _problem(source, 0, f"refused: nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def _json_depth(text: str) -> tuple[int, int]:
    """The deepest bracket nesting outside strings, and the line where it is first reached."""
    depth = best = 0
    line = best_line = 1
    in_string = escaped = False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > best:
                best, best_line = depth, line
        elif ch in "]}":
            depth -= 1
    return best, best_line


def _from_json(value: Any) -> _Node:
    if isinstance(value, list):
        return _Node([_from_json(v) for v in value], 0)
    if isinstance(value, dict):
        return _Node({str(k): _from_json(v) for k, v in value.items()}, 0)
    if value is None:
        return _Node("", 0)
    if isinstance(value, bool):
        return _Node("true" if value else "false", 0)
    return _Node(str(value), 0)


def _load_json(text: str, source: str) -> _Node | None:
    depth, line = _json_depth(text)
    if depth > MAX_DEPTH:
        raise _problem(source, line, f"refused: nested deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _problem(source, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise _problem(source, 0, f"refused: nested deeper than {MAX_DEPTH} levels") from None
    # JSON is (nearly) YAML: composed again through the safe loader for line numbers where it can be.
    try:
        return _load_yaml(text, source)
    except InputError:
        return _from_json(value)


# --------------------------------------------------------------------------------------------------------------
# Roles of keys.

_SKIP_KEY_REASONS = {
    "slides": SkipReason.SLIDES, "slide": SkipReason.SLIDES, "annotated": SkipReason.SLIDES,
    "notes": SkipReason.SLIDES, "lecture_notes": SkipReason.SLIDES, "scribe": SkipReason.SLIDES,
    "scribe_notes": SkipReason.SLIDES, "handout": SkipReason.SLIDES, "handouts": SkipReason.SLIDES,
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
    "more": "further", "more_readings": "further",
}

_ROLES: dict[str, str] = {
    **{k: "date" for k in ("date", "day", "when", "datetime", "lecture_date", "class_date", "on")},
    **{k: "title" for k in ("title", "topic", "name", "lecture", "subject", "heading", "session")},
    **{k: "link" for k in ("url", "link", "href", "pdf", "paper", "html", "arxiv", "doi", "paper_url",
                           "paper_link", "pdf_url", "link_url", "web", "website")},
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
    if role == "children" and not isinstance(value.value, list):
        return "other" if role != "title" else role
    if k in ("week", "module", "unit", "part") and isinstance(value.value, str) and value.value.isdigit():
        return "other"  # ``week: 3`` is a number, not a name
    return role


# --------------------------------------------------------------------------------------------------------------
# Text inside strings: HTML or Markdown, into pieces of (text, href).

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_BARE_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"')\]]+|www\.[a-z0-9-]+\.[^\s<>\"')\]]+", re.IGNORECASE)
_BREAK = object()


def _html_segments(text: str) -> list[tuple[str, str | None] | object]:
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, Tag

    soup = BeautifulSoup(text, "html.parser")
    out: list[tuple[str, str | None] | object] = []

    def walk(el: Tag) -> None:
        for child in el.children:
            if isinstance(child, NavigableString):
                if type(child).__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction"):
                    continue
                out.append((str(child), None))
            elif isinstance(child, Tag):
                name = child.name.lower()
                if name in ("script", "style"):
                    continue
                if name == "br" or name in ("li", "p", "div", "tr"):
                    out.append(_BREAK)
                if name == "a":
                    href = child.get("href")
                    out.append((child.get_text(), str(href) if href is not None else ""))
                else:
                    walk(child)

    walk(soup)
    return out


def _markdown_segments(text: str) -> list[tuple[str, str | None] | object]:
    from markdown_it import MarkdownIt

    out: list[tuple[str, str | None] | object] = []
    for line in re.split(r"\n(?=\s*(?:[-*+]|\d+[.)])\s)", text):  # a Markdown list inside the string
        if out:
            out.append(_BREAK)
        line = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line)
        tokens = MarkdownIt("commonmark").parseInline(line)
        href: str | None = None
        buf: list[str] = []
        for tok in tokens[0].children or [] if tokens else []:
            if tok.type == "link_open":
                if buf:
                    out.append(("".join(buf), None))
                buf, href = [], str(tok.attrGet("href") or "")
            elif tok.type == "link_close":
                out.append(("".join(buf), href))
                buf, href = [], None
            elif tok.type in ("text", "code_inline", "html_inline"):
                buf.append(tok.content)
            elif tok.type in ("softbreak", "hardbreak"):
                buf.append(" ")
            elif tok.type == "image":
                buf.append(tok.content)
        if buf:
            out.append(("".join(buf), href))
    return out


def _segments(text: str) -> list[list[tuple[str, str | None]]]:
    """The string's pieces (split at ``<br>``, block tags and list items), each a list of (text, href or None).

    Bare URLs in text become links with empty text.
    """
    raw = _html_segments(text) if _TAG.search(text) else _markdown_segments(text)
    pieces: list[list[tuple[str, str | None]]] = [[]]
    for seg in raw:
        if seg is _BREAK:
            pieces.append([])
            continue
        assert isinstance(seg, tuple)
        seg_text, href = seg
        if href is not None:
            pieces[-1].append((seg_text, href))
            continue
        pos = 0
        for m in _BARE_URL.finditer(seg_text):
            url = m.group(0).rstrip(".,;:")
            pieces[-1].append((seg_text[pos : m.start()], None))
            pieces[-1].append(("", url))
            pos = m.start() + len(url)
        pieces[-1].append((seg_text[pos:], None))
    return [p for p in pieces if any(t.strip() or h is not None for t, h in p)]


def _clean(text: str) -> str:
    """Whitespace collapsed, emphasis markers, wrapping quotes and trailing separators removed."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"(?<!\w)[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?!\w)", "", text)
    text = text.strip(" ,;:-–—|")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'“”":
        text = text[1:-1].strip()
    return text.strip("“”\"").strip()


def _title(text: str) -> str:
    """A cleaned title: also without a final full stop (``Understanding.``), but keeping an ellipsis."""
    text = _clean(text)
    return text[:-1].rstrip() if text.endswith(".") and not text.endswith("..") else text


# --------------------------------------------------------------------------------------------------------------
# What a link or a piece of text is.

_GENERIC_LINK_TEXT = re.compile(
    r"^\W*(pdf|paper|link|here|arxiv|html|web|url|article|doi|preprint|openreview|acl|blog|post|"
    r"abs|abstract|full text|read|\[?\d+\]?)\W*$",
    re.IGNORECASE,
)
_RECORDING_HOSTS = re.compile(r"(youtube\.com|youtu\.be|vimeo\.com|panopto|zoom\.us/rec|twitch\.tv|"
                              r"bilibili\.com|slideslive\.com|videolectures\.net)", re.IGNORECASE)
_FORM_HOSTS = re.compile(r"(docs\.google\.com/forms|forms\.gle|forms\.office\.com|surveymonkey|"
                         r"typeform\.com|qualtrics\.com)", re.IGNORECASE)
_LOGISTIC_HOSTS = re.compile(r"(piazza\.com|edstem\.org|gradescope\.com|canvas\.|instructure\.com|"
                             r"calendar\.google\.com|campuswire\.com|sakai|blackboard)", re.IGNORECASE)
_SLIDES_HOSTS = re.compile(r"(docs\.google\.com/presentation|slideshare\.net|speakerdeck\.com)",
                           re.IGNORECASE)
_MARKERS: list[tuple[re.Pattern[str], SkipReason]] = [
    (re.compile(r"\b(video|videos|recording|recorded|lecture video|talk video|youtube|podcast)\b", re.IGNORECASE),
     SkipReason.RECORDING),
    (re.compile(r"^\W*(slides?|lecture slides|deck)\b", re.IGNORECASE), SkipReason.SLIDES),
    (re.compile(r"\b(homework|hw\s?\d+|problem set|pset|assignment|lab\s?\d+)\b", re.IGNORECASE), SkipReason.HOMEWORK),
    (re.compile(r"\b(quiz|exam|midterm|final exam|holiday|no class|spring break|fall break|"
                r"office hours|project presentations?|project proposal|due)\b", re.IGNORECASE), SkipReason.LOGISTICS),
    (re.compile(r"\b(google form|sign[- ]?up sheet)\b", re.IGNORECASE), SkipReason.FORM),
]
# A reading item's own title that says it is no reading ("Quiz 2", "Midterm exam", "HW3 released").  Anchored
# at the start: paper titles may contain "survey", "video" or "exam" anywhere else.
_TITLE_MARKERS: list[tuple[re.Pattern[str], SkipReason]] = [
    (re.compile(r"^\W*(quiz|midterm|final exam|exam\b|no class|holiday|spring break|fall break|"
                r"thanksgiving|office hours)", re.IGNORECASE), SkipReason.LOGISTICS),
    (re.compile(r"^\W*(homework|hw\s?\d|problem set|pset\s?\d|assignment\s?\d)", re.IGNORECASE), SkipReason.HOMEWORK),
    (re.compile(r"^\W*(lecture )?(slides|video|recording)\W*$", re.IGNORECASE), SkipReason.SLIDES),
]
_FURTHER_MARK = re.compile(
    r"[\(\[]\s*(optional|further|additional|recommended|supplementary|background|suggested|extra|more)"
    r"(\s+reading)?s?\s*[\)\]]|^\s*(optional|further|additional|recommended|supplementary|background|"
    r"suggested)(\s+reading)?s?\s*:\s*",
    re.IGNORECASE,
)
_REQUIRED_MARK = re.compile(r"[\(\[]\s*required\s*[\)\]]|^\s*required(\s+reading)?s?\s*:\s*", re.IGNORECASE)
_PLACEHOLDER_TEXT = re.compile(r"^\W*(none|tbd|tba|todo|n/?a|coming soon|to be (announced|determined))\W*$",
                               re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")


def _url_reason(url: str) -> SkipReason | None:
    """Why a URL is no reading by its form alone, or None."""
    u = url.strip()
    if not u or u.startswith("#") or u.lower() in ("todo", "tbd", "none"):
        return SkipReason.PLACEHOLDER
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", u)
    if scheme is None:
        return None if u.lower().startswith("www.") else SkipReason.NOT_WEB
    if scheme.group(1).lower() not in ("http", "https"):
        return SkipReason.NOT_WEB
    for pattern, reason in ((_RECORDING_HOSTS, SkipReason.RECORDING), (_FORM_HOSTS, SkipReason.FORM),
                            (_LOGISTIC_HOSTS, SkipReason.LOGISTICS), (_SLIDES_HOSTS, SkipReason.SLIDES)):
        if pattern.search(u):
            return reason
    return None


def _text_reason(text: str) -> SkipReason | None:
    for pattern, reason in _MARKERS:
        if pattern.search(text):
            return reason
    return None


#: Skip reasons that make an item with no other link no reading at all (a relative or "#" link does not).
_NOT_READINGS = {SkipReason.RECORDING, SkipReason.SLIDES, SkipReason.FORM, SkipReason.HOMEWORK,
                 SkipReason.LOGISTICS}


def _title_reason(title: str) -> SkipReason | None:
    for pattern, reason in _TITLE_MARKERS:
        if pattern.search(title):
            return reason
    return None


def _repair(url: str) -> str:
    url = url.strip().strip("<>")
    return "https://" + url if url.lower().startswith("www.") else url


# --------------------------------------------------------------------------------------------------------------
# Dates.

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\d/])")
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\b\.?(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_TERM_YEAR = re.compile(r"(?<![a-z])(spring|summer|fall|autumn|winter|sp|fa|su|wi)[\s_-]*'?(\d{4}|\d{2})\b", re.IGNORECASE)


@dataclass(frozen=True)
class _When:
    """A date as written: (year or None, month, day), or nothing understood."""

    year: int | None
    month: int
    day: int


def _parse_when(text: str) -> _When | None:
    m = _ISO.search(text)
    if m:
        return _When(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _MONTH_DAY.search(text)
    if m:
        return _When(int(m.group(3)) if m.group(3) else None, _MONTHS[m.group(1).lower()], int(m.group(2)))
    m = _DAY_MONTH.search(text)
    if m:
        return _When(int(m.group(3)) if m.group(3) else None, _MONTHS[m.group(2).lower()], int(m.group(1)))
    m = _NUMERIC.search(text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        month, day = (b, a) if a > 12 >= b else (a, b)  # US order unless the first number cannot be a month
        year = None
        if m.group(3):
            year = int(m.group(3)) if len(m.group(3)) == 4 else 2000 + int(m.group(3))
        return _When(year, month, day)
    return None


def _to_date(when: _When, year: int | None) -> dt.date | None:
    y = when.year if when.year is not None else year
    if y is None:
        return None
    try:
        return dt.date(y, when.month, when.day)
    except ValueError:
        return None


def _year_of(text: str) -> int | None:
    m = _TERM_YEAR.search(text)
    if m:
        y = m.group(2)
        return int(y) if len(y) == 4 else 2000 + int(y)
    m = _YEAR.search(text)
    return int(m.group(1)) if m else None


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
    year: int | None = None
    section: Section = "required"  # for reading items listed under a key such as ``optional_papers:``
    empty_items: list[tuple[int, str]] = field(default_factory=list)

    def message(self, line: int, text: str) -> None:
        self.course.messages.append(ImportMessage(line, text))

    def skip(self, url: str, line: int, reason: SkipReason, text: str = "") -> None:
        self.course.skipped.append(SkippedLink(url, line, reason, _clean(text)))


def _links_in(node: _Node) -> Iterator[tuple[str, str, int]]:
    """Every link in a subtree: (url, its text, line)."""
    if isinstance(node.value, str):
        value = node.value.strip()
        if re.fullmatch(r"\S+", value) and (re.match(r"(?i)(https?|ftp|mailto|javascript|data|file):", value)
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
            yield from _links_in(child)
    else:
        for child in node.value.values():
            yield from _links_in(child)


def _skip_all(state: _State, node: _Node, reason: SkipReason) -> None:
    for url, text, line in _links_in(node):
        state.skip(_repair(url), line, reason, text)


def _text_of(node: _Node) -> str:
    """A scalar's text with HTML tags and Markdown emphasis removed; lists joined."""
    if isinstance(node.value, list):
        return ", ".join(t for t in (_text_of(c) for c in node.value) if t)
    if isinstance(node.value, dict):
        return ""
    value = node.value
    if _TAG.search(value):
        from bs4 import BeautifulSoup

        value = BeautifulSoup(value, "html.parser").get_text(" ")
    return _clean(value)


def _is_truthy(node: _Node) -> bool:
    return isinstance(node.value, str) and node.value.strip().lower() in ("true", "yes", "y", "1", "on")


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
    for key, (r, node) in roles.items():
        if r == role and (not isinstance(node.value, str) or node.value.strip()):
            return key, node
    return None


def _ensure_session(state: _State, name: str, line: int) -> _Pending:
    if state.current is None:
        pending = _Pending(ImportedSession(name=name, line=line))
        state.pending.append(pending)
        state.current = pending
    return state.current


def _add_reading(state: _State, reading: ImportedReading, fallback_name: str) -> None:
    pending = _ensure_session(state, fallback_name, reading.line)
    session = pending.session
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
    reason = _text_reason(after) or _text_reason(before if not links else "")
    if reason is None and links and _text_reason(links[0][0]) is SkipReason.RECORDING:
        reason = SkipReason.RECORDING
    if reason is not None:
        for text, href in links:
            assert href is not None
            state.skip(_repair(href), line, reason, text)
        return
    if not links:
        title = _title(whole)
        if not title or _PLACEHOLDER_TEXT.match(title):
            return
        _add_reading(state, ImportedReading(title=title, line=line, section=section), fallback)
        return
    kept: list[ImportedLink] = []
    reasons: list[SkipReason] = []
    title = label = ""
    for text, href in links:
        assert href is not None
        url = _repair(href)
        clean_text = _clean(text)
        why = _url_reason(url) or (_title_reason(clean_text) if clean_text else None)
        if why is SkipReason.NOT_WEB and not title and clean_text:
            title = clean_text  # a relative link to a course copy: the reading stays, found by its title
        if why is not None:
            state.skip(url, line, why, text)
            reasons.append(why)
            continue
        if not title and clean_text and not _GENERIC_LINK_TEXT.match(clean_text) and not _BARE_URL.fullmatch(
            clean_text
        ):
            title = _title(clean_text)
        kept.append(ImportedLink(url, line, clean_text))
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
    _add_reading(state, reading, fallback)


def _reading_from_dict(state: _State, item: dict[str, _Node], line: int, section: Section,
                       fallback: str) -> None:
    roles = _classify(item)
    flag = _section_flag(roles)
    if flag is not None:
        section = flag
    title_node = _first(roles, "title")
    title = _title(_text_of(title_node[1])) if title_node else ""
    links: list[ImportedLink] = []
    reasons: list[SkipReason] = []
    reading = ImportedReading(title=title, line=line, section=section)
    for key, (role, node) in roles.items():
        if role == "title" and title_node is not None and key == title_node[0]:
            continue
        if role in ("link", "links"):
            for url, text, link_line in _links_in(node):
                url = _repair(url)
                if _norm_key(key) == "doi" and not url.startswith("http"):
                    url = "https://doi.org/" + url.removeprefix("doi:")
                why = _url_reason(url)
                if why is not None:
                    state.skip(url, link_line, why, text or title)
                    reasons.append(why)
                else:
                    links.append(ImportedLink(url, link_line, _clean(text)))
            if _norm_key(key) == "doi" and isinstance(node.value, str) and not node.value.startswith("http"):
                value = node.value.strip().removeprefix("doi:")
                if value and not any(lk.url.endswith(value) for lk in links):
                    links.append(ImportedLink("https://doi.org/" + value, node.line, ""))
        elif role == "authors":
            reading.authors = _text_of(node)
        elif role == "venue" and not reading.venue:
            reading.venue = _text_of(node)
        elif role == "year":
            m = _YEAR.search(_text_of(node))
            reading.year = int(m.group(1)) if m else None
            if m is None and _text_of(node):
                reading.extra[key] = _text_of(node)
        elif role == "note":
            reading.note = _text_of(node)
        elif role == "skip":
            _skip_all(state, node, _SKIP_KEY_REASONS[_norm_key(key)])
        elif role in ("flag", "date", "group_title", "title"):
            if isinstance(node.value, str) and node.value.strip():
                reading.extra[key] = node.value.strip()
        else:
            text = _text_of(node)
            for url, link_text, link_line in _links_in(node):
                state.skip(_repair(url), link_line, SkipReason.OTHER_FIELD, link_text)
            if text:
                reading.extra[key] = text
    reading.links = links
    if not links and any(r in _NOT_READINGS for r in reasons):
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
                    _readings(state, child, _READING_KEYS[_norm_key(key)], fallback)
                else:
                    _skip_all(state, child, SkipReason.OTHER_FIELD)
        else:
            _reading_from_dict(state, node.value, node.line, section, fallback)


def _looks_broken(item: dict[str, _Node]) -> bool:
    """A one-key mapping whose key is prose with markup: a string that YAML split at ": "."""
    ((key, value),) = item.items()
    return _ROLES.get(_norm_key(key)) is None and isinstance(value.value, str) and (
        bool(_TAG.search(key)) or "](" in key or " " in key.strip()
    )


def _is_reading_item(roles: dict[str, tuple[str, _Node]]) -> bool:
    """A dict that is itself a reading: a title with a link or authors (even an empty ``link:``), and no
    readings or nested items of its own."""
    has = {r for r, node in roles.values() if not isinstance(node.value, str) or node.value.strip()}
    keys = {r for r, _ in roles.values()}
    return "title" in has and bool(keys & {"link", "links", "authors"}) and not keys & {"readings", "children"}


def _item(state: _State, node: _Node, context: str) -> None:
    """One item of a list of schedule items."""
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
                _skip_all(state, other, SkipReason.OTHER_FIELD)
        return
    when_text = _text_of(date_node[1]) if date_node else ""
    if not name:
        name = _text_of(group[1]) if group else (when_text or context)
    when = _parse_when(when_text) if when_text else None
    state.current = _Pending(ImportedSession(name=name or f"Session on line {node.line}", line=node.line,
                                             when=when_text), when)
    state.pending.append(state.current)
    for key, (role, child) in roles.items():
        if role == "readings":
            _readings(state, child, _READING_KEYS.get(_norm_key(key), "required"), name)
        elif role == "skip":
            _skip_all(state, child, _SKIP_KEY_REASONS[_norm_key(key)])
        elif role in ("link", "links"):
            for url, text, line in _links_in(child):
                # a lecture's own link (its page, its slides) is no reading of it
                state.skip(_repair(url), line, _url_reason(_repair(url)) or _text_reason(key) or
                           SkipReason.OTHER_FIELD, text)
        elif role != "title" or (title_node and key != title_node[0]):
            _skip_all(state, child, _text_reason(key) or SkipReason.OTHER_FIELD)
        elif role == "title":
            _skip_all(state, child, _text_reason(name) or SkipReason.OTHER_FIELD)
    if not state.current.session.readings:
        state.empty_items.append((node.line, name))
    state.current = None


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
            if key.lower() not in _COURSE_TITLE_KEYS and key.lower() not in _YEAR_KEYS:
                _skip_all(state, node, SkipReason.OUTSIDE)
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
        context = key.replace("_", " ").strip().capitalize() if _ROLES.get(nk) != "children" else ""
        items = node.value if isinstance(node.value, list) else [node]
        if isinstance(node.value, dict) and not _is_reading_item(_classify(node.value)):
            items = list(node.value.values()) if all(
                isinstance(v.value, (list, dict)) for v in node.value.values()) else [node]
        state.current = None
        state.section = "further" if _FURTHER_GROUP.search(key) else "required"
        for child in items:
            _item(state, child, context or state.course.title or _base(state.source))
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
        state.message(0, f"session dates have no year; {year} taken from the file name {state.source}")
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


def _read(root: _Node | None, source: str) -> ImportedCourse:
    state = _State(source)
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
    return _read(_load_yaml(text, source), source)


def read_json(text: str, source: str) -> ImportedCourse:
    """Read a JSON data file into sessions and readings; see :func:`read_yaml`."""
    return _read(_load_json(text, source), source)
