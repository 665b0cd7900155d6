"""BibTeX emitter and LaTeX helpers: entry mapping, names, case protection, escaping, stable output."""

from __future__ import annotations

import codecs
import re
import unicodedata

import bibtexparser
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pybtex.database.input.bibtex import Parser as PybtexParser  # direct: no plugin lookup
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from bibexport.emitters.bibtex import (
    NAME_LEAD_DROPPED,
    emit,
    entry_type_for,
    format_name,
    record_to_fields,
    verbatim,
)
from bibexport.latex import (
    _SYMBOLS,
    GUARD,
    encode_text,
    is_guarded,
    normalize_text,
    protect_title,
    split_math,
)
from bibexport.model import Person, Record

MISTRAL = Record(
    type="article",
    title="Mistral 7B",
    authors=(
        Person(family="Jiang", given="Albert Q."),
        Person(family="Casas", given="Diego", particle="de las"),
        Person(family="Renard Lavaud", given="Lélio"),
        Person(family="Lacroix", given="Timothée"),
    ),
    issued=(2023, 10, 10),
    arxiv_id="2310.06825",
    arxiv_class="cs.CL",
    doi="10.48550/arXiv.2310.06825",
    url="https://arxiv.org/abs/2310.06825",
)

DPO = Record(
    type="paper-conference",
    title="Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
    authors=(Person(family="Rafailov", given="Rafael"), Person(family="Finn", given="Chelsea")),
    issued=(2023,),
    container_title="Advances in Neural Information Processing Systems 36",
    editors=(Person(family="Oh", given="A."), Person(family="Cho", given="K.")),
    publisher="Curran Associates, Inc.",
    event_place="New Orleans, LA, USA",
    pages="53728–53741",
    arxiv_id="2305.18290",
    arxiv_class="cs.LG",
    url="https://openreview.net/forum?id=HPuSIXJaa9",
)

HELM = Record(
    type="article-journal",
    title="Holistic Evaluation of Language Models",
    authors=(Person(family="Liang", given="Percy"),),
    issued=(2023,),
    container_title="Transactions on Machine Learning Research",
    issn="2835-8856",
    url="https://openreview.net/forum?id=iO4LZibEqW",
)

WEBPAGE = Record(
    type="post-weblog",
    title="Introducing Claude",
    authors=(Person(literal="Anthropic"),),
    issued=(2023, 3, 14),
    site="Anthropic",
    url="https://www.anthropic.com/news/introducing-claude",
    accessed=(2024, 2, 8),
)

UNRESOLVED = Record(type="article", title="Deep reinforcement learning from human preferences")


def test_arxiv_preprint_is_misc_with_eprint_fields_in_stable_order() -> None:
    assert emit([("jiang2023mistral", MISTRAL)]) == (
        "@misc{jiang2023mistral,\n"
        "  author        = {Jiang, Albert Q. and de las Casas, Diego and Renard Lavaud, L{\\'e}lio"
        " and Lacroix, Timoth{\\'e}e},\n"
        "  title         = {{Mistral} {7B}},\n"
        "  year          = {2023},\n"
        "  eprint        = {2310.06825},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass  = {cs.CL},\n"
        "  doi           = {10.48550/arXiv.2310.06825},\n"
        "  url           = {https://arxiv.org/abs/2310.06825},\n"
        "}\n"
    )


def test_conference_paper_is_inproceedings_with_editors_pages_and_eprint() -> None:
    kind, fields = record_to_fields("rafailov2023direct", DPO)
    assert kind == "inproceedings"
    assert [name for name, _ in fields] == [
        "author", "editor", "title", "booktitle", "year", "pages", "publisher", "address",
        "eprint", "archivePrefix", "primaryClass", "url",
    ]  # fmt: skip
    values = dict(fields)
    assert values["editor"] == "Oh, A. and Cho, K."
    assert values["pages"] == "53728--53741"
    assert values["booktitle"] == "Advances in Neural Information Processing Systems 36"
    assert values["publisher"] == "Curran Associates, Inc."


def test_journal_article_has_journal_and_issn() -> None:
    kind, fields = record_to_fields("liang2023holistic", HELM)
    assert kind == "article"
    assert dict(fields)["journal"] == "Transactions on Machine Learning Research"
    assert dict(fields)["issn"] == "2835-8856"
    assert dict(fields)["title"] == "Holistic Evaluation of Language Models"


def test_types_without_their_required_venue_fall_back_to_misc() -> None:
    assert entry_type_for(HELM.replace(container_title="")).name == "misc"
    assert entry_type_for(DPO.replace(container_title="")).name == "misc"
    assert entry_type_for(Record(type="report", title="x")).name == "misc"
    assert entry_type_for(Record(type="report", title="x", publisher="OpenAI")).name == "techreport"
    # A chapter without publisher keeps its book title where a misc can show it.
    kind, fields = record_to_fields("k", Record(type="chapter", title="x", container_title="The Book"))
    assert kind == "misc" and dict(fields)["howpublished"] == "The Book"


def test_webpage_has_url_howpublished_urldate_and_accessed_note() -> None:
    kind, fields = record_to_fields("anthropic2023introducing", WEBPAGE)
    assert kind == "misc"
    assert fields == [
        ("author", "{Anthropic}"),
        ("title", "Introducing Claude"),  # Title Case: a capital says nothing
        ("howpublished", "Anthropic"),
        ("year", "2023"),
        ("url", "https://www.anthropic.com/news/introducing-claude"),
        ("urldate", "2024-02-08"),
        ("note", "Accessed 2024-02-08"),
    ]


def test_webpage_without_site_names_the_host_and_keeps_its_own_note() -> None:
    record = WEBPAGE.replace(site="", note="Blog post.")
    values = dict(record_to_fields("k", record)[1])
    assert values["howpublished"] == "www.anthropic.com"
    assert values["note"] == "Blog post. Accessed 2024-02-08"


def test_misc_shows_the_publisher_once_through_howpublished() -> None:
    repo = Record(type="software", title="awesome-RLHF", publisher="GitHub", issued=(2023,),
                  url="https://github.com/opendilab/awesome-RLHF")  # fmt: skip
    kind, fields = record_to_fields("k", repo)
    assert kind == "misc"
    assert dict(fields)["howpublished"] == "GitHub" and "publisher" not in dict(fields)
    assert dict(fields)["title"] == "awesome-{RLHF}"


def test_entry_without_author_gets_a_key_field_for_sorting() -> None:
    kind, fields = record_to_fields("unresolved", UNRESOLVED)
    assert kind == "misc"
    assert fields == [
        ("title", "Deep reinforcement learning from human preferences"),
        ("key", "Deep reinforcement learning from human preferences"),
    ]
    assert "key" not in dict(record_to_fields("k", MISTRAL)[1])


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        (Person(family="Casas", given="Diego", particle="de las"), "de las Casas, Diego"),
        (Person(family="King", given="Martin Luther", suffix="Jr."), "King, Jr., Martin Luther"),
        (Person(literal="Hugging Face"), "{Hugging Face}"),
        (Person(family="Supryadi"), "Supryadi"),
        (Person(given="Supryadi"), "Supryadi"),
        (Person(family="Le Scao"), "{Le Scao}"),  # no comma: BibTeX would read "Le" as a first name
        (Person(family="Brøndsted", given="Łukasz"), "Br{\\o}ndsted, {\\L}ukasz"),
        (Person(family="Žižek", given="Slavoj"), "{\\v Z}i{\\v z}ek, Slavoj"),
        (Person(family="王", given="小明"), "王, 小明"),
        (Person(family="And", given="Anne"), "{And}, Anne"),
        (Person(family="Gogh", given="Vincent", particle="Van"), "{Van Gogh}, Vincent"),
        (Person(family="Smith, Jones", given="A"), "{Smith, Jones}, A"),
        (Person(literal="AT&T {Labs}"), "{AT\\&T {\\textbraceleft}Labs{\\textbraceright}}"),
    ],
)
def test_names(person: Person, expected: str) -> None:
    assert format_name(person) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Mistral 7B", "{Mistral} {7B}"),
        # A short Title-Case title, or the head before its colon, names the work (issue 14, point 12).
        ("Mixtral of Experts", "Mixtral of {Experts}"),
        ("OLMo: Accelerating the Science of Language Models", "{OLMo}: Accelerating the Science of Language Models"),
        ("Llama 2: Open Foundation and Fine-Tuned Chat Models", "{Llama} 2: Open Foundation and Fine-Tuned Chat Models"),
        ("The Pile: An 800GB Dataset of Diverse Text for Language Modeling",
         "The {Pile}: An {800GB} Dataset of Diverse Text for Language Modeling"),
        ("Leveraging Large Language Models for NLG Evaluation: Advances and Challenges",
         "Leveraging Large Language Models for {NLG} Evaluation: Advances and Challenges"),
        ("Holistic Evaluation of Text-To-Image Models", "Holistic Evaluation of Text-To-Image Models"),
        ("HELM, RLHF and GPT-4 for AI", "{HELM}, {RLHF} and {GPT}-4 for {AI}"),
        ("Scaling T5 and LLaMA to 8x7B", "Scaling {T5} and {LLaMA} to {8x7B}"),
        ("Phi-2: the surprising power of small models", "{Phi}-2: the surprising power of small models"),
        # Sentence case: a capital inside the title marks a proper noun.
        ("Training language models to follow instructions with human feedback",
         "Training language models to follow instructions with human feedback"),
        ("Fine-tuning language models from Wikipedia with human feedback",
         "Fine-tuning language models from {Wikipedia} with human feedback"),
        ("Constitutional AI: harmlessness from AI feedback", "Constitutional {AI}: harmlessness from {AI} feedback"),
        ("What I learned training big models", "What {I} learned training big models"),
        # Math: unambiguous TeX math stays verbatim and braced; a lone dollar is a dollar.
        ("Scaling $\\mu$P to large models", "Scaling {$\\mu$}{P} to large models"),
        ("A $5 model beats a $100 one", "A \\$5 model beats a \\$100 one"),
    ],
)  # fmt: skip
def test_title_case_protection(title: str, expected: str) -> None:
    assert protect_title(title) == expected


def test_keep_case_braces_listed_proper_nouns_in_title_case_titles() -> None:
    assert protect_title("Introducing Claude") == "Introducing Claude"
    assert protect_title("Introducing Claude", keep_case={"Claude"}) == "Introducing {Claude}"
    assert protect_title("The Pile: Claude-Like Models", keep_case={"Pile", "Claude"}) == (
        "The {Pile}: {Claude}-Like Models"
    )
    text = emit([("k", WEBPAGE)], keep_case=["Claude"])
    assert "title         = {Introducing {Claude}}," in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a{b}c\\d", "a{\\textbraceleft}b{\\textbraceright}c{\\textbackslash}d"),
        ("100% & #1 a_b $5", "100\\% \\& \\#1 a\\_b \\$5"),
        ("~x^2 <b>|", "{\\textasciitilde}x{\\textasciicircum}2 {\\textless}b{\\textgreater}{\\textbar}"),
        ("unbalanced {", "unbalanced {\\textbraceleft}"),
        ("Lélio naïve Åsa ç ı ĭ", "L{\\'e}lio na{\\\"{i}}ve {\\AA}sa {\\c c} {\\i} {\\u{i}}"),
        ("α ≤ β, 5°", "{$\\alpha$} {$\\leq$} {$\\beta$}, 5{$^\\circ$}"),
        # latexcodec spells these with undefined or package-only commands: letters stay UTF-8, symbols guarded
        ("Α ℝ ¢ ¥ ¯", "Α ℝ " + " ".join(GUARD.format(c) for c in "¢¥¯")),
        ("Timothe\u0301e", "Timoth{\\'e}e"),  # NFC first
        ("line\nbreak\t tab\x00", "line break tab"),
        ("张伟 ½", "张伟 " + GUARD.format("½")),  # no LaTeX spelling: a letter stays UTF-8, a symbol is guarded
        ("a\u200bb\u202e\ufffd ∙", "ab {$\\bullet$}"),  # format characters and U+FFFD dropped
    ],
)
def test_encode_text(text: str, expected: str) -> None:
    assert encode_text(text) == expected


def test_encoded_text_has_balanced_braces() -> None:
    text = encode_text("}{ {{ } x")
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0


def test_urls_and_dois_are_verbatim_except_brace_breakers() -> None:
    url = "https://example.org/a%20b_c?x=1&y=2#frag"
    assert verbatim(url) == url
    assert verbatim("https://x.org/{a}\\b c") == "https://x.org/%7Ba%7D%5Cb%20c"
    record = WEBPAGE.replace(url=url, doi="10.1002/(SICI)1097-4636<448::AID>3.0.CO;2-W")
    values = dict(record_to_fields("k", record)[1])
    assert values["url"] == url
    assert values["doi"] == "10.1002/(SICI)1097-4636<448::AID>3.0.CO;2-W"


def test_output_is_stable_ordered_and_parses_back() -> None:
    entries = [("b", DPO), ("a", MISTRAL), ("c", WEBPAGE), ("d", UNRESOLVED), ("e", HELM)]
    text = emit(entries)
    assert text == emit(list(entries))
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == ["b", "a", "c", "d", "e"]
    parsed = library.entries_dict["a"]
    assert parsed.entry_type == "misc"
    assert parsed["archivePrefix"] == "{arXiv}" or parsed["archivePrefix"] == "arXiv"
    assert text.count("\n\n") == len(entries) - 1  # one blank line between entries


def test_empty_input_gives_empty_text() -> None:
    assert emit([]) == ""


def test_normalize_text_is_idempotent() -> None:
    text = " a\u00a0 b\n\nc\u200b "
    assert normalize_text(normalize_text(text)) == normalize_text(text) == "a b c"


# --- Properties: whatever the text, the .bib parses back and decodes to the same text --------------------------

_SPECIAL = "{}\\%&#_$~^<>|"
_DB = get_default_latex_context_db()
_DB.add_context_category(
    "bibexport-escapes",
    prepend=True,
    macros=[
        MacroTextSpec(name, text)
        for name, text in {
            "textbraceleft": "{", "textbraceright": "}", "textbackslash": "\\", "textasciitilde": "~",
            "textasciicircum": "^", "textless": "<", "textgreater": ">", "textbar": "|",
            # text symbols pylatexenc 2 does not know
            "pounds": "£", "S": "§", "copyright": "©", "P": "¶", "dag": "†", "ddag": "‡",
        }.items()
    ],
)  # fmt: skip
_DECODER = LatexNodes2Text(latex_context=_DB, math_mode="text", strict_latex_spaces=True)

#: Text from anywhere in Unicode, weighted towards the characters that break .bib files.
TEXT = st.lists(
    st.one_of(
        st.sampled_from([*_SPECIAL, " ", "-", "--", "''", "ä", "Ł", "王", "GPT", "Llama 2"]), st.characters()
    ),
    max_size=30,
).map("".join)


NONEMPTY = TEXT.filter(lambda s: normalize_text(s) != "")


_MATH_SYMBOL = re.compile(r"\{(\$[^$]*\$)\}")
_GUARDED = re.compile(re.escape(GUARD.format("\0")).replace("\0", "(.)", 1).replace("\0", r"\1"))


def decode(latex: str) -> str:
    """An independent LaTeX → text decoder (pylatexenc); grouping and case-protection braces vanish.

    Single math symbols (``{$\\leq$}``, ``{$^\\circ$}``) are decoded by latexcodec's table, the inverse of the
    one that wrote them: pylatexenc reads ``$^\\circ$`` as "^∘"."""
    latex = _GUARDED.sub(lambda m: m.group(1), latex)  # what XeLaTeX prints for a guarded symbol
    latex = _MATH_SYMBOL.sub(lambda m: codecs.decode(m.group(1), "ulatex"), latex)
    return as_typeset(_DECODER.latex_to_text(latex))


#: ASCII runs that TeX's text fonts typeset as one glyph, longest first.
_TEX_LIGATURES = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"), (",,", "\u201e"),
                  ("`", "\u2018"), ("'", "\u2019"), ("\u2010", "-"))  # fmt: skip


#: latex._SYMBOLS: each symbol as its spelling prints (∙ is written $\bullet$, which is •).
_SPELLED_SYMBOLS = str.maketrans({k: codecs.decode(v, "ulatex") for k, v in _SYMBOLS.items()})


def as_typeset(text: str) -> str:
    """The glyphs LaTeX prints for ``text``, up to Unicode compatibility (NFKC: the ligature "ﬁ" is "fi").

    This is the "same" of the round-trip property: the encoder writes ``ﬁ`` as ``fi`` and ``’`` as ``'``,
    and TeX prints ``--`` as an en dash, so equality is judged on what ends up on the page."""
    out = unicodedata.normalize("NFKC", text.translate(_SPELLED_SYMBOLS))
    for ascii_run, glyph in _TEX_LIGATURES:
        out = out.replace(ascii_run, glyph)
    return out


def same_text(text: str) -> str:
    """What a correct round trip gives back, as typeset: :func:`normalize_text` applied first."""
    return as_typeset(normalize_text(text))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NONEMPTY)
def test_property_title_round_trips_through_parsers_and_decoder(title: str) -> None:
    if any(is_math for _, is_math in split_math(normalize_text(title))):
        return  # TeX math is passed through verbatim by design (tested above), not escaped
    record = Record(type="article", title=title, authors=(Person(family="Doe", given="Jane"),))
    text = emit([("k", record)])
    encoded = dict(record_to_fields("k", record)[1])["title"]
    assert text.isascii() or any(not ch.isascii() for ch in normalize_text(title))

    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert library.entries[0]["title"] == encoded  # the default parse stack strips the enclosing braces

    parsed = PybtexParser().parse_string(text)
    assert parsed.entries["k"].fields["title"] == encoded

    assert decode(encoded) == same_text(title)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(family=NONEMPTY, given_name=TEXT, particle=st.sampled_from(["", "de las", "van der", "von"]))
# Found by a random run: TeX typesets "?`" as "¿" (and "!`" as "¡") unless the ligature is broken.
@example(family="?`", given_name="", particle="")
@example(family="A", given_name="Wh!`", particle="von")
def test_property_names_split_back_into_the_same_parts(family: str, given_name: str, particle: str) -> None:
    person = Person(family=family, given=given_name, particle=particle)
    # The .bib drops TeX specials where a name part starts (biber's initials break on them) and guarded symbols.
    family, given_name = ("".join(c for c in normalize_text(t) if not is_guarded(c)).lstrip(NAME_LEAD_DROPPED)
                          for t in (family, given_name))
    assume(family != "")
    text = emit([("k", Record(type="article", title="T", authors=(person, Person(literal=family))))])
    parsed = PybtexParser().parse_string(text).entries["k"].persons["author"]
    assert len(parsed) == 2
    back = parsed[0]
    surname = " ".join(back.prelast_names + back.last_names)
    assert decode(surname) == same_text(f"{particle} {family}")
    assert decode(" ".join(back.first_names + back.middle_names)) == same_text(given_name)
    assert back.lineage_names == []
    literal = parsed[1]
    assert decode(
        " ".join(literal.first_names + literal.middle_names + literal.prelast_names + literal.last_names)
    ) == (same_text(family))
