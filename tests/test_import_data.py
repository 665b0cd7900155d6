"""YAML and JSON data files: real Jekyll ``_data`` schedules, the usual keys, and hostile input."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bibexport.errors import InputError
from bibexport.importer.data import MAX_DEPTH, read_front_matter, read_json, read_yaml
from bibexport.importer.model import ImportedCourse, SkipReason

FIXTURES = Path(__file__).parent / "fixtures" / "import" / "data"


def _load(name: str, source: str | None = None) -> ImportedCourse:
    return read_yaml((FIXTURES / name).read_text(encoding="utf-8"), source or name)


def _urls_in_file(name: str) -> list[str]:
    """Every URL or site-relative link written outside YAML comments, counted independently of the reader."""
    found = []
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        code = re.sub(r"(^|\s)#.*$", "", line)  # YAML comments (the files put no "#" inside values)
        found += re.findall(r'href="([^"]+)"', code)
        found += [u for u in re.findall(r"https?://[^\s\"'<>]+", code) if f'href="{u}' not in code]
        m = re.match(r'\s*slides:\s*"(/[^"]+)"', code)
        if m:
            found.append(m.group(1))
    return found


def _accounted(course: ImportedCourse) -> list[str]:
    return [lk.url for r in course.readings() for lk in r.links] + [s.url for s in course.skipped]


@pytest.mark.parametrize("name", ["cse6243-fall2023-lectures.yml", "dgm-fall-2026-lectures.yml",
                                  "eecs588-readings.yml"])
def test_every_link_of_a_real_schedule_is_a_reading_or_skipped(name: str) -> None:
    course = _load(name)
    assert sorted(_accounted(course)) == sorted(_urls_in_file(name))


def test_cse6243_lectures_with_html_readings() -> None:
    course = _load("cse6243-fall2023-lectures.yml", "Bo-Dai/CSE6243-fall2023/_data/lectures.yml")
    names = [s.name for s in course.sessions]
    # Only lectures with readings become sessions; "Module I: …" headings, holidays and empty lectures do not.
    assert names == [
        "Optimization: convex preliminary", "Optimization: convex set and function",
        "Optimization: gradient descent", "Sampling: basic sampling method", "Sampling: MH & Gibbs",
        "Sampling: Hamiltonian", "Differentiable Algorithm I: GAN to EBM with differentiable sampler",
        "Differentiable Algorithm II: dynamic programming/GNN",
        "Differentiable Algorithm III: differentiable optimizer", "Differentiable Algorithm IV: top-K/sorting layer",
    ]
    first = course.sessions[0]
    assert first.date == dt.date(2023, 8, 23)  # "08/23", the year from the path's "fall2023"
    (book,) = first.readings
    assert (book.title, book.authors, book.note, book.section) == (
        "Convex Optimization", "Boyd & Vandenberghe", "Section 1", "required")
    assert [lk.url for lk in book.links] == ["https://web.stanford.edu/~boyd/cvxbook/"]
    vin, dai = course.sessions[7].readings
    assert (vin.title, vin.authors, vin.year) == ("Value Iteration Networks", "Tamar et al", 2016)
    assert vin.links[0].url == "https://arxiv.org/pdf/1602.02867.pdf"
    assert vin.line == 159
    assert dai.title == "Discriminative Embeddings of Latent Variable Models for Structured Data"
    assert course.sessions[6].readings[0].authors == "Dai et al."
    assert [(s.line, s.reason) for s in course.skipped] == [  # two slide decks and one set of scribe notes
        (5, SkipReason.SLIDES), (17, SkipReason.MATERIAL), (25, SkipReason.SLIDES)]
    assert any("taken from the file name" in m.message for m in course.messages)


def test_dgm_videos_relative_links_and_unquoted_colons() -> None:
    course = _load("dgm-fall-2026-lectures.yml", "_data/lectures.yml")  # no term in the name
    by_name = {s.name: s for s in course.sessions}
    attention = by_name["Attention, Transformers"]
    # the two "(video)" entries are no readings; their links are skipped as recordings
    assert [r.title for r in attention.readings] == [
        "Neural Machine Translation by Jointly Learning to Align and Translate",
        "Attention is all you need",
        "BERT - Pre-training of Deep Bidrectional Transformers for Language Understanding",
    ]
    recordings = [s for s in course.skipped if s.reason is SkipReason.RECORDING]
    assert len(recordings) == 4 and all("youtube.com" in s.url for s in recordings)
    gpt = by_name["GPT Architectures"]
    assert [r.note for r in gpt.readings] == ["the GPT-1 paper", "the GPT-2 paper", "the GPT-3 paper"]
    # "Baydin et al., <a …>Automatic Differentiation in Machine Learning: a Survey</a>" is unquoted: YAML reads a
    # mapping.  The reader takes it as the text it was meant to be, and says so.
    autodiff = by_name["Automatic differentiation with PyTorch; Project Discussion"]
    assert autodiff.readings[0].title == "Automatic Differentiation in Machine Learning: a Survey"
    assert autodiff.readings[0].links[0].url == "https://arxiv.org/abs/1502.05767"
    assert any(m.line == 60 and "not quoted" in m.message for m in course.messages)
    # a copy on the course site (a relative link) is kept as written, with a warning: the site's address completes it
    generative = by_name["A linear introduction to generative models"]
    assert [(r.title, [lk.url for lk in r.links]) for r in generative.readings] == [
        ("On Discriminative vs. Generative Classifiers",
         ["/dgm-fall-2026/assets/readings/03_ng_generative_discriminative.pdf"]),
        ("Comment on On Discriminative vs. Generative Classifiers",
         ["/dgm-fall-2026/assets/readings/03_Xue_CommentOn.pdf"]),
    ]
    assert [m.line for m in course.messages if "relative link" in m.message] == [101, 102]
    # no year anywhere: dates are kept as written, with one warning
    assert attention.date is None and attention.when == "11/5"
    assert sum("have no year" in m.message for m in course.messages) == 1
    assert "Midterm Exam (in-class)" not in by_name and "Final Exam" not in " ".join(by_name)


def test_eecs588_weeks_of_days_with_required_and_recommended() -> None:
    course = _load("eecs588-readings.yml")
    assert [s.name for s in course.sessions] == ["Welcome", "Ethics", "TCP/IP", "DNS", "Botnets", "DoS"]
    welcome, ethics = course.sessions[:2]
    assert welcome.when == "Tuesday, September 1" and welcome.date is None
    # the two YouTube talks under "recommended" are no readings
    assert [r.title for r in welcome.readings] == ["The Security Mindset", "Security Engineering",
                                                    "How to Read a Paper"]
    assert {r.section for r in welcome.readings} == {"further"}
    assert [(r.title, r.section) for r in ethics.readings] == [
        ("The Menlo Report: Ethical Principles", "required"),
        ("No Encore for Encore? Ethical questions for web-based censorship measurement", "required"),
        ("Encore: Lightweight measurement of web censorship with cross-origin requests", "further"),
        ("The Moral Character of Cryptographic Work", "further"),
    ]
    encore = ethics.readings[2]
    assert (encore.authors, encore.venue, encore.year) == ("Sam Burnett, and Nick Feamster", "SIGCOMM", 2015)
    dnssec = course.sessions[3].readings[0]
    assert dnssec.authors == "" and dnssec.extra["paper-autßhor"].startswith("Taejoong Chung")  # kept as found


# -- the usual keys ---------------------------------------------------------------------------------------------


def test_course_dict_with_semester_markdown_links_and_optional_markers() -> None:
    text = """\
course: Topics in NLP
semester: Spring 2025
schedule:
  - date: Jan 14
    topic: "*Intro*"
    readings:
      - "[Attention Is All You Need](https://arxiv.org/abs/1706.03762)"
      - "[BERT](https://arxiv.org/abs/1810.04805) (optional)"
    slides: https://example.edu/slides1.pdf
  - date: Jan 16
    topic: Scaling
    papers:
      - title: Scaling Laws for Neural Language Models
        url: https://arxiv.org/abs/2001.08361
      - title: Training Compute-Optimal Large Language Models
        link: https://arxiv.org/abs/2203.15556
        optional: true
    optional:
      - Quiz 1 <a href="https://forms.gle/abc">form</a>
  - date: Jan 21
    topic: No class (MLK day)
"""
    course = read_yaml(text, "schedule.yml")
    assert course.title == "Topics in NLP"
    intro, scaling = course.sessions
    assert (intro.name, intro.date) == ("Intro", dt.date(2025, 1, 14))
    assert [(r.title, r.section) for r in intro.readings] == [("Attention Is All You Need", "required"),
                                                              ("BERT", "further")]
    assert [(r.title, r.section) for r in scaling.readings] == [
        ("Scaling Laws for Neural Language Models", "required"),
        ("Training Compute-Optimal Large Language Models", "further"),
    ]
    assert {(s.url, s.reason) for s in course.skipped} == {
        ("https://example.edu/slides1.pdf", SkipReason.SLIDES), ("https://forms.gle/abc", SkipReason.FORM)}


def test_dates_cross_into_the_next_year_and_iso_dates_give_the_year() -> None:
    text = """\
- date: 2023-12-05
  title: A
  readings: ["[P1](https://arxiv.org/abs/2301.00001)"]
- date: 12/12
  title: B
  readings: ["[P2](https://arxiv.org/abs/2301.00002)"]
- date: 1/9
  title: C
  readings: ["[P3](https://arxiv.org/abs/2301.00003)"]
"""
    course = read_yaml(text, "x.yml")
    assert [s.date for s in course.sessions] == [dt.date(2023, 12, 5), dt.date(2023, 12, 12), dt.date(2024, 1, 9)]


def test_duplicates_in_a_session_are_merged_and_counted() -> None:
    text = """\
- title: A
  readings:
    - <a href="https://arxiv.org/abs/1706.03762">Attention Is All You Need</a>
    - <a href="https://arxiv.org/abs/1706.03762">Attention is all you need</a>
    - "[TODO](#)"
    - TBD
"""
    course = read_yaml(text, "x.yml")
    assert len(course.readings()) == 1
    assert [s.reason for s in course.skipped] == [SkipReason.DUPLICATE, SkipReason.PLACEHOLDER]
    assert any("twice" in m.message for m in course.messages)


def test_merge_keys_and_anchors_are_expanded() -> None:
    text = """\
defaults: &d
  lecturer: X
lectures:
  - <<: *d
    title: One
    readings: ["[Paper](https://arxiv.org/abs/2301.00001)"]
"""
    course = read_yaml(text, "x.yml")
    assert [s.name for s in course.sessions] == ["One"]


def test_json_schedule() -> None:
    text = '{"lectures": [{"date": "2024-02-08", "title": "LLMs",\n "readings": [{"title": "Mistral 7B", ' \
           '"url": "https://arxiv.org/abs/2310.06825", "optional": false}]}]}'
    course = read_json(text, "lectures.json")
    (session,) = course.sessions
    assert session.date == dt.date(2024, 2, 8)
    assert session.readings[0].title == "Mistral 7B" and session.readings[0].line == 2


# -- hostile input ----------------------------------------------------------------------------------------------


def test_alias_bomb_is_refused() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    with pytest.raises(InputError) as err:
        read_yaml("\n".join(lines) + "\n", "bomb.yml")
    assert "bomb.yml" in str(err.value) and "alias" in str(err.value)


def test_deep_nesting_is_refused_with_its_line() -> None:
    text = "title: deep\nx:\n  - " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(InputError) as err:
        read_yaml(text, "deep.yml")
    assert f"deeper than {MAX_DEPTH}" in str(err.value) and "deep.yml:" in str(err.value)


def test_deep_json_is_refused() -> None:
    with pytest.raises(InputError) as err:
        read_json("[" * 100_000 + "]" * 100_000, "deep.json")
    assert f"deeper than {MAX_DEPTH}" in str(err.value)


def test_python_tags_are_refused_and_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f'- title: !!python/object/apply:os.system ["touch {marker}"]\n  readings: []\n'
    with pytest.raises(InputError) as err:
        read_yaml(text, "evil.yml")
    assert "evil.yml:1" in str(err.value) and "!!python/object/apply:os.system" in str(err.value)
    assert not marker.exists()


def test_binary_and_invalid_yaml_name_their_line() -> None:
    with pytest.raises(InputError) as err:
        read_yaml("title: x\nreadings:\n  - \x00\x01\x02\xff", "blob.yml")
    assert "blob.yml:3" in str(err.value)
    with pytest.raises(InputError) as err:
        read_yaml("- title: A\n  readings:\n    - [unclosed\n- title: B\n", "bad.yml")
    assert re.search(r"bad\.yml:\d+: invalid YAML", str(err.value))
    with pytest.raises(InputError) as err:
        read_json('{"a": [1, 2}', "bad.json")
    assert "bad.json:1: invalid JSON" in str(err.value)


def test_cs4111_groups_of_reading_items_under_named_keys() -> None:
    course = _load("cs4111-readings.yml")
    presented, candidates = course.sessions
    assert (presented.name, len(presented.readings)) == ("Actual presentations", 5)
    assert {r.section for r in presented.readings} == {"required"}
    kowalski = presented.readings[0]
    assert (kowalski.title, kowalski.authors) == ("Predicate Logic as a Programming Language", "Robert Kowalski")
    assert kowalski.extra["date"] == "2025-02-10" and kowalski.extra["presenter"] == "Jason Hemann"
    robinson = presented.readings[4]  # "link:" left empty: still a reading, to be found by its title
    assert robinson.links == [] and robinson.title.startswith("Theorem Proving on a Computer")
    # "candidate_readings_not_confirmed_as_presented": further reading
    assert (candidates.name, len(candidates.readings)) == ("Candidate readings not confirmed as presented", 7)
    assert {r.section for r in candidates.readings} == {"further"}
    assert (candidates.readings[0].title, candidates.readings[0].year) == ("Computing Machinery and Intelligence", 1950)
    assert candidates.readings[-1].extra["year"] == "unknown"
    assert sorted(_accounted(course)) == sorted(_urls_in_file("cs4111-readings.yml"))


# -- accounting: every link ends in a reading or in the skipped list, whatever the shape ------------------------

_KEYS = ["readings", "optional", "slides", "video", "logistics", "speaker", "notes", "homework", "papers"]


@st.composite
def _schedule(draw: st.DrawFn) -> tuple[object, list[str]]:
    urls: list[str] = []

    def url() -> str:
        kind = draw(st.sampled_from(["paper", "paper", "video", "hash", "relative", "mail"]))
        n = len(urls)
        u = {"paper": f"https://example.org/p{n}", "video": f"https://www.youtube.com/watch?v={n}",
             "hash": "#", "relative": f"/assets/r{n}.pdf", "mail": f"mailto:x{n}@example.org"}[kind]
        urls.append(u)
        return u

    def reading() -> object:
        shape = draw(st.sampled_from(["html", "md", "bare", "dict", "dict-title-link", "plain", "two"]))
        title = draw(st.sampled_from(["Attention Is All You Need", "paper", "Quiz 1", "A Survey: of things",
                                      "Scaling Laws"]))
        if shape == "html":
            return f'Someone et al., <a href="{url()}">{title}</a> (optional)'
        if shape == "md":
            return f"[{title}]({url()})"
        if shape == "bare":  # in running text only a full URL is a link
            urls.append(f"https://example.org/bare{len(urls)}")
            return f"{title} {urls[-1]}"
        if shape == "dict":
            return {"title": title, draw(st.sampled_from(["url", "link", "paper-link"])): url(),
                    "note": f'see <a href="{url()}">blog</a>'}
        if shape == "dict-title-link":
            return {"title": f"[{title}]({url()})", "authors": "A. B."}
        if shape == "two":
            return f'<a href="{url()}">{title}</a> [<a href="{url()}">pdf</a>]'
        return title

    def item(depth: int) -> object:
        if depth < 1 and draw(st.booleans()):
            return {"week": "week 1", "weektitle": "W", "days": [item(depth + 1) for _ in range(draw(
                st.integers(0, 2)))]}
        out: dict[str, object] = {"date": draw(st.sampled_from(["9/3", "2024-02-08", "Tuesday, Aug 29", ""])),
                                  "title": draw(st.sampled_from(["Intro", "Midterm", "<b>Scaling</b>", ""]))}
        for key in draw(st.lists(st.sampled_from(_KEYS), unique=True, max_size=4)):
            if key in ("readings", "optional", "papers"):
                out[key] = [reading() for _ in range(draw(st.integers(0, 3)))]
            elif key == "slides" and draw(st.booleans()):  # papers may hide among slides
                out[key] = [{"url": url(), "title": draw(st.sampled_from(["A Survey of Things", "Overview"]))}
                            for _ in range(draw(st.integers(1, 2)))]
            else:
                out[key] = url()
        return out

    root = [item(0) for _ in range(draw(st.integers(1, 4)))]
    return root, urls


@settings(max_examples=150, deadline=None)
@given(_schedule())
def test_every_link_is_accounted_for(case: tuple[object, list[str]]) -> None:
    root, urls = case
    course = read_yaml(yaml.safe_dump(root, allow_unicode=True, sort_keys=False), "gen.yml")
    assert sorted(_accounted(course)) == sorted(urls)
    assert all(r.title for r in course.readings())


def test_the_readme_example_does_what_the_readme_says() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"  ```yaml\n(.*?)  ```", readme, re.DOTALL)
    assert block is not None
    text = "\n".join(line[2:] for line in block.group(1).splitlines())
    course = read_yaml(text, "cs101-fall2023.yml")
    (session,) = course.sessions
    assert (session.name, session.date) == ("CNNs", dt.date(2023, 9, 29))
    assert [(r.title, r.section, r.note) for r in session.readings] == [
        ("Gradient-Based Learning Applied to Document Recognition", "required", "LeNet"),
        ("ImageNet Classification with Deep CNNs", "further", ""),
    ]
    assert [s.reason for s in course.skipped] == [SkipReason.SLIDES, SkipReason.RECORDING]


# -- shapes met in the corpus of real lists (see the corpus helpers' expected files) ---------------------------


def test_tabs_inside_lines_are_read_as_spaces() -> None:
    course = read_yaml("- date: 1/16\t\n  topic: Intro\n  readings:\t[\"[P](https://arxiv.org/abs/2001.01818)\"]\n",
                       "x.yml")
    assert [r.title for r in course.readings()] == ["P"]
    assert any("tabs" in m.message and m.line == 1 for m in course.messages)


def test_lenient_json_with_comments_trailing_commas_and_bare_dates() -> None:
    text = ('[\n\t{\n\t\t"date": 2023-10-23,\n\t\t"topics": "Python - Part 1",\n'
            '\t\t//"turl": "/assets/lec2.pdf",\n\t\t"sug_reading": "App A, B and ch 1-3 of [HJ1]; [DB]",\n\t},\n]\n')
    course = read_json(text, "lectures.json")
    (session,) = course.sessions
    assert (session.name, session.date) == ("Python - Part 1", dt.date(2023, 10, 23))
    assert [(r.title, r.label, r.note, r.section) for r in session.readings] == [
        ("HJ1", "HJ1", "App A, B and ch 1-3 of", "further"), ("DB", "DB", "", "further")]
    assert any("not strict JSON" in m.message for m in course.messages)
    assert not course.skipped  # the commented-out slide link is no link


def test_papers_listed_among_slides_and_titles_with_nicknames_and_chapters() -> None:
    text = """\
- date: 1/18
  topic: "Basics of ILP<br/>Case Study: Corridor Design"
  slides:
    - url: http://onlinelibrary.wiley.com/doi/10.1111/cobi.12814/epdf
      title: "Trade-offs in optimal corridor networks"
    - url: 20240118_Lec2_BasicsofILP.pdf
      title: "Basics of (Integer) Linear Programming"
    - url: https://docs.google.com/presentation/d/abc
      title: "Guest lecture"
  readings:
    - name: In Search of an Understandable Consensus Algorithm (Raft) (optional)
      link: https://raft.github.io/raft.pdf
    - title: "Reinforcement Learning: An Introduction, Ch. 3, 6, 13"
    - title: Holistic Evaluation of Language Models (HELM) pages 1-10
    - title: No Assigned Reading
"""
    course = read_yaml(text, "x.yml")
    (session,) = course.sessions
    assert session.name == "Basics of ILP / Case Study: Corridor Design"
    assert [(r.title, r.label, r.note, r.section) for r in session.readings] == [
        ("Trade-offs in optimal corridor networks", "", "", "required"),
        ("In Search of an Understandable Consensus Algorithm", "Raft", "", "further"),
        ("Reinforcement Learning: An Introduction", "", "Ch. 3, 6, 13", "required"),
        ("Holistic Evaluation of Language Models", "HELM", "pages 1-10", "required"),
    ]
    assert [s.reason for s in course.skipped] == [SkipReason.SLIDES, SkipReason.SLIDES]
    assert any('"No Assigned Reading" is no reading' in m.message for m in course.messages)


def test_course_metadata_is_no_session_and_a_topic_may_carry_the_date() -> None:
    text = """{
  "title": "Advanced LLMs",
  "learningOutcomes": ["Understand LLMs", "Read papers"],
  "policies": {"additional": "see https://example.edu/policy.docx"},
  "schedule": [{"part": "Part 1", "weeks": [
     {"week": 1, "topic": "1/26 Deep Learning Basics",
      "readings": [{"title": "The Math Behind Neural Networks", "author": "Cristian Leo",
                    "url": "https://towardsdatascience.com/the-math-behind-neural-networks-a34a51b93873/"}]}]}]
}"""
    course = read_json(text, "syllabus.json")
    assert course.title == "Advanced LLMs"
    (session,) = course.sessions
    assert (session.name, session.when) == ("Deep Learning Basics", "1/26")
    assert [r.authors for r in session.readings] == ["Cristian Leo"]
    assert [(s.url, s.reason) for s in course.skipped] == [("https://example.edu/policy.docx", SkipReason.OUTSIDE)]


def test_a_dict_of_lectures_named_by_their_keys() -> None:
    text = """\
lecture-01-basics:
  week: 1
  date: 2026-04-22
  recording: "https://uni-ulm.cloud.panopto.eu/Panopto/Pages/Viewer.aspx?id=abc"
  readings:
    - title: "Tidy Finance with R, ch. 1"
      url:   "https://www.tidy-finance.org/r/introduction-to-tidy-finance.html"
lecture-02-returns:
  date: 2026-04-29
  readings:
    - title: "A Third Reading without URL"
      optional: true
"""
    course = read_yaml(text, "schedule.yml")
    assert [(s.name, s.date) for s in course.sessions] == [("Lecture 01 basics", dt.date(2026, 4, 22)),
                                                          ("Lecture 02 returns", dt.date(2026, 4, 29))]
    first, second = course.readings()
    assert (first.title, first.note) == ("Tidy Finance with R", "ch. 1")
    assert (second.title, second.links, second.section) == ("A Third Reading without URL", [], "further")
    assert [s.reason for s in course.skipped] == [SkipReason.RECORDING]


def test_a_schedule_kept_in_a_pages_front_matter() -> None:
    # The shape of HEC MATH 80600A's schedule.md: the whole schedule in the front matter, a Liquid table below.
    page = """---
layout: default
title: MATH 80600A - Machine Learning II<br>Deep Learning and Applications
schedule:
  - date: Jan.<br>7, 8
    topics:
    - name: Introduction
      url: https://www.dropbox.com/s/hbrmctcap9ebo60/Week1-Intro.pdf?dl=0
    - name: Mathematics
      url: https://www.dropbox.com/s/o09puw2vf59uxj5/Week1-Maths.pdf?dl=0
    readings:
      - name: Deep Learning Book
      - name: Chap. 2
        url: http://www.deeplearningbook.org/contents/linear_algebra.html
      - name: Chap. 3
        url: http://www.deeplearningbook.org/contents/prob.html
    presentations:
      - name: ResNet
        url: http://arxiv.org/abs/1512.03385
---
{% for week in page.schedule %}| {{ week.date }} | … |{% endfor %}
"""
    course = read_front_matter(page, "schedule.md")
    assert course is not None
    (session,) = course.sessions
    assert (session.name, session.when) == ("Introduction / Mathematics", "Jan. 7, 8")
    book, resnet = session.readings
    assert (book.title, book.note, book.line) == ("Deep Learning Book", "Chap. 2; Chap. 3", 12)
    assert [lk.url for lk in book.links] == ["http://www.deeplearningbook.org/contents/linear_algebra.html",
                                             "http://www.deeplearningbook.org/contents/prob.html"]
    assert (resnet.title, resnet.label, resnet.section) == ("ResNet", "ResNet", "further")
    assert {s.reason for s in course.skipped} == {SkipReason.MATERIAL}  # the topics' slide decks
    assert read_front_matter("---\nlayout: default\ntitle: Readings\n---\n# Readings\n", "r.md") is None
    assert read_front_matter("# No front matter\n", "r.md") is None


def test_quizzes_videos_and_exams_are_neither_readings_nor_sessions() -> None:
    text = """\
- date: 2024-01-09
  title: Transformers
  readings:
    - title: Attention Is All You Need
      url: https://arxiv.org/abs/1706.03762
    - title: The Illustrated Transformer (walkthrough)
      url: https://example.org/talk
      type: video
    - title: Quiz 1
      url: https://canvas.example.edu/courses/1/quizzes/2
    - title: Homework 1
      url: https://example.org/hw1.pdf
- date: 2024-01-11
  title: Midterm
  type: exam
  readings:
    - title: Practice exam
      url: https://example.org/practice.pdf
"""
    course = read_yaml(text, "x.yml")
    assert [s.name for s in course.sessions] == ["Transformers"]
    assert [r.title for r in course.readings()] == ["Attention Is All You Need"]
    assert [s.reason for s in course.skipped] == [SkipReason.RECORDING, SkipReason.LOGISTICS,
                                                  SkipReason.HOMEWORK, SkipReason.LOGISTICS]


def test_pointers_elsewhere_are_no_readings_but_similar_titles_are() -> None:
    course = read_yaml("- title: A\n  readings: See Canvas\n- title: B\n  readings:\n"
                       "    - See, Hear, and Read Deep Aligned Representations\n", "x.yml")
    assert [r.title for r in course.readings()] == ["See, Hear, and Read Deep Aligned Representations"]
    assert any('"See Canvas" is no reading' in m.message for m in course.messages)


def test_a_paper_key_may_name_or_link_the_reading() -> None:
    course = read_yaml("- date: 2024-01-09\n  topic: T\n  readings:\n    - paper: Attention Is All You Need\n"
                       "      link: https://arxiv.org/abs/1706.03762\n    - paper: https://arxiv.org/abs/1810.04805\n"
                       "      title: BERT\n", "x.yml")
    assert [(r.title, [lk.url for lk in r.links]) for r in course.readings()] == [
        ("Attention Is All You Need", ["https://arxiv.org/abs/1706.03762"]),
        ("BERT", ["https://arxiv.org/abs/1810.04805"])]


def test_a_list_of_lectures_with_slides_and_empty_urls_has_no_readings() -> None:
    # UM-EECS557/UM-EECS557.github.io _data/lectures.yml (69775c31), first items: lectures, not papers.
    text = ("lectures:\n- name: Lecture 1\n  title: Internet Overview\n  slide: lecture-1-intro.pdf\n  url: \n"
            "  icon: 📘\n  tag: networking\n- name: Lecture 2\n  title: Application Layer\n"
            "  slide: lecture-2-application.pdf\n  url: \n  icon: 🔬\n  tag: networking\n")
    course = read_yaml(text, "lectures.yml")
    assert course.readings() == [] and course.sessions == []
    assert any("2 items have no readings" in m.message for m in course.messages)


def test_video_in_a_title_or_a_long_note_does_not_make_a_paper_a_recording() -> None:
    text = """\
- title: Generative video
  readings:
    - Ho et al., <a href="https://arxiv.org/abs/2204.03458">Video Diffusion Models</a>
    - <a href="https://arxiv.org/abs/2209.14792">Make-A-Video</a>, the paper that the recorded talk in class discusses in depth
    - Someone, <a href="https://example.org/talk">A talk on diffusion</a> (video)
"""
    course = read_yaml(text, "x.yml")
    assert [r.title for r in course.readings()] == ["Video Diffusion Models", "Make-A-Video"]
    assert [s.reason for s in course.skipped] == [SkipReason.RECORDING]
