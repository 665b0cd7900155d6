"""BibTeX files read into an :class:`ImportedCourse`: every entry a reading, its fields kept.

Parsed with bibtexparser 2 (its default stack: ``@string`` references resolved, enclosing braces removed).
Titles, authors and venues are decoded from LaTeX with pybtex (``{\\'i}`` → ``í``, ``--`` → ``–``, braces
dropped).  Links come from ``url``, ``doi`` (``https://doi.org/…``), ``eprint``/``arxiv`` (``https://arxiv.org
/abs/…``) and ``\\url{…}`` in ``howpublished``/``note``; every other field is kept in ``extra`` as written, with
the citation key (``extra["key"]``) and entry type (``extra["type"]``).

Sessions: one, named after the file, unless comments group the entries: ``% Session: Alignment``,
``% Week 3``, ``% L1–2`` or ``@comment{Lecture 4: Scaling}`` start a session holding the entries below them.
Blocks bibtexparser cannot parse are reported with their line and read as far as their text allows, never
dropped silently.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bibexport.importer.datatext import _title_reason
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

__all__ = ["read_bib"]

# bibtexparser logs every block it cannot parse; those blocks are reported as messages with their line
# instead, so its log records must not reach the terminal through logging's last-resort handler.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "school", "institution", "organization")
_LINK_FIELDS = ("url", "doi", "eprint", "arxiv", "arxivid", "howpublished", "note", "pdf", "link")
_DECODED_FIELDS = ("title", "author", "year", "date", *_VENUE_FIELDS)
# A comment that names a group of entries: "Session: Alignment", "Week 3", "Lecture 4 – Scaling", "L1–2".
_SESSION_COMMENT = re.compile(
    r"^(session|week|lecture|lec|class|module|topic|unit|part|day|meeting|seminar)\b\s*[\w:.–-]*"
    r"|^L\s?\d+(\s*[–-]\s*\d+)?\b"
    r"|^\d{1,2}[.)]\s+\w",
    re.IGNORECASE,
)
_FURTHER_WORDS = re.compile(r"\b(optional|further|additional|recommended|supplementary|background)\b",
                            re.IGNORECASE)
# A note that makes an entry further reading: "Optional", "for reference only. You do not have to read it".
_FURTHER_NOTE = re.compile(r"(?i)^\W*(optional|recommended|further|supplementary|background)\b|for reference only|"
                           r"(do not|don't|need not|not) (have to |need to )?read\b|\bnot required\b")
_URL_IN_TEXT = re.compile(r"\\url\{([^}]*)\}|\\href\{([^}]*)\}|(https?://[^\s{}\\]+)")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}(v\d+)?|[a-z-]+(\.[A-Z]{2})?/\d{7}(v\d+)?)$")


def _latex_to_text(value: str) -> str:
    """LaTeX → plain text: accents and specials decoded, braces and unknown commands dropped."""
    from pybtex.richtext import Text

    try:
        text = str(Text.from_latex(value).render_as("text"))
    except Exception:  # noqa: BLE001 - pybtex raises plain exceptions on unbalanced braces; fall back to codec
        import codecs

        import latexcodec  # noqa: F401 - registers the "ulatex" codec

        decoded: str = codecs.decode(value, "ulatex")  # type: ignore[call-overload]  # a str → str codec
        text = decoded.replace("{", "").replace("}", "")
    text = re.sub(r"\\[a-zA-Z]+\*?\s?", "", text)  # \textit, \emph, \url: the argument stays
    return re.sub(r"\s+", " ", text).strip()


def _field_line(raw: str, start: int, name: str) -> int:
    """The 1-based line of a field inside an entry's raw text (the entry's own line when not found)."""
    m = re.search(rf"(?im)^\s*{re.escape(name)}\s*=|[,{{]\s*{re.escape(name)}\s*=", raw)
    return start + (raw[: m.start()].count("\n") + (1 if raw[m.start()] == "\n" else 0) if m else 0)


def _clean_field_name(name: str) -> str:
    """``% print edition\\n\\ttitle`` → ``title``: a comment before a field ends up in its name."""
    return re.sub(r"^(?:%[^\n]*\n\s*)+", "", name).strip().lower()


def _links(fields: dict[str, str], raw: str, line: int) -> tuple[list[ImportedLink], list[SkippedLink]]:
    found: list[tuple[str, str]] = []  # (url, field)
    for name in _LINK_FIELDS:
        value = fields.get(name, "").strip()
        if not value:
            continue
        if name == "doi":
            m = _DOI.search(value)
            if m:
                found.append(("https://doi.org/" + m.group(0).rstrip(".,;"), name))
        elif name in ("eprint", "arxiv", "arxivid"):
            prefix = (fields.get("archiveprefix", "") + fields.get("eprinttype", "")).lower()
            bare = re.sub(r"(?i)^arxiv:", "", value)
            if (name != "eprint" or "arxiv" in prefix or not prefix) and _ARXIV_ID.match(bare):
                found.append((f"https://arxiv.org/abs/{bare}", name))
            elif value.startswith("http"):
                found.append((value, name))
        elif name in ("url", "pdf", "link") and not re.search(r"\\(url|href)\b", value):
            found += [(url, name) for url in value.split()]
        else:
            for m in _URL_IN_TEXT.finditer(value):
                url = next(g for g in m.groups() if g)
                found.append((url, name))
    links: list[ImportedLink] = []
    skipped: list[SkippedLink] = []
    seen: set[str] = set()
    for url, name in found:
        url = url.replace("\\_", "_").replace("\\%", "%").replace("\\&", "&").replace("\\#", "#").strip()
        where = _field_line(raw, line, name)
        key = re.sub(r"^https?://(dx\.)?", "", url.rstrip("/")).lower()
        if key in seen:  # url = https://doi.org/X and doi = X: one link
            continue
        seen.add(key)
        if not re.match(r"(?i)https?://", url):
            skipped.append(SkippedLink(url, where, SkipReason.NOT_WEB, name))
        else:
            links.append(ImportedLink(url, where, name))
    return links, skipped


def _year(fields: dict[str, str]) -> int | None:
    for name in ("year", "date"):
        m = re.search(r"(?<!\d)(\d{4})(?!\d)", fields.get(name, ""))
        if m:
            return int(m.group(1))
    return None


def _session_name(comment: str) -> tuple[int, str] | None:
    """The session a comment block starts (its line offset and name), or None for ordinary comments.

    bibtexparser joins consecutive comment lines into one block; the last line naming a session wins, since it
    is the one right above the entries.
    """
    found = None
    for offset, raw in enumerate(comment.splitlines()):
        text = raw.strip().lstrip("%").strip().strip("-=*#~ ")  # "% ---- Week 1 ----"
        if not text or len(text) > 80 or re.search(r"[=@{}]", text):
            continue
        m = re.match(r"(?i)^session\s*:\s*(.+)$", text)
        if m:
            found = (offset, m.group(1).strip())
        elif _SESSION_COMMENT.match(text):
            found = (offset, text)
    return found


def _braced(raw: str, name: str) -> str | None:
    """A field's value in unparsed text: ``name = {…}`` with balanced braces, or ``name = "…"``."""
    m = re.search(rf"(?i)\b{name}\s*=\s*([{{\"])", raw)
    if m is None:
        return None
    if m.group(1) == '"':
        end = raw.find('"', m.end())
        return raw[m.end() : end] if end >= 0 else None
    depth, pos = 1, m.end()
    while pos < len(raw) and depth:
        depth += {"{": 1, "}": -1}.get(raw[pos], 0)
        pos += 1
    return raw[m.end() : pos - 1] if depth == 0 else None


def _salvage(raw: str, line: int, course: ImportedCourse, session: ImportedSession, source: str) -> None:
    """A block bibtexparser could not parse: its title and links as far as the text shows them."""
    title = _braced(raw, "title")
    urls = [next(g for g in m.groups() if g) for m in _URL_IN_TEXT.finditer(raw)]
    doi = re.search(r"(?i)\bdoi\s*=\s*[{\"]?\s*(10\.\d{4,9}/[^\s,}\"]+)", raw)
    if doi and not any(doi.group(1) in u for u in urls):
        urls.append("https://doi.org/" + doi.group(1))
    first = raw.strip().splitlines()[0][:60] if raw.strip() else ""
    if title is None and not urls:
        course.messages.append(ImportMessage(line, f"could not read this block: {first}"))
        return
    text = _latex_to_text(title) if title else ""
    reading = ImportedReading(title=text or urls[0], line=line,
                              links=[ImportedLink(u, line, "") for u in urls], extra={"unparsed": raw.strip()})
    session.readings.append(reading)
    course.messages.append(ImportMessage(line, f"this entry is not valid BibTeX ({first}); its title and links "
                                               "were read from the text, check them"))


def _unwrap(value: str) -> str:
    """A raw field value without its enclosing ``{…}`` or ``"…"`` (blocks bibtexparser gave up on keep them)."""
    v = value.strip()
    if len(v) >= 2 and v[0] == '"' == v[-1]:
        return v[1:-1]
    if len(v) >= 2 and v[0] == "{" and v[-1] == "}":
        depth = 0
        for i, ch in enumerate(v):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if depth == 0 and i < len(v) - 1:
                return v  # "{A} and {B}": two groups, nothing encloses the whole
        return v[1:-1]
    return v


def _entry_reading(entry: object, course: ImportedCourse, section: Section, *,
                   unwrap: bool = False) -> ImportedReading | None:
    from bibtexparser.model import Entry

    assert isinstance(entry, Entry)
    line = (entry.start_line or 0) + 1
    raw = entry.raw or ""
    fields: dict[str, str] = {}
    for f in entry.fields:
        name = _clean_field_name(f.key)
        value = _unwrap(str(f.value)) if unwrap else str(f.value)
        if name in fields and name in _LINK_FIELDS:  # url = {…} twice: every link is kept
            fields[name] = f"{fields[name]} {value}"
        else:
            fields.setdefault(name, value)
    decoded = {name: _latex_to_text(fields[name]) for name in _DECODED_FIELDS if name in fields}
    links, skipped = _links(fields, raw, line)
    course.skipped += skipped
    title = decoded.get("title", "")
    if not title:
        course.messages.append(ImportMessage(line, f"entry {entry.key} has no title; its key stands in for it"))
        title = entry.key
    if not links and _title_reason(title) is not None:  # "@misc{midterm, title={Midterm Exam}}": a calendar row
        course.messages.append(ImportMessage(line, f'entry {entry.key} ("{title}") is a calendar event, not a '
                                                   "reading; left out"))
        return None
    keywords = fields.get("keywords", "") + " " + fields.get("section", "")
    notes = fields.get("note", "") + " " + fields.get("annote", "") + " " + fields.get("annotation", "")
    further = _FURTHER_WORDS.search(keywords) or _FURTHER_NOTE.search(notes)
    reading = ImportedReading(
        title=title,
        line=line,
        section="further" if further else section,
        links=links,
        authors="" if re.fullmatch(r"\W*", decoded.get("author", "")) else decoded["author"],
        year=_year(fields),
        venue=next((decoded[v] for v in _VENUE_FIELDS if decoded.get(v)), ""),
    )
    reading.extra = {"key": entry.key, "type": entry.entry_type.lower()}
    used = {"title", "author", "year", next((v for v in _VENUE_FIELDS if decoded.get(v)), "")}
    for name, value in fields.items():
        if name not in used and name not in reading.extra:
            reading.extra[name] = value
    return reading


def _append(session: ImportedSession, reading: ImportedReading | None) -> None:
    if reading is not None:
        session.readings.append(reading)


def read_bib(text: str, source: str) -> ImportedCourse:
    """Read a ``.bib`` file: each entry a reading, grouped into sessions by comments where there are any."""
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import (
        DuplicateBlockKeyBlock,
        Entry,
        ExplicitComment,
        ImplicitComment,
        ParsingFailedBlock,
    )

    course = ImportedCourse()
    base = re.sub(r"\.bib$", "", re.split(r"[\\/]", source)[-1], flags=re.IGNORECASE) or "Readings"
    library = parse_string(text)
    sessions: list[ImportedSession] = []

    def current(line: int) -> ImportedSession:
        if not sessions:
            sessions.append(ImportedSession(name=base, line=line))
        return sessions[-1]

    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, (ImplicitComment, ExplicitComment)):
            named = _session_name(str(block.comment))
            if named:
                sessions.append(ImportedSession(name=named[1], line=line + named[0]))
        elif isinstance(block, DuplicateBlockKeyBlock):
            first = next((b for b in library.blocks if isinstance(b, Entry) and b.key == block.key), None)
            again = block.ignore_error_block
            if isinstance(again, Entry) and first is not None and _same_fields(first, again):
                # the same entry pasted twice: one reading
                course.messages.append(ImportMessage(line, f"the entry {block.key} is given twice; kept it once"))
                continue
            course.messages.append(ImportMessage(line, f"the key {block.key} is used twice; both entries kept"))
            if isinstance(block.ignore_error_block, Entry):
                _append(current(line), _entry_reading(block.ignore_error_block, course, "required", unwrap=True))
        elif isinstance(block, ParsingFailedBlock) and isinstance(block.ignore_error_block, Entry):
            # a field given twice, or a middleware failing on a value: the entry as parsed (its values still
            # enclosed, the parse stack having stopped), and why
            entry = block.ignore_error_block
            twice = sorted({_clean_field_name(f.key) for f in entry.fields
                            if [_clean_field_name(g.key) for g in entry.fields].count(_clean_field_name(f.key)) > 1})
            why = (f"gives {', '.join(twice)} more than once; every link kept, other fields from their first value"
                   if twice else str(block.error).split(". Note:")[0])
            course.messages.append(ImportMessage(line, f"entry {entry.key} {why}"))
            _append(current(line), _entry_reading(entry, course, "required", unwrap=True))
        elif isinstance(block, ParsingFailedBlock):
            _salvage(block.raw or "", line, course, current(line), source)
        elif isinstance(block, Entry):
            _append(current(line), _entry_reading(block, course, "required"))
    empty = [s for s in sessions if not s.readings]
    for s in empty:
        course.messages.append(ImportMessage(s.line, f'the comment "{s.name}" is followed by no entry'))
    course.sessions = [s for s in sessions if s.readings]
    return course


def _same_fields(a: Any, b: Any) -> bool:
    """Two entries with the same type and the same field values (whitespace aside)."""
    def norm(e: Any) -> tuple[str, list[tuple[str, str]]]:
        def value(v: object) -> str:  # the duplicate block keeps its delimiters: {…} or "…"
            t = " ".join(str(v).split())
            return t[1:-1] if len(t) >= 2 and t[0] + t[-1] in ("{}", '""') else t
        return e.entry_type.lower(), sorted((f.key.lower(), value(f.value)) for f in e.fields)
    return norm(a) == norm(b)
