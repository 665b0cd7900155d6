"""One test per structure real reading lists use (issue 11), each on a snippet of a real published list (its
source in a comment) or on the exact shape the issue reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bibexport.importer import ImportResult, import_file, import_text
from bibexport.importer.model import ImportedReading, SkipReason

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def imported(text: str, name: str) -> ImportResult:
    return import_text(text, source_name=name)


def by_title(result: ImportResult) -> dict[str, ImportedReading]:
    return {r.title: r for r in result.course.readings()}


# ------------------------------------------------------------------------------------------ the shapes


def test_session_name_above_read_on_with_the_date_on_its_own_line() -> None:
    text = (
        "Bias\nread on:\n- 22 Feb 2024\nRequired Readings:\nSome Paper Title Here\n"
        "- https://arxiv.org/abs/2601.00001\n"
    )
    (session,) = imported(text, "l.txt").course.sessions
    assert (session.name, session.date) == ("Bias", dt.date(2024, 2, 22))
    assert [r.title for r in session.readings] == ["Some Paper Title Here"]


def test_session8_names_under_a_dated_read_on_line() -> None:
    text = "read on: - 08 Feb 2024\nSession8\nRequired Readings:\nSome Paper Title Here\n- https://arxiv.org/abs/2601.00001\n"
    (session,) = imported(text, "l.txt").course.sessions
    assert (session.name, session.date) == ("Session8", dt.date(2024, 2, 8))


def test_markdown_headings_for_class_and_optional_topics() -> None:
    # the Markdown page: "### For the first class (9/27)" and "## Optional Additional Readings"
    text = (
        "# Readings\n\n### For the first class (9/27)\n\n"
        "- Ori Ram, Yoav Levine, Itay Dalmedigos. "
        "[_In-context retrieval-augmented language models_](https://arxiv.org/abs/2302.00083). TACL 2024.\n\n"
        "## Optional Additional Readings\n\n### Overview of hallucination\n\n"
        "- [Survey of Hallucination in Natural Language Generation](https://arxiv.org/abs/2202.03629)\n"
    )
    result = imported(text, "readings.md")
    first, overview = result.course.sessions
    assert first.name == "For the first class" and first.date is None and first.when == "9/27"
    ram = first.readings[0]
    assert (ram.title, ram.section, ram.venue, ram.year) == (
        "In-context retrieval-augmented language models", "required", "TACL 2024", 2024)
    assert ram.authors == "Ori Ram, Yoav Levine, Itay Dalmedigos"
    assert overview.name == "Overview of hallucination" and overview.readings[0].section == "further"
    assert any("no year" in m.message and "9/27" in m.message for m in result.messages)


def test_wrapped_abstract_lines_are_no_readings() -> None:
    abstract = (
        "We introduce Mistral 7B v0.1, a 7-billion-parameter language model engineered for\n"
        "superior performance and efficiency. Mistral 7B outperforms Llama 2 13B across all\n"
        "evaluated benchmarks, and Llama 1 34B in reasoning, mathematics, and code generation.\n"
        "Our model leverages grouped-query attention (GQA) for faster inference, coupled with\n"
        "sliding window attention (SWA) to effectively handle sequences of arbitrary length.\n"
    )
    text = "read on: - 08 Feb 2024\nBasicLLM\nMistral 7B\n- https://arxiv.org/abs/2310.06825\n" + abstract
    result = imported(text, "l.txt")
    assert [r.title for r in result.course.readings()] == ["Mistral 7B"]


def test_author_and_email_lines_are_not_titles() -> None:
    text = (
        "read on: - 08 Feb 2024\nInterpretability\n"
        "- Rethinking Interpretability in the Era of Large Language Models\n"
        "- Chandan Singh, Jeevana Priya Inala, Michel Galley, Rich Caruana, Jianfeng Gao\n"
        "- https://arxiv.org/abs/2402.01761\n"
        "The Curious Case of Hallucinations in Neural Machine Translation\n"
        "James Zou jamesz@stanford.edu ∙ Eric J Topol\n"
    )
    titles = [r.title for r in imported(text, "l.txt").course.readings()]
    assert titles == [
        "Rethinking Interpretability in the Era of Large Language Models",
        "The Curious Case of Hallucinations in Neural Machine Translation",
    ]


def test_optional_after_a_link_marks_that_item_only() -> None:
    text = (
        "## Week 3 (2024-02-06)\n"
        "- Optional: [RoBERTa: A Robustly Optimized BERT Pretraining Approach](https://arxiv.org/abs/1907.11692)\n"
        "- [BERT: Pre-training of Deep Bidirectional Transformers](https://arxiv.org/abs/1810.04805)\n"
        "- [ELECTRA: Pre-training Text Encoders as Discriminators](https://arxiv.org/abs/2003.10555) (optional)\n"
        "- [XLNet: Generalized Autoregressive Pretraining](https://arxiv.org/abs/1906.08237)\n"
    )
    sections = [(r.title.split(":")[0], r.section) for r in imported(text, "w.md").course.readings()]
    assert sections == [("RoBERTa", "further"), ("BERT", "required"), ("ELECTRA", "further"), ("XLNet", "required")]


def test_bare_url_under_a_linked_reading_is_its_own_reading_unless_the_same_work() -> None:
    text = (
        "## Week 1 (2024-01-30)\n"
        "- [Attention Is All You Need](https://arxiv.org/abs/1706.03762)\n"
        "- https://arxiv.org/pdf/1706.03762v7.pdf\n"
        "- https://openreview.net/forum?id=GisHNaleWiA\n"
    )
    readings = imported(text, "w.md").course.readings()
    assert [len(r.links) for r in readings] == [2, 1]  # the pdf of the same paper joins it; the other is new


def test_emphasis_and_entities_are_removed_from_titles() -> None:
    text = "## 2024-02-06\n- Christiano et al., *Deep reinforcement learning from human preferences*, NeurIPS 2017\n"
    (reading,) = imported(text, "w.md").course.readings()
    assert (reading.title, reading.authors, reading.venue, reading.year) == (
        "Deep reinforcement learning from human preferences", "Christiano et al", "NeurIPS 2017", 2017)
    html = "<h2>2024-02-06</h2><ul><li><a href='https://arxiv.org/abs/2203.02155'>Training &amp; Aligning</a></li></ul>"
    assert imported(html, "p.html").course.readings()[0].title == "Training & Aligning"


# ------------------------------------------------------------------------------------------ real snippets


def test_nickname_links_keep_the_title_outside_or_become_the_title() -> None:
    # shapes from the CUNY "Agentic AI" README (michellejm/Agentic_AI_Spring26) and a seminar list
    text = (
        "## Week 2 (2024-02-04)\n"
        "- Language Models are Unsupervised Multitask Learners ([GPT-2](https://example.org/gpt2.pdf))\n"
        "- [ANCE](https://arxiv.org/abs/2007.00808)\n"
        "- Dense retrieval baseline: [paper](https://arxiv.org/abs/2004.04906)\n"
    )
    readings = imported(text, "w.md").course.readings()
    assert [(r.title, r.label) for r in readings] == [
        ("Language Models are Unsupervised Multitask Learners", "GPT-2"),
        ("ANCE", "ANCE"),  # a name only: the label says so, and the reading is resolved by its link
        ("Dense retrieval baseline", "paper"),  # the link text is kept as the list's name for it
    ]


def test_table_rows_with_br_and_required_markers() -> None:
    # the GFM shape of USC PSYC 599 (snastase/psyc599 README): one row per week, <br>-separated readings,
    # nickname links [`DOI`] [`PDF`] after "Authors, *Journal*, year"
    text = (
        "Spring 2026\n\n| Week | Topic | Readings | Notes |\n| --- | --- | --- | --- |\n"
        "| Week 1 | Introduction | Geschwind, *Science*, 1970 [`DOI`](https://doi.org/10.1126/science.170.3961.940) "
        "[`PDF`](https://github.com/x/y/blob/main/Geschwind.pdf)<br> Hagoort, *Science*, 2019 "
        "[`DOI`](https://doi.org/10.1126/science.aax0289) (optional) | [Slides](https://docs.google.com/presentation/d/1) |\n"
    )
    result = imported(text, "psyc599.md")
    (session,) = result.course.sessions
    assert session.name == "Introduction"
    assert [(r.title, r.venue, r.year, r.section, len(r.links)) for r in session.readings] == [
        ("Geschwind, Science, 1970", "Science", 1970, "required", 2),
        ("Hagoort, Science, 2019", "Science", 2019, "further", 1),
    ]
    assert all(r.label == r.title for r in session.readings)  # no title given: resolved by the DOI, not searched
    assert [k.reason for k in result.course.skipped] == [SkipReason.SLIDES]


def test_yearless_dates_completed_from_the_page() -> None:
    # NYU CS-GY 6313 schedule (the corpus's md-infovis-nyu-fa25): "### **Week 1** (Sept 5)", year in the title
    text = (
        '---\ntitle: "CS-GY 6313: Information Visualization - Fall 2025"\n---\n'
        "### **Week 1** (Sept 5) - Introduction\n\n**Required Readings:**\n"
        "- [Chapter 1: Information Visualization](https://example.edu/CMS-Chap1.pdf), in Readings in "
        "Information Visualization. Card, Mackinlay, and Shneiderman. 1999.\n\n"
        "**Lab:** [Week 1 Lab](labs/week1-lab.html)\n- Setup Observable accounts\n"
    )
    result = imported(text, "schedule.md")
    (session,) = result.course.sessions
    assert session.date == dt.date(2025, 9, 5)
    assert result.course.title == "CS-GY 6313: Information Visualization - Fall 2025"  # front matter
    assert [r.title for r in session.readings] == ["Chapter 1: Information Visualization"]
    assert [k.reason for k in result.course.skipped] == [SkipReason.HOMEWORK]  # the lab is no reading


def test_a_list_without_dates_is_one_session_named_after_its_title() -> None:
    text = "# NLP reading group\n\n- [Attention Is All You Need](https://arxiv.org/abs/1706.03762)\n"
    (session,) = imported(text, "list.md").course.sessions
    assert (session.name, session.date, session.when) == ("NLP reading group", None, "")


def test_kramdown_definition_list_calendar() -> None:
    # Just the Docs module page (GindaChen/dsc204a _modules/week-02.md, the corpus's md-dsc204a-ucsd-week02)
    text = (
        "---\ntitle: Week 2\n---\n\n4\n: {: .label .label-purple } Basics: OS - 1\n"
        "  : [Slides](https://example.edu/slides/4.pdf) &#8226; [Recording](https://podcast.ucsd.edu/x)\n"
        ": *Reading:*\n"
        "  - [OSTEP Chapter 2 (required)](https://pages.cs.wisc.edu/~remzi/OSTEP/intro.pdf)\n"
        "  - [OSTEP Chapter 6 (optional)](https://pages.cs.wisc.edu/~remzi/OSTEP/cpu-mechanisms.pdf)\n"
    )
    result = imported(text, "week-02.md")
    readings = result.course.readings()
    assert [(r.title, r.section, r.label) for r in readings] == [
        ("OSTEP Chapter 2", "required", "OSTEP Chapter 2"),  # a chapter, not a title: resolved by its link
        ("OSTEP Chapter 6", "further", "OSTEP Chapter 6"),
    ]
    assert sorted(k.reason.name for k in result.course.skipped) == ["RECORDING", "SLIDES"]


def test_html_schedule_table_with_rowspans() -> None:
    # UT Austin ECE 382N schedule (the corpus's md-utece382n-fa25): rowspan theme cells, nested <ul> readings
    page = """<html><body><p class="year-tag">Fall 2025</p>
<table><thead><tr><th>Date</th><th>Theme</th><th>Topic</th><th>Readings</th><th>Slides</th></tr></thead><tbody>
<tr><td>Sep 3</td><td rowspan="2">uArch Side Channels</td><td>(L) Cache-Based Side Channels</td>
<td><ul><li><strong>Pre-lecture:</strong> <a href="https://www.usenix.org/conference/usenixsecurity14/yarom">
Flush+Reload: A High Resolution, Low Noise, L3 Cache Side-Channel Attack (USENIX Sec '14, Sections 1-3)</a></li></ul></td>
<td><a href="files/L1.pdf">Slides</a></td></tr>
<tr><td>Sep 8</td><td>(L) Side Channels in Public Cloud</td>
<td><ul><li><a href="https://rist.tech.cornell.edu/papers/cloudsec.pdf">Hey, You, Get Off of My Cloud</a></li></ul></td>
<td></td></tr></tbody></table></body></html>"""
    result = imported(page, "schedule.html")
    first, second = result.course.sessions
    assert (first.name, first.date, second.name, second.date) == (
        "(L) Cache-Based Side Channels", dt.date(2025, 9, 3), "(L) Side Channels in Public Cloud", dt.date(2025, 9, 8))
    flush = first.readings[0]
    assert flush.title == "Flush+Reload: A High Resolution, Low Noise, L3 Cache Side-Channel Attack"
    assert flush.note == "USENIX Sec '14, Sections 1-3"
    assert second.readings[0].title == "Hey, You, Get Off of My Cloud"


def test_numbered_bibliography_in_plain_text() -> None:
    text = (
        "Reading list\n\n"
        '[1] A. Vaswani, N. Shazeer, N. Parmar, "Attention is all you need," NeurIPS, 2017. '
        "https://arxiv.org/abs/1706.03762\n"
        '[12] T. Brown, B. Mann, "Language models are few-shot learners," NeurIPS, 2020. '
        "https://arxiv.org/abs/2005.14165\n"
    )
    readings = imported(text, "refs.txt").course.readings()
    assert [(r.title, r.authors, r.year) for r in readings] == [
        ("Attention is all you need", "A. Vaswani, N. Shazeer, N. Parmar", 2017),
        ("Language models are few-shot learners", "T. Brown, B. Mann", 2020),
    ]


def test_plain_text_reference_blocks() -> None:
    # STA426 HS2016 journal-club list (the corpus's txt-sta426-eth-hs2016): title, authors, venue, URLs
    text = (
        "Suggestions for Journal Club Papers - STA426 HS2016\n"
        "===================================================\n\n"
        "RSEM: accurate transcript quantification from RNA-Seq data with or without a reference genome.\n"
        "Li B, Dewey CN\nBMC Bioinformatics. 2011 Aug 4;12:323.\n"
        "http://www.ncbi.nlm.nih.gov/pubmed/21816040\nhttp://www.biomedcentral.com/1471-2105/12/323\n"
    )
    result = imported(text, "reading_list.txt")
    (reading,) = result.course.readings()
    assert reading.title.startswith("RSEM: accurate transcript quantification")
    assert (reading.authors, reading.year, len(reading.links)) == ("Li B, Dewey CN", 2011, 2)
    assert result.course.sessions[0].name == "Suggestions for Journal Club Papers - STA426 HS2016"


def test_placeholders_and_none_are_skipped_not_readings() -> None:
    text = "## Week 4 (2024-02-20)\n- [TODO](#)\n- Readings: None\n- [Paper](https://arxiv.org/abs/1706.03762)\n"
    result = imported(text, "w.md")
    assert [k.reason for k in result.course.skipped] == [SkipReason.PLACEHOLDER]
    assert len(result.course.readings()) == 1


def test_duplicates_in_a_session_are_merged_with_a_warning() -> None:
    text = (
        "## Week 1 (2024-01-30)\n- [Attention Is All You Need](https://arxiv.org/abs/1706.03762)\n"
        "- [Attention is all you need](https://arxiv.org/abs/1706.03762v5)\n"
    )
    result = imported(text, "w.md")
    assert len(result.course.readings()) == 1
    assert [k.reason for k in result.course.skipped] == [SkipReason.DUPLICATE]
    assert any("listed twice" in m.message for m in result.messages)


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("<ul><li><a href='javascript:alert(1)'>Attention Is All You Need</a></li></ul>", SkipReason.NOT_WEB),
        ("<ul><li><a href='https://youtu.be/x'>Lecture recording</a></li></ul>", SkipReason.RECORDING),
        ("<ul><li><a href='https://forms.gle/x'>Feedback form</a></li></ul>", SkipReason.FORM),
    ],
)
def test_html_links_that_are_no_readings(page: str, reason: SkipReason) -> None:
    page = "<h2>Week 1 (2024-01-30)</h2>" + page + "<ul><li><a href='https://arxiv.org/abs/1'>A Real Paper Title</a></li></ul>"
    result = imported(page, "p.html")
    assert [k.reason for k in result.course.skipped] == [reason]
    assert [r.title for r in result.course.readings()] == ["A Real Paper Title"]


def test_weekday_dates_in_headings_take_the_year_of_the_term() -> None:
    text = (
        "# Seminar, Fall 2023\n\n## Tuesday, Aug 29: Introduction\n"
        "- [Attention Is All You Need](https://arxiv.org/abs/1706.03762)\n"
        "## Thursday, Jan 11: Wrap-up\n- [Scaling Laws for Neural Language Models](https://arxiv.org/abs/2001.08361)\n"
    )
    first, last = imported(text, "s.md").course.sessions
    assert (first.name, first.date) == ("Introduction", dt.date(2023, 8, 29))
    assert (last.name, last.date) == ("Wrap-up", dt.date(2024, 1, 11))  # a fall term's January is the next year


def test_the_seed_as_a_markdown_post_with_title_headings() -> None:
    # the seed's Alignment session as its course site writes a post: front matter, "## Required Readings:",
    # one "### Title" per reading with "+ https://…" bullets, a title heading with no link at all
    result = import_file(FIXTURES / "seed-post.md")
    (session,) = result.course.sessions
    assert session.name == "Alignment"  # the front matter's title: the post has no session headings
    assert [(r.title, r.section, len(r.links)) for r in session.readings] == [
        ("Aligning Large Language Models with Human: A Survey", "required", 3),
        ("Github Awesome-RLHF", "further", 0),
        ("The Flan Collection: Designing Data and Methods for Effective Instruction Tuning", "further", 1),
        ("DPO Direct Preference Optimization: Your Language Model is Secretly a Reward Model", "further", 2),
    ]


def test_awesome_list_shapes() -> None:
    # the shapes of paper lists kept as READMEs: bold titles with [[paper]] [[code]] labels, a nickname starting
    # the title, "Title. Authors. Venue. [arXiv](…)"
    text = (
        "# Papers\n\n## Reasoning\n\n"
        "- **Chain-of-Thought Prompting Elicits Reasoning in Large Language Models** "
        "[[paper](https://arxiv.org/abs/2201.11903)] [[code](https://github.com/x/cot)]\n"
        "1. ReAct: Synergizing Reasoning and Acting in Language Models. Yao et al. ICLR 2023. "
        "[arXiv](https://arxiv.org/abs/2210.03629)\n"
        "2. [Toolformer](https://arxiv.org/abs/2302.04761): Language Models Can Teach Themselves to Use Tools\n"
    )
    readings = imported(text, "README.md").course.readings()
    assert [(r.title, r.label, len(r.links), r.year) for r in readings] == [
        ("Chain-of-Thought Prompting Elicits Reasoning in Large Language Models", "paper", 2, None),
        ("ReAct: Synergizing Reasoning and Acting in Language Models", "arXiv", 1, 2023),
        ("Toolformer: Language Models Can Teach Themselves to Use Tools", "Toolformer", 1, None),
    ]
