"""The DOI resolver: DOI forms, CSL-JSON → Record (Crossref types mapped), and failures as Outcomes.

``fixtures/web/doi`` holds copies of the shared real-shape doi.org answers; only facts their README marks
verified (title, authors in Anthology spelling, publisher, proceedings title, pages, Bangkok, 2024) are
asserted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bibexport.errors import NetworkError
from bibexport.model import Endpoints, Person
from bibexport.resolvers import doi
from bibexport.resolvers.base import NOT_FOUND, RESOLVED, UNAVAILABLE, Response
from tests.fakes import FakeHttp

FIXTURES = Path(__file__).parent / "fixtures" / "web" / "doi"
RESOLVER = "https://doi.test"
ENDPOINTS = Endpoints(doi_resolver=RESOLVER)
OLMO = "10.18653/v1/2024.acl-long.841"
OLMO_URL = f"{RESOLVER}/{OLMO}"
CSL = {"Content-Type": "application/vnd.citationstyles.csl+json"}


def olmo_body() -> bytes:
    return (FIXTURES / "doi.org_10.18653_v1_2024.acl-long.841.csl.json").read_bytes()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("https://doi.org/10.18653/v1/2024.acl-long.841", OLMO),
        ("http://dx.doi.org/10.18653/v1/2024.acl-long.841", OLMO),
        ("https://www.doi.org/10.1000/xyz%2Fabc", "10.1000/xyz/abc"),
        ("doi:10.48550/arXiv.2305.18290", "10.48550/arXiv.2305.18290"),
        ("DOI: 10.1145/3442188.3445922", "10.1145/3442188.3445922"),
        ("10.1093/ajae/aaq063", "10.1093/ajae/aaq063"),
        ("  10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O ",
         "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O"),
        ("10.123/short-registrant", None),
        ("https://doi.org/", None),
        ("https://example.org/10.1000/xyz", None),
        ("https://arxiv.org/abs/2305.18290", None),
        ("doi:not-a-doi", None),
        ("11.1000/xyz", None),
    ],
)
def test_match(text: str, expected: str | None) -> None:
    assert doi.match(text) == expected


@given(st.text())
def test_match_never_raises(text: str) -> None:
    result = doi.match(text)
    assert result is None or result.startswith("10.")


@pytest.mark.parametrize(
    "crossref, subtype, csl",
    [
        ("proceedings-article", "", "paper-conference"),
        ("journal-article", "", "article-journal"),
        ("posted-content", "preprint", "article"),
        ("posted-content", "", "manuscript"),
        ("book-chapter", "", "chapter"),
        ("dissertation", "", "thesis"),
        ("monograph", "", "book"),
        ("article-journal", "", "article-journal"),  # older answers already send CSL types
        ("peer-review", "", "article"),
        ("", "", "article"),
    ],
)
def test_csl_type(crossref: str, subtype: str, csl: str) -> None:
    assert doi.csl_type(crossref, subtype) == csl


def test_record_from_crossref_fixture() -> None:
    record = doi.record_from_csl(json.loads(olmo_body()))
    assert record.type == "paper-conference"
    assert record.title == "OLMo: Accelerating the Science of Language Models"
    assert len(record.authors) == 43
    assert record.authors[0] == Person(family="Groeneveld", given="Dirk")
    # ACL Anthology spellings, which differ from arXiv's.
    assert {"Evan Walsh", "Ananya Jha", "Noah Smith"} <= {p.display for p in record.authors}
    assert record.authors[-1] == Person(family="Hajishirzi", given="Hannaneh")
    assert record.issued[:1] == (2024,)  # only the year is verified
    assert record.container_title == ("Proceedings of the 62nd Annual Meeting of the Association for "
                                      "Computational Linguistics (Volume 1: Long Papers)")
    assert record.publisher == "Association for Computational Linguistics"
    assert record.pages == "15789-15809"
    assert record.event_place.startswith("Bangkok")
    assert record.doi == OLMO
    assert record.url == f"https://doi.org/{OLMO}"  # not the agency's http://dx.doi.org/ form
    assert dict(record.sources)["authors"] == "doi" and set(dict(record.sources).values()) == {"doi"}


def test_record_from_csl_variants() -> None:
    item = {
        "type": "article-journal",
        "title": ["A <i>Title</i>  with\nmarkup"],
        "author": [
            {"family": "Casas", "given": "Diego", "non-dropping-particle": "de las"},
            {"literal": "The Example Consortium"},
            {"name": "Crossref Org Author"},
            {"affiliation": []},
        ],
        "editor": [{"family": "Oh", "given": "A. H."}],
        "container-title": [],
        "published-online": {"date-parts": [["2021", 7, None]]},
        "volume": 35,
        "issue": "2",
        "ISSN": ["2835-8856", "1234-5678"],
        "event-place": "New Orleans, LA",
        "URL": "https://example.org/x",
    }
    record = doi.record_from_csl(item)
    assert record.title == "A Title with markup"
    assert record.authors == (
        Person(family="Casas", given="Diego", particle="de las"),
        Person(literal="The Example Consortium"),
        Person(literal="Crossref Org Author"),
    )
    assert record.editors == (Person(family="Oh", given="A. H."),)
    assert record.issued == (2021, 7)
    assert record.container_title == "" and record.volume == "35" and record.issue == "2"
    assert record.issn == "2835-8856"
    assert record.event_place == "New Orleans, LA"
    assert record.doi == "" and record.url == "https://example.org/x"


@given(st.dictionaries(st.sampled_from(["title", "author", "issued", "type", "DOI", "page", "event"]),
                       st.one_of(st.none(), st.text(), st.integers(), st.lists(st.text()),
                                 st.dictionaries(st.text(), st.text()))))
def test_record_from_csl_never_raises(item: dict) -> None:
    assert doi.record_from_csl(item).type


def test_resolve_negotiates_csl_json() -> None:
    http = FakeHttp({OLMO_URL: Response(200, olmo_body(), CSL, "https://api.crossref.test/works/x")})
    outcome = doi.resolve([OLMO], http, ENDPOINTS)[OLMO]
    assert outcome.kind == RESOLVED and outcome.identifier == f"doi:{OLMO}" and outcome.source == "doi"
    assert outcome.record is not None and outcome.record.title.startswith("OLMo")
    assert http.calls == [(OLMO_URL, {"Accept": "application/vnd.citationstyles.csl+json"})]


def test_resolve_quotes_odd_characters_in_the_path() -> None:
    odd = "10.1000/a#b?c"
    url = f"{RESOLVER}/10.1000/a%23b%3Fc"
    http = FakeHttp({url: Response(404, b"Resource not found.", {"Content-Type": "text/plain"}, url)})
    assert doi.resolve([odd], http, ENDPOINTS)[odd].kind == NOT_FOUND


def test_not_found() -> None:
    url = f"{RESOLVER}/10.1234/missing"
    body = (FIXTURES / "doi.org_not-found.404.txt").read_bytes()
    http = FakeHttp({url: Response(404, body, {"Content-Type": "text/plain"}, url)})
    outcome = doi.resolve(["10.1234/missing"], http, ENDPOINTS)["10.1234/missing"]
    assert outcome.kind == NOT_FOUND and "10.1234/missing" in outcome.reason and outcome.record is None


def test_html_landing_page_is_unavailable() -> None:
    body = b"<!DOCTYPE html><html><head><title>Landing</title></head></html>"
    http = FakeHttp({OLMO_URL: Response(200, body, {"Content-Type": "text/html; charset=utf-8"}, OLMO_URL)})
    outcome = doi.resolve([OLMO], http, ENDPOINTS)[OLMO]
    assert outcome.kind == UNAVAILABLE
    assert "no CSL metadata from the registration agency" in outcome.reason


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"type": "journal-article"}'])
def test_unreadable_json_is_unavailable(body: bytes) -> None:
    http = FakeHttp({OLMO_URL: Response(200, body, CSL, OLMO_URL)})
    outcome = doi.resolve([OLMO], http, ENDPOINTS)[OLMO]
    assert outcome.kind == UNAVAILABLE and outcome.record is None


@pytest.mark.parametrize("status", [403, 429, 500, 204])
def test_other_statuses_are_unavailable(status: int) -> None:
    http = FakeHttp({OLMO_URL: Response(status, b"", {}, OLMO_URL)})
    outcome = doi.resolve([OLMO], http, ENDPOINTS)[OLMO]
    assert outcome.kind == UNAVAILABLE and str(status) in outcome.reason


def test_network_error_and_batch_isolation() -> None:
    other = "10.1000/down"
    http = FakeHttp({
        OLMO_URL: Response(200, olmo_body(), CSL, OLMO_URL),
        f"{RESOLVER}/{other}": NetworkError(other, "timed out"),
    })
    outcomes = doi.DoiResolver().resolve([OLMO, other, OLMO], http, ENDPOINTS)
    assert outcomes[OLMO].ok
    assert outcomes[other].kind == UNAVAILABLE and outcomes[other].reason == "timed out"
    assert len(http.calls) == 2


def test_through_the_real_http_layer_following_the_redirect() -> None:
    responses = pytest.importorskip("responses")
    from bibexport.http import Http

    target = "https://agency.test/works/olmo/transform"
    with responses.RequestsMock() as mock:
        mock.get(OLMO_URL, status=302, headers={"Location": target}, content_type="text/html")
        mock.get(target, body=olmo_body(), content_type="application/vnd.citationstyles.csl+json")
        with Http(retries=0, sleep=lambda s: None) as http:
            outcome = doi.resolve([OLMO], http, ENDPOINTS)[OLMO]
        assert mock.calls[0].request.headers["Accept"] == "application/vnd.citationstyles.csl+json"
    assert outcome.ok and outcome.record is not None and outcome.record.type == "paper-conference"
