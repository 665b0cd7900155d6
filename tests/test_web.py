"""The web resolver: metadata from page heads, in order of trust, and every failure as an Outcome.

Fixtures: the ``huggingface.co_*``, ``www.anthropic.com_*`` and ``mistral.ai_*`` pages are copies of the
shared recorded-shape pages (only facts their README marks verified are asserted); ``synthetic_*`` pages are
minimal pages written for these tests in the real markup shape of each standard (Highwire, JSON-LD,
OpenGraph, Dublin Core, title-only, broken markup, a meta-declared charset): no shared capture covers them.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bibexport.errors import NetworkError
from bibexport.model import Endpoints, Person
from bibexport.resolvers import web
from bibexport.resolvers.base import NOT_FOUND, RESOLVED, UNAVAILABLE, Response
from tests.fakes import FakeHttp

FIXTURES = Path(__file__).parent / "fixtures" / "web"
TODAY = datetime.date(2026, 1, 15)
HTML = {"Content-Type": "text/html; charset=utf-8"}

HF_STACKLLAMA = "https://huggingface.co/blog/stackllama"
HF_DPO = "https://huggingface.co/blog/dpo-trl"
HF_NIMPL = "https://huggingface.co/blog/the_n_implementation_details_of_rlhf_with_ppo"
HF_SPACE = "https://huggingface.co/spaces/lmsys/chatbot-arena-leaderboard"
ANTHROPIC = "https://www.anthropic.com/news/evaluating-ai-systems"
MISTRAL = "https://mistral.ai/news/announcing-mistral-7b/"


def page(name: str, url: str, headers: Mapping[str, str] = HTML, status: int = 200) -> Response:
    return Response(status=status, content=(FIXTURES / name).read_bytes(), headers=headers, url=url)


def resolve_page(name: str, url: str, headers: Mapping[str, str] = HTML):
    http = FakeHttp({url: page(name, url, headers)})
    outcome = web.resolve([url], http, Endpoints(), today=TODAY)[url]
    return outcome


def sources(record) -> dict[str, str]:
    return dict(record.sources)


# ------------------------------------------------------------------------------------------ match


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://huggingface.co/blog/stackllama", "https://huggingface.co/blog/stackllama"),
        ("http://example.org/a?b=1#section", "http://example.org/a?b=1"),
        ("  https://mistral.ai/news/a/ ", "https://mistral.ai/news/a/"),
        ("ftp://example.org/file", None),
        ("arXiv:2305.18290", None),
        ("10.18653/v1/2024.acl-long.841", None),
        ("https://", None),
        ("not a url", None),
    ],
)
def test_match_takes_any_http_url_and_nothing_else(url: str, expected: str | None) -> None:
    assert web.match(url) == expected


@given(st.text())
def test_match_never_raises(text: str) -> None:
    result = web.match(text)
    assert result is None or result.startswith(("http", "HTTP", "Http")) or "://" in result


@pytest.mark.parametrize(
    "host, org",
    [
        ("huggingface.co", "Hugging Face"),
        ("www.anthropic.com", "Anthropic"),
        ("mistral.ai", "Mistral AI"),
        ("openai.com", "OpenAI"),
        ("blog.openai.com", "OpenAI"),
        ("GitHub.com", "GitHub"),
        ("huggingface.co:443", "Hugging Face"),
        ("example.org", ""),
        ("notanthropic.com", ""),
    ],
)
def test_organisation_for_host(host: str, org: str) -> None:
    assert web.organisation_for_host(host) == org


# ------------------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    "text, parts",
    [
        ("2023-10-04T12:00:00+00:00", (2023, 10, 4)),
        ("2023/05/29", (2023, 5, 29)),
        ("2021-06", (2021, 6)),
        ("2020", (2020,)),
        ("April 5, 2023", (2023, 4, 5)),
        ("Oct 4, 2023", (2023, 10, 4)),
        ("Sept. 27, 2023", (2023, 9, 27)),
        ("27 September 2023", (2023, 9, 27)),
        ("September 2023", (2023, 9)),
        ("2023-02-30", ()),
        ("2023-13", ()),
        ("Smarch 4, 2023", ()),
        ("yesterday", ()),
        ("", ()),
    ],
)
def test_parse_date(text: str, parts: tuple[int, ...]) -> None:
    assert web.parse_date(text) == parts


@given(st.dates(min_value=datetime.date(1000, 1, 1), max_value=datetime.date(2999, 12, 31)))
def test_parse_date_reads_iso_and_english_forms_of_any_date(day: datetime.date) -> None:
    expected = (day.year, day.month, day.day)
    assert web.parse_date(day.isoformat()) == expected
    assert web.parse_date(day.strftime("%B %d, %Y")) == expected
    assert web.parse_date(f"{day.day} {day.strftime('%b')} {day.year}") == expected


@given(st.text())
def test_parse_date_never_raises(text: str) -> None:
    assert isinstance(web.parse_date(text), tuple)


def test_strip_site_suffix_only_for_known_site_names() -> None:
    assert web.strip_site_suffix("Mistral 7B | Mistral AI | Frontier AI", ["Mistral AI"]) == "Mistral 7B"
    assert web.strip_site_suffix("Challenges \\ Anthropic", ["Anthropic"]) == "Challenges"
    assert web.strip_site_suffix("Fine-tune - Hugging Face", ["hugging face"]) == "Fine-tune"
    assert web.strip_site_suffix("GPT-4 - OpenAI", ["Anthropic"]) == "GPT-4 - OpenAI"
    assert web.strip_site_suffix("Anthropic", ["Anthropic"]) == "Anthropic"  # never strip to nothing


# ------------------------------------------------------------------------------------------ shared fixtures


@pytest.mark.parametrize(
    "name, url, title, issued",
    [
        ("huggingface.co_blog_stackllama.html", HF_STACKLLAMA,
         "StackLLaMA: A hands-on guide to train LLaMA with RLHF", (2023, 4, 5)),
        ("huggingface.co_blog_dpo-trl.html", HF_DPO, "Fine-tune Llama 2 with DPO", (2023, 8, 8)),
        ("huggingface.co_blog_the_n_implementation_details_of_rlhf_with_ppo.html", HF_NIMPL,
         "The N Implementation Details of RLHF with PPO", (2023, 10, 24)),
    ],
)
def test_hugging_face_blog_post(name: str, url: str, title: str, issued: tuple[int, ...]) -> None:
    outcome = resolve_page(name, url)
    assert outcome.kind == RESOLVED and outcome.identifier == f"web:{url}" and outcome.source == "web"
    record = outcome.record
    assert record is not None
    assert record.type == "post-weblog"  # /blog/ path
    assert record.title == title
    # No author in the head: the organisation is the literal author.
    assert record.authors == (Person(literal="Hugging Face"),)
    assert record.site == "Hugging Face"
    # The head has no date tag: the visible "Published …" line is the last resort.
    assert record.issued == issued
    assert record.url == url
    assert record.accessed == (2026, 1, 15)
    assert sources(record) == {"title": "og", "authors": "host", "site": "host", "issued": "body"}


def test_anthropic_news_page_has_corporate_author_and_no_invented_date() -> None:
    record = resolve_page("www.anthropic.com_news_evaluating-ai-systems.html", ANTHROPIC).record
    assert record is not None
    assert record.title == "Challenges in evaluating AI systems"
    assert record.authors == (Person(literal="Anthropic"),)
    assert record.type == "post-weblog"  # /news/ path
    # The visible "Oct 4, 2023" is not labelled as a publication date: not guessed.
    assert record.issued == ()
    assert "issued" not in sources(record)


def test_mistral_title_tag_loses_site_name_suffixes() -> None:
    # Only <title> and description are verified in this fixture.
    record = resolve_page("mistral.ai_news_announcing-mistral-7b.html", MISTRAL).record
    assert record is not None
    assert record.title == "Mistral 7B"
    assert sources(record)["title"] == "title"
    assert record.authors == (Person(literal="Mistral AI"),)


def test_hugging_face_space_is_a_webpage_without_date() -> None:
    record = resolve_page("huggingface.co_spaces_lmsys_chatbot-arena-leaderboard.html", HF_SPACE).record
    assert record is not None
    assert record.type == "webpage"
    # The verified <title> is "LMSys Chatbot Arena Leaderboard - a Hugging Face Space by lmsys"; the JSON-LD
    # (escaped slashes) is more trusted and gives its name.
    assert record.title.startswith("LMSys Chatbot Arena Leaderboard")
    assert sources(record)["title"] == "jsonld"
    assert record.site == "Hugging Face"
    assert record.issued == ()
    assert len(record.authors) == 1 and record.authors[0].literal  # the creator, as an organisation


# ------------------------------------------------------------------------------------------ synthetic kinds


def test_highwire_tags_win_over_everything() -> None:
    url = "https://journal.example.org/article/5678"
    record = resolve_page("synthetic_highwire.html", url).record
    assert record is not None
    assert record.title == "Example Paper on Preference Learning"
    assert record.authors == (
        Person(family="Doe", given="Jane"),
        Person(family="Berg", given="Piet", particle="van der"),
        Person(family="Smith", given="John"),
    )
    assert record.issued == (2023, 5, 29)  # not the body's "Published January 1, 1999"
    assert record.type == "article-journal"
    assert record.container_title == "Journal of Examples"
    assert record.publisher == "Example Press"
    assert record.doi == "10.1234/example.5678"
    assert record.arxiv_id == "2305.18290"
    assert set(sources(record).values()) == {"highwire"}


def test_jsonld_graph_with_id_references() -> None:
    url = "https://blog.example.org/2024/03/scaling-reward-models/"
    record = resolve_page("synthetic_jsonld_graph.html", url).record
    assert record is not None
    assert record.title == "Scaling Reward Models"
    assert [p.display for p in record.authors] == ["Ada Lovelace", "Charles Babbage"]
    assert record.issued == (2024, 3, 1)  # datePublished beats article:published_time
    assert record.type == "post-weblog"
    assert record.site == "Example AI Blog"
    assert sources(record) == {"title": "jsonld", "authors": "jsonld", "issued": "jsonld", "site": "og"}


def test_jsonld_organization_author_is_literal_and_bad_json_is_skipped() -> None:
    record = resolve_page("synthetic_jsonld_org.html", "https://labs.example.com/p/model-x").record
    assert record is not None
    assert record.title == "Introducing Model X"  # raw newline inside the JSON string is tolerated
    assert record.authors == (Person(literal="Example Labs"),)
    assert record.issued == (2023, 12, 11)
    assert record.type == "post-weblog"  # NewsArticle
    assert record.site == "Example Labs Inc."


def test_opengraph_only() -> None:
    record = resolve_page("synthetic_opengraph_only.html", "https://example.net/why-rlhf").record
    assert record is not None
    assert record.title == "Why RLHF Works"
    assert record.authors == (Person(family="Hopper", given="Grace"),)  # the profile URL is not a name
    assert record.issued == (2022, 11, 30)
    assert record.type == "post-weblog"  # og:type article
    assert record.site == "Example Notes"
    assert sources(record) == {"title": "og", "authors": "og", "issued": "og", "site": "og"}


def test_dublin_core() -> None:
    record = resolve_page("synthetic_dublin_core.html", "https://repo.example.edu/item/42").record
    assert record is not None
    assert record.title == "A Report on Alignment"
    assert [p.family for p in record.authors] == ["Turing", "Hopper"]
    assert record.issued == (2021, 6)
    assert sources(record) == {"title": "dc", "authors": "dc", "issued": "dc"}


def test_nothing_but_a_title() -> None:
    record = resolve_page("synthetic_title_only.html", "https://lb.example.com/").record
    assert record is not None
    assert record.title == "Some Leaderboard - Example Org"  # unknown site name: suffix kept
    assert record.authors == () and record.issued == () and record.site == ""
    assert record.type == "webpage"
    assert sources(record) == {"title": "title"}


def test_charset_from_meta_tag() -> None:
    # No charset in the HTTP header: the page's <meta http-equiv> says ISO-8859-1.
    record = resolve_page("synthetic_latin1_meta_charset.html", "https://fr.example.org/",
                          {"Content-Type": "text/html"}).record
    assert record is not None
    assert record.title == "Café naïve résumé"
    assert record.authors == (Person(family="Descartes", given="René"),)


def test_http_charset_wins_over_meta() -> None:
    body = '<html><head><meta charset="utf-8"><title>Ünïcode</title></head></html>'.encode("cp1252")
    record = web.parse(body, "https://x.example/", content_type="text/html; charset=windows-1252")
    assert record is not None and record.title == "Ünïcode"


def test_broken_markup_is_still_read() -> None:
    record = resolve_page("synthetic_broken.html", "https://broken.example.org/x").record
    assert record is not None
    assert record.title == "Broken but readable"
    assert record.authors == (Person(family="Lovelace", given="Ada"),)
    assert record.site == "Broken Site"
    assert record.issued == (2020, 3, 3)  # "Published: 3 March 2020"


@given(st.binary(max_size=300))
def test_parse_never_raises_on_garbage(body: bytes) -> None:
    record = web.parse(body, "https://x.example/", content_type="text/html")
    assert record is None or record.title


# ------------------------------------------------------------------------------------------ failures


def test_not_html_is_unavailable_with_reason() -> None:
    url = "https://example.org/paper.pdf"
    http = FakeHttp({url: Response(200, b"%PDF-1.5", {"Content-Type": "application/pdf"}, url)})
    outcome = web.resolve([url], http, Endpoints(), today=TODAY)[url]
    assert outcome.kind == UNAVAILABLE and "application/pdf" in outcome.reason and outcome.record is None


def test_page_without_any_title_is_unavailable() -> None:
    url = "https://example.org/empty"
    http = FakeHttp({url: Response(200, b"<html><body>hi</body></html>", HTML, url)})
    outcome = web.resolve([url], http, Endpoints(), today=TODAY)[url]
    assert outcome.kind == UNAVAILABLE and "title" in outcome.reason


@pytest.mark.parametrize("status, kind", [(404, NOT_FOUND), (410, NOT_FOUND), (403, UNAVAILABLE),
                                          (429, UNAVAILABLE), (500, UNAVAILABLE), (302, UNAVAILABLE)])
def test_http_status_outcomes(status: int, kind: str) -> None:
    url = "https://example.org/x"
    http = FakeHttp({url: Response(status, b"<title>Error page</title>", HTML, url)})
    outcome = web.resolve([url], http, Endpoints(), today=TODAY)[url]
    assert outcome.kind == kind and str(status) in outcome.reason and outcome.record is None


@pytest.mark.parametrize("kind, expected", [("not_found", NOT_FOUND), ("unavailable", UNAVAILABLE)])
def test_network_error_becomes_outcome(kind: str, expected: str) -> None:
    url = "https://down.example.org/"
    http = FakeHttp({url: NetworkError(url, "connection timed out", kind=kind)})
    outcome = web.resolve([url], http, Endpoints(), today=TODAY)[url]
    assert outcome.kind == expected and outcome.reason == "connection timed out"


def test_batch_resolves_each_page_once_and_isolates_failures() -> None:
    missing = "https://example.org/gone"
    http = FakeHttp({
        HF_DPO: page("huggingface.co_blog_dpo-trl.html", HF_DPO),
        missing: Response(404, b"", HTML, missing),
    })
    outcomes = web.resolve([HF_DPO, missing, HF_DPO], http, Endpoints(), today=TODAY)
    assert set(outcomes) == {HF_DPO, missing}
    assert outcomes[HF_DPO].ok and outcomes[missing].kind == NOT_FOUND
    assert [url for url, _ in http.calls] == [HF_DPO, missing]
    assert "text/html" in http.calls[0][1]["Accept"]


def test_redirect_is_reported_as_warning() -> None:
    moved = "https://huggingface.co/spaces/lmarena-ai/chatbot-arena-leaderboard"
    http = FakeHttp({HF_SPACE: page("huggingface.co_spaces_lmsys_chatbot-arena-leaderboard.html", moved)})
    outcome = web.resolve([HF_SPACE], http, Endpoints(), today=TODAY)[HF_SPACE]
    assert outcome.ok and outcome.record is not None
    assert outcome.record.url == HF_SPACE  # the link the course lists
    assert any(moved in w for w in outcome.warnings)


def test_accessed_defaults_to_today() -> None:
    http = FakeHttp({HF_DPO: page("huggingface.co_blog_dpo-trl.html", HF_DPO)})
    record = web.resolve([HF_DPO], http, Endpoints())[HF_DPO].record
    assert record is not None and record.accessed == datetime.date.today().timetuple()[:3]


def test_registry_class_uses_injected_clock() -> None:
    resolver = web.WebResolver(clock=lambda: TODAY)
    assert resolver.name == "web" and resolver.match(HF_DPO) == HF_DPO
    http = FakeHttp({HF_DPO: page("huggingface.co_blog_dpo-trl.html", HF_DPO)})
    record = resolver.resolve([HF_DPO], http, Endpoints())[HF_DPO].record
    assert record is not None and record.accessed == (2026, 1, 15)


def test_through_the_real_http_layer() -> None:
    """The real client (requests, replayed by ``responses``): headers arrive case-insensitively."""
    responses = pytest.importorskip("responses")
    from bibexport.http import Http

    with responses.RequestsMock() as mock:
        body = (FIXTURES / "www.anthropic.com_news_evaluating-ai-systems.html").read_bytes()
        mock.get(ANTHROPIC, body=body,
                 content_type="text/html; charset=utf-8")
        with Http(retries=0, sleep=lambda s: None) as http:
            outcome = web.resolve([ANTHROPIC], http, Endpoints(), today=TODAY)[ANTHROPIC]
        assert "text/html" in mock.calls[0].request.headers["Accept"]
    assert outcome.ok and outcome.record is not None
    assert outcome.record.title == "Challenges in evaluating AI systems"


@pytest.mark.parametrize(
    "author, expected",
    [
        ("Hugging Face", Person(literal="Hugging Face")),  # a known organisation is never split
        ("Example Notes", Person(literal="Example Notes")),  # = og:site_name
        ("Mistral AI team", Person(literal="Mistral AI team")),
        ("Grace Hopper", Person(family="Hopper", given="Grace")),
    ],
)
def test_organisation_named_as_author_stays_literal(author: str, expected: Person) -> None:
    body = (f'<html><head><title>T</title><meta property="og:site_name" content="Example Notes">'
            f'<meta name="author" content="{author}"></head></html>').encode()
    record = web.parse(body, "https://example.net/p", content_type="text/html")
    assert record is not None and record.authors == (expected,)


def test_utf8_bom_wins_over_a_wrong_declaration() -> None:
    body = b"\xef\xbb\xbf" + '<html><head><title>Ünïcode</title></head></html>'.encode()
    record = web.parse(body, "https://x.example/", content_type="text/html; charset=iso-8859-1")
    assert record is not None and record.title == "Ünïcode"


def test_mirror_fetches_from_the_mirror_but_cites_the_real_url() -> None:
    assert web.mirrored("https://mistral.ai/news/a/?x=1", "http://127.0.0.1:9/m/") == \
        "http://127.0.0.1:9/m/mistral.ai/news/a/?x=1"
    assert web.mirrored("https://mistral.ai", "") == "https://mistral.ai"
    fetched = "http://127.0.0.1:9/m/huggingface.co/blog/dpo-trl"
    http = FakeHttp({fetched: page("huggingface.co_blog_dpo-trl.html", fetched)})
    outcome = web.resolve([HF_DPO], http, Endpoints(web_mirror="http://127.0.0.1:9/m"), today=TODAY)[HF_DPO]
    assert outcome.ok and outcome.record is not None
    assert outcome.record.url == HF_DPO and outcome.warnings == ()
    assert outcome.record.authors == (Person(literal="Hugging Face"),)  # host of the real URL, not the mirror


def test_highwire_conference_paper_and_online_date_fallback() -> None:
    body = b"""<html><head><title>x</title>
    <meta name="citation_title" content="A Conference Paper">
    <meta name="citation_author" content="Ada Lovelace">
    <meta name="citation_online_date" content="2022/12/01">
    <meta name="citation_conference_title" content="Advances in Examples">
    </head></html>"""
    record = web.parse(body, "https://proceedings.example.org/paper/1", content_type="text/html")
    assert record is not None
    assert record.type == "paper-conference" and record.container_title == "Advances in Examples"
    assert record.issued == (2022, 12, 1) and record.authors == (Person(family="Lovelace", given="Ada"),)
