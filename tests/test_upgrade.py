"""Preprint → published through the publisher DOI that arXiv's authors supplied (arxiv:doi)."""

from __future__ import annotations

import re
from pathlib import Path

import responses

from bibexport.http import Http
from bibexport.model import Course, Reading
from bibexport.pipeline import plan, resolve_readings

FIX = Path(__file__).parent / "fixtures"
DOI = "10.18653/v1/2024.acl-long.841"


def olmo_feed_with_doi() -> bytes:
    # The recorded OLMo entry plus the two elements the current API sends when the authors gave a DOI
    # (API_FORMATS §1.4: <arxiv:doi> and the related doi.org link).
    body = (FIX / "arxiv" / "2402.00838.xml").read_bytes()
    extra = (f'    <arxiv:doi>{DOI}</arxiv:doi>\n'
             f'    <link rel="related" href="https://doi.org/{DOI}" title="doi"/>\n  </entry>').encode()
    return body.replace(b"  </entry>", extra, 1)


@responses.activate
def test_publisher_doi_upgrades_to_the_proceedings() -> None:
    course = Course(sessions=())
    responses.add(responses.GET, re.compile(r"https://export\.arxiv\.org/api/query.*"), body=olmo_feed_with_doi(),
                  content_type="application/atom+xml")
    responses.add(responses.GET, f"https://doi.org/{DOI}",
                  body=(FIX / "web" / "doi" / "doi.org_10.18653_v1_2024.acl-long.841.csl.json").read_bytes(),
                  content_type="application/vnd.citationstyles.csl+json")
    reading = Reading(title="OLMo: Accelerating the Science of Language Models",
                      links=("https://arxiv.org/abs/2402.00838",))
    results = resolve_readings([plan(reading)], Http(retries=0), course)
    record = results[reading.fingerprint].outcome.record
    assert record is not None
    assert record.type == "paper-conference" and record.doi.lower() == DOI
    assert "62nd Annual Meeting" in record.container_title
    assert record.arxiv_id == "2402.00838" and record.pages.replace("–", "-") == "15789-15809"
    assert [p.family for p in record.authors][:3] == ["Groeneveld", "Beltagy", "Walsh"]
    # OpenReview was not asked: the DOI answered first.
    assert not any("openreview" in c.request.url for c in responses.calls)


def test_openreview_apis_by_preprint_year() -> None:
    from bibexport.published import openreview_apis

    course = Course(sessions=())
    v2, v1 = course.endpoints.openreview_api, course.endpoints.openreview_api_v1
    assert openreview_apis(2024, course) == (v2,)
    assert openreview_apis(2020, course) == (v2, v1)
    assert openreview_apis(2015, course) == (v1,)
    assert openreview_apis(2005, course) == ()
    assert openreview_apis(None, course) == (v2, v1)


def test_merge_keeps_the_eprint_and_drops_the_arxiv_doi() -> None:
    from bibexport.model import Person, Record
    from bibexport.published import merge_published

    preprint = Record(type="article", title="T", authors=(Person("Ermon", "Stefano"),), issued=(2023, 5, 29),
                      doi="10.48550/arXiv.2305.18290", url="https://arxiv.org/abs/2305.18290",
                      arxiv_id="2305.18290", arxiv_version=3, arxiv_class="cs.LG")
    venue = Record(type="paper-conference", title="T", authors=(Person("Manning", "Christopher D"),),
                   issued=(2023,), container_title="Advances in Neural Information Processing Systems",
                   url="https://openreview.net/forum?id=HPuSIXJaa9", openreview_id="HPuSIXJaa9",
                   sources=(("*", "openreview"),))
    merged = merge_published(preprint, venue)
    assert merged.doi == "" and merged.arxiv_id == "2305.18290" and merged.arxiv_class == "cs.LG"
    assert merged.url == venue.url and merged.extra_urls == ("https://arxiv.org/abs/2305.18290",)
    assert merged.authors == venue.authors and merged.issued == (2023,)
    assert dict(merged.sources) == {"*": "openreview", "arxiv_id": "arxiv", "arxiv_class": "arxiv",
                                    "arxiv_version": "arxiv"}


@responses.activate
def test_same_title_with_disjoint_authors_is_not_upgraded() -> None:
    """OpenReview has an accepted paper with DPO's exact title but none of its authors: keep the preprint."""
    import json

    feed = (FIX / "arxiv" / "2305.18290.xml").read_bytes()
    responses.add(responses.GET, re.compile(r"https://export\.arxiv\.org/api/query.*"), body=feed,
                  content_type="application/atom+xml")
    search = json.loads((FIX / "openreview" / "search-dpo.v2.json").read_text(encoding="utf-8"))
    search["notes"][0]["content"]["authors"] = {"value": ["Ada Lovelace", "Alan Turing"]}
    responses.add(responses.GET, "https://api2.openreview.net/notes/search", json=search)
    reading = Reading(title="DPO", links=("https://arxiv.org/abs/2305.18290",))
    results = resolve_readings([plan(reading)], Http(retries=0), Course(sessions=()))
    record = results[reading.fingerprint].outcome.record
    assert record is not None and record.type == "article" and not record.container_title
    assert any("openreview.net/notes/search" in c.request.url for c in responses.calls)


@responses.activate
def test_journal_ref_without_a_venue_found_is_reported() -> None:
    """HELM's arXiv journal_ref names TMLR; when OpenReview cannot confirm it, the report says what to set."""
    feed = (FIX / "arxiv" / "2211.09110.xml").read_bytes()
    responses.add(responses.GET, re.compile(r"https://export\.arxiv\.org/api/query.*"), body=feed,
                  content_type="application/atom+xml")
    empty = (FIX / "openreview" / "search-empty.v2.json").read_bytes()
    responses.add(responses.GET, re.compile(r"https://api2?\.openreview\.net/notes/search.*"), body=empty,
                  content_type="application/json")
    reading = Reading(title="Holistic Evaluation of Language Models", links=("https://arxiv.org/abs/2211.09110",))
    result = resolve_readings([plan(reading)], Http(retries=0), Course(sessions=()))[reading.fingerprint]
    assert result.outcome.record is not None and result.outcome.record.type == "article"
    assert any("Transactions on Machine Learning Research" in n and "set venue" in n for n in result.notes)


@responses.activate
def test_a_reading_can_keep_its_preprint() -> None:
    """``keep_preprint = true`` on a reading: no venue look-up, the arXiv record stays (course default: upgrade)."""
    from bibexport.model import Overrides

    responses.add(responses.GET, re.compile(r"https://export\.arxiv\.org/api/query.*"),
                  body=(FIX / "arxiv" / "2305.18290.xml").read_bytes(), content_type="application/atom+xml")
    reading = Reading(title="DPO", links=("https://arxiv.org/abs/2305.18290",),
                      overrides=Overrides(keep_preprint=True))
    record = resolve_readings([plan(reading)], Http(retries=0), Course(sessions=()))[reading.fingerprint].outcome.record
    assert record is not None and record.type == "article" and record.arxiv_id == "2305.18290"
    assert not any("openreview" in c.request.url for c in responses.calls)
