"""sessions.toml parsing and validation: every problem at once, with its line and what to do."""

from __future__ import annotations

import datetime as dt

import pytest

from bibexport.config import apply_env, parse_course
from bibexport.errors import InputError
from bibexport.model import Endpoints

GOOD = """\
[course]
title = "LLMs"
style = "ieee"

[[sessions]]
slug = "basicllm"
name = "BasicLLM"
date = 2024-02-08

[[sessions.required]]
title = "Mistral 7B"
links = ["https://mistral.ai/news/announcing-mistral-7b/"]

[[sessions.further]]
title = "OLMo: Accelerating the Science of Language Models"
links = [
  "https://arxiv.org/abs/2402.00838",
  "https://github.com/allenai/OLMo",
]
key = "olmo"
authors = ["Groeneveld, Dirk"]
year = 2024
type = "inproceedings"

[[sessions]]
slug = "alignment"
name = "Alignment"
date = 2024-02-06

[[sessions.further]]
title = "Github Awesome-RLHF"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as info:
        parse_course(text, "sessions.toml")
    return [str(p) for p in info.value.problems]


def test_good_file_parses_with_lines() -> None:
    course = parse_course(GOOD)
    assert [s.slug for s in course.sessions] == ["basicllm", "alignment"]
    assert course.sessions[0].date == dt.date(2024, 2, 8)
    assert course.style == "ieee"
    mistral, olmo = course.sessions[0].readings
    assert (mistral.role, mistral.line, mistral.link_lines) == ("required", 10, (12,))
    assert olmo.role == "further" and olmo.line == 14
    assert olmo.link_lines == (17, 18)
    assert olmo.overrides.key == "olmo" and olmo.overrides.year == 2024
    assert olmo.overrides.type == "paper-conference"  # BibTeX type names are accepted
    awesome = course.sessions[1].readings[0]
    assert awesome.links == () and awesome.line == 30 and awesome.session == "alignment"


def test_every_problem_is_reported_with_its_line() -> None:
    bad = GOOD.replace('style = "ieee"', 'styel = "ieee"').replace("date = 2024-02-06", 'date = "2024-02-31"')
    bad = bad.replace('slug = "alignment"', 'slug = "basicllm"').replace("year = 2024", 'year = "2024"')
    bad += '\n[[sessions.required]]\nlinks = "https://x.org"\n'
    found = problems(bad)
    assert found == [
        ("sessions.toml:3: unknown key 'styel' in [course] (did you mean 'style'? allowed: title, style, "
        "keep_preprints, keep_case, exclude, endpoints)"),
        ("sessions.toml:22: 'year' in reading 'OLMo: Accelerating the Science of Language Models' must be a year "
        "like 2023, not '2024'"),
        ("sessions.toml:26: duplicate session slug 'basicllm' (already used by the session at line 5; slugs must "
        "be unique)"),
        ("sessions.toml:28: 'date' in session 'basicllm' is not a date: '2024-02-31' (write a TOML date without "
        "quotes, e.g. date = 2024-02-08)"),
        "sessions.toml:33: session 'basicllm', required reading 1 has no 'title' (add title = \"...\")",
        ("sessions.toml:34: 'links' in session 'basicllm', required reading 1 must be a list of strings "
        "(write links = [\"https://...\"])"),
    ]


def test_quoted_valid_date_gets_a_precise_hint() -> None:
    found = problems(GOOD.replace("date = 2024-02-08", 'date = "2024-02-08"'))
    assert found == [("sessions.toml:8: 'date' in session 'basicllm' is not a date: '2024-02-08' "
                     "(remove the quotes: date = 2024-02-08)")]


def test_syntax_error_names_the_line() -> None:
    found = problems(GOOD.replace('name = "BasicLLM"', 'name = "BasicLLM'))
    assert len(found) == 1 and found[0].startswith("sessions.toml:7: TOML syntax error")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("[course]", "[cours]"), "unknown key 'cours' in the file (did you mean 'course'?"),
        (('slug = "basicllm"', 'slug = "Basic LLM"'), "slug 'Basic LLM' is not valid"),
        (('title = "Mistral 7B"', 'title = ""'), "'title' in session 'basicllm', required reading 1 is empty"),
        (('type = "inproceedings"', 'type = "inprocedings"'), "did you mean 'inproceedings'?"),
        (('key = "olmo"', 'key = "olmo 2024"'), "citation key 'olmo 2024' has characters"),
        (('authors = ["Groeneveld, Dirk"]', 'authors = "Groeneveld"'), "'authors' in reading"),
        (('name = "BasicLLM"\n', ""), "session 'basicllm' has no 'name'"),
    ],
)
def test_single_problems(edit: tuple[str, str], expected: str) -> None:
    found = problems(GOOD.replace(*edit, 1))
    assert len(found) == 1, found
    assert expected in found[0]
    assert found[0].startswith("sessions.toml:")


def test_no_sessions() -> None:
    assert problems('[course]\ntitle = "x"\n') == [
        "sessions.toml: no sessions (add a session: [[sessions]] with slug and name)"]


def test_endpoints_from_file_and_environment() -> None:
    text = GOOD.replace('style = "ieee"', 'style = "ieee"\n[course.endpoints]\narxiv_delay = 0.5\n'
                        'openreview_api = "http://127.0.0.1:9/or2/"')
    course = parse_course(text)
    assert course.endpoints.arxiv_delay == 0.5
    assert course.endpoints.openreview_api == "http://127.0.0.1:9/or2"
    env = {"BIBEXPORT_ARXIV_API": "http://127.0.0.1:1/api/query", "BIBEXPORT_ARXIV_DELAY": "0"}
    course = parse_course(text, env=env)
    assert course.endpoints.arxiv_api == "http://127.0.0.1:1/api/query"
    assert course.endpoints.arxiv_delay == 0.0
    assert apply_env(Endpoints(), {}) == Endpoints()


def test_bad_endpoint_values_are_problems() -> None:
    text = GOOD.replace('style = "ieee"', 'style = "ieee"\n[course.endpoints]\narxiv_delay = "soon"\n'
                        'arxiv_ap = "x"')
    found = problems(text)
    assert any("'arxiv_delay' must be a number of seconds" in p for p in found)
    assert any("unknown key 'arxiv_ap'" in p and "did you mean 'arxiv_api'" in p for p in found)
    with pytest.raises(InputError, match="BIBEXPORT_ARXIV_DELAY"):
        parse_course(GOOD, env={"BIBEXPORT_ARXIV_DELAY": "-1"})


UNDATED = """\
[course]
title = "CS 685 Fall 2023"

[[sessions]]
slug = "week-3-transformers"
name = "Week 3: Transformers"
when = "Tuesday, Aug 29"

[[sessions.required]]
title = "GPT-2"
label = "GPT-2"
links = ["https://cdn.openai.com/better-language-models/language_models_are_unsupervised_multitask_learners.pdf"]
listed = { authors = "Alec Radford, Jeffrey Wu, and Rewon Child", year = 2019, venue = "OpenAI blog", note = "sections 1-3" }

[[sessions]]
slug = "week-4"
name = "Week 4"

[[sessions.further]]
title = "Attention Is All You Need"
"""


def test_sessions_without_date_parse_with_when_label_and_listed() -> None:
    course = parse_course(UNDATED)
    first, second = course.sessions
    assert (first.date, first.when, first.heading_date) == (None, "Tuesday, Aug 29", "Tuesday, Aug 29")
    assert (second.date, second.when, second.heading_date) == (None, "", "")
    gpt2 = first.readings[0]
    assert gpt2.label == "GPT-2" and gpt2.title_is_label
    assert (gpt2.listed.authors, gpt2.listed.year) == ("Alec Radford, Jeffrey Wu, and Rewon Child", 2019)
    assert (gpt2.listed.venue, gpt2.listed.note) == ("OpenAI blog", "sections 1-3")
    assert [(p.given, p.family) for p in gpt2.listed.persons] == [("Alec", "Radford"), ("Jeffrey", "Wu"),
                                                                  ("Rewon", "Child")]
    attention = second.readings[0]
    assert attention.label == "" and not attention.title_is_label and attention.listed.is_empty()


def test_a_date_and_when_together_show_when_as_written() -> None:
    course = parse_course(UNDATED.replace('when = "Tuesday, Aug 29"', 'date = 2023-08-29\nwhen = "Tuesday, Aug 29"'))
    assert course.sessions[0].date == dt.date(2023, 8, 29)
    assert course.sessions[0].heading_date == "Tuesday, Aug 29"
    dated = parse_course(GOOD).sessions[0]
    assert dated.heading_date == "2024-02-08"


def test_date_in_words_suggests_when() -> None:
    found = problems(UNDATED.replace('when = "Tuesday, Aug 29"', 'date = "Tuesday, Aug 29"'))
    assert found == [("sessions.toml:7: 'date' in session 'week-3-transformers' is not a date: 'Tuesday, Aug 29' "
                      "(write a TOML date without quotes, e.g. date = 2024-02-08, or keep the text as written: "
                      "when = \"Tuesday, Aug 29\")")]


def test_new_keys_are_validated_with_their_line() -> None:
    bad = UNDATED.replace('when = "Tuesday, Aug 29"', "when = 29").replace('label = "GPT-2"', 'label = ["GPT-2"]')
    bad = bad.replace('year = 2019, venue = "OpenAI blog"', 'yeer = 2019, venue = 7, year = "2019"')
    bad += 'listed = "Vaswani et al."\n'
    assert problems(bad) == [
        "sessions.toml:7: 'when' in session 'week-3-transformers' must be a string, not a number (write when = \"...\")",
        "sessions.toml:11: 'label' in reading 'GPT-2' must be a string, not a list (write label = \"...\")",
        ("sessions.toml:13: unknown key 'yeer' in 'listed' of reading 'GPT-2' (did you mean 'year'? allowed: "
         "authors, year, venue, note)"),
        ("sessions.toml:13: 'year' in 'listed' of reading 'GPT-2' must be a year like 2023, not '2019' "
         "(write year = 2019 (a number, no quotes))"),
        "sessions.toml:13: 'venue' in 'listed' of reading 'GPT-2' must be a string, not a number (write venue = \"...\")",
        ("sessions.toml:21: 'listed' in reading 'Attention Is All You Need' must be a table, not a string "
         "(write listed = { authors = \"...\", year = 2019, venue = \"...\", note = \"...\" })"),
    ]


def test_listed_as_a_subtable_reports_the_line_of_its_key() -> None:
    text = UNDATED + '\n[sessions.further.listed]\nauthors = "Vaswani et al."\nyaer = 2017\n'
    assert problems(text) == [("sessions.toml:24: unknown key 'yaer' in 'listed' of reading 'Attention Is All You "
                               "Need' (did you mean 'year'? allowed: authors, year, venue, note)")]
    course = parse_course(text.replace("yaer", "year"))
    assert course.sessions[1].readings[0].listed.year == 2017


def test_fingerprints_of_readings_without_the_new_keys_do_not_change() -> None:
    from bibexport.model import Listed, Reading

    # The value the seed's committed lockfile holds for this reading (written before label/listed existed).
    plain = Reading("Mistral 7B", ("https://mistral.ai/news/announcing-mistral-7b/",))
    assert plain.fingerprint == "32a167db03a7dc64"
    # A note or venue from the list only fills the output; a label or the list's authors/year decide whether a
    # title search runs or is accepted, so they are part of what the lockfile keys on.
    assert Reading(plain.title, plain.links, listed=Listed(venue="Blog", note="intro")).fingerprint == plain.fingerprint
    assert Reading(plain.title, plain.links, label="Mistral 7B").fingerprint != plain.fingerprint
    assert Reading(plain.title, plain.links, listed=Listed(year=2023)).fingerprint != plain.fingerprint
