"""Our plain-text reference lists against pandoc's citeproc (the Haskell citeproc, close to citeproc-js).

The seed's CSL-JSON (our own CSL-JSON emitter's output) is rendered by ``pandoc --citeproc`` with the very same
``.csl`` file, to plain text, and compared with ``reflist.emit(..., fmt="txt")`` entry by entry.  Where they
still differ, the difference is listed in :data:`KNOWN_DIFFERENCES` with the reason; a listed difference
that no longer occurs fails the test too, so the list stays true.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_reflist import seed_bibliography, seed_list

from bibexport.emitters import csljson
from bibexport.emitters.styles import resolve_style
from bibexport.model import Entry

pytestmark = [pytest.mark.pandoc, pytest.mark.skipif(shutil.which("pandoc") is None, reason="needs pandoc")]

#: (style, key) -> [(ours, pandoc's, why)]: replacing ``ours`` by ``pandoc's`` in our entry gives pandoc's entry.
KNOWN_DIFFERENCES: dict[tuple[str, str], list[tuple[str, str, str]]] = {
    # None left for the seed.  Fixed around citeproc-py instead (see bibexport/emitters/reflist.py):
    # "ArXiv:" (capitalize-first), an authorless title printed twice (substitute), "Thirty-seventh" (title case
    # of hyphenated words), "[Online]." without an access date (group suppression), "”," (punctuation in
    # quotes), "[1]A." (second-field-align).  Add an entry here, with its reason, for any new difference.
}


def _pandoc_entries(style_path: Path, entries: list[Entry], tmp_path: Path) -> list[str]:
    data = tmp_path / "items.json"
    data.write_text(csljson.emit([(e.key, e.record) for e in entries]), encoding="utf-8")
    doc = "---\nnocite: '@*'\n---\n"
    out = subprocess.run(
        ["pandoc", "--citeproc", "--csl", str(style_path), "--bibliography", str(data), "-f", "markdown",
         "-t", "plain", "--wrap=none"],
        input=doc, capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", out) if block.strip()]


def _our_entries(style: str) -> list[str]:
    """Entry lines of our txt list: not headings, underlines, part titles or indented link lines."""
    lines = seed_list(style, "txt").splitlines()
    return [
        line for i, line in enumerate(lines)
        if line and not line.startswith("    ") and not line.endswith(":")
        and not re.fullmatch(r"[=-]+", line) and not (i + 1 < len(lines) and re.fullmatch(r"[=-]+", lines[i + 1]))
    ]


def _match(text: str, entries: list[Entry]) -> Entry:
    hits = [e for e in entries if e.record.title.casefold() in text.casefold()]
    assert len(hits) == 1, (text, [e.key for e in hits])
    return hits[0]


@functools.cache
def _style_path(style: str) -> Path:
    path = resolve_style(style).path
    assert path is not None
    return path


@pytest.mark.parametrize("style", ["apa", "ieee", "course-notes"])
def test_txt_matches_pandoc_citeproc(style: str, tmp_path: Path) -> None:
    entries = list(seed_bibliography().entries)
    theirs = {_match(t, entries).key: t for t in _pandoc_entries(_style_path(style), entries, tmp_path)}
    ours = {_match(t, entries).key: t for t in _our_entries(style)}
    assert set(ours) == set(theirs) == {e.key for e in entries}
    for key, text in ours.items():
        for mine, pandoc, why in KNOWN_DIFFERENCES.get((style, key), []):
            assert mine in text, f"listed difference no longer occurs for {key}: {why}"
            text = text.replace(mine, pandoc)
        assert text == theirs[key], key


def test_known_differences_name_real_entries() -> None:
    keys = {e.key for e in seed_bibliography().entries}
    assert {key for _, key in KNOWN_DIFFERENCES} <= keys
