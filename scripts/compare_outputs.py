#!/usr/bin/env python3
"""Show that a change kept the shipped course's outputs and lockfile byte-identical (refactors promise it).

Usage: scripts/compare_outputs.py REV [REV2]   (REV2 defaults to the working tree)

Each side is exported with ``git archive`` (the working tree is used as it is), then ``bibexport build --offline``
runs on the repository's own ``sessions.toml`` with every format, a private cache folder and no render cache.
Prints the files that differ (out/ and sessions.lock.json) and exits 1 when any does, 0 when all are identical.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMATS = "bib,csl-json,md,html,txt"


def export(rev: str | None, dest: Path) -> Path:
    """The tree at ``rev`` (None: the working tree) under ``dest``."""
    dest.mkdir(parents=True)
    if rev is None:
        shutil.copytree(ROOT, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git", "out", ".hypothesis"))
        return dest
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev], check=True,
                             capture_output=True).stdout
    tar_path = dest.parent / f"{dest.name}.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(dest, filter="data")
    return dest


def build(tree: Path) -> subprocess.CompletedProcess[str]:
    """``bibexport build --offline`` of ``tree``'s own code on its own sessions.toml."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIBEXPORT_")}
    env.update(PYTHONPATH=str(tree), BIBEXPORT_CACHE_DIR=str(tree / ".cache"), BIBEXPORT_LOCK_DIR=str(tree / ".locks"))
    return subprocess.run([sys.executable, "-m", "bibexport", "build", "--offline", "--no-cache", "-f", FORMATS],
                          cwd=tree, env=env, capture_output=True, text=True, check=False)


def differences(a: Path, b: Path) -> list[str]:
    """Relative paths of files that differ or exist on one side only (out/ and the lockfile)."""
    out: list[str] = []
    if not filecmp.cmp(a / "sessions.lock.json", b / "sessions.lock.json", shallow=False):
        out.append("sessions.lock.json")
    files = {p.relative_to(a / "out") for p in (a / "out").rglob("*") if p.is_file()}
    files |= {p.relative_to(b / "out") for p in (b / "out").rglob("*") if p.is_file()}
    for rel in sorted(files):
        left, right = a / "out" / rel, b / "out" / rel
        if not (left.exists() and right.exists()) or not filecmp.cmp(left, right, shallow=False):
            out.append(f"out/{rel}")
    return out


def main(argv: list[str]) -> int:
    """Compare REV with REV2 (or the working tree)."""
    if not argv or len(argv) > 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bibexport-compare-") as scratch:
        sides = [export(rev, Path(scratch) / f"side{i}") for i, rev in enumerate([argv[0], *(argv[1:] or [None])])]
        for side in sides:
            proc = build(side)
            if proc.returncode != 0:
                print(f"build failed in {side.name}:\n{proc.stderr}", file=sys.stderr)
                return 2
        diff = differences(*sides)
    for rel in diff:
        print(f"differs: {rel}")
    print("identical" if not diff else f"{len(diff)} file(s) differ")
    return 1 if diff else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
