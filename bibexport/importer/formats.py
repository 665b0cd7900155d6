"""The registry of import readers by format name, and format detection (by file extension, then content).

Readers are named by dotted path and imported only when used: the registry lists a format before its module
exists, and importing the package stays cheap.  An unknown or unavailable format is an
:class:`~bibexport.errors.InputError` that lists what exists.
"""

from __future__ import annotations

import importlib
import re
from pathlib import PurePath
from typing import cast

from bibexport.errors import InputError, Problem
from bibexport.importer.model import Reader

READERS: dict[str, str] = {
    "text": "bibexport.importer.documents:read_text",
    "markdown": "bibexport.importer.documents:read_markdown",
    "html": "bibexport.importer.documents:read_html",
    "yaml": "bibexport.importer.data:read_yaml",
    "json": "bibexport.importer.data:read_json",
    "bibtex": "bibexport.importer.bibfile:read_bib",
}
EXTENSIONS: dict[str, str] = {
    ".txt": "text", ".text": "text",
    ".md": "markdown", ".markdown": "markdown", ".mdown": "markdown", ".mkd": "markdown", ".qmd": "markdown",
    ".rmd": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".yml": "yaml", ".yaml": "yaml",
    ".json": "json",
    ".bib": "bibtex", ".bibtex": "bibtex",
}
FORMATS = ("auto", *READERS)


def reader(name: str, source: str = "") -> Reader:
    """The reader registered as ``name``."""
    path = READERS.get(name)
    if path is None:
        raise InputError([Problem(source, 0, f"unknown input format {name!r}", hint="one of " + ", ".join(READERS))])
    module, _, attr = path.partition(":")
    try:
        return cast(Reader, getattr(importlib.import_module(module), attr))
    except (ImportError, AttributeError) as exc:
        raise InputError([Problem(source, 0, f"the {name} reader is not available in this version ({exc})")]) from exc


def detect(source: str, text: str) -> str:
    """The format of ``text`` read from ``source``: the extension first, else what the content looks like."""
    ext = PurePath(source).suffix.lower()
    if EXTENSIONS.get(ext) == "text" and _written_in_markdown(text):
        return "markdown"  # a .txt file written in Markdown syntax is read as what it is
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    head = text.lstrip("\ufeff \t\r\n")[:4000]
    if re.match(r"(?is)<!doctype html|<html\b", head) or re.search(r"(?i)<(table|body|ul|div)\b[^>]*>", head[:2000]):
        return "html"
    if re.match(r"@\w+\s*[{(]", head) or re.search(r"(?m)^@(article|inproceedings|misc|book|online)\s*\{", head):
        return "bibtex"
    if head[:1] in "{[" and re.match(r"[{\[]\s*[\"{\[\]]", head):
        return "json"
    yaml_start = re.match(r"---\s*\n", head) and not re.search(r"(?m)^#{1,6}\s|^\s*[-*]\s+\[", head)
    if yaml_start and (re.search(r"(?m)^---\s*$", head[3:]) is None or re.search(r"(?m)^- (date|title|topic|week):", head)):
        return "yaml"
    if re.search(r"(?m)^-\s+(date|title|topic|week|lecture|readings?):", head):
        return "yaml"
    if re.search(r"(?m)^#{1,6}\s+\S|^\s*(?:[-*+]|\d{1,3}[.)])\s+\[[^\]]+\]\([^)]+\)|^\|.*\|\s*$", text[:200_000]):
        return "markdown"
    return "text"


def _written_in_markdown(text: str) -> bool:
    """Markdown syntax a plain-text list does not use by accident: several ATX headings ("## Superposition"),
    several inline links ("[title](https://…)") or a table's delimiter row."""
    sample = text[:200_000]
    headings = len(re.findall(r"(?m)^#{1,6}[ \t]+\S", sample))
    links = len(re.findall(r"\[[^\]\n]+\]\((?:https?://|/|\.)[^)\s]*\)", sample))
    table = re.search(r"(?m)^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", sample)
    return headings >= 2 or links >= 2 or table is not None
