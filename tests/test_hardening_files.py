"""Files, keys and the lockfile under hostile or careless conditions (issue 13, holes 3-8, 10 and 18).

* a symbolic link inside ``out/`` is never written through (the build is refused, naming the link);
* files a user saves into ``out/`` while a build runs survive the swap; a file system mounted inside ``out/`` is
  never emptied;
* two readings asking for one hand key, or a new reading asking for a key the lockfile pins to another work, are
  input errors naming both lines, and nothing is written;
* a resolved reading whose title is edited keeps its last good record and key when its source is down (or the
  build is ``--offline``);
* rewritten files keep their mode, new files follow the umask (never a private 0600);
* a lockfile with wrongly typed fields or absurd nesting is an input error with its name and line;
* ``style = "x.csl"`` in sessions.toml is read relative to the sessions.toml file's folder.

Builds run in a subprocess (``python -m bibexport``, this checkout) so exit codes and messages are the real ones.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bibexport import fsio, lockfile
from bibexport.errors import InputError, OutputError
from bibexport.keys import KeyClash, KeyClashError, assign_keys
from bibexport.model import Person, Record
from tests.replay import ReplayServer

ROOT = Path(__file__).resolve().parents[1]
HEAD = '[course]\ntitle = "Files"\n'
SESSION = """
[[sessions]]
slug = "{slug}"
name = "Session {slug}"
date = 2024-02-01
"""
READING = """
[[sessions.required]]
title = "{title}"
links = ["{link}"]
{extra}
"""
BETA = READING.format(title="Beta testing of gamma", link="https://example.org/beta",
                      extra='authors = ["Alpha, Ann"]\nyear = 2020')


def course(*readings: str, slug: str = "s0") -> str:
    """A sessions.toml with one session holding ``readings``."""
    return HEAD + SESSION.format(slug=slug) + "".join(readings)


def run(cwd: Path, *args: str, env: dict[str, str] | None = None, umask: int | None = None
        ) -> subprocess.CompletedProcess[str]:
    """``bibexport ARGS`` in ``cwd`` (this checkout), optionally under another umask."""
    full = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([sys.executable, "-m", "bibexport", *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=120, check=False, preexec_fn=preexec)


def build(cwd: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return run(cwd, "build", "--offline", *args, **kw)  # type: ignore[arg-type]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask022() -> Iterator[None]:
    """In-process writes under umask 022 (restored after)."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# ------------------------------------------------------------------------------- hole 3: links inside out/


def test_build_refuses_to_write_through_a_symlink_in_out(tmp_path: Path) -> None:
    """``out/s0 -> ../../elsewhere`` (committed to a course repository) must not let a build write outside out/."""
    work, elsewhere = tmp_path / "repo" / "course", tmp_path / "elsewhere"
    work.mkdir(parents=True)
    elsewhere.mkdir()
    (elsewhere / "readings.bib").write_text("precious\n", encoding="utf-8")
    (work / "sessions.toml").write_text(course(BETA), encoding="utf-8")
    (work / "out").mkdir()
    (work / "out" / "s0").symlink_to("../../../elsewhere")
    assert (work / "out" / "s0" / "readings.bib").read_text(encoding="utf-8") == "precious\n"
    proc = build(work)
    assert proc.returncode == 7, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "out/s0" in proc.stderr and "symbolic link" in proc.stderr, proc.stderr
    assert snapshot(elsewhere) == {"readings.bib": b"precious\n"}
    assert sorted(p.name for p in work.iterdir()) == ["out", "sessions.toml"]  # no lockfile either
    assert (work / "out" / "s0").is_symlink()


def test_per_file_writes_refuse_a_symlink_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``-o .`` gets per-file writes: a linked sub-folder is refused there as well."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    work = tmp_path / "course"
    work.mkdir()
    (work / "s0").symlink_to(elsewhere)
    monkeypatch.chdir(work)
    with pytest.raises(OutputError, match=r"s0 is a symbolic link"):
        fsio.write_tree(Path("."), {Path("readings.bib"): "all\n", Path("s0/readings.bib"): "s0\n"})
    assert list(elsewhere.iterdir()) == [] and not (work / "readings.bib").exists()


def test_a_foreign_symlink_in_out_is_kept_and_not_followed(tmp_path: Path) -> None:
    """A link bibexport does not write through (the user's own) is carried over as a link."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "f.txt").write_text("x", encoding="utf-8")
    fsio.write_tree(out, {out / "readings.bib": "old\n"})
    (out / "slides").symlink_to(elsewhere)
    fsio.write_tree(out, {out / "readings.bib": "new\n"})
    assert (out / "slides").is_symlink() and snapshot(elsewhere) == {"f.txt": b"x"}


# ------------------------------------------------------------------------------- hole 4: files saved during a build


def test_files_saved_into_out_during_a_build_survive_the_swap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The old tree is copied into staging first; what the user saves after that must not die with the old tree."""
    out = tmp_path / "out"
    fsio.write_tree(out, {out / "readings.bib": "old\n", out / "s0" / "readings.bib": "s0 old\n"})
    (out / "notes.md").write_text("notes v1\n", encoding="utf-8")
    (out / "s0" / "draft.tex").write_text("draft v1\n", encoding="utf-8")
    calls = []

    def user_saves_while_we_write() -> None:
        calls.append(1)
        if len(calls) != 1:
            return
        assert any(tmp_path.glob(".out.new-*")), "the hook must run while the staging tree is written"
        (out / "saved-during-build.txt").write_text("new file\n", encoding="utf-8")
        (out / "s0" / "new-folder").mkdir()
        (out / "s0" / "new-folder" / "fig.png").write_bytes(b"PNG")
        tmp = out / ".notes.md.swp"  # an editor's atomic save: a new inode replaces the old one
        tmp.write_text("notes v2\n", encoding="utf-8")
        os.replace(tmp, out / "notes.md")
        with open(out / "s0" / "draft.tex", "a", encoding="utf-8") as handle:  # an in-place append
            handle.write("draft v2\n")

    monkeypatch.setattr(fsio, "_test_delay", user_saves_while_we_write)
    fsio.write_tree(out, {out / "readings.bib": "new\n", out / "s0" / "readings.bib": "s0 new\n",
                          out / "s1" / "readings.bib": "s1 new\n"})
    assert calls
    assert snapshot(out) == {"notes.md": b"notes v2\n", "readings.bib": b"new\n", "s0/draft.tex": b"draft v1\ndraft v2\n",
                             "s0/new-folder/fig.png": b"PNG", "s0/readings.bib": b"s0 new\n",
                             "s1/readings.bib": b"s1 new\n", "saved-during-build.txt": b"new file\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_files_saved_during_a_build_survive_without_rename_exchange(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fsio, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    fsio.write_tree(out, {out / "readings.bib": "old\n"})
    monkeypatch.setattr(fsio, "_test_delay",
                        lambda: (out / "late.txt").exists() or (out / "late.txt").write_text("late\n", encoding="utf-8"))
    fsio.write_tree(out, {out / "readings.bib": "new\n"})
    assert snapshot(out) == {"late.txt": b"late\n", "readings.bib": b"new\n"}


def _can_mount() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs none /tmp"], capture_output=True,
                           check=False, timeout=30)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs unshare(1) and a private mount namespace")
def test_a_file_system_mounted_inside_out_is_never_emptied(tmp_path: Path) -> None:
    """A tmpfs mounted at out/data (in a private mount namespace): the build writes its files and leaves the
    mount and its content alone."""
    work = tmp_path / "course"
    work.mkdir()
    (work / "sessions.toml").write_text(course(BETA), encoding="utf-8")
    assert build(work).returncode == 0
    (work / "sessions.toml").write_text(course(BETA.replace("year = 2020", "year = 2021")), encoding="utf-8")
    (work / "out" / "data").mkdir()
    # The mount must stay at out/data (same device) with its file: a swap would move it into the old tree and
    # delete its content there, leaving a plain copy at out/data.
    script = (f"mount -t tmpfs none out/data && echo keep > out/data/f.txt && dev=$(stat -c %d out/data) && "
              f"{sys.executable} -m bibexport build --offline; rc=$?; "
              f'[ "$(stat -c %d out/data)" = "$dev" ] && echo same-mount; '
              f"cat out/data/f.txt; grep -c 2021 out/readings.bib; exit $rc")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=work, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-3:] == ["same-mount", "keep", "1"], proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------- holes 5, 6: hand keys


def test_two_readings_with_one_hand_key_are_an_input_error(tmp_path: Path) -> None:
    work = tmp_path / "course"
    work.mkdir()
    text = course(READING.format(title="Paper A", link="https://example.org/a", extra='key = "dup"'),
                  READING.format(title="Paper B", link="https://example.org/b", extra='key = "dup"'))
    (work / "sessions.toml").write_text(text, encoding="utf-8")
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if line.startswith("[[sessions.required]]")]
    proc = build(work)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"sessions.toml:{lines[1]}" in proc.stderr and f"line {lines[0]}" in proc.stderr, proc.stderr
    assert "'dup'" in proc.stderr
    assert sorted(p.name for p in work.iterdir()) == ["sessions.toml"]  # nothing written


def test_the_same_work_twice_may_share_its_hand_key(tmp_path: Path) -> None:
    """One reading listed in two sessions (same title and link) with the same key is one work: no error."""
    work = tmp_path / "course"
    work.mkdir()
    reading = READING.format(title="Paper A", link="https://example.org/a", extra='key = "same"')
    text = course(reading) + SESSION.format(slug="s1") + reading
    (work / "sessions.toml").write_text(text, encoding="utf-8")
    proc = build(work)
    assert proc.returncode == 0, proc.stderr
    assert (work / "out" / "readings.bib").read_text(encoding="utf-8").count("@misc{same,") == 1


def test_a_pinned_key_is_never_renamed_by_a_new_hand_key(tmp_path: Path) -> None:
    work = tmp_path / "course"
    work.mkdir()
    (work / "sessions.toml").write_text(course(BETA), encoding="utf-8")
    assert build(work).returncode == 0
    lock_before = (work / "sessions.lock.json").read_bytes()
    assert json.loads(lock_before)["readings"][0]["key"] == "alpha2020beta"
    out_before = snapshot(work / "out")
    newcomer = READING.format(title="Another paper", link="https://example.org/other", extra='key = "alpha2020beta"')
    text = course(BETA, newcomer)
    (work / "sessions.toml").write_text(text, encoding="utf-8")
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if line.startswith("[[sessions.required]]")]
    proc = build(work)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"sessions.toml:{lines[1]}" in proc.stderr and f"line {lines[0]}" in proc.stderr, proc.stderr
    assert "alpha2020beta" in proc.stderr and "pinned" in proc.stderr
    assert (work / "sessions.lock.json").read_bytes() == lock_before
    assert snapshot(work / "out") == out_before


def test_a_hand_key_may_take_a_pin_whose_reading_is_gone(tmp_path: Path) -> None:
    work = tmp_path / "course"
    work.mkdir()
    (work / "sessions.toml").write_text(course(BETA), encoding="utf-8")
    assert build(work).returncode == 0
    newcomer = READING.format(title="Another paper", link="https://example.org/other", extra='key = "alpha2020beta"')
    (work / "sessions.toml").write_text(course(newcomer), encoding="utf-8")
    proc = build(work)
    assert proc.returncode == 0, proc.stderr
    assert "@misc{alpha2020beta," in (work / "out" / "readings.bib").read_text(encoding="utf-8")


def test_assign_keys_clashes_and_what_is_no_clash() -> None:
    a, b = Record(type="article", title="Paper A"), Record(type="article", title="Paper B")
    with pytest.raises(KeyClashError) as info:
        assign_keys([("x", a, "k"), ("y", b, "k")], {})
    assert info.value.clashes == [KeyClash("k", "y", "x", pinned=False)]
    with pytest.raises(KeyClashError) as info:
        assign_keys([("x", a, ""), ("y", b, "pin")], {"x": "pin"})
    assert info.value.clashes == [KeyClash("pin", "y", "x", pinned=True)]
    # the pin's own work asks for another key by hand: it gives the pin up, and another work may take it
    assert assign_keys([("x", a, "mine"), ("y", b, "pin")], {"x": "pin"}) == {"x": "mine", "y": "pin"}
    # the same work asking twice is one key; a pinned work asking for its own pin keeps it
    assert assign_keys([("x", a, "k"), ("x", a, "k")], {}) == {"x": "k"}
    assert assign_keys([("x", a, "pin"), ("y", b, "")], {"x": "pin"})["x"] == "pin"


# ------------------------------------------------------------------------------- hole 7: the last good record


MISTRAL = READING.format(title="Mistral 7B", link="https://arxiv.org/abs/2310.06825", extra="")


def _net_env(server: ReplayServer) -> dict[str, str]:
    return dict(server.env(), BIBEXPORT_RETRIES="0", BIBEXPORT_BACKOFF="0", BIBEXPORT_TIMEOUT="5")


@pytest.fixture(scope="module")
def resolved_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course whose arXiv reading was resolved against the replay server."""
    work = tmp_path_factory.mktemp("resolved") / "course"
    work.mkdir()
    (work / "sessions.toml").write_text(course(MISTRAL), encoding="utf-8")
    with ReplayServer() as server:
        proc = run(work, "build", "--no-cache", env=_net_env(server))
    assert proc.returncode == 0, proc.stderr
    entry = json.loads((work / "sessions.lock.json").read_text(encoding="utf-8"))["readings"][0]
    assert entry["status"] == "resolved" and entry["identifier"] == "arxiv:2310.06825"
    return work


@pytest.mark.parametrize("how", ["arxiv-503", "offline"])
def test_an_edited_title_keeps_the_last_good_record_when_the_source_is_down(
        how: str, resolved_course: Path, tmp_path: Path) -> None:
    work = tmp_path / "course"
    shutil.copytree(resolved_course, work)
    before = json.loads((work / "sessions.lock.json").read_text(encoding="utf-8"))["readings"][0]
    (work / "sessions.toml").write_text(course(MISTRAL.replace("Mistral 7B", "Mistral 7B: the paper")),
                                        encoding="utf-8")
    if how == "offline":
        proc = build(work)
    else:
        with ReplayServer(faults={"arxiv": 503}) as server:
            proc = run(work, "build", "--no-cache", env=_net_env(server))
            assert server.counts()["arxiv"] >= 1  # it did ask, and arXiv said 503
    assert proc.returncode == 0, proc.stderr
    entries = json.loads((work / "sessions.lock.json").read_text(encoding="utf-8"))["readings"]
    assert len(entries) == 1
    after = entries[0]
    assert after["title"] == "Mistral 7B: the paper"
    assert after["status"] == "resolved"
    assert after["record"] == before["record"] and after["key"] == before["key"]
    assert after["identifier"] == before["identifier"]
    warning = next((x for x in proc.stderr.splitlines() if "could not be refreshed" in x), "")
    assert "sessions.toml:9 'Mistral 7B: the paper'" in warning, proc.stderr
    assert f"@article{{{before['key']}," in (work / "out" / "readings.bib").read_text(encoding="utf-8") or \
        f"{{{before['key']}," in (work / "out" / "readings.bib").read_text(encoding="utf-8")
    # The next build with arXiv back re-resolves the changed reading (the kept record is not final).
    with ReplayServer() as server:
        again = run(work, "build", "--no-cache", env=_net_env(server))
        assert server.counts()["arxiv"] >= 1
    assert again.returncode == 0, again.stderr
    final = json.loads((work / "sessions.lock.json").read_text(encoding="utf-8"))["readings"][0]
    assert final["record"] == before["record"] and final["key"] == before["key"]
    assert "could not be refreshed" not in again.stderr


# ------------------------------------------------------------------------------- hole 8: file modes


def test_lockfile_and_outputs_keep_their_mode_and_new_files_follow_the_umask(tmp_path: Path) -> None:
    work = tmp_path / "course"
    work.mkdir()
    (work / "sessions.toml").write_text(course(BETA), encoding="utf-8")
    assert build(work, umask=0o022).returncode == 0
    lock = work / "sessions.lock.json"
    assert mode(lock) == 0o644
    assert {mode(p) for p in (work / "out").rglob("*") if p.is_file()} == {0o644}
    lock.chmod(0o664)
    (work / "out" / "readings.bib").chmod(0o600)
    (work / "sessions.toml").write_text(course(BETA.replace("year = 2020", "year = 2021")), encoding="utf-8")
    assert build(work, umask=0o022).returncode == 0
    assert "2021" in (work / "out" / "readings.bib").read_text(encoding="utf-8")  # rewritten ...
    assert mode(lock) == 0o664 and mode(work / "out" / "readings.bib") == 0o600  # ... with the mode kept
    assert mode(work / "out" / "readings.json") == 0o644
    # -o . (per-file writes) and another umask
    (work / "sessions.toml").write_text(course(BETA), encoding="utf-8")
    proc = build(work, "-o", ".", "-f", "bib", umask=0o027)
    assert proc.returncode == 0, proc.stderr
    assert mode(work / "readings.bib") == 0o640 and mode(work / "s0" / "readings.bib") == 0o640


def test_import_output_follows_the_umask(tmp_path: Path) -> None:
    (tmp_path / "list.md").write_text("## 06 Feb 2024: Week 1\n\n- [Mistral 7B](https://arxiv.org/abs/2310.06825)\n",
                                      encoding="utf-8")
    proc = run(tmp_path, "import", "list.md", "-o", "sessions.toml", umask=0o022)
    assert proc.returncode == 0, proc.stderr
    assert mode(tmp_path / "sessions.toml") == 0o644


def test_atomic_write_keeps_an_existing_mode(tmp_path: Path, umask022: None) -> None:
    target = tmp_path / "f.txt"
    fsio.atomic_write(target, "one\n")
    assert mode(target) == 0o644
    target.chmod(0o600)
    fsio.atomic_write(target, "two\n")
    assert mode(target) == 0o600 and target.read_text(encoding="utf-8") == "two\n"
    target.chmod(0o755)
    fsio.atomic_write(target, "three\n")
    assert mode(target) == 0o755


# ------------------------------------------------------------------------------- hole 10: damaged lockfile


def _lock_text() -> str:
    record = Record(type="article", title="Beta testing of gamma", authors=(Person(family="Alpha", given="Ann"),),
                    issued=(2020,), url="https://example.org/beta", arxiv_id="2001.00001")
    entry = lockfile.LockEntry(fingerprint="0123456789abcdef", title="Beta testing of gamma",
                               links=("https://example.org/beta",), identifier="arxiv:2001.00001", source="arxiv",
                               key="alpha2020beta", record=record)
    return lockfile.dumps(lockfile.Lock.of([entry]))


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize("value", ["123", "null", '["a"]', "{}", "true"])
def test_lockfile_record_title_of_the_wrong_type_is_named_with_its_line(value: str) -> None:
    text = _lock_text().replace('"title": "Beta testing of gamma",\n        "authors"',
                                f'"title": {value},\n        "authors"')
    assert text != _lock_text()
    with pytest.raises(InputError) as info:
        lockfile.loads(text, "sessions.lock.json")
    message = str(info.value)
    line = _line_of(text, '"title": ' + value)
    assert f"sessions.lock.json:{line}:" in message, message
    assert "title" in message


@pytest.mark.parametrize(("old", "new", "field"), [
    ('"key": "alpha2020beta"', '"key": 7', "key"),
    ('"links": [\n', '"links": "https://x", "_": [\n', "links"),
    ('"source": "arxiv"', '"source": ["arxiv"]', "source"),
    ('"family": "Alpha"', '"family": 1', "family"),
    ('"issued": [\n', '"issued": ["x", \n', "issued"),
    ('"arxiv_id": "2001.00001"', '"arxiv_id": null', "arxiv_id"),
    ('"url": "https://example.org/beta"', '"url": {"a": 1}', "url"),
    ('"authors": [\n', '"authors": [1, \n', "authors"),
])
def test_every_lockfile_field_is_type_checked(old: str, new: str, field: str) -> None:
    text = _lock_text()
    assert old in text
    bad = text.replace(old, new, 1)
    with pytest.raises(InputError) as info:
        lockfile.loads(bad, "sessions.lock.json")
    message = str(info.value)
    assert re.search(r"sessions\.lock\.json:\d+: ", message), message
    assert field in message


def test_a_well_formed_lockfile_still_loads() -> None:
    lock = lockfile.loads(_lock_text())
    assert lock.entries[0].record is not None and lock.entries[0].record.title == "Beta testing of gamma"
    assert lockfile.dumps(lock) == _lock_text()


def test_deeply_nested_lockfile_is_an_input_error_with_a_line() -> None:
    text = '{"bibexport_lock": 1,\n "readings": [\n' + "[" * 200_000 + "]" * 200_000 + "]}\n"
    with pytest.raises(InputError) as info:
        lockfile.loads(text, "sessions.lock.json")
    assert "sessions.lock.json:3:" in str(info.value) and "nested" in str(info.value)


@pytest.mark.parametrize("damage", ["title-123", "nested"])
def test_build_with_a_damaged_lockfile_exits_3_without_a_traceback(damage: str, tmp_path: Path) -> None:
    work = tmp_path / "course"
    work.mkdir()
    (work / "sessions.toml").write_text(course(BETA), encoding="utf-8")
    if damage == "nested":
        text = '{"bibexport_lock": 1, "readings": [\n' + "[" * 200_000 + "]" * 200_000 + "]}\n"
    else:
        text = _lock_text().replace('"title": "Beta testing of gamma",\n        "authors"',
                                    '"title": 123,\n        "authors"')
    (work / "sessions.lock.json").write_text(text, encoding="utf-8")
    proc = build(work)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(r"sessions\.lock\.json:\d+: ", proc.stderr), proc.stderr
    assert not (work / "out").exists()


# ------------------------------------------------------------------------------- hole 18: style paths


def test_style_path_in_sessions_toml_is_relative_to_its_folder(tmp_path: Path) -> None:
    project = ROOT / "bibexport" / "data" / "styles" / "course-notes.csl"
    work = tmp_path / "course"
    work.mkdir()
    shutil.copy(project, work / "x.csl")
    (work / "sessions.toml").write_text(course(BETA).replace('title = "Files"', 'title = "Files"\nstyle = "x.csl"'),
                                        encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = build(elsewhere, "-c", "../course/sessions.toml", "-o", "out", "-f", "md")
    assert proc.returncode == 0, proc.stderr
    assert "Beta testing of gamma" in (elsewhere / "out" / "readings.md").read_text(encoding="utf-8")
    # --style on the command line is read from the working folder, as before
    proc = build(elsewhere, "-c", "../course/sessions.toml", "-f", "md", "--style", "x.csl")
    assert proc.returncode == 2 and "x.csl" in proc.stderr, proc.stderr
    proc = build(work, "-f", "md", "--style", "x.csl")
    assert proc.returncode == 0, proc.stderr


def test_a_link_in_the_staging_folders_place_is_removed_not_followed(tmp_path: Path) -> None:
    """``.out.new-PID`` is a name anyone could have made a link: clearing it must not empty what it points to."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep", encoding="utf-8")
    (tmp_path / f".out.new-{os.getpid()}").symlink_to(elsewhere)
    fsio.write_tree(out, {out / "readings.bib": "new\n"})
    assert snapshot(elsewhere) == {"keep.txt": b"keep"}
    assert snapshot(out) == {"readings.bib": b"new\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "out"]


def test_recover_never_makes_a_link_the_output_folder(tmp_path: Path) -> None:
    """A link named like a dead run's old tree (``.out.old-PID``) is not the old tree: it is removed, not
    renamed to ``out``, and the build writes a real folder."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / f".out.old-{proc.pid}").symlink_to(elsewhere)
    fsio.write_tree(out, {out / "readings.bib": "new\n"})
    assert not out.is_symlink() and snapshot(out) == {"readings.bib": b"new\n"}
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "out"]
