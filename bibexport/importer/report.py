"""The import report: what a reader found (sessions, readings, links kept), what it skipped and why, and the
lines it did not understand, each kind with a few examples (all of them when verbose).  Pure: text out."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from bibexport.importer.model import SkipReason

if TYPE_CHECKING:
    from bibexport.importer import ImportResult

EXAMPLES = 3  # examples shown per kind without --verbose


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _shown(items: list[str], verbose: bool) -> list[str]:
    if verbose or len(items) <= EXAMPLES:
        return items
    return [*items[:EXAMPLES], f"… and {len(items) - EXAMPLES} more (-v lists them all)"]


def render_report(result: ImportResult, source: str, *, verbose: bool = False) -> str:
    """The report text for stderr (ends with a newline)."""
    course = result.course
    kept = sum(len(r.links) for r in course.readings())
    out = [
        (
            f"imported {source} ({result.format}): {_plural(result.sessions, 'session')}, "
            f"{_plural(result.readings, 'reading')}, {_plural(kept, 'link')} kept, "
            f"{_plural(len(course.skipped), 'link')} skipped, {_plural(len(course.unplaced), 'line')} not understood"
        )
    ]
    by_reason = Counter(k.reason for k in course.skipped)
    for reason in SkipReason:
        if not by_reason[reason]:
            continue
        links = [k for k in course.skipped if k.reason is reason]
        out.append(f"  skipped {by_reason[reason]} ({reason.value}):")
        out += [
            "    " + line
            for line in _shown(
                [f"{source}:{k.line}: {k.url}" + (f' ("{k.text}")' if k.text else "") for k in links], verbose
            )
        ]
    unplaced = set(course.unplaced)
    notes = [m for m in course.messages if m.line in unplaced and m.message.startswith("could not place")]
    if notes:
        out.append(f"  not understood ({len(notes)}):")
        out += ["    " + line for line in _shown([f"{source}:{m.line}: {m.message}" for m in notes], verbose)]
    warnings = [m for m in course.messages if m not in notes]
    out += _shown([f"warning: {source}:{m.line}: {m.message}" for m in warnings], verbose)
    return "\n".join(out) + "\n"
