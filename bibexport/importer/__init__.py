"""Import a plain-text or Markdown reading list into ``sessions.toml`` text.

Pure core: :func:`import_text` maps text to an :class:`ImportResult` (the TOML text plus warnings);
:func:`import_file` only reads and decodes bytes.  Both parsers feed one :class:`_Builder`, so the two
formats share the rules for sessions, sections, titles and links.  Nothing is dropped silently: a line is
a session header, a section marker, a title, a link, prose (abstracts and quotes, counted in one summary
message) or it is reported as "could not place".

The modules, in the order they build on each other: :mod:`.dates` and :mod:`.classify` (what a piece of text
is), :mod:`.links` (repairing and finding links), :mod:`.builder` (sessions, readings, messages),
:mod:`.text` (plain text, and the line rules Markdown shares), :mod:`.tables` and :mod:`.markdown`,
:mod:`.validate` (dates and duplicates) and :mod:`.emit` (the TOML text).
"""

from __future__ import annotations

import re
from pathlib import Path

from bibexport.errors import InputError, Problem
from bibexport.importer.builder import ImportMessage, ImportResult, _Builder

# Private names re-exported for the tests that exercise them directly.
from bibexport.importer.builder import _Reading as _Reading
from bibexport.importer.builder import _Session as _Session
from bibexport.importer.classify import (
    _BOILERPLATE as _BOILERPLATE,
)
from bibexport.importer.classify import (
    _is_label as _is_label,
)
from bibexport.importer.classify import (
    _section_of as _section_of,
)
from bibexport.importer.classify import (
    _strip_bullet as _strip_bullet,
)
from bibexport.importer.dates import _DateHit as _DateHit
from bibexport.importer.emit import _render
from bibexport.importer.emit import _toml_string as _toml_string
from bibexport.importer.links import _looks_like_url as _looks_like_url
from bibexport.importer.markdown import _is_markdown, _parse_markdown
from bibexport.importer.text import _header as _header
from bibexport.importer.text import _parse_text
from bibexport.importer.validate import _SHAPE_HINT, _finish

__all__ = ["ImportMessage", "ImportResult", "import_file", "import_text"]

FORMATS = ("auto", "text", "markdown")

_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")


def _lines(text: str) -> list[str]:
    """Lines as an editor numbers them (CRLF, CR or LF), tabs expanded, invisible characters removed."""
    text = text.removeprefix("\ufeff")
    return [_INVISIBLE.sub("", line.expandtabs(4)) for line in re.split(r"\r\n|\r|\n", text)]


def import_text(text: str, *, source_name: str = "reading-list.txt", fmt: str = "auto") -> ImportResult:
    """Turn a reading list (plain text or Markdown) into sessions.toml text plus messages.

    ``fmt`` is "auto" (Markdown for a .md name, "#" headings or "- [title](url)" items), "text" or
    "markdown".  Raises :class:`InputError` when no session is found or a session's date is missing or
    impossible; every other oddity is a message in the result.
    """
    return _import(text, source_name, source_name, fmt)


def _import(text: str, source_name: str, problem_file: str, fmt: str) -> ImportResult:
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    lines = _lines(text)
    b = _Builder(problem_file)
    markdown = fmt == "markdown" or (fmt == "auto" and _is_markdown(source_name, lines))
    (_parse_markdown if markdown else _parse_text)(lines, b)
    if not any(line.strip() for line in lines):
        raise InputError([Problem(problem_file, 1, "the file is empty", hint=_SHAPE_HINT)])
    sessions = _finish(b)
    messages = tuple(sorted(b.messages, key=lambda m: m.line))
    readings = sum(len(s.readings()) for s in sessions)
    return ImportResult(
        _render(b.course, sessions, Path(source_name).name), messages, len(sessions), readings
    )


def import_file(path: Path, fmt: str = "auto") -> ImportResult:
    """Read and decode ``path`` (UTF-8, with or without BOM) and import it; see :func:`import_text`."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError([Problem(str(path), 0, f"cannot read the file: {exc.strerror or exc}")]) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError([Problem(str(path), 1, "the file is UTF-16, not UTF-8", hint=_UTF8_HINT)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = re.split(rb"\r\n|\r|\n", data[: exc.start])
        message = f"not valid UTF-8: byte 0x{data[exc.start]:02x} at column {len(before[-1]) + 1}"
        raise InputError([Problem(str(path), len(before), message, hint=_UTF8_HINT)]) from exc
    return _import(text, Path(path).name, str(path), fmt)


_UTF8_HINT = "save the file as UTF-8, e.g. iconv -f latin1 -t utf-8 in.txt > out.txt"
