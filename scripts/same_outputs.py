"""Show that a refactoring changed no behaviour: run the same `bibexport` commands with the code of a base commit
and with this checkout, and compare everything they produce (stdout, stderr, exit code, out/, the lockfile).

    python3 scripts/same_outputs.py            # base: the merge-base with main
    python3 scripts/same_outputs.py 92cb94c    # any commit

The scenarios cover the seed (`build --offline`, warm, `-f md` leaving stale formats, an added reading with a
malformed link, `--strict`, a renamed session slug that removes a folder, html/txt with a style), the usage
errors, `check --offline` in its three formats, an invalid sessions.toml, and an online build of
tests/test_build.py's course against the replay server (tests/fixtures).  No internet.  Exit 1 on any difference.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

Step = tuple[str, str, list[str]]  # (name, course folder, bibexport arguments)


def _add_reading(folder: Path) -> None:
    toml = folder / "sessions.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[[sessions.required]]\ntitle = "A brand new paper"\n'
                    'links = ["arxiv.org/abs/2401.00001"]\n', encoding="utf-8")


def _rename_slug(folder: Path) -> None:
    toml = folder / "sessions.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('slug = "', 'slug = "renamed-', 1), encoding="utf-8")
    (folder / "out" / "notes.txt").write_text("mine\n", encoding="utf-8")


def _break_toml(folder: Path) -> None:
    with (folder / "sessions.toml").open("a", encoding="utf-8") as f:
        f.write("garbage = [\n")


# Each scenario: a course folder (seeded from the repository, or from test_build's COURSE) and steps; a callable
# step edits the folder between commands.
SCENARIOS: dict[str, list[Step | Callable[[Path], None]]] = {
    "seed": [("seed", "", ["build", "--offline"]), ("warm", "", ["build", "--offline"]),
             ("md", "", ["build", "--offline", "-f", "md"]), _add_reading,
             ("changed-md", "", ["build", "--offline", "-f", "md"]),
             ("strict", "", ["build", "--offline", "--strict"]),
             ("refresh-offline", "", ["build", "--offline", "--refresh"]),
             ("refresh-typo", "", ["build", "--refresh", "holistc"]),
             ("bad-format", "", ["build", "--offline", "-f", "pdf"])],
    "html": [("html", "", ["build", "--offline", "-f", "html,txt", "--style", "ieee", "--fragment",
                           "--heading-level", "3"]), _rename_slug,
             ("renamed", "", ["build", "--offline", "-f", "html,txt", "--style", "ieee", "--fragment"])],
    "check": [("check", "", ["check", "--offline"]), ("check-json", "", ["check", "--offline", "--format", "json"]),
              ("check-github", "", ["check", "--offline", "--format", "github"]),
              ("check-bad-re", "", ["check", "--offline", "--exclude", "("]),
              ("check-bad-age", "", ["check", "--offline", "--max-age", "xx"])],
    "bad": [_break_toml, ("bad-build", "", ["build", "--offline"]), ("bad-check", "", ["check", "--offline"])],
    "online": [("online", "", ["build", "--no-cache", "-f", "bib,csl-json,md"]),
               ("online-warm", "", ["build", "--no-cache"])],
}


def run_all(code: Path, results: Path, server_env: dict[str, str]) -> None:
    """Run every scenario with the package in ``code``; everything lands in ``results``."""
    from tests.test_build import COURSE

    for name, steps in SCENARIOS.items():
        folder = results / name
        folder.mkdir(parents=True)
        if name == "online":
            (folder / "sessions.toml").write_text(COURSE, encoding="utf-8")
        else:
            for f in ("sessions.toml", "sessions.lock.json"):
                shutil.copy(ROOT / f, folder / f)
        for step in steps:
            if callable(step):
                step(folder)
                continue
            label, _, args = step
            env = {k: v for k, v in os.environ.items() if not k.startswith(("BIBEXPORT_", "OPENREVIEW_"))}
            env.update(server_env if name == "online" else {})
            env.update(PYTHONPATH=str(code), BIBEXPORT_CACHE_DIR=str(results / ".cache" / name),
                       BIBEXPORT_LOCK_DIR=str(results / ".locks"))
            proc = subprocess.run([sys.executable, "-m", "bibexport", *args], cwd=folder, env=env,
                                  capture_output=True, text=True, timeout=300, check=False)
            log = results / ".log" / label
            log.mkdir(parents=True)
            (log / "stdout").write_text(proc.stdout, encoding="utf-8")
            (log / "stderr").write_text(proc.stderr, encoding="utf-8")
            (log / "exit").write_text(f"{proc.returncode}\n", encoding="utf-8")
    shutil.rmtree(results / ".cache")
    shutil.rmtree(results / ".locks", ignore_errors=True)


def differences(a: Path, b: Path) -> list[str]:
    """Every file that differs or exists on one side only, as paths relative to the roots."""
    out: list[str] = []

    def walk(cmp: filecmp.dircmp[str], rel: Path) -> None:
        out.extend(str(rel / n) + " (one side only)" for n in cmp.left_only + cmp.right_only)
        out.extend(str(rel / n) for n in cmp.diff_files + cmp.funny_files)
        for sub, child in cmp.subdirs.items():
            walk(child, rel / sub)

    walk(filecmp.dircmp(a, b, ignore=[]), Path())
    return sorted(out)


def main(argv: list[str]) -> int:
    from tests.replay import ReplayServer

    base = argv[0] if argv else subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True,
                                               text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="same-outputs-") as tmp:
        old_code = Path(tmp) / "base"
        old_code.mkdir()
        archive = subprocess.run(["git", "archive", base, "bibexport"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(old_code)], input=archive.stdout, check=True)
        for label, code in (("before", old_code), ("after", ROOT)):
            with ReplayServer() as server:
                run_all(code, Path(tmp) / label, server.env())
        diff = differences(Path(tmp) / "before", Path(tmp) / "after")
        for line in diff:
            print(f"differs: {line}")
        steps = sum(1 for steps in SCENARIOS.values() for s in steps if not callable(s))
        print(f"{steps} commands run with {base[:12]} and with this checkout: "
              + ("identical (stdout, stderr, exit codes, out/, lockfiles)" if not diff else f"{len(diff)} differences"))
        return 1 if diff else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
