"""Text inside data files: HTML or Markdown strings split into (text, link) pieces, what a link or a piece of
text is (a reading, a video, slides, homework…), and dates as schedules write them (``9/27``, ``Jan 14``,
``Tuesday, September 1``).  Used by :mod:`bibexport.importer.data`; pure functions, no I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bibexport.importer.dates import _MONTH as _MONTH_RE
from bibexport.importer.dates import _MONTHS
from bibexport.importer.model import SkipReason

if TYPE_CHECKING:  # pragma: no cover
    from markdown_it import MarkdownIt

# -- Text inside strings: HTML or Markdown, into pieces of (text, href). ----------------------------------------

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


@functools.lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    """One CommonMark parser for every string (building one costs more than parsing a line)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def _markdown_segments(text: str) -> list[tuple[str, str | None] | object]:
    out: list[tuple[str, str | None] | object] = []
    for line in re.split(r"\n(?=\s*(?:[-*+]|\d+[.)])\s)", text):  # a Markdown list inside the string
        if out:
            out.append(_BREAK)
        line = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line)
        if not re.search(r"[\[\]*_`<>&\\!]", line):  # plain text: nothing for a Markdown parser to find
            out.append((line, None))
            continue
        tokens = _markdown().parseInline(line)
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
    """HTML entities decoded; whitespace collapsed; emphasis, wrapping quotes and trailing separators removed."""
    text = re.sub(r"\s+", " ", html.unescape(text)).strip()
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
    (re.compile(r"\b(homework|hw\s?\d+|problem set|pset|assignment|lab\s?\d+)\b", re.IGNORECASE),
     SkipReason.HOMEWORK),
    (re.compile(r"\b(quiz|exam|midterm|final exam|holiday|no class|spring break|fall break|"
                r"office hours|project presentations?|project proposal|due)\b", re.IGNORECASE),
     SkipReason.LOGISTICS),
    (re.compile(r"\b(google form|sign[- ]?up sheet)\b", re.IGNORECASE), SkipReason.FORM),
]
# A reading item's own title that says it is no reading ("Quiz 2", "Midterm exam", "HW3 released").  Anchored
# at the start: paper titles may contain "survey", "video" or "exam" anywhere else.
_TITLE_MARKERS: list[tuple[re.Pattern[str], SkipReason]] = [
    (re.compile(r"^\W*(quiz|midterm|final exam|exam\b|no class|holiday|spring break|fall break|"
                r"thanksgiving|office hours)", re.IGNORECASE), SkipReason.LOGISTICS),
    (re.compile(r"^\W*(homework|hw\s?\d|problem set|pset\s?\d|assignment\s?\d)", re.IGNORECASE),
     SkipReason.HOMEWORK),
    (re.compile(r"^\W*(lecture )?(slides|video|recording)\W*$", re.IGNORECASE), SkipReason.SLIDES),
]
# The text of a link that is course material, not a reading ("script", "Additional slides on Ullmann").
_LINK_TEXT_MARKERS: list[tuple[re.Pattern[str], SkipReason]] = [
    (re.compile(r"\bslides?\b|\bslide deck\b", re.IGNORECASE), SkipReason.SLIDES),
    (re.compile(r"^\W*(script|code|notebook|colab|data ?set|data|demo|solutions?|starter code)\W*$",
                re.IGNORECASE), SkipReason.MATERIAL),
    (re.compile(r"^\W*(video|recording|lecture video|talk|youtube)\W*$", re.IGNORECASE), SkipReason.RECORDING),
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
# A reading without a link whose title says there is none to read ("No Assigned Reading", "Student Selected
# Literature", "Final Reports Due").
_NO_READING = re.compile(r"(?i)^\W*(no (assigned )?readings?|none assigned|student[- ]selected|readings? tb[ad]|"
                         r"to be (announced|assigned)|(see|check|posted on|available on) (canvas|piazza|ed\b|"
                         r"the )?(slides|below|above|website|course site|canvas|piazza))\b|\bdue\W*$")
# "Holistic Evaluation of Language Models (HELM) pages 1-10": a trailing nickname, then detail.
_NICKNAME = re.compile(r"^(?P<title>.*?\S(?:\s+\S+){1,})\s+\((?P<label>[A-Za-z][\w.+-]{0,19})\)\s*(?P<rest>.*)$")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")


def _url_reason(url: str) -> SkipReason | None:
    """Why a URL is no reading by its form alone, or None."""
    u = url.strip()
    if not u or u.startswith("#") or u.lower() in ("todo", "tbd", "none"):
        return SkipReason.PLACEHOLDER
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", u)
    if scheme is None:
        if u.lower().startswith("www."):
            return None
        # a course-site path: a slide deck by its name, else a file of the site kept as written (see _relative)
        return SkipReason.SLIDES if re.search(r"(?i)(^|/)slides?/|slides?\.(pdf|pptx?|key)$", u) else None
    if scheme.group(1).lower() not in ("http", "https"):
        return SkipReason.NOT_WEB
    for pattern, reason in ((_RECORDING_HOSTS, SkipReason.RECORDING), (_FORM_HOSTS, SkipReason.FORM),
                            (_LOGISTIC_HOSTS, SkipReason.LOGISTICS), (_SLIDES_HOSTS, SkipReason.SLIDES)):
        if pattern.search(u) and not (reason is SkipReason.LOGISTICS and "/files/" in u):
            return reason  # (a file on Canvas is a document, a reading maybe; the rest of Canvas is not)
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


def _relative(url: str) -> bool:
    """A path on the course's own site (``/assets/readings/x.pdf``, ``papers/hints.pdf``): kept as written, with a
    warning, as the other readers do; only the site's address (a URL import) can complete it."""
    u = url.strip()
    return bool(u) and not u.startswith("#") and re.match(r"(?i)[a-z][a-z0-9+.-]*:|www\.", u) is None


def _link_text_reason(text: str) -> SkipReason | None:
    """Why a link is no reading by its text alone (besides :func:`_title_reason`), or None."""
    for pattern, reason in (*_TITLE_MARKERS, *_LINK_TEXT_MARKERS):
        if pattern.search(text):
            return reason
    return None


def _repair(url: str) -> str:
    """A link as meant: HTML entities decoded (``mailto&#58;``), angle brackets dropped, ``www.`` completed."""
    url = html.unescape(url).strip().strip("<>")
    return "https://" + url if url.lower().startswith("www.") else url


# --------------------------------------------------------------------------------------------------------------
# Dates.

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\d/])")
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\b\.?(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_TERM_YEAR = re.compile(r"(?<![a-z])(spring|summer|fall|autumn|winter|sp|fa|su|wi)[\s_-]*'?((?:19|20)\d{2}|\d{2})\b",
                        re.IGNORECASE)


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
