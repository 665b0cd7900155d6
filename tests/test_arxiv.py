"""arXiv resolver: id/URL recognition, feed parsing (current + classic), batching, errors, title search.

Responses are replayed with ``responses`` from tests/fixtures/arxiv (copies of the shared, real-shaped fixtures).
Expected values come from GROUND_TRUTH.md.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from hypothesis import given
from hypothesis import strategies as st
from responses import matchers

from bibexport.errors import NetworkError
from bibexport.model import Endpoints, Person
from bibexport.resolvers.arxiv import (
    ArxivResolver,
    entry_to_record,
    parse_feed,
    search_query,
    validate_id,
)
from bibexport.resolvers.base import AMBIGUOUS, INVALID, NOT_FOUND, RESOLVED, UNAVAILABLE, Response
from bibexport.resolvers.titles import authors_overlap, normalize_title, titles_match

FIX = Path(__file__).parent / "fixtures" / "arxiv"
API = "https://export.arxiv.org/api/query"
EP = Endpoints()
R = ArxivResolver()

MISTRAL = [
    "Albert Q. Jiang", "Alexandre Sablayrolles", "Arthur Mensch", "Chris Bamford", "Devendra Singh Chaplot",
    "Diego de las Casas", "Florian Bressand", "Gianna Lengyel", "Guillaume Lample", "Lucile Saulnier",
    "Lélio Renard Lavaud", "Marie-Anne Lachaux", "Pierre Stock", "Teven Le Scao", "Thibaut Lavril",
    "Thomas Wang", "Timothée Lacroix", "William El Sayed",
]
DPO = ["Rafael Rafailov", "Archit Sharma", "Eric Mitchell", "Stefano Ermon", "Christopher D. Manning", "Chelsea Finn"]
PILE = [
    "Leo Gao", "Stella Biderman", "Sid Black", "Laurence Golding", "Travis Hoppe", "Charles Foster", "Jason Phang",
    "Horace He", "Anish Thite", "Noa Nabeshima", "Shawn Presser", "Connor Leahy",
]
CHRISTIANO = ["Paul F. Christiano", "Jan Leike", "Tom B. Brown", "Miljan Martic", "Shane Legg", "Dario Amodei"]

#: first-version year of every per-paper fixture (GROUND_TRUTH.md summary table)
YEARS = {
    "2310.06825": 2023, "2402.00838": 2024, "2401.04088": 2024, "2307.09288": 2023, "2101.00027": 2020,
    "2307.12966": 2023, "2301.13688": 2023, "2305.18290": 2023, "2203.02155": 2022, "2311.04287": 2023,
    "2211.09110": 2022, "2310.19736": 2023, "2107.03374": 2021, "2401.07103": 2024, "1706.03741": 2017,
}


def body(name: str) -> bytes:
    return (FIX / name).read_bytes()


def names(record: object) -> list[str]:
    return [p.display for p in record.authors]  # type: ignore[attr-defined]


def add_id_list(rsps: responses.RequestsMock, ids: str, fixture: str, status: int = 200) -> None:
    n = str(len(ids.split(",")))
    rsps.add(
        responses.GET, API, body=body(fixture), status=status, content_type="application/atom+xml",
        match=[matchers.query_param_matcher({"id_list": ids, "max_results": n})],
    )


class FakeHttp:
    """An HttpClient that hands out canned responses in order and records what was asked."""

    def __init__(self, *replies: Response | Exception):
        self.replies = list(replies)
        self.calls: list[tuple[str, dict[str, str]]] = []

    def get(self, url: str, *, params=None, headers=None) -> Response:  # type: ignore[no-untyped-def]
        self.calls.append((url, dict(params or {})))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def http() -> object:
    from bibexport.http import Http

    return Http(retries=0, sleep=lambda s: None)


# -- match ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/abs/2305.18290", "2305.18290"),
        ("https://arxiv.org/abs/2305.18290v1", "2305.18290v1"),
        ("http://arxiv.org/abs/2305.18290v3/", "2305.18290v3"),
        ("https://arxiv.org/pdf/2305.18290", "2305.18290"),
        ("https://arxiv.org/pdf/2305.18290v2", "2305.18290v2"),
        ("https://arxiv.org/pdf/2305.18290v2.pdf", "2305.18290v2"),
        ("https://arxiv.org/pdf/2305.18290.pdf", "2305.18290"),
        ("https://arxiv.org/html/2310.06825v1", "2310.06825v1"),
        ("https://www.arxiv.org/abs/2310.06825", "2310.06825"),
        ("https://export.arxiv.org/abs/2310.06825", "2310.06825"),
        ("arxiv.org/abs/2310.06825", "2310.06825"),
        ("https://arxiv.org/abs/2310.06825?context=cs.CL", "2310.06825"),
        ("https://arxiv.org/abs/2310.06825#S2", "2310.06825"),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001v2"),
        ("https://arxiv.org/pdf/math.GT/0309136v1.pdf", "math.GT/0309136v1"),
        ("arXiv:2305.18290", "2305.18290"),
        ("arxiv:2305.18290v1", "2305.18290v1"),
        ("arXiv:hep-th/9901001", "hep-th/9901001"),
        ("2310.06825", "2310.06825"),
        ("2310.06825v1", "2310.06825v1"),
        ("0704.0001", "0704.0001"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v1", "hep-th/9901001v1"),
        ("  1706.03741 ", "1706.03741"),
    ],
)
def test_match_every_url_shape(text: str, expected: str) -> None:
    assert R.match(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://openreview.net/forum?id=HPuSIXJaa9",
        "https://arxiv.org/list/cs.CL/recent",
        "https://arxiv.org/abs/",
        "https://example.com/abs/2305.18290",
        "https://notarxiv.org/abs/2305.18290",
        "ftp://arxiv.org/abs/2305.18290",
        "Direct Preference Optimization",
        "10.48550/arXiv.2305.18290",
        "2305.18290x",
        "abc",
        "",
    ],
)
def test_match_rejects_non_arxiv_text(text: str) -> None:
    assert R.match(text) is None


@given(st.text(max_size=40))
def test_match_never_crashes_and_returns_a_valid_shape(text: str) -> None:
    got = R.match(text)
    assert got is None or R.match(got) == got


# -- validate_id ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "ident",
    ["2305.18290", "2305.18290v12", "1501.00001", "1412.1234", "0704.0001", "hep-th/9901001",
     "math.GT/0309136", "astro-ph/0601001v1", "cs/0101001", "quant-ph/0201082v1"],
)
def test_valid_ids(ident: str) -> None:
    assert validate_id(ident)


@pytest.mark.parametrize(
    "ident",
    ["2313.00001", "2300.00001", "1201.56789", "1501.0001", "1412.12345", "0703.0001", "abc", "1234.1234.5",
     "foo-bar/9901001", "hep-th/9913001", "hep-th/0801001", "hep-th/9001001", "2305.18290v"],
)
def test_impossible_ids_are_rejected(ident: str) -> None:
    assert not validate_id(ident)


# -- parse_feed ----------------------------------------------------------------------------------------------

def test_parse_mistral_authors_particle_and_diacritics() -> None:
    feed = parse_feed(body("2310.06825.xml"))
    rec = entry_to_record(feed.entries["2310.06825"])
    assert rec.title == "Mistral 7B"
    assert names(rec) == MISTRAL
    casas = rec.authors[5]
    assert (casas.given, casas.particle, casas.family) == ("Diego", "de las", "Casas")
    assert "Lélio Renard Lavaud" in names(rec) and "Timothée Lacroix" in names(rec)
    assert rec.issued == (2023, 10, 10)
    assert rec.arxiv_class == "cs.CL" and rec.arxiv_version == 1
    assert rec.url == "https://arxiv.org/abs/2310.06825"
    assert rec.doi == "10.48550/arXiv.2310.06825"
    assert rec.type == "article" and dict(rec.sources) == {"*": "arxiv"}
    assert feed.entries["2310.06825"].comment.startswith("Models and code are available at")


def test_year_is_first_version_not_id_prefix() -> None:
    rec = entry_to_record(parse_feed(body("2101.00027.xml")).entries["2101.00027"])
    assert rec.year == 2020 and rec.issued == (2020, 12, 31)
    assert names(rec) == PILE


@pytest.mark.parametrize("ident", sorted(YEARS))
def test_every_paper_fixture_parses_with_ground_truth_year(ident: str) -> None:
    feed = parse_feed(body(f"{ident}.xml"))
    assert list(feed.entries) == [ident] and feed.errors == ()
    rec = entry_to_record(feed.entries[ident])
    assert rec.year == YEARS[ident]
    assert rec.title and rec.authors and rec.arxiv_class


def test_journal_ref_and_latest_version() -> None:
    entry = parse_feed(body("2211.09110.xml")).entries["2211.09110"]
    rec = entry_to_record(entry)
    assert rec.journal_ref == "Published in Transactions on Machine Learning Research (TMLR), 2023"
    assert rec.arxiv_version == 2 and len(rec.authors) == 50
    assert entry.abs_url == "https://arxiv.org/abs/2211.09110v2"


def test_versioned_feed() -> None:
    entry = parse_feed(body("2305.18290v1.xml")).entries["2305.18290"]
    assert entry.version == 1 and entry.updated == entry.published == "2023-05-29T17:57:46Z"


def test_error_entry_and_empty_feed() -> None:
    err = parse_feed(body("error-invalid-id.xml"))
    assert err.entries == {} and err.errors == ("incorrect id format for abc",)
    empty = parse_feed(body("empty.xml"))
    assert empty.entries == {} and empty.errors == () and empty.total_results == 0


@pytest.mark.parametrize("ident", ["2211.09110", "2305.18290", "2401.04088"])
def test_classic_format_gives_same_titles_and_authors(ident: str) -> None:
    new = entry_to_record(parse_feed(body(f"{ident}.xml")).entries[ident])
    old_entry = parse_feed(body(f"legacy-format/{ident}.xml")).entries[ident]
    old = entry_to_record(old_entry)
    assert old.title == new.title and "\n" not in old.title
    assert old.authors == new.authors and old.issued == new.issued
    assert (old.arxiv_class, old.arxiv_version, old.journal_ref) == (new.arxiv_class, new.arxiv_version,
                                                                     new.journal_ref)
    # Summaries: the classic hard wrap and leading spaces collapse to the current one-line text.
    new_entry = parse_feed(body(f"{ident}.xml")).entries[ident]
    assert old_entry.summary == new_entry.summary and "\n" not in old_entry.summary
    assert old_entry.abs_url.startswith("http://arxiv.org/abs/") and old_entry.pdf_url.startswith("http://arxiv.org/pdf/")


def test_classic_error_and_empty_with_bogus_total() -> None:
    assert parse_feed(body("legacy-format/error-invalid-id.xml")).errors == ("incorrect id format for abc",)
    empty = parse_feed(body("legacy-format/empty.xml"))
    assert empty.entries == {} and empty.total_results == 1  # the classic bug: never trust totalResults


FEED_HEAD = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns:arxiv=\"http://arxiv.org/schemas/atom\" "
    b'xmlns="http://www.w3.org/2005/Atom">'
)


def test_links_told_apart_by_href_without_attributes_and_doi_and_title_zero() -> None:
    # Shaped like the Nov 2025 captures (API_FORMATS §1.3): links without rel/type/title; a title "0".
    xml = FEED_HEAD + (
        b"<entry><id>http://arxiv.org/abs/2104.12255v1</id><title>0</title>"
        b"<published>2021-04-25T00:00:00Z</published>"
        b'<link href="https://doi.org/10.1000/x"/><link href="https://arxiv.org/pdf/2104.12255v1"/>'
        b'<link href="https://arxiv.org/abs/2104.12255v1"/>'
        b"<arxiv:doi>10.1000/x</arxiv:doi><author><name>A. Placeholder</name></author></entry></feed>"
    )
    entry = parse_feed(xml).entries["2104.12255"]
    assert entry.title == "0"
    assert entry.abs_url == "https://arxiv.org/abs/2104.12255v1"
    assert entry.pdf_url == "https://arxiv.org/pdf/2104.12255v1"
    assert entry_to_record(entry).doi == "10.1000/x"  # a publisher DOI wins over the arXiv DOI


def test_ghost_entries_without_id_are_ignored() -> None:
    # The classic backend's ghost entry for a missing id (API_FORMATS §1.5).
    xml = FEED_HEAD + (
        b'<entry><arxiv:primary_category term=""/><category term=""/></entry></feed>'
    )
    feed = parse_feed(xml)
    assert feed.entries == {} and feed.all == () and feed.errors == ()


@pytest.mark.parametrize("bad", [b"", b"<html>nope</html>", b"<feed", b"not xml at all"])
def test_unreadable_bodies_raise_value_error(bad: bytes) -> None:
    with pytest.raises(ValueError):
        parse_feed(bad)


def test_entity_expansion_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom">&a;</feed>'
    with pytest.raises(ValueError):
        parse_feed(bomb)


# -- resolve -------------------------------------------------------------------------------------------------

@responses.activate
def test_single_id() -> None:
    add_id_list(responses.mock, "2310.06825", "2310.06825.xml")
    out = R.resolve(["2310.06825"], http(), EP)
    assert out["2310.06825"].ok and names(out["2310.06825"].record) == MISTRAL
    assert out["2310.06825"].identifier == "arxiv:2310.06825" and out["2310.06825"].source == "arxiv"


@responses.activate
def test_batch_out_of_order_matched_by_id_with_missing_id() -> None:
    # Requested in a different order than the feed lists them.  1201.56789 (in the captured request) has a
    # 5-digit number in the 4-digit era, so it is rejected before batching and never sent.
    add_id_list(responses.mock, "2401.04088,2203.02155,2305.18290", "batch-example.xml")
    out = R.resolve(["2401.04088", "1201.56789", "2203.02155", "2305.18290"], http(), EP)
    assert len(responses.calls) == 1
    assert out["2305.18290"].record.title.startswith("Direct Preference Optimization")
    assert names(out["2305.18290"].record) == DPO
    assert out["2203.02155"].record.title == "Training language models to follow instructions with human feedback"
    assert out["2401.04088"].record.title == "Mixtral of Experts"
    assert out["1201.56789"].kind == INVALID and "1201.56789" in out["1201.56789"].reason


@responses.activate
def test_id_left_out_of_batch_is_not_found() -> None:
    # 2401.99999 is well-formed; the feed has no entry for it (the current backend leaves missing ids out).
    add_id_list(responses.mock, "2305.18290,2401.99999,2203.02155,2401.04088", "batch-example.xml")
    out = R.resolve(["2305.18290", "2401.99999", "2203.02155", "2401.04088"], http(), EP)
    assert [o.kind for o in out.values()] == [RESOLVED, NOT_FOUND, RESOLVED, RESOLVED]
    assert "2401.99999" in out["2401.99999"].reason


@responses.activate
def test_version_requested_matches_that_version() -> None:
    add_id_list(responses.mock, "2305.18290v1", "2305.18290v1.xml")
    out = R.resolve(["2305.18290v1"], http(), EP)
    rec = out["2305.18290v1"].record
    assert rec.arxiv_version == 1 and rec.arxiv_id == "2305.18290"
    assert rec.url == "https://arxiv.org/abs/2305.18290"


@responses.activate
def test_wrong_version_in_feed_is_not_taken() -> None:
    # Asked for v2 but the feed only has v3: never cite a different version than the link names.
    add_id_list(responses.mock, "2305.18290v2", "2305.18290.xml")
    out = R.resolve(["2305.18290v2"], http(), EP)
    assert out["2305.18290v2"].kind == NOT_FOUND


def test_same_paper_with_and_without_version_go_in_separate_batches() -> None:
    fake = FakeHttp(
        Response(200, body("2305.18290.xml"), {}, API), Response(200, body("2305.18290v1.xml"), {}, API)
    )
    out = R.resolve(["2305.18290", "2305.18290v1"], fake, EP)  # type: ignore[arg-type]
    assert [c[1]["id_list"] for c in fake.calls] == ["2305.18290", "2305.18290v1"]
    assert out["2305.18290"].record.arxiv_version == 3 and out["2305.18290v1"].record.arxiv_version == 1


def test_old_style_id_request_and_response() -> None:
    # Response synthesised ONLY from the documented real shape in API_FORMATS §1.4 (entry id keeps the
    # archive: http://arxiv.org/abs/<archive>/<number>v<N>); title and author are placeholders, not facts.
    xml = FEED_HEAD + (
        b"<entry><id>http://arxiv.org/abs/hep-th/9901001v1</id><title>Placeholder title</title>"
        b"<published>1999-01-01T00:00:00Z</published><arxiv:primary_category term=\"hep-th\"/>"
        b"<author><name>A. Placeholder</name></author></entry></feed>"
    )
    fake = FakeHttp(Response(200, xml, {}, API))
    out = R.resolve(["hep-th/9901001"], fake, EP)  # type: ignore[arg-type]
    assert fake.calls == [(API, {"id_list": "hep-th/9901001", "max_results": "1"})]
    rec = out["hep-th/9901001"].record
    assert rec.arxiv_id == "hep-th/9901001" and rec.arxiv_class == "hep-th"
    assert rec.url == "https://arxiv.org/abs/hep-th/9901001" and rec.doi == "10.48550/arXiv.hep-th/9901001"


@responses.activate
def test_old_style_id_is_url_encoded_in_request() -> None:
    responses.add(responses.GET, API, body=body("empty.xml"), status=200)
    R.resolve(["hep-th/9901001"], http(), EP)
    assert "id_list=hep-th%2F9901001" in responses.calls[0].request.url


def test_invalid_ids_make_no_request() -> None:
    fake = FakeHttp()
    out = R.resolve(["abc", "2313.00001"], fake, EP)  # type: ignore[arg-type]
    assert fake.calls == []
    assert {o.kind for o in out.values()} == {INVALID}
    assert "abc" in out["abc"].reason


@responses.activate
def test_empty_feed_is_not_found() -> None:
    # empty.xml was captured for 1201.56789, which our validator rejects; serve it for a well-formed id.
    add_id_list(responses.mock, "2312.99999", "empty.xml")
    out = R.resolve(["2312.99999"], http(), EP)
    assert out["2312.99999"].kind == NOT_FOUND and out["2312.99999"].record is None
    assert "2312.99999" in out["2312.99999"].reason


@responses.activate
def test_error_entry_400_is_bisected_so_others_still_resolve() -> None:
    # Should not happen after validation, but if arXiv rejects one id, the other ids still get metadata.
    mock = responses.mock
    mock.add(responses.GET, API, body=body("error-invalid-id.xml"), status=400,
             match=[matchers.query_param_matcher({"id_list": "2310.06825,1501.00001", "max_results": "2"})])
    add_id_list(mock, "2310.06825", "2310.06825.xml")
    mock.add(responses.GET, API, body=body("error-invalid-id.xml"), status=400,
             match=[matchers.query_param_matcher({"id_list": "1501.00001", "max_results": "1"})])
    out = R.resolve(["2310.06825", "1501.00001"], http(), EP)
    assert out["2310.06825"].ok
    assert out["1501.00001"].kind == NOT_FOUND and "incorrect id format" in out["1501.00001"].reason
    assert len(mock.calls) == 3


def test_network_error_makes_batch_unavailable() -> None:
    fake = FakeHttp(NetworkError(API, "HTTP 503 (gave up after 4 attempts)", status=503))
    out = R.resolve(["2310.06825", "2305.18290"], fake, EP)  # type: ignore[arg-type]
    assert {o.kind for o in out.values()} == {UNAVAILABLE}
    assert "503" in out["2310.06825"].reason


def test_garbage_body_and_odd_status_are_unavailable() -> None:
    fake = FakeHttp(Response(200, b"<html>maintenance</html>", {}, API), Response(403, b"", {}, API))
    assert R.resolve(["2310.06825"], fake, EP)["2310.06825"].kind == UNAVAILABLE  # type: ignore[arg-type]
    out = R.resolve(["2310.06825"], fake, EP)  # type: ignore[arg-type]
    assert out["2310.06825"].kind == UNAVAILABLE and "403" in out["2310.06825"].reason


def test_batches_of_at_most_100_with_max_results() -> None:
    ids = [f"2301.{n:05d}" for n in range(1, 251)]
    empty = Response(200, body("empty.xml"), {}, API)
    fake = FakeHttp(empty, empty, empty)
    out = R.resolve(ids, fake, EP)  # type: ignore[arg-type]
    sizes = [len(p["id_list"].split(",")) for _, p in fake.calls]
    assert sizes == [100, 100, 50]
    assert [p["max_results"] for _, p in fake.calls] == ["100", "100", "50"]
    assert len(out) == 250


# -- title search --------------------------------------------------------------------------------------------

TITLE = "Deep reinforcement learning from human preferences"


def test_search_query_is_phrase_with_punctuation_stripped() -> None:
    q = search_query("Direct Preference Optimization: Your Language Model is Secretly a Reward Model")
    assert q == ("search_query=ti:%22Direct+Preference+Optimization+Your+Language+Model+is+Secretly+a+Reward"
                 "+Model%22")
    assert search_query("Llama 2: Open (Fine-Tuned)") == "search_query=ti:%22Llama+2+Open+Fine+Tuned%22"


@responses.activate
def test_title_search_exact_hit() -> None:
    responses.add(responses.GET, API, body=body("1706.03741.xml"), status=200,
                  match=[matchers.query_param_matcher({"search_query": f'ti:"{TITLE}"', "max_results": "5"})])
    out = R.search_title(TITLE, ["Paul Christiano", "Jan Leike"], http(), EP)
    assert out.ok and out.identifier == f"title:{TITLE}"
    assert out.record.arxiv_id == "1706.03741" and names(out.record) == CHRISTIANO
    assert out.record.year == 2017
    url = responses.calls[0].request.url
    assert "search_query=ti:%22Deep+reinforcement+learning+from+human+preferences%22" in url
    assert parse_qs(urlsplit(url).query)["max_results"] == ["5"]


@responses.activate
def test_title_search_ignores_case_punctuation_and_no_authors() -> None:
    responses.add(responses.GET, API, body=body("1706.03741.xml"), status=200)
    out = R.search_title("Deep Reinforcement Learning from Human Preferences.", [], http(), EP)
    assert out.ok and out.record.arxiv_id == "1706.03741"


@responses.activate
def test_title_search_near_miss_rejected() -> None:
    responses.add(responses.GET, API, body=body("1706.03741.xml"), status=200)
    out = R.search_title("Deep reinforcement learning from human feedback", [], http(), EP)
    assert out.kind == AMBIGUOUS and out.record is None
    assert "1706.03741" in out.reason and "Deep reinforcement learning from human preferences" in out.reason


@responses.activate
def test_title_search_disjoint_authors_rejected() -> None:
    responses.add(responses.GET, API, body=body("1706.03741.xml"), status=200)
    out = R.search_title(TITLE, ["Ada Lovelace", "Alan Turing"], http(), EP)
    assert out.kind == AMBIGUOUS and "authors" in out.reason


@responses.activate
def test_title_search_no_hits_is_not_found() -> None:
    responses.add(responses.GET, API, body=body("empty.xml"), status=200)
    out = R.search_title("A title nobody wrote", [], http(), EP)
    assert out.kind == NOT_FOUND and "A title nobody wrote" in out.reason


def test_title_search_network_error_is_unavailable() -> None:
    fake = FakeHttp(NetworkError(API, "connection failed"))
    assert R.search_title(TITLE, [], fake, EP).kind == UNAVAILABLE  # type: ignore[arg-type]


def test_resolved_kind_constant() -> None:
    fake = FakeHttp(Response(200, body("2101.00027.xml"), {}, API))
    assert R.resolve(["2101.00027"], fake, EP)["2101.00027"].kind == RESOLVED  # type: ignore[arg-type]


def test_module_level_search_title_is_the_resolver_method() -> None:
    from bibexport.resolvers import arxiv

    fake = FakeHttp(Response(200, body("1706.03741.xml"), {}, API))
    out = arxiv.search_title(TITLE, ["Shane Legg"], fake, EP)  # type: ignore[arg-type]
    assert out.ok and out.record.arxiv_id == "1706.03741"


# -- titles.py helpers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Holistic Evaluation of Text-To-Image Models", "holistic evaluation of text to image models"),
        ("Llama 2: Open Foundation and Fine-Tuned Chat Models", "Llama 2 — Open Foundation and Fine–Tuned Chat Models"),
        ("Café   au lait", "cafe au lait"),
        ("Eﬃcient ﬁne-tuning", "Efficient fine tuning"),  # ligatures fold (NFKD)
        ("{OLMo}: Accelerating the Science", "OLMo: accelerating the science."),
        ("0", "0"),
    ],
)
def test_titles_match_ignores_meaningless_differences(a: str, b: str) -> None:
    assert titles_match(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Deep reinforcement learning from human preferences", "Deep reinforcement learning from human feedback"),
        ("Mistral 7B", "Mixtral 8x7B"),
        ("Llama 2", "Llama 3"),
        ("", ""),
        ("...", "!!!"),
    ],
)
def test_titles_that_differ_do_not_match(a: str, b: str) -> None:
    assert not titles_match(a, b)


@given(st.text(max_size=60))
def test_normalize_title_is_idempotent_and_case_blind(s: str) -> None:
    n = normalize_title(s)
    assert normalize_title(n) == n
    assert normalize_title(s.upper()) == normalize_title(s.lower()) or not s.isascii()
    assert "  " not in n and n == n.strip()


@given(st.lists(st.sampled_from(["a", "b", "Deep", "learning", "7B", "é"]), min_size=1, max_size=6),
       st.sampled_from([" ", "  ", " - ", ": ", "\n"]))
def test_separators_never_matter(words: list[str], sep: str) -> None:
    assert normalize_title(sep.join(words)) == normalize_title(" ".join(words))


def test_authors_overlap_on_family_names() -> None:
    arxiv_form = [Person.parse(n) for n in MISTRAL]
    assert authors_overlap(arxiv_form, [Person.parse("Casas, Diego de las")])
    assert authors_overlap(arxiv_form, [Person(family="de las Casas", given="Diego")])
    assert authors_overlap(arxiv_form, [Person.parse("Lelio Renard Lavaud")])  # diacritics folded
    assert authors_overlap([Person.parse("Christopher D. Manning")], [Person.parse("Christopher D Manning")])
    assert not authors_overlap(arxiv_form, [Person.parse("Paul F. Christiano")])
    assert not authors_overlap([], arxiv_form)
