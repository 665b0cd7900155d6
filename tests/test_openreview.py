"""OpenReview resolver: link recognition, v1/v2 note parsing, v2 → v1 fallback, refusals, login, title search.

Fixtures in tests/fixtures/openreview are copies of the shared real-shaped fixtures (search-*.json and
challenge-required.403.json come from shared/fixtures/web/openreview).  Expected values: GROUND_TRUTH.md.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import responses
from hypothesis import given
from hypothesis import strategies as st
from responses import matchers

from bibexport.errors import NetworkError
from bibexport.http import Http
from bibexport.model import Endpoints
from bibexport.resolvers import venues
from bibexport.resolvers.base import AMBIGUOUS, INVALID, NOT_FOUND, RESOLVED, UNAVAILABLE, Response
from bibexport.resolvers.openreview import (
    CHALLENGE_REASON,
    OpenReviewResolver,
    credentials_from_env,
    parse_bibtex,
    parse_note,
)

FIX = Path(__file__).parent / "fixtures" / "openreview"
V2 = "https://api2.openreview.net"
V1 = "https://api.openreview.net"
EP = Endpoints()
DPO_TITLE = "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
DPO_OR = ["Rafael Rafailov", "Archit Sharma", "Eric Mitchell", "Christopher D Manning", "Stefano Ermon",
          "Chelsea Finn"]
INSTRUCT_OR = [
    "Long Ouyang", "Jeffrey Wu", "Xu Jiang", "Diogo Almeida", "Carroll Wainwright", "Pamela Mishkin",
    "Chong Zhang", "Sandhini Agarwal", "Katarina Slama", "Alex Gray", "John Schulman", "Jacob Hilton",
    "Fraser Kelton", "Luke Miller", "Maddie Simens", "Amanda Askell", "Peter Welinder", "Paul Christiano",
    "Jan Leike", "Ryan Lowe",
]


def load(name: str) -> Any:
    return json.loads((FIX / name).read_text(encoding="utf-8"))


def note(name: str) -> dict[str, Any]:
    return load(name)["notes"][0]


def names(record: Any) -> list[str]:
    return [p.display for p in record.authors]


def anon() -> OpenReviewResolver:
    return OpenReviewResolver(environ={})


def http() -> Http:
    return Http(retries=0, sleep=lambda s: None)


def add(url: str, fixture: str, status: int = 200, **params: str) -> None:
    responses.add(responses.GET, url, json=load(fixture), status=status,
                  match=[matchers.query_param_matcher(params)] if params else [])


# -- match ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://openreview.net/forum?id=HPuSIXJaa9", "HPuSIXJaa9"),
        ("https://openreview.net/pdf?id=HPuSIXJaa9", "HPuSIXJaa9"),
        ("https://openreview.net/attachment?id=HPuSIXJaa9&name=supplementary_material", "HPuSIXJaa9"),
        ("https://openreview.net/forum?id=HPuSIXJaa9&noteId=abcdefghij", "HPuSIXJaa9"),
        ("https://openreview.net/forum?noteId=abcdefghij&id=GisHNaleWiA", "GisHNaleWiA"),
        ("http://www.openreview.net/forum/?id=tOqfQ-WuJss", "tOqfQ-WuJss"),
        ("https://openreview.net/forum?id=TG8KACxEON#discussion", "TG8KACxEON"),
        ("openreview.net/forum?id=TG8KACxEON", "TG8KACxEON"),
    ],
)
def test_match_link_shapes(url: str, expected: str) -> None:
    assert anon().match(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://openreview.net/group?id=NeurIPS.cc/2023/Conference",
        "https://openreview.net/forum",
        "https://openreview.net/forum?id=abc",  # too short for any API
        "https://openreview.net/forum?id=has/slash!!",
        "https://openreview.net.evil.com/forum?id=HPuSIXJaa9",
        "https://arxiv.org/abs/2305.18290",
        "HPuSIXJaa9",
        "ftp://openreview.net/forum?id=HPuSIXJaa9",
        "",
    ],
)
def test_match_rejects(url: str) -> None:
    assert anon().match(url) is None


@given(st.text(max_size=60))
def test_match_never_crashes(text: str) -> None:
    got = anon().match("https://openreview.net/forum?id=" + text)
    assert got is None or (7 <= len(got) <= 14)


# -- parse_note ----------------------------------------------------------------------------------------------

def test_parse_v2_neurips_accepted() -> None:
    rec = parse_note(note("HPuSIXJaa9.v2.json"))
    assert rec.title == DPO_TITLE
    assert names(rec) == DPO_OR  # OpenReview order: Manning before Ermon
    assert rec.type == "paper-conference" and rec.status == "accepted"
    assert rec.container_title == "Advances in Neural Information Processing Systems"  # registry beats _bibtex
    assert rec.venue_short == "NeurIPS 2023" and rec.year == 2023
    assert rec.url == "https://openreview.net/forum?id=HPuSIXJaa9" and rec.openreview_id == "HPuSIXJaa9"


def test_parse_v2_tmlr_journal() -> None:
    rec = parse_note(note("iO4LZibEqW.v2.json"))
    assert rec.type == "article-journal"
    assert rec.container_title == "Transactions on Machine Learning Research"
    assert rec.issn == "2835-8856" and rec.year == 2023 and len(rec.authors) == 50
    assert "Christopher Re" in names(rec) and "Jue WANG" in names(rec)


def test_parse_v1_plain_content_with_editors() -> None:
    rec = parse_note(note("TG8KACxEON.v1.json"))
    assert names(rec) == INSTRUCT_OR
    assert rec.container_title == "Advances in Neural Information Processing Systems"
    assert rec.year == 2022 and rec.venue_short == "NeurIPS 2022"
    assert [p.family for p in rec.editors] == ["Oh", "Agarwal", "Belgrave", "Cho"]


def test_registry_name_used_when_no_bibtex() -> None:
    n = copy.deepcopy(note("TG8KACxEON.v1.json"))
    del n["content"]["_bibtex"]
    rec = parse_note(n)
    assert rec.container_title == "Advances in Neural Information Processing Systems"
    assert rec.year == 2022  # from the venueid path, not cdate
    n = copy.deepcopy(note("iO4LZibEqW.v2.json"))
    del n["content"]["_bibtex"]
    rec = parse_note(n)
    assert (rec.type, rec.issn, rec.year) == ("article-journal", "2835-8856", 2023)  # year from pdate


def test_unregistered_venue_takes_the_bibtex_booktitle() -> None:
    # The DPO note as if it were an accepted paper of a venue the registry does not know (edited copy).
    n = copy.deepcopy(note("HPuSIXJaa9.v2.json"))
    n["content"]["venue"] = {"value": "AISTATS 2025 Poster"}
    n["content"]["venueid"] = {"value": "aistats.org/AISTATS/2025/Conference"}
    n["content"]["_bibtex"] = {"value": "@inproceedings{\nrafailov2025direct,\ntitle={" + DPO_TITLE + "},\n"
                               "booktitle={The 28th International Conference on Artificial Intelligence and "
                               "Statistics},\nyear={2025}\n}"}
    rec = parse_note(n)
    assert rec.status == "accepted" and rec.type == "paper-conference"
    assert rec.container_title == "The 28th International Conference on Artificial Intelligence and Statistics"
    assert rec.year == 2025


def venue_variant(venue: str, venueid: str | list[str]) -> dict[str, Any]:
    """The DPO note as if it had not been accepted (edited copy, not an invented file)."""
    n = copy.deepcopy(note("HPuSIXJaa9.v2.json"))
    n["content"]["venue"] = {"value": venue}
    n["content"]["venueid"] = {"value": venueid}
    n["content"]["_bibtex"] = {"value": "@misc{\nrafailov2023direct,\ntitle={" + DPO_TITLE + "},\nyear={2023}\n}"}
    return n


@pytest.mark.parametrize(
    ("venue", "venueid", "status"),
    [
        ("Submitted to NeurIPS 2023", "NeurIPS.cc/2023/Conference/Rejected_Submission", "rejected"),
        ("Submitted to NeurIPS 2023", "NeurIPS.cc/2023/Conference/Submission", "submitted"),
        ("NeurIPS 2023 Conference Withdrawn Submission", "NeurIPS.cc/2023/Conference/Withdrawn_Submission",
         "withdrawn"),
        ("NeurIPS 2023 Conference Desk Rejected Submission", "NeurIPS.cc/2023/Conference/Desk_Rejected_Submission",
         "rejected"),
        ("Under review for TMLR", "TMLR/Under_Review", "submitted"),
        ("Submitted to ICLR 2024", "", "submitted"),
        ("NeurIPS 2022 Submitted", ["NeurIPS.cc/2022/Conference"], "submitted"),
    ],
)
def test_not_accepted_stays_preprint_like(venue: str, venueid: Any, status: str) -> None:
    rec = parse_note(venue_variant(venue, venueid))
    assert rec.status == status and rec.type == "article"
    assert rec.container_title == "" and rec.venue_short == ""
    assert rec.year == 2023  # pdate of the note


def test_venueid_as_list_accepted() -> None:
    rec = parse_note(venue_variant("ICLR 2024 poster", ["ICLR.cc/2024/Conference"]))
    assert rec.status == "accepted" and rec.venue_short == "ICLR 2024"
    assert rec.container_title == "International Conference on Learning Representations"  # @misc had none


def test_bibtex_latex_is_decoded() -> None:
    fields = parse_bibtex("@inproceedings{\nx2023,\ntitle={Caf{\\'e}},\nauthor={L{\\'e}lio Renard Lavaud},\n"
                          "booktitle={Conf},\nyear={2023}\n}")
    assert fields["author"] == "Lélio Renard Lavaud" and fields["title"] == "Café"
    assert fields["ENTRYTYPE"] == "inproceedings"
    assert parse_bibtex("not bibtex") == {} and parse_bibtex("") == {}


def test_venue_registry() -> None:
    assert venues.lookup("NeurIPS.cc/2023/Track/Datasets_and_Benchmarks").short == "NeurIPS"
    assert venues.lookup("colmweb.org/COLM/2024/Conference").name == "Conference on Language Modeling"
    assert venues.lookup("ICML.cc/2023/Conference").name == "International Conference on Machine Learning"
    assert venues.lookup("unknown.org/2023") is None
    assert venues.venueid_year("ICLR.cc/2024/Conference") == 2024 and venues.venueid_year("TMLR") is None
    assert venues.status_of("TMLR", "Accepted by TMLR") == "accepted"
    assert venues.status_of("TMLR/Rejected", "") == "rejected"
    assert venues.status_of("", "") == ""


# -- resolve -------------------------------------------------------------------------------------------------

@responses.activate
def test_v2_hit() -> None:
    add(f"{V2}/notes", "HPuSIXJaa9.v2.json", id="HPuSIXJaa9")
    out = anon().resolve(["HPuSIXJaa9"], http(), EP)["HPuSIXJaa9"]
    assert out.kind == RESOLVED and out.identifier == "openreview:HPuSIXJaa9" and out.warnings == ()
    assert names(out.record) == DPO_OR
    assert len(responses.calls) == 1


@responses.activate
def test_v2_miss_then_v1_hit() -> None:
    add(f"{V2}/notes", "not-found.json", 404, id="TG8KACxEON")
    add(f"{V1}/notes", "TG8KACxEON.v1.json", id="TG8KACxEON")
    out = anon().resolve(["TG8KACxEON"], http(), EP)["TG8KACxEON"]
    assert out.ok and names(out.record) == INSTRUCT_OR
    assert [c.request.url.split("?")[0] for c in responses.calls] == [f"{V2}/notes", f"{V1}/notes"]


@responses.activate
def test_v2_empty_notes_then_v1_hit() -> None:
    add(f"{V2}/notes", "empty-search.v2.json", id="TG8KACxEON")  # {"notes":[],"count":0}
    add(f"{V1}/notes", "TG8KACxEON.v1.json", id="TG8KACxEON")
    assert anon().resolve(["TG8KACxEON"], http(), EP)["TG8KACxEON"].ok


@responses.activate
def test_v1_only_id_skips_v2() -> None:
    add(f"{V1}/notes", "not-found.json", 404, id="GisHNaleWiA")
    out = anon().resolve(["GisHNaleWiA"], http(), EP)["GisHNaleWiA"]
    assert out.kind == NOT_FOUND and "GisHNaleWiA" in out.reason
    assert len(responses.calls) == 1 and responses.calls[0].request.url.startswith(V1)


@responses.activate
def test_not_found_on_both() -> None:
    add(f"{V2}/notes", "not-found.json", 404)
    add(f"{V1}/notes", "not-found.json", 404)
    out = anon().resolve(["0000000000"], http(), EP)["0000000000"]
    assert out.kind == NOT_FOUND and out.record is None and "v2 or v1" in out.reason


@responses.activate
def test_403_challenge_is_unavailable_with_clear_reason() -> None:
    add(f"{V2}/notes", "challenge-required.403.json", 403)
    add(f"{V1}/notes", "challenge-required.403.json", 403)
    out = anon().resolve(["HPuSIXJaa9"], http(), EP)["HPuSIXJaa9"]
    assert out.kind == UNAVAILABLE and out.reason == CHALLENGE_REASON
    assert "OPENREVIEW_USERNAME" in out.reason


@responses.activate
def test_403_on_v2_then_v1_hit() -> None:
    # v1 was reported to allow anonymous reads while v2 was challenge-gated (API_FORMATS §2.7).
    add(f"{V2}/notes", "challenge-required.403.json", 403)
    add(f"{V1}/notes", "TG8KACxEON.v1.json")
    assert anon().resolve(["TG8KACxEON"], http(), EP)["TG8KACxEON"].ok


@responses.activate
def test_403_on_v2_and_404_on_v1_is_unavailable_not_missing() -> None:
    add(f"{V2}/notes", "challenge-required.403.json", 403)
    add(f"{V1}/notes", "not-found.json", 404)
    out = anon().resolve(["HPuSIXJaa9"], http(), EP)["HPuSIXJaa9"]
    assert out.kind == UNAVAILABLE and "ChallengeRequiredError" in out.reason


@responses.activate
def test_429_rate_limit_is_unavailable_never_raises() -> None:
    add(f"{V2}/notes", "rate-limited.json", 429)
    add(f"{V1}/notes", "rate-limited.json", 429)
    out = anon().resolve(["HPuSIXJaa9"], http(), EP)["HPuSIXJaa9"]
    assert out.kind == UNAVAILABLE and "RateLimitError" in out.reason


def test_429_returned_as_response_is_unavailable_too() -> None:
    class Fake:
        def get(self, url: str, *, params: Any = None, headers: Any = None) -> Response:
            return Response(429, (FIX / "rate-limited.json").read_bytes(), {}, url)

    out = anon().resolve(["TG8KACxEON"], Fake(), EP)["TG8KACxEON"]  # type: ignore[arg-type]
    assert out.kind == UNAVAILABLE and "rate limit" in out.reason


def test_network_error_is_unavailable() -> None:
    class Down:
        def get(self, url: str, *, params: Any = None, headers: Any = None) -> Response:
            raise NetworkError(url, "connection failed (gave up after 4 attempts)")

    out = anon().resolve(["HPuSIXJaa9"], Down(), EP)["HPuSIXJaa9"]  # type: ignore[arg-type]
    assert out.kind == UNAVAILABLE and "connection failed" in out.reason


def test_invalid_id_makes_no_request() -> None:
    class NoCalls:
        def get(self, *a: Any, **k: Any) -> Response:
            raise AssertionError("no request expected")

    out = anon().resolve(["abc", "bad/id!!"], NoCalls(), EP)  # type: ignore[arg-type]
    assert {o.kind for o in out.values()} == {INVALID}


@responses.activate
def test_submitted_note_resolves_with_warning() -> None:
    variant = venue_variant("Submitted to NeurIPS 2023", "NeurIPS.cc/2023/Conference/Rejected_Submission")
    responses.add(responses.GET, f"{V2}/notes", json={"notes": [variant], "count": 1})
    out = anon().resolve(["HPuSIXJaa9"], http(), EP)["HPuSIXJaa9"]
    assert out.ok and out.record.type == "article" and out.record.status == "rejected"
    assert len(out.warnings) == 1 and "Submitted to NeurIPS 2023" in out.warnings[0]
    assert "preprint" in out.warnings[0]


# -- authentication ------------------------------------------------------------------------------------------

def test_credentials_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENREVIEW_USERNAME", "me@example.org")
    monkeypatch.setenv("OPENREVIEW_PASSWORD", "s3cret-pw")
    monkeypatch.delenv("OPENREVIEW_TOKEN", raising=False)
    creds = credentials_from_env()
    assert creds.username == "me@example.org" and creds.password == "s3cret-pw" and creds.any
    assert "s3cret-pw" not in repr(creds)
    assert not credentials_from_env({}).any


@responses.activate
def test_token_is_sent_as_bearer() -> None:
    responses.add(responses.GET, f"{V2}/notes", json=load("HPuSIXJaa9.v2.json"),
                  match=[matchers.header_matcher({"Authorization": "Bearer tok123"})])
    out = OpenReviewResolver(environ={"OPENREVIEW_TOKEN": "tok123"}).resolve(["HPuSIXJaa9"], http(), EP)
    assert out["HPuSIXJaa9"].ok


@responses.activate
def test_login_once_with_username_and_password() -> None:
    login = responses.add(responses.POST, f"{V2}/login", json={"token": "fresh", "user": {}},
                          match=[matchers.json_params_matcher({"id": "me@example.org", "password": "pw"})])
    responses.add(responses.GET, f"{V2}/notes", json=load("HPuSIXJaa9.v2.json"),
                  match=[matchers.header_matcher({"Authorization": "Bearer fresh"})])
    resolver = OpenReviewResolver(environ={"OPENREVIEW_USERNAME": "me@example.org", "OPENREVIEW_PASSWORD": "pw"})
    out = resolver.resolve(["HPuSIXJaa9", "HPuSIXJaa9"], http(), EP)
    assert out["HPuSIXJaa9"].ok and login.call_count == 1


@responses.activate
def test_failed_login_falls_back_to_anonymous_and_says_so() -> None:
    responses.add(responses.POST, f"{V2}/login", status=400,
                  json={"name": "InvalidCredentialsError", "message": "x", "status": 400, "details": {}})
    add(f"{V2}/notes", "challenge-required.403.json", 403)
    add(f"{V1}/notes", "challenge-required.403.json", 403)
    resolver = OpenReviewResolver(environ={"OPENREVIEW_USERNAME": "me", "OPENREVIEW_PASSWORD": "pw-secret"})
    out = resolver.resolve(["HPuSIXJaa9"], http(), EP)["HPuSIXJaa9"]
    assert out.kind == UNAVAILABLE and "login as 'me' failed" in out.reason
    assert "pw-secret" not in out.reason


# -- title search --------------------------------------------------------------------------------------------

def add_search(fixture: str, status: int = 200) -> None:
    responses.add(responses.GET, f"{V2}/notes/search", json=load(fixture), status=status, match=[
        matchers.query_param_matcher({"term": DPO_TITLE, "type": "terms", "content": "title", "source": "forum",
                                      "limit": "10"})])


@responses.activate
def test_search_exact_hit() -> None:
    add_search("search-dpo.v2.json")
    out = anon().search_title(DPO_TITLE, ["Rafael Rafailov"], http(), EP)
    assert out.ok and out.record.openreview_id == "HPuSIXJaa9" and out.record.venue_short == "NeurIPS 2023"
    assert out.identifier == f"title:{DPO_TITLE}"


@responses.activate
def test_search_near_miss_rejected() -> None:
    responses.add(responses.GET, f"{V2}/notes/search", json=load("search-dpo.v2.json"))
    out = anon().search_title("Direct Preference Optimization", [], http(), EP)
    assert out.kind == AMBIGUOUS and "HPuSIXJaa9" in out.reason and "title differs" in out.reason


@responses.activate
def test_search_authors_disjoint_rejected() -> None:
    add_search("search-dpo.v2.json")
    out = anon().search_title(DPO_TITLE, ["Ada Lovelace"], http(), EP)
    assert out.kind == AMBIGUOUS and "authors" in out.reason


@responses.activate
def test_search_ignores_submissions() -> None:
    variant = venue_variant("Submitted to NeurIPS 2023", "NeurIPS.cc/2023/Conference/Rejected_Submission")
    responses.add(responses.GET, f"{V2}/notes/search", json={"notes": [variant], "count": 1})
    out = anon().search_title(DPO_TITLE, [], http(), EP)
    assert out.kind == AMBIGUOUS and "rejected" in out.reason


@responses.activate
def test_search_empty_and_refused() -> None:
    add_search("search-empty.v2.json")
    assert anon().search_title(DPO_TITLE, [], http(), EP).kind == NOT_FOUND
    responses.replace(responses.GET, f"{V2}/notes/search", json=load("challenge-required.403.json"), status=403)
    out = anon().search_title(DPO_TITLE, [], http(), EP)
    assert out.kind == UNAVAILABLE and out.reason == CHALLENGE_REASON


@responses.activate
def test_module_level_search_title_reads_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from bibexport.resolvers import openreview

    monkeypatch.setenv("OPENREVIEW_TOKEN", "envtok")
    responses.add(responses.GET, f"{V2}/notes/search", json=load("search-dpo.v2.json"),
                  match=[matchers.header_matcher({"Authorization": "Bearer envtok"})])
    assert openreview.search_title(DPO_TITLE, [], http(), EP).ok
