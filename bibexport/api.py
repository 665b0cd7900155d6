"""The library API: build a course's bibliographies, or check its links, from Python, without a subprocess.

    import bibexport

    report = bibexport.build("course/sessions.toml", out_dir="site/_data/readings", offline=True)
    for reading in report.unresolved:
        print(reading.line, reading.title, reading.reason)

:func:`build` and :func:`check` take what the command line takes (as Python values), do the whole run (read
``sessions.toml`` and the lockfile, resolve, write the outputs atomically, update the lockfile) and return a
:class:`~bibexport.report.BuildReport` / :class:`~bibexport.report.CheckReport`; they print nothing.  Input
problems raise :class:`~bibexport.errors.BibexportError` subclasses (:class:`~bibexport.errors.InputError` with
every problem and its line, :class:`~bibexport.errors.OptionError` for a bad argument).  The CLI (``cli.py``)
parses options, calls these, prints the report and exits with its ``exit_status``.

Named ``api`` rather than ``build``: a submodule called ``bibexport.build`` would shadow the function
``bibexport.build`` once imported.  Heavy modules are imported inside the functions, so ``import bibexport``
(and ``bibexport --help``) stays fast.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bibexport.errors import ExitCode, OptionError
from bibexport.report import (
    BuildReport,
    CheckReport,
    Note,
    NoteKind,
    Progress,
    ProgressEvent,
    ReadingOutcome,
    ReadingStatus,
    Stage,
)

if TYPE_CHECKING:
    from bibexport.emitters import Format, RenderOptions
    from bibexport.fsio import Ledger, TreeReport
    from bibexport.lockfile import Lock
    from bibexport.model import Bibliography, Course, Entry, Reading

__all__ = ["build", "check", "lock_path_for"]

PathLike = str | os.PathLike[str]


def _silent(_event: ProgressEvent) -> None:
    """The default progress callback: say nothing."""


def lock_path_for(config_path: PathLike) -> Path:
    """The lockfile that belongs to a reading list: ``sessions.toml`` → ``sessions.lock.json`` beside it."""
    path = Path(config_path)
    return path.with_name(path.stem + ".lock.json")


def build(
    config_path: PathLike = "sessions.toml",
    *,
    out_dir: PathLike | None = None,
    offline: bool = False,
    refresh: str | Sequence[str] = (),
    formats: str | Sequence[str] | None = None,
    style: str | None = None,
    fragment: bool = False,
    heading_level: int = 1,
    strict: bool = False,
    use_cache: bool = True,
    keep_preprints: bool = False,
    env: Mapping[str, str] | None = None,
    today: dt.date | None = None,
    progress: Progress = _silent,
) -> BuildReport:
    """Resolve what is new or changed, update the lockfile and write every output of the course.

    ``config_path``: the reading list; its lockfile is beside it (:func:`lock_path_for`).  ``out_dir``: where the
    outputs go (default: ``out`` beside ``config_path``).  ``offline``: never touch the network.  ``refresh``:
    re-resolve the readings whose key, link or title matches (``"*"``: all).  ``formats``: format names or
    aliases, each may be comma-separated (default ``bib``, ``csl-json``, ``md``).  ``style``: the citation style of the formatted lists
    (default: the course's, else ``apa``).  ``fragment``/``heading_level``: HTML without a page around it, top
    heading level of md/html.  ``strict``: the report's ``exit_status`` is 5 when a reading stays unresolved.
    ``use_cache``: use the on-disk HTTP and render caches.  ``keep_preprints``: never cite a published version.
    ``env``: environment overrides of endpoints (default ``os.environ``).  ``today``: the retrieval date written
    into the lockfile (default: today).  ``progress``: called with a :class:`~bibexport.report.ProgressEvent`
    as resolution goes.

    Raises :class:`~bibexport.errors.OptionError` for bad arguments, :class:`~bibexport.errors.InputError` for a
    bad ``sessions.toml`` or lockfile (nothing written), :class:`~bibexport.errors.LockBusyError` when another
    run holds the lockfile and :class:`~bibexport.errors.OutputError` when an output cannot be written.
    """
    from bibexport import config, lockfile, pipeline, rendercache
    from bibexport.emitters import FORMATS, RenderOptions
    from bibexport.emitters.styles import style_from_file
    from bibexport.fsio import atomic_write, run_lock, write_tree

    config_path = Path(config_path)
    refresh = _strings(refresh)
    out = Path(out_dir) if out_dir is not None else config_path.parent / "out"
    fmts = _formats(formats)
    if refresh and offline:
        raise OptionError("", "--refresh asks the sources again and --offline forbids the network; give one of them")
    course = config.load_course(config_path, env=os.environ if env is None else env)
    if keep_preprints:
        course = replace(course, keep_preprints=True)
    lock_path = lock_path_for(config_path)
    with run_lock(lock_path):
        old = lockfile.load(lock_path)
        wanted = pipeline.select_refresh(refresh)
        _check_refresh(refresh, course, old)
        todo = [r for r in course.readings() if pipeline.needs_network(r, old, wanted)]
        todo = list({r.fingerprint: r for r in todo}.values())
        day = today or dt.date.today()
        if todo and not offline:
            from bibexport.http import make_http

            # refresh asks the sources again: an HTTP answer cached earlier would defeat it.
            http = make_http(course.endpoints, cache=use_cache and not refresh)
            try:
                progress(ProgressEvent(Stage.RESOLVING, count=len(todo)))
                results = pipeline.resolve_readings(
                    [pipeline.plan(r) for r in todo], http, course,
                    lambda msg: progress(ProgressEvent(Stage.STEP, message=msg)))
            finally:
                http.close()
            progress(ProgressEvent(Stage.RESOLVED, count=len(todo)))
            lock = pipeline.update_lock(course, old, results, day)
        else:
            lock = pipeline.update_lock(course, old, {}, day)
        assembly = pipeline.assemble(course, lock)
        lock = pipeline.pin_keys(lock, assembly.keys, assembly.provisional)
        cache = rendercache.for_build(fmts, enabled=use_cache)
        course_style = style_from_file(course.style, config_path.parent) if course.style else ""
        opts = RenderOptions(style=style or course_style or "apa", fragment=fragment, cache=cache,
                             heading_level=heading_level)
        files = _render_all(assembly.bibliography, fmts, out, opts, FORMATS)
        # out/ is swapped in whole (old or new tree, even after kill -9), with the manifest of what bibexport wrote
        tree = write_tree(out, files, _ledger(assembly.bibliography, fmts, out, FORMATS, config_path))
        lock_written = lock != old or not lock_path.exists()  # a warm build changes nothing: skip serialising it
        if lock_written:
            atomic_write(lock_path, lockfile.dumps(lock))  # last: a kill before it leaves the old lockfile
        rendercache.save(cache)  # only after a successful build
    readings = _outcomes(course, lock, offline and bool(todo))
    notes = [*_reading_notes(course, readings),
             *_renamed_key_notes(course, assembly.renamed),
             *_from_list_notes(assembly.bibliography),
             *_undated_notes(assembly.bibliography),
             *_link_notes(course),
             *_tree_notes(tree, FORMATS)]
    unresolved = any(not r.resolved for r in readings)
    return BuildReport(
        config_path=config_path, lock_path=lock_path, out_dir=out, formats=tuple(fmts),
        sessions=len(course.sessions), readings=readings, notes=tuple(notes), files=tuple(files),
        removed=tree.removed, removed_dirs=tree.removed_dirs, left=tree.left, stale=tree.stale,
        lock_written=lock_written, exit_status=ExitCode.STRICT if strict and unresolved else ExitCode.OK)


def check(
    config_path: PathLike = "sessions.toml",
    *,
    offline: bool = False,
    strict: bool = False,
    excludes: str | Sequence[str] = (),
    cache_path: PathLike | None = None,
    use_cache: bool = True,
    max_age: float | str = "1d",
    timeout: float | None = None,
    retries: int = 2,
    max_retry_after: float = 30.0,
    jobs: int = 8,
    per_host: int = 2,
    max_time: float = 600.0,
    backoff: float = 1.0,
    env: Mapping[str, str] | None = None,
    progress: Progress = _silent,
) -> CheckReport:
    """Check every link of ``config_path``: lint offline, then (unless ``offline``) arXiv/OpenReview ids through
    their APIs and other links with HEAD/GET.

    ``excludes``: regular expressions of links not to fetch (added to ``exclude`` in ``sessions.toml``).
    ``cache_path``/``use_cache``/``max_age``: the results cache (default ``linkcheck.json`` in the user cache
    dir); ``max_age`` in seconds or as ``"90s"``, ``"30m"``, ``"6h"``, ``"7d"``.  ``timeout`` (default: the
    course's, else 10 s), ``retries``, ``max_retry_after``, ``jobs``, ``per_host``, ``max_time``, ``backoff``: the
    politeness and bounds of the online check (see README, ``bibexport check``).  ``strict``: an unverifiable link
    makes ``exit_status`` 5.  ``progress`` hears :attr:`~bibexport.report.Stage.CHECKING` before the network.

    Raises :class:`~bibexport.errors.OptionError` for a bad pattern or age and
    :class:`~bibexport.errors.InputError` for a bad ``sessions.toml``.
    """
    from bibexport import config, linkcheck, lockfile
    from bibexport.errors import InputError
    from bibexport.model import Endpoints

    config_path = Path(config_path)
    excludes = _strings(excludes)
    for pattern in excludes:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise OptionError("excludes", f"bad regular expression {pattern!r}: {exc}") from None
    try:
        age = linkcheck.parse_duration(max_age) if isinstance(max_age, str) else float(max_age)
    except ValueError as exc:
        raise OptionError("max_age", str(exc)) from None
    course = config.load_course(config_path, env=os.environ if env is None else env)
    try:  # evidence for arXiv/OpenReview ids the APIs will not confirm today; a link check does not need it
        lock = lockfile.load(lock_path_for(config_path))
    except InputError:
        lock = None
    checker = cache = http = None
    if not offline:
        if timeout is None:  # a timeout from BIBEXPORT_TIMEOUT or sessions.toml wins over the check's default
            timeout = course.endpoints.timeout if course.endpoints.timeout != Endpoints().timeout else 10.0
        options = linkcheck.CheckOptions(timeout=timeout, retries=retries, backoff=backoff,
                                         max_retry_after=max_retry_after, jobs=jobs, per_host=per_host,
                                         max_time=max_time)
        http = linkcheck.make_check_http(course.endpoints, options)
        checker = linkcheck.Checker(http, course.endpoints, options)
        if use_cache:
            cache = linkcheck.ResultCache(Path(cache_path) if cache_path else linkcheck.default_cache_path(), age)
    try:
        if checker is not None:
            progress(ProgressEvent(Stage.CHECKING))
        links = linkcheck.run_check(course, checker, excludes=excludes, cache=cache, lock=lock)
    finally:
        if http is not None:
            http.close()
    if cache is not None:
        cache.save()
    return CheckReport(config_path=config_path, links=links, strict=strict, exit_status=links.exit_code(strict))


# -- build's steps --------------------------------------------------------------------------------------------------


def _strings(value: str | Sequence[str]) -> tuple[str, ...]:
    """One string or several: ``refresh="jiang2023mistral"`` means that one key, not its letters."""
    return (value,) if isinstance(value, str) else tuple(value)


def _formats(names: str | Sequence[str] | None) -> list[str]:
    """Format names (or aliases, comma-separated or not) → registry names, in order, once each; the default set
    when none is given."""
    from bibexport.emitters import ALIASES, DEFAULT_FORMATS, FORMATS, canonical_format

    given = [n for value in _strings(names or ()) for n in value.split(",")]
    chosen = [canonical_format(n) for n in given if n.strip()] or list(DEFAULT_FORMATS)
    for name in chosen:
        if name not in FORMATS:
            known = ", ".join([*FORMATS, *ALIASES])
            raise OptionError("formats", f"unknown format {name!r}; choose from {known}")
    return list(dict.fromkeys(chosen))


def _check_refresh(patterns: Sequence[str], course: Course, lock: Lock) -> None:
    """A refresh pattern that matches no reading is an error (a typo would silently refresh nothing): say so, with
    the citation keys that come close."""
    import difflib

    from bibexport import pipeline

    readings = course.readings()
    keys = sorted({e.key for e in lock.entries if e.key})
    for pattern in dict.fromkeys(p for p in patterns if p and p != "*"):
        matches = pipeline.select_refresh([pattern])
        if any(matches(r, lock.get(r.fingerprint)) for r in readings):
            continue
        near = difflib.get_close_matches(pattern, keys, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(near)}?" if near else (
            "; give a citation key, a link or part of a title (keys are in out/readings.bib)")
        raise OptionError("refresh", f"{pattern!r} matches no reading of {course.path}{hint}")


def _render_all(bib: Bibliography, fmts: list[str], out_dir: Path, opts: RenderOptions,
                formats: Mapping[str, Format]) -> dict[Path, str]:
    files: dict[Path, str] = {}
    for name in fmts:
        fmt = formats[name]
        files[out_dir / fmt.filename] = fmt.render(bib, None, opts)
        for sb in bib.sessions:
            files[out_dir / sb.session.slug / fmt.filename] = fmt.render(bib, sb, opts)
    return files


def _ledger(bib: Bibliography, fmts: list[str], out_dir: Path, formats: Mapping[str, Format],
            config_path: Path) -> Ledger:
    """What the manifest records: for each file, a digest of the data it is made from (the session's entries,
    or the whole course's), and the files of the formats not asked for, which are kept and checked for staleness."""
    import hashlib
    import json

    from bibexport.fsio import Ledger
    from bibexport.model import SessionBibliography

    def digest(data: object) -> str:
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]

    def data_of(sb: SessionBibliography) -> object:
        return [sb.session.slug, sb.session.name, sb.session.heading_date,
                [[e.key, e.resolved, e.record.to_dict()] for e in sb.required],
                [[e.key, e.resolved, e.record.to_dict()] for e in sb.further]]

    stamp_of = {sb.session.slug: digest(data_of(sb)) for sb in bib.sessions}
    course = digest([bib.course.title, list(bib.course.keep_case), [data_of(sb) for sb in bib.sessions]])
    stamps: dict[Path, str] = {}
    others: dict[Path, str] = {}
    for name, fmt in formats.items():
        target = stamps if name in fmts else others
        target[out_dir / fmt.filename] = course
        for slug, stamp in stamp_of.items():
            target[out_dir / slug / fmt.filename] = stamp
    # The reading list as seen from out/ ("../sessions.toml"): the same wherever the course folder is moved.
    owner = Path(os.path.relpath(config_path.resolve(), out_dir.resolve())).as_posix()
    return Ledger(stamps=stamps, others=others, owner=owner)


# -- the report's parts (pure) ----------------------------------------------------------------------------------------


def _outcomes(course: Course, lock: Lock, offline_missing: bool) -> tuple[ReadingOutcome, ...]:
    """One outcome per lockfile entry, at the line of the reading's first listing."""
    first: dict[str, Reading] = {}
    for r in course.readings():  # a reading listed twice is reported at its first line
        first.setdefault(r.fingerprint, r)
    outcomes = []
    for e in lock.entries:
        status = ReadingStatus.of(e.status)
        reading = first.get(e.fingerprint)
        outcomes.append(ReadingOutcome(
            line=reading.line if reading is not None else 0, title=e.title, key=e.key, status=status,
            reason="" if status is ReadingStatus.RESOLVED else e.reason or e.status, identifier=e.identifier,
            source=e.source, warnings=e.warnings,
            not_asked=offline_missing and e.status == ReadingStatus.UNRESOLVED.value,
            stale=e.stale, key_provisional=e.key_provisional))
    return tuple(outcomes)


def _reading_notes(course: Course, readings: Sequence[ReadingOutcome]) -> Iterator[Note]:
    """Per reading: why it is unresolved, what resolution remarked; then readings listed twice in a session."""
    for r in readings:
        if not r.resolved:
            yield Note(NoteKind.UNRESOLVED, r.line, r.title, r.key, text=r.reason, not_asked=r.not_asked)
        for w in r.warnings:
            yield Note(NoteKind.RESOLUTION_WARNING, r.line, r.title, r.key, text=w)
    first: dict[tuple[str, str], int] = {}
    for reading in course.readings():  # the same reading twice in one session is built once: say so, don't fail
        line = first.setdefault((reading.session, reading.fingerprint), reading.line)
        if line != reading.line:
            yield Note(NoteKind.LISTED_TWICE, reading.line, reading.title, session=reading.session, first_line=line)


def _renamed_key_notes(course: Course, renamed: Mapping[str, tuple[str, str]]) -> Iterator[Note]:
    """One note per provisional key replaced by the real key of the work it resolved to (issue 12, part 5)."""
    seen: set[str] = set()
    for r in course.readings():
        if r.fingerprint in renamed and r.fingerprint not in seen:
            seen.add(r.fingerprint)
            old, new = renamed[r.fingerprint]
            yield Note(NoteKind.KEY_RENAMED, r.line, r.title, old, new_key=new)


def _by_reading(bib: Bibliography) -> Iterator[tuple[Reading, Entry]]:
    """Each assembled entry with the reading it came from, session by session (required, then further)."""
    for sb in bib.sessions:
        readings = [r for r in sb.session.readings if r.role == "required"]
        readings += [r for r in sb.session.readings if r.role == "further"]
        yield from zip(readings, sb.required + sb.further)


def _from_list_notes(bib: Bibliography) -> Iterator[Note]:
    """Which fields of an unresolved entry come from the reading list (``listed``), not from a source."""
    from bibexport.pipeline import listed_fields

    seen: set[str] = set()
    for reading, e in _by_reading(bib):
        fields = listed_fields(e.record)
        if e.resolved or not fields or e.key in seen:
            continue
        seen.add(e.key)
        yield Note(NoteKind.FROM_LIST, reading.line, reading.title, e.key, fields=fields)


def _undated_notes(bib: Bibliography) -> Iterator[Note]:
    """One note per work with no date: BibTeX styles such as plainnat warn "empty year" for it."""
    seen: set[str] = set()
    for reading, e in _by_reading(bib):
        if e.record.issued or e.key in seen:
            continue
        seen.add(e.key)
        yield Note(NoteKind.UNDATED, reading.line, reading.title, e.key)


def _link_notes(course: Course) -> Iterator[Note]:
    """Malformed links (no scheme, trailing punctuation, ...) as ``check`` finds them, with the link to write:
    the build still uses them, but a ``.bib`` with ``url = {arxiv.org/abs/...}`` is no working link."""
    from bibexport.linkcheck_lint import lint_url

    for reading in course.readings():
        for i, url in enumerate(reading.links):
            issues = lint_url(url)
            if not issues:
                continue
            line = reading.link_lines[i] if i < len(reading.link_lines) else reading.line
            yield Note(NoteKind.MALFORMED_LINK, line or reading.line, reading.title, url=url,
                       problems=tuple(issue.message for issue in issues),
                       fix=next((issue.fix for issue in issues if issue.fix), ""))


def _tree_notes(tree: TreeReport, formats: Mapping[str, Format]) -> Iterator[Note]:
    """What the build removed from out/, what it left because it was edited, and which files of formats not asked
    for are older than the data (one note per format)."""
    for folder in tree.removed_dirs:
        yield Note(NoteKind.REMOVED_DIR, paths=(folder,))
    for path in tree.removed:
        if not any(folder in path.parents for folder in tree.removed_dirs):  # said with its folder
            yield Note(NoteKind.REMOVED_FILE, paths=(path,))
    for path in tree.left:
        yield Note(NoteKind.EDITED_OUTPUT, paths=(path,))
    by_format: dict[str, list[Path]] = {}
    names = {fmt.filename: name for name, fmt in formats.items()}
    for path in tree.stale:
        by_format.setdefault(names.get(path.name, path.name), []).append(path)
    for name, paths in by_format.items():
        yield Note(NoteKind.STALE_OUTPUT, format=name, paths=tuple(paths))
