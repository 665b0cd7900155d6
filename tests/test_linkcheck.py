"""`bibexport check` without a server: lint, duplicates, renderers, the CLI offline, arXiv/OpenReview checks
replayed with `responses` on the recorded fixtures, and the results cache."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from bibexport import linkcheck
from bibexport.cli import cli
from bibexport.config import parse_course
from bibexport.linkcheck import (
    BROKEN,
    OK,
    UNVERIFIABLE,
    Checker,
    CheckOptions,
    Finding,
    Issue,
    Link,
    ResultCache,
    lint_duplicates,
    lint_url,
    run_check,
    strip_trailing,
)
from bibexport.linkcheck_report import github_command, render_github, render_json, render_text
from bibexport.model import Endpoints

FIXTURES = Path(__file__).parent / "fixtures"
ARXIV_API = "http://arxiv.test/api/query"
OR_V2 = "http://or2.test"
OR_V1 = "http://or1.test"
ENDPOINTS = Endpoints(arxiv_api=ARXIV_API, arxiv_delay=0, openreview_api=OR_V2, openreview_api_v1=OR_V1, timeout=1)

SEED_TYPO = """\
[course]

[[sessions]]
slug = "alignment"
name = "Alignment"
date = 2024-02-06

[[sessions.required]]
title = "Training language models to follow instructions with human feedback"
links = ["https://arxiv.org/abs/2203.02155)"]

[[sessions.required]]
title = "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
links = [
  "https://arxiv.org/abs/2305.18290",
  "https://github.com/eric-mitchell/direct-preference-optimization",
]
"""


# -- lint -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "code", "fix"),
    [
        ("https://arxiv.org/abs/2203.02155)", "trailing-punctuation", "https://arxiv.org/abs/2203.02155"),
        ("https://example.org/page.", "trailing-punctuation", "https://example.org/page"),
        ("https://example.org/a],", "trailing-punctuation", "https://example.org/a"),
        ("<https://example.org/x>", "text-around-link", "https://example.org/x"),
        ("[DPO](https://arxiv.org/abs/2305.18290)", "text-around-link", "https://arxiv.org/abs/2305.18290"),
        ("https://arxiv.org/abs/ 2305.18290", "whitespace", "https://arxiv.org/abs/2305.18290"),
        ("https://example.org/my page", "whitespace", "https://example.org/my%20page"),
        ("arxiv.org/abs/2305.18290", "scheme", "https://arxiv.org/abs/2305.18290"),
        ("htps://example.org/", "scheme", "https://example.org/"),
        ("https:/example.org/a", "scheme", "https://example.org/a"),
        ("https//example.org/a", "scheme", "https://example.org/a"),
        ("ftp://example.org/file", "scheme", ""),
        ("mailto:someone@example.org", "scheme", ""),
        ("just some words", "not-a-link", ""),
        ("https://:8080/x", "no-host", ""),
        ("https:///example.org/a", "scheme", "https://example.org/a"),
        ("https://exa mple.org", "whitespace", "https://example.org"),
        ("https://ex!ample.org/", "bad-host", ""),
        ("https://example.org:99999/", "malformed", ""),
        ("https://example.org/wiki/Foo_(bar", "brackets", ""),
        ("https://arxiv.org/abs/2313.12345", "arxiv-id", ""),
        ("https://arxiv.org/abs/2305.1829", "arxiv-id", ""),
        ("https://arxiv.org/abs/1205.12345", "arxiv-id", ""),
        ("https://arxiv.org/abs/not-an-id", "arxiv-id", ""),
        ("https://openreview.net/forum?id=ab", "openreview-id", ""),
        ("https://openreview.net/forum?id=abc$%25defgh", "openreview-id", ""),
        ("https://openreview.net/forum", "openreview-id", ""),
        ("2313.12345", "arxiv-id", ""),
        ("arXiv:0703.1234", "arxiv-id", ""),
    ],
)
def test_lint_finds_the_problem_and_suggests_the_fix(url: str, code: str, fix: str) -> None:
    issues = lint_url(url)
    assert code in [i.code for i in issues], issues
    assert all(i.level == "error" for i in issues)
    assert {i.fix for i in issues} == {fix}


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2305.18290",
        "https://arxiv.org/pdf/2305.18290v1.pdf",
        "http://export.arxiv.org/abs/hep-th/9901001v2",
        "https://arxiv.org/list/cs.LG/recent",  # not a paper link: no id to check
        "https://openreview.net/forum?id=HPuSIXJaa9",
        "https://openreview.net/forum?id=GisHNaleWiA&noteId=x",
        "https://en.wikipedia.org/wiki/Transformer_(machine_learning_model)",
        "https://example.org/search?q=a,b&x=[1]",
        "http://127.0.0.1:8000/ok",
        "https://[::1]:8080/x",
        "https://münchen.de/straße",
        "arXiv:2305.18290",
        "2305.18290",
        "doi:10.1000/xyz123",
    ],
)
def test_lint_accepts_good_links(url: str) -> None:
    assert lint_url(url) == []


def test_several_problems_are_all_reported_and_fixed_together() -> None:
    issues = lint_url("htps://example.org/my page).")
    assert {i.code for i in issues} == {"whitespace", "trailing-punctuation", "scheme"}
    assert issues[0].fix == "https://example.org/my%20page"


def test_no_fix_when_the_repair_is_still_wrong() -> None:
    issues = lint_url("https://arxiv.org/abs/2313.12345)")
    assert {i.code for i in issues} == {"trailing-punctuation", "arxiv-id"}
    assert all(i.fix == "" for i in issues)
    assert "month 13" in issues[-1].message


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
@settings(max_examples=300, deadline=None)
def test_lint_never_raises_and_its_fixes_are_clean(tail: str) -> None:
    for url in (tail, "https://example.org/" + tail, "https://arxiv.org/abs/" + tail):
        for issue in lint_url(url):
            if issue.fix:
                assert lint_url(issue.fix) == []


@given(st.from_regex(r"[A-Za-z0-9_~/-]{0,20}", fullmatch=True), st.sampled_from(list(").,;:!?'\"*]>`")))
def test_trailing_junk_is_always_stripped_back(path: str, junk: str) -> None:
    url = "https://example.org/" + path
    assert strip_trailing(url + junk) == strip_trailing(url)


def _link(url: str, reading: str, session: str = "s1", line: int = 1) -> Link:
    return Link(url, line, session, session.upper(), reading)


def test_duplicates() -> None:
    links = [
        _link("https://arxiv.org/abs/2305.18290", "DPO", line=3),
        _link("https://arxiv.org/pdf/2305.18290v2", "Mixtral", line=7),  # same paper, other reading: a slip
        _link("https://example.org/a/", "Blog", line=9),
        _link("https://EXAMPLE.org/a", "Blog", line=10),  # twice for one reading
        _link("https://arxiv.org/abs/2305.18290", "DPO", session="s2", line=20),  # listed again: deliberate
    ]
    dups = lint_duplicates(links)
    assert sorted(dups) == [1, 3]
    assert "'DPO' (line 3)" in dups[1][0].message
    assert "listed twice" in dups[3][0].message and dups[3][0].level == "warning"


# -- the CLI offline and the renderers ---------------------------------------------------------------------------


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    (tmp_path / "sessions.toml").write_text(SEED_TYPO, encoding="utf-8")
    return tmp_path


def _run(args: list[str], cwd: Path) -> tuple[int, str]:
    old = os.getcwd()
    os.chdir(cwd)  # the report names sessions.toml as given, relative to the working directory
    try:
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout


def test_offline_reports_the_seed_typo_with_line_and_fix(course_dir: Path) -> None:
    code, out = _run(["check", "--offline"], course_dir)
    assert code == 4
    assert "sessions.toml:10  https://arxiv.org/abs/2203.02155)" in out
    assert "fix: write https://arxiv.org/abs/2203.02155\n" in out
    assert "3 links: 1 broken, 2 unchecked" in out


def test_offline_github_format_points_at_the_line(course_dir: Path) -> None:
    code, out = _run(["check", "--offline", "--format", "github"], course_dir)
    assert code == 4
    errors = [line for line in out.splitlines() if line.startswith("::")]
    expected = ("::error file=sessions.toml,line=10,title=broken link::https://arxiv.org/abs/2203.02155) "
                "(Training language models to follow instructions with human feedback): malformed: ends with ')', "
                "which is not part of the link (pasted from a sentence or Markdown?). "
                "Fix: write https://arxiv.org/abs/2203.02155")
    assert errors == [expected]


def test_offline_json(course_dir: Path) -> None:
    code, out = _run(["check", "--offline", "--format", "json", "-c", "sessions.toml"], course_dir)
    doc = json.loads(out)
    assert code == 4
    assert doc["summary"]["broken"] == 1 and doc["summary"]["unchecked"] == 2
    first = doc["results"][0]
    assert (first["line"], first["verdict"], first["fix"]) == (10, "broken", "https://arxiv.org/abs/2203.02155")
    assert [r["line"] for r in doc["results"]] == [10, 15, 16]


def test_clean_file_exits_zero_and_bad_input_exits_three(tmp_path: Path) -> None:
    (tmp_path / "sessions.toml").write_text(SEED_TYPO.replace("2203.02155)", "2203.02155"), encoding="utf-8")
    assert _run(["check", "--offline"], tmp_path)[0] == 0
    (tmp_path / "sessions.toml").write_text("[[sessions]]\nslug = 1\n", encoding="utf-8")
    assert _run(["check", "--offline"], tmp_path)[0] == 3
    assert _run(["check", "--offline", "-c", "missing.toml"], tmp_path)[0] == 3
    assert _run(["check", "--exclude", "(", "--offline"], tmp_path)[0] == 2


def test_github_command_escapes() -> None:
    line = github_command("warning", "a,b:c.toml", 3, "t", "50% done\nnext")
    assert line == "::warning file=a%2Cb%3Ac.toml,line=3,title=t::50%25 done%0Anext"


def test_text_report_groups_by_session_and_hides_ok_unless_verbose() -> None:
    course = parse_course(SEED_TYPO)
    report = run_check(course, None)
    text = render_text(report)
    assert text.startswith("Alignment (alignment)\n")
    assert "2305.18290" not in text
    assert "2305.18290" in render_text(report, verbose=True)
    assert json.loads(render_json(report))["results"][1]["verdict"] == "unchecked"
    assert render_github(report).count("::error") == 1


def test_excluded_links_are_linted_but_not_fetched() -> None:
    course = parse_course(SEED_TYPO.replace("[course]", '[course]\nexclude = ["github\\\\.com"]'))

    class NoNetwork(Checker):
        def check(self, urls):  # type: ignore[no-untyped-def]
            assert not any("github" in u for u in urls)
            return {u: Finding(OK, "fine", via="http") for u in urls}

    report = run_check(course, NoNetwork(None, ENDPOINTS), excludes=["^https://arxiv\\.org/abs/2305"])
    assert [r.verdict for r in report.results] == [BROKEN, "excluded", "excluded"]
    assert report.exit_code() == 4


# -- arXiv and OpenReview through their APIs (recorded fixtures, replayed with responses) -------------------------


def _feed(name: str) -> bytes:
    return (FIXTURES / "arxiv" / name).read_bytes()


def _note(name: str) -> dict:
    return json.loads((FIXTURES / "openreview" / name).read_text(encoding="utf-8"))


def _api_checker(retries: int = 0) -> Checker:
    options = CheckOptions(timeout=1, retries=retries, backoff=0.01)
    return Checker(linkcheck.make_check_http(ENDPOINTS, options), ENDPOINTS, options)


def _arxiv_replay(feeds: dict[str, bytes]) -> list[str]:
    """Serve arXiv id_list queries from ``feeds`` (by the whole id_list); returns the id_lists asked."""
    asked: list[str] = []

    def reply(request):  # type: ignore[no-untyped-def]
        from urllib.parse import parse_qs, urlsplit

        id_list = parse_qs(urlsplit(request.url).query)["id_list"][0]
        asked.append(id_list)
        if id_list not in feeds:
            return 503, {}, b"unexpected"
        return 200, {"Content-Type": "application/atom+xml"}, feeds[id_list]

    responses.add_callback(responses.GET, ARXIV_API, callback=reply)
    return asked


@responses.activate
def test_arxiv_links_are_checked_in_one_batch() -> None:
    asked = _arxiv_replay({"2203.02155,2305.18290,2401.04088,2401.99999": _feed("batch-example.xml"),
                           "2305.18290v3": _feed("2305.18290.xml")})
    urls = ["https://arxiv.org/abs/2305.18290", "https://arxiv.org/pdf/2203.02155", "arXiv:2401.04088",
            "https://arxiv.org/abs/2401.99999", "https://arxiv.org/abs/1201.56789", "https://arxiv.org/abs/2305.18290v3"]
    found = _api_checker().check(urls)
    # One batch, plus one for the versioned id (two versions of one paper cannot share a batch).
    assert asked == ["2203.02155,2305.18290,2401.04088,2401.99999", "2305.18290v3"]
    assert [found[u].verdict for u in urls] == [OK, OK, OK, BROKEN, BROKEN, OK]
    assert "arXiv has no paper with id 2401.99999" in found[urls[3]].reason
    assert "not a valid arXiv identifier" in found[urls[4]].reason  # impossible: never sent
    assert found[urls[0]].reason.startswith("arxiv:2305.18290: Direct Preference Optimization")
    assert found[urls[0]].via == "arxiv"


@responses.activate
def test_a_missing_arxiv_version_is_broken_with_the_latest_suggested() -> None:
    _arxiv_replay({"2305.18290v9": _feed("empty.xml"), "2305.18290": _feed("2305.18290.xml")})
    url = "https://arxiv.org/abs/2305.18290v9"
    finding = _api_checker().check([url])[url]
    assert finding.verdict == BROKEN
    assert finding.reason == "arXiv has 2305.18290, but not version 9 (the latest is v3)"
    assert finding.issues[0].fix == "https://arxiv.org/abs/2305.18290v3"


@responses.activate
def test_arxiv_outage_is_unverifiable_and_withdrawn_is_a_warning() -> None:
    _arxiv_replay({})  # every query: HTTP 503
    url = "https://arxiv.org/abs/2305.18290"
    down = _api_checker().check([url])[url]
    assert down.verdict == UNVERIFIABLE and "503" in down.reason

    responses.reset()
    feed = _feed("2305.18290.xml").decode("utf-8")
    feed = re.sub(r"<summary>.*?</summary>", "<summary>This paper has been withdrawn by the authors.</summary>",
                  feed, flags=re.DOTALL)
    _arxiv_replay({"2305.18290": feed.encode("utf-8")})
    withdrawn = _api_checker().check([url])[url]
    assert withdrawn.verdict == OK
    assert [i.code for i in withdrawn.issues] == ["withdrawn"]

    responses.reset()  # the other way arXiv says it: the comment of the withdrawing version
    feed = _feed("2310.06825.xml").decode("utf-8")
    feed = re.sub(r"<arxiv:comment>.*?</arxiv:comment>",
                  "<arxiv:comment>This paper has been withdrawn by the author due to an error</arxiv:comment>",
                  feed).replace("2310.06825v1", "2310.06825v2")  # the withdrawing version is a new one
    _arxiv_replay({"2310.06825": feed.encode("utf-8"), "2310.06825v1": _feed("2310.06825.xml")})
    urls = ["https://arxiv.org/abs/2310.06825", "https://arxiv.org/abs/2310.06825v1"]
    found = _api_checker().check(urls)
    assert [(found[u].verdict, [i.code for i in found[u].issues]) for u in urls] == [(OK, ["withdrawn"]), (OK, [])]


def _openreview_replay() -> None:
    """v2 knows HPuSIXJaa9 and refuses Zz9Zz9Zz9Z with a challenge; v1 knows TG8KACxEON; the rest is 404."""
    def reply(request):  # type: ignore[no-untyped-def]
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(request.url)
        note = parse_qs(parts.query)["id"][0]
        host = f"{parts.scheme}://{parts.netloc}"
        if host == OR_V2 and note == "HPuSIXJaa9":
            return 200, {}, json.dumps(_note("HPuSIXJaa9.v2.json"))
        if host == OR_V2 and note == "Zz9Zz9Zz9Z":
            return 403, {}, json.dumps(_note("challenge-required.403.json"))
        if host == OR_V1 and note == "TG8KACxEON":
            return 200, {}, json.dumps(_note("TG8KACxEON.v1.json"))
        body = _note("not-found.json")
        body["message"] = f"The Note {note} was not found"
        return 404, {}, json.dumps(body)

    responses.add_callback(responses.GET, OR_V2 + "/notes", callback=reply)
    responses.add_callback(responses.GET, OR_V1 + "/notes", callback=reply)


OPENREVIEW_CASES = {
    "https://openreview.net/forum?id=HPuSIXJaa9": OK,
    "https://openreview.net/pdf?id=TG8KACxEON": OK,  # a v1 note: v2 says 404, v1 has it
    "https://openreview.net/forum?id=0000000000": BROKEN,
    "https://openreview.net/forum?id=Zz9Zz9Zz9Z": UNVERIFIABLE,  # v2 wants a challenge: we cannot tell
}


@responses.activate
def test_openreview_links_through_the_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD", "OPENREVIEW_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    _openreview_replay()
    found = _api_checker().check(list(OPENREVIEW_CASES))
    assert {u: f.verdict for u, f in found.items()} == OPENREVIEW_CASES
    assert all(f.via == "openreview" for f in found.values())
    assert "0000000000" in found["https://openreview.net/forum?id=0000000000"].reason


@responses.activate
def test_openreview_links_without_the_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    from bibexport import resolvers

    real = resolvers.get
    monkeypatch.setattr(resolvers, "get", lambda name: None if name == "openreview" else real(name))
    _openreview_replay()
    found = _api_checker().check(list(OPENREVIEW_CASES))
    assert {u: f.verdict for u, f in found.items()} == OPENREVIEW_CASES
    assert linkcheck.classify("https://openreview.net/forum?id=HPuSIXJaa9") == ("openreview", "HPuSIXJaa9")


@responses.activate
def test_run_check_through_the_cli_uses_the_env_endpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIBEXPORT_ARXIV_API", ARXIV_API)
    monkeypatch.setenv("BIBEXPORT_ARXIV_DELAY", "0")
    _arxiv_replay({"2305.18290": _feed("2305.18290.xml")})
    responses.add(responses.HEAD, "https://github.com/eric-mitchell/direct-preference-optimization", status=200)
    (tmp_path / "sessions.toml").write_text(SEED_TYPO, encoding="utf-8")
    code, out = _run(["check", "--format", "json", "--no-cache", "--retries", "0"], tmp_path)
    assert code == 4  # the typo
    verdicts = [(r["line"], r["verdict"], r["via"]) for r in json.loads(out)["results"]]
    assert verdicts == [(10, BROKEN, "lint"), (15, OK, "arxiv"), (16, OK, "http")]


# -- the results cache --------------------------------------------------------------------------------------------


def test_cache_ages_and_survives_damage(tmp_path: Path) -> None:
    now = [1000.0]
    path = tmp_path / "c" / "linkcheck.json"
    cache = ResultCache(path, max_age=86400, clock=lambda: now[0])
    cache.put("https://a", Finding(OK, "HTTP 200", (Issue("warning", "permanent-redirect", "moved", "https://b"),),
                                   "http"))
    cache.put("https://x", Finding(BROKEN, "HTTP 404", via="http"))
    cache.save()
    now[0] += 3000
    again = ResultCache(path, max_age=86400, clock=lambda: now[0])
    assert again.get("https://a") == Finding(OK, "HTTP 200", (Issue("warning", "permanent-redirect", "moved",
                                                                    "https://b"),), "http")
    assert again.get("https://x") is not None
    now[0] += 700  # the failure is now older than an hour; the success is still fresh
    assert again.get("https://x") is None and again.get("https://a") is not None
    assert ResultCache(path, max_age=60, clock=lambda: now[0]).get("https://a") is None
    path.write_text("{not json", encoding="utf-8")
    assert ResultCache(path, max_age=86400).get("https://a") is None


def test_parse_duration() -> None:
    assert [linkcheck.parse_duration(t) for t in ("90", "90s", "30m", "6h", "7d", "0.5h")] == [
        90, 90, 1800, 21600, 604800, 1800]
    with pytest.raises(ValueError):
        linkcheck.parse_duration("soon")


@pytest.mark.parametrize(
    ("reading", "warns"),
    [
        ("Direct Preference Optimization: Your Language Model is Secretly a Reward Model", False),
        ("Direct Preference Optimization", False),
        ("DPO", False),
        ("Mixtral of Experts", True),
        ("Training language models to follow instructions with human feedback", True),
    ],
)
def test_title_mismatch(reading: str, warns: bool) -> None:
    link = _link("https://arxiv.org/abs/2305.18290", reading)
    found = "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
    issues = linkcheck.title_mismatch(link, found)
    assert bool(issues) == warns
    assert all(i.code == "other-paper" and i.level == "warning" for i in issues)


def test_the_lockfile_vouches_for_an_id_the_api_will_not_confirm() -> None:
    from bibexport.lockfile import Lock, LockEntry
    from bibexport.model import Record

    toml = SEED_TYPO.replace("https://arxiv.org/abs/2203.02155)", "https://openreview.net/forum?id=Zz9Zz9Zz9Z")
    course = parse_course(toml)
    reading = course.readings()[0]
    title = "Training language models to follow instructions with human feedback"
    record = Record(type="article", title=title, openreview_id="Zz9Zz9Zz9Z")
    lock = Lock.of([LockEntry(reading.fingerprint, reading.title, reading.links, "resolved", "openreview:Zz9Zz9Zz9Z",
                              retrieved="2024-02-01", record=record)])
    checker = _api_checker()
    checker.check = lambda urls: {u: Finding(UNVERIFIABLE, "OpenReview refused", via="openreview")  # type: ignore
                                  for u in urls if "openreview" in u} | {u: Finding(OK, via="http") for u in urls
                                                                           if "openreview" not in u}
    without = run_check(course, checker).results[0]
    assert without.verdict == UNVERIFIABLE
    vouched = run_check(course, checker, lock=lock).results[0]
    assert vouched.verdict == OK
    assert vouched.reason == "OpenReview refused; the lockfile resolved this id on 2024-02-01"
    other = Lock.of([LockEntry(reading.fingerprint, reading.title, reading.links, "resolved",
                               record=record.replace(openreview_id="Aa1Aa1Aa1A"))])
    assert run_check(course, checker, lock=other).results[0].verdict == UNVERIFIABLE  # another paper: no evidence


@responses.activate
def test_check_reports_drift_since_the_lockfile() -> None:
    """The lockfile has DPO at v1; arXiv now serves v3: a warning says so and how to update (issue 6)."""
    from bibexport.lockfile import Lock, LockEntry
    from bibexport.model import Record

    _arxiv_replay({"2305.18290": _feed("2305.18290.xml")})
    toml = ('[[sessions]]\nslug = "a"\nname = "A"\ndate = 2024-02-06\n\n[[sessions.required]]\n'
            'title = "DPO"\nlinks = ["https://arxiv.org/abs/2305.18290"]\n')
    course = parse_course(toml)
    reading = course.readings()[0]
    record = Record(type="article", title="Direct Preference Optimization: Your Language Model is Secretly a Reward "
                    "Model", arxiv_id="2305.18290", arxiv_version=1)
    lock = Lock.of([LockEntry(reading.fingerprint, reading.title, reading.links, "resolved", "arxiv:2305.18290",
                              key="rafailov2023direct", record=record)])
    result = run_check(course, _api_checker(), lock=lock).results[0]
    assert result.verdict == OK
    drift = [i for i in result.issues if i.code == "drift"]
    assert [i.message for i in drift] == [
        "arXiv has v3 since the lockfile's v1; run `bibexport build --refresh rafailov2023direct` to update"]
    # Up to date: no drift.
    current = Lock.of([LockEntry(reading.fingerprint, reading.title, reading.links, "resolved", "arxiv:2305.18290",
                                 record=record.replace(arxiv_version=3))])
    assert not [i for i in run_check(course, _api_checker(), lock=current).results[0].issues if i.code == "drift"]
