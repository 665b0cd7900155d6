"""OpenReview: recognise forum/pdf/attachment links, parse v1 and v2 notes, resolve via API v2 then v1.

API v2 (``api2.openreview.net``) serves current venues and wraps every content value as ``{"value": …}``;
API v1 (``api.openreview.net``) serves older venues with plain values, and their ids need not be 10 characters.
OpenReview has begun to refuse anonymous reads (403 ``ChallengeRequiredError``); with
``OPENREVIEW_TOKEN`` or ``OPENREVIEW_USERNAME``/``OPENREVIEW_PASSWORD`` set we log in, and otherwise a 403 or
429 is reported as "source unavailable", never raised.  Real shapes: fixtures' API_FORMATS.md §2.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bibexport.errors import NetworkError
from bibexport.model import Endpoints, Person, Record
from bibexport.resolvers import venues
from bibexport.resolvers.base import (
    AMBIGUOUS,
    INVALID,
    NOT_FOUND,
    RESOLVED,
    UNAVAILABLE,
    HttpClient,
    Outcome,
    Response,
)
from bibexport.resolvers.titles import authors_overlap, title_similarity, titles_match

_V2_ID = re.compile(r"[0-9A-Za-z]{10}")
_V1_ID = re.compile(r"[0-9A-Za-z_-]{7,14}")
_HOSTS = frozenset({"openreview.net", "www.openreview.net"})
_PATHS = frozenset({"/forum", "/pdf", "/attachment"})

CHALLENGE_REASON = (
    "OpenReview refused anonymous access (ChallengeRequiredError); "
    "set OPENREVIEW_USERNAME/OPENREVIEW_PASSWORD or OPENREVIEW_TOKEN"
)
SEARCH_LIMIT = "10"


def is_v2_id(note_id: str) -> bool:
    """API v2 note ids are exactly 10 characters from [0-9A-Za-z]."""
    return bool(_V2_ID.fullmatch(note_id))


def is_valid_id(note_id: str) -> bool:
    """A possible note id of either API (v1: 7–14 characters from [0-9A-Za-z_-])."""
    return bool(_V1_ID.fullmatch(note_id))


# -- credentials ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """OpenReview credentials from the environment.  ``repr`` never shows the password or token."""

    token: str = ""
    username: str = ""
    password: str = ""

    def __repr__(self) -> str:
        return f"Credentials(token={'***' if self.token else ''!r}, username={self.username!r})"

    @property
    def any(self) -> bool:
        """True when there is something to authenticate with."""
        return bool(self.token or (self.username and self.password))


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials:
    """Read ``OPENREVIEW_TOKEN``, ``OPENREVIEW_USERNAME`` and ``OPENREVIEW_PASSWORD``."""
    env = os.environ if environ is None else environ
    return Credentials(
        token=env.get("OPENREVIEW_TOKEN", "").strip(),
        username=env.get("OPENREVIEW_USERNAME", "").strip(),
        password=env.get("OPENREVIEW_PASSWORD", ""),
    )


# -- note parsing (pure) -------------------------------------------------------------------------------------


def _value(content: Mapping[str, Any], key: str) -> Any:
    """A content field in v1 (plain) or v2 (``{"value": …}``) shape."""
    raw = content.get(key)
    if isinstance(raw, dict):
        return raw.get("value")
    return raw


def _string(value: Any) -> str:
    """venue/venueid may be a list instead of a string (API_FORMATS §2.4): take the first entry."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v), "")
    return " ".join(value.split()) if isinstance(value, str) else ""


def _split_names(value: str) -> list[str]:
    """Split a BibTeX name list on " and " outside braces."""
    names, depth, start = [], 0, 0
    i = 0
    while i < len(value):
        c = value[i]
        depth += c == "{"
        depth -= c == "}"
        if depth == 0 and value[i:i + 5].lower() == " and ":
            names.append(value[start:i])
            start = i = i + 5
            continue
        i += 1
    names.append(value[start:])
    return [n.strip() for n in names if n.strip()]


def parse_bibtex(text: str) -> dict[str, str]:
    """Fields of the first entry of OpenReview's ``_bibtex`` (LaTeX decoded), plus ``ENTRYTYPE``; {} if none."""
    if not text:
        return {}
    import bibtexparser
    from bibtexparser import middlewares

    try:
        library = bibtexparser.parse_string(  # type: ignore[attr-defined]
            text, append_middleware=[middlewares.LatexDecodingMiddleware()]
        )
    except Exception:  # noqa: BLE001 - a malformed _bibtex must not cost the note its other metadata
        return {}
    if not library.entries:
        return {}
    entry = library.entries[0]
    fields = {f.key.lower(): " ".join(str(f.value).split()) for f in entry.fields}
    fields["ENTRYTYPE"] = entry.entry_type.lower()
    return fields


def _ms_year(note: Mapping[str, Any]) -> int | None:
    for key in ("pdate", "cdate", "tcdate"):
        ms = note.get(key)
        if isinstance(ms, (int, float)) and not isinstance(ms, bool) and ms > 0:
            try:
                return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).year
            except (OverflowError, OSError, ValueError):  # no calendar holds it: not a date
                continue
    return None


def _year(note: Mapping[str, Any], bib: Mapping[str, str], venueid: str, accepted: bool) -> int | None:
    """Accepted: the conference year in the venueid, else the _bibtex year (TMLR has no year in its venueid);
    otherwise, and as a last resort, pdate, else cdate/tcdate (API_FORMATS §2.5)."""
    if accepted:
        year = venues.venueid_year(venueid)
        if year:
            return year
        if bib.get("year", "").isdigit():
            return int(bib["year"])
    return _ms_year(note)


class MalformedNote(ValueError):
    """A note without the shape every note has (``content`` an object); ``str()`` says what is wrong."""


def _names_in_one_string(value: str) -> list[str]:
    """A whole author list sent as one string: BibTeX's " and " (each name may be "Family, Given"), else
    names separated by ";", else by ",".  ("Lovelace, Ada" alone reads as two names: without " and " a comma
    list is the likelier meaning.)"""
    if " and " in value.lower():
        return _split_names(value)
    separator = ";" if ";" in value else ","
    return [n.strip() for n in value.split(separator) if n.strip()]


def _authors(value: Any) -> tuple[Person, ...]:
    """``content.authors``: a list of display names (API_FORMATS §2.4), or — from a broken or hand-made
    note — the whole list as one string, split into names (never iterated letter by letter).  Entries that
    are not text are skipped."""
    if isinstance(value, str):
        names: list[Any] = _names_in_one_string(value)
    else:
        names = value if isinstance(value, list) else []
    return tuple(Person.parse(a) for a in names if isinstance(a, str) and a.strip())


def parse_note(note: Mapping[str, Any]) -> Record:
    """A Record from one note (v1 or v2 content).  Accepted papers get the venue's proper name and type;
    anything else stays an ``article`` with ``status`` saying what happened and no container title.

    Raises :class:`MalformedNote` when ``content`` is not an object: such a note carries no metadata at all.  A content
    field of the wrong type is ignored on its own."""
    content = note.get("content")
    if not isinstance(content, Mapping):
        raise MalformedNote("OpenReview sent a note whose content is not an object")
    raw_id = note.get("forum") or note.get("id")
    note_id = raw_id if isinstance(raw_id, str) else ""
    title = _string(_value(content, "title"))
    authors = _authors(_value(content, "authors"))
    venue, venueid = _string(_value(content, "venue")), _string(_value(content, "venueid"))
    raw_bib = _value(content, "_bibtex")
    bib = parse_bibtex(raw_bib if isinstance(raw_bib, str) else "")
    status = venues.status_of(venueid, venue)
    accepted = status == "accepted"
    year = _year(note, bib, venueid, accepted)
    record = Record(
        type="article",
        title=title or bib.get("title", ""),
        authors=authors,
        issued=(year,) if year else (),
        url=f"https://openreview.net/forum?id={note_id}",
        openreview_id=note_id,
        status=status,
        sources=(("*", "openreview"),),
    )
    if not accepted:
        return record
    known = venues.lookup(venueid)
    # A registered venue prints its proceedings' proper name ("Advances in Neural Information Processing
    # Systems" for every NeurIPS year, while OpenReview's _bibtex says "Thirty-seventh Conference on ..." for
    # some years only); for other venues the _bibtex booktitle/journal is the best name there is.
    container = (known.name if known else "") or bib.get("booktitle") or bib.get("journal")
    if not container:  # accepted somewhere we know nothing about: the venue string is all there is
        container = venue
    journal = bool(bib.get("journal")) or (known is not None and known.type == "article-journal")
    short = f"{known.short} {year}" if known and year else venue
    editors = tuple(Person.parse(n) for n in _split_names(bib.get("editor", "")))
    return record.replace(
        type="article-journal" if journal else "paper-conference",
        container_title=container,
        venue_short=short,
        issn=bib.get("issn", "") or (known.issn if known else ""),
        editors=editors,
    )


def status_warning(record: Record, venue: str = "") -> str:
    """The report line for a note that is not an accepted paper ("" when accepted)."""
    if record.status == "accepted":
        return ""
    what = {"submitted": "a submission (not accepted)", "rejected": "a rejected submission",
            "withdrawn": "a withdrawn submission"}.get(record.status, "not marked as accepted anywhere")
    shown = f" ({venue})" if venue else ""
    return f"OpenReview {record.openreview_id}: {what}{shown}; cited as a preprint, without a venue"


def _note_venue(note: Mapping[str, Any]) -> str:
    content = note.get("content")
    return _string(_value(content, "venue")) if isinstance(content, Mapping) else ""


# -- the resolver --------------------------------------------------------------------------------------------


def _error_name(response: Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("name", "")) if isinstance(body, dict) else ""


def _notes(response: Response) -> list[dict[str, Any]]:
    """The notes of a 200 answer (``{"notes": [...]}``); raises _Refused when the answer is not of that shape,
    so that a garbled answer is "unavailable", never "no such note"."""
    try:
        body = response.json()
    except ValueError as exc:  # BadJson: malformed, non-standard or absurdly nested
        raise _Refused(f"OpenReview sent an unreadable answer: {exc}") from None
    notes = body.get("notes") if isinstance(body, dict) else None
    if not isinstance(notes, list):
        raise _Refused("OpenReview sent an answer without a list of notes")
    found = [n for n in notes if isinstance(n, dict)]
    if notes and not found:
        raise _Refused("OpenReview sent notes that are not objects")
    return found


class _Refused(Exception):
    """Internal: the API would not answer (403/429/network); ``reason`` is for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OpenReviewResolver:
    """Resolver for openreview.net forum/pdf/attachment links."""

    name = "openreview"

    def __init__(self, environ: Mapping[str, str] | None = None):
        self._environ = environ

    def match(self, url: str) -> str | None:
        """The note id of ``openreview.net/forum?id=…`` (also ``/pdf``, ``/attachment``), or None."""
        text = url.strip()
        try:
            parts = urlsplit(text if "//" in text else "https://" + text)
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or parts.netloc.lower() not in _HOSTS:
            return None
        if parts.path.rstrip("/") not in _PATHS:
            return None
        ids = parse_qs(parts.query).get("id")
        return ids[0] if ids and is_valid_id(ids[0]) else None

    # -- authentication --

    def _auth_headers(self, http: HttpClient, endpoints: Endpoints) -> tuple[dict[str, str], str]:
        """``Authorization`` header from the environment (logging in once if needed), and a problem, if any."""
        creds = credentials_from_env(self._environ)
        if creds.token:
            return {"Authorization": f"Bearer {creds.token}"}, ""
        if not (creds.username and creds.password):
            return {}, ""
        request = getattr(http, "request", None)
        if request is None:
            return {}, "this HTTP client cannot log in to OpenReview"
        try:
            response = request("POST", f"{endpoints.openreview_api}/login",
                               json={"id": creds.username, "password": creds.password})
        except NetworkError as exc:
            return {}, f"OpenReview login failed: {exc.reason}"
        token = ""
        try:
            body = response.json()
            token = str(body.get("token") or "") if isinstance(body, dict) else ""
        except ValueError:
            pass
        if response.status != 200 or not token:
            name = _error_name(response) or f"HTTP {response.status}"
            return {}, f"OpenReview login as {creds.username!r} failed ({name})"
        return {"Authorization": f"Bearer {token}"}, ""

    # -- fetching --

    def _fetch(self, http: HttpClient, api: str, note_id: str, headers: dict[str, str]) -> dict[str, Any] | None:
        """The note from one API host, None when that host has no such note; raises _Refused."""
        try:
            response = http.get(f"{api}/notes", params={"id": note_id}, headers=headers)
        except NetworkError as exc:
            if exc.status == 429:
                raise _Refused("OpenReview rate limit reached (RateLimitError); try again later") from None
            raise _Refused(f"OpenReview unavailable: {exc.reason}") from None
        name = _error_name(response) if response.status != 200 else ""
        if response.status == 403:
            if name == "ChallengeRequiredError" or not headers:
                raise _Refused(CHALLENGE_REASON)
            raise _Refused(f"OpenReview refused access ({name or 'HTTP 403'})")
        if response.status == 429:
            raise _Refused("OpenReview rate limit reached (RateLimitError); try again later")
        if response.status == 404 or name == "NotFoundError":
            return None
        if response.status != 200:
            raise _Refused(f"OpenReview answered HTTP {response.status}{f' ({name})' if name else ''}")
        notes = _notes(response)
        return next((n for n in notes if n.get("id") == note_id), notes[0] if notes else None)

    def _resolve_one(self, note_id: str, http: HttpClient, endpoints: Endpoints,
                     headers: dict[str, str], login_problem: str) -> Outcome:
        identifier = f"openreview:{note_id}"
        refused = ""
        note = None
        hosts = ([endpoints.openreview_api] if is_v2_id(note_id) else []) + [endpoints.openreview_api_v1]
        for api in hosts:  # v2 first; v1 when v2 cannot have it, has no such note, or refuses us
            try:
                note = self._fetch(http, api, note_id, headers)
            except _Refused as exc:
                refused = refused or exc.reason
                continue
            if note is not None:
                break
        if note is None:
            if refused:  # one host refused: we cannot claim the note does not exist
                reason = f"{refused}; {login_problem}" if login_problem else refused
                return Outcome(identifier, UNAVAILABLE, source=self.name, reason=reason)
            where = "API v2 or v1" if len(hosts) == 2 else "API v1"
            return Outcome(identifier, NOT_FOUND, source=self.name,
                           reason=f"OpenReview has no note {note_id} ({where})")
        try:
            record = parse_note(note)
        except MalformedNote as exc:
            return Outcome(identifier, UNAVAILABLE, source=self.name, reason=str(exc))
        warning = status_warning(record, _note_venue(note))
        return Outcome(identifier, RESOLVED, record=record, source=self.name,
                       warnings=(warning,) if warning else ())

    def resolve(self, ids: Sequence[str], http: HttpClient, endpoints: Endpoints) -> dict[str, Outcome]:
        """One Outcome per note id (OpenReview has no batch lookup by id across both APIs)."""
        out: dict[str, Outcome] = {}
        headers: dict[str, str] | None = None
        login_problem = ""
        for note_id in dict.fromkeys(ids):
            if not is_valid_id(note_id):
                out[note_id] = Outcome(f"openreview:{note_id}", INVALID, source=self.name,
                                       reason=f"{note_id!r} is not a valid OpenReview note id")
                continue
            if headers is None:  # log in lazily, once, only when there is something to fetch
                headers, login_problem = self._auth_headers(http, endpoints)
            out[note_id] = self._resolve_one(note_id, http, endpoints, headers, login_problem)
        return out

    # -- title search --

    def search_title(self, title: str, authors: Sequence[str], http: HttpClient, endpoints: Endpoints) -> Outcome:
        """An *accepted* OpenReview paper with exactly this title (and a shared author, if any are given)."""
        identifier = f"title:{title}"
        headers, login_problem = self._auth_headers(http, endpoints)
        params = {"term": title, "type": "terms", "content": "title", "source": "forum", "limit": SEARCH_LIMIT}
        try:
            response = http.get(f"{endpoints.openreview_api}/notes/search", params=params, headers=headers)
        except NetworkError as exc:
            reason = ("OpenReview rate limit reached (RateLimitError); try again later" if exc.status == 429
                      else f"OpenReview unavailable: {exc.reason}")
            return Outcome(identifier, UNAVAILABLE, source=self.name, reason=reason)
        if response.status != 200:
            name = _error_name(response)
            reason = CHALLENGE_REASON if response.status == 403 and not headers else (
                f"OpenReview search answered HTTP {response.status}{f' ({name})' if name else ''}")
            if login_problem:
                reason = f"{reason}; {login_problem}"
            return Outcome(identifier, UNAVAILABLE, source=self.name, reason=reason)
        try:
            notes = _notes(response)
        except _Refused as exc:
            return Outcome(identifier, UNAVAILABLE, source=self.name, reason=exc.reason)
        return self._pick(identifier, title, authors, notes)

    def _pick(self, identifier: str, title: str, authors: Sequence[str], notes: list[dict[str, Any]]) -> Outcome:
        wanted = tuple(Person.parse(a) for a in authors)
        records = []
        for note in notes:
            try:
                records.append(parse_note(note))
            except MalformedNote:  # a note without usable content cannot match; the others still can
                continue
        for record in records:
            if record.status != "accepted" or not titles_match(record.title, title):
                continue
            if wanted and not authors_overlap(wanted, record.authors):
                continue
            return Outcome(identifier, RESOLVED, record=record, source=self.name)
        if not records:
            return Outcome(identifier, NOT_FOUND, source=self.name,
                           reason=f"OpenReview has no paper titled {title!r}")
        closest = max(records, key=lambda r: title_similarity(r.title, title))
        if not titles_match(closest.title, title):
            why = "the title differs"
        elif closest.status != "accepted":
            why = f"it is {closest.status or 'not accepted'}"
        else:
            why = "its authors share no family name with the reading's"
        return Outcome(identifier, AMBIGUOUS, source=self.name, reason=(
            f"no accepted OpenReview paper matches the title exactly; closest: openreview:"
            f"{closest.openreview_id} {closest.title!r} ({why})"))


def search_title(title: str, authors: Sequence[str], http: HttpClient, endpoints: Endpoints) -> Outcome:
    """Module-level shortcut for :meth:`OpenReviewResolver.search_title` (credentials from the environment)."""
    return OpenReviewResolver().search_title(title, authors, http, endpoints)
