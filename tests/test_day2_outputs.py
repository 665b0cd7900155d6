"""Day two (issue 14): what an instructor hits week after week with ``out/`` — unchanged files keep their inode and
mtime, files bibexport no longer writes are removed (only those it wrote), heading levels for pasting, the
README's citing examples compile, ``--refresh`` with a typo, links without a scheme.

Every build runs the real CLI in a subprocess (``tests.test_build.run``), offline: the readings carry manual
fields, so nothing needs the network."""

from __future__ import annotations

import os
from pathlib import Path

from tests.test_build import run

SESSION = """
[[sessions]]
slug = "{slug}"
name = "{name}"
date = 2024-02-{day:02d}

[[sessions.required]]
title = "{title}"
links = ["https://example.org/{slug}/paper"]
authors = ["{author}, Jane"]
year = 2023
key = "{slug}paper"
"""
THREE = "[course]\ntitle = \"Day two\"\n" + "".join(
    SESSION.format(slug=slug, name=slug.title(), day=i + 1, title=f"Paper on {slug}", author=f"Author{i}")
    for i, slug in enumerate(["basics", "alignment", "evaluation"]))
EXTRA = """
[[sessions.further]]
title = "A new reading for alignment"
links = ["https://example.org/alignment/extra"]
authors = ["Newcomer, Nina"]
year = 2024
key = "newreading"
"""


def _course(tmp_path: Path, text: str = THREE) -> Path:
    (tmp_path / "sessions.toml").write_text(text, encoding="utf-8")
    return tmp_path


def _build(work: Path, *args: str) -> str:
    proc = run(["build", "--offline", *args], work)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr + proc.stdout


def _stats(out: Path) -> dict[str, tuple[int, int]]:
    """Every output file (not the manifest) → (inode, mtime in ns)."""
    return {str(p.relative_to(out)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


# ------------------------------------------------------------------ 1. unchanged files keep inode and mtime


def test_adding_a_reading_rewrites_only_that_session_and_the_course_files(tmp_path: Path) -> None:
    work = _course(tmp_path)
    _build(work)
    out = work / "out"
    before = _stats(out)
    assert len(before) == 12  # 3 formats × (course + 3 sessions)
    # Add a reading to one session: the other sessions' files must keep inode and mtime through the swap.
    text = THREE.replace('key = "alignmentpaper"\n', 'key = "alignmentpaper"\n' + EXTRA)
    (work / "sessions.toml").write_text(text, encoding="utf-8")
    _build(work)
    after = _stats(out)
    assert set(after) == set(before)
    for name in before:
        session = name.split("/")[0] if "/" in name else ""
        if session in ("basics", "evaluation"):
            assert after[name] == before[name], f"{name} was rewritten although its bytes did not change"
        else:  # the changed session's files and the course files changed
            assert after[name][0] != before[name][0], f"{name} should have been rewritten"
    assert "newreading" in (out / "alignment" / "readings.bib").read_text(encoding="utf-8")
    assert "newreading" in (out / "readings.bib").read_text(encoding="utf-8")
    # Nothing left beside out/ (staging or old trees).
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".out")) == []
