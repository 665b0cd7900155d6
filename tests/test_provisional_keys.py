"""Provisional keys (issue 12, part 5).

A reading built while it cannot be resolved (offline, or its source down) gets a key from its title
(``mistral7b``).  That key is provisional: the lockfile says ``"key_provisional": true``, it holds while the reading
stays unresolved, and the first build that resolves the reading gives it the work's real key
(``jiang2023mistral``), says ``key mistral7b → jiang2023mistral`` in the report, and pins it from then on.  A hand
key never changes.  Lockfiles without the field load as they are and keep their keys.

Builds run in a subprocess (``python -m bibexport``, this checkout) against the loopback replay server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bibexport import config, lockfile, pipeline
from bibexport.errors import InputError
from bibexport.http import make_http
from tests.replay import ReplayServer

ROOT = Path(__file__).resolve().parents[1]
HEAD = '[course]\ntitle = "Keys"\n\n[[sessions]]\nslug = "s0"\nname = "Session"\ndate = 2024-02-01\n'
MISTRAL = '\n[[sessions.required]]\ntitle = "Mistral 7B"\nlinks = ["https://arxiv.org/abs/2310.06825"]\n'
PILE_BY_TITLE = '\n[[sessions.required]]\ntitle = "The Pile: An 800GB Dataset of Diverse Text for Language Modeling"\n'
LLAMA_BY_HAND = ('\n[[sessions.required]]\ntitle = "Llama 2"\nlinks = ["https://arxiv.org/abs/2307.09288"]\n'
                 'key = "llama2"\n')


def run(cwd: Path, *args: str, server: ReplayServer | None = None) -> subprocess.CompletedProcess[str]:
    """``bibexport ARGS`` in ``cwd`` (this checkout), pointed at ``server`` when given."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), BIBEXPORT_RETRIES="0", BIBEXPORT_BACKOFF="0",
               BIBEXPORT_TIMEOUT="5", **(server.env() if server is not None else {}))
    proc = subprocess.run([sys.executable, "-m", "bibexport", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def online(cwd: Path, faults: dict[str, int] | None = None) -> subprocess.CompletedProcess[str]:
    with ReplayServer(faults=faults) as server:
        proc = run(cwd, "build", "--no-cache", server=server)
        if faults:
            assert all(server.counts()[name] >= 1 for name in faults)  # it did ask, and was refused
    return proc


def entries(cwd: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((cwd / "sessions.lock.json").read_text(encoding="utf-8"))["readings"]
    return data


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def key_lines(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.strip().startswith("key ")]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "course"
    folder.mkdir()
    return folder


def test_a_key_made_while_arxiv_is_down_is_replaced_once_when_the_paper_resolves(work: Path) -> None:
    (work / "sessions.toml").write_text(HEAD + MISTRAL + PILE_BY_TITLE + LLAMA_BY_HAND, encoding="utf-8")
    first = online(work, faults={"arxiv": 503})
    mistral, pile, llama = entries(work)
    assert mistral["status"] == pile["status"] == llama["status"] == "unavailable"
    assert (mistral["key"], mistral.get("key_provisional")) == ("mistral7b", True)
    assert (pile["key"], pile.get("key_provisional")) == ("pile800gb", True)
    assert llama["key"] == "llama2" and "key_provisional" not in llama  # a hand key is never provisional
    assert key_lines(first.stderr) == []
    assert "@misc{mistral7b," in (work / "out" / "readings.bib").read_text(encoding="utf-8")

    second = online(work)
    mistral, pile, llama = entries(work)
    assert mistral["status"] == pile["status"] == llama["status"] == "resolved"
    assert mistral["key"] == "jiang2023mistral" and pile["key"] == "gao2020pile"
    assert llama["key"] == "llama2"
    assert not any("key_provisional" in e for e in (mistral, pile, llama))
    tail = "resolved; its provisional key is replaced, and the new one is pinned"
    pile_title = "The Pile: An 800GB Dataset of Diverse Text for Language Modeling"
    assert sorted(key_lines(second.stderr)) == [
        f"key mistral7b → jiang2023mistral: sessions.toml:9 'Mistral 7B' {tail}",
        f"key pile800gb → gao2020pile: sessions.toml:13 {pile_title!r} {tail}",
    ], second.stderr
    bib = (work / "out" / "readings.bib").read_text(encoding="utf-8")
    assert "{jiang2023mistral," in bib and "{gao2020pile," in bib and "{llama2," in bib
    assert "mistral7b" not in bib and "pile800gb" not in bib

    lock_before, out_before = (work / "sessions.lock.json").read_bytes(), snapshot(work / "out")
    third = online(work)
    assert key_lines(third.stderr) == []
    assert (work / "sessions.lock.json").read_bytes() == lock_before
    assert snapshot(work / "out") == out_before
    run(work, "build", "--offline")
    assert (work / "sessions.lock.json").read_bytes() == lock_before


def test_a_key_made_offline_holds_until_the_reading_resolves(work: Path) -> None:
    (work / "sessions.toml").write_text(HEAD + MISTRAL, encoding="utf-8")
    run(work, "build", "--offline")
    assert entries(work)[0]["status"] == "unresolved"
    assert (entries(work)[0]["key"], entries(work)[0].get("key_provisional")) == ("mistral7b", True)
    lock_before = (work / "sessions.lock.json").read_bytes()
    run(work, "build", "--offline")  # still unresolved: the provisional key holds, nothing is rewritten
    assert (work / "sessions.lock.json").read_bytes() == lock_before
    online(work, faults={"arxiv": 503})  # the source down: still provisional, same key
    assert (entries(work)[0]["key"], entries(work)[0].get("key_provisional")) == ("mistral7b", True)
    proc = online(work)
    assert entries(work)[0]["key"] == "jiang2023mistral" and "key_provisional" not in entries(work)[0]
    assert [line.split(":")[0] for line in key_lines(proc.stderr)] == ["key mistral7b → jiang2023mistral"]


def test_a_hand_key_set_later_wins_and_is_not_reported_as_renamed(work: Path) -> None:
    (work / "sessions.toml").write_text(HEAD + MISTRAL, encoding="utf-8")
    run(work, "build", "--offline")
    assert entries(work)[0].get("key_provisional") is True
    (work / "sessions.toml").write_text(HEAD + MISTRAL + 'key = "mine"\n', encoding="utf-8")
    proc = online(work)
    assert entries(work)[0]["key"] == "mine" and "key_provisional" not in entries(work)[0]
    assert key_lines(proc.stderr) == []


def _course(tmp: Path, text: str) -> Any:
    path = tmp / "sessions.toml"
    path.write_text(text, encoding="utf-8")
    return config.load_course(path, env={})


def test_the_real_key_of_a_resolved_reading_takes_a_suffix_when_another_work_holds_it(tmp_path: Path) -> None:
    """Pure assemble: the released provisional key is not pinned; the real key collides with a pinned one."""
    another = '\n[[sessions.required]]\ntitle = "Another work"\nlinks = ["https://example.org/another"]\n'
    course = _course(tmp_path, HEAD + MISTRAL + another)
    fp, other_fp = (r.fingerprint for r in course.readings())
    with ReplayServer() as server:  # a resolved record, as the pipeline makes it
        env = dict(server.env(), BIBEXPORT_RETRIES="0", BIBEXPORT_BACKOFF="0")
        course = config.load_course(tmp_path / "sessions.toml", env=env)
        http = make_http(course.endpoints, cache=False)
        try:
            results = pipeline.resolve_readings([pipeline.plan(r) for r in course.readings()], http, course)
        finally:
            http.close()
    resolved = pipeline.update_lock(course, lockfile.Lock(), {fp: results[fp]}, dt.date(2024, 1, 1)).entries[0]
    assert resolved.status == "resolved"
    provisional = replace(resolved, key="mistral7b", key_provisional=True)
    # The other reading holds the real key already (a hand-edited lockfile): a pinned key never moves.
    other = lockfile.LockEntry(other_fp, "Another work", ("https://example.org/another",), status="unresolved",
                               key="jiang2023mistral")
    assembly = pipeline.assemble(course, lockfile.Lock.of([other, provisional]))
    assert assembly.keys == {other_fp: "jiang2023mistral", fp: "jiang2023mistrala"}
    assert assembly.renamed == {fp: ("mistral7b", "jiang2023mistrala")}
    assert assembly.provisional == frozenset({other_fp})  # made while unresolved, not by hand
    pinned = pipeline.pin_keys(lockfile.Lock.of([other, provisional]), assembly.keys, assembly.provisional)
    assert [(e.key, e.key_provisional) for e in pinned.entries] == [("jiang2023mistral", True),
                                                                   ("jiang2023mistrala", False)]
    # Still unresolved, the other reading keeps its key: a provisional key holds until its reading resolves.
    assert pipeline.assemble(course, pinned).keys == assembly.keys
    assert pipeline.assemble(course, pinned).renamed == {}


def test_the_seed_lockfile_loads_unchanged_and_keeps_its_keys(tmp_path: Path) -> None:
    text = (ROOT / "sessions.lock.json").read_text(encoding="utf-8")
    lock = lockfile.loads(text)
    assert lockfile.dumps(lock) == text
    assert not any(e.key_provisional for e in lock.entries)
    work = tmp_path / "seed"
    work.mkdir()
    shutil.copy(ROOT / "sessions.toml", work / "sessions.toml")
    shutil.copy(ROOT / "sessions.lock.json", work / "sessions.lock.json")
    if (ROOT / "styles").is_dir():  # a style sessions.toml may name, relative to its folder
        shutil.copytree(ROOT / "styles", work / "styles")
    proc = run(work, "build", "--offline", "--no-cache")
    assert key_lines(proc.stderr) == []
    assert (work / "sessions.lock.json").read_text(encoding="utf-8") == text
    keys = [e["key"] for e in entries(work)]
    assert keys == [e.key for e in lock.entries]


@pytest.mark.parametrize("value", ['"yes"', "1", "null"])
def test_key_provisional_must_be_true_or_false(value: str) -> None:
    text = (ROOT / "sessions.lock.json").read_text(encoding="utf-8")
    first_key = text.index('"key": ')
    damaged = text[:first_key] + f'"key_provisional": {value},\n      ' + text[first_key:]
    with pytest.raises(InputError) as info:
        lockfile.loads(damaged)
    assert "'key_provisional' must be true or false" in str(info.value)
