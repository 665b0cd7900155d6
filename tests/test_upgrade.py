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
