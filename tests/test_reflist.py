"""Formatted reference lists: goldens for the seed's sessions (apa, ieee, the project style) in md/html/txt,
escaping of remote text, links, year suffixes and style lookup.

Goldens live in tests/fixtures/reflist/; regenerate with ``BIBEXPORT_UPDATE_GOLDENS=1 pytest tests/test_reflist.py``
and review the diff by eye against the APA 7 / IEEE rules before committing.
"""

from __future__ import annotations

import datetime
import functools
import html.parser
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bibexport.emitters import markup, reflist
from bibexport.emitters.markup import RichText
from bibexport.emitters.styles import StyleError, available_styles, resolve_style
from bibexport.errors import BibexportError
from bibexport.model import Bibliography, Course, Entry, Person, Record, Session, SessionBibliography

FIXTURES = Path(__file__).parent / "fixtures" / "reflist"
UPDATE = os.environ.get("BIBEXPORT_UPDATE_GOLDENS") == "1"
STYLES = ("apa", "ieee", "course-notes")
FORMATS = ("md", "html", "txt")


def seed_bibliography() -> Bibliography:
    """The seed-like course in tests/fixtures/reflist/seed.json (facts from the shared GROUND_TRUTH.md)."""
    data = json.loads((FIXTURES / "seed.json").read_text(encoding="utf-8"))

    def entry(e: dict) -> Entry:
        return Entry(e["key"], Record.from_dict(e["record"]), e.get("resolved", True), e.get("reason", ""))

    sessions = tuple(
        SessionBibliography(
            Session(s["slug"], s["name"], datetime.date.fromisoformat(s["date"])),
            tuple(entry(e) for e in s["required"]),
            tuple(entry(e) for e in s["further"]),
        )
        for s in data["sessions"]
    )
    return Bibliography(Course(tuple(sb.session for sb in sessions), title=data["title"]), sessions)


@functools.cache
def seed_list(style: str, fmt: str) -> str:
    """The seed rendered once per style and format (rendering APA takes a fraction of a second)."""
    return reflist.emit(seed_bibliography(), fmt=fmt, style=style)


def one_entry_bib(*records: Record, further: tuple[Record, ...] = ()) -> Bibliography:
    def entries(recs: tuple[Record, ...], start: int) -> tuple[Entry, ...]:
        return tuple(Entry(f"k{start + i}", r) for i, r in enumerate(recs))

    sb = SessionBibliography(Session("s1", "Session One", datetime.date(2024, 1, 30)),
                             entries(records, 0), entries(further, len(records)))
    return Bibliography(Course((sb.session,), title="T"), (sb,))


def _check_golden(name: str, text: str) -> None:
    path = FIXTURES / name
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden {name} was missing and has been written; review it and re-run")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_seed_goldens(style: str, fmt: str) -> None:
    out = seed_list(style, fmt)
    _check_golden(f"seed.{style}.{fmt}", out)


def test_output_is_deterministic() -> None:
    bib = seed_bibliography()
    assert reflist.emit(bib, fmt="html", style="apa") == reflist.emit(bib, fmt="html", style="apa")


# --- what the goldens must show (checked independently of the golden files) -----------------------------


def test_apa_arxiv_preprint_shape() -> None:
    out = seed_list("apa", "txt")
    assert "(2023). Mistral 7B (arXiv:2310.06825). arXiv. https://doi.org/10.48550/arXiv.2310.06825" in out
    assert "ArXiv" not in out  # citeproc-py's capitalize-first bug is fixed around
    # The Pile's first version is 2020 although the id starts with 2101.
    assert "& Leahy, C. (2020). The Pile" in out


def test_apa_conference_journal_web_software_unresolved() -> None:
    out = seed_list("apa", "html")
    # APA title-cases the proceedings title, hyphenated parts too (APA 6.17; pandoc does the same).
    assert "<i>Thirty-Seventh Conference on Neural Information Processing Systems</i>" in out
    assert "<i>Transactions on Machine Learning Research</i>" in out
    assert "Anthropic. (2023, October 4). Challenges in evaluating AI systems. <i>Anthropic</i>." in out
    assert "opendilab. (2023). <i>awesome-RLHF</i> [Computer software]. GitHub." in out
    # An authorless, unresolved reading: title in the author position, once (citeproc-py printed it twice).
    assert out.count("Llama 2: Open Foundation") == 1
    assert "<i>Llama 2: Open Foundation and Fine-Tuned Chat Models</i>. (n.d.)." in out
    # APA 7: 21+ authors -> first 19, an ellipsis, the last.
    assert "Hudson, D. A., … Koreeda, Y. (2023)" in out


def test_ieee_labels_and_quotes() -> None:
    out = seed_list("ieee", "txt")
    assert "[1] A. Q. Jiang et al., “Mistral 7B,” Oct. 10, 2023, arXiv: arXiv:2310.06825." in out
    assert "[5] R. Rafailov, A. Sharma, E. Mitchell, C. D. Manning, S. Ermon, and C. Finn, “Direct" in out
    html_out = seed_list("ieee", "html")
    assert '<span class="csl-left-margin">[1]</span> <span class="csl-right-inline">A. Q. Jiang' in html_out


def test_ieee_online_only_with_an_access_date() -> None:
    paper = Record(type="paper-conference", title="P", authors=AUTHORS[:1], issued=(2023,), container_title="C",
                   url="https://e.org/p")
    assert "2023. Available: https://e.org/p" in reflist.emit(one_entry_bib(paper), fmt="txt", style="ieee")
    accessed = paper.replace(accessed=(2024, 1, 2))
    out = reflist.emit(one_entry_bib(accessed), fmt="txt", style="ieee")
    assert "2023. Accessed: Jan. 02, 2024. [Online]. Available: https://e.org/p" in out


def test_grouped_by_session_with_parts_in_order() -> None:
    out = seed_list("apa", "md")
    heads = re.findall(r"^#+ .*$", out, flags=re.MULTILINE)
    assert heads[:4] == ["# LLM course \\(seed\\)".replace("\\(", "(").replace("\\)", ")"),
                         "## BasicLLM (2024-02-08)", "### Required", "### Further reading"]
    assert heads.count("### Required") == 3


def test_blog_beside_paper_shows_both_links() -> None:
    md = seed_list("apa", "md")
    dpo = next(line for line in md.splitlines() if "Rafailov" in line)
    assert "<https://openreview.net/forum?id=HPuSIXJaa9>" in dpo
    after = md.split(dpo, 1)[1].splitlines()[1]
    assert after.strip() == "[huggingface.co](<https://huggingface.co/blog/dpo-trl>)"
    html_out = seed_list("apa", "html")
    assert '<a href="https://huggingface.co/blog/dpo-trl">huggingface.co</a>' in html_out
    txt = seed_list("apa", "txt")
    assert "    https://huggingface.co/blog/dpo-trl" in txt


def test_session_list_and_fragment() -> None:
    sb = seed_bibliography().sessions[1]
    md = reflist.emit_session(sb, fmt="md", style="apa")
    assert md.startswith("# Alignment (2024-02-06)\n\n## Required\n")
    frag = reflist.emit_session(sb, fmt="html", style="apa", fragment=True)
    assert "<!DOCTYPE" not in frag and "<html" not in frag and frag.startswith('<section class="session"')
    page = reflist.emit_session(sb, fmt="html", style="apa")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<title>Alignment</title>" in page


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown reference-list format"):
        seed_list("apa", "rtf")


# --- year suffixes --------------------------------------------------------------------------------------

AUTHORS = (Person(family="Jiang", given="Albert Q."), Person(family="Mensch", given="Arthur"))


def test_year_suffix_disambiguation_in_apa() -> None:
    b = Record(type="article", title="Beta model", authors=AUTHORS, issued=(2023,), url="https://e.org/b")
    a = Record(type="article", title="Alpha model", authors=AUTHORS, issued=(2023,), url="https://e.org/a")
    other = Record(type="article", title="Gamma", authors=AUTHORS, issued=(2024,))
    txt = reflist.emit(one_entry_bib(b, a, other), fmt="txt", style="apa")
    # Lettered in reference-list order (APA sorts same author+year by title).
    assert "(2023a). Alpha model" in txt and "(2023b). Beta model" in txt
    assert "(2024). Gamma" in txt
    # IEEE does not disambiguate with year suffixes.
    assert "2023a" not in reflist.emit(one_entry_bib(b, a), fmt="txt", style="ieee")


def test_year_suffix_spans_sessions() -> None:
    a = Record(type="article", title="Alpha model", authors=AUTHORS, issued=(2023,))
    b = Record(type="article", title="Beta model", authors=AUTHORS, issued=(2023,))
    s1 = SessionBibliography(Session("s1", "One"), (Entry("a", a),))
    s2 = SessionBibliography(Session("s2", "Two"), (Entry("b", b),))
    txt = reflist.emit(Bibliography(Course((s1.session, s2.session)), (s1, s2)), fmt="txt", style="apa")
    assert "(2023a). Alpha" in txt and "(2023b). Beta" in txt


def test_letters() -> None:
    assert [reflist._letters(i) for i in (0, 1, 25, 26, 27)] == ["a", "b", "z", "aa", "ab"]


# --- escaping -------------------------------------------------------------------------------------------

EVIL_TITLE = "Attack <script>alert(1)</script> and *[x](y)* _u_ `c` # h see https://evil.example/x or www.evil.example"
EVIL_HREFS = {"https://example.org/p?a=1&b=%3C2%3E"}  # the record's URL, percent-encoded: the only link
EVIL = Record(type="article", title=EVIL_TITLE, authors=(Person(family="<b>Bold</b>", given="[A](javascript:x)"),),
              issued=(2023,), url="https://example.org/p?a=1&b=<2>", extra_urls=("javascript:alert(1)",))


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("style", (*STYLES, "pybtex:plain"))
def test_remote_markup_is_inert_in_html(style: str) -> None:
    out = reflist.emit(one_entry_bib(EVIL), fmt="html", style=style)
    parser = _Tags()
    parser.feed(out)
    assert "script" not in parser.tags and "b" not in parser.tags
    assert set(parser.hrefs) <= EVIL_HREFS, parser.hrefs
    text = "".join(parser.text)
    assert "<script>alert(1)</script>" in text and "*[x](y)*" in text


@pytest.mark.parametrize("style", (*STYLES, "pybtex:plain"))
def test_remote_markup_is_inert_in_markdown(style: str) -> None:
    out = reflist.emit(one_entry_bib(EVIL), fmt="md", style=style)
    assert "<script>" not in out and "[x](y)" not in out
    assert "\\<script\\>" in out and "\\*\\[x\\](y)\\*" in out
    assert "javascript:" not in out.replace("javascript:x", "")  # the name stays text, never a link target


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="needs pandoc")
@pytest.mark.pandoc
def test_markdown_renders_inert_with_a_real_commonmark_parser() -> None:
    md = reflist.emit(one_entry_bib(EVIL), fmt="md", style="apa")
    out = subprocess.run(["pandoc", "-f", "gfm", "-t", "html"], input=md, capture_output=True, text=True,
                         check=True).stdout
    parser = _Tags()
    parser.feed(out)
    # APA italicizes the title (one <em>); nothing inside it may become emphasis, a link or code.
    assert "script" not in parser.tags and "code" not in parser.tags and parser.tags.count("em") == 1
    assert set(parser.hrefs) == EVIL_HREFS  # no autolink from the URLs in the title
    assert EVIL_TITLE in " ".join("".join(parser.text).split())


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_inline_html_roundtrips_any_text(text: str) -> None:
    clean = markup.clean(text)
    parser = _Tags()
    parser.feed(markup.inline_html(RichText(clean)))
    parser.close()
    assert parser.tags == [] and "".join(parser.text) == clean


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="ab *_[]()<>#`&|~!-+=.1\\:/", max_size=40))
def test_md_escape_leaves_no_live_special_character(text: str) -> None:
    out = markup.inline_md(RichText(markup.clean(text)))
    # Every special character is backslash-escaped (an escaped backslash counts as escaped).
    unescaped = re.sub(r"\\.", "", out)
    assert not re.search(r"[\\`*_\[\]<>#&|~!]", unescaped)
    assert not re.match(r"\d+[.)]|[-+=]", out)  # would start a nested list or a setext underline


def test_sentinels_in_remote_text_are_dropped() -> None:
    rec = Record(type="article", title="A\ue000B\ue010C", issued=(2020,))
    assert "ABC" in reflist.emit(one_entry_bib(rec), fmt="txt", style="apa")


# --- pybtex styles -------------------------------------------------------------------------------------


def test_pybtex_plain_from_our_bibtex() -> None:
    out = seed_list("pybtex:plain", "txt")
    # BibTeX's plain: full names, sentence-cased titles, sorted by author within a part, numbered down the page
    # (issue 14, point 11); accents decoded.
    assert "[1] Albert Q. Jiang, Alexandre Sablayrolles," in out and "Lélio Renard Lavaud" in out
    assert "Direct Preference Optimization: your language model is secretly a reward model. In Thirty" in out
    html_out = seed_list("pybtex:plain", "html")
    assert '<a href="https://doi.org/10.48550/arXiv.2310.06825">doi:10.48550/arXiv.2310.06825</a>' in html_out


def test_pybtex_alpha_and_unsrt_labels() -> None:
    alpha = seed_list("pybtex:alpha", "txt")
    assert "[JSM+23] Albert Q. Jiang" in alpha and "[GBB+20] Leo Gao" in alpha
    unsrt = seed_list("pybtex:unsrt", "txt")
    assert "[1] Albert Q. Jiang, Alexandre Sablayrolles, Arthur Mensch," in unsrt  # reading-list order


# --- styles ---------------------------------------------------------------------------------------------


def test_resolve_known_styles() -> None:
    assert resolve_style("apa").path is not None and resolve_style("apa").path.name == "apa.csl"
    assert resolve_style("chicago-author-date").kind == "csl"
    own = resolve_style("course-notes")
    assert own.project and own.path is not None and own.path.is_file()
    assert resolve_style("pybtex:alpha").kind == "pybtex"
    assert resolve_style(str(own.path)).path == own.path


def test_unknown_style_suggests_near_names() -> None:
    with pytest.raises(StyleError) as info:
        resolve_style("ieeee")
    assert "ieee" in info.value.suggestions and "did you mean" in str(info.value)
    assert isinstance(info.value, BibexportError) and info.value.exit_code == 2
    with pytest.raises(StyleError, match="no such CSL file"):
        resolve_style("missing/style.csl")
    with pytest.raises(StyleError, match="pybtex:plain"):
        resolve_style("pybtex:fancy")


def test_available_styles_lists_every_kind() -> None:
    names = available_styles()
    assert {"apa", "ieee", "modern-language-association", "course-notes", "pybtex:plain"} <= set(names)


def test_project_style_is_valid_csl() -> None:
    from citeproc import SCHEMA_PATH  # the CSL schema (1.0.2 and later additions) citeproc-py ships
    from lxml import etree

    schema = etree.RelaxNG(etree.parse(SCHEMA_PATH))
    for name in ("course-notes",):
        path = resolve_style(name).path
        assert path is not None
        assert schema.validate(etree.parse(str(path))), schema.error_log
    # The repository's styles/ folder shows the same file (a link to the package data).
    assert (Path(__file__).parent.parent / "styles" / "course-notes.csl").read_bytes() == path.read_bytes()


def test_a_broken_style_file_is_a_style_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.csl"
    path.write_text('<style xmlns="http://purl.org/net/xbiblio/csl"><bro', encoding="utf-8")
    with pytest.raises(StyleError, match="cannot read CSL style"):
        reflist.emit(seed_bibliography(), fmt="txt", style=str(path))


def test_a_citation_only_style_is_a_style_error(tmp_path: Path) -> None:
    path = tmp_path / "cite-only.csl"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text"'
        ' version="1.0"><info><title>x</title><id>x</id><updated>2024-01-01T00:00:00+00:00</updated></info>'
        '<citation><layout><text variable="title"/></layout></citation></style>\n', encoding="utf-8")
    with pytest.raises(StyleError, match="no bibliography"):
        reflist.emit(seed_bibliography(), fmt="txt", style=str(path))


@pytest.mark.parametrize("style", ["chicago-author-date", "modern-language-association", "acm-sig-proceedings"])
def test_other_shipped_styles_render_every_entry(style: str) -> None:
    out = seed_list(style, "txt")
    for title in ("Mistral 7B", "Direct Preference Optimization", "Holistic Evaluation of Language Models",
                  "Challenges in evaluating AI systems", "awesome-RLHF", "Llama 2"):
        assert title.lower() in out.lower(), (style, title)
