#!/usr/bin/env python3
"""Import every list of the corpus (tests/fixtures/import/corpus/<slug>/) and compare with its hand-checked
expected.json: reading precision and recall, session assignment and required/further per list.

Usage: scripts/corpus_report.py [CORPUS_DIR ...]   (default: tests/fixtures/import/corpus)

A reading matches an expected one by a shared normalised link, else by its normalised title.  Session
assignment: each expected session is mapped to the imported session most of its matched readings landed in;
a reading is well placed when it landed there.  Lists whose format has no reader yet are reported, not scored.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT = ROOT / "tests" / "fixtures" / "import" / "corpus"


def norm_url(url: str) -> str:
    """A link as compared: no scheme, www., trailing slash, arXiv version or abs/pdf difference; lower case."""
    u = re.sub(r"(?i)^https?://(www\.)?", "", url.strip()).rstrip("/")
    u = re.sub(r"(?i)^arxiv\.org/(abs|pdf)/([\d.]+?)(v\d+)?(\.pdf)?$", r"arxiv:\2", u)
    return u.casefold()


def norm_title(title: str) -> str:
    """A title as compared: letters and digits only, case-folded, accents removed."""
    t = unicodedata.normalize("NFKD", title)
    return re.sub(r"[^a-z0-9]+", "", t.casefold())


@dataclass
class Score:
    """One list's figures."""

    slug: str
    expected: int
    got: int
    matched: int
    placed: int
    sectioned: int
    status: str = ""

    @property
    def precision(self) -> float:
        return self.matched / self.got if self.got else (1.0 if not self.expected else 0.0)

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def session(self) -> float:
        return self.placed / self.matched if self.matched else 1.0

    @property
    def section(self) -> float:
        return self.sectioned / self.matched if self.matched else 1.0


def lists(corpus: Path) -> list[Path]:
    """The expected.json files of a corpus directory (none when it does not exist)."""
    return sorted(corpus.glob("*/expected.json")) if corpus.is_dir() else []


def score(expected_path: Path) -> Score:
    """Import one list and compare it with its expected.json."""
    from bibexport.errors import InputError
    from bibexport.importer import import_file

    slug = expected_path.parent.name
    spec = json.loads(expected_path.read_text(encoding="utf-8"))
    expected = [
        (si, r) for si, s in enumerate(spec.get("sessions", [])) for r in s.get("readings", [])
    ]
    source = expected_path.parent / spec["input"]
    try:
        result = import_file(source)
    except InputError as exc:
        status = "no reader" if "not available" in str(exc) else f"error: {str(exc)[:60]}"
        return Score(slug, len(expected), 0, 0, 0, 0, status)
    got = [(si, r) for si, s in enumerate(result.course.sessions) for r in s.readings]
    used: set[int] = set()
    pairs: list[tuple[int, int, int]] = []  # (expected index, got index, …)
    for ei, (_, er) in enumerate(expected):
        elinks = {norm_url(u) for u in er.get("links", [])}
        etitle = norm_title(er.get("title", ""))
        best = None
        for gi, (_, gr) in enumerate(got):
            if gi in used:
                continue
            if elinks & {norm_url(link.url) for link in gr.links}:
                best = gi
                break
        if best is None:
            best = next((gi for gi, (_, gr) in enumerate(got) if gi not in used and etitle
                         and norm_title(gr.title) == etitle), None)
        if best is not None:
            used.add(best)
            pairs.append((ei, best, 0))
    votes: dict[int, Counter[int]] = {}
    for ei, gi, _ in pairs:
        votes.setdefault(expected[ei][0], Counter())[got[gi][0]] += 1
    # one-to-one: the strongest (expected session, imported session) pairs first, each side used once
    mapping: dict[int, int] = {}
    taken: set[int] = set()
    for n, es, gs in sorted(((n, es, gs) for es, c in votes.items() for gs, n in c.items()), reverse=True):
        if es not in mapping and gs not in taken:
            mapping[es] = gs
            taken.add(gs)
    placed = sum(1 for ei, gi, _ in pairs if mapping.get(expected[ei][0]) == got[gi][0])
    sectioned = sum(1 for ei, gi, _ in pairs if expected[ei][1].get("section", "required") == got[gi][1].section)
    return Score(slug, len(expected), len(got), len(pairs), placed, sectioned)


def table(scores: list[Score]) -> str:
    """The per-list table (Markdown), with a total row."""
    rows = ["| list | expected | imported | precision | recall | session | section | note |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    for s in scores:
        rows.append(f"| {s.slug} | {s.expected} | {s.got} | {s.precision:.0%} | {s.recall:.0%} | "
                    f"{s.session:.0%} | {s.section:.0%} | {s.status} |")
    scored = [s for s in scores if s.status != "no reader"]
    total = Score("**all**", *(sum(getattr(s, k) for s in scored)
                               for k in ("expected", "got", "matched", "placed", "sectioned")))
    rows.append(f"| {total.slug} | {total.expected} | {total.got} | {total.precision:.0%} | {total.recall:.0%} | "
                f"{total.session:.0%} | {total.section:.0%} | |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    """Print the table for the corpus directories given (default: the repository's)."""
    dirs = [Path(a) for a in argv] or [DEFAULT]
    scores = [score(p) for d in dirs for p in lists(d)]
    if not scores:
        print("no corpus lists found")
        return 0
    print(table(scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
