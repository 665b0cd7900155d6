"""The error family.  The CLI maps each class to a documented exit code (see README, "Exit codes").

A failure of one reading is a value in the report, not an exception: these are for whole-run problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ExitCode:
    """Documented process exit codes."""

    OK = 0
    BUG = 1  # an unexpected error: a bug, reported with a traceback
    USAGE = 2  # bad command-line usage (click's own code)
    INPUT = 3  # sessions.toml, a reading list or the lockfile is invalid
    BROKEN = 4  # `check`: at least one link is broken
    STRICT = 5  # `--strict`: unresolved readings (build) or unverifiable links (check)
    BUSY = 6  # another bibexport run holds the lockfile
    OUTPUT = 7  # an output file could not be written


class BibexportError(Exception):
    """Root of every error bibexport reports as a message rather than a traceback."""

    exit_code = ExitCode.BUG

    def __str__(self) -> str:  # pragma: no cover - subclasses format themselves
        return super().__str__()


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, with where it is and what to do about it."""

    file: str
    line: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass
class InputError(BibexportError):
    """An input file has problems; every problem found is listed, not just the first."""

    problems: list[Problem] = field(default_factory=list)
    exit_code = ExitCode.INPUT

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class OptionError(BibexportError):
    """A bad argument to :func:`bibexport.build` / :func:`bibexport.check` (the CLI shows it as a usage error of
    the matching option).  ``name`` is the argument (``"formats"``, ``"refresh"``, ...; ``""`` when it is a clash
    of several)."""

    exit_code = ExitCode.USAGE

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message

    def __str__(self) -> str:
        return self.message


class LockBusyError(BibexportError):
    """Another run holds the lockfile."""

    exit_code = ExitCode.BUSY


class OutputError(BibexportError):
    """An output could not be written."""

    exit_code = ExitCode.OUTPUT


class NetworkError(BibexportError):
    """A request failed for good (after retries).  ``kind`` tells "not_found" from "unavailable"."""

    exit_code = ExitCode.BUG

    def __init__(self, url: str, reason: str, *, status: int | None = None, kind: str = "unavailable"):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status
        self.kind = kind

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"
