"""End to end: `bibexport build` in a subprocess against a real server on 127.0.0.1 replaying the fixtures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.replay import ReplayServer

ROOT = Path(__file__).resolve().parent.parent

COURSE = """\
[course]
title = "Test course"

[[sessions]]
slug = "basics"
name = "Basics"
date = 2024-02-08

[[sessions.required]]
title = "Mistral 7B"
links = ["https://arxiv.org/abs/2310.06825"]

[[sessions.further]]
title = "The Pile: An 800GB Dataset of Diverse Text for Language Modeling"
links = ["https://arxiv.org/pdf/2101.00027v1.pdf"]

[[sessions.further]]
title = "Llama 2: Open Foundation and Fine-Tuned Chat Models"
links = []

[[sessions]]
slug = "alignment"
name = "Alignment"
date = 2024-02-06

[[sessions.required]]
title = "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
links = ["https://arxiv.org/abs/2305.18290", "https://huggingface.co/blog/dpo-trl"]

[[sessions.further]]
title = "Mistral 7B (again, from the pdf link)"
links = ["arXiv:2310.06825"]

[[sessions.further]]
title = "Deep reinforcement learning from human preferences"
links = ["https://openreview.net/forum?id=GisHNaleWiA"]

[[sessions.further]]
title = "A reading nobody can find"
links = []
"""


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("BIBEXPORT_", "OPENREVIEW_"))}
    full_env.update(env or {})
    full_env["BIBEXPORT_LOCK_DIR"] = str(cwd / ".locks")
    # Test this checkout, never an installed copy of bibexport that may shadow it.
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "bibexport", *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=120, check=False)


def plain(title: str) -> str:
    """A CSL-JSON title without its rich-text markup (``<span class="nocase">``)."""
    import re

    return re.sub(r"</?span[^>]*>", "", title)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def course_dir(tmp_path: Path) -> Path:
    (tmp_path / "sessions.toml").write_text(COURSE, encoding="utf-8")
    return tmp_path


def test_build_against_replayed_services(course_dir: Path) -> None:
    with ReplayServer() as server:
        proc = run(["build", "--no-cache", "-f", "bib,csl-json"], course_dir, server.env())
        assert proc.returncode == 0, proc.stderr
        arxiv = [q for service, _, q in server.requests if service == "arxiv"]
    # One id_list request for every linked arXiv reading, then one title search per reading without a paper link.
    id_lists = [q for q in arxiv if q.get("id_list")]
    assert len(id_lists) == 1
    assert sorted(id_lists[0]["id_list"].split(",")) == ["2101.00027v1", "2305.18290", "2310.06825"]
    assert id_lists[0]["max_results"] == "3"
    searches = [q["search_query"] for q in arxiv if q.get("search_query")]
    # One batched title search (issue 12: ceil(T/10) calls) for Llama 2, the OpenReview reading whose note is
    # missing, and the unfindable one.
    assert len(searches) == 1 and searches[0].count('ti:"') == 3 and searches[0].count(" OR ") == 2
    assert "wrote" in proc.stdout and "out" in proc.stdout
    # Not a TTY (a CI log): one line saying what is resolved, then the summary; no progress redraws.
    assert "resolving 7 reading(s)" in proc.stderr and "\r" not in proc.stderr and "\033[" not in proc.stderr

    out = course_dir / "out"
    items = json.loads((out / "readings.json").read_text(encoding="utf-8"))
    by_title = {plain(i["title"]): i for i in items}
    assert items[0]["title"] == '<span class="nocase">Mistral</span> <span class="nocase">7B</span>'
    assert len(items) == 6  # Mistral once, though two readings cite it
    mistral = by_title["Mistral 7B"]
    assert mistral["id"] == "jiang2023mistral"
    assert [a.get("family") for a in mistral["author"]][:3] == ["Jiang", "Sablayrolles", "Mensch"]
    assert {"family": "Casas", "given": "Diego", "non-dropping-particle": "de las"} in mistral["author"]
    assert any(a.get("given") == "Lélio Renard" for a in mistral["author"])
    assert by_title["The Pile: An 800GB Dataset of Diverse Text for Language Modeling"]["issued"] == {
        "date-parts": [[2020, 12, 31]]}
    assert by_title["Deep reinforcement learning from human preferences"]["id"] == "christiano2017deep"
    assert by_title["A reading nobody can find"]["id"].startswith("reading")
    # Preprint → published: DPO is cited as the NeurIPS 2023 paper (OpenReview's author order), eprint kept.
    dpo = by_title["Direct Preference Optimization: Your Language Model is Secretly a Reward Model"]
    assert dpo["type"] == "paper-conference"
    assert dpo["container-title"] == "Advances in Neural Information Processing Systems"
    assert [a["family"] for a in dpo["author"]] == ["Rafailov", "Sharma", "Mitchell", "Manning", "Ermon", "Finn"]
    bib = (out / "readings.bib").read_text(encoding="utf-8")
    assert "@inproceedings{rafailov2023direct," in bib and "eprint        = {2305.18290}" in bib
    assert "Lavaud, L{\\'e}lio Renard" in bib or "Lavaud, L\\'{e}lio Renard" in bib
    assert (out / "alignment" / "readings.bib").exists() and (out / "basics" / "readings.json").exists()
    assert "unresolved" in proc.stderr and "A reading nobody can find" in proc.stderr
    assert "add its link" in proc.stderr
    assert "sessions.toml:" in proc.stderr

    lock = json.loads((course_dir / "sessions.lock.json").read_text(encoding="utf-8"))
    keys = {e["title"]: e.get("key") for e in lock["readings"]}
    assert keys["Mistral 7B"] == keys["Mistral 7B (again, from the pdf link)"] == "jiang2023mistral"

    # Offline rebuild from the lockfile: no server, byte-identical outputs.
    before = snapshot(out)
    again = run(["build", "--offline", "-f", "bib,csl-json"], course_dir)
    assert again.returncode == 0, again.stderr
    assert snapshot(out) == before

    # A new reading offline: built from sessions.toml, reported, nothing else renamed.
    text = COURSE.replace('[[sessions]]\nslug = "alignment"', '[[sessions.further]]\ntitle = "Brand new"\n'
                          'links = ["https://arxiv.org/abs/2203.02155"]\n\n[[sessions]]\nslug = "alignment"')
    (course_dir / "sessions.toml").write_text(text, encoding="utf-8")
    third = run(["build", "--offline", "-f", "bib,csl-json"], course_dir)
    assert third.returncode == 0, third.stderr
    assert "Brand new" in third.stderr and "--offline" in third.stderr
    items = json.loads((out / "readings.json").read_text(encoding="utf-8"))
    assert {i["id"] for i in items} >= {"jiang2023mistral", "gao2020pile", "christiano2017deep"}
    strict = run(["build", "--offline", "--strict", "-f", "bib"], course_dir)
    assert strict.returncode == 5


def test_keep_preprints(course_dir: Path) -> None:
    with ReplayServer() as server:
        proc = run(["build", "--no-cache", "--keep-preprints", "-f", "csl-json"], course_dir, server.env())
        assert proc.returncode == 0, proc.stderr
        assert server.counts()["openreview2"] == 0
    items = json.loads((course_dir / "out" / "readings.json").read_text(encoding="utf-8"))
    dpo = next(i for i in items if i["id"] == "rafailov2023direct")
    assert dpo["type"] == "article" and dpo["number"] == "arXiv:2305.18290"
    assert [a["family"] for a in dpo["author"]][3:5] == ["Ermon", "Manning"]  # arXiv's order


def test_bad_input_touches_nothing(course_dir: Path) -> None:
    (course_dir / "out").mkdir()
    (course_dir / "out" / "readings.bib").write_text("old", encoding="utf-8")
    (course_dir / "sessions.toml").write_text(COURSE.replace('name = "Basics"', 'nmae = "Basics"'), encoding="utf-8")
    proc = run(["build", "--offline"], course_dir)
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    assert "sessions.toml:6: unknown key 'nmae' in session 'basics'" in proc.stderr
    assert "session 'basics' has no 'name'" in proc.stderr
    assert (course_dir / "out" / "readings.bib").read_text(encoding="utf-8") == "old"
    assert not (course_dir / "sessions.lock.json").exists()


def test_failing_service_costs_only_its_readings(course_dir: Path) -> None:
    """OpenReview keeps answering 503: bounded time, a per-reading reason, everything else still builds."""
    import time

    with ReplayServer(faults={"openreview1": 503, "openreview2": 503}) as server:
        start = time.monotonic()
        proc = run(["build", "--no-cache", "-f", "csl-json"], course_dir, server.env())
        elapsed = time.monotonic() - start
        assert proc.returncode == 0, proc.stderr
        failing = server.counts()["openreview1"] + server.counts()["openreview2"]
    assert elapsed < 60
    # The OpenReview link fails (once, with retries); the venue lookups are not tried again after that.
    assert failing <= 4
    items = json.loads((course_dir / "out" / "readings.json").read_text(encoding="utf-8"))
    ids = {i["id"] for i in items}
    assert {"jiang2023mistral", "gao2020pile", "touvron2023llama", "rafailov2023direct"} <= ids
    # The reading behind the failing link still resolves, by its title on arXiv, and says why.
    assert "christiano2017deep" in ids
    assert "openreview:GisHNaleWiA" in proc.stderr and "503" in proc.stderr


def test_only_new_or_changed_readings_go_to_the_network(course_dir: Path) -> None:
    with ReplayServer() as server:
        assert run(["build", "--no-cache", "-f", "bib"], course_dir, server.env()).returncode == 0
        first = len(server.requests)
        # Nothing changed: an online build asks nothing (the unresolvable reading waits for --refresh).
        assert run(["build", "--no-cache", "-f", "bib"], course_dir, server.env()).returncode == 0
        assert len(server.requests) == first
        # A manual field needs no network; a changed link does, for that reading only.
        text = COURSE.replace('links = ["https://arxiv.org/pdf/2101.00027v1.pdf"]',
                              'links = ["https://arxiv.org/abs/2101.00027"]\nyear = 2021\nkey = "pile"')
        (course_dir / "sessions.toml").write_text(text, encoding="utf-8")
        assert run(["build", "--no-cache", "-f", "bib"], course_dir, server.env()).returncode == 0
        new = server.requests[first:]
        assert [q.get("id_list") for s, _, q in new if s == "arxiv"] == ["2101.00027"]
        bib = (course_dir / "out" / "readings.bib").read_text(encoding="utf-8")
        assert "@misc{pile," in bib and "year          = {2021}" in bib
        # --refresh KEY re-resolves just that reading.
        mark = len(server.requests)
        assert run(["build", "--no-cache", "-f", "bib", "--refresh", "jiang2023mistral"], course_dir,
                   server.env()).returncode == 0
        ids = [q.get("id_list") for s, _, q in server.requests[mark:] if s == "arxiv" and q.get("id_list")]
        assert ids == ["2310.06825"]
