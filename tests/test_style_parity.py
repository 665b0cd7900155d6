"""Our reference lists against pandoc's citeproc (the Haskell citeproc, close to citeproc-js), style by style.

For apa, ieee, chicago-author-date, modern-language-association, acm-sig-proceedings (every style README names)
and the project's course-notes style, the
CSL-JSON of a course is rendered by ``pandoc --citeproc`` with the very same ``.csl`` file, to plain text, and
compared with our text list entry by entry.  Two courses: the seed (``bibexport build --offline`` on the
repository's ``sessions.toml``: its ``out/readings.json`` for pandoc, its ``out/readings.txt`` for us) and
a few extra records citeproc-py used to get wrong (editors, one author, many authors, no date, a web page).

Where we still differ, the difference is listed below with its reason, and in README ("Reference lists");
a listed difference that no longer occurs fails the test too, so the list stays true.

pybtex styles have no CSL to compare; ``pybtex:plain`` is held to BibTeX's ``plain.bst`` instead: within
each part of a session the entries come in the order bibtex sorts them, and the numbers count down the page.
"""

from __future__ import annotations

import datetime
import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bibexport.emitters import csljson, reflist
from bibexport.emitters.styles import resolve_style
from bibexport.model import Bibliography, Course, Entry, Person, Record, Session, SessionBibliography

pytestmark = [pytest.mark.pandoc, pytest.mark.skipif(shutil.which("pandoc") is None, reason="needs pandoc")]

ROOT = Path(__file__).resolve().parent.parent
CSL_STYLES = ["apa", "ieee", "chicago-author-date", "modern-language-association", "acm-sig-proceedings", "course-notes"]

_DISAMBIGUATION = ("pandoc carries citation disambiguation (disambiguate-add-names: two 'Jiang et al.' works) "
                   "into the bibliography; CSL disambiguates citations only, and citeproc-py has none")
_MONTHS = ("MLA 9 abbreviates months longer than four letters, so June and July stay whole: citeproc-py's "
           "en-US locale has that; pandoc 2.17's built-in locale abbreviates them")

#: style -> [(ours, pandoc's, why)]: in every entry of that style where ``ours`` occurs, replacing it by
#: ``pandoc's`` gives pandoc's text.  Each must occur at least once in the lists compared.
STYLE_DIFFERENCES: dict[str, list[tuple[str, str, str]]] = {
    "chicago-author-date": [
        ("Preprint, arXiv", "arXiv",
         ("the style asks for the term 'preprint' before the repository (CMOS18 14.76); pandoc 2.17's built-in "
         "en-US locale has no such term and prints nothing")),
        ("GitHub, released.", "GitHub, Released.",
         ("the style lowercases 'released' after the publisher when the software has an author (CMOS18 "
         "14.169); pandoc 2.17 capitalizes it")),
        ("101–30", "101–130",
         ("page-range-format chicago-16 (CSL 1.0.2) abbreviates 101–130 as 101–30 (CMOS 9.64); pandoc 2.17 "
         "does not know the value and prints ranges in full")),
    ],
    "modern-language-association": [(" June ", " Jun. ", _MONTHS), (" July ", " Jul. ", _MONTHS)],
}
#: (style, key) -> [(ours, pandoc's, why)] for one entry.
ENTRY_DIFFERENCES: dict[tuple[str, str], list[tuple[str, str, str]]] = {
    ("modern-language-association", "jiang2023mistral"): [
        ("Jiang, Albert Q., et al.", "Jiang, Albert Q., Alexandre Sablayrolles, Arthur Mensch, et al.",
         _DISAMBIGUATION)],
    ("modern-language-association", "jiang2024mixtral"): [
        ("Jiang, Albert Q., et al.", "Jiang, Albert Q., Alexandre Sablayrolles, Antoine Roux, et al.",
         _DISAMBIGUATION)],
}
#: Fixed around citeproc-py instead (bibexport/emitters/reflist.py), each once a difference here: "ArXiv:"
#: (capitalize-first), an authorless title printed twice and an edited book's editors printed twice
#: (substitute), "A. B. Miller, O. Khan" for an edited book in Chicago (names inherited in a substitute),
#: "Thirty-seventh" and "awesome-RLHF" (title case of hyphenated words), "(eds.)" (title case of labels),
#: "Chen, M., J. Tworek" (initialize="false"), "[Online]." without an access date and Chicago's lost
#: "released" (group suppression), "”," (punctuation in quotes), "[1]A." (second-field-align), "pp. 1–0"
#: (page ranges).  Add a difference above, with its reason, for any new one.

# -- the two courses ---------------------------------------------------------------------------------------------


def _cli(args: list[str], cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIBEXPORT_", "OPENREVIEW_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env["BIBEXPORT_LOCK_DIR"] = str(cwd / ".locks")
    env["BIBEXPORT_CACHE_DIR"] = str(cwd / ".cache")
    proc = subprocess.run([sys.executable, "-m", "bibexport", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed built offline from the repository's sessions.toml and lockfile, once per style."""
    work = tmp_path_factory.mktemp("seed")
    for name in ("sessions.toml", "sessions.lock.json"):
        shutil.copy(ROOT / name, work / name)
    _cli(["build", "--offline", "-f", "bib,csl-json,txt,md", "--no-cache"], work)
    for style in [*CSL_STYLES, "pybtex:plain"]:
        _cli(["build", "--offline", "-f", "txt,md", "--style", style, "-o", f"out-{style.replace(':', '-')}",
              "--no-cache"], work)
    return work


def _person(family: str, given: str) -> Person:
    return Person(family=family, given=given)


EXTRA = {
    "smith2019learning": Record(
        type="chapter", title="Learning from human preferences",
        authors=(_person("Smith", "Jane"), _person("Doe", "John")),
        editors=(_person("Miller", "Ann B."), _person("Khan", "Omar")), container_title="Handbook of Machine Learning",
        publisher="MIT Press", pages="1-20", issued=(2019,)),
    "miller2020readings": Record(
        type="book", title="Readings in alignment", editors=(_person("Miller", "Ann B."), _person("Khan", "Omar")),
        publisher="MIT Press", issued=(2020,)),
    "nakamura2021single": Record(
        type="article-journal", title="A single-author study of scaling", authors=(_person("Nakamura", "Hiro"),),
        container_title="Journal of Machine Learning Research", volume="22", issue="3", pages="101-130",
        issued=(2021, 5), doi="10.1234/jmlr.2021.3"),
    "many2022paper": Record(
        type="paper-conference", title="A paper with very many authors",
        authors=tuple(_person(f"Author{chr(65 + i)}", f"Given{chr(65 + i)} M.") for i in range(25)),
        container_title="Proceedings of the Big Conference", issued=(2022,), url="https://example.org/many"),
    "olah0000notes": Record(
        type="webpage", title="Notes on attention", authors=(_person("Olah", "Chris"),), site="Distill Notes",
        url="https://example.org/notes"),
    "lab2024announcing": Record(
        type="webpage", title="Announcing a new model", authors=(Person(literal="Example Lab"),),
        site="Example Lab Blog", url="https://example.org/blog/new-model", issued=(2024, 3, 5), accessed=(2024, 4, 1)),
}


@functools.cache
def _extra_bibliography() -> Bibliography:
    entries = tuple(Entry(key, record) for key, record in EXTRA.items())
    sb = SessionBibliography(Session("s1", "Extra", datetime.date(2024, 1, 30)), entries, ())
    return Bibliography(Course((sb.session,), title="Extra"), (sb,))


# -- reading the lists -------------------------------------------------------------------------------------------


def _pandoc_entries(style: str, csl_json: Path) -> list[str]:
    doc = "---\nnocite: '@*'\n---\n"
    out = subprocess.run(
        ["pandoc", "--citeproc", "--csl", str(_style_path(style)), "--bibliography", str(csl_json), "-f", "markdown",
         "-t", "plain", "--wrap=none"],
        input=doc, capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", out) if block.strip()]


def _txt_entries(text: str) -> list[str]:
    """Entry lines of our txt list: not headings, underlines, part titles or indented link lines."""
    lines = text.splitlines()
    return [
        line for i, line in enumerate(lines)
        if line and not line.startswith("    ") and not line.endswith(":")
        and not re.fullmatch(r"[=-]+", line) and not (i + 1 < len(lines) and re.fullmatch(r"[=-]+", lines[i + 1]))
    ]


def _match(text: str, titles: dict[str, str]) -> str:
    hits = [key for key, title in titles.items() if title.casefold() in text.casefold()]
    assert len(hits) == 1, (text, hits)
    return hits[0]


@functools.cache
def _style_path(style: str) -> Path:
    path = resolve_style(style).path
    assert path is not None
    return path


def _compare(style: str, ours: list[str], theirs: list[str], titles: dict[str, str]) -> set[tuple[str, str]]:
    """Assert our entries equal pandoc's once the listed differences are applied; the differences used."""
    mine = {_match(t, titles): t for t in ours}
    pandoc = {_match(t, titles): t for t in theirs}
    assert set(mine) == set(pandoc) == set(titles)
    used: set[tuple[str, str]] = set()
    for key, text in mine.items():
        for ours_text, pandoc_text, why in ENTRY_DIFFERENCES.get((style, key), []):
            assert ours_text in text, f"listed difference no longer occurs for {key}: {why}"
            text = text.replace(ours_text, pandoc_text)
            used.add((style, ours_text))
        for ours_text, pandoc_text, _why in STYLE_DIFFERENCES.get(style, []):
            if ours_text in text:
                text = text.replace(ours_text, pandoc_text)
                used.add((style, ours_text))
        assert text == pandoc[key], f"{style} {key}:\n ours:   {text}\n pandoc: {pandoc[key]}"
    return used


def _compare_seed(style: str, seed: Path) -> set[tuple[str, str]]:
    import json

    items = json.loads((seed / "out" / "readings.json").read_text(encoding="utf-8"))
    titles = {e.key: e.record.title for e in _seed_entries(seed)}
    assert set(titles) == {i["id"] for i in items}
    ours = _txt_entries((seed / f"out-{style}" / "readings.txt").read_text(encoding="utf-8"))
    return _compare(style, ours, _pandoc_entries(style, seed / "out" / "readings.json"), titles)


def _compare_extra(style: str, folder: Path) -> set[tuple[str, str]]:
    data = folder / "extra.json"
    data.write_text(csljson.emit(list(EXTRA.items())), encoding="utf-8")
    ours = _txt_entries(reflist.emit(_extra_bibliography(), fmt="txt", style=style))
    titles = {key: record.title for key, record in EXTRA.items()}
    return _compare(style, ours, _pandoc_entries(style, data), titles)


@pytest.mark.parametrize("style", CSL_STYLES)
def test_the_seed_matches_pandoc(style: str, seed: Path) -> None:
    _compare_seed(style, seed)


@pytest.mark.parametrize("style", CSL_STYLES)
def test_extra_records_match_pandoc(style: str, tmp_path: Path) -> None:
    _compare_extra(style, tmp_path)


def test_every_listed_difference_occurs(seed: Path, tmp_path: Path) -> None:
    used: set[tuple[str, str]] = set()
    for style in [*STYLE_DIFFERENCES, *{style for style, _ in ENTRY_DIFFERENCES}]:
        used |= _compare_seed(style, seed) | _compare_extra(style, tmp_path)
    listed = {(style, ours) for style, diffs in STYLE_DIFFERENCES.items() for ours, _, _ in diffs}
    listed |= {(style, ours) for (style, _), diffs in ENTRY_DIFFERENCES.items() for ours, _, _ in diffs}
    assert listed <= used, listed - used


def test_readme_lists_every_difference() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for diffs in [*STYLE_DIFFERENCES.values(), *ENTRY_DIFFERENCES.values()]:
        for ours, pandoc, _why in diffs:
            assert f"`{ours.strip()}`" in readme and f"`{pandoc.strip()}`" in readme, (ours, pandoc)


def test_the_markdown_list_has_the_text_lists_entries(seed: Path) -> None:
    titles = {e.key: e.record.title for e in _seed_entries(seed)}
    for style in CSL_STYLES:
        txt = [_match(t, titles) for t in _txt_entries((seed / f"out-{style}" / "readings.txt").read_text("utf-8"))]
        md_text = (seed / f"out-{style}" / "readings.md").read_text(encoding="utf-8")
        md = [_match(line, titles) for line in md_text.splitlines()  # one "- " list item per entry
              if line.startswith("- ") and any(t.casefold() in line.casefold() for t in titles.values())]
        assert md == txt, style


@functools.cache
def _seed_entries_cached(folder: str) -> tuple[Entry, ...]:
    from bibexport import config, lockfile, pipeline

    course = config.load_course(Path(folder) / "sessions.toml")
    lock = lockfile.load(Path(folder) / "sessions.lock.json")
    bib = pipeline.assemble(course, lock).bibliography
    return tuple({e.key: e for sb in bib.sessions for e in sb.entries}.values())


def _seed_entries(seed: Path) -> tuple[Entry, ...]:
    return _seed_entries_cached(str(seed))


# -- pybtex:plain against bibtex's plain.bst -----------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("bibtex") is None, reason="needs bibtex")
def test_pybtex_plain_numbers_down_the_page_in_plain_bst_order(seed: Path) -> None:
    work = seed / "plain"
    work.mkdir(exist_ok=True)
    shutil.copy(seed / "out" / "readings.bib", work / "readings.bib")
    (work / "doc.aux").write_text("\\citation{*}\n\\bibstyle{plain}\n\\bibdata{readings}\n", encoding="utf-8")
    subprocess.run(["bibtex", "doc"], cwd=work, capture_output=True, text=True, timeout=60, check=True)
    bst_order = re.findall(r"\\bibitem\{([^}]+)\}", (work / "doc.bbl").read_text(encoding="utf-8"))
    rank = {key: i for i, key in enumerate(bst_order)}
    titles = {e.key: e.record.title for e in _seed_entries(seed)}
    for listing in [seed / "out-pybtex-plain" / "readings.txt",
                    *sorted((seed / "out-pybtex-plain").glob("*/readings.txt"))]:
        text = listing.read_text(encoding="utf-8")
        numbers = [int(n) for n in re.findall(r"^\[(\d+)\] ", text, flags=re.MULTILINE)]
        assert numbers == list(range(1, len(numbers) + 1)), (listing, numbers)
        for part in re.split(r"\n(?:Required|Further reading):\n", text)[1:]:
            keys = [_match(line, titles) for line in part.splitlines() if re.match(r"\[\d+\] ", line)]
            assert keys == sorted(keys, key=rank.__getitem__), (listing, keys)
