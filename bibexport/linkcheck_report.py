"""Renderers for a :class:`bibexport.linkcheck.Report`: ``text`` (grouped by session), ``json`` and ``github``
(workflow commands that annotate ``sessions.toml`` lines in a pull request).  Pure: report in, str out."""

from __future__ import annotations

import json
from collections.abc import Callable

from bibexport.linkcheck import (
    BROKEN,
    ERROR,
    EXCLUDED,
    OK,
    UNCHECKED,
    UNVERIFIABLE,
    VERDICTS,
    WARNING,
    Report,
    Result,
)


def summary(report: Report) -> str:
    """``18 links: 15 ok, 1 broken, 2 unverifiable; 1 warning`` (verdicts with no link left out)."""
    counts = [f"{report.count(v)} {v}" for v in VERDICTS if report.count(v)]
    text = f"{len(report.results)} links" + (": " + ", ".join(counts) if counts else "")
    if report.warnings:
        text += f"; {report.warnings} warning{'s' if report.warnings != 1 else ''}"
    if report.offline:
        text += " (--offline: links were linted, not fetched)"
    if report.network_unavailable:
        text += "\n" + network_note(report)
    return text


def network_note(report: Report) -> str:
    """One sentence for a run without a network: what could not be checked and what only the lockfile vouches
    for (``""`` when the network was there)."""
    if not report.network_unavailable:
        return ""
    skipped = sum(1 for r in report.results if _is_network(r))
    vouched = sum(1 for r in report.results if r.from_lock)
    text = (f"network unavailable: none of the {report.hosts_tried} hosts tried could be reached (no DNS or no "
            f"connection), so {skipped} link{'s' if skipped != 1 else ''} could not be checked")
    if vouched:
        text += (f"; {vouched} arXiv/OpenReview link{'s are' if vouched != 1 else ' is'} ok only because "
                 "sessions.lock.json resolved them")
    return text + "; run again with a network (or use --offline to lint only)."


def _is_network(result: Result) -> bool:
    return result.via == "network"


def _worth_showing(result: Result, verbose: bool) -> bool:
    if _is_network(result) and not verbose:  # said once, in the summary
        return any(i.level == WARNING for i in result.issues)
    return verbose or result.verdict in (BROKEN, UNVERIFIABLE) or any(i.level == WARNING for i in result.issues)


def render_text(report: Report, verbose: bool = False) -> str:
    """A readable report grouped by session: problems first-class, ``ok`` links only with ``verbose``."""
    lines: list[str] = []
    sessions: dict[str, list[Result]] = {}
    for r in report.results:
        sessions.setdefault(r.link.session, []).append(r)
    for results in sessions.values():
        shown = [r for r in results if _worth_showing(r, verbose)]
        if not shown:
            continue
        first = results[0].link
        lines.append(f"{first.session_name} ({first.session})")
        for r in shown:
            lines += _text_result(report.path, r)
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def _text_result(path: str, r: Result) -> list[str]:
    label = {OK: "ok", BROKEN: "BROKEN", UNVERIFIABLE: "unverifiable", EXCLUDED: "excluded",
             UNCHECKED: "unchecked"}[r.verdict]
    cached = " (cached)" if r.cached else ""
    out = [f"  {label:<12} {path}:{r.link.line}  {r.link.url}", f"               {r.link.reading!r}"]
    if r.reason and r.verdict != OK or (r.verdict == OK and r.reason and r.via in ("arxiv", "openreview")):
        out.append(f"               {r.reason}{cached}")
    for issue in r.issues:
        if issue.level == ERROR and issue.message in r.reason:
            continue  # already the reason
        out.append(f"               {issue.level}: {issue.message}")
    if r.fix:
        out.append(f"               fix: write {r.fix}")
    return out


def render_json(report: Report, verbose: bool = True) -> str:
    """Every result as JSON (``summary`` counts, then ``results`` in sessions.toml order)."""
    doc = {
        "file": report.path,
        "offline": report.offline,
        "network": "unavailable" if report.network_unavailable else ("not used" if report.offline else "available"),
        "summary": {v: report.count(v) for v in VERDICTS} | {"warnings": report.warnings},
        "results": [
            {"url": r.link.url, "line": r.link.line, "session": r.link.session, "reading": r.link.reading,
             "role": r.link.role, "verdict": r.verdict, "reason": r.reason, "via": r.via, "cached": r.cached,
             "fix": r.fix, "issues": [dict(i.__dict__) for i in r.issues]}
            for r in report.results
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(level: str, path: str, line: int, title: str, message: str) -> str:
    """One GitHub Actions workflow command (``::error file=…,line=N,title=…::message``), escaped."""
    props = [f"file={_escape_property(path)}"]
    if line:
        props.append(f"line={line}")
    props.append(f"title={_escape_property(title)}")
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def render_github(report: Report, verbose: bool = False) -> str:
    """``::error`` for broken links, ``::warning`` for unverifiable ones and for warnings; then the summary."""
    lines = []
    for r in report.results:
        fix = f" Fix: write {r.fix}" if r.fix else ""
        if r.verdict == BROKEN:
            lines.append(github_command("error", report.path, r.link.line, "broken link",
                                        _sentence(f"{r.link.url} ({r.link.reading}): {r.reason}") + fix))
        elif r.verdict == UNVERIFIABLE and not _is_network(r):  # "no network" is said once, below
            lines.append(github_command("warning", report.path, r.link.line, "unverifiable link",
                                        f"{r.link.url} ({r.link.reading}): {r.reason}"))
        for issue in r.issues:
            if issue.level == WARNING:
                hint = f" Fix: write {issue.fix}" if issue.fix else ""
                lines.append(github_command("warning", report.path, r.link.line, issue.code.replace("-", " "),
                                            _sentence(f"{r.link.url} ({r.link.reading}): {issue.message}") + hint))
    if report.network_unavailable:
        lines.append(github_command("warning", report.path, 0, "no network", network_note(report)))
    lines.append(summary(report).split("\n")[0])
    return "\n".join(lines) + "\n"


#: Format name → renderer(report, verbose).
RENDERERS: dict[str, Callable[[Report, bool], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
}
