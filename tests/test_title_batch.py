"""Issue 12, part 3: titles searched in batches (``ti:"…" OR ti:"…"``), at most ceil(T/10) arXiv calls for T
titles, each answer matched locally with the exact-title guard; no wrong paper."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from bibexport.model import Endpoints
from bibexport.resolvers import arxiv
from bibexport.resolvers.base import Response
from tests.fakes import FakeHttp
from tests.replay import Recordings, ReplayServer
from tests.test_build import run

ENDPOINTS = Endpoints(arxiv_api="http://127.0.0.1:9/api/query")
FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"


def _resp(status: int, body: bytes) -> Response:
    return Response(status, body, {"Content-Type": "application/atom+xml"}, ENDPOINTS.arxiv_api)


def _entry(stem: str) -> bytes:
    return Recordings().arxiv[stem]


def _feed(entries: list[bytes], total: int) -> bytes:
    return Recordings().feed(entries, "q").replace(
        f"<opensearch:totalResults>{len(entries)}<".encode(), f"<opensearch:totalResults>{total}<".encode())


def _batch_url(titles: list[str]) -> str:
    query = "+OR+".join(arxiv.search_query(t).removeprefix("search_query=") for t in titles)
    return f"{ENDPOINTS.arxiv_api}?search_query={query}&max_results={arxiv.RESULTS_PER_TITLE * len(titles)}"


def test_one_request_answers_several_titles_and_each_gets_its_own_paper() -> None:
    titles = ["Mistral 7B", "Mixtral of Experts", "A title arXiv does not have"]
    http = FakeHttp({_batch_url(titles): _resp(200, _feed([_entry("2401.04088"), _entry("2310.06825")], 2))})
    found = arxiv.search_titles([(t, ()) for t in titles], http, ENDPOINTS)
    assert len(http.calls) == 1
    assert found["Mistral 7B", ()].record is not None and found["Mistral 7B", ()].record.arxiv_id == "2310.06825"
    assert found["Mixtral of Experts", ()].record is not None
    assert found["Mixtral of Experts", ()].record.arxiv_id == "2401.04088"
    missing = found["A title arXiv does not have", ()]
    # The other titles' papers are not offered as its "closest" match.
    assert not missing.ok and missing.kind == "not_found" and "Mistral" not in missing.reason


def test_the_author_guard_still_applies_per_title() -> None:
    titles = ["Mistral 7B", "Mixtral of Experts"]
    http = FakeHttp({_batch_url(titles): _resp(200, _feed([_entry("2401.04088"), _entry("2310.06825")], 2))})
    asked = [("Mistral 7B", ("Somebody Else",)), ("Mistral 7B", ("Albert Q. Jiang",)), ("Mixtral of Experts", ())]
    found = arxiv.search_titles(asked, http, ENDPOINTS)
    assert len(http.calls) == 1  # one phrase per distinct title
    stranger = found["Mistral 7B", ("Somebody Else",)]
    assert not stranger.ok and "share no family name" in stranger.reason
    assert found["Mistral 7B", ("Albert Q. Jiang",)].ok
    assert found["Mixtral of Experts", ()].ok


def test_a_title_missing_from_a_cut_answer_is_asked_alone() -> None:
    titles = ["Mistral 7B", "Mixtral of Experts"]
    single = f"{ENDPOINTS.arxiv_api}?{arxiv.search_query('Mixtral of Experts')}&max_results={arxiv.SEARCH_RESULTS}"
    http = FakeHttp({_batch_url(titles): _resp(200, _feed([_entry("2310.06825")], 500)),
                     single: _resp(200, _feed([_entry("2401.04088")], 1))})
    found = arxiv.search_titles([(t, ()) for t in titles], http, ENDPOINTS)
    assert [url for url, _ in http.calls] == [_batch_url(titles), single]
    assert found["Mixtral of Experts", ()].ok and found["Mistral 7B", ()].ok


def test_arxiv_down_is_asked_once() -> None:
    titles = [f"Title number {i}" for i in range(25)]
    first = _batch_url(titles[:10])
    http = FakeHttp({first: _resp(503, b"busy")})
    found = arxiv.search_titles([(t, ()) for t in titles], http, ENDPOINTS)
    assert len(http.calls) == 1
    assert {o.kind for o in found.values()} == {"unavailable"} and len(found) == 25


def test_build_asks_ceil_t_over_ten_searches(tmp_path: Path) -> None:
    """A list of title-only readings (every recorded arXiv paper plus a few unknown titles): ceil(T/10) title
    searches, every known title resolved to its own paper."""
    recordings = Recordings()
    known = {}
    for stem, entry in recordings.arxiv.items():
        m = re.search(rb"<title>(.*?)</title>", entry, re.DOTALL)
        if m and "v" not in stem.split(".")[-1]:
            known[" ".join(m.group(1).decode().split())] = stem
    unknown = [f"An unpublished course note number {i}" for i in range(4)]
    titles = [*known, *unknown]
    readings = "".join(f'\n[[sessions.required]]\ntitle = {json.dumps(t)}\nlinks = []\n' for t in titles)
    (tmp_path / "sessions.toml").write_text(
        f'[course]\n\n[[sessions]]\nslug = "s"\nname = "S"\n{readings}', encoding="utf-8")
    with ReplayServer() as server:
        proc = run(["build", "--no-cache", "--keep-preprints", "-f", "csl-json"], tmp_path, server.env())
        searches = [q for service, _, q in server.requests if service == "arxiv" and q.get("search_query")]
    assert proc.returncode == 0, proc.stderr
    assert len(searches) == math.ceil(len(titles) / arxiv.TITLES_PER_QUERY) < len(titles)
    items = json.loads((tmp_path / "out" / "readings.json").read_text(encoding="utf-8"))
    by_title = {re.sub(r"</?span[^>]*>", "", i["title"]): i for i in items}
    for title, stem in known.items():
        assert by_title[title]["URL"].endswith(stem), title
    for title in unknown:
        assert "URL" not in by_title[title]


def test_batched_title_search_answers_are_capped_like_every_source_answer() -> None:
    from bibexport import limits, sources
    from bibexport.model import Course

    many = b"".join(b"<author><name>Author Number%d</name></author>" % i for i in range(limits.MAX_AUTHORS + 20))
    entry = _entry("2310.06825").replace(b"<author>", many + b"<author>", 1)
    titles = ["Mistral 7B", "Mixtral of Experts"]
    http = FakeHttp({_batch_url(titles): _resp(200, _feed([entry, _entry("2401.04088")], 2))})
    found = sources.search_titles("arxiv", [(t, ()) for t in titles], http, Course(sessions=(), endpoints=ENDPOINTS))
    record = found["Mistral 7B", ()].record
    assert record is not None and len(record.authors) == limits.MAX_AUTHORS + 1
    assert record.authors[-1] == limits.OTHERS
    assert any("kept the first" in w for w in found["Mistral 7B", ()].warnings)
