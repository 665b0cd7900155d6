"""What a build or a link check did, as values: :class:`BuildReport`, :class:`CheckReport`, and the text the CLI
prints for a build (:func:`build_report_lines`).

The library API (:mod:`bibexport.api`) returns these; the CLI only renders them and exits with
:attr:`BuildReport.exit_status` / :attr:`CheckReport.exit_status`.  Every decision is taken from typed fields
(:class:`ReadingStatus`, :class:`NoteKind`), never from a message.  Pure: no I/O, no heavy imports (the CLI
imports this module to start).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bibexport.errors import ExitCode

if TYPE_CHECKING:
    from bibexport.linkcheck import Report as LinkReport
    from bibexport.linkcheck import Result as LinkResult


class ReadingStatus(str, enum.Enum):
    """Where a reading stands after a build (the lockfile's ``status``)."""

    RESOLVED = "resolved"
    NOT_FOUND = "not_found"  # the source says there is no such work
    UNAVAILABLE = "unavailable"  # the source could not be asked (rate limit, 5xx, no network)
    INVALID = "invalid"  # the identifier cannot exist
    AMBIGUOUS = "ambiguous"  # a title search found nothing acceptable
    UNRESOLVED = "unresolved"  # never asked (new, and the build was offline)

    @classmethod
    def of(cls, text: str) -> ReadingStatus:
        """The status a lockfile names; a name this version does not know counts as unresolved."""
        try:
            return cls(text)
        except ValueError:
            return cls.UNRESOLVED


@dataclass(frozen=True)
class ReadingOutcome:
    """One reading of the lockfile after the build, in lockfile order."""

    line: int  # of the reading's first listing in sessions.toml; 0 when no reading of the course has this entry
    title: str
    key: str
    status: ReadingStatus
    reason: str = ""  # why it is not resolved, in the source's words ("" when resolved)
    identifier: str = ""  # the work it resolved to ("arxiv:2305.18290")
    source: str = ""  # the resolver that gave its record
    warnings: tuple[str, ...] = ()  # what resolution noticed (title differs, published version, ...)
    #: Unresolved only because the build was offline and the lockfile has nothing for it.
    not_asked: bool = False
    stale: bool = False  # the record is the last good one, kept while its source cannot be asked again
    key_provisional: bool = False  # the key was made while unresolved; it changes when the reading resolves

    @property
    def resolved(self) -> bool:
        """True when a source gave the reading's record."""
        return self.status is ReadingStatus.RESOLVED


class NoteKind(str, enum.Enum):
    """What a line of the build's report is about."""

    UNRESOLVED = "unresolved"  # a reading no source resolved (``text``: why)
    RESOLUTION_WARNING = "resolution-warning"  # a source's remark on a reading (``text``)
    LISTED_TWICE = "listed-twice"  # a reading twice in one session (``session``, ``first_line``)
    KEY_RENAMED = "key-renamed"  # a provisional key replaced (``key`` → ``new_key``)
    FROM_LIST = "from-list"  # fields of an unresolved entry taken from the list (``key``, ``fields``)
    UNDATED = "undated"  # a work with no date (``key``)
    MALFORMED_LINK = "malformed-link"  # a link the lint rejects (``url``, ``problems``, ``fix``)
    REMOVED_DIR = "removed-dir"  # a folder of out/ removed (``paths``)
    REMOVED_FILE = "removed-file"  # a file of out/ removed (``paths``)
    EDITED_OUTPUT = "edited-output"  # a file no longer written, left because it was edited (``paths``)
    STALE_OUTPUT = "stale-output"  # files of a format not asked for, older than the data (``format``, ``paths``)


#: Kinds that are news rather than something to look at.
INFO_KINDS = frozenset({NoteKind.KEY_RENAMED, NoteKind.FROM_LIST, NoteKind.REMOVED_DIR, NoteKind.REMOVED_FILE})


@dataclass(frozen=True)
class Note:
    """One remark of a build: a kind and the data to say it.  Fields a kind does not use stay empty."""

    kind: NoteKind
    line: int = 0  # in sessions.toml (0: unknown or not about a reading)
    title: str = ""  # the reading's title
    key: str = ""  # the citation key (the old one for KEY_RENAMED)
    text: str = ""  # UNRESOLVED: the reason; RESOLUTION_WARNING: the source's words
    not_asked: bool = False  # UNRESOLVED: because --offline kept the reading from the network
    session: str = ""  # LISTED_TWICE: the session's slug
    first_line: int = 0  # LISTED_TWICE: where the reading is first listed
    new_key: str = ""  # KEY_RENAMED
    fields: tuple[str, ...] = ()  # FROM_LIST: the fields as the list gives them
    url: str = ""  # MALFORMED_LINK: the link as written
    problems: tuple[str, ...] = ()  # MALFORMED_LINK: what the lint found
    fix: str = ""  # MALFORMED_LINK: the link to write instead ("" when no repair is mechanical)
    format: str = ""  # STALE_OUTPUT: the format's name
    paths: tuple[Path, ...] = ()  # the outputs a REMOVED_*/EDITED_OUTPUT/STALE_OUTPUT note is about

    @property
    def is_warning(self) -> bool:
        """True for the notes a user should look at (the others are news)."""
        return self.kind not in INFO_KINDS


@dataclass(frozen=True)
class BuildReport:
    """What :func:`bibexport.build` did."""

    config_path: Path
    lock_path: Path
    out_dir: Path
    formats: tuple[str, ...]  # the formats written, in order
    sessions: int  # how many sessions the course has
    readings: tuple[ReadingOutcome, ...]  # one per lockfile entry
    notes: tuple[Note, ...]  # in the order the CLI prints them
    files: tuple[Path, ...]  # every output of this build (unchanged ones were left untouched)
    removed: tuple[Path, ...] = ()  # files of out/ that bibexport wrote earlier and removed now
    removed_dirs: tuple[Path, ...] = ()  # folders of out/ removed (nothing of this course goes there now)
    left: tuple[Path, ...] = ()  # files no longer written but left in place because they were edited
    stale: tuple[Path, ...] = ()  # files of formats not asked for that are older than the data
    lock_written: bool = False  # the lockfile changed and was written
    exit_status: int = ExitCode.OK  # what the CLI exits with (5 with ``strict`` and an unresolved reading)

    @property
    def resolved(self) -> tuple[ReadingOutcome, ...]:
        """The readings a source resolved."""
        return tuple(r for r in self.readings if r.resolved)

    @property
    def unresolved(self) -> tuple[ReadingOutcome, ...]:
        """The readings built from sessions.toml alone."""
        return tuple(r for r in self.readings if not r.resolved)

    @property
    def keys(self) -> tuple[str, ...]:
        """The citation keys, in lockfile order."""
        return tuple(r.key for r in self.readings)

    @property
    def warnings(self) -> tuple[Note, ...]:
        """The notes worth a look (see :attr:`Note.is_warning`)."""
        return tuple(n for n in self.notes if n.is_warning)


@dataclass(frozen=True)
class CheckReport:
    """What :func:`bibexport.check` found: every link's result (``links``) and the exit status to use."""

    config_path: Path
    links: LinkReport  # every link of sessions.toml with its verdict, reason and issues, in file order
    strict: bool = False
    exit_status: int = ExitCode.OK  # 4 when a link is broken, 5 with ``strict`` and an unverifiable link

    @property
    def results(self) -> tuple[LinkResult, ...]:
        """Each link's result, in sessions.toml order."""
        return self.links.results

    def count(self, verdict: str) -> int:
        """How many links got ``verdict`` (``"ok"``, ``"broken"``, ``"unverifiable"``, ...)."""
        return self.links.count(verdict)


class Stage(str, enum.Enum):
    """What a progress event is about."""

    RESOLVING = "resolving"  # the build starts asking the sources (``count``: readings to resolve)
    STEP = "step"  # one batch of requests (``message``: which source, how many)
    RESOLVED = "resolved"  # the sources have answered
    CHECKING = "checking"  # the link check starts going online


@dataclass(frozen=True)
class ProgressEvent:
    """A progress report handed to the ``progress`` callback of :func:`bibexport.build` / :func:`bibexport.check`."""

    stage: Stage
    count: int = 0
    message: str = ""


Progress = Callable[[ProgressEvent], None]


# -- text (what ``bibexport build`` prints on stderr) ----------------------------------------------------------------


def build_report_lines(report: BuildReport) -> list[str]:
    """The build's report as the CLI prints it on stderr: the summary, then one line per note."""
    resolved = len(report.resolved)
    summary = (f"{len(report.readings)} readings in {report.sessions} sessions: {resolved} resolved, "
               f"{len(report.readings) - resolved} unresolved")
    return [summary, *(note_line(note, report.config_path, report.formats) for note in report.notes)]


def build_summary(report: BuildReport) -> str:
    """The last line (stdout): how many files and where."""
    return f"wrote {len(report.files)} files to {report.out_dir}/ and updated {report.lock_path}"


def note_line(note: Note, config_path: Path, formats: Sequence[str] = ()) -> str:
    """One note as a line of text (``formats``: those asked for, named in the advice on stale outputs)."""
    return _RENDER[note.kind](note, config_path, tuple(formats))


def _at(config_path: Path, line: int) -> str:
    return f"{config_path}:{line}"


def _unresolved(n: Note, config_path: Path, _formats: tuple[str, ...]) -> str:
    where = _at(config_path, n.line) if n.line else str(config_path)
    why = "not in the lockfile and --offline was given" if n.not_asked else n.text
    return f"  unresolved: {where} {n.title!r}: {why}"


def _resolution_warning(n: Note, config_path: Path, _formats: tuple[str, ...]) -> str:
    where = _at(config_path, n.line) if n.line else str(config_path)
    return f"  warning: {where} {n.title!r}: {n.text}"


def _listed_twice(n: Note, config_path: Path, _formats: tuple[str, ...]) -> str:
    return (f"  warning: {_at(config_path, n.line)} {n.title!r} is listed twice in session '{n.session}' "
            f"(also on line {n.first_line}); it is built once")


def _key_renamed(n: Note, config_path: Path, _formats: tuple[str, ...]) -> str:
    return (f"  key {n.key} → {n.new_key}: {_at(config_path, n.line)} {n.title!r} resolved; its provisional key "
            "is replaced, and the new one is pinned")


def _from_list(n: Note, config_path: Path, _formats: tuple[str, ...]) -> str:
    return (f"  from the list: {_at(config_path, n.line)} {n.key}: {', '.join(n.fields)} as the reading list "
            "gives them (listed), not from a source")


def _undated(n: Note, config_path: Path, _formats: tuple[str, ...]) -> str:
    return (f"  warning: {_at(config_path, n.line)} {n.key}: no date known; add year = ... to the "
            "reading (BibTeX styles such as plainnat warn on an empty year)")


def _malformed_link(n: Note, config_path: Path, _formats: tuple[str, ...]) -> str:
    advice = f"; write {n.fix}" if n.fix else ""
    return f"  warning: {_at(config_path, n.line)} {n.title!r}: link {n.url!r}: {'; '.join(n.problems)}{advice}"


def _removed_dir(n: Note, _config_path: Path, _formats: tuple[str, ...]) -> str:
    return f"  removed: {n.paths[0]}/ (bibexport wrote it; nothing of this course goes there now)"


def _removed_file(n: Note, _config_path: Path, _formats: tuple[str, ...]) -> str:
    return f"  removed: {n.paths[0]} (bibexport wrote it and no longer does)"


def _edited_output(n: Note, _config_path: Path, _formats: tuple[str, ...]) -> str:
    return (f"  warning: {n.paths[0]} was written by an earlier build and edited since; bibexport no longer "
            "writes it and left it in place (delete it if it is not yours)")


def _stale_output(n: Note, _config_path: Path, formats: tuple[str, ...]) -> str:
    paths = n.paths
    shown = ", ".join(map(str, paths[:3])) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    verb = "is" if len(paths) == 1 else "are"
    return (f"  stale: {shown} {verb} from an earlier build (the readings changed since); run with "
            f"-f {','.join([*formats, n.format])} to update, or delete {'it' if len(paths) == 1 else 'them'}")


_RENDER: dict[NoteKind, Callable[[Note, Path, tuple[str, ...]], str]] = {
    NoteKind.UNRESOLVED: _unresolved,
    NoteKind.RESOLUTION_WARNING: _resolution_warning,
    NoteKind.LISTED_TWICE: _listed_twice,
    NoteKind.KEY_RENAMED: _key_renamed,
    NoteKind.FROM_LIST: _from_list,
    NoteKind.UNDATED: _undated,
    NoteKind.MALFORMED_LINK: _malformed_link,
    NoteKind.REMOVED_DIR: _removed_dir,
    NoteKind.REMOVED_FILE: _removed_file,
    NoteKind.EDITED_OUTPUT: _edited_output,
    NoteKind.STALE_OUTPUT: _stale_output,
}
