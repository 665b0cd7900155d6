"""``bibexport import LIST --update``: merge a re-imported reading list into an existing ``sessions.toml``.

What the user wrote stays byte for byte: the new readings and sessions are *inserted* as text (sliced from the
imported ``sessions.toml``) at their place, and nothing of the existing file is rewritten, reordered or
reformatted, so hand edits and comments survive.  The data of both files is read with tomlkit; their text is
mapped to tables by their ``[[…]]`` headers.

Matching:

* an imported session is the existing session with the same ``slug``, else the same name (compared without
  case, accents and punctuation);
* an imported reading is already there when a reading *anywhere* in the file shares a link with it (links
  compared normalised: scheme, ``www.``, trailing slash, arXiv ``pdf``/version and DOI resolver spellings
  ignored), else has the same normalised title.  A reading the user edited (title, links, section) or moved to
  another session is therefore matched and left alone;
* readings and sessions of the file that the new import no longer lists are **kept** and listed in the
  report, never deleted.

The result is deterministic, and checked before it is returned: the merged text must parse and hold exactly the
existing readings plus the added ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bibexport.errors import InputError, Problem
from bibexport.resolvers.titles import normalize_title

__all__ = ["UpdateReport", "merge", "normalise_link", "normalise_title"]

_KINDS = ("required", "further")


@dataclass
class UpdateReport:
    """What ``--update`` did: readings and sessions added, and those of the file the new list lacks (kept)."""

    added: list[tuple[str, str]] = field(default_factory=list)  # (session name, reading title)
    added_sessions: list[str] = field(default_factory=list)
    unchanged: int = 0  # imported readings already in the file (matched by link or title)
    missing: list[tuple[str, str, int]] = field(default_factory=list)  # (session, title, line) kept
    missing_sessions: list[tuple[str, int]] = field(default_factory=list)  # (session name, line) kept

    @property
    def changed(self) -> bool:
        """True when the merge added anything."""
        return bool(self.added or self.added_sessions)

    def lines(self, path: str = "sessions.toml") -> list[str]:
        """The report as lines for the terminal: a summary, then what the user should look at."""
        out = [(f"{path}: {len(self.added)} readings added ({len(self.added_sessions)} new sessions), "
               f"{self.unchanged} already there, {len(self.missing)} no longer in the list (kept)")]
        out += [f"  added session: {name}" for name in self.added_sessions]
        out += [f"  added: {title} ({session})" for session, title in self.added]
        out += [f"  {path}:{line}: session \"{name}\" is not in the new list; kept"
                for name, line in self.missing_sessions]
        out += [f"  {path}:{line}: \"{title}\" ({session}) is not in the new list; kept, delete it by hand "
                "if it was dropped" for session, title, line in self.missing]
        return out


# -- normalisation ------------------------------------------------------------------------------------------------

_ARXIV = re.compile(r"^(?:export\.)?arxiv\.org/(?:abs|pdf|html)/(?P<id>.+?)(?:v\d+)?(?:\.pdf)?/?$")
_DOI_HOSTS = ("doi.org", "dx.doi.org")
_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|ref|source)=", re.IGNORECASE)


def normalise_link(url: str) -> str:
    """A comparison key for a link: ``http://www.arxiv.org/pdf/2301.00001v2.pdf`` → ``arxiv.org/abs/2301.00001``."""
    url = url.strip()
    parts = urlsplit(url if "://" in url else "https://" + url)
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    query = "&".join(q for q in parts.query.split("&") if q and not _TRACKING.match(q))
    m = _ARXIV.match(host + path)
    if m:
        return "arxiv.org/abs/" + m.group("id")
    if host in _DOI_HOSTS:
        return "doi.org" + path.lower()
    if host == "openreview.net":
        m2 = re.search(r"(?:^|&)id=([^&]+)", query)
        return f"openreview.net/forum?id={m2.group(1)}" if m2 else host + path
    return urlunsplit(("", host, path, query, "")).lstrip("/")


def normalise_title(title: str) -> str:
    """A comparison key for a title: accents, case, punctuation and spacing ignored (the resolvers' key, so a
    reading matches here exactly when a title search would call it the same work)."""
    return normalize_title(title)


# -- the text: tables by their headers ----------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")


@dataclass
class _Block:
    kind: str  # "session", "required", "further", "top" (any other top-level table)
    start: int  # the header's line index
    lead: int  # the first comment line directly above the header
    end: int = 0  # one past the block's last non-blank line (comments leading the next block excluded)


def _blocks(lines: list[str]) -> list[_Block]:
    """The ``[[sessions]]``, ``[[sessions.required]]``, ``[[sessions.further]]`` and top-level tables, in order.

    Sub-tables such as ``[sessions.required.listed]`` stay part of the block they follow.  Lines inside
    multi-line strings are not read as headers.
    """
    blocks: list[_Block] = []
    in_string = False
    for i, line in enumerate(lines):
        if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
            in_string = not in_string
            continue
        if in_string:
            continue
        m = _HEADER.match(line)
        if not m:
            continue
        name = re.sub(r"\s+", "", m.group(2)).replace('"', "").replace("'", "")
        double = m.group(1) == "[["
        if double and name == "sessions":
            kind = "session"
        elif double and name in ("sessions.required", "sessions.further"):
            kind = name.split(".")[1]
        elif not name.startswith("sessions"):
            kind = "top"
        else:
            continue  # [sessions.required.listed] and the like: part of the current block
        lead = i
        while lead > 0 and lines[lead - 1].lstrip().startswith("#"):
            lead -= 1
        blocks.append(_Block(kind, i, lead))
    for k, block in enumerate(blocks):
        end = blocks[k + 1].lead if k + 1 < len(blocks) else len(lines)
        while end > block.start + 1 and not lines[end - 1].strip():  # a comment after its table stays with it
            end -= 1
        block.end = end
    return blocks


@dataclass
class _SessionText:
    header: _Block
    readings: dict[str, list[_Block]]
    end: int  # one past its last content line


def _sessions_text(lines: list[str]) -> list[_SessionText]:
    out: list[_SessionText] = []
    inside = False  # a top-level table ([course], [other]) ends the current session
    for block in _blocks(lines):
        if block.kind == "session":
            out.append(_SessionText(block, {k: [] for k in _KINDS}, block.end))
            inside = True
        elif block.kind in _KINDS and inside:
            out[-1].readings[block.kind].append(block)
            out[-1].end = block.end
        elif block.kind == "top":
            inside = False
    return out


# -- the data -----------------------------------------------------------------------------------------------------


def _parse(text: str, path: str) -> list[dict[str, Any]]:
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        data = tomlkit.parse(text).unwrap()
    except ParseError as exc:
        raise InputError([Problem(path, exc.line, f"invalid TOML: {exc}")]) from None
    sessions = data.get("sessions", [])
    if not isinstance(sessions, list) or not all(isinstance(s, dict) for s in sessions):
        raise InputError([Problem(path, 0, "[[sessions]] is not a list of tables")])
    return sessions


def _readings(session: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    value = session.get(kind, [])
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _keys(reading: dict[str, Any]) -> tuple[set[str], str]:
    links = reading.get("links", [])
    if isinstance(links, str):
        links = [links]
    return ({normalise_link(u) for u in links if isinstance(u, str) and u.strip()},
            normalise_title(str(reading.get("title", ""))))


class _Index:
    """Every reading of a file, findable by normalised link or title."""

    def __init__(self, sessions: list[dict[str, Any]]):
        self.by_link: dict[str, tuple[int, str, int]] = {}
        self.by_title: dict[str, tuple[int, str, int]] = {}
        for si, session in enumerate(sessions):
            for kind in _KINDS:
                for ri, reading in enumerate(_readings(session, kind)):
                    links, title = _keys(reading)
                    for link in sorted(links):
                        self.by_link.setdefault(link, (si, kind, ri))
                    if title:
                        self.by_title.setdefault(title, (si, kind, ri))

    def find(self, reading: dict[str, Any]) -> tuple[int, str, int] | None:
        links, title = _keys(reading)
        for link in sorted(links):
            if link in self.by_link:
                return self.by_link[link]
        return self.by_title.get(title) if title else None


def _session_match(old: list[dict[str, Any]], session: dict[str, Any]) -> int | None:
    slug = str(session.get("slug", ""))
    for i, s in enumerate(old):
        if slug and str(s.get("slug", "")) == slug:
            return i
    name = normalise_title(str(session.get("name", "")))
    for i, s in enumerate(old):
        if name and normalise_title(str(s.get("name", ""))) == name:
            return i
    return None


def _snippet(lines: list[str], start: int, end: int) -> list[str]:
    return [line.rstrip("\r\n") for line in lines[start:end]]


class _Merge:
    """The inserts a merge makes into the existing text, and its report."""

    def __init__(self, old: list[dict[str, Any]], old_text: list[_SessionText], new_lines: list[str],
                 index: _Index):
        self.old, self.old_text, self.new_lines, self.index = old, old_text, new_lines, index
        self.report = UpdateReport()
        self.seen: set[tuple[int, str, int]] = set()  # existing readings the new list still has
        self.inserts: list[tuple[int, int, list[str]]] = []  # (line index, order, lines)

    def _insert(self, at: int, chunk: list[str]) -> None:
        self.inserts.append((at, len(self.inserts), chunk))

    def _known(self, reading: dict[str, Any]) -> bool:
        found = self.index.find(reading)
        if found is not None:
            self.seen.add(found)
            self.report.unchanged += 1
        return found is not None

    def into_session(self, session: dict[str, Any], text: _SessionText, oi: int) -> None:
        """The new readings of an imported session that the file has, each where the new list puts it."""
        target = self.old_text[oi]
        for kind in _KINDS:
            imported = _readings(session, kind)
            found_at = [self.index.find(r) for r in imported]
            for ri, reading in enumerate(imported):
                if self._known(reading):
                    continue
                block = text.readings[kind][ri]
                at = _reading_position(target, kind, oi, found_at[:ri], found_at[ri + 1:])
                self._insert(at, ["", *_snippet(self.new_lines, block.start, block.end)])
                self.report.added.append((str(self.old[oi].get("name", "")), str(reading.get("title", ""))))

    def new_session(self, session: dict[str, Any], text: _SessionText, at: int, *, before: bool) -> None:
        """A session the file lacks, with those of its readings the file has nowhere (the user may have moved
        some to another session)."""
        name = str(session.get("name", ""))
        chunk = _snippet(self.new_lines, text.header.start, text.header.end)
        added = []
        for kind in _KINDS:
            for ri, reading in enumerate(_readings(session, kind)):
                if not self._known(reading):
                    block = text.readings[kind][ri]
                    chunk += ["", *_snippet(self.new_lines, block.start, block.end)]
                    added.append((name, str(reading.get("title", ""))))
        if not added and any(_readings(session, k) for k in _KINDS):
            return  # every reading of it is already in the file: nothing to add
        self._insert(at, [*chunk, ""] if before else (["", *chunk] if at else chunk))
        self.report.added_sessions.append(name)
        self.report.added += added


def merge(
    existing_toml_text: str, imported_toml_text: str, *, path: str = "sessions.toml"
) -> tuple[str, UpdateReport]:
    """Merge the readings of a new import into the existing ``sessions.toml`` text; see the module docstring.

    Returns the new text (equal to the existing text when nothing was added) and the report.  Raises
    :class:`InputError` when either text is not valid TOML or the existing file's tables cannot be located.
    """
    old = _parse(existing_toml_text, path)
    new = _parse(imported_toml_text, "the imported list")
    old_lines = existing_toml_text.splitlines()
    new_lines = imported_toml_text.splitlines()
    old_text = _sessions_text(old_lines)
    new_text = _sessions_text(new_lines)
    if len(old_text) != len(old) or any(
        len(t.readings[k]) != len(_readings(s, k)) for t, s in zip(old_text, old) for k in _KINDS
    ):
        raise InputError([Problem(path, 0, "cannot update a file whose sessions or readings are not written as "
                                           "[[sessions]] / [[sessions.required]] / [[sessions.further]] tables",
                                  "merge by hand, or import to a new file")])
    if len(new_text) != len(new):
        raise InputError([Problem("the imported list", 0, "its sessions.toml text could not be mapped to tables")])

    state = _Merge(old, old_text, new_lines, _Index(old))
    matched = [_session_match(old, s) for s in new]
    for ni, session in enumerate(new):
        oi = matched[ni]
        if oi is not None:
            state.into_session(session, new_text[ni], oi)
    for ni, session in enumerate(new):
        if matched[ni] is None:
            # a new session goes before the next imported session that the file already has, else at the end
            later = next((matched[j] for j in range(ni + 1, len(new)) if matched[j] is not None), None)
            at = _content_end(old_lines) if later is None else old_text[later].header.lead
            state.new_session(session, new_text[ni], at, before=later is not None)
    report = state.report
    for oi, session in enumerate(old):
        if oi not in matched:
            report.missing_sessions.append((str(session.get("name", "")), old_text[oi].header.start + 1))
            continue
        for kind in _KINDS:
            for ri, reading in enumerate(_readings(session, kind)):
                if (oi, kind, ri) not in state.seen:
                    line = old_text[oi].readings[kind][ri].start + 1
                    report.missing.append((str(session.get("name", "")), str(reading.get("title", "")), line))
    inserts = state.inserts
    text = _apply(old_lines, inserts, existing_toml_text)
    _check(text, old, report, path)
    return text, report


def _reading_position(target: _SessionText, kind: str, session: int, before: list[tuple[int, str, int] | None],
                      after: list[tuple[int, str, int] | None]) -> int:
    """Where a new reading goes: after the existing reading the new list puts just before it (same session and
    section), else before the one it puts just after it, else after the last reading of its section."""
    for found in reversed(before):
        if found is not None and found[:2] == (session, kind):
            return target.readings[kind][found[2]].end
    for found in after:
        if found is not None and found[:2] == (session, kind):
            return _before(target.readings[kind][found[2]])
    if target.readings[kind]:
        return target.readings[kind][-1].end
    if kind == "required" and target.readings["further"]:
        first = target.readings["further"][0]
        # before the first further reading (and the comments above it): the blank line goes after the insert
        return _before(first)
    return target.end


def _before(block: _Block) -> int:
    return -block.lead - 1  # marker: insert before this line, blank line after (see _apply)


def _content_end(lines: list[str]) -> int:
    end = len(lines)
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    return end


def _apply(lines: list[str], inserts: list[tuple[int, int, list[str]]], original: str) -> str:
    if not inserts:
        return original
    out = list(lines)
    normalised = []
    for at, order, chunk in inserts:
        if at < 0:  # "before line -at-1": the chunk's blank line moves to its end
            normalised.append((-at - 1, order, [*chunk[1:], ""]))
        else:
            normalised.append((at, order, chunk))
    # bottom up, so earlier indexes stay valid; at one index, in the order the inserts were made
    for at, _order, chunk in sorted(normalised, key=lambda x: (-x[0], -x[1])):
        out[at:at] = chunk
    newline = "\r\n" if "\r\n" in original else "\n"
    return newline.join(out) + (newline if original.endswith(("\n", "\r")) or not original else "")


def _check(text: str, old: list[dict[str, Any]], report: UpdateReport, path: str) -> None:
    """The merged text must parse and hold every existing reading plus exactly the added ones."""
    merged = _parse(text, path)

    def titles(sessions: list[dict[str, Any]]) -> list[str]:
        return sorted(str(r.get("title", "")) for s in sessions for k in _KINDS for r in _readings(s, k))

    expected = sorted(titles(old) + [title for _, title in report.added])
    if titles(merged) != expected or len(merged) != len(old) + len(report.added_sessions):
        raise InputError([Problem(path, 0, "the merge could not be done safely; nothing was written",
                                  "import to a new file and compare")])
