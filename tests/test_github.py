"""The GitHub resolver: URL matching, repository JSON → software Record, every failure as an Outcome.

Fixtures in ``fixtures/web/github`` are copies of the shared real-shape REST bodies with their headers; only
facts their README marks verified (name, owner, description, created_at date, html_url) are asserted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bibexport.errors import NetworkError
from bibexport.model import Endpoints, Person
from bibexport.resolvers import github
from bibexport.resolvers.base import NOT_FOUND, RESOLVED, UNAVAILABLE, Response
from tests.fakes import FakeHttp

FIXTURES = Path(__file__).parent / "fixtures" / "web" / "github"
API = "https://api.github.test"
ENDPOINTS = Endpoints(github_api=API)
REPO_URL = f"{API}/repos/opendilab/awesome-RLHF"


def recorded(stem: str, url: str) -> Response:
    """A fixture body with its recorded status and headers."""
    meta = json.loads((FIXTURES / f"{stem}.headers.json").read_text())
    return Response(meta["status"], (FIXTURES / f"{stem}.json").read_bytes(), meta["headers"], url)


REPO = "api.github.com_repos_opendilab_awesome-RLHF"
NOT_FOUND_STEM = "api.github.com_repos_not-found.404"
RATE_LIMITED = "api.github.com_rate-limited.403"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://github.com/opendilab/awesome-RLHF", "opendilab/awesome-RLHF"),
        ("https://github.com/opendilab/awesome-RLHF/", "opendilab/awesome-RLHF"),
        ("https://github.com/opendilab/awesome-RLHF.git", "opendilab/awesome-RLHF"),
        ("https://www.github.com/huggingface/trl/tree/main/examples", "huggingface/trl"),
        ("http://github.com/a-b/c.d_e?tab=readme#x", "a-b/c.d_e"),
        ("github.com/huggingface/trl", "huggingface/trl"),
        ("github:huggingface/trl", "huggingface/trl"),
        ("https://github.com/opendilab", None),  # a user/org page is not a repository
        ("https://github.com/", None),
        ("https://gist.github.com/karpathy/d4dee566867f8291f086", None),
        ("https://github.com/topics/rlhf", None),
        ("https://github.com/orgs/huggingface/repositories", None),
        ("https://github.com/settings/tokens", None),
        ("https://api.github.com/repos/a/b", None),
        ("https://notgithub.com/a/b", None),
        ("https://huggingface.co/a/b", None),
        ("github:only-owner", None),
    ],
)
def test_match(url: str, expected: str | None) -> None:
    assert github.match(url) == expected


@given(st.text())
def test_match_never_raises_and_gives_owner_slash_repo(text: str) -> None:
    result = github.match(text)
    assert result is None or result.count("/") == 1


def test_parse_repo_fixture() -> None:
    record = github.parse_repo(json.loads((FIXTURES / f"{REPO}.json").read_text()))
    assert record.type == "software"
    assert record.title == "awesome-RLHF"
    assert record.authors == (Person(literal="opendilab"),)
    assert record.issued == (2023,)  # created_at 2023-02-13: year of creation
    assert record.url == "https://github.com/opendilab/awesome-RLHF"
    assert record.publisher == "GitHub"
    assert record.note == ("A curated list of reinforcement learning with human feedback resources "
                           "(continually updated)")
    assert dict(record.sources) == {f: "github" for f in
                                    ("title", "authors", "issued", "publisher", "url", "note")}


def test_parse_repo_without_description_or_dates() -> None:
    record = github.parse_repo({"name": "x", "owner": {"login": "someone"}, "description": None})
    assert record.note == "" and record.issued == ()
    assert record.url == "https://github.com/someone/x"
    assert "note" not in dict(record.sources)


def test_resolve_sends_api_headers_and_token() -> None:
    http = FakeHttp({REPO_URL: recorded(REPO, REPO_URL)})
    outcome = github.resolve(["opendilab/awesome-RLHF"], http, ENDPOINTS, token="t0k")[
        "opendilab/awesome-RLHF"
    ]
    assert outcome.kind == RESOLVED and outcome.identifier == "github:opendilab/awesome-RLHF"
    assert outcome.record is not None and outcome.record.title == "awesome-RLHF"
    assert outcome.warnings == ()
    url, headers = http.calls[0]
    assert url == REPO_URL
    assert headers == {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
                       "Authorization": "Bearer t0k"}


def test_token_comes_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "from-env")
    http = FakeHttp({REPO_URL: recorded(REPO, REPO_URL)})
    github.GithubResolver().resolve(["opendilab/awesome-RLHF"], http, ENDPOINTS)
    assert http.calls[0][1]["Authorization"] == "Bearer from-env"


def test_no_token_no_authorization_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    http = FakeHttp({REPO_URL: recorded(REPO, REPO_URL)})
    assert github.resolve(["opendilab/awesome-RLHF"], http, ENDPOINTS)["opendilab/awesome-RLHF"].ok
    assert "Authorization" not in http.calls[0][1]


def test_not_found() -> None:
    url = f"{API}/repos/opendilab/missing"
    http = FakeHttp({url: recorded(NOT_FOUND_STEM, url)})
    outcome = github.resolve(["opendilab/missing"], http, ENDPOINTS, token="")["opendilab/missing"]
    assert outcome.kind == NOT_FOUND and "opendilab/missing" in outcome.reason and outcome.record is None


def test_rate_limited_stops_asking_and_says_what_to_do() -> None:
    http = FakeHttp({REPO_URL: recorded(RATE_LIMITED, REPO_URL)})
    ids = ["opendilab/awesome-RLHF", "huggingface/trl"]
    outcomes = github.resolve(ids, http, ENDPOINTS, token="")
    assert [o.kind for o in outcomes.values()] == [UNAVAILABLE, UNAVAILABLE]
    reason = outcomes["opendilab/awesome-RLHF"].reason
    assert "rate limit" in reason and "set GITHUB_TOKEN" in reason
    assert "resets 2026-01-01 00:00 UTC" in reason  # x-ratelimit-reset 1767225600
    assert outcomes["huggingface/trl"].reason == reason
    assert len(http.calls) == 1  # the second repository was not asked


def test_rate_limited_with_token_does_not_suggest_a_token() -> None:
    http = FakeHttp({REPO_URL: recorded(RATE_LIMITED, REPO_URL)})
    outcomes = github.resolve(["opendilab/awesome-RLHF"], http, ENDPOINTS, token="x")
    reason = outcomes["opendilab/awesome-RLHF"].reason
    assert "rate limit" in reason and "GITHUB_TOKEN" not in reason


def test_429_and_secondary_limit() -> None:
    headers = {"Content-Type": "application/json", "Retry-After": "30", "x-ratelimit-remaining": "12"}
    http = FakeHttp({REPO_URL: Response(429, b"{}", headers, REPO_URL)})
    outcome = github.resolve(["opendilab/awesome-RLHF"], http, ENDPOINTS, token="")["opendilab/awesome-RLHF"]
    assert outcome.kind == UNAVAILABLE
    assert "secondary rate limit" in outcome.reason and "30 s" in outcome.reason


def test_403_without_rate_limit_headers_is_unavailable_but_not_a_rate_limit() -> None:
    forbidden = Response(403, b'{"message":"Forbidden"}', {"x-ratelimit-remaining": "40"}, REPO_URL)
    http = FakeHttp({REPO_URL: forbidden})
    outcome = github.resolve(["opendilab/awesome-RLHF"], http, ENDPOINTS, token="")["opendilab/awesome-RLHF"]
    assert outcome.kind == UNAVAILABLE and "403" in outcome.reason and "rate limit" not in outcome.reason


def test_network_error_after_retries() -> None:
    http = FakeHttp({REPO_URL: NetworkError(REPO_URL, "HTTP 429 after 3 tries", status=429)})
    outcome = github.resolve(["opendilab/awesome-RLHF"], http, ENDPOINTS, token="")["opendilab/awesome-RLHF"]
    assert outcome.kind == UNAVAILABLE and "rate limit" in outcome.reason
    http = FakeHttp({REPO_URL: NetworkError(REPO_URL, "connection refused")})
    outcome = github.resolve(["opendilab/awesome-RLHF"], http, ENDPOINTS, token="")["opendilab/awesome-RLHF"]
    assert outcome.kind == UNAVAILABLE and outcome.reason == "connection refused"


def test_malformed_json_is_unavailable() -> None:
    http = FakeHttp({REPO_URL: Response(200, b"<html>oops", {"Content-Type": "text/html"}, REPO_URL)})
    outcome = github.resolve(["opendilab/awesome-RLHF"], http, ENDPOINTS, token="")["opendilab/awesome-RLHF"]
    assert outcome.kind == UNAVAILABLE and outcome.record is None


def test_renamed_repository_warns() -> None:
    url = f"{API}/repos/OpenDILab/old-name"
    http = FakeHttp({url: recorded(REPO, url)})
    outcome = github.resolve(["OpenDILab/old-name"], http, ENDPOINTS, token="")["OpenDILab/old-name"]
    assert outcome.ok
    assert outcome.warnings == ("GitHub repository OpenDILab/old-name moved to opendilab/awesome-RLHF",)


def test_through_the_real_http_layer() -> None:
    responses = pytest.importorskip("responses")
    from bibexport.http import Http

    meta = json.loads((FIXTURES / f"{RATE_LIMITED}.headers.json").read_text())
    with responses.RequestsMock() as mock:
        mock.get(REPO_URL, body=(FIXTURES / f"{RATE_LIMITED}.json").read_bytes(), status=403,
                 headers={k: v for k, v in meta["headers"].items() if k != "content-type"},
                 content_type="application/json; charset=utf-8")
        with Http(retries=0, sleep=lambda s: None) as http:
            outcome = github.resolve(["opendilab/awesome-RLHF"], http, ENDPOINTS, token="")
        sent = mock.calls[0].request.headers
        assert sent["X-GitHub-Api-Version"] == "2022-11-28" and "Authorization" not in sent
    assert outcome["opendilab/awesome-RLHF"].kind == UNAVAILABLE
    assert "rate limit" in outcome["opendilab/awesome-RLHF"].reason
