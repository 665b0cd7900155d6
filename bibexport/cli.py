"""Command-line interface (the only module importing click).  Heavy modules are imported inside commands so
``bibexport --help`` starts fast.

Exit codes are documented in README ("Exit codes") and defined in :class:`bibexport.errors.ExitCode`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from bibexport import __version__
from bibexport.errors import BibexportError, ExitCode


class _Group(click.Group):
    """Turns bibexport's errors into a message and a documented exit code (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BibexportError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"error: {line}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; outputs were left as they were", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, prog_name="bibexport",
    message="%(prog)s %(version)s: course reading lists to BibTeX, CSL-JSON and reference lists "
            "(not the CTAN bibexport script)")
def cli() -> None:
    """Turn a course reading list (sessions.toml) into BibTeX, CSL-JSON and formatted reference lists."""


def _stderr_progress() -> Any:
    if not sys.stderr.isatty():
        return lambda _msg: None

    def show(msg: str) -> None:
        click.echo(f"\r\033[K… {msg}"[:200], err=True, nl=False)

    return show


def _split_formats(values: Sequence[str]) -> list[str]:
    from bibexport.emitters import ALIASES, DEFAULT_FORMATS, FORMATS, canonical_format

    names = [canonical_format(v) for value in values for v in value.split(",") if v.strip()] or list(DEFAULT_FORMATS)
    for name in names:
        if name not in FORMATS:
            known = ", ".join([*FORMATS, *ALIASES])
            raise click.BadParameter(f"unknown format {name!r}; choose from {known}", param_hint="--format")
    return list(dict.fromkeys(names))


@cli.command()
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), default=Path("sessions.toml"),
              show_default=True, help="The reading list.")
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="Output folder.")
@click.option("--offline", is_flag=True, help="Never touch the network: build from the lockfile and sessions.toml.")
@click.option("--refresh", "refresh", multiple=True, is_flag=False, flag_value="*", default=(),
              metavar="[READING]", help="Re-resolve every reading, or those whose key, link or title matches.")
@click.option("-f", "--format", "formats", multiple=True, metavar="LIST",
              help="Formats to write: bib, csl-json, md, html, txt (comma-separated or repeated). "
                   "Default: bib,csl-json,md.")
@click.option("--style", default=None, help="Citation style for md/html/txt (CSL id, .csl path, or pybtex:NAME).")
@click.option("--fragment", is_flag=True, help="HTML without the page around it, to paste into a site.")
@click.option("--heading-level", type=click.IntRange(1, 6), default=1, show_default=True,
              help="Level of the top heading in md and html, to paste a list under a heading of your notes.")
@click.option("--strict", is_flag=True, help="Exit with code 5 when any reading stays unresolved.")
@click.option("--no-cache", is_flag=True, help="Do not use the on-disk caches (HTTP responses, rendered references).")
@click.option("--keep-preprints", is_flag=True, help="Cite arXiv preprints as preprints, never their published venue.")
def build(config_path: Path, out_dir: Path, offline: bool, refresh: tuple[str, ...], formats: tuple[str, ...],
          style: str | None, fragment: bool, heading_level: int, strict: bool, no_cache: bool,
          keep_preprints: bool) -> None:
    """Resolve new readings and write readings.bib/.json/.md for the course and for each session."""
    from bibexport import config, lockfile, pipeline
    from bibexport.emitters import FORMATS, RenderOptions
    from bibexport.fsio import atomic_write, run_lock, write_tree

    fmts = _split_formats(formats)
    if refresh and offline:
        raise click.UsageError("--refresh asks the sources again and --offline forbids the network; give one of them")
    course = config.load_course(config_path, env=os.environ)
    if keep_preprints:
        from dataclasses import replace

        course = replace(course, keep_preprints=True)
    lock_path = config_path.with_name(config_path.stem + ".lock.json")
    with run_lock(lock_path):
        old = lockfile.load(lock_path)
        wanted = pipeline.select_refresh(refresh)
        _check_refresh(refresh, course, old)
        todo = [r for r in course.readings() if pipeline.needs_network(r, old, wanted)]
        todo = list({r.fingerprint: r for r in todo}.values())
        lock = old
        if todo and not offline:
            from bibexport.http import make_http

            # --refresh asks the sources again: an HTTP answer cached earlier would defeat it.
            http = make_http(course.endpoints, cache=not (no_cache or refresh))
            try:
                click.echo(f"resolving {len(todo)} reading(s)…", err=True)
                results = pipeline.resolve_readings([pipeline.plan(r) for r in todo], http, course, _stderr_progress())
            finally:
                http.close()
            if sys.stderr.isatty():
                click.echo("\r\033[K", err=True, nl=False)
            lock = pipeline.update_lock(course, old, results, dt.date.today())
        else:
            lock = pipeline.update_lock(course, old, {}, dt.date.today())
        assembly = pipeline.assemble(course, lock)
        lock = pipeline.pin_keys(lock, assembly.keys, assembly.provisional)
        from bibexport import rendercache

        cache = rendercache.for_build(fmts, enabled=not no_cache)
        from bibexport.emitters.styles import style_from_file

        course_style = style_from_file(course.style, config_path.parent) if course.style else ""
        opts = RenderOptions(style=style or course_style or "apa", fragment=fragment, cache=cache,
                             heading_level=heading_level)
        files = _render_all(assembly.bibliography, fmts, out_dir, opts, FORMATS)
        # out/ is swapped in whole (old or new tree, even after kill -9), with the manifest of what bibexport wrote
        tree = write_tree(out_dir, files, _ledger(assembly.bibliography, fmts, out_dir, FORMATS, config_path))
        if lock != old or not lock_path.exists():  # a warm build changes nothing: skip serialising it again
            atomic_write(lock_path, lockfile.dumps(lock))  # last: a kill before it leaves the old lockfile
        rendercache.save(cache)  # only after a successful build
    _report(course, lock, offline and bool(todo), config_path)
    _report_renamed_keys(course, assembly.renamed, config_path)
    _report_from_list(assembly.bibliography, config_path)
    _report_undated(assembly.bibliography, config_path)
    _report_links(course, config_path)
    _report_tree(tree, fmts, out_dir, FORMATS)
    click.echo(f"wrote {len(files)} files to {out_dir}/ and updated {lock_path}")
    unresolved = [e for e in lock.entries if e.status != "resolved"]
    if strict and unresolved:
        sys.exit(ExitCode.STRICT)


def _check_refresh(patterns: tuple[str, ...], course: Any, lock: Any) -> None:
    """A ``--refresh`` pattern that matches no reading is a usage error (a typo would silently refresh nothing):
    say so, with the citation keys that come close."""
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
        raise click.BadParameter(f"{pattern!r} matches no reading of {course.path}{hint}", param_hint="--refresh")


def _render_all(bib: Any, fmts: list[str], out_dir: Path, opts: Any, formats: Any) -> dict[Path, str]:
    files: dict[Path, str] = {}
    for name in fmts:
        fmt = formats[name]
        files[out_dir / fmt.filename] = fmt.render(bib, None, opts)
        for sb in bib.sessions:
            files[out_dir / sb.session.slug / fmt.filename] = fmt.render(bib, sb, opts)
    return files


def _ledger(bib: Any, fmts: list[str], out_dir: Path, formats: Any, config_path: Path) -> Any:
    """What the manifest records: for each file, a digest of the data it is made from (the session's entries,
    or the whole course's), and the files of the formats not asked for, which are kept and checked for staleness."""
    import hashlib
    import json

    from bibexport.fsio import Ledger

    def digest(data: object) -> str:
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]

    def data_of(sb: Any) -> object:
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


def _report_tree(tree: Any, fmts: list[str], out_dir: Path, formats: Any) -> None:
    """Say what the build removed from out/ and which files of formats not asked for are older than the data."""
    for folder in tree.removed_dirs:
        click.echo(f"  removed: {folder}/ (bibexport wrote it; nothing of this course goes there now)", err=True)
    for path in tree.removed:
        if not any(folder in path.parents for folder in tree.removed_dirs):
            click.echo(f"  removed: {path} (bibexport wrote it and no longer does)", err=True)
    for path in tree.left:
        click.echo(f"  warning: {path} was written by an earlier build and edited since; bibexport no longer "
                   "writes it and left it in place (delete it if it is not yours)", err=True)
    by_format: dict[str, list[Path]] = {}
    names = {fmt.filename: name for name, fmt in formats.items()}
    for path in tree.stale:
        by_format.setdefault(names.get(path.name, path.name), []).append(path)
    for name, paths in by_format.items():
        shown = ", ".join(map(str, paths[:3])) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        verb = "is" if len(paths) == 1 else "are"
        click.echo(f"  stale: {shown} {verb} from an earlier build (the readings changed since); run with "
                   f"-f {','.join([*fmts, name])} to update, or delete {'it' if len(paths) == 1 else 'them'}",
                   err=True)


def _report(course: Any, lock: Any, offline_missing: bool, config_path: Path) -> None:
    readings: dict[str, Any] = {}
    for r in course.readings():  # a reading listed twice is reported at its first line
        readings.setdefault(r.fingerprint, r)
    resolved = sum(1 for e in lock.entries if e.status == "resolved")
    click.echo(f"{len(lock.entries)} readings in {len(course.sessions)} sessions: {resolved} resolved, "
               f"{len(lock.entries) - resolved} unresolved", err=True)
    for e in lock.entries:
        r = readings.get(e.fingerprint)
        where = f"{config_path}:{r.line}" if r is not None and r.line else str(config_path)
        if e.status != "resolved":
            why = e.reason or e.status
            if offline_missing and e.status == "unresolved":
                why = "not in the lockfile and --offline was given"
            click.echo(f"  unresolved: {where} {e.title!r}: {why}", err=True)
        for w in e.warnings:
            click.echo(f"  warning: {where} {e.title!r}: {w}", err=True)
    first: dict[tuple[str, str], int] = {}
    for r in course.readings():  # the same reading twice in one session is built once: say so, don't fail
        line = first.setdefault((r.session, r.fingerprint), r.line)
        if line != r.line:
            click.echo(f"  warning: {config_path}:{r.line} {r.title!r} is listed twice in session '{r.session}' "
                       f"(also on line {line}); it is built once", err=True)


def _report_renamed_keys(course: Any, renamed: dict[str, tuple[str, str]], config_path: Path) -> None:
    """One line per provisional key replaced by the real key of the work it resolved to (issue 12, part 5)."""
    seen: set[str] = set()
    for r in course.readings():
        if r.fingerprint in renamed and r.fingerprint not in seen:
            seen.add(r.fingerprint)
            old, new = renamed[r.fingerprint]
            click.echo(f"  key {old} → {new}: {config_path}:{r.line} {r.title!r} resolved; its provisional key "
                       "is replaced, and the new one is pinned", err=True)


def _by_reading(bib: Any) -> Any:
    """Each assembled entry with the reading it came from, session by session (required, then further)."""
    for sb in bib.sessions:
        readings = [r for r in sb.session.readings if r.role == "required"]
        readings += [r for r in sb.session.readings if r.role == "further"]
        yield from zip(readings, sb.required + sb.further)


def _report_from_list(bib: Any, config_path: Path) -> None:
    """Say which fields of an unresolved entry come from the reading list (``listed``), not from a source."""
    from bibexport.pipeline import listed_fields

    seen: set[str] = set()
    for reading, e in _by_reading(bib):
        fields = listed_fields(e.record)
        if e.resolved or not fields or e.key in seen:
            continue
        seen.add(e.key)
        click.echo(f"  from the list: {config_path}:{reading.line} {e.key}: {', '.join(fields)} as the reading list "
                   "gives them (listed), not from a source", err=True)


def _report_links(course: Any, config_path: Path) -> None:
    """Malformed links (no scheme, trailing punctuation, ...) as ``check`` finds them, with the link to write:
    the build still uses them, but a ``.bib`` with ``url = {arxiv.org/abs/...}`` is no working link."""
    from bibexport.linkcheck_lint import lint_url

    for reading in course.readings():
        for i, url in enumerate(reading.links):
            issues = lint_url(url)
            if not issues:
                continue
            line = reading.link_lines[i] if i < len(reading.link_lines) else reading.line
            where = f"{config_path}:{line or reading.line}"
            fix = next((issue.fix for issue in issues if issue.fix), "")
            problems = "; ".join(issue.message for issue in issues)
            advice = f"; write {fix}" if fix else ""
            click.echo(f"  warning: {where} {reading.title!r}: link {url!r}: {problems}{advice}", err=True)


def _report_undated(bib: Any, config_path: Path) -> None:
    """One warning per work with no date: BibTeX styles such as plainnat warn "empty year" for it."""
    seen: set[str] = set()
    for reading, e in _by_reading(bib):
        if e.record.issued or e.key in seen:
            continue
        seen.add(e.key)
        click.echo(f"  warning: {config_path}:{reading.line} {e.key}: no date known; add year = ... to the "
                   "reading (BibTeX styles such as plainnat warn on an empty year)", err=True)


@cli.command("import")
@click.argument("source_arg", metavar="SOURCE")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Where to write sessions.toml (default: print to stdout).")
@click.option("--format", "fmt", type=click.Choice(["auto", "text", "markdown", "html", "yaml", "json", "bibtex"]),
              default="auto", show_default=True, help="Input format (auto: from the extension, else the content).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("--update", is_flag=True, help="Merge new readings into the existing output file: hand edits and "
              "comments are kept, readings no longer in the list are reported, never deleted.")
@click.option("-v", "--verbose", is_flag=True, help="List every skipped link, unplaced line and warning.")
def import_cmd(source_arg: str, output: Path | None, fmt: str, force: bool, update: bool, verbose: bool) -> None:
    """Convert a reading list into sessions.toml: a file (text, Markdown, HTML, YAML/JSON, BibTeX), an http(s)
    URL, or - for standard input.

    The report on stderr says what was found: sessions, readings, links kept, links skipped by reason and
    lines not understood, with a few examples of each (-v: all of them).  Exit 0 when at least one reading
    was found, 3 when none was or the input cannot be read.
    """
    from bibexport.errors import InputError, Problem
    from bibexport.fsio import atomic_write
    from bibexport.importer import import_file, import_text
    from bibexport.importer.report import render_report

    if update and output is None:
        raise click.UsageError("--update needs -o/--output: the sessions.toml to merge into")
    if output is not None and output.exists() and not force and not update:
        raise InputError([Problem(str(output), 0, "already exists",
                                  "pass --update to merge the new readings into it, or --force to overwrite it "
                                  "(hand edits in it would be lost)")])
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", source_arg):  # only this one URL is fetched, politely
        from bibexport.config import apply_env
        from bibexport.http import make_http
        from bibexport.importer.fetch import decode_source, fetch_source
        from bibexport.model import Endpoints

        with make_http(apply_env(Endpoints(), os.environ), cache=False) as http:  # BIBEXPORT_TIMEOUT applies
            data, name = fetch_source(source_arg, http)
        result = import_text(decode_source(data, source_arg), source_name=name, fmt=fmt)
    elif source_arg == "-":
        result = import_file(Path("-"), fmt=fmt)
    else:
        source = Path(source_arg)
        if not source.is_file():
            raise InputError([Problem(str(source), 0, "file not found" if not source.exists() else "not a file")])
        from bibexport.config import MAX_INPUT_BYTES

        if source.stat().st_size > MAX_INPUT_BYTES:  # the importer would take minutes; surely not a reading list
            raise InputError([Problem(str(source), 0, f"file is {source.stat().st_size / 1e6:.1f} MB; bibexport "
                                      f"imports reading lists up to {MAX_INPUT_BYTES // 1_000_000} MB")])
        result = import_file(source, fmt=fmt)
    click.echo(render_report(result, "<stdin>" if source_arg == "-" else source_arg, verbose=verbose),
               err=True, nl=False)
    if update and output is not None and output.exists():
        from bibexport.importer.update import merge

        merged, report = merge(output.read_text(encoding="utf-8"), result.toml, path=str(output))
        if report.changed:
            atomic_write(output, merged)
        for line in report.lines(str(output)):
            click.echo(line, err=True)
    elif output is None:
        click.echo(result.toml, nl=False)
    else:
        atomic_write(output, result.toml)
        click.echo(f"wrote {output}: {result.sessions} sessions, {result.readings} readings", err=True)


@cli.command()
@click.argument("items", nargs=-1, required=True, metavar="URL_OR_ID...")
@click.option("--format", "fmt", type=click.Choice(["bibtex", "bib", "csl-json", "json"], case_sensitive=False),
              default="bibtex", show_default=True)
@click.option("--no-cache", is_flag=True, help="Do not use the on-disk HTTP cache.")
def resolve(items: tuple[str, ...], fmt: str, no_cache: bool) -> None:
    """Print BibTeX (or CSL-JSON) for ad-hoc links and ids (arXiv, OpenReview, DOI, web).  Exit 2 when an
    argument is no link or id, 5 when one could not be resolved (not found, or its source unreachable)."""
    from bibexport import config, pipeline
    from bibexport.emitters import bibtex, csljson
    from bibexport.http import make_http
    from bibexport.keys import assign_keys
    from bibexport.model import Course, Reading

    course = Course(sessions=(), endpoints=config.apply_env(Course(sessions=()).endpoints, os.environ))
    readings = [Reading(title="", links=(item,)) for item in items]
    targets = [pipeline.plan(r) for r in readings]
    unknown = [t.reading.links[0] for t in targets if t.primary is None and not t.fallbacks]
    if unknown:  # a bad argument (exit 2), told apart from a link that could not be resolved (exit 5)
        raise click.BadParameter(
            f"not a link or identifier: {', '.join(map(repr, unknown))} (give an http(s) link, arXiv:ID, "
            "doi:10.…, or an OpenReview link)", param_hint="URL_OR_ID")
    http = make_http(course.endpoints, cache=not no_cache)
    try:
        results = pipeline.resolve_readings(targets, http, course)
    finally:
        http.close()
    records = []
    failed = 0
    for r in readings:
        out = results[r.fingerprint].outcome
        if out.ok and out.record is not None:
            records.append((out.identifier, out.record))
        else:
            failed += 1
            click.echo(f"error: {r.links[0]}: {out.reason or out.kind}", err=True)
    keys = assign_keys([(i, rec, "") for i, rec in records], {})
    pairs = [(keys[i], rec) for i, rec in records]
    if pairs:
        as_bib = fmt.lower() in ("bibtex", "bib")
        click.echo(bibtex.emit(pairs) if as_bib else csljson.emit(pairs), nl=False)
    if failed:
        sys.exit(ExitCode.STRICT)


@cli.command()
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), default=Path("sessions.toml"),
              show_default=True, help="The reading list.")
@click.option("--offline", is_flag=True, help="Only lint the links (malformed links, impossible ids, duplicates).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="text: grouped by session; json; github: ::error/::warning workflow commands.")
@click.option("--strict", is_flag=True, help="Also fail (exit 5) when a link is unverifiable.")
@click.option("--exclude", "excludes", multiple=True, metavar="REGEX",
              help="Do not fetch links matching REGEX (repeatable; adds to exclude in sessions.toml).")
@click.option("--cache", "cache_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Results cache file (default: linkcheck.json in the user cache dir).")
@click.option("--no-cache", is_flag=True, help="Check every link afresh and keep no results.")
@click.option("--max-age", default="1d", show_default=True, metavar="AGE",
              help="Reuse cached successes this long (90s, 30m, 6h, 7d); failures at most 1h.")
@click.option("--timeout", type=click.FloatRange(min=0.01), default=None,
              help="Seconds per request attempt (default 10, or BIBEXPORT_TIMEOUT).")
@click.option("--retries", type=click.IntRange(0, 10), default=2, show_default=True,
              help="Retries after a timeout, 429 or 5xx.")
@click.option("--max-retry-after", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="Longest Retry-After (seconds) honoured; a longer one makes the link unverifiable.")
@click.option("--jobs", type=click.IntRange(1, 64), default=8, show_default=True, help="Requests in flight.")
@click.option("--per-host", type=click.IntRange(1, 16), default=2, show_default=True,
              help="Requests in flight to one host.")
@click.option("--max-time", type=click.FloatRange(min=1), default=600.0, show_default=True,
              help="Start no new check after this many seconds (the rest are unverifiable).")
@click.option("--backoff", type=click.FloatRange(min=0), default=1.0, hidden=True)
@click.option("-v", "--verbose", is_flag=True, help="List ok links too.")
def check(config_path: Path, offline: bool, fmt: str, strict: bool, excludes: tuple[str, ...],
          cache_path: Path | None, no_cache: bool, max_age: str, timeout: float | None, retries: int,
          max_retry_after: float, jobs: int, per_host: int, max_time: float, backoff: float, verbose: bool) -> None:
    """Check every link of sessions.toml: lint offline, then arXiv/OpenReview ids through their APIs and other
    links with HEAD/GET.  Exit 0 when nothing is broken, 4 when a link is broken, 5 with --strict when a link
    could not be verified, 3 when sessions.toml is invalid."""
    import re

    from bibexport import config, linkcheck, lockfile
    from bibexport.errors import InputError
    from bibexport.linkcheck_report import RENDERERS
    from bibexport.model import Endpoints

    for pattern in excludes:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise click.BadParameter(f"bad regular expression {pattern!r}: {exc}", param_hint="--exclude")
    try:
        age = linkcheck.parse_duration(max_age)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--max-age")
    course = config.load_course(config_path, env=os.environ)
    try:  # evidence for arXiv/OpenReview ids the APIs will not confirm today; a link check does not need it
        lock = lockfile.load(config_path.with_name(config_path.stem + ".lock.json"))
    except InputError:
        lock = None
    checker = cache = None
    http = None
    if not offline:
        if timeout is None:  # a timeout from BIBEXPORT_TIMEOUT or sessions.toml wins over the check's default
            timeout = course.endpoints.timeout if course.endpoints.timeout != Endpoints().timeout else 10.0
        options = linkcheck.CheckOptions(timeout=timeout, retries=retries, backoff=backoff,
                                         max_retry_after=max_retry_after, jobs=jobs, per_host=per_host,
                                         max_time=max_time)
        http = linkcheck.make_check_http(course.endpoints, options)
        checker = linkcheck.Checker(http, course.endpoints, options)
        if not no_cache:
            cache = linkcheck.ResultCache(cache_path or linkcheck.default_cache_path(), age)
    try:
        if checker is not None:
            click.echo(f"checking the links of {config_path}…", err=True)
        report = linkcheck.run_check(course, checker, excludes=excludes, cache=cache, lock=lock)
    finally:
        if http is not None:
            http.close()
    if cache is not None:
        cache.save()
    click.echo(RENDERERS[fmt](report, verbose), nl=False)
    code = report.exit_code(strict)
    if code:
        sys.exit(code)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="bibexport")


if __name__ == "__main__":  # pragma: no cover
    main()
