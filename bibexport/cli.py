"""Command-line interface (the only module importing click).  Heavy modules are imported inside commands so
``bibexport --help`` starts fast.

Exit codes are documented in README ("Exit codes") and defined in :class:`bibexport.errors.ExitCode`.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bibexport import __version__
from bibexport.errors import BibexportError, ExitCode, OptionError

if TYPE_CHECKING:
    from bibexport.report import ProgressEvent


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


def _show_progress(config_path: Path) -> Callable[[ProgressEvent], None]:
    """Progress on stderr: the start of resolution and of the link check always, each batch only on a terminal
    (overwriting one line, cleared when the sources have answered)."""
    from bibexport.report import Stage

    tty = sys.stderr.isatty()

    def show(event: ProgressEvent) -> None:
        if event.stage is Stage.RESOLVING:
            click.echo(f"resolving {event.count} reading(s)…", err=True)
        elif event.stage is Stage.CHECKING:
            click.echo(f"checking the links of {config_path}…", err=True)
        elif tty and event.stage is Stage.STEP:
            click.echo(f"\r\033[K… {event.message}"[:200], err=True, nl=False)
        elif tty and event.stage is Stage.RESOLVED:
            click.echo("\r\033[K", err=True, nl=False)

    return show


#: The command-line option of each argument of :func:`bibexport.build` / :func:`bibexport.check`.
_OPTION_OF = {"formats": "--format", "refresh": "--refresh", "excludes": "--exclude", "max_age": "--max-age"}


@contextlib.contextmanager
def _usage_errors() -> Iterator[None]:
    """A bad argument is a usage error of its option (click prints the usage line and exits with 2)."""
    try:
        yield
    except OptionError as exc:
        if exc.name:
            raise click.BadParameter(exc.message, param_hint=_OPTION_OF.get(exc.name, exc.name)) from None
        raise click.UsageError(exc.message) from None


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
    from bibexport import api
    from bibexport.report import build_report_lines, build_summary

    with _usage_errors():
        report = api.build(config_path, out_dir=out_dir, offline=offline, refresh=refresh, formats=formats,
                           style=style, fragment=fragment, heading_level=heading_level, strict=strict,
                           use_cache=not no_cache, keep_preprints=keep_preprints,
                           progress=_show_progress(config_path))
    for line in build_report_lines(report):
        click.echo(line, err=True)
    click.echo(build_summary(report))
    if report.exit_status:
        sys.exit(report.exit_status)


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
    from bibexport.emitters import bibtex, canonical_format, csljson
    from bibexport.http import make_http
    from bibexport.keys import assign_keys
    from bibexport.model import Course, Endpoints, Reading

    course = Course(sessions=(), endpoints=config.apply_env(Endpoints(), os.environ))
    readings = [Reading(title="", links=(item,)) for item in items]
    targets = [pipeline.plan(r) for r in readings]
    unknown = [t.reading.links[0] for t in targets if t.primary is None and not t.fallbacks]
    if unknown:  # a bad argument (exit 2), told apart from a link that could not be resolved (exit 5)
        raise click.BadParameter(
            f"not a link or identifier: {', '.join(map(repr, unknown))} (give an http(s) link, arXiv:ID, "
            "doi:10.…, or an OpenReview link)", param_hint="URL_OR_ID")
    with make_http(course.endpoints, cache=not no_cache) as http:
        results = pipeline.resolve_readings(targets, http, course)
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
        as_bib = canonical_format(fmt) == "bib"  # the aliases of build -f: bibtex is bib, json is csl-json
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
    from bibexport import api
    from bibexport.linkcheck_report import RENDERERS

    with _usage_errors():
        report = api.check(config_path, offline=offline, strict=strict, excludes=excludes, cache_path=cache_path,
                           use_cache=not no_cache, max_age=max_age, timeout=timeout, retries=retries,
                           max_retry_after=max_retry_after, jobs=jobs, per_host=per_host, max_time=max_time,
                           backoff=backoff, progress=_show_progress(config_path))
    click.echo(RENDERERS[fmt](report.links, verbose), nl=False)
    if report.exit_status:
        sys.exit(report.exit_status)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="bibexport")


if __name__ == "__main__":  # pragma: no cover
    main()
