"""sessions.toml as `bibexport import` writes it from real lists: sessions without a date (or with the date as
written, ``when``), readings with the list's nickname (``label``) and what the list says about them (``listed``).

Through the CLI, in a subprocess, against the loopback replay of the services (tests/replay.py), as
tests/test_build.py does: it builds (online and --offline), renders every format, and checks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bibexport.model import Listed, Reading
from bibexport.names import split_names
from bibexport.pipeline import plan
from tests.replay import ReplayServer
from tests.test_build import plain, run, snapshot

GPT2_PDF = "https://cdn.openai.com/better-language-models/language_models_are_unsupervised_multitask_learners.pdf"
RLHF = "Deep reinforcement learning from human preferences"

COURSE = f"""\
[course]
title = "CS 685 Fall 2023"

[[sessions]]
slug = "week-3-transformers"
name = "Week 3: Transformers"
when = "Tuesday, Aug 29"

[[sessions.required]]
title = "GPT-2"
label = "GPT-2"
links = ["{GPT2_PDF}"]
listed = {{ authors = "Alec Radford, Jeffrey Wu, Rewon Child", year = 2019, venue = "OpenAI blog", note = "sections 1-3" }}

[[sessions.required]]
title = "the Mistral paper"
label = "the Mistral paper"
links = ["https://arxiv.org/abs/2310.06825"]

[[sessions.further]]
title = "The Pile"
links = ["https://arxiv.org/abs/2101.00027"]

[[sessions]]
slug = "late"
name = "Later session"
date = 2024-02-08

[[sessions.required]]
title = "{RLHF}"
listed = {{ authors = "Paul Christiano et al.", year = 2018 }}

[[sessions]]
slug = "week-4"
name = "Week 4"

[[sessions.required]]
title = "{RLHF}"
listed = {{ year = 2010 }}

[[sessions.further]]
title = "{RLHF}"
listed = {{ authors = "Ada Lovelace", year = 2017, venue = "Analytical Engines" }}
"""


@pytest.fixture()
def course_dir(tmp_path: Path) -> Path:
    (tmp_path / "sessions.toml").write_text(COURSE, encoding="utf-8")
    return tmp_path


def test_undated_course_builds_renders_and_rebuilds_offline(course_dir: Path) -> None:
    with ReplayServer() as server:
        proc = run(["build", "--no-cache", "-f", "bib,csl-json,md,html,txt"], course_dir, server.env())
        searches = [q["search_query"] for service, _, q in server.requests
                    if service == "arxiv" and q.get("search_query")]
    assert proc.returncode == 0, proc.stderr
    assert "date" not in proc.stderr  # an undated session is not a problem, not even a warning
    out = course_dir / "out"

    # label: the nickname is never searched; the source's title is used without a "title differs" warning.
    assert not [s for s in searches if "GPT" in s or "Mistral" in s]
    # The three RLHF readings share a title: one batched search (issue 12), each reading guarded by its list.
    assert len(searches) == 1
    assert "title differs" in proc.stderr and "'The Pile'" in proc.stderr  # no label: the warning stays
    for name, text in snapshot(out).items():
        assert b"the Mistral paper" not in text, name  # the label is not an output field

    listing = json.loads((out / "readings.json").read_text(encoding="utf-8"))
    items = {plain(i["title"]): i for i in listing}
    assert "Mistral 7B" in items

    # listed fills the reading nothing could resolve, and the report says where the fields come from.
    gpt2 = items["GPT-2"]
    assert [(a["given"], a["family"]) for a in gpt2["author"]] == [("Alec", "Radford"), ("Jeffrey", "Wu"),
                                                                  ("Rewon", "Child")]
    assert gpt2["issued"] == {"date-parts": [[2019]]}
    assert gpt2["container-title"] == "OpenAI blog" and gpt2["note"] == "sections 1-3"
    assert re.search(r"from the list: sessions\.toml:9 radford2019\w*: authors, year, venue, note as the reading "
                     r"list gives them \(listed\)", proc.stderr), proc.stderr
    bib = (out / "readings.bib").read_text(encoding="utf-8")
    assert "Radford, Alec and Wu, Jeffrey and Child, Rewon" in bib

    # listed guards the title search: 2017 is within a year of 2018 and Christiano is an author: taken ...
    rlhf = [i for i in listing if plain(i["title"]) == RLHF]
    assert len(rlhf) == 3 and rlhf[0]["id"] == "christiano2017deep"
    assert [a["family"] for a in rlhf[0]["author"]][:2] == ["Christiano", "Leike"]
    # ... but not for the reading the list dates 2010, nor for the one it gives to another author.
    assert "it is from 2017, the reading list says 2010: not taken" in proc.stderr
    assert "its authors share no family name with the reading list's (Ada Lovelace): not taken" in proc.stderr
    assert rlhf[1]["issued"] == {"date-parts": [[2010]]} and "author" not in rlhf[1]  # filled: only a year
    assert rlhf[2]["author"] == [{"family": "Lovelace", "given": "Ada"}]
    assert rlhf[2]["container-title"] == "Analytical Engines"

    # Headings: `when` as written, the ISO date, or nothing; sessions in file order (not by date).
    md = (out / "readings.md").read_text(encoding="utf-8")
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["## Week 3: Transformers (Tuesday, Aug 29)", "## Later session (2024-02-08)", "## Week 4"]
    html = (out / "readings.html").read_text(encoding="utf-8")
    assert "<h2>Week 3: Transformers (Tuesday, Aug 29)</h2>" in html
    assert '<h2>Later session <time datetime="2024-02-08">(2024-02-08)</time></h2>' in html
    assert "<h2>Week 4</h2>" in html and "<time" not in html.split("Week 4")[1]
    txt = (out / "week-4" / "readings.txt").read_text(encoding="utf-8")
    assert txt.startswith("Week 4\n======\n")
    assert "<h1>Week 3: Transformers (Tuesday, Aug 29)</h1>" in (out / "week-3-transformers" / "readings.html").read_text(
        encoding="utf-8")
    assert (out / "week-4" / "readings.bib").exists() and (out / "week-4" / "readings.json").exists()

    # Offline from the lockfile: byte-identical.
    before = snapshot(out)
    again = run(["build", "--offline", "-f", "bib,csl-json,md,html,txt"], course_dir)
    assert again.returncode == 0, again.stderr
    assert snapshot(out) == before


def test_offline_without_lockfile_fills_from_the_list_and_hand_fields_win(course_dir: Path) -> None:
    text = COURSE.replace('title = "The Pile"', 'title = "The Pile"\nyear = 2021\n'
                          'listed = { year = 2020, venue = "arXiv", authors = "Leo Gao et al." }')
    (course_dir / "sessions.toml").write_text(text, encoding="utf-8")
    proc = run(["build", "--offline", "-f", "csl-json"], course_dir)
    assert proc.returncode == 0, proc.stderr
    items = {plain(i["title"]): i for i in json.loads((course_dir / "out" / "readings.json").read_text("utf-8"))}
    pile = items["The Pile"]
    assert pile["issued"] == {"date-parts": [[2021]]}  # the hand year wins over the list's
    assert pile["author"] == [{"family": "Gao", "given": "Leo"}] and pile["container-title"] == "arXiv"
    assert re.search(r"from the list: sessions\.toml:20 gao2021\w*: authors, venue as", proc.stderr), proc.stderr
    assert "not in the lockfile and --offline was given" in proc.stderr
    # A reading the list gives no year for still gets the "no date known" warning; the filled ones do not.
    undated = re.findall(r"warning: sessions\.toml:(\d+) \S+: no date known", proc.stderr)
    assert undated == ["15"]  # the Mistral paper, unresolved offline and undated


def test_check_accepts_undated_sessions_in_every_report_format(course_dir: Path) -> None:
    for fmt in ("text", "json", "github"):
        proc = run(["check", "--offline", "--format", fmt], course_dir)
        assert proc.returncode == 0, proc.stderr
        if fmt == "json":
            doc = json.loads(proc.stdout)
            assert [r["session"] for r in doc["results"]] == ["week-3-transformers"] * 3
    text = run(["check", "--offline", "--verbose"], course_dir)
    assert "Week 3: Transformers (week-3-transformers)" in text.stdout
    with ReplayServer() as server:
        online = run(["check", "--format", "json", "--no-cache", "--exclude", r"^https://cdn\.openai\.com/"],
                     course_dir, server.env())
    assert online.returncode == 0, online.stdout + online.stderr
    verdicts = {r["url"]: r["verdict"] for r in json.loads(online.stdout)["results"]}
    assert verdicts["https://arxiv.org/abs/2310.06825"] == "ok" and verdicts["https://arxiv.org/abs/2101.00027"] == "ok"


def test_a_title_that_is_its_label_is_never_searched() -> None:
    nickname = Reading("GPT-2", (GPT2_PDF,), label="GPT-2")
    assert not plan(nickname).title_search
    assert plan(Reading("GPT-2", (GPT2_PDF,))).title_search  # without the label it would be searched
    titled = Reading("Language Models are Unsupervised Multitask Learners", (GPT2_PDF,), label="GPT-2")
    assert plan(titled).title_search  # the label is the link text; the title is a real title


@pytest.mark.parametrize(
    ("written", "families"),
    [
        ("Alec Radford, Jeffrey Wu, Rewon Child", ["Radford", "Wu", "Child"]),
        ("A. Radford, J. Wu, and R. Child", ["Radford", "Wu", "Child"]),
        ("Radford, Alec and Wu, Jeffrey", ["Radford", "Wu"]),
        ("Radford, Alec", ["Radford"]),
        ("Ori Ram; Yoav Levine", ["Ram", "Levine"]),
        ("Diego de las Casas & Teven Le Scao", ["Casas", "Le Scao"]),
        ("Christiano et al.", ["Christiano"]),
        ("", []),
    ],
)
def test_listed_authors_split_like_the_rest_of_bibexport(written: str, families: list[str]) -> None:
    assert [p.family for p in split_names(written)] == families
    assert [p.family for p in Listed(authors=written).persons] == families


def test_a_date_with_when_is_machine_readable_in_html_and_as_written_in_text(course_dir: Path) -> None:
    text = COURSE.replace('when = "Tuesday, Aug 29"', 'date = 2023-08-29\nwhen = "Tuesday, Aug 29"')
    (course_dir / "sessions.toml").write_text(text, encoding="utf-8")
    proc = run(["build", "--offline", "-f", "html,txt"], course_dir)
    assert proc.returncode == 0, proc.stderr
    html = (course_dir / "out" / "readings.html").read_text(encoding="utf-8")
    assert '<h2>Week 3: Transformers <time datetime="2023-08-29">(Tuesday, Aug 29)</time></h2>' in html
    txt = (course_dir / "out" / "readings.txt").read_text(encoding="utf-8")
    assert "\nWeek 3: Transformers (Tuesday, Aug 29)\n---" in txt


def test_readme_documents_the_keys_the_importer_writes() -> None:
    from bibexport.config import parse_course

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## `sessions.toml`", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2
    full = parse_course(blocks[0])  # the reference example parses as it is
    assert full.sessions[0].slug == "alignment"
    example = parse_course('[[sessions]]\nslug = "week-3"\nname = "Week 3"\n\n' + blocks[1])
    reading = example.sessions[0].readings[0]
    assert example.sessions[0].date is None and reading.title_is_label
    assert reading.listed == Listed("Alec Radford, Jeffrey Wu, Rewon Child", 2019, "OpenAI blog", "sections 1-3")
