"""Day two (issue 14): what an instructor hits week after week with ``out/`` — unchanged files keep their inode and
mtime, files bibexport no longer writes are removed (only those it wrote), heading levels for pasting, the
README's citing examples compile, ``--refresh`` with a typo, links without a scheme.

Every build runs the real CLI in a subprocess (``tests.test_build.run``), offline: the readings carry manual
fields, so nothing needs the network."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.judges import Compiled, problems
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


# ------------------------------------------------------------------ 2. files bibexport no longer writes


def test_a_renamed_session_leaves_no_old_folder_but_the_users_files_stay(tmp_path: Path) -> None:
    work = _course(tmp_path)
    _build(work)
    out = work / "out"
    manifest = json.loads((out / ".bibexport-manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(str(p.relative_to(out)) for p in out.rglob("readings.*"))
    (out / "notes.md").write_text("my notes\n", encoding="utf-8")  # the user's, at the top
    (out / "basics" / "slides.tex").write_text("\\documentclass{beamer}\n", encoding="utf-8")  # in a folder
    text = THREE.replace('slug = "evaluation"', 'slug = "evals"').replace('slug = "basics"', 'slug = "intro"')
    (work / "sessions.toml").write_text(text, encoding="utf-8")
    report = _build(work)
    assert not (out / "evaluation").exists()  # all its files were bibexport's: the folder is gone
    assert sorted(p.name for p in (out / "basics").iterdir()) == ["slides.tex"]  # the user's file keeps it
    assert (out / "notes.md").read_text(encoding="utf-8") == "my notes\n"
    assert sorted(p.name for p in (out / "evals").iterdir()) == ["readings.bib", "readings.json", "readings.md"]
    assert "removed: out/evaluation/ " in report
    assert "removed: out/basics/readings.bib " in report
    manifest = json.loads((out / ".bibexport-manifest.json").read_text(encoding="utf-8"))
    assert not any(k.startswith(("basics/", "evaluation/")) for k in manifest["files"])
    assert "notes.md" not in manifest["files"]
    # A rebuild changes nothing: the same files, nothing more removed.
    again = _build(work)
    assert "removed" not in again and (out / "notes.md").exists() and (out / "basics" / "slides.tex").exists()


def test_an_old_output_edited_by_hand_is_never_removed(tmp_path: Path) -> None:
    work = _course(tmp_path)
    _build(work)
    out = work / "out"
    (out / "evaluation" / "readings.md").write_text("my own list now\n", encoding="utf-8")
    (work / "sessions.toml").write_text(THREE.replace('slug = "evaluation"', 'slug = "evals"'), encoding="utf-8")
    report = _build(work)
    assert (out / "evaluation" / "readings.md").read_text(encoding="utf-8") == "my own list now\n"
    assert sorted(p.name for p in (out / "evaluation").iterdir()) == ["readings.md"]
    assert "out/evaluation/readings.md was written by an earlier build and edited since" in report


def test_a_damaged_or_hostile_manifest_removes_nothing_outside_what_bibexport_wrote(tmp_path: Path) -> None:
    work = _course(tmp_path)
    _build(work)
    out = work / "out"
    (work / "keep.txt").write_text("precious\n", encoding="utf-8")
    (out / "mine.txt").write_text("mine\n", encoding="utf-8")
    digest = hashlib.sha256(b"precious\n").hexdigest()
    mine = hashlib.sha256(b"mine\n").hexdigest()
    doc = json.loads((out / ".bibexport-manifest.json").read_text(encoding="utf-8"))
    doc["files"].update({"../keep.txt": {"sha256": digest, "from": ""}, str(work / "keep.txt"): {"sha256": digest},
                         "mine.txt": {"sha256": mine + "0"}})
    (out / ".bibexport-manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    _build(work)
    assert (work / "keep.txt").exists() and (out / "mine.txt").read_text(encoding="utf-8") == "mine\n"
    (out / ".bibexport-manifest.json").write_text("{not json", encoding="utf-8")
    (work / "sessions.toml").write_text(THREE.replace('slug = "evaluation"', 'slug = "evals"'), encoding="utf-8")
    _build(work)  # nothing known to be ours: the old folder stays (and the manifest is written afresh)
    assert (out / "evaluation" / "readings.bib").exists()
    assert "evals/readings.bib" in json.loads((out / ".bibexport-manifest.json").read_text(encoding="utf-8"))["files"]


def test_formats_not_asked_for_are_left_untouched_and_named_stale(tmp_path: Path) -> None:
    work = _course(tmp_path)
    _build(work)
    out = work / "out"
    bib_before = _stats(out)
    # Nothing changed: a build of md alone names nothing stale.
    assert "stale" not in _build(work, "-f", "md")
    # A new session, then md alone: the .bib and .json files are left as they were and named.
    text = THREE + SESSION.format(slug="scaling", name="Scaling", day=9, title="Paper on scaling", author="Kaplan")
    (work / "sessions.toml").write_text(text, encoding="utf-8")
    report = _build(work, "-f", "md")
    after = _stats(out)
    for name in ("readings.bib", "readings.json", "basics/readings.bib"):
        assert after[name] == bib_before[name]  # untouched: same inode and mtime
    assert (out / "scaling" / "readings.md").exists() and not (out / "scaling" / "readings.bib").exists()
    assert "stale: out/readings.bib is from an earlier build" in report
    assert "run with -f md,bib to update, or delete it" in report
    assert "stale: out/readings.json is from an earlier build" in report and "-f md,csl-json" in report
    assert "basics/readings.bib" not in report  # that session's data did not change: its .bib is current
    assert "removed" not in report
    # Asking for them again brings them up to date; nothing is stale any more.
    report = _build(work)
    assert "stale" not in report and (out / "scaling" / "readings.bib").exists()
    assert "kaplan" in (out / "readings.bib").read_text(encoding="utf-8").lower()


# ------------------------------------------------------------------ 3. --heading-level


def _pandoc_headings(path: Path, reader: str) -> list[tuple[int, str]]:
    """(level, text) of every heading pandoc reads in ``path``."""
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed")
    proc = subprocess.run(["pandoc", "-f", reader, "-t", "json", str(path)], capture_output=True, text=True,
                          check=True, timeout=60)
    doc = json.loads(proc.stdout)

    def text(inlines: list[dict[str, object]]) -> str:
        return "".join(" " if i["t"] == "Space" else str(i.get("c", "")) if i["t"] == "Str" else "" for i in inlines)

    found: list[tuple[int, str]] = []

    def walk(blocks: list[dict[str, object]]) -> None:
        for block in blocks:
            if block["t"] == "Header":
                level, _attr, inlines = block["c"]  # type: ignore[misc]
                found.append((level, text(inlines)))
            elif block["t"] == "Div":
                walk(block["c"][1])  # type: ignore[index]

    walk(doc["blocks"])
    return found


@pytest.mark.pandoc
def test_heading_level_puts_the_lists_under_the_notes_headings(tmp_path: Path) -> None:
    work = _course(tmp_path)
    _build(work, "-f", "md,html")
    out = work / "out"
    assert _pandoc_headings(out / "basics" / "readings.md", "markdown") == [(1, "Basics (2024-02-01)"),
                                                                            (2, "Required")]
    _build(work, "-f", "md,html", "--heading-level", "3")
    assert _pandoc_headings(out / "basics" / "readings.md", "markdown") == [(3, "Basics (2024-02-01)"),
                                                                            (4, "Required")]
    assert _pandoc_headings(out / "basics" / "readings.html", "html") == [(3, "Basics (2024-02-01)"),
                                                                          (4, "Required")]
    course = _pandoc_headings(out / "readings.md", "markdown")
    assert course[:3] == [(3, "Day two"), (4, "Basics (2024-02-01)"), (5, "Required")]
    assert {level for level, _ in course} == {3, 4, 5}
    # Deeper than 6 does not exist in Markdown or HTML: the deepest headings stay at 6.
    _build(work, "-f", "md,html", "--heading-level", "6")
    assert {level for level, _ in _pandoc_headings(out / "readings.md", "markdown")} == {6}
    assert {level for level, _ in _pandoc_headings(out / "readings.html", "html")} == {6}
    bad = run(["build", "--offline", "--heading-level", "7"], work)
    assert bad.returncode == 2 and "--heading-level" in bad.stderr


# ------------------------------------------------------------------ 6. --refresh that matches nothing


def test_refresh_with_a_typo_is_a_usage_error_naming_near_keys(tmp_path: Path) -> None:
    work = _course(tmp_path)
    _build(work)
    lock = (work / "sessions.lock.json").read_bytes()
    proc = run(["build", "--refresh", "alignmentpaepr"], work)
    assert proc.returncode == 2, proc.stderr
    assert "'alignmentpaepr' matches no reading of sessions.toml; did you mean alignmentpaper?" in proc.stderr
    assert "Traceback" not in proc.stderr and (work / "sessions.lock.json").read_bytes() == lock
    far = run(["build", "--refresh", "zzzz"], work)
    assert far.returncode == 2 and "give a citation key, a link or part of a title" in far.stderr
    # One pattern that matches does not excuse another that does not.
    both = run(["build", "--refresh", "Paper on basics", "--refresh", "evaluatoinpaper"], work)
    assert both.returncode == 2 and "did you mean evaluationpaper or alignmentpaper?" in both.stderr


def test_refresh_and_offline_together_are_a_usage_error(tmp_path: Path) -> None:
    work = _course(tmp_path)
    for args in (["--refresh", "--offline"], ["--offline", "--refresh", "basicspaper"]):
        proc = run(["build", *args], work)
        assert proc.returncode == 2, proc.stderr
        assert "--refresh asks the sources again and --offline forbids the network" in proc.stderr
    assert not (work / "out").exists() and not (work / "sessions.lock.json").exists()


# ------------------------------------------------------------------ 7. a link without a scheme


def test_build_warns_about_a_link_without_a_scheme_with_the_fix(tmp_path: Path) -> None:
    text = THREE.replace('links = ["https://example.org/alignment/paper"]',
                         'links = [\n  "arxiv.org/abs/2305.18290",\n  "https://example.org/ok",\n'
                         '  "https://example.org/dot).",\n]')
    work = _course(tmp_path, text)
    report = _build(work)
    line = text.splitlines().index('  "arxiv.org/abs/2305.18290",') + 1
    assert (f"warning: sessions.toml:{line} 'Paper on alignment': link 'arxiv.org/abs/2305.18290': no scheme: "
            "links start with https://; write https://arxiv.org/abs/2305.18290") in report
    assert (f"warning: sessions.toml:{line + 2} 'Paper on alignment': link 'https://example.org/dot).': ends with "
            "').'") in report and "write https://example.org/dot\n" in report
    assert "https://example.org/ok'" not in report and report.count("link '") == 2
    # The same lint as `check --offline` (one function), which names the same fix.
    check = run(["check", "--offline"], work)
    assert "fix: write https://arxiv.org/abs/2305.18290" in check.stdout


# ------------------------------------------------------------------ 4. README: which file to cite, compiled

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_example(name: str) -> str:
    """The code block after ``<!-- example: NAME -->`` in README.md."""
    m = re.search(rf"<!-- example: {re.escape(name)} -->\n```\w*\n(.*?)```", README.read_text(encoding="utf-8"),
                  re.DOTALL)
    assert m is not None, f"README.md has no example {name!r}"
    return m.group(1)


def _seed_course(tmp_path: Path) -> Path:
    """The shipped course built offline from its committed lockfile, in ``tmp_path``."""
    root = README.parent
    for name in ("sessions.toml", "sessions.lock.json"):
        shutil.copy(root / name, tmp_path / name)
    _build(tmp_path)
    return tmp_path


def _needs(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    if any(t == "pdflatex" for t in tools):
        found = subprocess.run(["kpsewhich", "beamer.cls"], capture_output=True, text=True, check=False).stdout
        if not found.strip():
            pytest.skip("beamer.cls is missing (Debian: texlive-latex-recommended and texlive-pictures)")


def _sh(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", command], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, errors="replace", timeout=240, check=False)


def _compiled(work: Path, stem: str) -> Compiled:
    def read(suffix: str) -> str:
        path = work / f"{stem}{suffix}"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    return Compiled(read(".log"), read(".blg"), read(".bbl"))


@pytest.mark.latex
def test_readme_beamer_natbib_session_deck_compiles_and_both_files_repeat_entries(tmp_path: Path) -> None:
    _needs("pdflatex", "bibtex", "kpsewhich")
    work = _seed_course(tmp_path)
    source = _readme_example("beamer-natbib")
    assert "\\bibliography{out/alignment/readings}" in source
    (work / "alignment-slides.tex").write_text(source, encoding="utf-8")
    proc = _sh(_readme_example("beamer-natbib-command"), work)
    compiled = _compiled(work, "alignment-slides")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert problems(compiled) == []
    assert compiled.bbl.count("\\bibitem") == 2
    assert (work / "alignment-slides.pdf").exists()
    # What README warns about: the course file and a session file in one document.
    both = source.replace("\\bibliography{out/alignment/readings}",
                          "\\bibliography{out/readings,out/alignment/readings}")
    (work / "both.tex").write_text(both, encoding="utf-8")
    bad = _sh("pdflatex -interaction=nonstopmode both >/dev/null; bibtex both || true", work)
    assert "Repeated entry" in bad.stdout


@pytest.mark.latex
def test_readme_beamer_biblatex_course_deck_compiles(tmp_path: Path) -> None:
    _needs("pdflatex", "biber", "kpsewhich")
    work = _seed_course(tmp_path)
    source = _readme_example("beamer-biblatex")
    assert "\\addbibresource{out/readings.bib}" in source
    (work / "course-slides.tex").write_text(source, encoding="utf-8")
    proc = _sh(_readme_example("beamer-biblatex-command"), work)
    compiled = _compiled(work, "course-slides")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert problems(compiled) == []
    assert compiled.bbl.count("\\entry{") == 3


@pytest.mark.pandoc
def test_readme_pandoc_notes_example_runs(tmp_path: Path) -> None:
    _needs("pandoc")
    work = _seed_course(tmp_path)
    (work / "notes.md").write_text(_readme_example("pandoc-notes"), encoding="utf-8")
    command = _readme_example("pandoc-command")
    assert "--citeproc --bibliography out/readings.json" in command
    proc = _sh(command, work)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    html = (work / "notes.html").read_text(encoding="utf-8")
    assert "Rafailov" in html and "Ouyang" in html and "???" not in html


def test_manifest_through_a_linked_out_and_in_a_shared_folder(tmp_path: Path) -> None:
    """``out`` a link to the real folder: formats not asked for stay (named by the link's path); ``-o .`` (per-file
    writes, no swap): a renamed session's files go, the course's own files stay."""
    work = _course(tmp_path)
    (work / "site").mkdir()
    (work / "out").symlink_to("site")
    _build(work)
    text = THREE + SESSION.format(slug="scaling", name="Scaling", day=9, title="Paper on scaling", author="Kaplan")
    (work / "sessions.toml").write_text(text, encoding="utf-8")
    report = _build(work, "-f", "md")
    assert (work / "site" / "readings.bib").exists() and (work / "site" / "basics" / "readings.json").exists()
    assert "stale: out/readings.bib is from an earlier build" in report and "removed" not in report
    assert (work / "out").is_symlink()

    shared = tmp_path / "shared"
    shared.mkdir()
    _course(shared)
    _build(shared, "-o", ".")
    assert (shared / "basics" / "readings.bib").exists() and (shared / ".bibexport-manifest.json").exists()
    (shared / "sessions.toml").write_text(THREE.replace('slug = "basics"', 'slug = "intro"'), encoding="utf-8")
    report = _build(shared, "-o", ".")
    assert not (shared / "basics").exists() and (shared / "intro" / "readings.bib").exists()
    assert "removed: basics/ " in report
    assert sorted(p.name for p in shared.iterdir() if p.is_file() and not p.name.startswith(".")) == [
        "readings.bib", "readings.json", "readings.md", "sessions.lock.json", "sessions.toml"]


def test_two_reading_lists_sharing_an_out_folder_never_remove_each_others_files(tmp_path: Path) -> None:
    work = _course(tmp_path)
    other = "[course]\n" + SESSION.format(slug="extra", name="Extra", day=3, title="Paper on extra", author="Other")
    (work / "other.toml").write_text(other, encoding="utf-8")
    _build(work)
    report = _build(work, "-c", "other.toml")
    assert "removed" not in report and (work / "out" / "basics" / "readings.bib").exists()
    report = _build(work)
    assert "removed" not in report and (work / "out" / "extra" / "readings.bib").exists()
    assert json.loads((work / "out" / ".bibexport-manifest.json").read_text(encoding="utf-8"))["by"] == (
        "../sessions.toml")
