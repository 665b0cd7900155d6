"""Crash safety: `bibexport build` killed with SIGKILL at any point leaves ``out/`` and ``sessions.lock.json``
each in its old or its new complete version (never a mix, never half a file), and the next run cleans up.

The subprocess builds with ``BIBEXPORT_TEST_WRITE_DELAY`` (a test-only pause after each file written), so the
kills land while the output tree is being written, while it is swapped in and while the lockfile is replaced.
The unit tests below cover :func:`bibexport.fsio.write_tree` paths the kill test cannot force (no
``RENAME_EXCHANGE``, a crash between the two renames, a symlinked or shared output folder).
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from bibexport import fsio
from bibexport.errors import OutputError

ROOT = Path(__file__).resolve().parents[1]
SESSION = """
[[sessions]]
slug = "{slug}"
name = "{name}"
date = 2024-02-{day:02d}

[[sessions.required]]
title = "{title}"
links = ["https://arxiv.org/abs/{arxiv}"]
authors = ["Doe, Jane", "Roe, Richard"]
year = 2023

[[sessions.further]]
title = "Notes on {title}"
links = ["https://example.org/{slug}"]
"""
OLD = "[course]\ntitle = \"Crash course\"\n" + "".join(
    SESSION.format(slug=f"s{i}", name=f"Session {i}", day=i + 1, title=f"Paper {i}", arxiv=f"2310.0{i}825")
    for i in range(3))
# The new version changes every file: a renamed title in each session and a fourth session.
NEW = OLD.replace("Paper ", "Revised paper ") + SESSION.format(slug="s3", name="Session 3", day=9,
                                                               title="Paper 3", arxiv="2310.03825")


def _env(cwd: Path, delay: float = 0.0) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIBEXPORT_", "OPENREVIEW_"))}
    env["BIBEXPORT_LOCK_DIR"] = str(cwd.parent / f"{cwd.name}.locks")  # outside: only writes change cwd
    env["PYTHONPATH"] = str(ROOT)  # test this checkout, not whatever copy is pip-installed
    if delay:
        env["BIBEXPORT_TEST_WRITE_DELAY"] = str(delay)
    return env


ARGS = [sys.executable, "-m", "bibexport", "build", "--offline", "-f", "bib,csl-json,md"]


def _build(cwd: Path) -> None:
    proc = subprocess.run(ARGS, cwd=cwd, env=_env(cwd), capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path → bytes); symlinks and folders are not files."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _leftovers(cwd: Path) -> list[str]:
    return sorted(p.name for p in cwd.iterdir() if p.name.startswith((".out.", ".sessions.lock.json.")))


@dataclass(frozen=True)
class Versions:
    """The old and the new complete versions of out/ and of the lockfile, and the folder holding the old."""

    dir: Path
    old_out: dict[str, bytes]
    new_out: dict[str, bytes]
    old_lock: bytes
    new_lock: bytes


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Versions:
    """The old and the new complete versions of out/ and the lockfile (a user's own file in out/ in both)."""
    old, new = tmp_path_factory.mktemp("old"), tmp_path_factory.mktemp("new")
    (old / "sessions.toml").write_text(OLD, encoding="utf-8")
    _build(old)
    (old / "out" / "my-notes.txt").write_text("hand-written, not ours\n", encoding="utf-8")
    shutil.copytree(old, new, dirs_exist_ok=True)
    (new / "sessions.toml").write_text(NEW, encoding="utf-8")
    _build(new)
    result = Versions(old, snapshot(old / "out"), snapshot(new / "out"), (old / "sessions.lock.json").read_bytes(),
                      (new / "sessions.lock.json").read_bytes())
    assert result.old_out != result.new_out and result.old_lock != result.new_lock
    assert set(result.old_out) < set(result.new_out)  # s3/ is new; my-notes.txt is in both
    assert result.new_out["my-notes.txt"] == b"hand-written, not ours\n"
    return result


def _reset(versions: Versions, work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(versions.dir, work)
    (work / "sessions.toml").write_text(NEW, encoding="utf-8")


def _fingerprint(work: Path) -> tuple[object, ...]:
    """What any way of writing must change first: the entries of the course folder, of out/ or of its folders."""
    out = work / "out"
    folders = [out] + sorted(p for p in out.iterdir() if p.is_dir()) if out.is_dir() else []
    return (tuple(sorted(os.listdir(work))), tuple(f.stat().st_mtime_ns for f in folders))


def _mix(versions: Versions, out: dict[str, bytes] | None) -> str:
    """A readable account of an out/ that is neither version (for the failure message)."""
    if out is None:
        return "MIXED: out/ is missing"
    old, new = versions.old_out, versions.new_out
    kinds = {name: "old" if data == old.get(name) else "new" if data == new.get(name) else "other"
             for name, data in out.items()}
    return f"MIXED: {kinds}; missing {sorted(set(new) - set(out))}"


def _kill_run(versions: Versions, work: Path, after: float, delay: float) -> tuple[str, str, list[str]]:
    """Reset ``work`` to the old state, build the new sessions.toml and SIGKILL the build ``after`` seconds after
    it starts writing (``after`` < 0: that long after it starts); return which version out/ and the lockfile
    hold, and what the run left beside them."""
    _reset(versions, work)
    before = _fingerprint(work)
    proc = subprocess.Popen(ARGS, cwd=work, env=_env(work, delay), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if after >= 0:
        deadline = time.monotonic() + 30
        with contextlib.suppress(OSError):  # a folder may vanish while we look: that is a change too
            while _fingerprint(work) == before and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.003)
    time.sleep(abs(after))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    out = snapshot(work / "out") if (work / "out").exists() else None
    out_state = "old" if out == versions.old_out else "new" if out == versions.new_out else _mix(versions, out)
    lock = (work / "sessions.lock.json").read_bytes()
    lock_state = "old" if lock == versions.old_lock else "new" if lock == versions.new_lock else "MIXED"
    return out_state, lock_state, _leftovers(work)


def test_sigkill_at_random_points_leaves_old_or_new(versions: Versions, tmp_path: Path) -> None:
    delay = 0.03  # per file: 16 files + the lockfile make a write phase of ~0.5 s
    rng = random.Random(20240208)
    # Three kills during start-up, the others spread over the write phase and a little beyond its end.
    points = [-rng.uniform(0.05, 0.3) for _ in range(2)] + [rng.uniform(0, 17 * delay * 1.2) for _ in range(17)]
    points.append(17 * delay * 4)  # surely after the end, even on a loaded machine
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda ia: _kill_run(versions, tmp_path / f"run{ia[0]}", ia[1], delay),
                                enumerate(points)))
    for point, (out_state, lock_state, _) in zip(points, results):
        assert out_state in ("old", "new"), f"out/ after a kill at {point:.3f}s: {out_state}"
        assert lock_state in ("old", "new"), f"the lockfile is damaged after a kill at {point:.3f}s"
        # The lockfile is written last: a new lockfile never comes with old outputs.
        assert not (lock_state == "new" and out_state == "old")
    assert {out for out, _, _ in results} == {"old", "new"}, results  # kills landed before and after the swap

    # The next run after a kill finishes the job and leaves nothing behind.
    messy = [i for i, (_, _, left) in enumerate(results) if left] or [0]
    work = tmp_path / f"run{messy[0]}"
    _build(work)
    assert snapshot(work / "out") == versions.new_out
    assert (work / "sessions.lock.json").read_bytes() == versions.new_lock
    assert _leftovers(work) == []


# --------------------------------------------------------------------------------- write_tree, unit level


def _files(out: Path, version: str) -> dict[Path, str]:
    return {out / "readings.bib": f"bib {version}\n", out / "s1" / "readings.bib": f"s1 {version}\n"}


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_write_tree_keeps_foreign_files_and_unchanged_trees(tmp_path: Path) -> None:
    out = tmp_path / "out"
    fsio.write_tree(out, _files(out, "old"))
    (out / "notes.md").write_text("mine", encoding="utf-8")
    (out / "s1" / "slides.pdf").write_bytes(b"%PDF")
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    fsio.write_tree(out, _files(out, "old"))  # unchanged: nothing touched, not even mtimes
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    fsio.write_tree(out, _files(out, "new"))
    assert snapshot(out) == {"notes.md": b"mine", "readings.bib": b"bib new\n", "s1/readings.bib": b"s1 new\n",
                             "s1/slides.pdf": b"%PDF"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_write_tree_never_writes_through_a_hard_link(tmp_path: Path) -> None:
    """The staging tree hard-links the old files; writing ours must replace, not modify, the shared inode."""
    out = tmp_path / "out"
    fsio.write_tree(out, _files(out, "old"))
    keep = tmp_path / "kept-by-user.bib"
    os.link(out / "readings.bib", keep)
    fsio.write_tree(out, _files(out, "new"))
    assert keep.read_text(encoding="utf-8") == "bib old\n"


def test_write_tree_without_rename_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fsio, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    fsio.write_tree(out, _files(out, "old"))
    fsio.write_tree(out, _files(out, "new"))
    assert snapshot(out) == {"readings.bib": b"bib new\n", "s1/readings.bib": b"s1 new\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_recover_after_a_crash_between_the_two_renames(tmp_path: Path) -> None:
    """Without RENAME_EXCHANGE a kill can land after ``out`` → ``.out.old-PID``: the next run restores it."""
    out = tmp_path / "out"
    fsio.write_tree(out, _files(out, "old"))
    pid = _dead_pid()
    os.rename(out, tmp_path / f".out.old-{pid}")
    (tmp_path / f".out.new-{pid}").mkdir()  # the new tree, complete or not: it never became out/
    (tmp_path / f".out.new-{pid}" / "readings.bib").write_text("half", encoding="utf-8")
    fsio.recover(out)
    assert snapshot(out) == {"readings.bib": b"bib old\n", "s1/readings.bib": b"s1 old\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    # Killed after the second rename: out/ is the new tree and the old one is only deleted.
    os.rename(out, tmp_path / f".out.old-{pid}")
    fsio.write_tree(out, _files(out, "new"))
    assert snapshot(out)["readings.bib"] == b"bib new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_recover_leaves_a_live_run_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = tmp_path / f".out.new-{sleeper.pid}"
        live.mkdir()
        fsio.write_tree(out, _files(out, "new"))
        assert live.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_stale_lockfile_temp_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "sessions.lock.json"
    stale = tmp_path / f".sessions.lock.json.{_dead_pid()}.abc123.tmp"
    stale.write_text("{half", encoding="utf-8")
    fsio.atomic_write(target, "{}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sessions.lock.json"]


def test_symlinked_out_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "site" / "bib"
    real.mkdir(parents=True)
    out = tmp_path / "out"
    out.symlink_to(real)
    fsio.write_tree(out, _files(out, "new"))
    assert out.is_symlink() and (real / "readings.bib").read_text(encoding="utf-8") == "bib new\n"


def test_shared_folder_gets_per_file_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``-o .`` (or a repository root) is never swapped: the course's own files stay where they are."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sessions.toml").write_text("x", encoding="utf-8")
    inode = tmp_path.stat().st_ino
    fsio.write_tree(Path("."), {Path("readings.bib"): "bib\n"})
    assert tmp_path.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["readings.bib", "sessions.toml"]


def test_unswappable_out_falls_back_to_per_file_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mount point or a read-only parent cannot take a sibling folder: the files are still written."""
    out = tmp_path / "out"
    fsio.write_tree(out, _files(out, "old"))

    def cannot(out_dir: Path, rel: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(fsio, "_swap_in", cannot)
    fsio.write_tree(out, _files(out, "new"))
    assert snapshot(out) == {"readings.bib": b"bib new\n", "s1/readings.bib": b"s1 new\n"}


def test_paths_outside_out_and_a_file_named_out_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="not inside"):
        fsio.write_tree(out, {tmp_path / "elsewhere.bib": "x"})
    with pytest.raises(OutputError, match="not inside"):
        fsio.write_tree(out, {out / ".." / "escape.bib": "x"})
    out.write_text("a file", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file"):
        fsio.write_tree(out, _files(out, "new"))


# --------------------------------------------------------------------------------- concurrent runs


def test_second_concurrent_build_is_refused_and_the_lockfile_stays_valid(versions: Versions,
                                                                         tmp_path: Path) -> None:
    """While one build writes, a second on the same lockfile exits 6 at once with a clear message."""
    work = tmp_path / "work"
    _reset(versions, work)
    before = _fingerprint(work)
    first = subprocess.Popen(ARGS, cwd=work, env=_env(work, delay=0.15), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    with contextlib.suppress(OSError):
        while _fingerprint(work) == before and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
    assert first.poll() is None, "the first build ended before it could be raced"
    second = subprocess.run(ARGS, cwd=work, env=_env(work), capture_output=True, text=True, timeout=60,
                            check=False)
    assert first.poll() is None, "the first build was not slow enough to overlap the second"
    assert second.returncode == 6, second.stderr
    assert second.stderr == "error: another bibexport run is using sessions.lock.json; wait for it to finish\n"
    _, first_err = first.communicate(timeout=60)
    assert first.returncode == 0, first_err
    assert snapshot(work / "out") == versions.new_out
    assert (work / "sessions.lock.json").read_bytes() == versions.new_lock


def test_files_saved_into_out_while_a_build_writes_are_kept(versions: Versions, tmp_path: Path) -> None:
    """A real build (slowed by BIBEXPORT_TEST_WRITE_DELAY): once it has begun writing its staging tree, the user
    saves a new file into out/ and replaces their notes (an editor's atomic save).  Both survive the swap."""
    work = tmp_path / "work"
    _reset(versions, work)
    out = work / "out"
    proc = subprocess.Popen(ARGS, cwd=work, env=_env(work, delay=0.1), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)

    def writing() -> Path | None:
        """The staging folder, once the build has replaced its first file there (after copying the old tree)."""
        for staging in work.glob(".out.new-*"):
            with contextlib.suppress(OSError):
                if (staging / "readings.bib").stat().st_ino != (out / "readings.bib").stat().st_ino:
                    return staging
        return None

    deadline = time.monotonic() + 30
    staging = writing()
    while staging is None and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
        staging = writing()
    assert staging is not None, "the build never started writing its staging tree"
    (out / "saved-while-building.txt").write_text("saved\n", encoding="utf-8")
    (out / ".my-notes.txt.tmp").write_text("notes, second version\n", encoding="utf-8")
    os.replace(out / ".my-notes.txt.tmp", out / "my-notes.txt")
    assert staging.exists() and proc.poll() is None, "the build swapped before the save: the test proves nothing"
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    expected = dict(versions.new_out, **{"saved-while-building.txt": b"saved\n",
                                         "my-notes.txt": b"notes, second version\n"})
    assert snapshot(out) == expected
    assert _leftovers(work) == []
