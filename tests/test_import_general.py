"""Rules that must hold on any course page, each shown on a real snippet of a list the importer was not
tuned on (tests/fixtures/import/corpus-fresh/): the classes of mistakes found there, not those lists' words."""

from __future__ import annotations

from bibexport.importer import import_text


def _titles(text: str, name: str = "list.md") -> list[str]:
    result = import_text(text, source_name=name)
    return [r.title for s in result.course.sessions for r in s.readings]


def _skipped(text: str, name: str = "list.md") -> list[str]:
    return [s.url for s in import_text(text, source_name=name).course.skipped]


# corpus-fresh/md-northwestern-cs396-dl-w25/index_winter_2025.md: a dated calendar whose topic column links the
# course's own slides and notebooks, then the readings under a heading of their own
CALENDAR = """\
## Course Calendar

| Week|Day and Date| Topic (tentative)                        |Due today           | Points|
|----:|------------|------------------------------------------|--------------------|------:|
|1 | Tue Jan 7     | [Perceptrons](slides/DL_perceptrons.pdf)                                  | | |
|1 | -             | [Notebook 1: perceptrons](notebooks/notebook_1_perceptron.ipynb)          | | |
|4 | Tue Jan 28    | [Data augmentation & generalization](slides/DL_regularization.pdf)        | | |
|6 | Tue Feb 11    | MIDTERM                                                                   | Midterm   | 20 |

## Course Reading

1. [Understanding LSTMs](http://colah.github.io/posts/2015-08-Understanding-LSTMs/): A simple walk-through.
"""


def test_a_calendar_of_slides_and_notebooks_gives_no_readings() -> None:
    assert _titles(CALENDAR) == ["Understanding LSTMs"]
    skipped = _skipped(CALENDAR)
    assert "slides/DL_perceptrons.pdf" in skipped and "notebooks/notebook_1_perceptron.ipynb" in skipped


# corpus-fresh/md-northwestern-cs396-dl-w25/index_winter_2025.md: software links with a sentence after them, the
# books under a heading of their own; a numbered reading with the list's comment after a colon
TOOLS = """\
## Course textbook
The primary text is the [Deep Learning book](http://www.deeplearningbook.org/).

## Links

### Helpful Programming Packages

[Anaconda](https://www.anaconda.com) is the most popular python distro for machine learning.

[Keras](https://keras.io/) A nice programming API that works with Tensorflow

### Helpful Books on Deep Learning

[Deep Learning](http://www.deeplearningbook.org/)  is THE book on Deep Learning. One of the authors won the Turing prize due to his work on deep learning.

[Dive Into Deep Learning](http://d2l.ai/index.html) provides example code and instruction for how to write DL models.

## Course Reading

1. [Understanding LSTMs](http://colah.github.io/posts/2015-08-Understanding-LSTMs/): A simple (maybe too simple?) \
walk-through of LSTMs. Good to read before trying the book chapter on this topic.
"""


def test_tools_are_no_readings_and_a_comment_after_a_link_is_no_title() -> None:
    assert _titles(TOOLS)[1:] == ["Deep Learning", "Dive Into Deep Learning", "Understanding LSTMs"]
    assert {"https://www.anaconda.com", "https://keras.io/"} <= set(_skipped(TOOLS))


# corpus/md-cs294-ai-sys-berkeley-sp19: a session about frameworks lists papers; a session heading is no tool list
FRAMEWORKS = """\
## Introduction and Course Overview

* [A Berkeley View of Systems Challenges for AI](https://arxiv.org/abs/1712.05855)

## Deep Learning Frameworks

* [Automatic differentiation in PyTorch](https://openreview.net/pdf?id=BJJsrmfCZ)
"""


def test_a_session_named_after_software_keeps_its_papers() -> None:
    assert _titles(FRAMEWORKS)[-1] == "Automatic differentiation in PyTorch"


# corpus-fresh/md-northwestern-cs396-dl-w25/index_winter_2025.md: a rule with words in it between readings
SEPARATED = """\
### Additional Readings

1. [Generative Adversarial Nets](https://arxiv.org/pdf/1406.2661v1.pdf): The paper that introduced GANs.

------ no additional reading below this line will be expected for the midterm ------

1. [Long Term Short Term Memory](https://www.researchgate.net/publication/13853244_Long_Short-term_Memory): The \
original 1997 paper introducing the LSTM
"""


def test_a_separator_line_is_no_reading() -> None:
    assert _titles(SEPARATED) == ["Generative Adversarial Nets", "Long Term Short Term Memory"]


# corpus-fresh/txt-mechinterp-paper-list/reading-list.txt: a .txt file written in Markdown
MARKDOWN_TXT = """\
# Mechanistic Interpretability - Paper List

## Superposition
* **Toy models of superposition** (Nelson Elhage et al, Anthropic)

## Activation Patching
* Attribution Patching (Neel Nanda, Anthropic)
* AtP* (Janos Kramar et al, Google DeepMind)
"""


def test_a_txt_file_in_markdown_is_read_as_markdown() -> None:
    result = import_text(MARKDOWN_TXT, source_name="reading-list.txt")
    assert result.format == "markdown"
    assert [s.name for s in result.course.sessions] == ["Superposition", "Activation Patching"]
    last = result.course.sessions[-1].readings[-1]
    assert last.title.rstrip("*") == "AtP" and "Kramar" in last.note


def test_a_plain_text_list_stays_text() -> None:
    text = "read on: - 08 Feb 2024\nSession8\nRequired Readings:\nSome Paper Title Here\n- https://arxiv.org/abs/2601.00001\n"
    assert import_text(text, source_name="reading-list.txt").format == "text"


# corpus-fresh/md-mai5301-llm-table/README.md: one row per reading; a row with a week cell opens a session, rows
# with an empty one continue it; a bold cell alone is the lecture's topic or a unit heading, never a reading
WEEK_TABLE = """\
## Tentative Schedule and Reading List

| Date | Topics/Readings | Presenter |
| :---- | :---- | :---- |
| Week 1 | **Introduction to Language Models and Transformers** | Dr. Clarke |
|  | [Attention is All You Need](https://arxiv.org/abs/1706.03762) (Required) |  |
|  | [The Illustrated Transformer](https://jalammar.github.io/illustrated-transformer/) (Required) |  |
|  | **Pre-training & Scaling** |  |
| Week 3 (Tue) | [Scaling Laws for Neural Language Models](https://arxiv.org/abs/2001.08361) (Required) | Daryl Nelson |
|  | [Training Compute-Optimal Large Language Models (Chinchilla)](https://arxiv.org/abs/2203.15556) (Required) |  |
"""


def test_a_table_with_a_week_column_has_one_session_per_week() -> None:
    course = import_text(WEEK_TABLE, source_name="README.md").course
    assert [(s.name, len(s.readings)) for s in course.sessions] == [
        ("Introduction to Language Models and Transformers", 2), ("Week 3 (Tue)", 2)]
    assert "Pre-training & Scaling" not in [r.title for s in course.sessions for r in s.readings]


# corpus-fresh/md-dh-psl-nlp-fall2025/README.md: a European course writes day/month; "29/10" says so
DAY_MONTH = """\
# Introduction to NLP, Fall 2025

## Week 1 (29/10): *Modeling Language*

- [The Illustrated Transformer](https://jalammar.github.io/illustrated-transformer/)

## Week 2 (05/11): *Discovering Structure*

- [Topic Modeling for the People](https://maria-antoniak.github.io/2022/07/27/topic-modeling-for-the-people.html)
"""


def test_day_month_order_is_read_from_the_page() -> None:
    import datetime as dt

    course = import_text(DAY_MONTH, source_name="README.md").course
    assert [(s.name, s.date) for s in course.sessions] == [
        ("Week 1: Modeling Language", dt.date(2025, 10, 29)), ("Week 2: Discovering Structure", dt.date(2025, 11, 5))]


def test_the_term_decides_a_page_of_ambiguous_numeric_dates() -> None:
    import datetime as dt

    # only "05/11" and "12/11": day first puts both in the fall term, month first in none of it
    text = DAY_MONTH.replace("29/10", "12/11")
    assert [s.date for s in import_text(text, source_name="README.md").course.sessions] == [
        dt.date(2025, 11, 12), dt.date(2025, 11, 5)]
    us = DAY_MONTH.replace("29/10", "9/27").replace("05/11", "10/4")  # a US fall page stays month first
    assert [s.date for s in import_text(us, source_name="README.md").course.sessions] == [
        dt.date(2025, 9, 27), dt.date(2025, 10, 4)]


# corpus-fresh/md-dh-psl-nlp-fall2025/README.md: label bullets, a collapsible "To go further" block of readings
# and a pointer to the course's own code folder
FURTHER_BLOCK = """\
## Week 1 (29/10): *Modeling Language*

- Notebook(s): [BERT Discovery](./code/1_bert_training/Discover_BERT.ipynb)
- Key notions: n-gram, transformers, self-attention, context, masked language model / causal language model

<details><summary>To go further</summary>

- [(J. Alammar, 2018)](https://jalammar.github.io/illustrated-transformer/): *The Illustrated Transformer* blog post.

**Want more hands-on?** Check the [*To go further* section in code folder](./code/README.md#code_supp_1).

</details>
"""


def test_a_to_go_further_block_is_further_reading_and_labels_are_no_readings() -> None:
    course = import_text(FURTHER_BLOCK, source_name="README.md").course
    readings = [r for s in course.sessions for r in s.readings]
    assert [(r.links[0].url, r.section) for r in readings] == [
        ("https://jalammar.github.io/illustrated-transformer/", "further")]
    assert "./code/README.md#code_supp_1" in [s.url for s in course.skipped]


# corpus-fresh/yaml-yale-cpsc477-nlp-sp24/lectures.yml: linkless chapter references; two chapters of one book in a
# lecture are two readings, and the chapter stays in each title
CHAPTERS = """\
- date: 2024-01-23
  title:
    - Text classification (cont.)
  readings:
    - Jurafsky & Martin Chapter 4
    - Jurafsky & Martin Chapter 3
- date: 2024-02-06
  title:
    - Basics of Neural Networks and Language Model Training
  readings:
    - Little book of deep learning (François Fleuret) - Ch 3
"""


def test_linkless_chapters_keep_their_chapter() -> None:
    assert _titles(CHAPTERS, "lectures.yml") == [
        "Jurafsky & Martin Chapter 4", "Jurafsky & Martin Chapter 3", "Little book of deep learning - Ch 3"]


# corpus-fresh/html-harvard-ac215-readings-2025/index.html: bold category items over nested titled links
GROUPS = (
    '<html><body><h2>Containers and Virtual Machines</h2><ul><li><strong>Concepts</strong><ul><li>'
    '<a href="https://cloud.google.com/discover/containers-vs-vms">Containers vs VMs</a></ul>'
    '<li><strong>Tutorials</strong><ul><li><a href="https://docker-curriculum.com/">Docker For Beginners</a> — long '
    'tutorial<li><a href="https://docs.docker.com/get-started/workshop/">Docker Workshop</a>'
    ' — Official Docker getting started</ul>'
    '<li><strong>Research</strong><ul><li><a href="https://arxiv.org/abs/2403.17940">Navigating the Docker '
    'Ecosystem: A Comprehensive Taxonomy and Survey</a></ul></ul></body></html>'
)


def test_a_short_item_over_titled_links_is_a_group_heading() -> None:
    assert _titles(GROUPS, "index.html") == [
        "Containers vs VMs", "Docker For Beginners", "Docker Workshop", "Navigating the Docker Ecosystem: A Comprehensive Taxonomy and Survey"]


def test_a_title_over_its_pdf_link_stays_the_reading() -> None:
    # the accounting test's own example: "- GPT-2" with "[pdf](…)" under it is one reading
    assert _titles("## Week 1\n- GPT-2\n  - [pdf](https://arxiv.org/pdf/2203.02155.pdf)\n") == ["GPT-2"]


# corpus-fresh/bib-mcgill-ecse499-prometheus/readings.bib: one entry pasted twice under its key
def test_the_same_bib_entry_twice_is_one_reading() -> None:
    entry = "@misc{vybihal-lambda,\n  title = {Lambda Calculus},\n  author = {Joseph Vybihal},\n}\n"
    result = import_text(entry + "\n" + entry + "@misc{other, title = {Another Note}}\n", source_name="readings.bib")
    assert [r.title for s in result.course.sessions for r in s.readings] == ["Lambda Calculus", "Another Note"]
    assert any("given twice" in m.message for m in result.messages)


# corpus-fresh/md-northwestern-cs396-dl-w25: the calendar's notebook rows, here given a column of their own (as
# the collector's diagnosis describes such tables), beside a Readings column; and a topic column linking the
# course site's own pages ("lectures/…html"), which is no readings column even with titled link texts
def test_a_notebook_column_is_material_and_own_pages_are_no_readings() -> None:
    table = (
        "| Date | Topic | Notebook | Readings |\n|---|---|---|---|\n"
        "| Tue Jan 7 | Perceptrons | [Notebook 1: perceptrons in numpy](https://colab.research.google.com/x) | "
        "[Understanding LSTMs](http://colah.github.io/posts/2015-08-Understanding-LSTMs/) |\n"
    )
    assert _titles(table) == ["Understanding LSTMs"]
    own = ("| Date | Topic |\n|---|---|\n| Tue Jan 7 | [Perceptrons and the delta rule](lectures/perceptrons.html) |\n"
           "\n## Readings\n\n- [Understanding LSTMs](http://colah.github.io/posts/2015-08-Understanding-LSTMs/)\n")
    assert _titles(own) == ["Understanding LSTMs"]


# corpus/html-cmu11767-f22/index.html: a heading that names the list below it is no reading of its own
def test_a_heading_naming_the_readings_is_no_reading() -> None:
    page = ("<html><body><h4>Course Schedule</h4><p>Sept 6: Intro</p><hr><h4><b>Example Readings</b></h4><ul>"
            "<li><a href='https://dl.acm.org/doi/pdf/10.1145/3381831'>Green AI</a></li>"
            "<li><a href='https://arxiv.org/abs/1906.02243'>Energy and Policy Considerations for Deep Learning in NLP</a>"
            "</li></ul></body></html>")
    assert _titles(page, "index.html") == ["Green AI", "Energy and Policy Considerations for Deep Learning in NLP"]


def test_a_full_numeric_date_takes_its_order_from_the_page() -> None:
    import datetime as dt

    # the day/month class of corpus-fresh/md-dh-psl-nlp-fall2025, with the year written: "06/11/2024" reads
    # either way alone, day first beside "29/10/2024", month first beside "10/29/2024"; alone it stays as written
    def dates(a: str, b: str) -> list[dt.date | None]:
        text = (f"## Week 1 ({a})\n- [Attention Is All You Need](https://arxiv.org/abs/1706.03762)\n"
                f"## Week 2 ({b})\n- [Language Models are Few-Shot Learners](https://arxiv.org/abs/2005.14165)\n")
        return [s.date for s in import_text(text, source_name="README.md").course.sessions]

    assert dates("29/10/2024", "06/11/2024") == [dt.date(2024, 10, 29), dt.date(2024, 11, 6)]
    assert dates("10/29/2024", "06/11/2024") == [dt.date(2024, 10, 29), dt.date(2024, 6, 11)]
    assert dates("06/11/2024", "07/11/2024") == [None, None]


def test_a_paper_among_tools_stays_a_reading() -> None:
    # the tools class of corpus-fresh/md-northwestern-cs396-dl-w25 (its "Helpful Programming Packages"), with the
    # package's paper beside its home page: the paper is a reading wherever it is listed
    text = TOOLS.replace(
        "[Keras](https://keras.io/) A nice programming API that works with Tensorflow",
        "[TensorFlow: Large-Scale Machine Learning on Heterogeneous Distributed Systems](https://arxiv.org/abs/1603.04467)")
    assert "TensorFlow: Large-Scale Machine Learning on Heterogeneous Distributed Systems" in _titles(text)
    assert "Anaconda" not in _titles(text)


def test_a_bold_chapter_in_a_readings_cell_stays_a_reading() -> None:
    # the bold-topic rule of corpus-fresh/md-mai5301-llm-table does not take a bold chapter reference for a topic
    table = WEEK_TABLE.replace("|  | **Pre-training & Scaling** |  |", "| Week 2 | **Jurafsky & Martin Ch. 3** |  |")
    assert "Jurafsky & Martin Ch. 3" in _titles(table, "README.md")


def test_helpful_books_are_further_reading() -> None:
    # corpus-fresh/md-northwestern-cs396-dl-w25: "### Helpful Books on Deep Learning" recommends, it does not assign
    course = import_text(TOOLS, source_name="index.md").course
    sections = {r.title: r.section for s in course.sessions for r in s.readings}
    assert sections["Dive Into Deep Learning"] == "further" and sections["Understanding LSTMs"] == "required"


# corpus-fresh/yaml-mit-mmai4humans/lectures.yml: a paper whose title has the word "Recording" in it
def test_a_word_inside_a_paper_title_does_not_make_it_a_recording() -> None:
    data = (
        "- date: 2024-10-02\n  title: Multimodal sensing\n  readings:\n"
        '    - <a href="https://action-sense.csail.mit.edu/">ActionSense&#58; A Multimodal Dataset and Recording '
        "Framework for Human Activities Using Wearable Sensors in a Kitchen Environment</a> <br />\n"
    )
    title = ("ActionSense: A Multimodal Dataset and Recording Framework for Human Activities Using Wearable Sensors "
             "in a Kitchen Environment")
    assert _titles(data, "lectures.yml") == [title]
