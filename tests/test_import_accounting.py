"""Accounting: every link in the input ends in a reading or in the skipped list with a reason; nothing else can
happen to it.  Links are counted independently of the importer's parsers: by construction for generated
documents, and for real ones from the HTML a different renderer makes (markdown-it's own HTML output, read
with BeautifulSoup) or from the page's hrefs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from bs4.element import Comment
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bibexport.errors import InputError
from bibexport.importer import ImportResult, import_file, import_text

FIXTURES = Path(__file__).parent / "fixtures" / "import"
CORPUS = Path(os.environ.get("BIBEXPORT_CORPUS", FIXTURES / "corpus"))


def accounted(result: ImportResult) -> int:
    """Links in readings plus links skipped."""
    return sum(len(r.links) for r in result.course.readings()) + len(result.course.skipped)


def markdown_links(text: str) -> int:
    """Links of a Markdown document: the <a href> of markdown-it's HTML rendering (with inline and block HTML
    passed through) plus the addresses written out in its text."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark", {"html": True}).enable("table").use(front_matter_plugin).use(deflist_plugin)
    return html_links(md.render(_join_html_tables(text)))


def _join_html_tables(text: str) -> str:
    """A raw HTML table that a blank line splits is still one table to its author (and to the importer):
    drop the blank lines between <table> and </table> before rendering."""
    out, depth = [], 0
    for line in text.split("\n"):
        if depth > 0 and not line.strip():
            continue
        depth += len(re.findall(r"(?i)<table\b", line)) - len(re.findall(r"(?i)</table\s*>", line))
        out.append(line.lstrip() if depth > 0 else line)
    return "\n".join(out)


_BARE = re.compile(r"(?i)(?<![\w/@.:-])(https?://|www\.|(?:[a-z0-9-]+\.)+(?:org|com|edu|net|io|ai)/)[^\s<>\"]*")


def html_links(text: str) -> int:
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "code", "pre"]):
        if tag.name in ("code", "pre"):
            tag.decompose()
        else:
            tag.decompose()
    hrefs = len(soup.find_all("a", href=True))
    for a in soup.find_all("a"):
        a.decompose()
    # addresses written in text (not in HTML comments: a page's hidden notes and IE conditionals are no content)
    bare = sum(len(_BARE.findall(str(s))) for s in soup.find_all(string=True) if not isinstance(s, Comment))
    return hrefs + bare


def text_links(text: str) -> int:
    return len(_BARE.findall(text)) + len(re.findall(r"\]\((?!https?://|www\.)[^)\s]+\)", text))


# ------------------------------------------------------------------------------------------ generated documents

TITLES = st.sampled_from([
    "Attention Is All You Need", "Language Models are Few-Shot Learners", "GPT-2", "paper", "pdf", "Slides",
    "Lecture video", "HW 1", "Mistral 7B", "TODO", "Direct Preference Optimization", "code",
    "Training language models to follow instructions with human feedback", "Radford et al.",
])
URLS = st.sampled_from([
    "https://arxiv.org/abs/1706.03762", "https://arxiv.org/abs/2005.14165", "https://www.youtube.com/watch?v=x",
    "https://forms.gle/abc", "#", "https://example.edu/slides/w1.pdf", "https://github.com/a/b",
    "https://openreview.net/forum?id=abc", "mailto:a@b.org", "https://arxiv.org/pdf/2203.02155.pdf",
    "/relative/notes.pdf", "javascript:void(0)",
])
MARKERS = st.sampled_from(["", "(optional) ", "Required: ", "", "*Optional:* "])
TAILS = st.sampled_from(["", " (optional)", ". NeurIPS 2017.", " ([pdf](https://a.org/p.pdf))", " — https://a.org/x"])


@st.composite
def documents(draw: st.DrawFn) -> tuple[list[str], int]:
    """Markdown lines of a generated list and the number of links written in it."""
    lines: list[str] = ["# A course (Spring 2025)", ""]
    count = 0
    for week in range(draw(st.integers(1, 4))):
        lines += [f"## Week {week + 1} ({draw(st.sampled_from(['Jan 14', '2/3', 'Mar 3, 2025', 'TBD']))})", ""]
        if draw(st.booleans()):
            lines += ["**Optional readings:**" if draw(st.booleans()) else "Required readings:", ""]
        for _ in range(draw(st.integers(0, 5))):
            kind = draw(st.integers(0, 3))
            marker = draw(MARKERS)
            tail = draw(TAILS)
            count += tail.count("https://")
            if kind == 0:
                lines.append(f"- {marker}[{draw(TITLES)}]({draw(URLS)}){tail}")
                count += 1
            elif kind == 1:
                lines.append(f"- {marker}{draw(TITLES)}: {draw(URLS).replace('#', 'https://a.org/#')}{tail}")
                count += 1
            elif kind == 2:
                lines.append(f"- {marker}{draw(TITLES)}{tail}")
                lines.append(f"  - [{draw(TITLES)}]({draw(URLS)})")
                count += 1
            else:
                lines.append(f"- {marker}{draw(TITLES)}{tail}")
        lines.append("")
        if draw(st.booleans()):
            lines += ["| Date | Topic | Readings | Slides |", "|---|---|---|---|"]
            lines.append(f"| Jan 2 | Intro | [{draw(TITLES)}]({draw(URLS)}) <br> [{draw(TITLES)}]({draw(URLS)}) "
                         f"| [Slides]({draw(URLS)}) |")
            lines.append("")
            count += 3
    return lines, count


def _import_or_none(text: str, name: str) -> ImportResult | None:
    try:
        return import_text(text, source_name=name)
    except InputError as exc:  # only "no reading found" may stop an import of a generated list
        assert all("no reading found" in p.message for p in exc.problems), exc
        return None


def _skipped_all(text: str, name: str) -> bool:
    """With no reading found, the link count is moot: the import refuses the list as a whole."""
    return _import_or_none(text, name) is None


@given(documents())
@settings(deadline=None)
@example((["## Week 1 (Jan 14)", "- [Slides](https://example.edu/slides/w1.pdf) (optional)"], 1))
@example((["## Week 1", "- GPT-2", "  - [pdf](https://arxiv.org/pdf/2203.02155.pdf)", "- [x](#)"], 2))
def test_generated_markdown_every_link_is_a_reading_or_skipped(doc: tuple[list[str], int]) -> None:
    lines, count = doc
    text = "\n".join(lines) + "\n"
    result = _import_or_none(text, "list.md")
    if result is not None:
        # markdown-it refuses javascript: targets as links (so does the importer): count what it renders
        assert accounted(result) == markdown_links(text)
        assert count >= accounted(result)


@given(documents())
@settings(deadline=None)
def test_generated_html_every_link_is_a_reading_or_skipped(doc: tuple[list[str], int]) -> None:
    from markdown_it import MarkdownIt

    lines, _ = doc
    page = "<html><body><nav><a href='/'>Home</a></nav>" + MarkdownIt("commonmark", {"html": True}).enable(
        "table").render("\n".join(lines)) + "<script>var a='<a href=\"x\">';</script></body></html>"
    result = _import_or_none(page, "page.html")
    if result is not None:
        assert accounted(result) == html_links(page)


@given(documents())
@settings(deadline=None)
def test_generated_text_every_link_is_a_reading_or_skipped(doc: tuple[list[str], int]) -> None:
    lines, _ = doc
    # the same list as plain text: no headings' hashes, no tables (a text file has none)
    text = "\n".join(line.lstrip("#").strip() for line in lines if not line.startswith("|")) + "\n"
    result = _import_or_none(text, "list.txt")
    if result is not None:
        # a .txt written with Markdown links is read as Markdown (formats.detect): counted as markdown-it renders it
        expected = markdown_links(text) if result.format == "markdown" else text_links(text)
        assert accounted(result) == expected


# ------------------------------------------------------------------------------------------ real documents

REAL = sorted(
    [p for p in FIXTURES.glob("*") if p.suffix in (".md", ".txt")]
    + [p for p in CORPUS.glob("*/*") if p.suffix in (".md", ".txt", ".html", ".htm")]
)


@pytest.mark.parametrize("path", REAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_lists_every_link_is_a_reading_or_skipped(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        result = import_file(path)
    except InputError:
        pytest.skip("no reading found")
    expected = {".md": markdown_links, ".html": html_links, ".htm": html_links}.get(path.suffix, text_links)(text)
    front = re.match(r"(?s)\A---\n(.*?)\n---\n", text) if path.suffix == ".md" else None
    if front is not None:  # a schedule kept as data in the front matter goes to the YAML reader when present
        end = front.group(0).count("\n")
        places = [k.line for k in result.course.skipped] + [
            link.line for r in result.course.readings() for link in r.links
        ]
        if any(line <= end for line in places):
            pytest.skip("the schedule is data in the front matter, read by the YAML reader (tested with it)")
    assert accounted(result) == expected


@pytest.mark.parametrize("name", ["x.md", "x.txt", "x.html"])
def test_an_address_urllib_cannot_split_is_no_crash(name: str) -> None:
    # found by fuzzing the corpus: "http://[" made urllib raise "Invalid IPv6 URL" while classifying the link
    text = "## Week 1 (2024-01-30)\n- Slides: http://[x\n- [A Real Paper Title](https://arxiv.org/abs/1706.03762)\n"
    if name == "x.html":
        text = "<h2>Week 1 (2024-01-30)</h2><ul><li><a href='http://[x'>Slides</a></li>" \
               "<li><a href='https://arxiv.org/abs/1706.03762'>A Real Paper Title</a></li></ul>"
    result = import_text(text, source_name=name)
    assert accounted(result) == 2 and [r.title for r in result.course.readings()] == ["A Real Paper Title"]
