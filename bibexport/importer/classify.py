"""What a piece of a reading list is: a bullet, a section marker, prose, an author list, a note, a citation,
a link label.  Pure string tests, no parser state."""

from __future__ import annotations

import re

_BULLET = re.compile(r"^(?:[-*+•–—]|\d{1,3}[.)])(?:\s+|$)")
_QUOTES = "“\"‘'„«»”’>"
_BOILERPLATE = re.compile(
    r"(?i)^(in this (session|class|week|lecture|meeting|module)\b.*|(our )?readings? (cover|include)\b.*)$"
)
_SECTION_REQUIRED = re.compile(
    r"(?i)^((required|core|main|mandatory|essential|assigned|primary|key)(\s+(readings?|papers?))?"
    r"|readings?|papers?|read before class|before class)$"
)
_SECTION_FURTHER = re.compile(
    r"(?i)^(more|further|optional|additional|supplementa(ry|l)|extra|recommended|background|related|"
    r"suggested|secondary)(\s+(readings?|papers?|resources|materials?|work))?$|^resources$|"
    r"^(to go|going|go|digging|dig|diving|dive) (further|deeper)$|^(to learn|learn|want) more$|^deep(er)? dive$"
)
# A rule drawn with characters, with or without words inside it ("------ no reading below this line ------",
# "=== Part 2 ==="): it separates parts of a list and names no reading.
_SEPARATOR = re.compile(r"^\s*([-=_~*#+.])\1{2,}.*?\1{3,}\s*$|^\s*([-=_~*#+.])\2{2,}\s*$")
_READ_ON = re.compile(r"(?i)^read\s+on\b")
_SENTENCE_BREAK = re.compile(r"[\w)\]”\"][.!?]\s+[A-Z(“\"]")
_PROSE_START = re.compile(r"(?i)^(we|our|this (paper|work|survey|study)|in this (paper|work)|abstract\b)")
_LINK_LABELS = frozenset(
    [
        "pdf",
        "paper",
        "arxiv",
        "abs",
        "code",
        "github",
        "blog",
        "blogpost",
        "post",
        "slides",
        "video",
        "talk",
        "website",
        "site",
        "project",
        "page",
        "html",
        "link",
        "url",
        "openreview",
        "demo",
        "poster",
        "dataset",
        "data",
        "colab",
        "notebook",
        "huggingface",
        "hf",
        "model",
        "models",
        "doi",
        "review",
        "reviews",
        "supplementary",
        "appendix",
        "tweet",
        "thread",
        "summary",
        "tldr",
        "homepage",
        "repo",
        "repository",
        "acl",
        "anthology",
        "proceedings",
        "leaderboard",
        "space",
        "deck",
        "recording",
        "lecture",
    ]
)
_NOTE_LABELS = frozenset(
    ["authors", "author", "venue", "note", "notes", "why", "tldr", "tl;dr", "summary", "comment", "comments"]
)
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _strip_bullet(text: str) -> str:
    """The text of a list item without its bullet ("- ", "* ", "1. ")."""
    return _BULLET.sub("", text, count=1).strip()


def _section_of(text: str) -> str | None:
    """'required' or 'further' when the line only names a section ("More readings:", "**Optional**")."""
    core = re.sub(r"\s+", " ", text.strip(" \t#*_:-–—.")).strip()
    core = re.sub(r"\s*\(.*\)$", "", core)  # "Required (read before class)"
    if _SECTION_REQUIRED.match(core):
        return "required"
    if _SECTION_FURTHER.match(core):
        return "further"
    return None


def _is_prose(text: str) -> bool:
    """Abstract or discussion prose rather than a title: long, or several full sentences."""
    if len(text) > 300 or (len(text) > 160 and (text[-1:] in '.!?"”)' or _SENTENCE_BREAK.search(text))):
        return True  # a long title without sentence punctuation is still a title
    words = len(text.split())
    ends = text[-1:] in ".!"
    if ends and (_SENTENCE_BREAK.search(text) or words >= 14):
        return True
    return bool(ends and words >= 6 and _PROSE_START.match(text))


def _looks_like_authors(text: str) -> bool:
    """A rough author-list test: mostly capitalised name words, joined by commas or "and"."""
    words = re.findall(r"[^\W\d_][\w'’.-]*", text)
    names = [w for w in words if w.lower() not in {"and", "et", "al", "al.", "van", "von", "der", "de", "la"}]
    if not names or len(names) > 60:
        return False
    capitalised = sum(1 for w in names if w[0].isupper()) / len(names)
    joined = "," in text or " and " in text or "et al" in text or len(names) <= 4
    return capitalised >= 0.75 and joined


def _is_author_line(text: str) -> bool:
    """ "Ashish Vaswani, Noam Shazeer, Niki Parmar, et al." under a title: names, not a reading."""
    parts = [p for p in re.split(r",\s*|\s+and\s+|\s*&\s*", text.rstrip(".")) if p.strip()]
    etal = bool(parts) and re.fullmatch(r"(?i)(and\s+)?et\.?\s+al\.?|others", parts[-1].strip()) is not None
    names = parts[:-1] if etal else parts
    if not names or (len(names) < 3 and not etal):
        return False
    particles = {"van", "von", "der", "de", "la", "le", "du", "di", "da", "dos", "del"}
    return all(
        1 <= len(words) <= 5 and all(w[0].isupper() or w in particles for w in words)
        for words in (p.split() for p in names)
    )


def _is_note(text: str) -> bool:
    """A line under a reading that describes it ("Authors: …", "Vaswani et al., 2017", prose, "(optional)")."""
    label = re.match(r"^[*_]*([\w ;]{1,20}?)[*_]*:", text)
    return bool(
        (label and label.group(1).lower() in _NOTE_LABELS)
        or re.search(r"\bet\.? al\b", text)
        or text.startswith("(")
        or _is_author_line(text)
        or _is_prose(text)
    )


def _citation_title(text: str) -> str | None:
    """The title of a "Title. Authors. Venue." line, or None when the line has no such shape."""
    m = re.search(r"(?<=[^\s.][.?!])\s+(?=[A-ZÀ-ÖØ-Þ])", text)
    if m is None or m.start() > 200 or _PROSE_START.match(text):
        return None
    title, rest = text[: m.start()], text[m.end() :]
    authors = re.split(r"(?<![A-Z])\.\s", rest, maxsplit=1)[0]
    if len(authors) > 400 or not _looks_like_authors(authors):
        return None
    return title.removesuffix(".")


def _is_label(text: str) -> bool:
    """True for link labels such as "code", "PDF", "HF blog", "[project page]"."""
    words = re.findall(r"[\w;]+", text.lower())
    return bool(words) and all(w in _LINK_LABELS for w in words)


def _md_unescape(text: str) -> str:
    return _MD_ESCAPE.sub(r"\1", text)
