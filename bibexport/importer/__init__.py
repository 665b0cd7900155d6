"""Import any published reading list into ``sessions.toml`` text.

A reader per format (:mod:`.formats` lists them: plain text, Markdown and HTML through a document tree and
the one structure inference in :mod:`.infer`; YAML/JSON and BibTeX data mapped directly) turns text into an
:class:`~bibexport.importer.model.ImportedCourse`; :mod:`.emit` renders it.  Pure core: :func:`import_text`
maps text to an :class:`ImportResult`; :func:`import_file` only reads, checks and decodes bytes.  Nothing is
dropped silently: every link ends in a reading or in the skipped list with its reason, and every line that is
neither structure, a reading nor recognised prose is reported as "could not place".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bibexport.errors import InputError, Problem
from bibexport.importer.model import ImportedCourse, ImportMessage

__all__ = ["FORMATS", "ImportMessage", "ImportResult", "import_file", "import_text"]

from bibexport.importer.formats import FORMATS


@dataclass(frozen=True)
class ImportResult:
    """The ``sessions.toml`` text, what the user should know about the import, and counts for a summary."""

    toml: str
    messages: tuple[ImportMessage, ...]
    sessions: int
    readings: int
    course: ImportedCourse = field(default_factory=ImportedCourse, compare=True)
    format: str = "text"


_SHAPE_HINT = (
    "expected reading titles with their links, e.g. a Markdown list of [title](https://…) items, optionally "
    'under headings such as "## Week 1 (Jan 30)"'
)


def import_text(text: str, *, source_name: str = "reading-list.txt", fmt: str = "auto") -> ImportResult:
    """Turn a reading list into sessions.toml text plus messages.

    ``fmt`` is "auto" (from the name's extension, else the content) or a format of :data:`FORMATS`.  Raises
    :class:`InputError` when the text is empty or no reading is found; everything else is a message.
    """
    return _import(text, source_name, source_name, fmt)


def _import(text: str, source_name: str, problem_file: str, fmt: str) -> ImportResult:
    from bibexport.importer.emit import render_course
    from bibexport.importer.formats import detect, reader

    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if not text.strip("\ufeff \t\r\n"):
        raise InputError([Problem(problem_file, 1, "the file is empty", hint=_SHAPE_HINT)])
    name = detect(source_name, text) if fmt == "auto" else fmt
    try:
        course = reader(name, problem_file)(text, source_name)
    except RecursionError as exc:  # a parser's own recursion on pathological nesting
        raise InputError([Problem(problem_file, 0, "the input is nested too deeply to read")]) from exc
    readings = len(course.readings())
    if readings == 0:
        raise InputError([Problem(problem_file, 1, f"no reading found (read as {name})", hint=_SHAPE_HINT)])
    return ImportResult(
        render_course(course, Path(source_name).name),
        tuple(course.messages),
        len(course.sessions),
        readings,
        course,
        name,
    )


def decode(data: bytes, problem_file: str) -> str:
    """Bytes of a reading list as text: UTF-8 with or without BOM; binary, UTF-16 and oversized input refused
    with a message naming the file (and the line of a bad byte)."""
    from bibexport.config import MAX_INPUT_BYTES

    if len(data) > MAX_INPUT_BYTES:
        raise InputError([Problem(problem_file, 0, f"the input is {len(data) / 1e6:.1f} MB; bibexport imports "
                                                   f"reading lists up to {MAX_INPUT_BYTES // 1_000_000} MB")])
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError([Problem(problem_file, 1, "the file is UTF-16, not UTF-8", hint=_UTF8_HINT)])
    if b"\x00" in data[:65536]:
        raise InputError([Problem(problem_file, 0, "this is a binary file, not a reading list",
                                  hint="give a text, Markdown, HTML, YAML, JSON or BibTeX file")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = re.split(rb"\r\n|\r|\n", data[: exc.start])
        message = f"not valid UTF-8: byte 0x{data[exc.start]:02x} at column {len(before[-1]) + 1}"
        raise InputError([Problem(problem_file, len(before), message, hint=_UTF8_HINT)]) from exc


def import_file(path: Path, fmt: str = "auto") -> ImportResult:
    """Read and decode ``path`` (``-``: standard input) and import it; see :func:`import_text`."""
    import sys

    if str(path) == "-":
        return _import(decode(sys.stdin.buffer.read(), "<stdin>"), "stdin", "<stdin>", fmt)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError([Problem(str(path), 0, f"cannot read the file: {exc.strerror or exc}")]) from exc
    return _import(decode(data, str(path)), Path(path).name, str(path), fmt)


_UTF8_HINT = "save the file as UTF-8, e.g. iconv -f latin1 -t utf-8 in.txt > out.txt"
