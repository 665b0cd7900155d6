"""The CLI as a user meets it: import, style errors, formats, exit codes (subprocess, no network)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.test_build import run

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "import" / "seed-reading-list.txt"


def test_import_seed_through_the_cli(tmp_path: Path) -> None:
    proc = run(["import", str(SEED), "-o", "sessions.toml"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "wrote sessions.toml: 3 sessions, 18 readings" in proc.stderr
    assert f"warning: {SEED}:38: repaired link \"https://arxiv.org/abs/2203.02155)\"" in proc.stderr
    data = tomllib.loads((tmp_path / "sessions.toml").read_text(encoding="utf-8"))
    assert [s["date"].isoformat() for s in data["sessions"]] == ["2024-02-08", "2024-02-06", "2024-01-30"]
    # The committed sessions.toml is this output plus hand edits (kept in the lockfile).
    shipped = tomllib.loads((ROOT / "sessions.toml").read_text(encoding="utf-8"))
    titles = [r["title"] for s in data["sessions"] for part in ("required", "further") for r in s.get(part, [])]
    assert titles == [r["title"] for s in shipped["sessions"] for p in ("required", "further") for r in s.get(p, [])]
    # An existing file is not overwritten without --force (hand edits would be lost).
    again = run(["import", str(SEED), "-o", "sessions.toml"], tmp_path)
    assert again.returncode == 3 and "already exists" in again.stderr and "--force" in again.stderr
    assert run(["import", str(SEED), "-o", "sessions.toml", "--force"], tmp_path).returncode == 0
    # Without -o the TOML goes to stdout, warnings to stderr.
    out = run(["import", str(SEED)], tmp_path)
    assert tomllib.loads(out.stdout)["sessions"][0]["slug"] == "basicllm"
    missing = run(["import", "nope.txt"], tmp_path)
    assert missing.returncode == 3 and "nope.txt: file not found" in missing.stderr


def seed_copy(tmp_path: Path) -> Path:
    for name in ("sessions.toml", "sessions.lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_unknown_style_suggests_and_writes_nothing(tmp_path: Path) -> None:
    course = seed_copy(tmp_path)
    proc = run(["build", "--offline", "--style", "ieeee", "-f", "md"], course)
    assert proc.returncode == 2
    assert "unknown style" in proc.stderr and "ieee" in proc.stderr and "Traceback" not in proc.stderr
    assert not (course / "out").exists()


def test_formats_and_styles(tmp_path: Path) -> None:
    course = seed_copy(tmp_path)
    proc = run(["build", "--offline", "-f", "html,txt", "--style", "ieee", "--fragment"], course)
    assert proc.returncode == 0, proc.stderr
    html = (course / "out" / "alignment" / "readings.html").read_text(encoding="utf-8")
    assert not html.lstrip().lower().startswith("<!doctype") and "<h1>Alignment" in html
    txt = (course / "out" / "readings.txt").read_text(encoding="utf-8")
    assert "[1]" in txt and "Mistral 7B" in txt
    assert not (course / "out" / "readings.bib").exists()  # only what was asked for
    # Issue 14.14: the spellings `resolve --format` takes are accepted by `build -f` too.
    aliased = run(["build", "--offline", "-f", "bibtex,json", "-o", "aliased"], course)
    assert aliased.returncode == 0, aliased.stderr
    written = {p.name for p in (course / "aliased").iterdir() if p.is_file()} - {".bibexport-manifest.json"}
    assert written == {"readings.bib", "readings.json"}
    bad = run(["build", "--offline", "-f", "docx"], course)
    assert bad.returncode == 2 and "unknown format 'docx'" in bad.stderr


def test_version_and_help_exit_zero(tmp_path: Path) -> None:
    version = run(["--version"], tmp_path).stdout
    # Identifies this tool: the CTAN script of the same name (texlive-bibtex-extra) prints its own usage instead.
    assert version.startswith("bibexport 0.") and "not the CTAN bibexport script" in version
    helped = run(["build", "--help"], tmp_path)
    assert helped.returncode == 0 and "--offline" in helped.stdout and "--refresh" in helped.stdout


def test_keep_case_words_keep_their_case_in_bib_and_csl(tmp_path: Path) -> None:
    import json

    course = seed_copy(tmp_path)
    text = (course / "sessions.toml").read_text(encoding="utf-8")
    (course / "sessions.toml").write_text(text.replace("[course]", '[course]\nkeep_case = ["Pile", "Collection"]', 1),
                                          encoding="utf-8")
    proc = run(["build", "--offline", "-f", "bib,csl-json"], course)
    assert proc.returncode == 0, proc.stderr
    bib = (course / "out" / "readings.bib").read_text(encoding="utf-8")
    assert "{The {Pile}: An {800GB} Dataset" in bib or "The {Pile}: An {800GB} Dataset" in bib
    assert "{Collection}: Designing" in bib  # "Flan" too, since the head names the work (issue 14, point 12)
    items = json.loads((course / "out" / "readings.json").read_text(encoding="utf-8"))
    pile = next(i for i in items if i["id"] == "gao2020pile")
    assert '<span class="nocase">Pile</span>' in pile["title"]
    bad = run(["build", "--offline"], _with(course, 'keep_case = ["Pile", "Collection"]', 'keep_case = "Pile"'))
    assert bad.returncode == 3 and "'keep_case' must be a list of single words" in bad.stderr


def _with(course: Path, old: str, new: str) -> Path:
    path = course / "sessions.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return course
