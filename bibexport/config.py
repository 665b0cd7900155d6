"""Parse and validate ``sessions.toml`` into a :class:`~bibexport.model.Course`.

Every problem is collected and reported together, each with ``sessions.toml:LINE`` and what to do.  tomllib
gives no positions, so :class:`_Locator` scans the source once to find the line of every table and key.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from bibexport.errors import InputError, Problem
from bibexport.model import CSL_TYPES, KEY_RE, ROLES, Course, Endpoints, Listed, Overrides, Reading, Session

#: Inputs larger than this are refused: surely the wrong file (10,000 readings with notes take about 1.5 MB, and
#: build with the render cache filled in seconds; bench/run.py).
MAX_INPUT_BYTES = 8_000_000
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: BibTeX entry types accepted in ``type = ...`` and the CSL type each stands for.
BIBTEX_TYPES = {
    "misc": "article",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "article": "article-journal",
    "techreport": "report",
    "online": "webpage",
    "book": "book",
    "incollection": "chapter",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "unpublished": "manuscript",
}
COURSE_KEYS = ("title", "style", "keep_preprints", "keep_case", "exclude", "endpoints")
SESSION_KEYS = ("slug", "name", "date", "when", "required", "further")
READING_KEYS = ("title", "links", "key", "authors", "year", "venue", "type", "note", "prefer", "keep_preprint",
                "label", "listed")
#: Keys of a reading's ``listed = {...}``: what the reading list itself says (see :class:`~bibexport.model.Listed`).
LISTED_KEYS = tuple(f.name for f in fields(Listed))
ENDPOINT_KEYS = tuple(f.name for f in fields(Endpoints))
#: Environment variables that override endpoints (they win over sessions.toml).
ENV_ENDPOINTS = {
    "BIBEXPORT_ARXIV_API": "arxiv_api",
    "BIBEXPORT_ARXIV_DELAY": "arxiv_delay",
    "BIBEXPORT_OPENREVIEW_API": "openreview_api",
    "BIBEXPORT_OPENREVIEW_API_V1": "openreview_api_v1",
    "BIBEXPORT_GITHUB_API": "github_api",
    "BIBEXPORT_DOI_RESOLVER": "doi_resolver",
    "BIBEXPORT_WEB_MIRROR": "web_mirror",
    "BIBEXPORT_TIMEOUT": "timeout",
}

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEYLINE = re.compile(r'^\s*("?)([A-Za-z0-9_-]+)\1\s*=')


@dataclass
class _Table:
    name: str
    line: int
    keys: dict[str, int] = field(default_factory=dict)
    last_line: int = 0


class _Locator:
    """Line numbers of tables and keys in a TOML source, matched to parsed data by order of appearance."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.tables: list[_Table] = [_Table("", 1)]
        for number, raw in enumerate(self.lines, start=1):
            header = _HEADER.match(raw)
            if header and not raw.lstrip().startswith("[\""):
                self.tables[-1].last_line = number - 1
                name = re.sub(r"\s+", "", header.group(2)).replace('"', "")
                self.tables.append(_Table(name, number))
                continue
            key = _KEYLINE.match(raw)
            if key:
                self.tables[-1].keys.setdefault(key.group(2), number)
        self.tables[-1].last_line = len(self.lines)
        # Tables by name, in line order: nth() bisects instead of scanning every table for every reading
        # (a scan per reading made parsing quadratic: 5.8 s for 10,000 readings).
        self._named: dict[str, list[_Table]] = {}
        for table in self.tables:
            self._named.setdefault(table.name, []).append(table)
        self._lines = {name: [t.line for t in tables] for name, tables in self._named.items()}

    def nth(self, name: str, index: int, after: int = 0, before: int | None = None) -> _Table | None:
        """The ``index``-th table called ``name`` between two lines."""
        lines = self._lines.get(name, [])
        position = bisect.bisect_right(lines, after) + index
        if index < 0 or position >= len(lines) or (before is not None and lines[position] >= before):
            return None
        return self._named[name][position]

    def value_line(self, table: _Table | None, key: str, needle: str | None = None) -> int:
        """Line of ``key`` in ``table`` (or of the string ``needle`` after it, for array items)."""
        if table is None:
            return 0
        line = table.keys.get(key, table.line)
        if needle is not None:
            quoted = (f'"{needle}"', f"'{needle}'")
            for number in range(line, table.last_line + 1):
                if any(q in self.lines[number - 1] for q in quoted):
                    return number
        return line


def _did_you_mean(word: str, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    allowed = ", ".join(options)
    return f"did you mean '{close[0]}'? allowed: {allowed}" if close else f"allowed keys: {allowed}"


class _Checker:
    """Collects problems while turning parsed TOML into model objects."""

    def __init__(self, path: str, locator: _Locator) -> None:
        self.path = path
        self.loc = locator
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.path, line, message, hint))

    def unknown_keys(self, data: Mapping[str, Any], allowed: tuple[str, ...], table: _Table | None, what: str) -> None:
        for key in data:
            if key not in allowed:
                line = self.loc.value_line(table, key)
                if table is not None and key not in table.keys:  # a [table] header, not a key = value line
                    full = f"{table.name}.{key}".lstrip(".")
                    line = next((t.line for t in self.loc.tables if t.name == full or t.name.startswith(full + ".")),
                                line)
                self.problem(line, f"unknown key '{key}' in {what}", _did_you_mean(key, allowed))

    def string(self, data: Mapping[str, Any], key: str, table: _Table | None, what: str, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                line = table.line if table else 0
                self.problem(line, f"{what} has no '{key}'", f'add {key} = "..."')
            return ""
        if not isinstance(value, str):
            self.problem(self.loc.value_line(table, key), f"'{key}' in {what} must be a string, not {_type(value)}",
                         f'write {key} = "..."')
            return ""
        if required and not value.strip():
            self.problem(self.loc.value_line(table, key), f"'{key}' in {what} is empty", "write the text between the quotes")
        return value.strip()


def _type(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def parse_course(text: str, path: str = "sessions.toml", env: Mapping[str, str] | None = None) -> Course:
    """Parse sessions.toml text; raise :class:`InputError` listing every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else 0
        raise InputError([Problem(path, line, f"TOML syntax error: {exc}", "fix the syntax; see README, sessions.toml")])
    except RecursionError:  # tomllib recurses per nesting level: "[[[[…" thousands deep would be a traceback
        raise InputError([Problem(path, _deepest_line(text), "arrays or tables nested too deeply",
                                  "sessions.toml needs at most a few levels of nesting")]) from None
    loc = _Locator(text)
    chk = _Checker(path, loc)
    chk.unknown_keys(data, ("course", "sessions"), loc.tables[0], "the file")
    course_table = loc.nth("course", 0)
    course_data = data.get("course", {})
    if not isinstance(course_data, dict):
        chk.problem(loc.value_line(loc.tables[0], "course"), "'course' must be a table", "write [course]")
        course_data = {}
    chk.unknown_keys(course_data, COURSE_KEYS, course_table, "[course]")
    endpoints = _endpoints(course_data.get("endpoints", {}), chk)
    if env is not None:
        endpoints = apply_env(endpoints, env, chk)
    sessions_data = data.get("sessions", [])
    if not isinstance(sessions_data, list) or not sessions_data:
        chk.problem(0 if isinstance(sessions_data, list) else loc.value_line(loc.tables[0], "sessions"),
                    "no sessions", 'add a session: [[sessions]] with slug and name')
        sessions_data = []
    sessions = _sessions(sessions_data, chk)
    exclude = course_data.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
        chk.problem(loc.value_line(course_table, "exclude"), "'exclude' must be a list of regular expressions",
                    'write exclude = ["^https://example\\\\.org/"]')
        exclude = []
    for pattern in exclude:
        try:
            re.compile(pattern)
        except re.error as exc:
            chk.problem(loc.value_line(course_table, "exclude", pattern), f"bad regular expression {pattern!r}: {exc}")
    keep = course_data.get("keep_preprints", False)
    if not isinstance(keep, bool):
        chk.problem(loc.value_line(course_table, "keep_preprints"), "'keep_preprints' must be true or false")
        keep = False
    keep_case = course_data.get("keep_case", [])
    if not isinstance(keep_case, list) or not all(isinstance(w, str) and w.strip() and " " not in w.strip()
                                                  for w in keep_case):
        chk.problem(loc.value_line(course_table, "keep_case"), "'keep_case' must be a list of single words",
                    'write keep_case = ["Pile", "Claude"]')
        keep_case = []
    title = chk.string(course_data, "title", course_table, "[course]")
    style = chk.string(course_data, "style", course_table, "[course]")
    if style:
        _check_style(style, path, chk, loc.value_line(course_table, "style"))
    if chk.problems:
        raise InputError(chk.problems)
    return Course(sessions=tuple(sessions), title=title, style=style, keep_preprints=keep,
                  keep_case=tuple(w.strip() for w in keep_case),
                  exclude=tuple(exclude), endpoints=endpoints, path=path)


def _check_style(style: str, path: str, chk: _Checker, line: int) -> None:
    """``style = "..."`` in ``[course]`` must name a style that exists: a typo there is an input error of
    sessions.toml (exit 3, with its line and the near names), like any other, not a usage error of the command."""
    from bibexport.emitters.styles import StyleError, resolve_style, style_from_file

    try:
        resolve_style(style_from_file(style, Path(path).parent))
    except StyleError as exc:
        hint = ("did you mean: " + ", ".join(exc.suggestions) + "?") if exc.suggestions else \
            "a CSL style id (apa, ieee, …), a .csl file beside sessions.toml, course-notes or pybtex:plain"
        chk.problem(line, f"style {style!r} in [course]: {exc.reason}", hint)


def _deepest_line(text: str) -> int:
    """The line where bracket nesting is deepest (a rough count that ignores strings: only for the message)."""
    depth = best = 0
    best_line = line = 1
    for char in text:
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > best:
                best, best_line = depth, line
        elif char in "]}":
            depth -= 1
    return best_line


def _endpoints(data: Any, chk: _Checker) -> Endpoints:
    table = chk.loc.nth("course.endpoints", 0)
    if not isinstance(data, dict):
        chk.problem(table.line if table else 0, "'endpoints' must be a table", "write [course.endpoints]")
        return Endpoints()
    chk.unknown_keys(data, ENDPOINT_KEYS, table, "[course.endpoints]")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in ENDPOINT_KEYS:
            continue
        values[key] = _endpoint_value(key, value, lambda msg, k=key: chk.problem(chk.loc.value_line(table, k), msg))
    return replace(Endpoints(), **{k: v for k, v in values.items() if v is not None})


def _endpoint_value(key: str, value: Any, report: Any) -> Any:
    if key in ("arxiv_delay", "timeout"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            report(f"'{key}' must be a number of seconds, not {value!r}")
            return None
        if number < 0 or (key == "timeout" and number == 0):
            report(f"'{key}' must be positive, not {value!r}")
            return None
        return number
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value):
        report(f"'{key}' must be an http(s) URL, not {value!r}")
        return None
    return value.rstrip("/") if key != "arxiv_api" else value


def apply_env(endpoints: Endpoints, env: Mapping[str, str], chk: _Checker | None = None) -> Endpoints:
    """Endpoints with the ``BIBEXPORT_*`` environment variables applied (they win over sessions.toml)."""
    values: dict[str, Any] = {}
    for var, key in ENV_ENDPOINTS.items():
        if env.get(var):
            def report(msg: str, var: str = var) -> None:
                if chk is not None:
                    chk.problem(0, f"environment variable {var}: {msg}")
            value = _endpoint_value(key, env[var], report)
            if value is not None:
                values[key] = value
    return replace(endpoints, **values)


def _sessions(items: list[Any], chk: _Checker) -> list[Session]:
    sessions: list[Session] = []
    slugs: dict[str, int] = {}
    for index, item in enumerate(items):
        table = chk.loc.nth("sessions", index)
        nxt = chk.loc.nth("sessions", index + 1)
        line = table.line if table else 0
        if not isinstance(item, dict):
            chk.problem(line, f"session {index + 1} must be a table", "write [[sessions]]")
            continue
        what = f"session {index + 1}"
        slug = chk.string(item, "slug", table, what, required=True)
        chk.unknown_keys(item, SESSION_KEYS, table, f"session '{slug}'" if slug else what)
        if slug and not SLUG_RE.match(slug):
            chk.problem(chk.loc.value_line(table, "slug"), f"slug '{slug}' is not valid",
                        "use lower-case letters, digits and '-' (it names the output folder)")
        if slug in slugs:
            chk.problem(chk.loc.value_line(table, "slug"), f"duplicate session slug '{slug}'",
                        f"already used by the session at line {slugs[slug]}; slugs must be unique")
        elif slug:
            slugs[slug] = line
        what = f"session '{slug}'" if slug else what
        name = chk.string(item, "name", table, what, required=True)
        date = _date(item, table, what, chk)
        when = chk.string(item, "when", table, what)
        readings: list[Reading] = []
        for role in ROLES:
            entries = item.get(role, [])
            if not isinstance(entries, list):
                chk.problem(chk.loc.value_line(table, role), f"'{role}' in {what} must be a list of readings",
                            f"write each reading as [[sessions.{role}]]")
                continue
            for j, entry in enumerate(entries):
                rtable = chk.loc.nth(f"sessions.{role}", j, after=line, before=nxt.line if nxt else None)
                reading = _reading(entry, role, slug, rtable, f"{what}, {role} reading {j + 1}", chk)
                if reading is not None:
                    readings.append(reading)
        sessions.append(Session(slug=slug, name=name, date=date, readings=tuple(readings), line=line, when=when))
    return sessions


def _date(item: Mapping[str, Any], table: _Table | None, what: str, chk: _Checker) -> dt.date | None:
    """The session's date: optional (many published lists have none), but a TOML date when given."""
    value = item.get("date")
    line = chk.loc.value_line(table, "date")
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    hint = "write a TOML date without quotes, e.g. date = 2024-02-08"
    if isinstance(value, str):
        try:
            parsed = dt.date.fromisoformat(value.strip())
            hint = f"remove the quotes: date = {parsed.isoformat()}"
        except ValueError:
            if re.search(r"[^\W\d_]", value):  # words ("Tuesday, Aug 29"): a date the list gave without a year
                hint += f', or keep the text as written: when = "{value.strip()}"'
    chk.problem(line, f"'date' in {what} is not a date: {value!r}", hint)
    return None


def _reading(entry: Any, role: str, slug: str, table: _Table | None, what: str, chk: _Checker) -> Reading | None:
    line = table.line if table else 0
    if not isinstance(entry, dict):
        chk.problem(line, f"{what} must be a table", f"write [[sessions.{role}]] with title = \"...\"")
        return None
    chk.unknown_keys(entry, READING_KEYS, table, what)
    title = chk.string(entry, "title", table, what, required=True)
    what = f"reading '{title}'" if title else what
    links_value = entry.get("links", [])
    links: list[str] = []
    link_lines: list[int] = []
    if not isinstance(links_value, list) or not all(isinstance(x, str) for x in links_value):
        chk.problem(chk.loc.value_line(table, "links"), f"'links' in {what} must be a list of strings",
                    'write links = ["https://..."]')
    else:
        for link in links_value:
            if not link.strip():
                chk.problem(chk.loc.value_line(table, "links"), f"empty link in {what}", "remove it")
                continue
            if re.search(r"\s", link.strip()):  # no URL or id holds a space; it would silently match nothing
                chk.problem(chk.loc.value_line(table, "links", link), f"link {link.strip()!r} in {what} contains a space",
                            "remove the space (or write it as %20 if the address really has one)")
                continue
            links.append(link.strip())
            link_lines.append(chk.loc.value_line(table, "links", link))
    overrides = _overrides(entry, table, what, chk)
    return Reading(title=title, links=tuple(links), role=role, session=slug, line=line,  # type: ignore[arg-type]
                   link_lines=tuple(link_lines), overrides=overrides, label=chk.string(entry, "label", table, what),
                   listed=_listed(entry, table, what, chk))


def _listed(entry: Mapping[str, Any], table: _Table | None, what: str, chk: _Checker) -> Listed:
    """``listed = { authors = "...", year = 2019, venue = "...", note = "..." }``: what the list itself says."""
    data = entry.get("listed")
    if data is None:
        return Listed()
    sub = _subtable(chk.loc, table, "listed")
    line = chk.loc.value_line(sub or table, "listed")
    if not isinstance(data, dict):
        chk.problem(line, f"'listed' in {what} must be a table, not {_type(data)}",
                    'write listed = { authors = "...", year = 2019, venue = "...", note = "..." }')
        return Listed()
    inner = sub or _Table(table.name if table else "", line, {k: line for k in data}, line)
    chk.unknown_keys(data, LISTED_KEYS, inner, f"'listed' of {what}")
    year = data.get("year")
    if year is not None and not _is_year(year):
        chk.problem(chk.loc.value_line(inner, "year"), f"'year' in 'listed' of {what} must be a year like 2023, "
                    f"not {year!r}", "write year = 2019 (a number, no quotes)")
        year = None
    texts = {k: chk.string(data, k, inner, f"'listed' of {what}") for k in ("authors", "venue", "note")}
    return Listed(year=year, **texts)


def _is_year(value: object) -> bool:
    """A year a reading can have: an integer (not a bool, not the string "2019") in 1000-2200."""
    return isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 2200


def _subtable(loc: _Locator, table: _Table | None, key: str) -> _Table | None:
    """The ``[table.key]`` header right after ``table`` (the multi-line way to write an inline table)."""
    if table is None or key in table.keys:
        return None
    nxt = loc.nth(f"{table.name}.{key}", 0, after=table.line)
    if nxt is None or nxt.line != table.last_line + 1 or nxt.line <= table.line:
        return None
    return nxt


def _overrides(entry: Mapping[str, Any], table: _Table | None, what: str, chk: _Checker) -> Overrides:
    key = chk.string(entry, "key", table, what)
    if key and not KEY_RE.fullmatch(key):
        chk.problem(chk.loc.value_line(table, "key"), f"citation key '{key}' has characters BibTeX keys cannot hold",
                    "use letters, digits and _ : . + / -")
    authors = entry.get("authors", [])
    if not isinstance(authors, list) or not all(isinstance(a, str) and a.strip() for a in authors):
        chk.problem(chk.loc.value_line(table, "authors"), f"'authors' in {what} must be a list of names",
                    'write authors = ["Jiang, Albert Q.", "Sablayrolles, Alexandre"]')
        authors = []
    year = entry.get("year")
    if year is not None and not _is_year(year):
        chk.problem(chk.loc.value_line(table, "year"), f"'year' in {what} must be a year like 2023, not {year!r}")
        year = None
    ctype = chk.string(entry, "type", table, what)
    if ctype:
        mapped = BIBTEX_TYPES.get(ctype.lower(), ctype if ctype in CSL_TYPES else "")
        if not mapped:
            options = CSL_TYPES + tuple(BIBTEX_TYPES)
            chk.problem(chk.loc.value_line(table, "type"), f"unknown type '{ctype}' in {what}", _did_you_mean(ctype, options))
        ctype = mapped
    prefer = chk.string(entry, "prefer", table, what)
    if prefer and prefer not in ("link", "paper"):
        chk.problem(chk.loc.value_line(table, "prefer"), f"'prefer' in {what} must be \"link\" or \"paper\"")
    keep = entry.get("keep_preprint")
    if keep is not None and not isinstance(keep, bool):
        chk.problem(chk.loc.value_line(table, "keep_preprint"), f"'keep_preprint' in {what} must be true or false")
        keep = None
    return Overrides(key=key, authors=tuple(a.strip() for a in authors), year=year,
                     venue=chk.string(entry, "venue", table, what), type=ctype,
                     note=chk.string(entry, "note", table, what), prefer=prefer, keep_preprint=keep)


def load_course(path: Path, env: Mapping[str, str] | None = None) -> Course:
    """Read and parse a sessions.toml file (the I/O edge of this module)."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise InputError([Problem(name, 0, f"file is {path.stat().st_size / 1e6:.1f} MB; bibexport reads "
                                      f"reading lists up to {MAX_INPUT_BYTES // 1_000_000} MB",
                                      "is this the right file? a course's reading list is a few kB")])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(name, 0, "file not found",
                                  "create it with `bibexport import reading-list.txt -o sessions.toml`")])
    except OSError as exc:
        raise InputError([Problem(name, 0, f"cannot read: {exc.strerror}")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError([Problem(name, line, "not valid UTF-8", "save the file as UTF-8")])
    return parse_course(text, name, env)
