"""The library API as a course-site generator or a notebook uses it: ``bibexport.build`` / ``bibexport.check`` in
process, no subprocess, values back (issue 15, "A library API")."""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import json
import pkgutil
import runpy
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import bibexport
from bibexport import report as report_module
from bibexport.errors import ExitCode, InputError, OptionError
from bibexport.report import BuildReport, CheckReport, NoteKind, ReadingStatus, Stage
from tests.replay import ReplayServer
from tests.test_build import COURSE, run, snapshot

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bibexport"


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    """A course folder holding copies of the repository's sessions.toml and lockfile."""
    folder = tmp_path / "course"
    folder.mkdir()
    for name in ("sessions.toml", "sessions.lock.json"):
        shutil.copy(ROOT / name, folder / name)
    return folder


def _readings(toml_path: Path) -> list[dict[str, Any]]:
    data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    return [r for s in data["sessions"] for part in ("required", "further") for r in s.get(part, [])]


def test_build_the_seed_offline_into_a_site_folder(course: Path, tmp_path: Path) -> None:
    site = tmp_path / "site" / "_data" / "readings"
    events: list[object] = []
    report = bibexport.build(course / "sessions.toml", out_dir=site, offline=True, progress=events.append)

    assert isinstance(report, BuildReport)
    lock = json.loads((ROOT / "sessions.lock.json").read_text(encoding="utf-8"))["readings"]
    sessions = tomllib.loads((course / "sessions.toml").read_text(encoding="utf-8"))["sessions"]
    # Counts and keys come from the lockfile: every reading of the seed is resolved and keeps its pinned key.
    assert report.sessions == len(sessions) == 3
    assert len(report.readings) == len(lock) and len(report.resolved) == len(lock) and not report.unresolved
    assert report.keys == tuple(e["key"] for e in lock)
    assert {"jiang2023mistral", "gao2020pile", "rafailov2023direct"} <= set(report.keys)
    assert all(r.status is ReadingStatus.RESOLVED and r.line > 0 for r in report.readings)
    assert report.exit_status == ExitCode.OK and events == []  # offline: nothing to resolve, nothing to say
    # What was written: course files and one folder per session, in the format order asked (the default).
    assert report.formats == ("bib", "csl-json", "md")
    expected = {site / name for name in ("readings.bib", "readings.json", "readings.md")}
    expected |= {site / s["slug"] / name for s in sessions for name in ("readings.bib", "readings.json", "readings.md")}
    assert set(report.files) == expected
    assert all(p.is_file() for p in report.files)
    written = {p for p in site.rglob("*") if p.is_file() and not p.name.startswith(".bibexport")}
    assert written == expected
    assert "@inproceedings{rafailov2023direct," in (site / "readings.bib").read_text(encoding="utf-8")
    # The committed lockfile is already what this build makes: left byte for byte as it is.
    assert not report.lock_written
    assert (course / "sessions.lock.json").read_bytes() == (ROOT / "sessions.lock.json").read_bytes()
    # Resolution's remarks are structured notes at the reading's line, one per lockfile warning.
    remarks = [(n.key, n.text) for n in report.warnings if n.kind is NoteKind.RESOLUTION_WARNING]
    assert remarks == [(e["key"], w) for e in lock for w in e.get("warnings", [])]
    text = (course / "sessions.toml").read_text(encoding="utf-8").splitlines()
    for outcome in report.readings:
        assert text[outcome.line - 1].strip() in ("[[sessions.required]]", "[[sessions.further]]")


def test_the_cli_prints_the_report_the_api_returns(course: Path, tmp_path: Path) -> None:
    """The CLI is a thin layer: same outputs, and its stderr is the rendered report."""
    other = tmp_path / "cli"
    shutil.copytree(course, other)
    proc = run(["build", "--offline", "-f", "bib,md"], other)
    assert proc.returncode == 0, proc.stderr
    report = bibexport.build(course / "sessions.toml", out_dir=course / "out", offline=True, formats="bib,md")
    assert snapshot(other / "out") == snapshot(course / "out")
    shown = report_module.build_report_lines(report)
    assert proc.stderr.splitlines() == [line.replace(str(course / "sessions.toml"), "sessions.toml") for line in shown]
    assert proc.stdout == "wrote 8 files to out/ and updated sessions.lock.json\n"
    assert report_module.build_summary(report) == (
        f"wrote 8 files to {course / 'out'}/ and updated {course / 'sessions.lock.json'}")


def test_an_offline_build_reports_a_new_reading_as_a_value(course: Path) -> None:
    toml = course / "sessions.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[[sessions.required]]\ntitle = "A brand new paper"\n'
                    'links = ["arxiv.org/abs/2401.00001"]\n', encoding="utf-8")
    line = len(toml.read_text(encoding="utf-8").splitlines()) - 2
    report = bibexport.build(toml, offline=True, strict=True, formats=["csl-json"], today=dt.date(2024, 3, 1))
    assert report.out_dir == course / "out" and (course / "out" / "readings.json").exists()
    (new,) = report.unresolved
    assert (new.line, new.title, new.status, new.not_asked) == (line, "A brand new paper", ReadingStatus.UNRESOLVED,
                                                                True)
    items = json.loads((course / "out" / "readings.json").read_text(encoding="utf-8"))
    assert new.key_provisional and new.key in {item["id"] for item in items}
    assert report.exit_status == ExitCode.STRICT  # strict, and a reading stays unresolved
    assert report.lock_written
    kinds = {n.kind: n for n in report.notes if n.line in (line, line + 2)}
    assert kinds[NoteKind.UNRESOLVED].not_asked
    assert kinds[NoteKind.UNDATED].key == new.key
    link = kinds[NoteKind.MALFORMED_LINK]
    assert (link.url, link.fix) == ("arxiv.org/abs/2401.00001", "https://arxiv.org/abs/2401.00001")
    assert report_module.note_line(kinds[NoteKind.UNRESOLVED], Path("sessions.toml")) == (
        f"  unresolved: sessions.toml:{line} 'A brand new paper': not in the lockfile and --offline was given")
    # Without strict the same build exits 0.
    assert bibexport.build(toml, offline=True, formats=["csl-json"]).exit_status == ExitCode.OK


def test_a_bad_sessions_toml_raises_input_error_with_file_and_line(course: Path) -> None:
    toml = course / "sessions.toml"
    lines = toml.read_text(encoding="utf-8").splitlines()
    at = next(i for i, text in enumerate(lines) if text.startswith("title = ") and i > 5)
    lines.insert(at + 1, "colour = 'blue'")
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        bibexport.build(toml, offline=True)
    (problem,) = caught.value.problems
    assert problem.file == str(toml) and problem.line == at + 2 and "colour" in problem.message
    assert caught.value.exit_code == ExitCode.INPUT
    assert not (course / "out").exists()  # nothing half-written
    with pytest.raises(InputError):
        bibexport.check(toml, offline=True)
    with pytest.raises(InputError) as missing:
        bibexport.build(course / "nope.toml")
    assert missing.value.problems[0].file == str(course / "nope.toml")


def test_bad_arguments_raise_option_error(course: Path) -> None:
    toml = course / "sessions.toml"
    with pytest.raises(OptionError) as fmt:
        bibexport.build(toml, offline=True, formats=["pdf"])
    assert fmt.value.name == "formats" and "unknown format 'pdf'" in str(fmt.value)
    assert fmt.value.exit_code == ExitCode.USAGE
    with pytest.raises(OptionError) as typo:
        bibexport.build(toml, refresh="lee2023holistc")  # one pattern, not its letters
    assert typo.value.name == "refresh" and "did you mean lee2023holistic" in str(typo.value)
    with pytest.raises(OptionError) as both:
        bibexport.build(toml, offline=True, refresh=["*"])
    assert both.value.name == ""
    with pytest.raises(OptionError) as pattern:
        bibexport.check(toml, offline=True, excludes=["("])
    assert pattern.value.name == "excludes"
    with pytest.raises(OptionError) as age:
        bibexport.check(toml, offline=True, max_age="soon")
    assert age.value.name == "max_age"
    assert not (course / "out").exists()


def test_check_offline_on_the_seed(course: Path) -> None:
    result = bibexport.check(course / "sessions.toml", offline=True)
    assert isinstance(result, CheckReport)
    links = [link for r in _readings(course / "sessions.toml") for link in r.get("links", [])]
    assert len(result.results) == len(links)
    assert [r.link.url for r in result.results] == links
    assert result.count("unchecked") == len(links) and result.links.offline
    assert result.exit_status == ExitCode.OK
    text = (course / "sessions.toml").read_text(encoding="utf-8").splitlines()
    assert all(r.link.url in text[r.link.line - 1] for r in result.results)


def test_check_reports_a_malformed_link_as_broken(course: Path) -> None:
    toml = course / "sessions.toml"
    text = toml.read_text(encoding="utf-8")
    assert '"https://arxiv.org/abs/2402.00838"' in text
    toml.write_text(text.replace('"https://arxiv.org/abs/2402.00838"', '"https://arxiv.org/abs/2402.00838)"', 1),
                    encoding="utf-8")
    result = bibexport.check(toml, offline=True, strict=True)
    (broken,) = [r for r in result.results if r.verdict == "broken"]
    assert broken.fix == "https://arxiv.org/abs/2402.00838" and broken.link.reading.startswith("OLMo")
    assert result.exit_status == ExitCode.BROKEN


def test_progress_reaches_the_callback_when_resolving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENREVIEW_TOKEN", "OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "sessions.toml").write_text(COURSE, encoding="utf-8")
    events = []
    with ReplayServer() as server:
        report = bibexport.build(tmp_path / "sessions.toml", formats=["bib"], use_cache=False, env=server.env(),
                                 today=dt.date(2024, 3, 1), progress=events.append)
    stages = [e.stage for e in events]
    assert stages[0] is Stage.RESOLVING and events[0].count == 7  # seven distinct readings to resolve
    assert stages[-1] is Stage.RESOLVED and Stage.STEP in stages
    assert all(e.message for e in events if e.stage is Stage.STEP)
    assert "jiang2023mistral" in report.keys
    (nobody,) = [r for r in report.unresolved if r.title == "A reading nobody can find"]
    assert nobody.status is not ReadingStatus.RESOLVED and nobody.reason and not nobody.not_asked
    lock = json.loads((tmp_path / "sessions.lock.json").read_text(encoding="utf-8"))
    assert {e["retrieved"] for e in lock["readings"] if e.get("retrieved")} == {"2024-03-01"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_cli_is_the_only_module_importing_click() -> None:
    importers = sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py") if "click" in _imports(p))
    assert importers == ["bibexport/cli.py"]


def test_the_api_names_survive_importing_every_module() -> None:
    """``bibexport.build``/``check`` stay the functions: a submodule of the same name (``bibexport/check/``)
    would replace them on the package once imported."""
    for info in pkgutil.walk_packages([str(PACKAGE)], "bibexport."):
        if info.name not in ("bibexport.__main__",):
            importlib.import_module(info.name)
    assert callable(bibexport.build) and callable(bibexport.check)
    assert bibexport.build.__module__ == bibexport.check.__module__ == "bibexport.api"


def test_readme_library_example_runs(course: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """README's "Use as a library" example, run as written in a course folder."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- example: library -->\n```python\n(.*?)```", readme, re.DOTALL)
    assert m is not None and len(m.group(1).splitlines()) == 6
    toml = course / "sessions.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[[sessions.required]]\ntitle = "A brand new paper"\n'
                    "links = []\n", encoding="utf-8")
    monkeypatch.chdir(course)
    (course / "example.py").write_text(m.group(1), encoding="utf-8")
    runpy.run_path(str(course / "example.py"))
    out = capsys.readouterr().out.splitlines()
    readings = len(_readings(toml))
    files = 3 * (1 + 3)  # bib, csl-json, md for the course and its three sessions
    assert out[0] == f"{readings - 1} of {readings} readings resolved, {files} files"
    line = len(toml.read_text(encoding="utf-8").splitlines()) - 2
    assert out[1].startswith(f"sessions.toml:{line} A brand new paper: not resolved") and len(out) == 2
    assert (course / "site" / "_data" / "readings" / "readings.bib").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_the_cli_redraws_progress_on_a_terminal_only(tmp_path: Path) -> None:
    """On a terminal the CLI turns STEP events into one line redrawn in place and clears it when the sources have
    answered; the report after it is the same as in a log."""
    import os
    import pty
    import subprocess
    import threading

    (tmp_path / "sessions.toml").write_text(COURSE, encoding="utf-8")
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIBEXPORT_", "OPENREVIEW_"))}
    env.update(PYTHONPATH=str(ROOT), BIBEXPORT_LOCK_DIR=str(tmp_path / ".locks"),
               BIBEXPORT_CACHE_DIR=str(tmp_path / ".cache"))
    with ReplayServer() as server:
        env.update(server.env())
        proc = subprocess.run([sys.executable, "-m", "bibexport", "build", "--no-cache", "-f", "bib"], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=slave, timeout=120, check=False)
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    shown = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert proc.returncode == 0, shown
    assert shown.startswith("resolving 7 reading(s)…\n\r\x1b[K… ")  # then each batch, drawn over the last
    redraws = shown.split("\r\x1b[K")
    assert len(redraws) >= 3 and all(part.startswith("… ") for part in redraws[1:-1])
    assert redraws[-1].startswith("7 readings in 2 sessions: ")  # the line is cleared before the report
