"""Command-line interface (the only module importing click).  Heavy modules are imported inside commands so
``bibexport --help`` starts fast.

Exit codes are documented in README ("Exit codes") and defined in :class:`bibexport.errors.ExitCode`.
"""

from __future__ import annotations

import datetime as dt
import os
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
@click.version_option(__version__, prog_name="bibexport")
def cli() -> None:
    """Turn a course reading list (sessions.toml) into BibTeX, CSL-JSON and formatted reference lists."""


def _stderr_progress() -> Any:
    if not sys.stderr.isatty():
        return lambda _msg: None

    def show(msg: str) -> None:
        click.echo(f"\r\033[K… {msg}"[:200], err=True, nl=False)

    return show


def _split_formats(values: Sequence[str]) -> list[str]:
    from bibexport.emitters import DEFAULT_FORMATS, FORMATS

    names = [v.strip() for value in values for v in value.split(",") if v.strip()] or list(DEFAULT_FORMATS)
    for name in names:
        if name not in FORMATS:
            raise click.BadParameter(f"unknown format {name!r}; choose from {', '.join(FORMATS)}", param_hint="--format")
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
@click.option("--strict", is_flag=True, help="Exit with code 5 when any reading stays unresolved.")
@click.option("--no-cache", is_flag=True, help="Do not use the on-disk caches (HTTP responses, rendered references).")
@click.option("--keep-preprints", is_flag=True, help="Cite arXiv preprints as preprints, never their published venue.")
def build(config_path: Path, out_dir: Path, offline: bool, refresh: tuple[str, ...], formats: tuple[str, ...],
          style: str | None, fragment: bool, strict: bool, no_cache: bool, keep_preprints: bool) -> None:
    """Resolve new readings and write readings.bib/.json/.md for the course and for each session."""
    from bibexport import config, lockfile, pipeline
    from bibexport.emitters import FORMATS, RenderOptions
    from bibexport.fsio import atomic_write, run_lock, write_tree

    fmts = _split_formats(formats)
    course = config.load_course(config_path, env=os.environ)
    if keep_preprints:
        from dataclasses import replace

        course = replace(course, keep_preprints=True)
    lock_path = config_path.with_name(config_path.stem + ".lock.json")
    with run_lock(lock_path):
        old = lockfile.load(lock_path)
        wanted = pipeline.select_refresh(refresh)
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
        lock = pipeline.pin_keys(lock, assembly.keys)
        from bibexport import rendercache

        cache = rendercache.for_build(fmts, enabled=not no_cache)
        opts = RenderOptions(style=style or course.style or "apa", fragment=fragment, cache=cache)
        files = _render_all(assembly.bibliography, fmts, out_dir, opts, FORMATS)
        write_tree(out_dir, files)  # out/ is swapped in whole: old or new tree, even after kill -9
        if lock != old or not lock_path.exists():  # a warm build changes nothing: skip serialising it again
            atomic_write(lock_path, lockfile.dumps(lock))  # last: a kill before it leaves the old lockfile
        rendercache.save(cache)  # only after a successful build
    _report(course, lock, offline and bool(todo), config_path)
    _report_undated(assembly.bibliography, config_path)
    click.echo(f"wrote {len(files)} files to {out_dir}/ and updated {lock_path}")
    unresolved = [e for e in lock.entries if e.status != "resolved"]
    if strict and unresolved:
        sys.exit(ExitCode.STRICT)


def _render_all(bib: Any, fmts: list[str], out_dir: Path, opts: Any, formats: Any) -> dict[Path, str]:
    files: dict[Path, str] = {}
    for name in fmts:
        fmt = formats[name]
        files[out_dir / fmt.filename] = fmt.render(bib, None, opts)
        for sb in bib.sessions:
            files[out_dir / sb.session.slug / fmt.filename] = fmt.render(bib, sb, opts)
    return files


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


def _report_undated(bib: Any, config_path: Path) -> None:
    """One warning per work with no date: BibTeX styles such as plainnat warn "empty year" for it."""
    seen: set[str] = set()
    for sb in bib.sessions:
        readings = [r for r in sb.session.readings if r.role == "required"]
        readings += [r for r in sb.session.readings if r.role == "further"]
        for reading, e in zip(readings, sb.required + sb.further):
            if e.record.issued or e.key in seen:
                continue
            seen.add(e.key)
            click.echo(f"  warning: {config_path}:{reading.line} {e.key}: no date known; add year = ... to the "
                       "reading (BibTeX styles such as plainnat warn on an empty year)", err=True)


@cli.command("import")
@click.argument("source_arg", metavar="SOURCE")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Where to write sessions.toml (default: print to stdout).")
@click.option("--format", "fmt", type=click.Choice(["auto", "text", "markdown"]), default="auto", show_default=True)
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("--update", is_flag=True, help="Merge new readings into the existing output file: hand edits and "
              "comments are kept, readings no longer in the list are reported, never deleted.")
def import_cmd(source_arg: str, output: Path | None, fmt: str, force: bool, update: bool) -> None:
    """Convert a reading list (a file, or an http(s) URL) into sessions.toml."""
    from bibexport.errors import InputError, Problem
    from bibexport.fsio import atomic_write
    from bibexport.importer import import_file, import_text
    from bibexport.importer.fetch import decode_source, fetch_source, is_url

    if update and output is None:
        raise click.UsageError("--update needs -o/--output: the sessions.toml to merge into")
    if output is not None and output.exists() and not force and not update:
        raise InputError([Problem(str(output), 0, "already exists",
                                  "pass --update to merge the new readings into it, or --force to overwrite it "
                                  "(hand edits in it would be lost)")])
    if is_url(source_arg):  # only this one URL is fetched, through the polite HTTP layer
        from bibexport.config import apply_env
        from bibexport.http import make_http
        from bibexport.model import Endpoints

        with make_http(apply_env(Endpoints(), os.environ), cache=False) as http:  # BIBEXPORT_TIMEOUT applies
            data, name = fetch_source(source_arg, http)
        result = import_text(decode_source(data, source_arg), source_name=name, fmt=fmt)
    else:
        source = Path(source_arg)
        if not source.exists():
            raise InputError([Problem(str(source), 0, "file not found")])
        from bibexport.config import MAX_INPUT_BYTES

        if source.stat().st_size > MAX_INPUT_BYTES:  # the importer would take minutes; surely not a reading list
            raise InputError([Problem(str(source), 0, f"file is {source.stat().st_size / 1e6:.1f} MB; bibexport "
                                      f"imports reading lists up to {MAX_INPUT_BYTES // 1_000_000} MB")])
        result = import_file(source, fmt=fmt)
    for msg in result.messages:
        click.echo(f"warning: {source_arg}:{msg.line}: {msg.message}", err=True)
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
@click.argument("items", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["bibtex", "csl-json"]), default="bibtex", show_default=True)
@click.option("--no-cache", is_flag=True, help="Do not use the on-disk HTTP cache.")
def resolve(items: tuple[str, ...], fmt: str, no_cache: bool) -> None:
    """Print BibTeX (or CSL-JSON) for ad-hoc links and ids (arXiv, OpenReview, DOI, web)."""
    from bibexport import config, pipeline
    from bibexport.emitters import bibtex, csljson
    from bibexport.http import make_http
    from bibexport.keys import assign_keys
    from bibexport.model import Course, Reading

    course = Course(sessions=(), endpoints=config.apply_env(Course(sessions=()).endpoints, os.environ))
    readings = [Reading(title="", links=(item,)) for item in items]
    http = make_http(course.endpoints, cache=not no_cache)
    try:
        results = pipeline.resolve_readings([pipeline.plan(r) for r in readings], http, course)
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
        click.echo(bibtex.emit(pairs) if fmt == "bibtex" else csljson.emit(pairs), nl=False)
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
